/** parseElf on malformed input: every failure is an ElfError naming the byte where it was found. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ParseError, TsbpfError } from '../errors.js';
import { corpus } from '../test-support/corpus.js';
import { ElfError, parseElf } from './index.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;

function object(name: string): Uint8Array {
  if (typeof built === 'string') throw new Error(built);
  return new Uint8Array(readFileSync(built.path(name)));
}

function rejects(bytes: Uint8Array, offset: number | undefined, pattern: RegExp): void {
  assert.throws(() => {
    const elf = parseElf(bytes);
    // Symbol tables and relocations decode on first use: touch them so their errors surface too.
    void elf.symbols;
    void elf.relocationSections;
    void elf.allNotes;
  }, (error: unknown) => {
    assert.ok(error instanceof ElfError, `an ElfError, got ${String(error)}`);
    assert.ok(error instanceof ParseError && error instanceof TsbpfError);
    if (offset !== undefined) assert.equal(error.offset, offset, error.message);
    assert.match(error.message, pattern);
    assert.match(error.message, /at byte offset \d+ \(0x[0-9a-f]+\)/);
    return true;
  });
}

function patchU32(bytes: Uint8Array, offset: number, value: number, littleEndian = true): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value, littleEndian);
  return copy;
}

function patchU64(bytes: Uint8Array, offset: number, value: bigint, littleEndian = true): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigUint64(offset, value, littleEndian);
  return copy;
}

describe('parseElf rejects bad input', () => {
  it('refuses a file that is not ELF', () => {
    rejects(new TextEncoder().encode('#!/bin/sh\necho hello\n'), 0, /not an ELF file/);
    rejects(new Uint8Array(0), 0, /not an ELF file/);
    rejects(new Uint8Array([0x7f, 0x45, 0x4c]), 3, /not an ELF file/);
  });

  it('refuses 32-bit ELF with a clear reason', { skip }, () => {
    rejects(object('tiny.i386.o'), 4, /32-bit ELF \(ELFCLASS32\) is not supported/);
  });

  it('refuses an unknown byte order, class or version', { skip }, () => {
    const good = object('kinds.o');
    for (const [index, value, pattern] of [[5, 3, /byte order/], [4, 9, /ELF class/], [6, 2, /version/]] as const) {
      const bad = good.slice();
      bad[index] = value;
      rejects(bad, index, pattern);
    }
  });

  it('refuses truncated files wherever they are cut', { skip }, () => {
    const good = object('programs.o');
    for (const length of [20, 63, 64, 1000, good.length - 64, good.length - 1]) rejects(good.subarray(0, length), undefined, /past the end|cut short/);
  });

  it('refuses a section table or section that lies outside the file, without overflowing', { skip }, () => {
    const good = object('maps.o');
    const elf = parseElf(good);
    rejects(patchU64(good, 40, 0xffffffffffffff00n), 40, /too large to be a file offset/);
    rejects(patchU64(good, 40, BigInt(good.length - 10)), good.length - 10, /section header 0/);
    const text = elf.sectionByName('.text')!;
    rejects(patchU64(good, text.headerOffset + 32, 2n ** 52n), text.headerOffset + 24, /run past the end/);
    rejects(patchU64(good, text.headerOffset + 24, BigInt(good.length + 1)), text.headerOffset + 24, /run past the end/);
  });

  it('refuses a bad e_shstrndx and a section name outside the name table', { skip }, () => {
    const good = object('maps.o');
    const elf = parseElf(good);
    const copy = good.slice();
    new DataView(copy.buffer).setUint16(62, 500, true);
    rejects(copy, 62, /e_shstrndx 500/);
    const names = elf.sections[elf.header.sectionNameTableIndexField]!;
    rejects(patchU32(good, elf.sections[3]!.headerOffset, 0x7fffffff), names.offset, /outside its .*string table/);
  });

  it('refuses symbol and relocation tables with bad sizes, links or symbol indexes', { skip }, () => {
    const good = object('programs.o');
    const elf = parseElf(good);
    const symtab = elf.sections.find((section) => section.name === '.symtab')!;
    rejects(patchU64(good, symtab.headerOffset + 56, 16n), symtab.headerOffset + 56, /sh_entsize 16/);
    rejects(patchU32(good, symtab.headerOffset + 40, 9999), symtab.headerOffset + 40, /not a string table/);
    const rel = elf.sections.find((section) => section.name === '.rel.text')!;
    rejects(patchU64(good, rel.headerOffset + 32, 17n), rel.headerOffset + 32, /not a multiple of 16/);
    rejects(patchU32(good, rel.offset + 12, 100000), rel.offset + 8, /refers to symbol 100000/);
  });

  it('refuses a big-endian file whose fields are read in the wrong order', { skip }, () => {
    const big = object('programs.eb.o');
    const flipped = big.slice();
    flipped[5] = 1; // claim little endian: offsets become nonsense and must be caught, not crash
    rejects(flipped, undefined, /./);
  });
});
