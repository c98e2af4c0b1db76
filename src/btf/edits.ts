/**
 * The edits a loader makes to an object's BTF before BTF_LOAD, with libbpf's rules (libbpf.c:
 * btf_fixup_datasec and bpf_object__sanitize_btf are the reference for the facts; this is our own code):
 *
 * - clang leaves DATASEC sizes and VAR offsets at 0; they come from the ELF's section sizes and
 *   symbol values;
 * - a kernel that lacks a kind refuses the whole blob, so each missing kind becomes a compatible one.
 */
import { BtfError } from './btf-error.js';
import type { MutableBtf } from './mutable.js';
import { BtfKind, type BtfType, type Member, VarLinkage } from './types.js';

/** A symbol of the ELF object as the DATASEC fix-up needs it. */
export interface DatasecSymbol {
  offset: number;
  /** STV_HIDDEN or STV_INTERNAL: libbpf then treats the variable as static. */
  hidden?: boolean;
}

export interface DatasecFixupInput {
  /** ELF section name → size in bytes. */
  sectionSizes: ReadonlyMap<string, number>;
  /** Symbol name → its value (offset in its section), or the symbol with its visibility. */
  symbols: ReadonlyMap<string, number | DatasecSymbol>;
}

/** Sections whose DATASECs libbpf fills itself (externs); only their variables' order is fixed. */
const EXTERN_SECTIONS = new Set(['.kconfig', '.ksyms']);

/**
 * Fills in each DATASEC's size (when 0) from its section and each non-static, non-extern VAR's offset
 * from its symbol, marks hidden globals static, and sorts each DATASEC's variables by offset.
 */
export function fixDatasecs(btf: MutableBtf, input: DatasecFixupInput): void {
  for (const t of [...btf.types()]) {
    if (t.kind !== BtfKind.Datasec) continue;
    let size = t.size;
    let variables = [...t.variables];
    if (!EXTERN_SECTIONS.has(t.name)) {
      const fixOffsets = size === 0;
      if (fixOffsets) {
        const sectionSize = input.sectionSizes.get(t.name);
        if (!sectionSize) throw new BtfError(0, `DATASEC '${t.name}' (type ${t.id}) has no ELF section with a size`, 'the object and its BTF disagree: rebuild it');
        size = sectionSize;
      }
      variables = variables.map((v) => {
        const variable = btf.type(v.type);
        if (variable.kind !== BtfKind.Var) throw new BtfError(0, `DATASEC '${t.name}' (type ${t.id}) holds type ${v.type}, which is not a VAR`);
        if (variable.linkage === VarLinkage.Static || variable.linkage === VarLinkage.GlobalExtern) return v;
        const found = input.symbols.get(variable.name);
        if (found === undefined) throw new BtfError(0, `VAR '${variable.name}' (type ${variable.id}) has no ELF symbol`, 'the object and its BTF disagree: rebuild it');
        const symbol = typeof found === 'number' ? { offset: found } : found;
        if (symbol.hidden) btf.replace(variable.id, { ...variable, linkage: VarLinkage.Static });
        return fixOffsets ? { ...v, offset: symbol.offset } : v;
      });
    }
    variables.sort((a, b) => a.offset - b.offset);
    btf.replace(t.id, { ...t, size, variables });
  }
}

/** What the target kernel's BTF supports (libbpf probes each; a missing one triggers its rewrite). */
export interface BtfFeatures {
  func: boolean;
  funcGlobal: boolean;
  datasec: boolean;
  /** DATASEC names starting with '?' (libbpf's optional .rodata sections). */
  qmarkDatasec: boolean;
  float: boolean;
  declTag: boolean;
  typeTag: boolean;
  enum64: boolean;
}

/** Rewrites kinds the kernel lacks into kinds it has, as libbpf does; returns how many types changed. */
export function sanitizeBtf(btf: MutableBtf, has: BtfFeatures): number {
  let changed = 0;
  let enum64Placeholder = 0;
  for (const t of [...btf.types()]) {
    let next: BtfType | undefined;
    if ((!has.datasec && t.kind === BtfKind.Var) || (!has.declTag && t.kind === BtfKind.DeclTag)) {
      // a 1-byte int: 4 would exceed a smaller variable and fail the kernel's checks
      next = { id: t.id, kind: BtfKind.Int, name: t.name, size: 1, encoding: 0, bitOffset: 0, bits: 8 };
    } else if (!has.datasec && t.kind === BtfKind.Datasec) {
      // a struct whose members are the variables, named like the section with '.' made '_'
      const members: Member[] = t.variables.map((v) => ({ name: btf.type(v.type).name, type: v.type, bitOffset: v.offset * 8, bitfieldSize: 0 }));
      next = { id: t.id, kind: BtfKind.Struct, name: t.name.replaceAll('.', '_'), size: t.size, kindFlag: false, members };
    } else if (!has.qmarkDatasec && t.kind === BtfKind.Datasec && t.name.startsWith('?')) {
      next = { ...t, name: `_${t.name.slice(1)}` };
    } else if (!has.func && t.kind === BtfKind.FuncProto) {
      // an enum of the same vlen: struct btf_param and struct btf_enum have the same layout
      next = { id: t.id, kind: BtfKind.Enum, name: t.name, size: 4, signed: false, values: t.parameters.map((p) => ({ name: p.name, value: p.type })) };
    } else if (!has.func && t.kind === BtfKind.Func) {
      next = { id: t.id, kind: BtfKind.Typedef, name: t.name, target: t.proto };
    } else if (!has.funcGlobal && t.kind === BtfKind.Func && t.linkage !== 0) {
      next = { ...t, linkage: 0 };
    } else if (!has.float && t.kind === BtfKind.Float) {
      // an empty struct of the same size; anonymous, since "float" is no valid struct name
      next = { id: t.id, kind: BtfKind.Struct, name: '', size: t.size, kindFlag: false, members: [] };
    } else if (!has.typeTag && t.kind === BtfKind.TypeTag) {
      next = { id: t.id, kind: BtfKind.Const, name: '', target: t.target };
    } else if (!has.enum64 && t.kind === BtfKind.Enum && t.signed) {
      // the kind_flag (signedness) came with ENUM64
      next = { ...t, signed: false, values: t.values.map((v) => ({ name: v.name, value: v.value >>> 0 })) };
    } else if (!has.enum64 && t.kind === BtfKind.Enum64) {
      if (enum64Placeholder === 0) {
        enum64Placeholder = btf.add({ id: 0, kind: BtfKind.Int, name: 'enum64_placeholder', size: 1, encoding: 0, bitOffset: 0, bits: 8 });
      }
      // a union of byte-sized members at offset 0, keeping the value names
      next = {
        id: t.id, kind: BtfKind.Union, name: t.name, size: t.size, kindFlag: false,
        members: t.values.map((v) => ({ name: v.name, type: enum64Placeholder, bitOffset: 0, bitfieldSize: 0 })),
      };
    }
    if (next) {
      btf.replace(t.id, next);
      changed++;
    }
  }
  return changed;
}
