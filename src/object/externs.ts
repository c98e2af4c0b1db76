/**
 * Externs as libbpf 1.1 reads them (libbpf.c: bpf_object__collect_externs, find_kcfg_type, cmp_externs):
 * every symbol that is undefined, global or weak, and NOTYPE names an extern; its BTF is the first VAR
 * or FUNC of that name, which must have extern linkage, and the DATASEC holding it says what it is:
 * `.kconfig` (a CONFIG_* or LINUX_* value the loader fills into the .kconfig map) or `.ksyms` (a kernel
 * variable, typed or typeless, or a kfunc). Externs are sorted as libbpf sorts them, which also fixes
 * the .kconfig map's layout: by alignment (largest first), then size, then name.
 *
 * Pure: ELF and BTF in, plain data out. kconfigData, resolveKsym, patchExternInstruction and
 * fixExternBtf live in their own files and are re-exported here, the loader's one entry point.
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind, FuncLinkage, IntEncoding, VarLinkage } from '../btf/types.js';
import { SectionIndex, SymbolBinding, SymbolType, type ElfFile, type ElfSymbol } from '../elf/index.js';
import { INSTRUCTION_BYTES } from '../asm/instruction.js';
import { LOAD_IMM64_OPCODE } from '../asm/opcodes.js';
import { ExternError } from './externs-error.js';
import { isCodeSection } from './object-file.js';

export { ExternError } from './externs-error.js';
export { kconfigData, parseKernelConfig, type KernelFacts } from './kconfig.js';
export { resolveKsym, typesAreCompatible, type KsymResolution } from './externs-ksym.js';
export { patchExternInstruction } from './externs-patch.js';
export { fixExternBtf } from './externs-btf.js';

export type KconfigType = 'bool' | 'tristate' | 'char' | 'int' | 'char-array';

export interface KconfigLayout {
  /** libbpf's classification: 1-byte integers (signed or not) are 'char', as libbpf counts them. */
  type: KconfigType;
  /** Bytes of the value (btf__resolve_size of the VAR's type). */
  size: number;
  signed: boolean;
  align: number;
  /** Offset in the .kconfig map's value. */
  offset: number;
}

export interface ExternSpec {
  name: string;
  section: '.kconfig' | '.ksyms';
  kind: 'kconfig' | 'ksym-variable' | 'ksym-typeless' | 'kfunc';
  /** Local BTF id of the VAR (or FUNC for kfuncs). */
  typeId: number;
  weak: boolean;
  /** Index of the extern's symbol in .symtab (relocations name externs by it). */
  symbolIndex: number;
  /**
   * .ksyms only: the local type the kernel's must match, with modifiers and typedefs skipped (libbpf's
   * ksym.type_id): the variable's type, a kfunc's FUNC_PROTO, 0 for a typeless (`void`) symbol.
   */
  targetTypeId?: number;
  /** .kconfig only: its classification and place in the .kconfig map. */
  kconfig?: KconfigLayout;
}

/** An instruction that refers to an extern: where it is and how (ld_imm64 of its address, or a call). */
export interface ExternReference {
  /** The code section and the instruction's slot index in it (r_offset / 8). */
  sectionIndex: number;
  section: string;
  instruction: number;
  /** Index into readExterns' `externs`. */
  extern: number;
  kind: 'ld_imm64' | 'call';
}

const CALL_OPCODE = 0x85;

/** libbpf's sym_is_extern: undefined, global or weak, no type. */
export function isExternSymbol(symbol: ElfSymbol): boolean {
  return symbol.sectionIndex === SectionIndex.Undefined && symbol.type === SymbolType.NoType
    && (symbol.binding === SymbolBinding.Global || symbol.binding === SymbolBinding.Weak);
}

