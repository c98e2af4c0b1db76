/**
 * The small BTF readers the CO-RE engine shares: looking through qualifiers and typedefs, sizes, the
 * essential (flavor-less) name, and libbpf's lower-case kind names for descriptions. Every reader
 * turns a bad id or a reference loop into a CoreProblem, never a crash.
 */
import type { Btf } from '../../btf/btf.js';
import { BtfKind } from '../../btf/types.js';
import { TsbpfError } from '../../errors.js';
import { CoreHint, CoreProblem } from './core-error.js';

/** libbpf's btf_kind_str names, by kind. */
const KIND_NAMES = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict',
  'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
];

/** Chains of qualifiers longer than this are loops (libbpf's MAX_RESOLVE_DEPTH). */
const MAX_CHAIN = 32;

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? 'unknown';
}

/** The kind of `id`, or a CoreProblem when the id is not in `btf`. */
export function kindAt(btf: Btf, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id >= btf.typeCount) {
    throw new CoreProblem(`type id ${id} is out of range (0..${btf.typeCount - 1})`, CoreHint.malformed);
  }
  return btf.kindOf(id);
}

export function isModifierOrTypedef(kind: number): boolean {
  return kind === BtfKind.Typedef || kind === BtfKind.Volatile || kind === BtfKind.Const || kind === BtfKind.Restrict || kind === BtfKind.TypeTag;
}

export function isComposite(kind: number): boolean {
  return kind === BtfKind.Struct || kind === BtfKind.Union;
}

export function isAnyEnum(kind: number): boolean {
  return kind === BtfKind.Enum || kind === BtfKind.Enum64;
}

/** libbpf's btf_kind_core_compat: the same kind, or both enums (32- or 64-bit). */
export function kindsCoreCompatible(a: number, b: number): boolean {
  return a === b || (isAnyEnum(a) && isAnyEnum(b));
}

/** The id `id` names once typedefs, const/volatile/restrict and type tags are looked through (skip_mods_and_typedefs). */
export function skipModifiers(btf: Btf, id: number): number {
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    if (!isModifierOrTypedef(kindAt(btf, id))) return id;
    id = btf.sizeOrTypeOf(id);
  }
  throw new CoreProblem(`type ${id} is a chain of more than ${MAX_CHAIN} typedefs and qualifiers (a loop?)`, CoreHint.malformed);
}

/** btf__resolve_size, with its failures as CoreProblems. */
export function sizeOf(btf: Btf, id: number): number {
  kindAt(btf, id);
  try {
    return btf.sizeOf(id);
  } catch (error) {
    if (error instanceof TsbpfError) throw new CoreProblem(`type [${id}] has no size: ${error.message}`, CoreHint.malformed);
    throw error;
  }
}

/**
 * Length of `name` without its flavor: everything from the last `X___Y` separator (X and Y not
 * underscores) on is dropped, so `task_struct___old` and `task_struct` are the same type to CO-RE.
 */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name.charCodeAt(i) !== 0x5f && name.charCodeAt(i + 1) === 0x5f && name.charCodeAt(i + 2) === 0x5f
      && name.charCodeAt(i + 3) === 0x5f && name.charCodeAt(i + 4) !== 0x5f) return i + 1;
  }
  return name.length;
}

export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** Whether a name carries a flavor suffix. */
export function hasFlavor(name: string): boolean {
  return essentialNameLength(name) !== name.length;
}

/** `struct task_struct`, `enum <anon>`: a type as libbpf's debug lines name it. */
export function describeType(btf: Btf, id: number): string {
  const kind = id >= 0 && id < btf.typeCount ? btf.kindOf(id) : -1;
  const name = kind >= 0 ? btf.nameOf(id) : '';
  return `[${id}] ${kindName(kind)} ${name || '<anon>'}`;
}
