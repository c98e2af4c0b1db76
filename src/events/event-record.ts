/**
 * One record handed to a reader's callback: a zero-copy window on the ring (or on a scratch buffer,
 * for a perf record that wrapped around the ring's end). The reader reuses one object per ring and the
 * window is only valid during the callback (or, from an async iterator, until the next step): keep
 * `copy()` to hold on to the bytes. Read fields straight from `view` at `offset` to avoid allocating.
 */
export class EventRecord {
  /** The ring this came from: the ring buffer's index in its reader, or the perf buffer's CPU. */
  source = 0;
  /** The bytes holding the record (the ring's data area, mapped read-only). */
  area: Uint8Array;
  view: DataView;
  /** Where the record's data starts in `area`, and its length in bytes. */
  offset = 0;
  length = 0;

  constructor(area: Uint8Array) {
    this.area = area;
    this.view = new DataView(area.buffer, area.byteOffset, area.byteLength);
  }

  /** The record's bytes, zero copy (valid only while the record is). */
  get bytes(): Uint8Array {
    return this.area.subarray(this.offset, this.offset + this.length);
  }

  /** The record's bytes in a buffer of their own. */
  copy(): Uint8Array {
    return this.area.slice(this.offset, this.offset + this.length);
  }
}

/** A batch callback: return `false` to stop after this record (the rest stay in the ring). */
export type EventCallback = (record: EventRecord) => void | boolean;

/**
 * A 64-bit ring position in shared memory, as two 32-bit words: JS has no 64-bit atomic plain store,
 * so it writes the low word first; a racing kernel read then sees at worst a smaller position (less
 * data, or less free room), never one past the truth. Positions stay below 2^53 bytes in practice.
 */
export function readPosition(words: Uint32Array, index: number): number {
  for (;;) {
    const high = words[index + 1]!;
    const low = words[index]!;
    if (words[index + 1] === high) return high * 0x1_0000_0000 + low;
  }
}

export function writePosition(words: Uint32Array, index: number, position: number): void {
  const low = position >>> 0;
  words[index] = low;
  // The high word changes only when the low one wraps; skip the division otherwise.
  if (position > 0xffff_ffff) words[index + 1] = (position - low) / 0x1_0000_0000;
}
