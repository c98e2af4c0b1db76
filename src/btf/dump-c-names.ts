/**
 * Unique C names for BTF types. BTF may hold several distinct types under one name (vmlinux has
 * e.g. two `struct bpf_map_desc`); C can't, so the second one met gets `___2`, the third `___3`,
 * and so on. "Met" means the order in which the dumper first prints each name, which is why this
 * is resolved lazily during emission rather than up front.
 *
 * Two namespaces are counted separately, as in C: tags (struct, union, enum names) and ordinary
 * identifiers (typedef names and enumerators).
 *
 * Names are handled as offsets into a byte table, never as JS strings: vmlinux's header prints
 * ~150 000 names, and slicing each into a string, then hashing it into a Map, was the dump's
 * largest single cost (and most of its garbage). The table is FlatBtf's (the BTF string table
 * itself for kernel BTF), so names are counted by their bytes and copied straight into the output.
 */
import type { FlatBtf } from './dump-c-flat.js';
import type { ByteWriter } from './dump-c-writer.js';
import { BtfKind } from './types.js';

/** libbpf formats a numbered name into a 256-byte buffer: at most 255 bytes survive. */
const MAX_NAME = 255;

export class NameTable {
  /** The name bytes, NUL-terminated, indexed by name offsets. */
  readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly at: Int32Array;
  /** Per type id: 0 until resolved, then its name's number (1 = printed without a suffix). */
  private readonly resolved: Int32Array;
  private readonly tagCounts: NameCounts;
  private readonly identifierCounts: NameCounts;

  constructor(flat: FlatBtf) {
    this.bytes = flat.names;
    this.words = flat.words;
    this.at = flat.at;
    this.resolved = new Int32Array(flat.count);
    // Sized from the type count so that vmlinux's tables rarely if ever grow (each name is at most
    // one type or enumerator); a small BPF object gets small tables.
    const capacity = 1 << Math.max(10, Math.ceil(Math.log2(flat.count + 1)));
    this.tagCounts = new NameCounts(capacity >> 1);
    this.identifierCounts = new NameCounts(capacity);
  }

  /** Offset of type `id`'s name. */
  nameOffset(id: number): number {
    return this.words[this.at[id]!]!;
  }

  /**
   * Whether type `id` is anonymous: name offset 0, as libbpf decides it. A non-zero offset that
   * points at an empty string (never in real BTF) is a name, printed as '' and counted as one.
   */
  isAnonymous(id: number): boolean {
    return this.words[this.at[id]!]! === 0;
  }

  /** Whether typedef `id`'s resolved name is empty (anonymous, or an empty string met once). */
  isEmptyIdentifier(id: number): boolean {
    const offset = this.words[this.at[id]!]!;
    return offset === 0 || (this.bytes[offset] === 0 && this.resolved[id]! <= 1);
  }

  /** Whether typedef `id`'s name resolved without a `___N` suffix (resolving it now if need be). */
  isFirstIdentifier(id: number): boolean {
    this.resolveIdentifierName(id);
    return this.resolved[id]! <= 1;
  }

