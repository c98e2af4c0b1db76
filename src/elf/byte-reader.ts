/**
 * Bounds-checked reads in one byte order. ELF says its byte order once (e_ident[EI_DATA]) and every
 * multi-byte field follows it, so a reader is made per file. Every read checks the buffer first so a
 * corrupt offset becomes an ElfError naming the byte, never a RangeError from DataView.
 */
import { ElfError } from './elf-error.js';

const TWO_TO_32 = 4294967296;

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, littleEndian: boolean) {
    this.bytes = bytes;
    this.littleEndian = littleEndian;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws unless [offset, offset + size) lies inside the buffer; written so it cannot overflow. */
  check(offset: number, size: number, what: string): void {
    if (offset < 0 || size < 0 || offset > this.bytes.length || size > this.bytes.length - offset) {
      throw new ElfError(offset, `${what} (${size} bytes) runs past the end of the ${this.bytes.length}-byte file`);
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.bytes[offset]!;
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, this.littleEndian);
  }

  i32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, this.littleEndian);
  }

  u64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, this.littleEndian);
  }

  i64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigInt64(offset, this.littleEndian);
  }

  /**
   * A 64-bit offset, size or count as a number. Such values index or measure the file, so anything
   * beyond 2^53 is corrupt rather than merely large: refuse it instead of losing precision.
   */
  u64Number(offset: number, what: string): number {
    this.check(offset, 8, what);
    const low = this.view.getUint32(offset + (this.littleEndian ? 0 : 4), this.littleEndian);
    const high = this.view.getUint32(offset + (this.littleEndian ? 4 : 0), this.littleEndian);
    const value = high * TWO_TO_32 + low;
    if (!Number.isSafeInteger(value)) {
      throw new ElfError(offset, `${what} 0x${high.toString(16)}${low.toString(16).padStart(8, '0')} is too large to be a file offset or size`);
    }
    return value;
  }
}
