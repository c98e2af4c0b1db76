/** Section headers (Elf64_Shdr), each with its bytes as a zero-copy view of the file. */
import { ByteReader } from './byte-reader.js';
import {
  ELF64_SECTION_HEADER_SIZE, PROCESSOR_SECTION_TYPE_NAMES, SECTION_FLAG_LETTERS, SECTION_TYPE_NAMES, SectionIndex, SectionType,
} from './constants.js';
import type { ElfHeader } from './elf-header.js';
import { ElfError } from './elf-error.js';
import { readTableString } from './strings.js';

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  /** sh_name: offset of the name in the section name string table. */
  readonly nameOffset: number;
  /** sh_type (SectionType) and readelf's name for it. */
  readonly type: number;
  readonly typeName: string;
  /** sh_flags (SectionFlag bits). */
  readonly flags: number;
  readonly address: bigint;
  /** sh_offset: where the bytes start in the file. */
  readonly offset: number;
  /** sh_size: for NOBITS the size the section takes in memory; it has no bytes in the file. */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addressAlign: number;
  readonly entrySize: number;
  /** The section's bytes (a subarray of the file, not a copy); empty for NOBITS and NULL. */
  readonly data: Uint8Array;
  /** File offset of this section's header, for error messages. */
  readonly headerOffset: number;
}

/** readelf's flag letters for `flags` ("WA", "AX", "MS", ...), in readelf's order. */
export function sectionFlagLetters(flags: number): string {
  let letters = '';
  // `&` works on the low 32 bits, where every flag with a letter lives.
  for (const [bit, letter] of SECTION_FLAG_LETTERS) if ((flags & bit) !== 0) letters += letter;
  return letters;
}

/** readelf's name for a section type (processor-specific ones need the file's machine); unknown ones in hex. */
export function sectionTypeName(type: number, machine = 0): string {
  return SECTION_TYPE_NAMES[type] ?? PROCESSOR_SECTION_TYPE_NAMES[machine]?.[type] ?? `0x${type.toString(16)}`;
}

interface RawSection {
  readonly headerOffset: number;
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly address: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addressAlign: number;
  readonly entrySize: number;
}

function readRawSection(reader: ByteReader, headerOffset: number): RawSection {
  return {
    headerOffset,
    nameOffset: reader.u32(headerOffset, 'sh_name'),
    type: reader.u32(headerOffset + 4, 'sh_type'),
    flags: reader.u64Number(headerOffset + 8, 'sh_flags'),
    address: reader.u64(headerOffset + 16, 'sh_addr'),
    offset: reader.u64Number(headerOffset + 24, 'sh_offset'),
    size: reader.u64Number(headerOffset + 32, 'sh_size'),
    link: reader.u32(headerOffset + 40, 'sh_link'),
    info: reader.u32(headerOffset + 44, 'sh_info'),
    addressAlign: reader.u64Number(headerOffset + 48, 'sh_addralign'),
    entrySize: reader.u64Number(headerOffset + 56, 'sh_entsize'),
  };
}

/** Reads the section table, names every section, and checks each section's bytes lie inside the file. */
export function parseSections(reader: ByteReader, header: ElfHeader): ElfSection[] {
  const tableOffset = header.sectionHeaderOffset;
  if (tableOffset === 0) return [];
  // Section 0 holds the real count and name-table index when they overflow e_shnum/e_shstrndx.
  reader.check(tableOffset, ELF64_SECTION_HEADER_SIZE, 'section header 0 (the start of the section header table)');
  const first = readRawSection(reader, tableOffset);
  let count = header.sectionHeaderCountField;
  if (count === 0) count = first.size;
  if (count === 0) return [];
  if (count > (reader.length - tableOffset) / ELF64_SECTION_HEADER_SIZE) {
    throw new ElfError(tableOffset, `the section header table (${count} entries) runs past the end of the ${reader.length}-byte file`);
  }
  let nameTableIndex = header.sectionNameTableIndexField;
  if (nameTableIndex === SectionIndex.Xindex) nameTableIndex = first.link;
  if (nameTableIndex >= count) {
    throw new ElfError(62, `e_shstrndx ${nameTableIndex} names no section (the file has ${count})`);
  }

  const raws: RawSection[] = [first];
  for (let index = 1; index < count; index++) raws.push(readRawSection(reader, tableOffset + index * ELF64_SECTION_HEADER_SIZE));
  const datas = raws.map((raw, index) => sectionData(reader, raw, index));

  const nameTable = raws[nameTableIndex]!;
  const names = nameTableIndex === SectionIndex.Undefined ? undefined : datas[nameTableIndex]!;
  if (names && nameTable.type !== SectionType.Strtab) {
    throw new ElfError(nameTable.headerOffset + 4, `the section name table (section ${nameTableIndex}) is ${sectionTypeName(nameTable.type)}, not STRTAB`);
  }
  return raws.map((raw, index) => ({
    index,
    name: names ? readTableString(names, nameTable.offset, raw.nameOffset, `name of section ${index}`) : '',
    nameOffset: raw.nameOffset,
    type: raw.type,
    typeName: sectionTypeName(raw.type, header.machine),
    flags: raw.flags,
    address: raw.address,
    offset: raw.offset,
    size: raw.size,
    link: raw.link,
    info: raw.info,
    addressAlign: raw.addressAlign,
    entrySize: raw.entrySize,
    data: datas[index]!,
    headerOffset: raw.headerOffset,
  }));
}

function sectionData(reader: ByteReader, raw: RawSection, index: number): Uint8Array {
  if (raw.type === SectionType.Nobits || raw.type === SectionType.Null) return reader.bytes.subarray(0, 0);
  if (raw.offset > reader.length || raw.size > reader.length - raw.offset) {
    throw new ElfError(raw.headerOffset + 24, `section ${index}'s bytes (offset ${raw.offset}, size ${raw.size}) run past the end of the ${reader.length}-byte file`);
  }
  return reader.bytes.subarray(raw.offset, raw.offset + raw.size);
}