/** Externs in libbpf's order, with .kconfig offsets laid out as libbpf lays them out. */
export function readExterns(elf: ElfFile, btf: Btf): { externs: ExternSpec[]; kconfigSize: number } {
  const datasecOf = datasecIndex(btf);
  const externs: ExternSpec[] = [];
  for (const symbol of elf.symbols) {
    if (!isExternSymbol(symbol) || symbol.name === '') continue;
    externs.push(describeExtern(btf, symbol, datasecOf));
  }
  externs.sort(compareExterns);
  let offset = 0;
  for (const extern of externs) {
    if (!extern.kconfig) continue;
    extern.kconfig.offset = roundUp(offset, extern.kconfig.align);
    offset = extern.kconfig.offset + extern.kconfig.size;
  }
  return { externs, kconfigSize: offset };
}

/** Every instruction in a code section whose relocation names an extern, in section and offset order. */
export function externReferences(elf: ElfFile, externs: readonly ExternSpec[]): ExternReference[] {
  const bySymbol = new Map(externs.map((extern, index) => [extern.symbolIndex, index]));
  const references: ExternReference[] = [];
  for (const section of elf.sections) {
    if (!isCodeSection(section)) continue;
    const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
    for (const relocation of elf.relocationsFor(section)) {
      const symbol = relocation.symbol;
      if (!symbol || !isExternSymbol(symbol)) continue;
      const extern = bySymbol.get(symbol.index);
      if (extern === undefined) {
        throw new ExternError(symbol.name, `relocation in ${section.name} names symbol ${symbol.index}, which readExterns did not collect`, 'pass the externs read from this same object');
      }
      const offset = Number(relocation.offset);
      if (offset % INSTRUCTION_BYTES !== 0 || offset + INSTRUCTION_BYTES > section.size) {
        throw new ExternError(symbol.name, `relocation offset ${offset} is not an instruction of ${section.name} (${section.size} bytes)`, 'the object is corrupt: rebuild it');
      }
      const opcode = view.getUint8(offset);
      if (opcode !== CALL_OPCODE && opcode !== LOAD_IMM64_OPCODE) {
        throw new ExternError(symbol.name, `instruction ${offset / INSTRUCTION_BYTES} of ${section.name} (opcode 0x${opcode.toString(16)}) is neither a call nor an ld_imm64`, 'the object is corrupt: rebuild it');
      }
      references.push({ sectionIndex: section.index, section: section.name, instruction: offset / INSTRUCTION_BYTES, extern, kind: opcode === CALL_OPCODE ? 'call' : 'ld_imm64' });
    }
  }
  return references.sort((a, b) => a.sectionIndex - b.sectionIndex || a.instruction - b.instruction);
}

/** What resolving these externs needs from the running system, as libbpf decides what to read. */
export function externNeeds(externs: readonly ExternSpec[]): { kernelConfig: boolean; kallsyms: boolean; kernelBtf: boolean } {
  return {
    kernelConfig: externs.some((e) => e.kind === 'kconfig' && e.name.startsWith('CONFIG_')),
    kallsyms: externs.some((e) => e.kind === 'ksym-typeless'),
    kernelBtf: externs.some((e) => e.kind === 'ksym-variable' || e.kind === 'kfunc'),
  };
}

/** DATASEC name by the id of each VAR/FUNC it lists; the first DATASEC (in id order) wins, as in libbpf. */
function datasecIndex(btf: Btf): Map<number, string> {
  const index = new Map<number, string>();
  for (const t of btf.types()) {
    if (t.kind !== BtfKind.Datasec) continue;
    for (const variable of t.variables) if (!index.has(variable.type)) index.set(variable.type, t.name);
  }
  return index;
}

