/**
 * Finding things in kernel BTF the way C names them: a member by name through anonymous structs and
 * unions, a command's anonymous struct inside `union bpf_attr`, an anonymous enum by one enumerator.
 * Every miss throws, naming what was looked for: a kernel that renamed a member must stop the
 * generator rather than produce a file with a hole in it.
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind, type CompositeType, type EnumType, type Enum64Type } from '../btf/types.js';

/** A member found inside a composite, with its bit offset from the start of that composite. */
export interface FoundMember {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

export function composite(btf: Btf, id: number, what: string): CompositeType {
  const t = btf.type(btf.resolve(id));
  if (t.kind !== BtfKind.Struct && t.kind !== BtfKind.Union) throw new Error(`${what} is not a struct or union`);
  return t;
}

export function findComposite(btf: Btf, kind: 'struct' | 'union', name: string): CompositeType {
  const found = btf.findOne(name, kind === 'struct' ? BtfKind.Struct : BtfKind.Union);
  if (!found) throw new Error(`${kind} ${name} is not in the BTF`);
  return composite(btf, found.id, `${kind} ${name}`);
}

/** Whether a member is an anonymous struct or union (whose members C lets you name directly). */
function anonymousComposite(btf: Btf, member: FoundMember): CompositeType | undefined {
  if (member.name !== '') return undefined;
  const kind = btf.type(btf.resolve(member.type)).kind;
  return kind === BtfKind.Struct || kind === BtfKind.Union ? composite(btf, member.type, 'anonymous member') : undefined;
}

/** `name` in `owner`, looked for as C does: direct members first, then inside anonymous members. */
export function findMember(btf: Btf, owner: CompositeType, name: string): FoundMember | undefined {
  const direct = owner.members.find((m) => m.name === name);
  if (direct) return direct;
  for (const member of owner.members) {
    const inner = anonymousComposite(btf, member);
    const found = inner && findMember(btf, inner, name);
    if (found) return { ...found, bitOffset: member.bitOffset + found.bitOffset };
  }
  return undefined;
}

/**
 * `name` in `owner`; a dotted path (`perf_event.bpf_cookie`) walks named members of the union bpf_attr
 * commands nest per link type, adding their offsets.
 */
export function requireMember(btf: Btf, owner: CompositeType, name: string, where: string): FoundMember {
  const [head, ...rest] = name.split('.');
  const found = findMember(btf, owner, head!);
  if (!found) throw new Error(`${where} has no member ${head}`);
  if (rest.length === 0) return found;
  const inner = requireMember(btf, composite(btf, found.type, `${where}.${head}`), rest.join('.'), `${where}.${head}`);
  return { ...inner, name, bitOffset: found.bitOffset + inner.bitOffset };
}

/** The first anonymous struct member of `owner` that holds `anchor` (one bpf(2) command's attributes). */
export function anonymousHolding(btf: Btf, owner: CompositeType, anchor: string, where: string): FoundMember {
  for (const member of owner.members) {
    const inner = anonymousComposite(btf, member);
    if (inner?.kind === BtfKind.Struct && findMember(btf, inner, anchor)) return member;
  }
  throw new Error(`${where} has no anonymous struct holding ${anchor}`);
}

/** The first anonymous union member directly in `owner`. */
export function firstAnonymousUnion(btf: Btf, owner: CompositeType, where: string): FoundMember {
  const found = owner.members.find((m) => anonymousComposite(btf, m)?.kind === BtfKind.Union);
  if (!found) throw new Error(`${where} has no anonymous union`);
  return found;
}

/** Byte offset of a member: a bitfield counts from the byte holding its first bit. */
export function byteOffset(member: FoundMember, where: string): number {
  if (member.bitfieldSize === 0 && member.bitOffset % 8 !== 0) throw new Error(`${where}.${member.name} sits at bit ${member.bitOffset}, not on a byte`);
  return Math.floor(member.bitOffset / 8);
}

type AnyEnum = EnumType | Enum64Type;

function isEnum(btf: Btf, id: number): boolean {
  const kind = btf.kindOf(id);
  return kind === BtfKind.Enum || kind === BtfKind.Enum64;
}

export function findNamedEnum(btf: Btf, name: string): AnyEnum {
  const found = [...btf.findByName(name, BtfKind.Enum), ...btf.findByName(name, BtfKind.Enum64)][0];
  if (!found || (found.kind !== BtfKind.Enum && found.kind !== BtfKind.Enum64)) throw new Error(`enum ${name} is not in the BTF`);
  return found;
}

/**
 * The anonymous enum holding `enumerator`. BTF indexes type names, not enumerator names, so this walks
 * every type once; vmlinux has a few hundred anonymous enums among ~130 000 types.
 */
export function findEnumHolding(btf: Btf, enumerator: string): AnyEnum {
  for (let id = 1; id < btf.typeCount; id++) {
    if (!isEnum(btf, id)) continue;
    const t = btf.type(id);
    if ((t.kind === BtfKind.Enum || t.kind === BtfKind.Enum64) && t.name === '' && t.values.some((v) => v.name === enumerator)) return t;
  }
  throw new Error(`no anonymous enum holds ${enumerator}`);
}
