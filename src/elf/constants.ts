/**
 * ELF constants tsbpf reads (System V gABI, plus the GNU and LLVM extensions found in BPF objects)
 * and the names readelf prints for them, so `tsbpf obj` output reads like readelf's.
 */

/** e_ident indexes and values. */
export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
export const ElfClass = { None: 0, Elf32: 1, Elf64: 2 } as const;
export const ElfData = { None: 0, LittleEndian: 1, BigEndian: 2 } as const;

/** e_type. */
export const ElfType = { None: 0, Relocatable: 1, Executable: 2, SharedObject: 3, Core: 4 } as const;
export const ELF_TYPE_NAMES: Readonly<Record<number, string>> = { 0: 'NONE', 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };

/** e_machine values tsbpf cares about. */
export const ElfMachine = { None: 0, I386: 3, S390: 22, X86_64: 62, AArch64: 183, Bpf: 247, RiscV: 243 } as const;
export const ELF_MACHINE_NAMES: Readonly<Record<number, string>> = {
  0: 'None', 3: 'Intel 80386', 22: 'IBM S/390', 62: 'Advanced Micro Devices X86-64', 183: 'AArch64', 243: 'RISC-V', 247: 'Linux BPF',
};

/** sh_type. */
export const SectionType = {
  Null: 0, Progbits: 1, Symtab: 2, Strtab: 3, Rela: 4, Hash: 5, Dynamic: 6, Note: 7, Nobits: 8, Rel: 9, Shlib: 10,
  Dynsym: 11, InitArray: 14, FiniArray: 15, PreinitArray: 16, Group: 17, SymtabShndx: 18,
  LlvmAddrsig: 0x6fff4c03, GnuAttributes: 0x6ffffff5, GnuHash: 0x6ffffff6, GnuVerdef: 0x6ffffffd,
  GnuVerneed: 0x6ffffffe, GnuVersym: 0x6fffffff,
} as const;
export const SECTION_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC', 7: 'NOTE', 8: 'NOBITS',
  9: 'REL', 10: 'SHLIB', 11: 'DYNSYM', 14: 'INIT_ARRAY', 15: 'FINI_ARRAY', 16: 'PREINIT_ARRAY', 17: 'GROUP',
  18: 'SYMTAB SECTION INDICES', 0x6fff4c03: 'LLVM_ADDRSIG', 0x6ffffff5: 'GNU_ATTRIBUTES', 0x6ffffff6: 'GNU_HASH',
  0x6ffffffd: 'VERDEF', 0x6ffffffe: 'VERNEED', 0x6fffffff: 'VERSYM',
};

/** Processor-specific section types, by machine (readelf names them only for the file's machine). */
export const PROCESSOR_SECTION_TYPE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  62: { 0x70000001: 'X86_64_UNWIND' },
  183: { 0x70000003: 'AARCH64_ATTRIBUTES' },
};

/** sh_flags bits, with readelf's letter for each (its key: W A X M S I L O G T C E). */
export const SectionFlag = {
  Write: 0x1, Alloc: 0x2, ExecInstr: 0x4, Merge: 0x10, Strings: 0x20, InfoLink: 0x40, LinkOrder: 0x80,
  OsNonconforming: 0x100, Group: 0x200, Tls: 0x400, Compressed: 0x800, Exclude: 0x80000000,
} as const;
export const SECTION_FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [0x1, 'W'], [0x2, 'A'], [0x4, 'X'], [0x10, 'M'], [0x20, 'S'], [0x40, 'I'], [0x80, 'L'], [0x100, 'O'],
  [0x200, 'G'], [0x400, 'T'], [0x800, 'C'], [0x80000000, 'E'],
];

/** Special section indexes (st_shndx, e_shstrndx). */
export const SectionIndex = { Undefined: 0, LoReserve: 0xff00, Absolute: 0xfff1, Common: 0xfff2, Xindex: 0xffff } as const;

/** ELF64_ST_BIND. */
export const SymbolBinding = { Local: 0, Global: 1, Weak: 2, GnuUnique: 10 } as const;
export const SYMBOL_BINDING_NAMES: Readonly<Record<number, string>> = { 0: 'LOCAL', 1: 'GLOBAL', 2: 'WEAK', 10: 'UNIQUE' };

/** ELF64_ST_TYPE. */
export const SymbolType = { NoType: 0, Object: 1, Func: 2, Section: 3, File: 4, Common: 5, Tls: 6, GnuIfunc: 10 } as const;
export const SYMBOL_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOTYPE', 1: 'OBJECT', 2: 'FUNC', 3: 'SECTION', 4: 'FILE', 5: 'COMMON', 6: 'TLS', 10: 'IFUNC',
};

/** ELF64_ST_VISIBILITY (the low two bits of st_other). */
export const SymbolVisibility = { Default: 0, Internal: 1, Hidden: 2, Protected: 3 } as const;
export const SYMBOL_VISIBILITY_NAMES: readonly string[] = ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'];

/** Sizes of the ELF64 records, checked against e_ehsize, e_shentsize and sh_entsize. */
export const ELF64_HEADER_SIZE = 64;
export const ELF64_SECTION_HEADER_SIZE = 64;
export const ELF64_SYMBOL_SIZE = 24;
export const ELF64_REL_SIZE = 16;
export const ELF64_RELA_SIZE = 24;
