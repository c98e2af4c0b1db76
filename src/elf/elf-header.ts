/** The ELF file header (Elf64_Ehdr): identification, byte order, and where the section table is. */
import { ByteReader } from './byte-reader.js';
import {
  ELF64_HEADER_SIZE, ELF64_SECTION_HEADER_SIZE, ELF_MACHINE_NAMES, ELF_MAGIC, ELF_TYPE_NAMES, ElfClass, ElfData,
} from './constants.js';
import { ElfError } from './elf-error.js';

export interface ElfHeader {
  /** Always 64: ELF32 is refused. */
  readonly class: 64;
  readonly littleEndian: boolean;
  /** e_ident[EI_OSABI] and [EI_ABIVERSION]. */
  readonly osAbi: number;
  readonly abiVersion: number;
  /** e_type (ElfType) and readelf's name for it (REL, EXEC, DYN, ...). */
  readonly type: number;
  readonly typeName: string;
  /** e_machine (ElfMachine), 247 for BPF. */
  readonly machine: number;
  readonly machineName: string;
  readonly version: number;
  readonly entry: bigint;
  readonly programHeaderOffset: number;
  readonly sectionHeaderOffset: number;
  readonly flags: number;
  readonly headerSize: number;
  readonly programHeaderEntrySize: number;
  readonly programHeaderCount: number;
  readonly sectionHeaderEntrySize: number;
  /** e_shnum as stored; 0 with a section table means the count is in section 0's sh_size. */
  readonly sectionHeaderCountField: number;
  /** e_shstrndx as stored; SHN_XINDEX means the index is in section 0's sh_link. */
  readonly sectionNameTableIndexField: number;
}

const EI_CLASS = 4;
const EI_DATA = 5;
const EI_VERSION = 6;
const EI_OSABI = 7;
const EI_ABIVERSION = 8;

export function parseElfHeader(bytes: Uint8Array): ElfHeader {
  if (bytes.length < 16 || ELF_MAGIC.some((byte, index) => bytes[index] !== byte)) {
    const at = ELF_MAGIC.findIndex((byte, index) => bytes[index] !== byte);
    throw new ElfError(Math.max(0, at), 'not an ELF file (no \\x7fELF magic)', 'give a BPF object file as written by clang -target bpf');
  }
  const elfClass = bytes[EI_CLASS]!;
  if (elfClass === ElfClass.Elf32) {
    throw new ElfError(EI_CLASS, '32-bit ELF (ELFCLASS32) is not supported: BPF objects are ELF64', 'build the object with clang -target bpf (bpfel or bpfeb), which writes ELF64');
  }
  if (elfClass !== ElfClass.Elf64) throw new ElfError(EI_CLASS, `unknown ELF class ${elfClass}`);
  const data = bytes[EI_DATA]!;
  if (data !== ElfData.LittleEndian && data !== ElfData.BigEndian) {
    throw new ElfError(EI_DATA, `unknown ELF byte order ${data} (EI_DATA must be 1 for little or 2 for big endian)`);
  }
  if (bytes[EI_VERSION] !== 1) throw new ElfError(EI_VERSION, `unknown ELF version ${bytes[EI_VERSION]}`);
  const reader = new ByteReader(bytes, data === ElfData.LittleEndian);
  reader.check(0, ELF64_HEADER_SIZE, 'the ELF64 header');
  const type = reader.u16(16, 'e_type');
  const machine = reader.u16(18, 'e_machine');
  const header: ElfHeader = {
    class: 64,
    littleEndian: reader.littleEndian,
    osAbi: bytes[EI_OSABI]!,
    abiVersion: bytes[EI_ABIVERSION]!,
    type,
    typeName: ELF_TYPE_NAMES[type] ?? `0x${type.toString(16)}`,
    machine,
    machineName: ELF_MACHINE_NAMES[machine] ?? `machine ${machine}`,
    version: reader.u32(20, 'e_version'),
    entry: reader.u64(24, 'e_entry'),
    programHeaderOffset: reader.u64Number(32, 'e_phoff'),
    sectionHeaderOffset: reader.u64Number(40, 'e_shoff'),
    flags: reader.u32(48, 'e_flags'),
    headerSize: reader.u16(52, 'e_ehsize'),
    programHeaderEntrySize: reader.u16(54, 'e_phentsize'),
    programHeaderCount: reader.u16(56, 'e_phnum'),
    sectionHeaderEntrySize: reader.u16(58, 'e_shentsize'),
    sectionHeaderCountField: reader.u16(60, 'e_shnum'),
    sectionNameTableIndexField: reader.u16(62, 'e_shstrndx'),
  };
  if (header.headerSize < ELF64_HEADER_SIZE) {
    throw new ElfError(52, `e_ehsize ${header.headerSize} is smaller than the ELF64 header (${ELF64_HEADER_SIZE} bytes)`);
  }
  if (header.sectionHeaderOffset !== 0 && header.sectionHeaderEntrySize !== ELF64_SECTION_HEADER_SIZE) {
    throw new ElfError(58, `e_shentsize ${header.sectionHeaderEntrySize} is not the ELF64 section header size (${ELF64_SECTION_HEADER_SIZE})`);
  }
  return header;
}