  /** Whether the name at `offset` is exactly `text` (ASCII). */
  equals(offset: number, text: string): boolean {
    const bytes = this.bytes;
    const n = text.length;
    for (let i = 0; i < n; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
    return bytes[offset + n] === 0;
  }

  /** The name at `offset` as a string (for the rare checks that need one). */
  text(offset: number): string {
    const bytes = this.bytes;
    return new TextDecoder().decode(bytes.subarray(offset, bytes.indexOf(0, offset)));
  }

  /** Writes the name at `offset` as it is. */
  write(out: ByteWriter, offset: number): void {
    out.cString(this.bytes, offset);
  }

  /** Writes the name of a struct, union, enum, forward declaration (or int, see the dumper). */
  writeTagName(out: ByteWriter, id: number): void {
    this.writeNumbered(out, this.nameOffset(id), this.resolved[id] || this.resolve(id, this.tagCounts));
  }

  /** Writes the name of a typedef. */
  writeIdentifierName(out: ByteWriter, id: number): void {
    this.writeNumbered(out, this.nameOffset(id), this.resolved[id] || this.resolve(id, this.identifierCounts));
  }

  /** Resolves a tag name now (an int's name is counted when met, even if nothing is printed). */
  resolveTagName(id: number): void {
    if (this.resolved[id] === 0) this.resolve(id, this.tagCounts);
  }

  /** Resolves a typedef's name now: it is numbered before anything in its declaration is. */
  resolveIdentifierName(id: number): void {
    if (this.resolved[id] === 0) this.resolve(id, this.identifierCounts);
  }

  /** Writes an enumerator's name (at `offset`), counted every time it is printed. */
  writeEnumeratorName(out: ByteWriter, offset: number): void {
    this.writeNumbered(out, offset, this.identifierCounts.bump(this.bytes, offset));
  }

  private resolve(id: number, counts: NameCounts): number {
    const r = this.at[id]!;
    const offset = this.words[r]!;
    const info = this.words[r + 1]!;
    const kind = (info >>> 24) & 0x1f;
    // A forward declaration or an empty enum names a type defined elsewhere: it takes no number.
    const declaresOnly = kind === BtfKind.Fwd || (kind === BtfKind.Enum && (info & 0xffff) === 0);
    const count = offset !== 0 && !declaresOnly ? counts.bump(this.bytes, offset) : 1;
    this.resolved[id] = count;
    return count;
  }

  private writeNumbered(out: ByteWriter, offset: number, count: number): void {
    if (count <= 1) {
      out.cString(this.bytes, offset);
      return;
    }
    const length = this.bytes.indexOf(0, offset) - offset;
    if (length + 3 + 10 <= MAX_NAME) {
      out.cString(this.bytes, offset);
      out.text('___');
      out.unsigned(count);
    } else {
      // Near libbpf's buffer size: truncate as it does, by the string (rare: not in vmlinux).
      out.text(`${this.text(offset)}___${count}`.slice(0, MAX_NAME));
    }
  }
}

/**
 * How often each name has been met, keyed by the name's bytes: an open-addressing hash table of
 * offsets (the first occurrence stands for every equal name), their hashes and counts, interleaved
 * in one array so that a probe touches one cache line rather than three.
 */
class NameCounts {
  /** Per slot: offset + 1 (0 = free), hash, count, unused (a power-of-two stride). */
  private slots: Int32Array;
  private mask: number;
  private size = 0;

  /** `capacity` a power of two; growing vmlinux's tables from 2^14 slots cost ~10 ms of rehashing. */
  constructor(capacity: number) {
    this.slots = new Int32Array(capacity * SLOT);
    this.mask = capacity - 1;
  }

  /** Counts one more meeting of the (non-empty) name at `offset` of `bytes`; returns the count. */
  bump(bytes: Uint8Array, offset: number): number {
    let hash = 0x811c9dc5 | 0;
    for (let i = offset; ; i++) {
      const b = bytes[i]!;
      if (b === 0) break;
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const key = slots[at]!;
      if (key === 0) {
        slots[at] = offset + 1;
        slots[at + 1] = hash;
        slots[at + 2] = 1;
        if (++this.size * 2 > mask) this.grow();
        return 1;
      }
      if (slots[at + 1] === hash && (key - 1 === offset || sameName(bytes, key - 1, offset))) {
        return ++slots[at + 2]!;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const slots = new Int32Array(capacity * SLOT);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] === 0) continue;
      let slot = old[at + 1]! & mask;
      while (slots[slot * SLOT] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(at, at + SLOT), slot * SLOT);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

const SLOT = 4;

function sameName(bytes: Uint8Array, a: number, b: number): boolean {
  for (;;) {
    const x = bytes[a++]!;
    if (x !== bytes[b++]) return false;
    if (x === 0) return true;
  }
}
