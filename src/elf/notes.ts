/**
 * Note sections (SHT_NOTE): records of namesz, descsz, type, then the name and the descriptor, each
 * padded to the section's alignment (4 in the gABI; 8 for sections aligned to 8, as GNU property
 * notes are). SystemTap SDT notes (USDT probes) decode further with `parseStapsdtNote`.
 */
import type { ByteReader } from './byte-reader.js';
import { ElfError } from './elf-error.js';
import type { ElfSection } from './sections.js';

export interface ElfNote {
  /** The owner ("GNU", "stapsdt", ...), without its NUL. */
  readonly name: string;
  readonly type: number;
  /** The descriptor bytes (a subarray of the file). */
  readonly desc: Uint8Array;
  /** File offset of the note's header. */
  readonly offset: number;
}

const decoder = new TextDecoder('utf-8');

export function parseNotes(reader: ByteReader, section: ElfSection): ElfNote[] {
  const align = section.addressAlign === 8 ? 8 : 4;
  const notes: ElfNote[] = [];
  const end = section.offset + section.size;
  let at = section.offset;
  while (at < end) {
    if (end - at < 12) throw new ElfError(at, `note header in ${section.name} is cut short (${end - at} bytes left of 12)`);
    const nameSize = reader.u32(at, 'n_namesz');
    const descSize = reader.u32(at + 4, 'n_descsz');
    const type = reader.u32(at + 8, 'n_type');
    const nameAt = at + 12;
    if (nameSize > end - nameAt) throw new ElfError(at, `note name (${nameSize} bytes) runs past the end of ${section.name}`);
    // Padding aligns positions within the section (with 8-byte alignment the 12-byte header plus a
    // 4-byte "GNU\0" already ends on a boundary), not the sizes themselves.
    const descAt = section.offset + alignUp(nameAt + nameSize - section.offset, align);
    if (descAt > end || descSize > end - descAt) throw new ElfError(at + 4, `note descriptor (${descSize} bytes) runs past the end of ${section.name}`);
    // The name's size counts its NUL; tolerate a missing one, as readelf does.
    const nameBytes = reader.bytes.subarray(nameAt, nameAt + nameSize);
    const nul = nameBytes.indexOf(0);
    notes.push({
      name: decoder.decode(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)),
      type,
      desc: reader.bytes.subarray(descAt, descAt + descSize),
      offset: at,
    });
    at = section.offset + alignUp(descAt + descSize - section.offset, align);
  }
  return notes;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/** NT_STAPSDT, the type of every SystemTap SDT note ("stapsdt" owner). */
export const NT_STAPSDT = 3;

/** A USDT probe as its note describes it (64-bit targets). */
export interface StapsdtProbe {
  readonly provider: string;
  readonly name: string;
  /** The probe's argument specification, e.g. "-4@%edi 8@%rax"; empty with no arguments. */
  readonly arguments: string;
  /** Address of the probe's nop. */
  readonly location: bigint;
  /** Link-time address of .stapsdt.base, to correct `location` for prelinking. */
  readonly base: bigint;
  /** Address of the semaphore (a u16 counter the tracer bumps), 0 when the probe has none. */
  readonly semaphore: bigint;
}

/** Decodes a "stapsdt" note: three 64-bit addresses, then provider, name and arguments as C strings. */
export function parseStapsdtNote(note: ElfNote, littleEndian: boolean): StapsdtProbe {
  if (note.name !== 'stapsdt' || note.type !== NT_STAPSDT) {
    throw new ElfError(note.offset, `note is ${note.name}/${note.type}, not a stapsdt note (type ${NT_STAPSDT})`);
  }
  const desc = note.desc;
  if (desc.length < 24) throw new ElfError(note.offset, `stapsdt note descriptor is ${desc.length} bytes, shorter than its three addresses`);
  const view = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  const strings: string[] = [];
  let at = 24;
  for (let index = 0; index < 3; index++) {
    const nul = desc.indexOf(0, at);
    if (nul < 0) throw new ElfError(note.offset, `stapsdt note's ${['provider', 'name', 'arguments'][index]} string has no terminating NUL`);
    strings.push(decoder.decode(desc.subarray(at, nul)));
    at = nul + 1;
  }
  return {
    provider: strings[0]!,
    name: strings[1]!,
    arguments: strings[2]!,
    location: view.getBigUint64(0, littleEndian),
    base: view.getBigUint64(8, littleEndian),
    semaphore: view.getBigUint64(16, littleEndian),
  };
}
