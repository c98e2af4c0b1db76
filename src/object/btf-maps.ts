/**
 * BTF-defined maps: the `.maps` section, where each map is a global variable whose struct type
 * encodes the map's attributes in member types, so they survive into BTF without a value in memory:
 *
 *   __uint(type, BPF_MAP_TYPE_HASH)  →  int (*type)[1]            PTR → ARRAY, the count is the value
 *   __type(key, struct event)        →  struct event *key          PTR to the type; its size is key_size
 *   __array(values, struct inner)    →  struct inner *values[]     zero-length ARRAY of PTR (map-in-map, prog array)
 *
 * The rules are libbpf's (parse_btf_map_def and bpf_object__init_user_btf_map, read for the facts; this
 * is our own code), so an object libbpf refuses is refused here with the same reason. The loader reuses
 * this module. Pure: no Node imports.
 */
import type { Btf } from '../btf/btf.js';
import { BTF_KIND_NAMES, BtfKind, VarLinkage, type BtfType, type Member } from '../btf/types.js';
import type { ElfFile, ElfSection } from '../elf/index.js';
import { MapType } from '../maps/map-types.js';
import { ObjectError } from './object-error.js';

/** LIBBPF_PIN_*: the only two values libbpf accepts for `pinning`. */
export const MapPinning = { None: 0, ByName: 1 } as const;

/** What a `values` member declares: the inner map of a map-in-map, or program slots of a prog array. */
export interface MapValues {
  kind: 'inner-map' | 'programs';
  /** The inner map's definition (map-in-map only), named `<outer>.inner` as libbpf names it. */
  inner?: BtfMapDefinition;
  /** Slots set by the initializer (`.values = { [0] = &inner }`), from .maps relocations. */
  initial: { slot: number; symbol: string }[];
}

/** One map definition; attributes the definition leaves out are undefined (libbpf's zero). */
export interface BtfMapDefinition {
  name: string;
  /** The struct type id of the definition. */
  definitionTypeId: number;
  type?: number;
  keySize?: number;
  keyTypeId?: number;
  valueSize?: number;
  valueTypeId?: number;
  maxEntries?: number;
  mapFlags?: number;
  numaNode?: number;
  pinning?: number;
  mapExtra?: bigint;
  values?: MapValues;
  /** Members libbpf ignores in relaxed mode (`relaxed_maps`); strict mode, the default, refuses them. */
  ignoredMembers: string[];
}

/** A map variable of the .maps section with its place in it. */
export interface BtfMap extends BtfMapDefinition {
  /** Byte offset and size of the variable in .maps (from its ELF symbol, as libbpf's DATASEC fix-up does). */
  offset: number;
  size: number;
  /** BTF VAR linkage (always global: libbpf refuses static and extern maps). */
  linkage: number;
}

export interface BtfMapOptions {
  /** libbpf's default: unknown members are errors. False is libbpf's `relaxed_maps`: they are ignored. */
  strict?: boolean;
}

interface Context {
  btf: Btf;
  strict: boolean;
  /** File offset of the .BTF section's bytes, so errors name a byte of the file. */
  btfFileOffset: number;
}

/** libbpf's skip_mods_and_typedefs. */
function skipModifiers(btf: Btf, id: number): BtfType {
  return btf.type(btf.resolve(id));
}

function fail(context: Context, typeId: number, problem: string, hint?: string): never {
  const offset = typeId > 0 ? context.btfFileOffset + context.btf.offsetOf(typeId) : context.btfFileOffset;
  throw new ObjectError(offset, problem, hint);
}

/** `__uint(name, N)`: PTR (after modifiers) to an ARRAY (as is) of N elements. */
function integerField(context: Context, map: string, member: Member): number {
  const pointer = skipModifiers(context.btf, member.type);
  if (pointer.kind !== BtfKind.Pointer) fail(context, member.type, `map '${map}': attribute '${member.name}' is not a pointer to an array (__uint()), it is ${kindLabel(pointer)}`);
  const array = context.btf.type(pointer.target);
  if (array.kind !== BtfKind.Array) fail(context, pointer.id, `map '${map}': attribute '${member.name}' points to ${kindLabel(array)}, not an array (__uint())`);
  return array.count;
}

/** `__ulong(name, N)` is a one-value enum (64-bit values); anything else is read as `__uint`. */
function longField(context: Context, map: string, member: Member): bigint {
  const t = skipModifiers(context.btf, member.type);
  if (t.kind !== BtfKind.Enum && t.kind !== BtfKind.Enum64) return BigInt(integerField(context, map, member));
  if (t.values.length !== 1) fail(context, t.id, `map '${map}': attribute '${member.name}' is an enum with ${t.values.length} values, not 1 (__ulong())`);
  const value = t.values[0]!.value;
  return typeof value === 'bigint' ? BigInt.asUintN(64, value) : BigInt(value >>> 0);
}

