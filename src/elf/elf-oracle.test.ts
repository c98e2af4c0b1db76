/**
 * parseElf against the reference readers, field by field, on every corpus object (both byte orders,
 * cpu v1-v3, the x86-64 host object) and on /bin/ls (an executable with .dynsym and GNU notes):
 * sections vs `readelf -S -W`, symbols vs `readelf -s -W`, relocations vs `llvm-readelf -r` (binutils
 * numbers BPF relocations differently from LLVM, whose names clang's objects use), notes vs `readelf -n`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { corpus, hasTool } from '../test-support/corpus.js';
import { SectionType, SymbolType, parseElf, parseStapsdtNote, sectionFlagLetters, symbolSectionLabel, type ElfFile } from './index.js';

const built = corpus();
const skip = typeof built === 'string' ? built : !hasTool('readelf') || !hasTool('llvm-readelf') ? 'readelf and llvm-readelf are needed as oracles' : false;
const objects = typeof built === 'string' ? [] : built.objects.filter((name) => !name.includes('.i386.')).map((name) => built.path(name));
const files = [...objects, '/bin/ls'];

function tool(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function load(path: string): ElfFile {
  return parseElf(new Uint8Array(readFileSync(path)));
}

interface OracleSection { index: number; name: string; type: string; address: bigint; offset: number; size: number; entrySize: number; flags: string; link: number; info: number; align: number }

function readelfSections(path: string): OracleSection[] {
  const pattern = /^\s*\[\s*(\d+)\]\s+(.*?)\s+(NULL|PROGBITS|SYMTAB|STRTAB|RELA|HASH|DYNAMIC|NOTE|NOBITS|REL|DYNSYM|INIT_ARRAY|FINI_ARRAY|GROUP|GNU_HASH|VERSYM|VERNEED|VERDEF|LOOS\+0x[0-9a-f]+|\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)$/;
  return tool('readelf', '-S', '-W', path).split('\n').flatMap((line) => {
    const match = pattern.exec(line);
    if (!match) return [];
    const [, index, name, type, address, offset, size, entrySize, flags, link, info, align] = match;
    return [{
      index: Number(index), name: name!, type: type!, address: BigInt(`0x${address}`), offset: parseInt(offset!, 16),
      size: parseInt(size!, 16), entrySize: parseInt(entrySize!, 16), flags: flags!, link: Number(link), info: Number(info), align: Number(align),
    }];
  });
}

/** readelf spells unnamed OS-specific types LOOS+0x...; GNU ones by their names (VERSYM, ...). */
function sameType(oracle: string, type: number, typeName: string): boolean {
  const osSpecific = /^LOOS\+0x([0-9a-f]+)$/.exec(oracle);
  if (osSpecific) return 0x60000000 + parseInt(osSpecific[1]!, 16) === type;
  return oracle === typeName;
}

interface OracleSymbol { index: number; value: bigint; size: number; type: string; binding: string; visibility: string; section: string; name: string }

function readelfSymbols(path: string): Map<string, OracleSymbol[]> {
  const tables = new Map<string, OracleSymbol[]>();
  let current: OracleSymbol[] | undefined;
  for (const line of tool('readelf', '-s', '-W', path).split('\n')) {
    const header = /^Symbol table '([^']+)' contains/.exec(line);
    if (header) {
      current = [];
      tables.set(header[1]!, current);
      continue;
    }
    const match = /^\s*(\d+): ([0-9a-f]{16})\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?: (.*))?$/.exec(line);
    if (!match || !current) continue;
    const [, index, value, size, type, binding, visibility, section, name] = match;
    current.push({
      index: Number(index), value: BigInt(`0x${value}`), size: Number(size), type: type!, binding: binding!,
      visibility: visibility!, section: section!, name: (name ?? '').replace(/@.*$/, ''),
    });
  }
  return tables;
}

interface OracleRelocation { offset: bigint; info: bigint; type: string; symbolValue: bigint | undefined; symbolName: string; addend: bigint | undefined }

function llvmReadelfRelocations(path: string): Map<string, OracleRelocation[]> {
  const sections = new Map<string, OracleRelocation[]>();
  let current: OracleRelocation[] | undefined;
  for (const line of tool('llvm-readelf', '-r', path).split('\n')) {
    const header = /^Relocation section '([^']+)' at offset/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1]!, current);
      continue;
    }
    const match = /^([0-9a-f]{16})\s+([0-9a-f]{16})\s+(\S+)(?:\s+([0-9a-f]{16})\s+(.*?))?(?:\s+([+-])\s+([0-9a-f]+)|\s+([0-9a-f]+))?\s*$/.exec(line);
    if (!match || !current) continue;
    // Without a symbol llvm-readelf prints a RELA addend bare, with no sign.
    const [, offset, info, type, symbolValue, symbolName, sign, signedAddend, bareAddend] = match;
    const addend = signedAddend ?? bareAddend;
    current.push({
      offset: BigInt(`0x${offset}`), info: BigInt(`0x${info}`), type: type!,
      // Symbol versions (free@GLIBC_2.2.5) come from .gnu.version, which tsbpf does not read.
      symbolValue: symbolValue === undefined ? undefined : BigInt(`0x${symbolValue}`), symbolName: (symbolName ?? '').replace(/@.*$/, ''),
      addend: addend === undefined ? undefined : (sign === '-' ? -1n : 1n) * BigInt(`0x${addend}`),
    });
  }
  return sections;
}

