/**
 * `parseElf`: an ELF64 file (either byte order) as plain data with lookups. The header and section
 * table are read and checked up front; symbol tables, relocations and notes are decoded on first
 * use and cached, so reading one section of a large vmlinux costs only the section table.
 */
import { ByteReader } from './byte-reader.js';
import { SectionType } from './constants.js';
import { ElfError } from './elf-error.js';
import { parseElfHeader, type ElfHeader } from './elf-header.js';
import { parseNotes, type ElfNote } from './notes.js';
import { parseRelocationSection, type ElfRelocation, type ElfRelocationSection } from './relocations.js';
import { parseSections, type ElfSection } from './sections.js';
import { parseSymbolTable, type ElfSymbol } from './symbols.js';

export class ElfFile {
  readonly bytes: Uint8Array;
  readonly header: ElfHeader;
  readonly littleEndian: boolean;
  readonly sections: readonly ElfSection[];
  private readonly reader: ByteReader;
  private readonly symbolTables = new Map<number, readonly ElfSymbol[]>();
  private readonly relocationSectionCache = new Map<number, ElfRelocationSection>();
  private readonly noteCache = new Map<number, readonly ElfNote[]>();
  private sectionsByName: Map<string, ElfSection> | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.header = parseElfHeader(bytes);
    this.littleEndian = this.header.littleEndian;
    this.reader = new ByteReader(bytes, this.littleEndian);
    this.sections = parseSections(this.reader, this.header);
  }

  /** The first section with this name (names are unique in clang's objects). */
  sectionByName(name: string): ElfSection | undefined {
    if (!this.sectionsByName) {
      this.sectionsByName = new Map();
      for (const section of this.sections) if (!this.sectionsByName.has(section.name)) this.sectionsByName.set(section.name, section);
    }
    return this.sectionsByName.get(name);
  }

  /** The static symbol table (.symtab, SHT_SYMTAB); empty when the file is stripped. */
  get symbols(): readonly ElfSymbol[] {
    const table = this.sections.find((section) => section.type === SectionType.Symtab);
    return table ? this.symbolTable(table) : [];
  }

  /** The dynamic symbol table (SHT_DYNSYM); empty when there is none. */
  get dynamicSymbols(): readonly ElfSymbol[] {
    const table = this.sections.find((section) => section.type === SectionType.Dynsym);
    return table ? this.symbolTable(table) : [];
  }

  /** The symbols of one SHT_SYMTAB or SHT_DYNSYM section. */
  symbolTable(table: ElfSection): readonly ElfSymbol[] {
    if (table.type !== SectionType.Symtab && table.type !== SectionType.Dynsym) {
      throw new ElfError(table.headerOffset + 4, `section ${table.name} is ${table.typeName}, not a symbol table`);
    }
    let symbols = this.symbolTables.get(table.index);
    if (!symbols) {
      symbols = Object.freeze(parseSymbolTable(this.reader, this.sections, table));
      this.symbolTables.set(table.index, symbols);
    }
    return symbols;
  }

  /** .symtab's symbols defined in `section` (by object or index), in table order. */
  symbolsInSection(section: ElfSection | number): ElfSymbol[] {
    const index = typeof section === 'number' ? section : section.index;
    return this.symbols.filter((symbol) => symbol.sectionIndex === index);
  }

  /** Every SHT_REL and SHT_RELA section, decoded. */
  get relocationSections(): ElfRelocationSection[] {
    return this.sections.filter(isRelocationSection).map((section) => this.relocationSection(section));
  }

  /** One SHT_REL or SHT_RELA section, decoded. */
  relocationSection(section: ElfSection): ElfRelocationSection {
    if (!isRelocationSection(section)) {
      throw new ElfError(section.headerOffset + 4, `section ${section.name} is ${section.typeName}, not REL or RELA`);
    }
    let decoded = this.relocationSectionCache.get(section.index);
    if (!decoded) {
      decoded = parseRelocationSection(this.reader, this.header.machine, this.sections, section, (table) => this.symbolTable(table));
      this.relocationSectionCache.set(section.index, decoded);
    }
    return decoded;
  }

  /** The relocations that patch `section` (from every REL/RELA section whose sh_info names it). */
  relocationsFor(section: ElfSection | number): ElfRelocation[] {
    const index = typeof section === 'number' ? section : section.index;
    const relocations: ElfRelocation[] = [];
    for (const candidate of this.sections) {
      if (isRelocationSection(candidate) && candidate.info === index) relocations.push(...this.relocationSection(candidate).relocations);
    }
    return relocations;
  }

  /** The notes of one SHT_NOTE section. */
  notes(section: ElfSection): readonly ElfNote[] {
    if (section.type !== SectionType.Note) {
      throw new ElfError(section.headerOffset + 4, `section ${section.name} is ${section.typeName}, not NOTE`);
    }
    let notes = this.noteCache.get(section.index);
    if (!notes) {
      notes = Object.freeze(parseNotes(this.reader, section));
      this.noteCache.set(section.index, notes);
    }
    return notes;
  }

  /** Every note in every SHT_NOTE section, with its section. */
  get allNotes(): { section: ElfSection; note: ElfNote }[] {
    return this.sections
      .filter((section) => section.type === SectionType.Note)
      .flatMap((section) => this.notes(section).map((note) => ({ section, note })));
  }
}

function isRelocationSection(section: ElfSection): boolean {
  return section.type === SectionType.Rel || section.type === SectionType.Rela;
}

/** Parses an ELF64 object; throws ElfError (with the byte offset) on anything malformed. */
export function parseElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}
