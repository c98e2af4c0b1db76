/**
 * An executable's or shared library's functions (.symtab, else .dynsym) by address, for user stack
 * frames: a frame's file offset (from /proc/PID/maps) becomes a virtual address through the PT_LOAD
 * segments, then the function whose [value, value + size) holds it.
 *
 * tsbpf's ELF reader finds the sections; the symbol table itself is read here with only the four fields
 * a lookup needs and names decoded on a hit, because a binary like node has 110 000 symbols and
 * decoding every field and name of each (what `elf.symbols` does, for readelf-style listings) costs
 * ~0.8 s per table against ~30 ms this way.
 */
import { readFileSync } from 'node:fs';
import { ParseError } from '../errors.js';
import { parseElf, SectionIndex, SectionType, SymbolType, type ElfSection } from '../elf/index.js';
import { AddressTable, type AddressEntry, type AddressHit } from './address-table.js';
import { fileOffsetToAddress, loadSegments, type LoadSegment } from './program-headers.js';

const SYMBOL_SIZE = 24;
const utf8 = new TextDecoder();

export class ElfSymbols {
  readonly #table: AddressTable<number>;
  readonly #segments: readonly LoadSegment[];
  readonly #strings: Uint8Array;
  readonly #names = new Map<number, string>();

  private constructor(table: AddressTable<number>, segments: readonly LoadSegment[], strings: Uint8Array) {
    this.#table = table;
    this.#segments = segments;
    this.#strings = strings;
  }

  /** Parses an ELF file's bytes; throws ElfError/ParseError on a malformed file. */
  static parse(bytes: Uint8Array): ElfSymbols {
    const elf = parseElf(bytes);
    const table = elf.sections.find((section) => section.type === SectionType.Symtab)
      ?? elf.sections.find((section) => section.type === SectionType.Dynsym);
    const segments = loadSegments(bytes, elf.header);
    if (!table) return new ElfSymbols(new AddressTable([]), segments, new Uint8Array(0));
    const strings = elf.sections[table.link];
    if (!strings || strings.type !== SectionType.Strtab) throw new ParseError(`ELF symbol table ${table.name}`, table.headerOffset + 40, `sh_link ${table.link} is not a string table`);
    // a copy: the file's bytes (100 MB for node) need not stay alive for the names
    return new ElfSymbols(new AddressTable(functionEntries(table, elf.littleEndian)), segments, strings.data.slice());
  }

  static read(path: string): ElfSymbols {
    return ElfSymbols.parse(new Uint8Array(readFileSync(path)));
  }

  /** How many functions the file names. */
  get size(): number {
    return this.#table.size;
  }

  /** The function at virtual address `address` (as the file's symbols give addresses). */
  lookupAddress(address: number): AddressHit | undefined {
    const hit = this.#table.lookup(address);
    return hit && { ...hit, name: this.#name(hit.name) };
  }

  /** The function at file offset `offset` (a mapping's offset plus the distance into the mapping). */
  lookupFileOffset(offset: number): AddressHit | undefined {
    const address = fileOffsetToAddress(this.#segments, offset);
    return address === undefined ? undefined : this.lookupAddress(address);
  }

  #name(offset: number): string {
    let name = this.#names.get(offset);
    if (name === undefined) {
      const strings = this.#strings;
      let end = offset;
      while (end < strings.length && strings[end] !== 0) end++;
      name = utf8.decode(strings.subarray(offset, end));
      this.#names.set(offset, name);
    }
    return name;
  }
}

/** Defined functions (STT_FUNC, STT_GNU_IFUNC) as (value, size, name offset). */
function functionEntries(table: ElfSection, littleEndian: boolean): AddressEntry<number>[] {
  const data = table.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const entries: AddressEntry<number>[] = [];
  for (let at = 0; at + SYMBOL_SIZE <= data.length; at += SYMBOL_SIZE) {
    const type = view.getUint8(at + 4) & 0xf;
    if (type !== SymbolType.Func && type !== SymbolType.GnuIfunc) continue;
    const section = view.getUint16(at + 6, littleEndian);
    if (section === SectionIndex.Undefined || section >= SectionIndex.LoReserve) continue;
    const value = Number(view.getBigUint64(at + 8, littleEndian));
    if (value === 0) continue;
    entries.push({ start: value, size: Number(view.getBigUint64(at + 16, littleEndian)), name: view.getUint32(at, littleEndian) });
  }
  return entries;
}
