/**
 * The C dumper's output buffer: UTF-8 bytes appended to a growing Uint8Array. vmlinux's header is
 * ~3 MB in a few million small pieces; collecting them as strings (and joining them) made the
 * garbage collector the dumper's biggest cost, and the CLI wants bytes for stdout anyway.
 */
import { BtfDumpError } from './dump-c-error.js';

const TAB = 9;
/**
 * The most the C dump may write: vmlinux's header is 3 MB; only malformed BTF (a long name printed
 * by thousands of members, say) gets near this, and it gets a typed error rather than a failed
 * allocation seconds later.
 */
const MAX_OUTPUT_BYTES = 256 << 20;

export class ByteWriter {
  private bytes: Uint8Array;
  private length = 0;
  /** The type being written, named by the error when the output outgrows MAX_OUTPUT_BYTES. */
  subject = 0;

  constructor(initialCapacity = 1 << 16) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  /** The bytes written so far (a view, valid until the next write). */
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private grow(needed: number): void {
    if (this.length + needed > MAX_OUTPUT_BYTES) {
      throw new BtfDumpError(this.subject, `the C text passed ${MAX_OUTPUT_BYTES >> 20} MiB (vmlinux's is 3 MiB)`);
    }
    let capacity = this.bytes.length * 2;
    while (capacity < this.length + needed) capacity *= 2;
    if (capacity > MAX_OUTPUT_BYTES) capacity = MAX_OUTPUT_BYTES;
    const next = new Uint8Array(capacity);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  byte(value: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = value;
  }

  /** Appends `text`, UTF-8 encoded (BTF names are bytes; the parser decoded them as UTF-8). */
  text(text: string): void {
    const n = text.length;
    // Worst case 3 bytes per UTF-16 unit.
    if (this.length + n * 3 > this.bytes.length) this.grow(n * 3);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        bytes[at++] = code;
      } else {
        at = this.encodeWide(text, i, at);
        if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
          const low = text.charCodeAt(i + 1);
          if (low >= 0xdc00 && low <= 0xdfff) i++;
        }
      }
    }
    this.length = at;
  }

  /**
   * Appends the NUL-terminated bytes at `offset` of `table` (a name in a string table, already
   * UTF-8): a byte loop, as names are short and a subarray view per name would be garbage.
   */
  cString(table: Uint8Array, offset: number): void {
    let bytes = this.bytes;
    let at = this.length;
    for (let i = offset; ; i++) {
      const b = table[i]!;
      if (b === 0) break;
      if (at === bytes.length) {
        this.length = at;
        this.grow(1);
        bytes = this.bytes;
      }
      bytes[at++] = b;
    }
    this.length = at;
  }

  /** Encodes the non-ASCII code point starting at `text[i]` at `at`; returns the next position. */
  private encodeWide(text: string, i: number, at: number): number {
    const bytes = this.bytes;
    const point = text.codePointAt(i)!;
    if (point < 0x800) {
      bytes[at++] = 0xc0 | (point >> 6);
    } else if (point < 0x10000) {
      bytes[at++] = 0xe0 | (point >> 12);
      bytes[at++] = 0x80 | ((point >> 6) & 0x3f);
    } else {
      bytes[at++] = 0xf0 | (point >> 18);
      bytes[at++] = 0x80 | ((point >> 12) & 0x3f);
      bytes[at++] = 0x80 | ((point >> 6) & 0x3f);
    }
    bytes[at++] = 0x80 | (point & 0x3f);
    return at;
  }

  /** Appends the decimal digits of a non-negative safe integer (without a temporary string). */
  unsigned(value: number): void {
    // below 2^31 the digits come from small-integer arithmetic, which V8 keeps unboxed
    if (value < 0x80000000) {
      let digits = 1;
      for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
      if (this.length + digits > this.bytes.length) this.grow(digits);
      const bytes = this.bytes;
      let at = this.length + digits;
      this.length = at;
      let rest = value | 0;
      do {
        const next = (rest / 10) | 0;
        bytes[--at] = 48 + rest - next * 10;
        rest = next;
      } while (rest > 0);
      return;
    }
    this.text(String(value));
  }

  /** Appends a safe integer in decimal, with its sign. */
  integer(value: number): void {
    if (value < 0) {
      this.byte(0x2d); // '-'
      value = -value;
    }
    this.unsigned(value);
  }

  /** A newline followed by `level` tabs. */
  newlineIndent(level: number): void {
    if (this.length + level + 1 > this.bytes.length) this.grow(level + 1);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = 10;
    for (let i = 0; i < level; i++) bytes[at++] = TAB;
    this.length = at;
  }

  tabs(level: number): void {
    if (this.length + level > this.bytes.length) this.grow(level);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < level; i++) bytes[at++] = TAB;
    this.length = at;
  }
}
