/** NUL-terminated strings out of a string table section (SHT_STRTAB), decoded as UTF-8. */
import { ElfError } from './elf-error.js';

const decoder = new TextDecoder('utf-8');

/**
 * The string at `offset` inside `table` (a section's bytes, which start at `tableFileOffset` in the
 * file, so errors can name the file byte). A string must end with a NUL inside its table.
 */
export function readTableString(table: Uint8Array, tableFileOffset: number, offset: number, what: string): string {
  if (offset >= table.length) {
    if (offset === 0 && table.length === 0) return '';
    throw new ElfError(tableFileOffset, `${what}: string offset ${offset} is outside its ${table.length}-byte string table`);
  }
  const end = table.indexOf(0, offset);
  if (end < 0) throw new ElfError(tableFileOffset + offset, `${what}: string at table offset ${offset} has no terminating NUL`);
  return decodeAscii(table, offset, end);
}

/** Names in BPF objects are ASCII; building the string by hand is cheaper than TextDecoder for short ones. */
function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return decoder.decode(bytes.subarray(start, end));
  let text = '';
  for (let index = start; index < end; index++) {
    const byte = bytes[index]!;
    if (byte >= 0x80) return decoder.decode(bytes.subarray(start, end));
    text += String.fromCharCode(byte);
  }
  return text;
}