describe('parseElf against readelf and llvm-readelf', { skip }, () => {
  for (const path of files) {
    const name = path.split('/').pop()!;

    it(`${name}: sections equal readelf -S -W`, () => {
      const elf = load(path);
      const oracle = readelfSections(path);
      assert.equal(elf.sections.length, oracle.length, 'section count');
      for (const expected of oracle) {
        const section = elf.sections[expected.index]!;
        const where = `section [${expected.index}] ${expected.name}`;
        assert.equal(section.name, expected.name, `${where} name`);
        assert.ok(sameType(expected.type, section.type, section.typeName), `${where} type ${section.typeName} vs ${expected.type}`);
        assert.equal(section.address, expected.address, `${where} address`);
        assert.equal(section.offset, expected.offset, `${where} offset`);
        assert.equal(section.size, expected.size, `${where} size`);
        assert.equal(section.entrySize, expected.entrySize, `${where} entsize`);
        assert.equal(sectionFlagLetters(section.flags), expected.flags, `${where} flags`);
        assert.equal(section.link, expected.link, `${where} link`);
        assert.equal(section.info, expected.info, `${where} info`);
        assert.equal(section.addressAlign, expected.align, `${where} align`);
        // data is a view of the file, not a copy, and NOBITS has no bytes in the file.
        if (section.type === SectionType.Nobits || section.type === SectionType.Null) assert.equal(section.data.length, 0);
        else {
          assert.equal(section.data.length, section.size, `${where} data length`);
          assert.equal(section.data.buffer, elf.bytes.buffer, `${where} data shares the file's buffer`);
          assert.equal(section.data.byteOffset, elf.bytes.byteOffset + section.offset, `${where} data position`);
        }
      }
    });

    it(`${name}: symbols equal readelf -s -W`, () => {
      const elf = load(path);
      const oracle = readelfSymbols(path);
      const tables = elf.sections.filter((section) => section.type === SectionType.Symtab || section.type === SectionType.Dynsym);
      assert.deepEqual(tables.map((table) => table.name).sort(), [...oracle.keys()].sort(), 'symbol tables');
      for (const table of tables) {
        const symbols = elf.symbolTable(table);
        const expectedSymbols = oracle.get(table.name)!;
        assert.equal(symbols.length, expectedSymbols.length, `${table.name} symbol count`);
        for (const expected of expectedSymbols) {
          const symbol = symbols[expected.index]!;
          const where = `${table.name}[${expected.index}] ${expected.name}`;
          // readelf shows a section symbol by its section's name.
          const shownName = symbol.type === SymbolType.Section && symbol.name === '' ? elf.sections[symbol.sectionIndex]!.name : symbol.name;
          assert.equal(shownName, expected.name, `${where} name`);
          assert.equal(symbol.value, expected.value, `${where} value`);
          assert.equal(symbol.size, expected.size, `${where} size`);
          assert.equal(symbol.typeName, expected.type, `${where} type`);
          assert.equal(symbol.bindingName, expected.binding, `${where} binding`);
          assert.equal(symbol.visibilityName, expected.visibility, `${where} visibility`);
          assert.equal(symbolSectionLabel(symbol.sectionIndex), expected.section, `${where} section`);
        }
      }
    });

    it(`${name}: relocations equal llvm-readelf -r`, () => {
      const elf = load(path);
      const oracle = llvmReadelfRelocations(path);
      const decoded = elf.relocationSections;
      assert.deepEqual(decoded.map((entry) => entry.section.name).sort(), [...oracle.keys()].sort(), 'relocation sections');
      for (const { section, target, relocations } of decoded) {
        const expectedRelocations = oracle.get(section.name)!;
        assert.equal(relocations.length, expectedRelocations.length, `${section.name} count`);
        if (target) assert.deepEqual(elf.relocationsFor(target).length >= relocations.length, true);
        expectedRelocations.forEach((expected, index) => {
          const relocation = relocations[index]!;
          const where = `${section.name}[${index}]`;
          assert.equal(relocation.offset, expected.offset, `${where} offset`);
          assert.equal((BigInt(relocation.symbolIndex) << 32n) | BigInt(relocation.type), expected.info, `${where} info`);
          assert.equal(relocation.typeName, expected.type, `${where} type`);
          if (relocation.symbol) {
            const symbol = relocation.symbol;
            const shownName = symbol.type === SymbolType.Section ? elf.sections[symbol.sectionIndex]!.name : symbol.name;
            assert.equal(symbol.value, expected.symbolValue, `${where} symbol value`);
            assert.equal(shownName, expected.symbolName, `${where} symbol name`);
          }
          if (relocation.addend !== undefined) assert.equal(relocation.addend, expected.addend ?? 0n, `${where} addend`);
        });
      }
    });

    it(`${name}: notes equal readelf -n`, () => {
      const elf = load(path);
      const text = tool('readelf', '-n', '-W', path);
      const expected = [...text.matchAll(/^\s{2}(\S+)\s+0x([0-9a-f]{8})\s/gm)].map((match) => ({ owner: match[1]!, size: parseInt(match[2]!, 16) }));
      assert.deepEqual(elf.allNotes.map(({ note }) => ({ owner: note.name, size: note.desc.length })), expected);
      // readelf applies a relocatable object's relocations before printing a note's addresses.
      const probes = elf.allNotes.filter(({ note }) => note.name === 'stapsdt').map(({ section, note }) => {
        const probe = parseStapsdtNote(note, elf.littleEndian);
        const relocated = (field: number, raw: bigint): bigint => {
          const at = BigInt(note.offset - section.offset + 12 + 8 + field * 8);
          const relocation = elf.relocationsFor(section).find((candidate) => candidate.offset === at);
          return relocation ? relocation.symbol!.value + (relocation.addend ?? 0n) : raw;
        };
        return { ...probe, location: relocated(0, probe.location), base: relocated(1, probe.base), semaphore: relocated(2, probe.semaphore) };
      });
      const expectedProbes = [...text.matchAll(/Provider: (\S*)\n\s+Name: (\S*)\n\s+Location: 0x([0-9a-f]+), Base: 0x([0-9a-f]+), Semaphore: 0x([0-9a-f]+)\n\s+Arguments: ?(.*)$/gm)];
      assert.deepEqual(probes, expectedProbes.map((match) => ({
        provider: match[1], name: match[2], arguments: match[6], location: BigInt(`0x${match[3]}`), base: BigInt(`0x${match[4]}`), semaphore: BigInt(`0x${match[5]}`),
      })));
    });
  }
});

