/**
 * `readObjectFile`: what each section of a BPF object is for, as libbpf will read it. The learner's
 * `readelf --section-details` lists PROGBITS and REL; this names the roles behind them (a program and
 * its hook, the maps, the license, the BTF, the global variables) with the numbers that matter.
 * Pure: a Uint8Array in, plain data out, no Node imports.
 */
import { Btf } from '../btf/btf.js';
import { parseBtfExt, type BtfExt } from '../btf/ext.js';
import { BtfKind, VarLinkage } from '../btf/types.js';
import {
  ELF_MACHINE_NAMES, ELF_TYPE_NAMES, ElfMachine, SectionFlag, SectionType, SymbolBinding, SymbolType, parseElf, sectionFlagLetters,
  type ElfFile, type ElfSection, type ElfSymbol,
} from '../elf/index.js';
import { mapTypeName } from '../maps/map-types.js';
import { attachTypeName } from '../programs/attach-types.js';
import { programTypeName } from '../programs/program-types.js';
import { readBtfMaps, type BtfMap } from './btf-maps.js';
import { ObjectError } from './object-error.js';
import { closestSectionName, matchSection } from './section-names.js';
import { simpleTypeName } from './type-names.js';
import { isStructOpsSectionName, readStructOps, structOpsMapSpec, type StructOpsSpec } from './struct-ops.js';
import { INSTRUCTION_BYTES as INSTRUCTION_SIZE } from '../asm/instruction.js';

/** struct bpf_map_def: type, key_size, value_size, max_entries, map_flags (u32 each). */
const LEGACY_MAP_DEF_FIELDS = 5;

export interface FunctionSummary {
  name: string;
  /** Byte offset in its section, and size in bytes (from the FUNC symbol). */
  offset: number;
  size: number;
  global: boolean;
}

export interface ProgramSummary {
  /** The program's name: its function. */
  name: string;
  section: string;
  sectionIndex: number;
  programType: string;
  expectedAttachType: string;
  /** What auto-attach hooks to, from the SEC name ('' when the name carries none). */
  attachTarget: string;
  autoload: boolean;
  sleepable: boolean;
  offset: number;
  size: number;
  instructions: number;
}

export interface MapSummary {
  name: string;
  /** '.maps' (BTF-defined) or 'maps' (legacy struct bpf_map_def). */
  section: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  keyType?: string;
  valueType?: string;
  pinning?: number;
  numaNode?: number;
  mapExtra?: bigint;
  /** Map-in-map and prog arrays: what the values are, and the slots the initializer fills. */
  values?: { kind: 'inner-map' | 'programs'; inner?: MapSummary; initial: { slot: number; symbol: string }[] };
  /** Libbpf v1 refuses legacy map definitions; said here rather than hidden. */
  note?: string;
}

export interface VariableSummary {
  name: string;
  type: string;
  offset: number;
  size: number;
  global: boolean;
}

export interface ExternSummary {
  name: string;
  /** '.kconfig' (CONFIG_* and LINUX_KERNEL_VERSION values) or '.ksyms' (kernel variables and kfuncs). */
  section: string;
  kind: 'variable' | 'function';
  type: string;
  weak: boolean;
}

export interface BtfExtSectionCounts {
  section: string;
  funcInfo: number;
  lineInfo: number;
  coreRelocations: number;
}

export type SectionRole =
  | { kind: 'null' }
  | { kind: 'program'; programs: ProgramSummary[]; instructions: number }
  | { kind: 'unknown-program'; didYouMean: string; instructions: number }
  | { kind: 'subprograms'; functions: FunctionSummary[]; instructions: number }
  | { kind: 'btf-maps'; maps: string[] }
  /** `.struct_ops` / `.struct_ops.link`: each variable is a struct_ops map implementing a kernel struct. */
  | { kind: 'struct-ops'; link: boolean; maps: { name: string; struct: string; programs: { member: string; program: string }[] }[] }
  | { kind: 'legacy-maps'; maps: string[] }
  | { kind: 'license'; license: string }
  | { kind: 'version'; version: number }
  | { kind: 'btf'; types: number; stringBytes: number }
  | { kind: 'btf-ext'; sections: BtfExtSectionCounts[] }
  | { kind: 'data'; access: 'read-only' | 'read-write' | 'zero-initialized'; variables: VariableSummary[]; strings: boolean }
  | { kind: 'relocations'; target: string; targetIndex: number; count: number; symbols: string[] }
  | { kind: 'symbols'; count: number }
  | { kind: 'strings' }
  | { kind: 'addrsig' }
  | { kind: 'debug' }
  | { kind: 'other' };

