/**
 * BPF_CORE_TYPE_MATCHES (bpf_core_type_matches), libbpf's stricter relation than compatibility
 * (facts from relo_core.c's __bpf_core_types_match, our own code):
 * - names must agree (flavor-less) at every level once qualifiers and typedefs are looked through;
 *   an anonymous target matches only an anonymous local;
 * - kinds must be equal, except that behind a pointer a struct/union matches a fwd of the same
 *   flavor (struct vs union by the fwd's kind_flag) and enums match enum64s;
 * - ints: same size and signedness; arrays: same length, elements match; pointers: pointees match
 *   (and everything below is "behind a pointer"); function prototypes: same arity, parameters and
 *   return type match;
 * - enums: same size, every local enumerator's name exists in the target;
 * - structs/unions (not behind a pointer): every local member has a same-named target member whose
 *   type matches; behind a pointer the kind alone decides.
 */
import type { Btf } from '../../btf/btf.js';
import { BtfKind } from '../../btf/types.js';
import { essentialNameLength, isAnyEnum, kindAt, skipModifiers } from './btf-walk.js';
import { CoreHint, CoreProblem } from './core-error.js';

const MAX_DEPTH = 32;

/** bpf_core_names_match: an anonymous target only matches an anonymous local; else flavor-less equality. */
function namesMatch(localName: string, targetName: string): boolean {
  if (targetName === '') return localName === '';
  const targetLength = essentialNameLength(targetName);
  const localLength = essentialNameLength(localName);
  return targetLength === localLength && localName.slice(0, localLength) === targetName.slice(0, targetLength);
}

function enumsMatch(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  if (local.sizeOrTypeOf(localId) !== target.sizeOrTypeOf(targetId)) return false;
  const localCount = local.vlenOf(localId);
  const targetCount = target.vlenOf(targetId);
  if (localCount > targetCount) return false;
  for (let i = 0; i < localCount; i++) {
    const name = local.entryNameOf(localId, i);
    let matched = false;
    for (let j = 0; j < targetCount && !matched; j++) matched = namesMatch(name, target.entryNameOf(targetId, j));
    if (!matched) return false;
  }
  return true;
}

function compositesMatch(local: Btf, localId: number, target: Btf, targetId: number, behindPointer: boolean, level: number): boolean {
  const localCount = local.vlenOf(localId);
  const targetCount = target.vlenOf(targetId);
  if (localCount > targetCount) return false;
  for (let i = 0; i < localCount; i++) {
    const name = local.entryNameOf(localId, i);
    const memberType = local.entryTypeOf(localId, i);
    let matched = false;
    for (let j = 0; j < targetCount && !matched; j++) {
      if (!namesMatch(name, target.entryNameOf(targetId, j))) continue;
      matched = typesMatch(local, memberType, target, target.entryTypeOf(targetId, j), behindPointer, level - 1);
    }
    if (!matched) return false;
  }
  return true;
}

export function typesMatch(local: Btf, localId: number, target: Btf, targetId: number, behindPointer = false, level = MAX_DEPTH): boolean {
  if (level <= 0) throw new CoreProblem(`types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`, CoreHint.malformed);
  kindAt(local, localId);
  kindAt(target, targetId);
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw new CoreProblem(`types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`, CoreHint.malformed);
    localId = skipModifiers(local, localId);
    targetId = skipModifiers(target, targetId);
    if (!namesMatch(local.nameOf(localId), target.nameOf(targetId))) return false;
    const localKind = local.kindOf(localId);
    const targetKind = target.kindOf(targetId);
    switch (localKind) {
      case BtfKind.Void:
        return localKind === targetKind;
      case BtfKind.Fwd: {
        const localUnion = local.kindFlagOf(localId);
        if (behindPointer && localKind !== targetKind) {
          return (targetKind === BtfKind.Struct && !localUnion) || (targetKind === BtfKind.Union && localUnion);
        }
        return localKind === targetKind && localUnion === target.kindFlagOf(targetId);
      }
      case BtfKind.Enum: case BtfKind.Enum64:
        return isAnyEnum(targetKind) && enumsMatch(local, localId, target, targetId);
      case BtfKind.Struct: case BtfKind.Union:
        if (behindPointer) {
          if (localKind === targetKind) return true;
          return targetKind === BtfKind.Fwd && (localKind === BtfKind.Union) === target.kindFlagOf(targetId);
        }
        return localKind === targetKind && compositesMatch(local, localId, target, targetId, behindPointer, level);
      case BtfKind.Int: {
        if (localKind !== targetKind) return false;
        const localInt = local.type(localId);
        const targetInt = target.type(targetId);
        if (localInt.kind !== BtfKind.Int || targetInt.kind !== BtfKind.Int) return false;
        return localInt.size === targetInt.size && (localInt.encoding & 1) === (targetInt.encoding & 1);
      }
      case BtfKind.Pointer:
        if (localKind !== targetKind) return false;
        behindPointer = true;
        localId = local.sizeOrTypeOf(localId);
        targetId = target.sizeOrTypeOf(targetId);
        continue;
      case BtfKind.Array:
        if (localKind !== targetKind || local.arrayCountOf(localId) !== target.arrayCountOf(targetId)) return false;
        localId = local.arrayElementTypeOf(localId);
        targetId = target.arrayElementTypeOf(targetId);
        continue;
      case BtfKind.FuncProto: {
        if (localKind !== targetKind) return false;
        const count = local.vlenOf(localId);
        if (count !== target.vlenOf(targetId)) return false;
        for (let i = 0; i < count; i++) {
          if (!typesMatch(local, local.entryTypeOf(localId, i), target, target.entryTypeOf(targetId, i), behindPointer, level - 1)) return false;
        }
        localId = local.sizeOrTypeOf(localId);
        targetId = target.sizeOrTypeOf(targetId);
        continue;
      }
      default:
        return false;
    }
  }
}
