/**
 * The access spec of a CO-RE relocation (libbpf's bpf_core_spec): the local one parsed from the
 * access string ("0:1:2"), and a candidate's one found by matching it against a target type.
 *
 * `raw` holds every index of the path, including anonymous struct/union members; `accessors` only
 * the meaningful steps: the first (array) index, each named field, each array index. For enum
 * relocations the single accessor is the enumerator; type relocations have none. `bitOffset` is the
 * field's offset from the start of the root type, in bits.
 */
import type { Btf } from '../../btf/btf.js';
import { CoreRelocationKind, CORE_RELOCATION_KIND_NAMES } from '../../btf/ext-records.js';
import { BtfKind } from '../../btf/types.js';
import {
  essentialNameLength, isAnyEnum, isComposite, kindAt, kindName, skipModifiers, sizeOf,
} from './btf-walk.js';
import { fieldsAreCompatible, typesAreCompatible } from './compat.js';
import { CoreHint, CoreProblem } from './core-error.js';
import { typesMatch } from './type-matches.js';

/** libbpf's BPF_CORE_SPEC_MAX_LEN: longer access paths are refused. */
export const SPEC_MAX_LENGTH = 64;

export interface CoreAccessor {
  /** The composite holding the field, the array element type, the enum, or the root type. */
  typeId: number;
  /** Member index, array index, or enumerator index. */
  index: number;
  /** The field or enumerator name; undefined for array accesses (and the root access). */
  name: string | undefined;
}

export interface CoreSpec {
  btf: Btf;
  rootTypeId: number;
  kind: number;
  raw: number[];
  accessors: CoreAccessor[];
  bitOffset: number;
}

export function isFieldKind(kind: number): boolean {
  return kind >= CoreRelocationKind.FieldByteOffset && kind <= CoreRelocationKind.FieldRshiftU64;
}

export function isTypeKind(kind: number): boolean {
  return (kind >= CoreRelocationKind.TypeIdLocal && kind <= CoreRelocationKind.TypeSize) || kind === CoreRelocationKind.TypeMatches;
}

export function isEnumValueKind(kind: number): boolean {
  return kind === CoreRelocationKind.EnumvalExists || kind === CoreRelocationKind.EnumvalValue;
}

export function relocationKindName(kind: number): string {
  return CORE_RELOCATION_KIND_NAMES[kind] ?? 'unknown';
}

/**
 * The indexes of an access string as libbpf reads it: numbers separated by single colons (leading
 * blanks and a sign are tolerated, as sscanf("%d") does); anything else, an empty string, a leading
 * colon or a doubled one is malformed. Negative indexes are refused (libbpf would read out of bounds).
 */
export function parseAccessString(text: string): number[] {
  if (text === '' || text.startsWith(':')) throw new CoreProblem(`malformed access string "${text}"`, CoreHint.malformed);
  const indexes: number[] = [];
  let at = 0;
  while (at < text.length) {
    if (text[at] === ':') at++;
    const match = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(text.slice(at));
    if (!match) throw new CoreProblem(`malformed access string "${text}"`, CoreHint.malformed);
    const value = Number(match[2]) * (match[1] === '-' ? -1 : 1);
    if (value < 0 || value > 0x7fffffff) throw new CoreProblem(`access string "${text}" has index ${match[1]}${match[2]} out of range`, CoreHint.malformed);
    if (indexes.length === SPEC_MAX_LENGTH) throw new CoreProblem(`access string "${text}" is longer than ${SPEC_MAX_LENGTH} steps`, CoreHint.malformed);
    indexes.push(value);
    at += match[0].length;
  }
  return indexes;
}

function addBits(spec: CoreSpec, bits: number): void {
  const sum = spec.bitOffset + bits;
  if (!Number.isSafeInteger(sum) || sum < 0 || sum > 0xffffffff) throw new CoreProblem(`field offset ${sum} bits does not fit libbpf's 32-bit offset`, CoreHint.malformed);
  spec.bitOffset = sum;
}

/** A flexible array: the last member (named accessor `previous`) of its struct, with no elements. */
function isFlexibleArray(btf: Btf, previous: CoreAccessor | undefined, arrayId: number): boolean {
  if (!previous || previous.name === undefined || btf.arrayCountOf(arrayId) > 0) return false;
  return previous.index === btf.vlenOf(previous.typeId) - 1;
}

