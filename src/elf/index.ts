/** Reading ELF64 files (BPF objects in both byte orders, and host binaries for USDT notes). */
export { parseElf, ElfFile } from './elf-file.js';
export { ElfError } from './elf-error.js';
export type { ElfHeader } from './elf-header.js';
export { sectionFlagLetters, sectionTypeName, type ElfSection } from './sections.js';
export { symbolSectionLabel, type ElfSymbol } from './symbols.js';
export type { ElfRelocation, ElfRelocationSection } from './relocations.js';
export { BpfRelocation, relocationTypeName } from './relocation-types.js';
export { NT_STAPSDT, parseStapsdtNote, type ElfNote, type StapsdtProbe } from './notes.js';
export * from './constants.js';