export interface SectionSummary {
  /** readelf's [Nr]. */
  index: number;
  name: string;
  type: string;
  flags: string;
  offset: number;
  size: number;
  role: SectionRole;
}

export interface ObjectFileSummary {
  elfClass: 'ELF64';
  fileType: string;
  machine: string;
  endianness: 'little' | 'big';
  sections: SectionSummary[];
  programs: ProgramSummary[];
  maps: MapSummary[];
  externs: ExternSummary[];
  license?: string;
  kernelVersion?: number;
  btf?: { types: number; stringBytes: number };
}

/** What readObjectFile and the disassembler share: the parsed ELF, its BTF and BTF.ext when present. */
export interface ObjectParts {
  elf: ElfFile;
  btf?: Btf;
  btfSection?: ElfSection;
  btfExt?: BtfExt;
}

/** Parses the ELF and its .BTF/.BTF.ext; refuses anything that is not a relocatable BPF object. */
export function readObjectParts(bytes: Uint8Array): ObjectParts {
  const elf = parseElf(bytes);
  if (elf.header.machine !== ElfMachine.Bpf) {
    const machine = ELF_MACHINE_NAMES[elf.header.machine] ?? `machine ${elf.header.machine}`;
    throw new ObjectError(18, `e_machine is ${machine}, not Linux BPF`, 'give a BPF object (clang -target bpf -c)');
  }
  const btfSection = elf.sectionByName('.BTF');
  const btf = btfSection ? Btf.parse(btfSection.data) : undefined;
  const extSection = elf.sectionByName('.BTF.ext');
  const btfExt = btf && extSection ? parseBtfExt(extSection.data, (offset) => btf.string(offset)) : undefined;
  return { elf, ...(btf ? { btf, btfSection } : {}), ...(btfExt ? { btfExt } : {}) };
}

export function isCodeSection(section: ElfSection): boolean {
  return section.type === SectionType.Progbits && (section.flags & SectionFlag.ExecInstr) !== 0;
}

function functionsIn(elf: ElfFile, section: ElfSection): FunctionSummary[] {
  return elf.symbolsInSection(section)
    .filter((symbol) => symbol.type === SymbolType.Func)
    .map((symbol) => ({ name: symbol.name, offset: Number(symbol.value), size: symbol.size, global: symbol.binding !== SymbolBinding.Local }))
    .sort((a, b) => a.offset - b.offset);
}

function cString(data: Uint8Array): string {
  const end = data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? data : data.subarray(0, end));
}

function programsOf(elf: ElfFile, section: ElfSection): ProgramSummary[] | undefined {
  const match = matchSection(section.name);
  if (!match) return undefined;
  const functions = functionsIn(elf, section);
  return functions.map((fn) => ({
    name: fn.name,
    section: section.name,
    sectionIndex: section.index,
    programType: programTypeName(match.definition.programType),
    expectedAttachType: match.definition.expectedAttachType === 0 && !match.definition.flags.attachable ? '' : attachTypeName(match.definition.expectedAttachType),
    attachTarget: match.target,
    autoload: match.autoload,
    sleepable: Boolean(match.definition.flags.sleepable),
    offset: fn.offset,
    size: fn.size,
    instructions: fn.size / INSTRUCTION_SIZE,
  }));
}

