/**
 * The maps an object asks for, as libbpf derives them: BTF-defined maps from `.maps`, legacy
 * `struct bpf_map_def` maps from `maps` (libbpf 1.x refuses those; cilium/ebpf and aya accept them, and
 * so does tsbpf), one array map per global-data section (.data, .rodata, .bss and their .name
 * variants), and `.kconfig` for kconfig externs. Names follow libbpf's internal_map_name. Pure.
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind, VarLinkage } from '../btf/types.js';
import { SectionType, SymbolType, type ElfFile, type ElfSection } from '../elf/index.js';
import { MapType } from '../maps/map-types.js';
import { MapFlags } from '../sys/abi-generated.js';
import type { BtfMap, BtfMapDefinition } from './btf-maps.js';
import { isDataSectionName } from './code-sections.js';
import { ObjectError } from './object-error.js';
import type { StructOpsSpec } from './struct-ops.js';

/** BPF_OBJ_NAME_LEN less the NUL. */
const MAX_MAP_NAME = 15;
/** libbpf reserves at least this many characters for an internal map's section suffix. */
const MIN_SUFFIX = 7;

export type ObjectMapKind = 'btf' | 'legacy' | 'data' | 'kconfig' | 'struct_ops';

export interface ObjectMapSpec {
  /** The name the kernel gets (at most 15 characters). */
  name: string;
  /** The map's variable name (`.maps`, `maps`) or its section (`.rodata`, `.kconfig`): what code names it by, and its pin name. */
  fullName: string;
  kind: ObjectMapKind;
  /** The ELF section it came from (.maps, maps, .rodata, ...) and, for .maps/maps, its offset there. */
  section: string;
  sectionOffset: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  mapExtra: bigint;
  /** LIBBPF_PIN_BY_NAME (1) pins at `<pin root>/<name>`. */
  pinning: number;
  /** BTF ids in the object's BTF (0: none): key/value types, or the DATASEC of a data map. */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** Map-in-map: the inner map's definition. */
  inner?: ObjectMapSpec;
  /** Map-in-map and prog arrays: slots filled at load from `.values`, by symbol. */
  initialSlots: { slot: number; symbol: string }[];
  /** Data maps: the initial value, writable before load (variables set it). */
  data?: Uint8Array;
  /** .rodata and .kconfig: frozen after their value is written, and read-only to programs. */
  readOnly: boolean;
  /** struct_ops maps: the kernel struct they implement, their initial bytes and their programs. */
  structOps?: StructOpsSpec;
}