/** `__type(name, T)`: a PTR to T (no modifiers skipped on the member, as libbpf); returns T's id and size. */
function typeField(context: Context, map: string, member: Member): { id: number; size: number } {
  const pointer = context.btf.type(member.type);
  if (pointer.kind !== BtfKind.Pointer) fail(context, member.type, `map '${map}': ${member.name} spec is ${kindLabel(pointer)}, not a pointer (__type())`);
  let size: number;
  try {
    size = context.btf.sizeOf(pointer.target);
  } catch {
    fail(context, pointer.target, `map '${map}': can't determine ${member.name} size for type [${pointer.target}]`);
  }
  return { id: pointer.target, size };
}

function kindLabel(t: BtfType): string {
  return t.kind === BtfKind.Void ? 'void' : `a ${BTF_KIND_NAMES[t.kind] ?? 'type'}`;
}

const isMapInMap = (type: number | undefined) => type === MapType.ArrayOfMaps || type === MapType.HashOfMaps;

/**
 * One definition struct, member by member in order (libbpf decides `values` by the type seen so far,
 * so `type` must come first and `values` last). `outer` is false while parsing an inner definition:
 * libbpf supports one level of nesting, and an inner map can't be pinned.
 */
function parseBtfMapDefinition(context: Context, name: string, definitionTypeId: number, outer = true): BtfMapDefinition {
  const struct = skipModifiers(context.btf, definitionTypeId);
  if (struct.kind !== BtfKind.Struct) fail(context, definitionTypeId, `map '${name}': its definition is ${kindLabel(struct)}, not a struct`);
  const definition: BtfMapDefinition = { name, definitionTypeId: struct.id, ignoredMembers: [] };
  const conflict = (what: string, had: number, now: number) => fail(context, struct.id, `map '${name}': conflicting ${what} ${had} != ${now}`);
  for (const [index, member] of struct.members.entries()) {
    if (member.name === '') fail(context, struct.id, `map '${name}': invalid field #${index} (no name)`);
    switch (member.name) {
      case 'type': definition.type = integerField(context, name, member); break;
      case 'max_entries': definition.maxEntries = integerField(context, name, member); break;
      case 'map_flags': definition.mapFlags = integerField(context, name, member); break;
      case 'numa_node': definition.numaNode = integerField(context, name, member); break;
      case 'pinning': {
        if (!outer) fail(context, struct.id, `map '${name}': inner def can't be pinned`);
        const pinning = integerField(context, name, member);
        if (pinning !== MapPinning.None && pinning !== MapPinning.ByName) fail(context, struct.id, `map '${name}': invalid pinning value ${pinning} (0 or LIBBPF_PIN_BY_NAME)`);
        definition.pinning = pinning;
        break;
      }
      case 'map_extra': definition.mapExtra = longField(context, name, member); break;
      case 'key_size': {
        const size = integerField(context, name, member);
        if (definition.keySize !== undefined && definition.keySize !== size) conflict('key size', definition.keySize, size);
        definition.keySize = size;
        break;
      }
      case 'value_size': {
        const size = integerField(context, name, member);
        if (definition.valueSize !== undefined && definition.valueSize !== size) conflict('value size', definition.valueSize, size);
        definition.valueSize = size;
        break;
      }
      case 'key': {
        const key = typeField(context, name, member);
        if (definition.keySize !== undefined && definition.keySize !== key.size) conflict('key size', definition.keySize, key.size);
        definition.keySize = key.size;
        definition.keyTypeId = key.id;
        break;
      }
      case 'value': {
        const value = typeField(context, name, member);
        if (definition.valueSize !== undefined && definition.valueSize !== value.size) conflict('value size', definition.valueSize, value.size);
        definition.valueSize = value.size;
        definition.valueTypeId = value.id;
        break;
      }
      case 'values':
        if (!outer) fail(context, member.type, `map '${name}': multi-level inner maps not supported`);
        if (index !== struct.members.length - 1) fail(context, struct.id, `map '${name}': 'values' member should be last`);
        definition.values = valuesField(context, definition, member);
        break;
      default:
        if (context.strict) fail(context, struct.id, `map '${name}': unknown field '${member.name}'`, 'libbpf refuses it unless opened with relaxed_maps');
        definition.ignoredMembers.push(member.name);
    }
  }
  if (definition.type === undefined || definition.type === 0) fail(context, struct.id, `map '${name}': map type isn't specified`);
  return definition;
}

