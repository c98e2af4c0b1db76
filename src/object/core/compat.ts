/**
 * The two compatibility relations of libbpf's relo_core.c (facts only, our own code):
 * - typesAreCompatible, for type-based relocations (exists, size, target id): after the root names
 *   matched, structs/unions/enums/fwds of a compatible kind are compatible whatever they hold; ints
 *   unless they are the deprecated bit-offset kind; pointers, arrays (element) and function prototypes
 *   (parameters and return) recursively;
 * - fieldsAreCompatible, for the type of a matched field: any two composites; pointers and floats;
 *   fwds and enums when their essential names agree or either is anonymous; ints (no bit offset);
 *   arrays by element type.
 * Both return 1 or 0, and throw a CoreProblem where libbpf returns an error (loops, bad ids).
 */
import type { Btf } from '../../btf/btf.js';
import { BtfKind, type IntType } from '../../btf/types.js';
import {
  essentialNameLength, isComposite, kindAt, kindsCoreCompatible, skipModifiers,
} from './btf-walk.js';
import { CoreHint, CoreProblem } from './core-error.js';

/** libbpf's recursion budget for both relations. */
const MAX_DEPTH = 32;

function intBitOffset(btf: Btf, id: number): number {
  return (btf.type(id) as IntType).bitOffset;
}

export function typesAreCompatible(local: Btf, localId: number, target: Btf, targetId: number, level = MAX_DEPTH): boolean {
  if (!kindsCoreCompatible(kindAt(local, localId), kindAt(target, targetId))) return false;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw new CoreProblem(`types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`, CoreHint.malformed);
    localId = skipModifiers(local, localId);
    targetId = skipModifiers(target, targetId);
    const localKind = local.kindOf(localId);
    const targetKind = target.kindOf(targetId);
    if (!kindsCoreCompatible(localKind, targetKind)) return false;
    switch (localKind) {
      case BtfKind.Void: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum: case BtfKind.Fwd: case BtfKind.Enum64:
        return true;
      case BtfKind.Int:
        return intBitOffset(local, localId) === 0 && intBitOffset(target, targetId) === 0;
      case BtfKind.Pointer:
        localId = local.sizeOrTypeOf(localId);
        targetId = target.sizeOrTypeOf(targetId);
        continue;
      case BtfKind.Array:
        localId = local.arrayElementTypeOf(localId);
        targetId = target.arrayElementTypeOf(targetId);
        continue;
      case BtfKind.FuncProto: {
        const count = local.vlenOf(localId);
        if (count !== target.vlenOf(targetId)) return false;
        for (let i = 0; i < count; i++) {
          if (level <= 0) throw new CoreProblem(`function prototypes [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`, CoreHint.malformed);
          const localParam = skipModifiers(local, local.entryTypeOf(localId, i));
          const targetParam = skipModifiers(target, target.entryTypeOf(targetId, i));
          if (!typesAreCompatible(local, localParam, target, targetParam, level - 1)) return false;
        }
        localId = skipModifiers(local, local.sizeOrTypeOf(localId));
        targetId = skipModifiers(target, target.sizeOrTypeOf(targetId));
        continue;
      }
      default:
        // libbpf warns "unexpected kind ... relocated" and calls it incompatible
        return false;
    }
  }
}

/** Whether two (possibly anonymous) names are equal once flavors are dropped; an anonymous one matches anything. */
function essentialNamesCompatible(a: string, b: string): boolean {
  const aLength = essentialNameLength(a);
  const bLength = essentialNameLength(b);
  return aLength === 0 || bLength === 0 || (aLength === bLength && a.slice(0, aLength) === b.slice(0, bLength));
}

export function fieldsAreCompatible(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  for (let depth = 0; ; depth++) {
    if (depth > MAX_DEPTH * 4) throw new CoreProblem(`field types [${localId}] and [${targetId}] nest too deep`, CoreHint.malformed);
    localId = skipModifiers(local, localId);
    targetId = skipModifiers(target, targetId);
    const localKind = local.kindOf(localId);
    const targetKind = target.kindOf(targetId);
    if (isComposite(localKind) && isComposite(targetKind)) return true;
    if (!kindsCoreCompatible(localKind, targetKind)) return false;
    switch (localKind) {
      case BtfKind.Pointer: case BtfKind.Float:
        return true;
      case BtfKind.Fwd: case BtfKind.Enum: case BtfKind.Enum64:
        return essentialNamesCompatible(local.nameOf(localId), target.nameOf(targetId));
      case BtfKind.Int:
        return intBitOffset(local, localId) === 0 && intBitOffset(target, targetId) === 0;
      case BtfKind.Array:
        localId = local.arrayElementTypeOf(localId);
        targetId = target.arrayElementTypeOf(targetId);
        continue;
      default:
        return false;
    }
  }
}
