/**
 * What a fuzz case runs: every reader tsbpf has for the input, and a walk over everything it
 * returns (lazily decoded parts included), the way `tsbpf obj show` would touch them. Parsed BTF
 * also goes through what prints or decodes it: the C dumper (`btf dump ... format c`), the raw dump
 * (`format raw` and its JSON) and both value decoders (map dump, events, globals).
 */
import { Btf } from '../btf/btf.js';
import { formatBtfAsCBytes } from '../btf/dump-c.js';
import { btfRawJson, formatBtfRaw } from '../btf/dump-raw.js';
import { BtfKind, type BtfSource } from '../btf/types.js';
import { decodeBtfValue } from '../btf/value-codec.js';
import { btfDecoder } from '../btf/value-decoder.js';
import { TsbpfError } from '../errors.js';
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

/**
 * Every type decoded, then each consumer of parsed BTF on its own, so that one refusing the blob
 * (a typed error) does not keep the others from running; the first typed error is rethrown at the
 * end, so the case still counts as refused. Untyped exceptions propagate at once.
 */
function walkBtf(btf: BtfSource): void {
  let refusal: TsbpfError | undefined;
  const attempt = (target: () => void): void => {
    try {
      target();
    } catch (error) {
      if (!(error instanceof TsbpfError)) throw error;
      refusal ??= error;
    }
  };
  attempt(() => {
    for (let id = 0; id < btf.typeCount; id++) {
      const type = btf.type(id);
      if (type.name.length < 0) throw new Error('unreachable');
    }
  });
  const ids = sampledIds(btf);
  attempt(() => void formatBtfAsCBytes(btf, ids.length === btf.typeCount - 1 ? {} : { rootTypeIds: ids }));
  attempt(() => void formatBtfRaw(btf, { ids: ids.filter((id) => id >= btf.firstTypeId) }));
  attempt(() => void btfRawJson(btf, { ids: ids.filter((id) => id >= btf.firstTypeId).slice(0, 256) }));
  // decoding is the costliest consumer per type: a quarter of vmlinux's sample keeps a case well under a second
  if (btf instanceof Btf) attempt(() => decodeValues(btf, btf.typeCount <= 4096 ? ids : ids.filter((_, i) => i % 4 === 0)));
  if (refusal) throw refusal;
}

/** Types the formatters and decoders run on: all of a small blob's; of vmlinux, the first 512 (where the structural mutations land) and every 128th. */
function sampledIds(btf: BtfSource): number[] {
  const ids: number[] = [];
  for (let id = 1; id < btf.typeCount; id++) if (btf.typeCount <= 4096 || id <= 512 || id % 128 === 0) ids.push(id);
  return ids;
}

/** Zeroed bytes to decode from: larger types are refused by the decoders' size check, which is part of what runs. */
const VALUE_BYTES = new Uint8Array(4096);
const DECODED_KINDS = (1 << BtfKind.Struct) | (1 << BtfKind.Union) | (1 << BtfKind.Array) | (1 << BtfKind.Typedef) | (1 << BtfKind.Enum) | (1 << BtfKind.Enum64);

/** Both value decoders on every sampled struct, union, array, typedef and enum, each refusal typed or the case fails. */
function decodeValues(btf: Btf, ids: readonly number[]): void {
  let refusal: TsbpfError | undefined;
  for (const id of ids) {
    if (!((DECODED_KINDS >>> btf.kindOf(id)) & 1)) continue;
    for (const decode of [() => btfDecoder(btf, id)(VALUE_BYTES), () => decodeBtfValue(btf, id, VALUE_BYTES)]) {
      try {
        decode();
      } catch (error) {
        if (!(error instanceof TsbpfError)) throw error;
        refusal ??= error;
      }
    }
  }
  if (refusal) throw refusal;
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
