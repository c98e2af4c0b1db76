/**
 * The checks both value decoders (value-codec.ts walks, value-decoder.ts compiles) make before they
 * read bytes by a type, so that malformed BTF gives a typed error naming the type instead of a
 * RangeError from a DataView, a stack overflow or an array of four billion elements.
 */
import type { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BtfKind, type CompositeType, type Member } from './types.js';

/**
 * How deep values may nest (structs in structs, arrays of them). The kernel refuses BTF that
 * resolves more than 32 levels deep (MAX_RESOLVE_DEPTH), so real types stay far below this;
 * deeper is a loop in malformed BTF.
 */
export const MAX_VALUE_DEPTH = 128;

/**
 * How many JS values (numbers, strings, arrays, objects) decoding `size` bytes may make: a few per
 * byte for nested structs, plus some for zero-sized members. Only an array of zero-sized elements
 * with a huge count (or arrays of such arrays) goes past it.
 */
export function valueBudget(size: number): number {
  return 16 * size + 65536;
}

/**
 * The byte offset of a non-bitfield member, after checking that it lies within its struct as the
 * kernel requires (btf_struct_check_member): byte-aligned, and ending by the struct's size.
 * Bitfields are checked to end by the struct's size too; their offset is returned in bits.
 */
export function memberPlacement(btf: Btf, t: CompositeType, member: Member, index: number): number {
  const limit = t.size * 8;
  if (member.bitfieldSize > 0) {
    if (member.bitOffset + member.bitfieldSize > limit) throw memberError(btf, t, index, `bitfield ends at bit ${member.bitOffset + member.bitfieldSize}, past the type's ${t.size} bytes`);
    return member.bitOffset;
  }
  if (member.bitOffset % 8 !== 0) throw memberError(btf, t, index, `sits at bit ${member.bitOffset}, which is not a byte boundary`);
  const end = member.bitOffset / 8 + btf.sizeOf(member.type);
  if (end > t.size) throw memberError(btf, t, index, `ends at byte ${end}, past the type's ${t.size} bytes`);
  return member.bitOffset / 8;
}

function memberError(btf: Btf, t: CompositeType, index: number, problem: string): BtfError {
  const kind = t.kind === BtfKind.Struct ? 'struct' : 'union';
  const name = t.members[index]!.name || `#${index}`;
  return new BtfError(btf.offsetOf(t.id), `${kind} ${t.name || '(anon)'} [${t.id}]: member ${name} ${problem}`, 'the BTF is malformed; check it with `bpftool btf dump ... format raw`');
}

/** The typed error for a value nested deeper than MAX_VALUE_DEPTH. */
export function tooDeep(btf: Btf, id: number): BtfError {
  return new BtfError(id > 0 ? btf.offsetOf(id) : 0, `type ${id} nests values more than ${MAX_VALUE_DEPTH} deep (a type that contains itself?)`, 'the BTF is malformed; check it with `bpftool btf dump ... format raw`');
}

/** The typed error for a type whose value would be more JS values than valueBudget allows. */
export function tooManyValues(btf: Btf, id: number, values: number): BtfError {
  return new BtfError(id > 0 ? btf.offsetOf(id) : 0, `type ${id} decodes to ${values} values, too many for its ${btf.sizeOf(id)} bytes (an array of zero-sized elements?)`, 'the BTF is malformed; check it with `bpftool btf dump ... format raw`');
}
