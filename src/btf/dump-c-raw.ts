/**
 * Optional in-place reads a BtfSource may offer (Btf does; MutableBtf doesn't need to). With them the
 * C dumper follows references without decoding type objects: of vmlinux's 126 000 types, 56 000 are
 * FUNCs and 29 000 FUNC_PROTOs that a header never prints, and decoding them (names, parameter
 * objects) was most of the dump's parse and garbage-collection time.
 */
import type { BtfSource } from './types.js';

export interface BtfRawReads {
  /** BtfKind of `id` (0 for void). */
  kindOf(id: number): number;
  /** The record's size-or-type word (a reference's target, a FUNC's proto, a FUNC_PROTO's return type). */
  sizeOrTypeOf(id: number): number;
  /** The record's vlen. */
  vlenOf(id: number): number;
  /** The type of member, parameter or DATASEC variable `index`. */
  entryTypeOf(id: number, index: number): number;
}

/** `btf`'s in-place reads, when it offers all of them. */
export function rawReadsOf(btf: BtfSource): BtfRawReads | undefined {
  const candidate = btf as BtfSource & Partial<BtfRawReads>;
  return typeof candidate.kindOf === 'function' && typeof candidate.sizeOrTypeOf === 'function'
    && typeof candidate.vlenOf === 'function' && typeof candidate.entryTypeOf === 'function'
    ? (candidate as BtfSource & BtfRawReads)
    : undefined;
}