function btfMapSummary(btf: Btf, map: Omit<BtfMap, 'offset' | 'size' | 'linkage'>): MapSummary {
  const summary: MapSummary = {
    name: map.name,
    section: '.maps',
    type: mapTypeName(map.type ?? 0),
    keySize: map.keySize ?? 0,
    valueSize: map.valueSize ?? 0,
    maxEntries: map.maxEntries ?? 0,
    flags: map.mapFlags ?? 0,
  };
  if (map.keyTypeId !== undefined) summary.keyType = simpleTypeName(btf, map.keyTypeId);
  if (map.valueTypeId !== undefined) summary.valueType = simpleTypeName(btf, map.valueTypeId);
  if (map.pinning !== undefined) summary.pinning = map.pinning;
  if (map.numaNode !== undefined) summary.numaNode = map.numaNode;
  if (map.mapExtra !== undefined) summary.mapExtra = map.mapExtra;
  if (map.values) {
    summary.values = { kind: map.values.kind, initial: map.values.initial };
    if (map.values.inner) summary.values.inner = btfMapSummary(btf, map.values.inner);
  }
  return summary;
}

/** The legacy `maps` section: one struct bpf_map_def per symbol, its size the section's size over the symbol count. */
function legacyMaps(elf: ElfFile, section: ElfSection): MapSummary[] {
  const symbols = elf.symbolsInSection(section).filter((symbol) => symbol.type !== SymbolType.Section && symbol.name !== '');
  if (symbols.length === 0) return [];
  const definitionSize = section.size / symbols.length;
  if (!Number.isInteger(definitionSize) || definitionSize < LEGACY_MAP_DEF_FIELDS * 4) {
    throw new ObjectError(section.headerOffset + 32, `the legacy maps section (${section.size} bytes) does not divide into ${symbols.length} struct bpf_map_def`);
  }
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  return symbols.map((symbol) => {
    const at = Number(symbol.value);
    if (at + LEGACY_MAP_DEF_FIELDS * 4 > section.size) throw new ObjectError(section.offset + at, `legacy map ${symbol.name} runs past the maps section`);
    const field = (i: number) => view.getUint32(at + i * 4, elf.littleEndian);
    return {
      name: symbol.name, section: 'maps', type: mapTypeName(field(0)), keySize: field(1), valueSize: field(2), maxEntries: field(3), flags: field(4),
      note: 'legacy struct bpf_map_def: libbpf v1.0 and later refuse it; use BTF-defined maps in .maps',
    };
  });
}

function dataVariables(elf: ElfFile, btf: Btf | undefined, section: ElfSection): VariableSummary[] {
  const symbols = new Map(elf.symbolsInSection(section).filter((s) => s.type === SymbolType.Object).map((s) => [s.name, s]));
  const datasec = btf?.findByName(section.name, BtfKind.Datasec)[0];
  if (!btf || !datasec || datasec.kind !== BtfKind.Datasec) {
    return [...symbols.values()].map((s) => ({ name: s.name, type: '', offset: Number(s.value), size: s.size, global: s.binding !== SymbolBinding.Local }));
  }
  return datasec.variables.map((info) => {
    const variable = btf.type(info.type);
    const name = variable.name;
    const symbol = symbols.get(name);
    return {
      name,
      type: variable.kind === BtfKind.Var ? simpleTypeName(btf, variable.type) : simpleTypeName(btf, info.type),
      // clang leaves offsets at 0 in the DATASEC; the symbol's value is where the variable is
      offset: symbol ? Number(symbol.value) : info.offset,
      size: info.size,
      global: variable.kind === BtfKind.Var ? variable.linkage !== VarLinkage.Static : true,
    };
  }).sort((a, b) => a.offset - b.offset);
}