/** libbpf's object name: the file's base name up to its first dot (`opensnoop.bpf.o` → `opensnoop`). */
export function objectNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/** libbpf's internal map name: as much of the object name as fits before the section name (kept whole up to 15). */
export function internalMapName(objectName: string, sectionName: string): string {
  const suffix = Math.min(Math.max(MIN_SUFFIX, sectionName.length), MAX_MAP_NAME);
  // a section with a second dot (.rodata.config) is a custom one: its name alone, no object prefix
  const prefix = sectionName.indexOf('.', 1) >= 0 ? 0 : Math.min(MAX_MAP_NAME - suffix, objectName.length);
  const name = objectName.slice(0, prefix) + sectionName.slice(0, suffix);
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

function fromDefinition(definition: BtfMapDefinition, section: string, sectionOffset: number): ObjectMapSpec {
  const spec: ObjectMapSpec = {
    name: definition.name.slice(0, MAX_MAP_NAME),
    fullName: definition.name,
    kind: 'btf',
    section,
    sectionOffset,
    type: definition.type ?? 0,
    keySize: definition.keySize ?? 0,
    valueSize: definition.valueSize ?? 0,
    maxEntries: definition.maxEntries ?? 0,
    flags: definition.mapFlags ?? 0,
    numaNode: definition.numaNode ?? 0,
    mapExtra: definition.mapExtra ?? 0n,
    pinning: definition.pinning ?? 0,
    btfKeyTypeId: definition.keyTypeId ?? 0,
    btfValueTypeId: definition.valueTypeId ?? 0,
    initialSlots: definition.values?.initial ?? [],
    readOnly: false,
  };
  if (definition.values?.inner) spec.inner = fromDefinition(definition.values.inner, section, sectionOffset);
  // map-in-map values are fds and prog arrays hold programs: 4-byte values whatever the BTF says
  if (definition.values && spec.valueSize === 0) spec.valueSize = 4;
  return spec;
}

export function btfMapSpecs(maps: readonly BtfMap[]): ObjectMapSpec[] {
  return maps.map((map) => fromDefinition(map, '.maps', map.offset));
}

/** `struct bpf_map_def` { type, key_size, value_size, max_entries, map_flags } per symbol of `maps`. */
export function legacyMapSpecs(elf: ElfFile, section: ElfSection): ObjectMapSpec[] {
  const symbols = elf.symbolsInSection(section).filter((symbol) => symbol.type !== SymbolType.Section && symbol.name !== '');
  if (symbols.length === 0) return [];
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  return symbols.map((symbol) => {
    const at = Number(symbol.value);
    if (at + 20 > section.size) throw new ObjectError(section.offset + at, `legacy map '${symbol.name}' runs past the maps section`);
    const field = (i: number) => view.getUint32(at + i * 4, elf.littleEndian);
    return {
      name: symbol.name.slice(0, MAX_MAP_NAME), fullName: symbol.name, kind: 'legacy' as const, section: section.name, sectionOffset: at,
      type: field(0), keySize: field(1), valueSize: field(2), maxEntries: field(3), flags: field(4),
      numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: 0, initialSlots: [], readOnly: false,
    };
  }).sort((a, b) => a.sectionOffset - b.sectionOffset);
}

/** Sections libbpf makes data maps of, in section order (empty ones are skipped, as libbpf does). */
export function dataSections(elf: ElfFile): ElfSection[] {
  return elf.sections.filter((section) => {
    if (section.size === 0 || !isDataSectionName(section.name)) return false;
    if (section.name.startsWith('.bss')) return section.type === SectionType.Nobits;
    return section.type === SectionType.Progbits;
  });
}

/** Far above the kernel's own limit on a map value (KMALLOC_MAX_SIZE, 4 MiB on x86-64), so no real object meets it. */
const MAX_DATA_SECTION_SIZE = 1 << 30;

export function dataMapSpec(objectName: string, btf: Btf | undefined, section: ElfSection): ObjectMapSpec {
  const readOnly = section.name.startsWith('.rodata');
  const datasec = btf?.findByName(section.name, BtfKind.Datasec)[0];
  // the kernel caps an array map's value at KMALLOC_MAX_SIZE (a few MiB); a section far past that is a
  // corrupt header, which must not become a multi-gigabyte allocation here
  if (section.size > MAX_DATA_SECTION_SIZE) {
    throw new ObjectError(section.offset, `data section '${section.name}' claims ${section.size} bytes, more than any map value can hold`, 'the object is corrupt; rebuild it');
  }
  const data = new Uint8Array(section.size);
  if (section.type !== SectionType.Nobits) data.set(section.data);
  return {
    name: internalMapName(objectName, section.name), fullName: section.name, kind: 'data', section: section.name, sectionOffset: 0,
    type: MapType.Array, keySize: 4, valueSize: section.size, maxEntries: 1,
    flags: (readOnly ? MapFlags.RDONLY_PROG : 0) | MapFlags.MMAPABLE,
    numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: datasec?.id ?? 0,
    initialSlots: [], data, readOnly,
  };
}

export function kconfigMapSpec(objectName: string, btf: Btf | undefined, size: number): ObjectMapSpec {
  const datasec = btf?.findByName('.kconfig', BtfKind.Datasec)[0];
  return {
    name: internalMapName(objectName, '.kconfig'), fullName: '.kconfig', kind: 'kconfig', section: '.kconfig', sectionOffset: 0,
    type: MapType.Array, keySize: 4, valueSize: size, maxEntries: 1, flags: MapFlags.RDONLY_PROG | MapFlags.MMAPABLE,
    numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: datasec?.id ?? 0,
    initialSlots: [], data: new Uint8Array(size), readOnly: true,
  };
}

/** A global variable of a data section: where it lives and its BTF type. */
export interface VariableSpec {
  name: string;
  section: string;
  offset: number;
  size: number;
  /** The VAR's type (not the VAR itself); 0 without BTF. */
  typeId: number;
  global: boolean;
}

/** The variables of a data section, from its DATASEC with offsets from the symbols (clang leaves them 0). */
export function dataVariables(elf: ElfFile, btf: Btf | undefined, section: ElfSection): VariableSpec[] {
  const symbols = new Map(elf.symbolsInSection(section).filter((s) => s.type === SymbolType.Object && s.name !== '').map((s) => [s.name, s]));
  const datasec = btf?.findByName(section.name, BtfKind.Datasec)[0];
  if (!btf || !datasec || datasec.kind !== BtfKind.Datasec) {
    return [...symbols.values()].map((s) => ({ name: s.name, section: section.name, offset: Number(s.value), size: s.size, typeId: 0, global: true }));
  }
  return datasec.variables.flatMap((info): VariableSpec[] => {
    const variable = btf.type(info.type);
    if (variable.kind !== BtfKind.Var) return [];
    const symbol = symbols.get(variable.name);
    return [{
      name: variable.name, section: section.name, offset: symbol ? Number(symbol.value) : info.offset, size: info.size,
      typeId: variable.type, global: variable.linkage !== VarLinkage.Static,
    }];
  }).sort((a, b) => a.offset - b.offset);
}