/** bpf_core_parse_spec: the local spec of a relocation, validated against the local BTF. */
export function parseSpec(btf: Btf, rootTypeId: number, accessString: string, kind: number): CoreSpec {
  if (accessString === '' || accessString.startsWith(':')) throw new CoreProblem(`malformed access string "${accessString}"`, CoreHint.malformed);
  const spec: CoreSpec = { btf, rootTypeId, kind, raw: [], accessors: [], bitOffset: 0 };
  kindAt(btf, rootTypeId);
  if (isTypeKind(kind)) {
    if (accessString !== '0') throw new CoreProblem(`type relocation has access string "${accessString}", not "0"`, CoreHint.malformed);
    return spec;
  }
  spec.raw = parseAccessString(accessString);
  if (spec.raw.length === 0) throw new CoreProblem(`malformed access string "${accessString}"`, CoreHint.malformed);
  let id = skipModifiers(btf, rootTypeId);
  const first = spec.raw[0]!;
  spec.accessors.push({ typeId: id, index: first, name: undefined });

  if (isEnumValueKind(kind)) {
    const enumKind = btf.kindOf(id);
    if (!isAnyEnum(enumKind) || spec.raw.length > 1 || first >= btf.vlenOf(id)) {
      throw new CoreProblem(`enum relocation "${accessString}" does not name an enumerator of ${kindName(enumKind)} [${id}]`, CoreHint.malformed);
    }
    spec.accessors[0]!.name = btf.entryNameOf(id, first);
    return spec;
  }
  if (!isFieldKind(kind)) throw new CoreProblem(`unknown relocation kind ${kind}`, CoreHint.malformed);

  addBits(spec, first * sizeOf(btf, id) * 8);
  for (let i = 1; i < spec.raw.length; i++) {
    id = skipModifiers(btf, id);
    const index = spec.raw[i]!;
    const kindHere = btf.kindOf(id);
    if (isComposite(kindHere)) {
      if (index >= btf.vlenOf(id)) throw new CoreProblem(`access string "${accessString}" step ${i} names member ${index} of [${id}], which has ${btf.vlenOf(id)}`, CoreHint.malformed);
      addBits(spec, btf.memberBitOffsetOf(id, index));
      const name = btf.entryNameOf(id, index);
      if (name !== '') spec.accessors.push({ typeId: id, index, name });
      id = btf.entryTypeOf(id, index);
    } else if (kindHere === BtfKind.Array) {
      const arrayId = id;
      id = skipModifiers(btf, btf.arrayElementTypeOf(arrayId));
      const flexible = isFlexibleArray(btf, spec.accessors.at(-1), arrayId);
      if (!flexible && index >= btf.arrayCountOf(arrayId)) {
        throw new CoreProblem(`access string "${accessString}" step ${i} indexes element ${index} of a ${btf.arrayCountOf(arrayId)}-element array`, CoreHint.malformed);
      }
      spec.accessors.push({ typeId: id, index, name: undefined });
      addBits(spec, index * sizeOf(btf, id) * 8);
    } else {
      throw new CoreProblem(`access string "${accessString}" step ${i} captures type [${id}] of unexpected kind ${kindName(kindHere)}`, CoreHint.malformed);
    }
  }
  return spec;
}

/**
 * bpf_core_match_member: finds the local accessor's field in target composite `targetId`, searching
 * anonymous members depth first; extends `spec` (raw path, offset, accessor) as it goes. Returns the
 * field's target type id, or undefined when there is no compatible field of that name.
 */
function matchMember(local: Btf, localAccessor: CoreAccessor, target: Btf, targetId: number, spec: CoreSpec): number | undefined {
  targetId = skipModifiers(target, targetId);
  const composite = target.type(targetId);
  if (composite.kind !== BtfKind.Struct && composite.kind !== BtfKind.Union) return undefined;
  const localName = localAccessor.name!;
  const localMemberType = local.entryTypeOf(localAccessor.typeId, localAccessor.index);
  // the decoded type (cached by Btf) names its members once; relocations of one struct share it
  const members = composite.members;
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    if (spec.raw.length === SPEC_MAX_LENGTH) throw new CoreProblem(`target type [${targetId}] nests deeper than ${SPEC_MAX_LENGTH} levels`, CoreHint.malformed);
    // speculate that this member is the one; undone below when it is not
    spec.bitOffset += member.bitOffset;
    spec.raw.push(i);
    if (member.name === '') {
      const found = matchMember(local, localAccessor, target, member.type, spec);
      if (found !== undefined) return found;
    } else if (member.name === localName) {
      spec.accessors.push({ typeId: targetId, index: i, name: member.name });
      if (fieldsAreCompatible(local, localMemberType, target, member.type)) return member.type;
      spec.accessors.pop();
      return undefined;
    }
    spec.bitOffset -= member.bitOffset;
    spec.raw.pop();
  }
  return undefined;
}

