/**
 * Test helper: an object's functions as the CO-RE engine's input, the way libbpf sees them before
 * linking: each FUNC symbol of each code section is one (sub)program with its own instructions, and
 * each .BTF.ext CO-RE record of the section belongs to the function holding its instruction, keeping
 * libbpf's per-section record number. Also rewrites relocation kinds in an object's bytes, for the
 * kinds clang 14 cannot emit.
 */
import { decodeInstructions } from '../../asm/decode.js';
import { slotIndexes, type Instruction } from '../../asm/instruction.js';
import { readObjectParts } from '../object-file.js';
import { isCodeSection } from '../object-file.js';
import { SymbolType } from '../../elf/index.js';
import type { Btf } from '../../btf/btf.js';
import type { CoreSite } from './relocate.js';

export interface CoreProgram {
  name: string;
  section: string;
  /** First slot of the function in its section. */
  startSlot: number;
  instructions: Instruction[];
  sites: CoreSite[];
  /** libbpf's relo number (index in the section's records) of each site. */
  relocationNumbers: number[];
}

export interface CoreObject {
  btf: Btf;
  littleEndian: boolean;
  /** In .BTF.ext section order, then function order: the order libbpf relocates in. */
  programs: CoreProgram[];
}

export function readCoreObject(bytes: Uint8Array): CoreObject {
  const parts = readObjectParts(bytes);
  if (!parts.btf || !parts.btfExt) throw new TypeError('object has no .BTF/.BTF.ext');
  const elf = parts.elf;
  const programs: CoreProgram[] = [];
  const byOrder = [...parts.btfExt.coreRelocations.map((group) => group.section)];
  const sections = elf.sections.filter(isCodeSection).sort((a, b) => {
    const ia = byOrder.indexOf(a.name);
    const ib = byOrder.indexOf(b.name);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
  });
  for (const section of sections) {
    const group = parts.btfExt.coreRelocations.find((entry) => entry.section === section.name);
    const functions = elf.symbolsInSection(section).filter((symbol) => symbol.type === SymbolType.Func).sort((a, b) => Number(a.value - b.value));
    for (const symbol of functions) {
      const start = Number(symbol.value);
      const instructions = decodeInstructions(section.data.subarray(start, start + symbol.size), { byteOrder: elf.littleEndian ? 'little' : 'big' });
      const slots = slotIndexes(instructions);
      const startSlot = start / 8;
      const sites: CoreSite[] = [];
      const relocationNumbers: number[] = [];
      group?.records.forEach((relocation, number) => {
        const slot = relocation.instruction - startSlot;
        if (slot < 0 || slot >= symbol.size / 8) return;
        sites.push({ instructionIndex: slots.indexOf(slot), relocation });
        relocationNumbers.push(number);
      });
      programs.push({ name: symbol.name, section: section.name, startSlot, instructions, sites, relocationNumbers });
    }
  }
  return { btf: parts.btf, littleEndian: elf.littleEndian, programs };
}

/** A copy of an object whose CO-RE records of kind `from` are of kind `to` (little-endian objects). */
export function rewriteRelocationKinds(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const copy = bytes.slice();
  const parts = readObjectParts(copy);
  const ext = parts.elf.sectionByName('.BTF.ext');
  if (!ext || !parts.btfExt) throw new TypeError('object has no .BTF.ext');
  const view = new DataView(copy.buffer, copy.byteOffset + ext.offset, ext.size);
  const header = parts.btfExt.header;
  let at = header.headerLength + header.coreRelocationOffset;
  const end = at + header.coreRelocationLength;
  const recordSize = view.getUint32(at, true);
  at += 4;
  while (at < end) {
    const count = view.getUint32(at + 4, true);
    at += 8;
    for (let i = 0; i < count; i++, at += recordSize) {
      if (view.getUint32(at + 12, true) === from) view.setUint32(at + 12, to, true);
    }
  }
  return copy;
}