describe('parseElf on the corpus', { skip }, () => {
  it('reads both byte orders to the same structure', () => {
    if (typeof built === 'string') return;
    for (const name of built.objects.filter((object) => object.endsWith('.eb.o'))) {
      const big = load(built.path(name));
      const little = load(built.path(name.replace('.eb.o', '.o')));
      assert.equal(big.littleEndian, false);
      assert.equal(little.littleEndian, true);
      assert.equal(big.header.machine, 247);
      assert.deepEqual(big.sections.map((section) => section.name), little.sections.map((section) => section.name), name);
      assert.deepEqual(big.symbols.map((symbol) => symbol.name), little.symbols.map((symbol) => symbol.name), name);
    }
  });

  it('finds programs, their symbols and their relocations by name', () => {
    if (typeof built === 'string') return;
    const elf = load(built.path('programs.o'));
    const xdp = elf.sectionByName('xdp');
    assert.ok(xdp);
    assert.deepEqual(elf.symbolsInSection(xdp).filter((symbol) => symbol.type === SymbolType.Func).map((symbol) => symbol.name), ['on_xdp']);
    const text = elf.sectionByName('.text')!;
    assert.deepEqual(elf.symbolsInSection(text).filter((symbol) => symbol.type === SymbolType.Func).map((symbol) => symbol.name).sort(), ['add_one', 'global_helper', 'twice']);
    const calls = elf.relocationsFor(elf.sectionByName('tracepoint/syscalls/sys_enter_openat')!);
    assert.deepEqual(calls.map((relocation) => relocation.typeName), ['R_BPF_64_32']);
    const maps = load(built.path('maps.o'));
    const mapRelocations = maps.relocationsFor(maps.sectionByName('tracepoint/syscalls/sys_enter_openat')!);
    assert.ok(mapRelocations.some((relocation) => relocation.typeName === 'R_BPF_64_64' && relocation.symbol?.name === 'ring'));
    assert.ok(maps.relocationsFor(maps.sectionByName('.maps')!).some((relocation) => relocation.typeName === 'R_BPF_64_ABS64' && relocation.symbol?.name === 'inner'));
    assert.equal(maps.sectionByName('.bss')!.data.length, 0);
    assert.ok(maps.sectionByName('.bss')!.size > 0);
  });

  it('reads SHN_UNDEF, SHN_COMMON and every visibility from the host object', () => {
    if (typeof built === 'string') return;
    const elf = load(built.path('usdt.host.o'));
    const byName = new Map(elf.symbols.map((symbol) => [symbol.name, symbol]));
    assert.equal(byName.get('external_counter')!.sectionIndex, 0);
    assert.equal(symbolSectionLabel(byName.get('common_thing')!.sectionIndex), 'COM');
    assert.equal(byName.get('hidden_function')!.visibilityName, 'HIDDEN');
    assert.equal(byName.get('protected_function')!.visibilityName, 'PROTECTED');
    assert.equal(byName.get('weak_function')!.bindingName, 'WEAK');
  });
});
