/**
 * __ksym resolution as libbpf 1.1 does it (libbpf.c: bpf_object__resolve_ksym_var_btf_id,
 * bpf_object__resolve_ksym_func_btf_id, kallsyms_cb; relo_core.c: bpf_core_types_are_compat):
 *
 * - a typed variable is the first VAR of its name in vmlinux BTF, else in a module's own types, and
 *   its type must be compatible with the local one;
 * - a kfunc is the first FUNC of its name, looked up the same way, with a compatible FUNC_PROTO;
 * - a typeless variable (`extern const void x __ksym`) is its /proc/kallsyms address;
 * - a weak extern that isn't found resolves to nothing, which libbpf patches as 0. A weak one that is
 *   found but incompatible is still an error in 1.1 (libbpf 1.2+ treats a weak kfunc that way as missing).
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/types.js';
import { ExternError } from './externs-error.js';
import type { ExternSpec } from './externs.js';

export type KsymResolution =
  /** A kernel BTF id: `btfIndex` is its index in `kernelBtfs` (0: vmlinux). */
  | { kind: 'btf-id'; btfIndex: number; typeId: number }
  /** A typeless symbol's kallsyms address. */
  | { kind: 'address'; address: bigint }
  /** A weak extern the kernel doesn't have. */
  | { kind: 'missing-weak' };

/** libbpf's MAX recursion depth for bpf_core_types_are_compat. */
const MAX_COMPAT_DEPTH = 32;

/**
 * Resolves one __ksym extern against kernel BTF (`kernelBtfs[0]` vmlinux, then module BTFs split on
 * it) and kallsyms. A typeless name kallsyms lists at two different addresses should make `kallsyms`
 * throw, as libbpf refuses such a name (Kallsyms.unique does).
 */
export function resolveKsym(extern: ExternSpec, local: Btf, kernelBtfs: readonly Btf[], kallsyms: (name: string) => bigint | undefined): KsymResolution {
  switch (extern.kind) {
    case 'ksym-typeless': {
      const address = kallsyms(extern.name);
      if (address !== undefined) return { kind: 'address', address };
      if (extern.weak) return { kind: 'missing-weak' };
      throw new ExternError(extern.name, 'not in /proc/kallsyms', 'check the symbol name (kernels without CONFIG_KALLSYMS_ALL list functions only), or declare it __weak');
    }
    case 'ksym-variable':
    case 'kfunc': {
      const isFunction = extern.kind === 'kfunc';
      const what = isFunction ? 'kfunc' : 'kernel variable';
      if (kernelBtfs.length === 0) throw new ExternError(extern.name, `a ${what} needs kernel BTF, and none was given`, 'pass vmlinux BTF (/sys/kernel/btf/vmlinux) first in kernelBtfs');
      const found = findKernelType(kernelBtfs, extern.name, isFunction ? BtfKind.Func : BtfKind.Var);
      if (!found) {
        if (extern.weak) return { kind: 'missing-weak' };
        throw new ExternError(extern.name, `no ${isFunction ? 'FUNC' : 'VAR'} of that name in kernel or module BTF`, `check that this kernel has the ${what}, or declare it __weak`);
      }
      const kernel = kernelBtfs[found.btfIndex]!;
      const localTarget = extern.targetTypeId ?? localTargetOf(extern, local);
      const kernelType = kernel.type(found.typeId);
      const kernelTarget = kernel.resolve(kernelType.kind === BtfKind.Func ? kernelType.proto : kernelType.kind === BtfKind.Var ? kernelType.type : 0);
      if (!typesAreCompatible(local, localTarget, kernel, kernelTarget)) {
        throw new ExternError(
          extern.name,
          `its type [${localTarget}] ${describeType(local, localTarget)} is incompatible with the kernel's [${kernelTarget}] ${describeType(kernel, kernelTarget)}${isFunction ? ' (FUNC_PROTO)' : ''}`,
          `declare it as the kernel does (bpftool btf dump file /sys/kernel/btf/vmlinux | grep "'${extern.name}'")`,
        );
      }
      return { kind: 'btf-id', btfIndex: found.btfIndex, typeId: found.typeId };
    }
    default:
      throw new ExternError(extern.name, 'a .kconfig extern is not a kernel symbol', 'resolve .kconfig externs with kconfigData');
  }
}

/** First VAR/FUNC named `name`: vmlinux (all its types, lowest id first), then each module's own types. */
function findKernelType(kernelBtfs: readonly Btf[], name: string, kind: BtfKind): { btfIndex: number; typeId: number } | undefined {
  for (let btfIndex = 0; btfIndex < kernelBtfs.length; btfIndex++) {
    const btf = kernelBtfs[btfIndex]!;
    const own = btf.findByName(name, kind).find((t) => btfIndex === 0 || t.id >= btf.firstTypeId);
    if (own) return { btfIndex, typeId: own.id };
  }
  return undefined;
}

function localTargetOf(extern: ExternSpec, local: Btf): number {
  const t = local.type(extern.typeId);
  return local.resolve(t.kind === BtfKind.Func ? t.proto : t.kind === BtfKind.Var ? t.type : 0);
}

/**
 * libbpf's bpf_core_types_are_compat: kinds must match (any enum with any enum) through pointers,
 * arrays and function prototypes (same parameter count, each parameter and the return type
 * compatible); structs, unions, enums and fwds match by kind alone; ints unless bitfield-like.
 */
export function typesAreCompatible(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  return compatible(local, localId, target, targetId, MAX_COMPAT_DEPTH);
}

function compatible(local: Btf, localId: number, target: Btf, targetId: number, depth: number): boolean {
  if (!kindsCompatible(local.kindOf(localId), target.kindOf(targetId))) return false;
  for (let left = depth; left > 0; left--) {
    localId = local.resolve(localId);
    targetId = target.resolve(targetId);
    const l = local.type(localId);
    const t = target.type(targetId);
    if (!kindsCompatible(l.kind, t.kind)) return false;
    switch (l.kind) {
      case BtfKind.Void: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum: case BtfKind.Enum64: case BtfKind.Fwd:
        return true;
      case BtfKind.Int:
        return l.bitOffset === 0 && t.kind === BtfKind.Int && t.bitOffset === 0;
      case BtfKind.Pointer:
        if (t.kind !== BtfKind.Pointer) return false;
        localId = l.target;
        targetId = t.target;
        break;
      case BtfKind.Array:
        if (t.kind !== BtfKind.Array) return false;
        localId = l.elementType;
        targetId = t.elementType;
        break;
      case BtfKind.FuncProto: {
        if (t.kind !== BtfKind.FuncProto || l.parameters.length !== t.parameters.length) return false;
        for (let i = 0; i < l.parameters.length; i++) {
          const localParameter = local.resolve(l.parameters[i]!.type);
          const targetParameter = target.resolve(t.parameters[i]!.type);
          if (!compatible(local, localParameter, target, targetParameter, left - 1)) return false;
        }
        localId = l.returnType;
        targetId = t.returnType;
        break;
      }
      default:
        return false;
    }
  }
  // deeper than libbpf goes: it reports an error, which callers treat as incompatible
  return false;
}

function kindsCompatible(a: number, b: number): boolean {
  const isEnum = (kind: number) => kind === BtfKind.Enum || kind === BtfKind.Enum64;
  return a === b || (isEnum(a) && isEnum(b));
}

function describeType(btf: Btf, id: number): string {
  const t = btf.type(id);
  const kind = ['void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64'][t.kind] ?? 'unknown';
  return t.name ? `${kind} ${t.name}` : kind;
}