/** `__array(values, T)`: a zero-length ARRAY of PTR to an inner map struct (map-in-map) or a FUNC_PROTO (prog array). */
function valuesField(context: Context, definition: BtfMapDefinition, member: Member): MapValues {
  const name = definition.name;
  const programs = definition.type === MapType.ProgArray;
  if (!isMapInMap(definition.type) && !programs) fail(context, member.type, `map '${name}': should be map-in-map or prog-array to have 'values' (and 'type' must come before it)`);
  if (definition.valueSize !== undefined && definition.valueSize !== 4) fail(context, member.type, `map '${name}': conflicting value size ${definition.valueSize} != 4`);
  definition.valueSize = 4;
  const array = context.btf.type(member.type);
  if (array.kind !== BtfKind.Array || array.count !== 0) fail(context, member.type, `map '${name}': 'values' is not a zero-sized array`);
  const pointer = skipModifiers(context.btf, array.elementType);
  if (pointer.kind !== BtfKind.Pointer) fail(context, array.elementType, `map '${name}': 'values' is an array of ${kindLabel(pointer)}, not of pointers`);
  const target = skipModifiers(context.btf, pointer.target);
  if (programs) {
    if (target.kind !== BtfKind.FuncProto) fail(context, pointer.target, `map '${name}': prog-array 'values' must point to a function prototype, not ${kindLabel(target)}`);
    return { kind: 'programs', initial: [] };
  }
  if (target.kind !== BtfKind.Struct) fail(context, pointer.target, `map '${name}': the inner map definition is ${kindLabel(target)}, not a struct`);
  return { kind: 'inner-map', inner: parseBtfMapDefinition(context, `${name}.inner`, target.id, false), initial: [] };
}

/** The maps of `.maps`, in DATASEC order; [] when the object has none. */
export function readBtfMaps(elf: ElfFile, btf: Btf, btfSection: ElfSection, options: BtfMapOptions = {}): BtfMap[] {
  const section = elf.sectionByName('.maps');
  if (!section) return [];
  const context: Context = { btf, btfFileOffset: btfSection.offset, strict: options.strict ?? true };
  const datasec = btf.findByName('.maps', BtfKind.Datasec)[0];
  if (!datasec || datasec.kind !== BtfKind.Datasec) {
    throw new ObjectError(section.headerOffset, 'the .maps section has no DATASEC in .BTF', 'compile with clang -g so BTF-defined maps carry their types');
  }
  const symbols = new Map(elf.symbolsInSection(section).filter((symbol) => symbol.name !== '').map((symbol) => [symbol.name, symbol]));
  const maps: BtfMap[] = [];
  for (const [index, variable] of datasec.variables.entries()) {
    const t = btf.type(variable.type);
    if (t.kind !== BtfKind.Var) fail(context, variable.type, `map #${index} in .maps is ${kindLabel(t)}, not a VAR`);
    if (t.name === '') fail(context, t.id, `map #${index} in .maps has an empty name`);
    if (t.linkage !== VarLinkage.GlobalAllocated) {
      fail(context, t.id, `map '${t.name}': unsupported map linkage ${t.linkage === VarLinkage.Static ? 'static' : t.linkage === VarLinkage.GlobalExtern ? 'extern' : 'unknown'}`, 'declare the map global (not static, not extern)');
    }
    const symbol = symbols.get(t.name);
    // clang leaves DATASEC offsets at 0; the symbol has the real place, as libbpf's fix-up finds it
    const offset = symbol ? Number(symbol.value) : variable.offset;
    const size = symbol ? symbol.size : variable.size;
    if (offset + size > section.size) fail(context, datasec.id, `map '${t.name}' (offset ${offset}, size ${size}) runs past the ${section.size}-byte .maps section`);
    const struct = btf.type(btf.resolve(t.type));
    if (struct.kind !== BtfKind.Struct) fail(context, t.id, `map '${t.name}': unexpected def kind ${kindLabel(struct)}, not a struct`);
    if (struct.size > size) fail(context, t.id, `map '${t.name}': invalid def size (${struct.size} bytes in a ${size}-byte variable)`);
    const definition = parseBtfMapDefinition(context, t.name, t.type);
    maps.push({ ...definition, offset, size, linkage: t.linkage });
  }
  // libbpf sorts the DATASEC by offset in its fix-up, so maps come in section order
  maps.sort((a, b) => a.offset - b.offset);
  for (const map of maps) if (map.values) map.values.initial = initialValues(elf, btf, section, map);
  return maps;
}

/** `.values = { [1] = &inner }`: relocations in .maps at the values member's slots name the symbols. */
function initialValues(elf: ElfFile, btf: Btf, section: ElfSection, map: BtfMap): { slot: number; symbol: string }[] {
  const struct = btf.type(map.definitionTypeId);
  if (struct.kind !== BtfKind.Struct) return [];
  const member = struct.members.find((m) => m.name === 'values');
  if (!member) return [];
  const start = map.offset + member.bitOffset / 8;
  const pointerSize = btf.pointerSize();
  return elf.relocationsFor(section)
    .filter((relocation) => Number(relocation.offset) >= start && Number(relocation.offset) < map.offset + map.size)
    .map((relocation) => ({ slot: (Number(relocation.offset) - start) / pointerSize, symbol: relocation.symbol?.name ?? '' }))
    .sort((a, b) => a.slot - b.slot);
}