function externsOf(elf: ElfFile, btf: Btf | undefined): ExternSummary[] {
  if (!btf) return [];
  const weak = new Set(elf.symbols.filter((s) => s.binding === SymbolBinding.Weak && s.sectionIndex === 0).map((s) => s.name));
  const externs: ExternSummary[] = [];
  for (const section of ['.kconfig', '.ksyms']) {
    const datasec = btf.findByName(section, BtfKind.Datasec)[0];
    if (!datasec || datasec.kind !== BtfKind.Datasec) continue;
    for (const info of datasec.variables) {
      const t = btf.type(info.type);
      const isFunction = t.kind === BtfKind.Func;
      externs.push({
        name: t.name, section, kind: isFunction ? 'function' : 'variable',
        type: t.kind === BtfKind.Var ? simpleTypeName(btf, t.type) : 'function', weak: weak.has(t.name),
      });
    }
  }
  return externs;
}

function btfExtCounts(ext: BtfExt): BtfExtSectionCounts[] {
  const counts = new Map<string, BtfExtSectionCounts>();
  const entry = (section: string) => {
    let found = counts.get(section);
    if (!found) counts.set(section, (found = { section, funcInfo: 0, lineInfo: 0, coreRelocations: 0 }));
    return found;
  };
  for (const s of ext.funcInfo) entry(s.section).funcInfo += s.records.length;
  for (const s of ext.lineInfo) entry(s.section).lineInfo += s.records.length;
  for (const s of ext.coreRelocations) entry(s.section).coreRelocations += s.records.length;
  return [...counts.values()];
}

function dataAccess(section: ElfSection): 'read-only' | 'read-write' | 'zero-initialized' | undefined {
  const name = section.name;
  if (name === '.rodata' || name.startsWith('.rodata.')) return 'read-only';
  if (name === '.bss' || name.startsWith('.bss.')) return 'zero-initialized';
  if (name === '.data' || name.startsWith('.data.')) return 'read-write';
  return undefined;
}

function roleOf(parts: ObjectParts, section: ElfSection, maps: { btf: BtfMap[]; legacy: MapSummary[]; structOps: StructOpsSpec[] }): SectionRole {
  const { elf, btf } = parts;
  const instructions = section.size / INSTRUCTION_SIZE;
  if (section.type === SectionType.Null) return { kind: 'null' };
  if (isCodeSection(section)) {
    if (section.name === '.text') return { kind: 'subprograms', functions: functionsIn(elf, section), instructions };
    const programs = programsOf(elf, section);
    return programs ? { kind: 'program', programs, instructions } : { kind: 'unknown-program', didYouMean: closestSectionName(section.name), instructions };
  }
  if (section.type === SectionType.Rel || section.type === SectionType.Rela) {
    const decoded = elf.relocationSection(section);
    // what the code and map sections refer to is worth naming; debug-info relocations are not
    const target = decoded.target;
    const named = target !== undefined && (isCodeSection(target) || target.name === '.maps' || isStructOpsSectionName(target.name));
    const names = named ? [...new Set(decoded.relocations.map((r) => symbolLabel(elf, r.symbol)).filter((name) => name !== ''))] : [];
    return { kind: 'relocations', target: decoded.target?.name ?? '', targetIndex: section.info, count: decoded.relocations.length, symbols: names };
  }
  if (section.type === SectionType.Symtab) return { kind: 'symbols', count: elf.symbols.length };
  if (section.type === SectionType.Strtab) return { kind: 'strings' };
  if (section.type === SectionType.LlvmAddrsig) return { kind: 'addrsig' };
  switch (section.name) {
    case '.maps': return { kind: 'btf-maps', maps: maps.btf.map((m) => m.name) };
    case 'maps': return { kind: 'legacy-maps', maps: maps.legacy.map((m) => m.name) };
    case 'license': return { kind: 'license', license: cString(section.data) };
    case 'version': return { kind: 'version', version: kernelVersion(elf, section) };
    case '.BTF': return btf ? { kind: 'btf', types: btf.typeCount - 1, stringBytes: btf.header.stringLength } : { kind: 'other' };
    case '.BTF.ext': return parts.btfExt ? { kind: 'btf-ext', sections: btfExtCounts(parts.btfExt) } : { kind: 'other' };
  }
  if (isStructOpsSectionName(section.name) && section.type === SectionType.Progbits) {
    const declared = maps.structOps.filter((spec) => spec.section === section.name);
    return {
      kind: 'struct-ops', link: section.name === '.struct_ops.link',
      maps: declared.map((spec) => ({ name: spec.variable, struct: spec.typeName, programs: spec.programs.map(({ member, program }) => ({ member, program })) })),
    };
  }
  if (section.name.startsWith('.debug_')) return { kind: 'debug' };
  const access = dataAccess(section);
  if (access) {
    const strings = (section.flags & SectionFlag.Strings) !== 0;
    return { kind: 'data', access, variables: strings ? [] : dataVariables(elf, btf, section), strings };
  }
  return { kind: 'other' };
}

