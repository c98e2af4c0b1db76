/**
 * What a fuzz case runs: every reader tsbpf has for the input, and a walk over everything it
 * returns (lazily decoded parts included), the way `tsbpf obj show` would touch them.
 */
import type { BtfSource } from '../btf/types.js';
import { parseBtfExt } from '../btf/ext.js';
import { BtfExtError } from '../btf/ext-error.js';
import { ElfMachine, parseElf, parseStapsdtNote, type ElfFile } from '../elf/index.js';
import { objectBtfBytes } from '../loader/object-btf.js';
import { linkProgram } from '../object/link-program.js';
import { lintObject } from '../object/lint.js';
import { readObjectSpec } from '../object/object-spec.js';
import type { FuzzInput } from './inputs.js';

/** The BTF parser, when its module exists (it is written concurrently; the fuzzer runs without it). */
export type BtfParser = (bytes: Uint8Array) => BtfSource;

export async function loadBtfParser(): Promise<BtfParser | undefined> {
  const modulePath = '../btf/btf.js';
  try {
    const module = (await import(modulePath)) as { Btf?: { parse?: (bytes: Uint8Array) => BtfSource }; parseBtf?: (bytes: Uint8Array) => BtfSource };
    const parse = module.Btf?.parse;
    if (parse) return (bytes) => parse.call(module.Btf, bytes);
    return module.parseBtf;
  } catch {
    return undefined;
  }
}

export function runTargets(input: FuzzInput, bytes: Uint8Array, parseBtf: BtfParser | undefined): void {
  if (input.kind === 'btf') {
    if (parseBtf) walkBtf(parseBtf(bytes));
    return;
  }
  const elf = parseElf(bytes);
  walkElf(elf, parseBtf);
  if (elf.header.machine === ElfMachine.Bpf) walkObjectSpec(bytes);
}

/** What the loader does before it touches the kernel: the spec, every program linked, the BTF fixed up and written. */
function walkObjectSpec(bytes: Uint8Array): void {
  const spec = readObjectSpec(bytes, { name: 'fuzz' });
  let touched = 0;
  for (const program of spec.programs) touched += linkProgram(spec, program).instructions.length;
  touched += objectBtfBytes(spec)?.length ?? 0;
  touched += lintObject(bytes).length;
  if (touched < 0) throw new Error('unreachable: keeps the walk from being optimised away');
}

function walkElf(elf: ElfFile, parseBtf: BtfParser | undefined): void {
  let touched = 0;
  for (const section of elf.sections) touched += section.data.length + section.name.length;
  for (const symbol of elf.symbols) touched += symbol.name.length;
  for (const symbol of elf.dynamicSymbols) touched += symbol.name.length;
  for (const { relocations } of elf.relocationSections) touched += relocations.length;
  for (const { note } of elf.allNotes) {
    if (note.name === 'stapsdt') touched += parseStapsdtNote(note, elf.littleEndian).name.length;
  }
  const btfSection = elf.sectionByName('.BTF');
  const extSection = elf.sectionByName('.BTF.ext');
  let strings = btfSection ? rawBtfStrings(btfSection.data) : undefined;
  if (btfSection && parseBtf) {
    const btf = parseBtf(btfSection.data);
    walkBtf(btf);
    strings = (offset) => btf.string(offset);
  }
  if (extSection && strings) {
    const ext = parseBtfExt(extSection.data, strings);
    touched += ext.funcInfo.length + ext.lineInfo.length + ext.coreRelocations.length;
  }
  if (touched < 0) throw new Error('unreachable: keeps the walk from being optimised away');
}

function walkBtf(btf: BtfSource): void {
  for (let id = 0; id < btf.typeCount; id++) {
    const type = btf.type(id);
    if (type.name.length < 0) throw new Error('unreachable');
  }
}

/**
 * The .BTF string table read with no BTF parser, for BTF.ext strings when btf.ts is absent or has
 * refused the blob. Bounds-checked; failures are BtfExtErrors, like a BtfSource's would be typed.
 */
function rawBtfStrings(btf: Uint8Array): (offset: number) => string {
  const view = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (btf.length < 24) return () => { throw new BtfExtError(0, 'no .BTF header to resolve strings through'); };
  const littleEndian = view.getUint16(0, true) === 0xeb9f;
  const start = view.getUint32(4, littleEndian) + view.getUint32(16, littleEndian);
  const end = Math.min(btf.length, start + view.getUint32(20, littleEndian));
  const decoder = new TextDecoder();
  return (offset) => {
    const at = start + offset;
    const nul = at < end ? btf.indexOf(0, at) : -1;
    if (nul < 0 || nul >= end) throw new BtfExtError(0, `string offset ${offset} is outside the .BTF string table`);
    return decoder.decode(btf.subarray(at, nul));
  };
}
