/**
 * Fuzz inputs: real objects and BTF blobs, each with the offsets where a mutation hurts most (the
 * ELF header, section headers, symbol and relocation records, the .BTF and .BTF.ext headers and
 * records). Offsets come from parsing the clean input once.
 */
import { parseElf } from '../elf/index.js';

export interface FuzzInput {
  readonly name: string;
  /** 'elf' runs the ELF reader and everything inside the object; 'btf' a raw BTF blob. */
  readonly kind: 'elf' | 'btf';
  readonly bytes: Uint8Array;
  /** Byte offsets of header and record fields, for targeted u32/u64 writes. */
  readonly structuralOffsets: readonly number[];
  /** How often this input is picked relative to the others. */
  readonly weight: number;
}

export function elfInput(name: string, bytes: Uint8Array, weight = 1): FuzzInput {
  const offsets: number[] = [];
  for (let at = 16; at < 64; at += 4) offsets.push(at);
  const elf = parseElf(bytes);
  for (const section of elf.sections) {
    for (let field = 0; field < 64; field += 4) offsets.push(section.headerOffset + field);
    const recordSize = section.entrySize >= 8 && section.entrySize <= 64 ? section.entrySize : 0;
    if (recordSize) for (let at = section.offset; at < section.offset + Math.min(section.size, 64 * recordSize); at += 4) offsets.push(at);
    if (section.name === '.BTF' || section.name === '.BTF.ext') {
      offsets.push(...btfStructuralOffsets(section.data).map((offset) => offset + section.offset));
    }
  }
  return { name, kind: 'elf', bytes, structuralOffsets: offsets, weight };
}

export function btfInput(name: string, bytes: Uint8Array, weight = 1): FuzzInput {
  return { name, kind: 'btf', bytes, structuralOffsets: btfStructuralOffsets(bytes), weight };
}

/** The header words of .BTF or .BTF.ext, and the first few hundred words after the header (type records, info blocks). */
function btfStructuralOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < Math.min(32, bytes.length); at += 4) offsets.push(at);
  if (bytes.length < 8) return offsets;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = view.getUint16(0, true) === 0xeb9f;
  const headerLength = view.getUint32(4, littleEndian);
  for (let at = headerLength; at < Math.min(bytes.length, headerLength + 4096); at += 4) offsets.push(at);
  return offsets;
}

/**
 * The .BTF section of each object as a raw blob of its own, so that mutations land in BTF records
 * every time (inside the object they hit them a few times in a hundred): what the C dumper, the
 * raw dump and the value decoders meet in a `tsbpf btf dump file OBJ` or a map dump.
 */
export function btfSectionInputs(objects: readonly { name: string; bytes: Uint8Array }[], weight: number): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  for (const { name, bytes } of objects) {
    const section = parseElf(bytes).sectionByName('.BTF');
    if (section) inputs.push(btfInput(`${name}:.BTF`, section.data.slice(), weight));
  }
  return inputs;
}