/** A symbol's name; a section symbol (calls to static functions go through `.text`'s) by its section's name. */
function symbolLabel(elf: ElfFile, symbol: ElfSymbol | undefined): string {
  if (!symbol) return '';
  if (symbol.type === SymbolType.Section) return elf.sections[symbol.sectionIndex]?.name ?? '';
  return symbol.name;
}

function kernelVersion(elf: ElfFile, section: ElfSection): number {
  if (section.size !== 4) throw new ObjectError(section.headerOffset + 32, `the version section is ${section.size} bytes, not 4`);
  return new DataView(section.data.buffer, section.data.byteOffset, 4).getUint32(0, elf.littleEndian);
}

/** A struct_ops map as libbpf creates it: key 4 bytes, the struct as value, one entry, BPF_F_LINK for .struct_ops.link. */
function structOpsMapSummary(spec: StructOpsSpec): MapSummary {
  const map = structOpsMapSpec(spec);
  return {
    name: spec.variable, section: spec.section, type: 'struct_ops', keySize: map.keySize, valueSize: map.valueSize, maxEntries: map.maxEntries,
    flags: map.flags, valueType: `struct ${spec.localTypeName}`,
    note: `implements the kernel's struct ${spec.typeName}; ${spec.link ? 'attached through a BPF link' : 'registered by a map update'}`,
  };
}

/** Reads a BPF object (clang -target bpf -c) into a per-section summary; throws a ParseError with the byte offset. */
export function readObjectFile(bytes: Uint8Array): ObjectFileSummary {
  const parts = readObjectParts(bytes);
  return summarize(parts);
}

export function summarize(parts: ObjectParts): ObjectFileSummary {
  const { elf, btf } = parts;
  const btfMaps = btf && parts.btfSection ? readBtfMaps(elf, btf, parts.btfSection) : [];
  const legacySection = elf.sectionByName('maps');
  const legacy = legacySection ? legacyMaps(elf, legacySection) : [];
  const structOps = readStructOps(elf, btf);
  const sections = elf.sections.map((section): SectionSummary => ({
    index: section.index,
    name: section.name,
    type: section.typeName,
    flags: sectionFlagLetters(section.flags),
    offset: section.offset,
    size: section.size,
    role: roleOf(parts, section, { btf: btfMaps, legacy, structOps }),
  }));
  const programs = sections.flatMap((s) => (s.role.kind === 'program' ? s.role.programs : []));
  const summary: ObjectFileSummary = {
    elfClass: 'ELF64',
    fileType: ELF_TYPE_NAMES[elf.header.type] ?? `type ${elf.header.type}`,
    machine: 'Linux BPF',
    endianness: elf.littleEndian ? 'little' : 'big',
    sections,
    programs,
    maps: [...(btf ? btfMaps.map((m) => btfMapSummary(btf, m)) : []), ...legacy, ...structOps.map(structOpsMapSummary)],
    externs: externsOf(elf, btf),
  };
  const license = sections.find((s) => s.role.kind === 'license');
  if (license?.role.kind === 'license') summary.license = license.role.license;
  const version = sections.find((s) => s.role.kind === 'version');
  if (version?.role.kind === 'version') summary.kernelVersion = version.role.version;
  if (btf) summary.btf = { types: btf.typeCount - 1, stringBytes: btf.header.stringLength };
  return summary;
}
