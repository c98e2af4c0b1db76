/**
 * An ELF64 file's loadable segments (PT_LOAD program headers), which map file offsets to the virtual
 * addresses its symbols are given in. tsbpf's ELF reader reads sections only (BPF objects have no
 * segments), so the few fields needed are read here, each checked against the file's size.
 */
import { ParseError } from '../errors.js';
import type { ElfHeader } from '../elf/index.js';

const PT_LOAD = 1;
const PROGRAM_HEADER_SIZE = 56;

export interface LoadSegment {
  fileOffset: number;
  virtualAddress: number;
  fileSize: number;
}

export function loadSegments(bytes: Uint8Array, header: ElfHeader): LoadSegment[] {
  const { programHeaderOffset: table, programHeaderCount: count, programHeaderEntrySize: entrySize } = header;
  if (count === 0) return [];
  if (entrySize < PROGRAM_HEADER_SIZE) throw new ParseError('ELF program headers', 54, `entry size ${entrySize} is below ${PROGRAM_HEADER_SIZE}`);
  if (table + count * entrySize > bytes.length) throw new ParseError('ELF program headers', table, `${count} entries of ${entrySize} bytes run past the end of the ${bytes.length}-byte file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = header.littleEndian;
  const segments: LoadSegment[] = [];
  for (let i = 0; i < count; i++) {
    const at = table + i * entrySize;
    if (view.getUint32(at, little) !== PT_LOAD) continue;
    segments.push({
      fileOffset: Number(view.getBigUint64(at + 8, little)),
      virtualAddress: Number(view.getBigUint64(at + 16, little)),
      fileSize: Number(view.getBigUint64(at + 32, little)),
    });
  }
  return segments;
}

/** The virtual address file offset `offset` is loaded at, or undefined outside every PT_LOAD. */
export function fileOffsetToAddress(segments: readonly LoadSegment[], offset: number): number | undefined {
  for (const segment of segments) {
    if (offset >= segment.fileOffset && offset < segment.fileOffset + segment.fileSize) return offset - segment.fileOffset + segment.virtualAddress;
  }
  return undefined;
}