/**
 * bpf_core_spec_match: the candidate's spec when `local` can be satisfied by target type
 * `targetId`, undefined when it can't. Throws a CoreProblem where libbpf reports an error.
 */
export function matchSpec(local: CoreSpec, target: Btf, targetId: number): CoreSpec | undefined {
  const spec: CoreSpec = { btf: target, rootTypeId: targetId, kind: local.kind, raw: [], accessors: [], bitOffset: 0 };
  if (isTypeKind(local.kind)) {
    const matched = local.kind === CoreRelocationKind.TypeMatches
      ? typesMatch(local.btf, local.rootTypeId, target, targetId)
      : typesAreCompatible(local.btf, local.rootTypeId, target, targetId);
    return matched ? spec : undefined;
  }
  const first = local.accessors[0]!;
  if (isEnumValueKind(local.kind)) {
    const enumId = skipModifiers(target, targetId);
    if (!isAnyEnum(target.kindOf(enumId))) return undefined;
    const localName = first.name!;
    const localLength = essentialNameLength(localName);
    for (let i = 0, count = target.vlenOf(enumId); i < count; i++) {
      const name = target.entryNameOf(enumId, i);
      if (essentialNameLength(name) !== localLength || name.slice(0, localLength) !== localName.slice(0, localLength)) continue;
      spec.accessors.push({ typeId: enumId, index: i, name });
      spec.raw.push(i);
      return spec;
    }
    return undefined;
  }
  if (!isFieldKind(local.kind)) throw new CoreProblem(`unknown relocation kind ${local.kind}`, CoreHint.malformed);

  let id = targetId;
  for (let i = 0; i < local.accessors.length; i++) {
    const localAccessor = local.accessors[i]!;
    id = skipModifiers(target, id);
    if (localAccessor.name !== undefined) {
      const next = matchMember(local.btf, localAccessor, target, id, spec);
      if (next === undefined) return undefined;
      id = next;
      continue;
    }
    if (i > 0) {
      if (target.kindOf(id) !== BtfKind.Array) return undefined;
      const flexible = isFlexibleArray(target, spec.accessors[i - 1], id);
      if (!flexible && localAccessor.index >= target.arrayCountOf(id)) return undefined;
      id = skipModifiers(target, target.arrayElementTypeOf(id));
    }
    if (spec.raw.length === SPEC_MAX_LENGTH) throw new CoreProblem(`target type [${targetId}] nests deeper than ${SPEC_MAX_LENGTH} levels`, CoreHint.malformed);
    spec.accessors.push({ typeId: id, index: localAccessor.index, name: undefined });
    spec.raw.push(localAccessor.index);
    addBits(spec, localAccessor.index * sizeOf(target, id) * 8);
  }
  return spec;
}

/** bpf_core_format_spec's text: `<byte_off> [7] struct task_struct.parent.pid (0:2:0 @ offset 8)`. */
export function formatSpec(spec: CoreSpec): string {
  const btf = spec.btf;
  let text = `<${relocationKindName(spec.kind)}> [${spec.rootTypeId}] ${kindName(btf.kindOf(spec.rootTypeId))} ${btf.nameOf(spec.rootTypeId) || '<anon>'}`;
  if (isTypeKind(spec.kind)) return text;
  if (isEnumValueKind(spec.kind)) {
    const enumId = skipModifiers(btf, spec.rootTypeId);
    const index = spec.raw[0] ?? spec.accessors[0]?.index ?? 0;
    const value = btf.kindOf(enumId) === BtfKind.Enum ? String(btf.enumValueOf(enumId, index)) : String(btf.enum64ValueOf(enumId, index));
    return `${text}::${btf.entryNameOf(enumId, index)} = ${value}`;
  }
  spec.accessors.forEach((accessor, i) => {
    if (accessor.name !== undefined) text += `.${accessor.name}`;
    else if (i > 0 || accessor.index > 0) text += `[${accessor.index}]`;
  });
  const bytes = Math.floor(spec.bitOffset / 8);
  const bits = spec.bitOffset % 8;
  return `${text} (${spec.raw.join(':')} @ offset ${bytes}${bits ? `.${bits}` : ''})`;
}
