/**
 * struct_ops maps as an object declares them (libbpf's conventions, read for the facts): each global
 * variable of `SEC(".struct_ops")` or `SEC(".struct_ops.link")` whose BTF type is a struct (say
 * `struct tcp_congestion_ops`) is one BPF_MAP_TYPE_STRUCT_OPS map named after the variable. The
 * section's relocations point function-pointer members at programs of `SEC("struct_ops/...")`
 * sections; the rest of the variable's bytes are the members' initial values (a name, flags).
 * Pure: the kernel's layout of the struct is matched at load (src/loader/struct-ops-value.ts).
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind, VarLinkage, type CompositeType } from '../btf/types.js';
import { SectionType, SymbolType, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/index.js';
import { MapType } from '../maps/map-types.js';
import { MapFlags } from '../sys/abi-generated.js';
import { ProgramTypeId } from '../sys/abi.js';
import { ObjectError } from './object-error.js';
import type { ObjectMapSpec } from './object-maps.js';
import { matchSection } from './section-names.js';

/** BPF_OBJ_NAME_LEN less the NUL. */
const MAX_MAP_NAME = 15;
const POINTER_SIZE = 8;

/** A function-pointer member the object sets to one of its programs. */
export interface StructOpsProgramBinding {
  /** The member's name in the object's struct (the kernel's member is found by this name). */
  member: string;
  /** Its byte offset in the variable. */
  offset: number;
  /** The program's function name. */
  program: string;
}

/** One struct_ops map: a variable of .struct_ops or .struct_ops.link. */
export interface StructOpsSpec {
  /** The variable's name: the map's name. */
  variable: string;
  section: string;
  /** `.struct_ops.link`: the map is created with BPF_F_LINK and attached through a BPF link. */
  link: boolean;
  /** The struct's id and name in the object's BTF (`tcp_congestion_ops___v2` for a flavour). */
  localTypeId: number;
  localTypeName: string;
  /** The kernel struct it implements: the local name without a `___flavour` suffix. */
  typeName: string;
  /** Where the variable sits in its section. */
  sectionOffset: number;
  /** The variable's initial bytes in the object's layout (writable before load: a name, flags). */
  data: Uint8Array;
  /** Function-pointer members bound to programs, in member order. */
  programs: StructOpsProgramBinding[];
}

export function isStructOpsSectionName(name: string): boolean {
  return name === '.struct_ops' || name === '.struct_ops.link';
}

/** libbpf's flavour convention: `name___suffix` stands for `name`. */
export function withoutFlavour(name: string): string {
  const at = name.indexOf('___');
  return at > 0 ? name.slice(0, at) : name;
}

/** Every struct_ops variable of the object, section by section (.struct_ops, then .struct_ops.link). */
export function readStructOps(elf: ElfFile, btf: Btf | undefined): StructOpsSpec[] {
  const specs: StructOpsSpec[] = [];
  for (const section of elf.sections) {
    if (!isStructOpsSectionName(section.name) || section.type !== SectionType.Progbits) continue;
    if (!btf) throw new ObjectError(section.headerOffset, `the object has a ${section.name} section but no .BTF, which says what struct each variable implements`, 'compile with clang -g');
    const found = sectionVariables(elf, btf, section);
    bindPrograms(elf, section, found);
    for (const spec of found) nameBindings(btf, spec, section.offset);
    specs.push(...found);
  }
  return specs;
}

function sectionVariables(elf: ElfFile, btf: Btf, section: ElfSection): StructOpsSpec[] {
  const datasec = btf.findOne(section.name, BtfKind.Datasec);
  if (!datasec || datasec.kind !== BtfKind.Datasec) {
    throw new ObjectError(section.headerOffset, `the object's BTF has no DATASEC for ${section.name}`, 'compile with clang -g (14 or later)');
  }
  const symbols = new Map(elf.symbolsInSection(section).filter((s) => s.type === SymbolType.Object && s.name !== '').map((s) => [s.name, s]));
  return datasec.variables.map((info): StructOpsSpec => {
    const variable = btf.type(info.type);
    const at = section.offset;
    if (variable.kind !== BtfKind.Var) throw new ObjectError(at, `${section.name}: DATASEC entry ${info.type} is not a variable`);
    if (variable.linkage === VarLinkage.Static) {
      throw new ObjectError(at, `${section.name}: struct_ops variable '${variable.name}' is static`, 'make it a global variable: its name becomes the map\'s name');
    }
    const typeId = btf.resolve(variable.type);
    const type = btf.type(typeId);
    if (type.kind !== BtfKind.Struct) {
      throw new ObjectError(at, `${section.name}: variable '${variable.name}' is not a struct (a struct_ops map implements a kernel struct such as struct tcp_congestion_ops)`);
    }
    // clang leaves DATASEC offsets at 0; the symbol says where the variable is
    const offset = Number(symbols.get(variable.name)?.value ?? BigInt(info.offset));
    if (offset + type.size > section.size) {
      throw new ObjectError(at + offset, `${section.name}: variable '${variable.name}' (${type.size} bytes at ${offset}) runs past the section's ${section.size} bytes`);
    }
    return {
      variable: variable.name, section: section.name, link: section.name === '.struct_ops.link',
      localTypeId: typeId, localTypeName: type.name, typeName: withoutFlavour(type.name),
      sectionOffset: offset, data: section.data.slice(offset, offset + type.size), programs: [],
    };
  });
}

