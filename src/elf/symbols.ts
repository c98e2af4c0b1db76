/** Symbol tables (SHT_SYMTAB, SHT_DYNSYM; Elf64_Sym), names resolved through the linked string table. */
import type { ByteReader } from './byte-reader.js';
import {
  ELF64_SYMBOL_SIZE, SYMBOL_BINDING_NAMES, SYMBOL_TYPE_NAMES, SYMBOL_VISIBILITY_NAMES, SectionIndex, SectionType,
} from './constants.js';
import { ElfError } from './elf-error.js';
import type { ElfSection } from './sections.js';
import { readTableString } from './strings.js';

export interface ElfSymbol {
  /** Index in its symbol table (relocations refer to symbols by it). */
  readonly index: number;
  readonly name: string;
  readonly nameOffset: number;
  readonly value: bigint;
  readonly size: number;
  /** ELF64_ST_BIND (SymbolBinding) and readelf's name (LOCAL, GLOBAL, WEAK). */
  readonly binding: number;
  readonly bindingName: string;
  /** ELF64_ST_TYPE (SymbolType) and readelf's name (NOTYPE, OBJECT, FUNC, SECTION, FILE, ...). */
  readonly type: number;
  readonly typeName: string;
  /** ELF64_ST_VISIBILITY (SymbolVisibility) and readelf's name (DEFAULT, HIDDEN, ...). */
  readonly visibility: number;
  readonly visibilityName: string;
  /** st_other as stored (visibility is its low two bits). */
  readonly other: number;
  /**
   * The section the symbol is defined in, or SectionIndex.Undefined/Absolute/Common (SHN_*). An
   * SHN_XINDEX is already resolved through SHT_SYMTAB_SHNDX.
   */
  readonly sectionIndex: number;
}

/** readelf's Ndx column: UND, ABS, COM or the section number. */
export function symbolSectionLabel(sectionIndex: number): string {
  switch (sectionIndex) {
    case SectionIndex.Undefined: return 'UND';
    case SectionIndex.Absolute: return 'ABS';
    case SectionIndex.Common: return 'COM';
    default: return String(sectionIndex);
  }
}

export function parseSymbolTable(reader: ByteReader, sections: readonly ElfSection[], table: ElfSection): ElfSymbol[] {
  if (table.entrySize !== ELF64_SYMBOL_SIZE) {
    throw new ElfError(table.headerOffset + 56, `symbol table ${table.name} has sh_entsize ${table.entrySize}, not ${ELF64_SYMBOL_SIZE}`);
  }
  if (table.size % ELF64_SYMBOL_SIZE !== 0) {
    throw new ElfError(table.headerOffset + 32, `symbol table ${table.name}'s size ${table.size} is not a multiple of ${ELF64_SYMBOL_SIZE}`);
  }
  const strings = sections[table.link];
  if (!strings || strings.type !== SectionType.Strtab) {
    throw new ElfError(table.headerOffset + 40, `symbol table ${table.name}'s sh_link ${table.link} is not a string table`);
  }
  const extendedIndexes = sections.find((section) => section.type === SectionType.SymtabShndx && section.link === table.index);
  const count = table.size / ELF64_SYMBOL_SIZE;
  const symbols: ElfSymbol[] = new Array<ElfSymbol>(count);
  for (let index = 0; index < count; index++) {
    const at = table.offset + index * ELF64_SYMBOL_SIZE;
    const nameOffset = reader.u32(at, 'st_name');
    const info = reader.u8(at + 4, 'st_info');
    const other = reader.u8(at + 5, 'st_other');
    let sectionIndex = reader.u16(at + 6, 'st_shndx');
    if (sectionIndex === SectionIndex.Xindex) {
      if (!extendedIndexes || (index + 1) * 4 > extendedIndexes.size) {
        throw new ElfError(at + 6, `symbol ${index} uses SHN_XINDEX but ${table.name} has no SHT_SYMTAB_SHNDX entry for it`);
      }
      sectionIndex = reader.u32(extendedIndexes.offset + index * 4, 'SHT_SYMTAB_SHNDX entry');
    }
    const binding = info >> 4;
    const type = info & 0xf;
    const visibility = other & 0x3;
    symbols[index] = {
      index,
      name: readTableString(strings.data, strings.offset, nameOffset, `name of symbol ${index} in ${table.name}`),
      nameOffset,
      value: reader.u64(at + 8, 'st_value'),
      size: reader.u64Number(at + 16, 'st_size'),
      binding,
      bindingName: SYMBOL_BINDING_NAMES[binding] ?? `<unknown>: ${binding}`,
      type,
      typeName: SYMBOL_TYPE_NAMES[type] ?? `<unknown>: ${type}`,
      visibility,
      visibilityName: SYMBOL_VISIBILITY_NAMES[visibility]!,
      other,
      sectionIndex,
    };
  }
  return symbols;
}