function describeExtern(btf: Btf, symbol: ElfSymbol, datasecOf: ReadonlyMap<number, string>): ExternSpec {
  const name = symbol.name;
  const found = btf.findByName(name).find((t) => t.kind === BtfKind.Var || t.kind === BtfKind.Func);
  if (!found) throw new ExternError(name, 'the object\'s BTF has no VAR or FUNC of that name', 'build the object with clang -g so that externs carry BTF');
  if (found.kind === BtfKind.Var && found.linkage !== VarLinkage.GlobalExtern) {
    throw new ExternError(name, `its BTF VAR [${found.id}] is not extern (linkage ${found.linkage})`, 'declare it `extern`');
  }
  if (found.kind === BtfKind.Func && found.linkage !== FuncLinkage.Extern) {
    throw new ExternError(name, `its BTF FUNC [${found.id}] is not extern (linkage ${found.linkage})`, 'declare it `extern ... __ksym`');
  }
  const section = datasecOf.get(found.id);
  if (section === undefined) throw new ExternError(name, `no DATASEC lists its BTF [${found.id}]`, 'declare it with __kconfig or __ksym');
  const weak = symbol.binding === SymbolBinding.Weak;
  const base = { name, typeId: found.id, weak, symbolIndex: symbol.index };
  if (section === '.kconfig') {
    if (found.kind !== BtfKind.Var) throw new ExternError(name, 'an extern function can\'t be a .kconfig value', 'declare functions with __ksym');
    return { ...base, section, kind: 'kconfig', kconfig: kconfigLayout(btf, name, found.type) };
  }
  if (section === '.ksyms') {
    const targetTypeId = btf.resolve(found.kind === BtfKind.Var ? found.type : found.proto);
    const kind = found.kind === BtfKind.Func ? 'kfunc' : targetTypeId === 0 ? 'ksym-typeless' : 'ksym-variable';
    return { ...base, section, kind, targetTypeId };
  }
  throw new ExternError(name, `its DATASEC '${section}' is neither .kconfig nor .ksyms`, 'declare it with __kconfig or __ksym');
}

function kconfigLayout(btf: Btf, name: string, typeId: number): KconfigLayout {
  let size: number;
  let align: number;
  try {
    size = btf.sizeOf(typeId);
    align = btf.alignOf(typeId);
  } catch (error) {
    throw new ExternError(name, `its type [${typeId}] has no size or alignment: ${(error as Error).message}`, 'declare .kconfig values as bool, tristate, char, integers or char arrays');
  }
  const classified = kconfigType(btf, typeId);
  if (size <= 0 || align <= 0 || !classified) {
    throw new ExternError(name, `its type [${typeId}] is not one libbpf supports for .kconfig`, 'declare it as bool, enum libbpf_tristate, char, a 1/2/4/8-byte integer or a char array');
  }
  return { ...classified, size, align, offset: 0 };
}

/** libbpf's find_kcfg_type, on the type with modifiers and typedefs skipped. */
function kconfigType(btf: Btf, typeId: number): { type: KconfigType; signed: boolean } | undefined {
  const t = btf.type(btf.resolve(typeId));
  switch (t.kind) {
    case BtfKind.Int: {
      if (t.encoding & IntEncoding.Bool) return t.size === 1 ? { type: 'bool', signed: false } : undefined;
      const signed = (t.encoding & IntEncoding.Signed) !== 0;
      if (t.size === 1) return { type: 'char', signed };
      if (t.size < 1 || t.size > 8 || (t.size & (t.size - 1)) !== 0) return undefined;
      return { type: 'int', signed };
    }
    case BtfKind.Enum:
      return t.size === 4 && t.name === 'libbpf_tristate' ? { type: 'tristate', signed: false } : undefined;
    case BtfKind.Enum64:
      return t.name === 'libbpf_tristate' ? { type: 'tristate', signed: false } : undefined;
    case BtfKind.Array:
      if (t.count === 0 || kconfigType(btf, t.elementType)?.type !== 'char') return undefined;
      return { type: 'char-array', signed: false };
    default:
      return undefined;
  }
}

/** libbpf's cmp_externs: .kconfig before .ksyms; .kconfig by alignment (descending), then size; then name (strcmp). */
function compareExterns(a: ExternSpec, b: ExternSpec): number {
  const aKconfig = a.kind === 'kconfig';
  if (aKconfig !== (b.kind === 'kconfig')) return aKconfig ? -1 : 1;
  if (a.kconfig && b.kconfig) {
    if (a.kconfig.align !== b.kconfig.align) return b.kconfig.align - a.kconfig.align;
    if (a.kconfig.size !== b.kconfig.size) return a.kconfig.size - b.kconfig.size;
  }
  return compareBytes(a.name, b.name);
}

/** strcmp's order: by UTF-8 bytes, unsigned. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const encoder = new TextEncoder();
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function roundUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