/** Each relocation of the section binds the function-pointer member it patches to a program. */
function bindPrograms(elf: ElfFile, section: ElfSection, specs: readonly StructOpsSpec[]): void {
  const relocations = elf.sections.find((s) => (s.type === SectionType.Rel || s.type === SectionType.Rela) && s.info === section.index);
  if (!relocations) return;
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  for (const relocation of elf.relocationSection(relocations).relocations) {
    const offset = Number(relocation.offset);
    const at = relocations.offset;
    const spec = specs.find((s) => offset >= s.sectionOffset && offset < s.sectionOffset + s.data.length);
    if (!spec) throw new ObjectError(at, `${section.name}: a relocation at byte ${offset} is in no struct_ops variable`);
    // REL keeps the addend in the patched bytes; a section symbol plus addend names a function by offset
    const addend = relocation.addend ?? (offset + POINTER_SIZE <= section.size ? view.getBigUint64(offset, elf.littleEndian) : 0n);
    const program = programAt(elf, relocation.symbol, addend);
    if (!program) {
      throw new ObjectError(at, `${section.name}: '${spec.variable}' at byte ${offset - spec.sectionOffset} points at '${relocation.symbol?.name ?? ''}', which is not a function of a SEC("struct_ops/...") section`, 'set function-pointer members to struct_ops programs');
    }
    spec.programs.push({ member: '', offset: offset - spec.sectionOffset, program });
  }
}

function programAt(elf: ElfFile, symbol: ElfSymbol | undefined, addend: bigint): string | undefined {
  if (!symbol) return undefined;
  const code = elf.sections[symbol.sectionIndex];
  const match = code ? matchSection(code.name) : undefined;
  if (!code || match?.definition.programType !== ProgramTypeId.STRUCT_OPS) return undefined;
  if (symbol.type === SymbolType.Func) return addend === 0n ? symbol.name : undefined;
  if (symbol.type !== SymbolType.Section) return undefined;
  return elf.symbolsInSection(code).find((s) => s.type === SymbolType.Func && s.value === addend)?.name;
}

/** Names the member each binding patches; refuses a relocation that is not at a function pointer. */
function nameBindings(btf: Btf, spec: StructOpsSpec, fileOffset: number): void {
  const type = btf.type(spec.localTypeId) as CompositeType;
  for (const binding of spec.programs) {
    const member = type.members.find((m) => m.bitfieldSize === 0 && m.bitOffset === binding.offset * 8);
    const pointee = member ? btf.type(btf.resolve(member.type)) : undefined;
    const isFunctionPointer = pointee?.kind === BtfKind.Pointer && btf.type(btf.resolve(pointee.target)).kind === BtfKind.FuncProto;
    if (!member || !isFunctionPointer) {
      throw new ObjectError(fileOffset + spec.sectionOffset + binding.offset, `${spec.section}: '${spec.variable}' sets program '${binding.program}' at byte ${binding.offset} of struct ${spec.localTypeName}, which is not a function-pointer member`);
    }
    binding.member = member.name;
  }
  spec.programs.sort((a, b) => a.offset - b.offset);
}

/** The map a struct_ops variable becomes; its value size and kernel type are settled at load. */
export function structOpsMapSpec(spec: StructOpsSpec): ObjectMapSpec {
  return {
    name: spec.variable.slice(0, MAX_MAP_NAME), fullName: spec.variable, kind: 'struct_ops', section: spec.section, sectionOffset: spec.sectionOffset,
    type: MapType.StructOps, keySize: 4, valueSize: spec.data.length, maxEntries: 1, flags: spec.link ? MapFlags.LINK : 0,
    numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: spec.localTypeId, initialSlots: [], readOnly: false,
    structOps: spec,
  };
}
