/** Relocation sections (SHT_REL, SHT_RELA; Elf64_Rel/Elf64_Rela) and the records in them. */
import type { ByteReader } from './byte-reader.js';
import { ELF64_RELA_SIZE, ELF64_REL_SIZE, SectionType } from './constants.js';
import { ElfError } from './elf-error.js';
import { relocationTypeName } from './relocation-types.js';
import type { ElfSection } from './sections.js';
import type { ElfSymbol } from './symbols.js';

export interface ElfRelocation {
  /** r_offset: in a relocatable object, the byte offset inside the target section. */
  readonly offset: bigint;
  /** ELF64_R_TYPE and its name for the file's machine (R_BPF_64_64, ...). */
  readonly type: number;
  readonly typeName: string;
  /** ELF64_R_SYM: index into the linked symbol table; 0 means no symbol. */
  readonly symbolIndex: number;
  /** The symbol it refers to (undefined when symbolIndex is 0). */
  readonly symbol: ElfSymbol | undefined;
  /** r_addend for RELA; undefined for REL, whose addend is in the patched bytes. */
  readonly addend: bigint | undefined;
}

export interface ElfRelocationSection {
  /** The SHT_REL or SHT_RELA section itself. */
  readonly section: ElfSection;
  /** The section the relocations patch (sh_info), undefined when sh_info is 0. */
  readonly target: ElfSection | undefined;
  /** The symbol table the records index (sh_link). */
  readonly symbolTable: ElfSection;
  readonly relocations: readonly ElfRelocation[];
}

export function parseRelocationSection(
  reader: ByteReader,
  machine: number,
  sections: readonly ElfSection[],
  section: ElfSection,
  symbolsOf: (table: ElfSection) => readonly ElfSymbol[],
): ElfRelocationSection {
  const withAddend = section.type === SectionType.Rela;
  const recordSize = withAddend ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
  if (section.entrySize !== recordSize) {
    throw new ElfError(section.headerOffset + 56, `relocation section ${section.name} has sh_entsize ${section.entrySize}, not ${recordSize}`);
  }
  if (section.size % recordSize !== 0) {
    throw new ElfError(section.headerOffset + 32, `relocation section ${section.name}'s size ${section.size} is not a multiple of ${recordSize}`);
  }
  const symbolTable = sections[section.link];
  if (!symbolTable || (symbolTable.type !== SectionType.Symtab && symbolTable.type !== SectionType.Dynsym)) {
    throw new ElfError(section.headerOffset + 40, `relocation section ${section.name}'s sh_link ${section.link} is not a symbol table`);
  }
  const target = section.info === 0 ? undefined : sections[section.info];
  if (section.info !== 0 && !target) {
    throw new ElfError(section.headerOffset + 44, `relocation section ${section.name}'s sh_info ${section.info} names no section`);
  }
  const symbols = symbolsOf(symbolTable);
  const count = section.size / recordSize;
  const relocations: ElfRelocation[] = new Array<ElfRelocation>(count);
  for (let index = 0; index < count; index++) {
    const at = section.offset + index * recordSize;
    // r_info is sym << 32 | type, so the two halves can be read as u32s in the file's byte order.
    const symbolIndex = reader.u32(at + (reader.littleEndian ? 12 : 8), 'r_info symbol');
    const type = reader.u32(at + (reader.littleEndian ? 8 : 12), 'r_info type');
    if (symbolIndex >= symbols.length) {
      throw new ElfError(at + 8, `relocation ${index} of ${section.name} refers to symbol ${symbolIndex}, but ${symbolTable.name} has ${symbols.length}`);
    }
    relocations[index] = {
      offset: reader.u64(at, 'r_offset'),
      type,
      typeName: relocationTypeName(machine, type),
      symbolIndex,
      symbol: symbolIndex === 0 ? undefined : symbols[symbolIndex],
      addend: withAddend ? reader.i64(at + 16, 'r_addend') : undefined,
    };
  }
  return { section, target, symbolTable, relocations };
}
