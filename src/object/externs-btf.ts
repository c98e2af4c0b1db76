/**
 * libbpf 1.1's BTF edits for extern DATASECs (libbpf.c: add_dummy_ksym_var and the end of
 * bpf_object__collect_externs), which the kernel needs before BTF_LOAD accepts the object's BTF:
 *
 * - when .ksyms lists a FUNC, a VAR `dummy_ksym` (global, allocated, of the first 32-bit INT) is
 *   appended; each FUNC's DATASEC entry points at it instead, the FUNC becomes global, and its
 *   prototype's unnamed parameters are named `dummy_ksym`;
 * - each .ksyms VAR becomes a global allocated variable of that 32-bit INT;
 * - .ksyms entries sit 4 bytes apart, 4 bytes each, and the DATASEC's size is their total;
 * - .kconfig VARs become global allocated variables at their .kconfig map offsets, and the DATASEC's
 *   size is the map's.
 *
 * Both DATASECs' variables end up sorted by offset, as libbpf's later DATASEC fix-up sorts them.
 */
import type { MutableBtf } from '../btf/mutable.js';
import { BtfKind, FuncLinkage, VarLinkage, type DatasecType, type VarSecinfo } from '../btf/types.js';
import { ExternError } from './externs-error.js';
import type { ExternSpec } from './externs.js';

const DUMMY_KSYM = 'dummy_ksym';
const KSYM_SLOT = 4;

/** Applies libbpf's extern edits to `btf` (the object's BTF, externs from readExterns on it). */
export function fixExternBtf(btf: MutableBtf, externs: readonly ExternSpec[], kconfigSize: number): void {
  const byName = new Map(externs.map((extern) => [extern.name, extern]));
  const ksyms = datasecNamed(btf, '.ksyms');
  if (ksyms) fixKsyms(btf, ksyms, byName);
  const kconfig = datasecNamed(btf, '.kconfig');
  if (kconfig) fixKconfig(btf, kconfig, byName, kconfigSize);
}

function datasecNamed(btf: MutableBtf, name: string): DatasecType | undefined {
  for (const t of btf.types()) if (t.kind === BtfKind.Datasec && t.name === name) return t;
  return undefined;
}

/** find_int_btf_id: the first INT of 32 bits, 0 (void) when there is none. */
function firstInt32(btf: MutableBtf): number {
  for (const t of btf.types()) if (t.kind === BtfKind.Int && t.bits === 32) return t.id;
  return 0;
}

function fixKsyms(btf: MutableBtf, section: DatasecType, byName: ReadonlyMap<string, ExternSpec>): void {
  const int32 = firstInt32(btf);
  const hasFunction = section.variables.some((v) => btf.type(v.type).kind === BtfKind.Func);
  const dummy = hasFunction ? btf.add({ id: 0, kind: BtfKind.Var, name: DUMMY_KSYM, type: int32, linkage: VarLinkage.GlobalAllocated }) : 0;
  const variables: VarSecinfo[] = section.variables.map((entry, index) => {
    const t = btf.type(entry.type);
    if (!byName.has(t.name)) throw new ExternError(t.name, `.ksyms lists it (BTF [${t.id}]), but no extern symbol of that name exists`, 'the object\'s BTF and symbols disagree: rebuild it');
    const offset = index * KSYM_SLOT;
    if (t.kind === BtfKind.Func) {
      const proto = btf.type(t.proto);
      if (proto.kind === BtfKind.FuncProto && proto.parameters.some((p) => p.type !== 0 && p.name === '')) {
        btf.replace(proto.id, { ...proto, parameters: proto.parameters.map((p) => (p.type !== 0 && p.name === '' ? { ...p, name: DUMMY_KSYM } : p)) });
      }
      btf.replace(t.id, { ...t, linkage: FuncLinkage.Global });
      return { type: dummy, offset, size: KSYM_SLOT };
    }
    if (t.kind !== BtfKind.Var) throw new ExternError(t.name, `.ksyms lists BTF [${t.id}], which is neither a VAR nor a FUNC`, 'the object\'s BTF is corrupt: rebuild it');
    btf.replace(t.id, { ...t, linkage: VarLinkage.GlobalAllocated, type: int32 });
    return { type: entry.type, offset, size: KSYM_SLOT };
  });
  btf.replace(section.id, { ...section, size: variables.length * KSYM_SLOT, variables: sortByOffset(variables) });
}

function fixKconfig(btf: MutableBtf, section: DatasecType, byName: ReadonlyMap<string, ExternSpec>, kconfigSize: number): void {
  const variables = section.variables.map((entry) => {
    const t = btf.type(entry.type);
    const extern = byName.get(t.name);
    if (!extern?.kconfig || t.kind !== BtfKind.Var) {
      throw new ExternError(t.name, `.kconfig lists it (BTF [${t.id}]), but it is not a .kconfig extern of this object`, 'the object\'s BTF and symbols disagree: rebuild it');
    }
    btf.replace(t.id, { ...t, linkage: VarLinkage.GlobalAllocated });
    return { ...entry, offset: extern.kconfig.offset };
  });
  btf.replace(section.id, { ...section, size: kconfigSize, variables: sortByOffset(variables) });
}

function sortByOffset(variables: VarSecinfo[]): VarSecinfo[] {
  return [...variables].sort((a, b) => a.offset - b.offset);
}
