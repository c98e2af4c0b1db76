/**
 * parseBtfExt on every corpus object, checked against things outside tsbpf: line_info against the
 * source files themselves (the recorded line text is that line of that file), func_info against the
 * ELF symbols and bpftool's names for the FUNC types, CO-RE records against what core.bpf.c asks for,
 * and the block sizes against the .BTF.ext section's size. Strings come through a small reader of
 * the .BTF string table written here, so this test doesn't depend on the BTF parser.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { ParseError } from '../errors.js';
import { parseElf, SymbolType, type ElfFile } from '../elf/index.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { BtfExtError, CoreRelocationKind, parseBtfExt, type BtfExt } from './ext.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const objects = typeof built === 'string' ? [] : built.bpfObjects;
const path = (name: string): string => (typeof built === 'string' ? '' : built.path(name));

/** The .BTF string table as a resolver: header (magic, version, flags, hdr_len, type_off/len, str_off/len). */
function btfStrings(elf: ElfFile): (offset: number) => string {
  const btf = elf.sectionByName('.BTF')!.data;
  const view = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  const littleEndian = view.getUint16(0, true) === 0xeb9f;
  const headerLength = view.getUint32(4, littleEndian);
  const start = headerLength + view.getUint32(16, littleEndian);
  const table = btf.subarray(start, start + view.getUint32(20, littleEndian));
  return (offset) => {
    if (offset >= table.length) throw new BtfExtError(0, `string offset ${offset} outside the table`);
    return new TextDecoder().decode(table.subarray(offset, table.indexOf(0, offset)));
  };
}

function load(name: string): { elf: ElfFile; ext: BtfExt; bytes: Uint8Array } {
  const elf = parseElf(new Uint8Array(readFileSync(path(name))));
  const bytes = elf.sectionByName('.BTF.ext')!.data;
  return { elf, ext: parseBtfExt(bytes, btfStrings(elf)), bytes };
}

/** bpftool's names for the FUNC types of an object's BTF (id -> name). */
function bpftoolFuncNames(file: string): Map<number, string> {
  const names = new Map<number, string>();
  const text = execFileSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'raw'], { encoding: 'utf8' });
  for (const match of text.matchAll(/^\[(\d+)\] FUNC '([^']*)'/gm)) names.set(Number(match[1]), match[2]!);
  return names;
}

describe('parseBtfExt on the corpus', { skip }, () => {
  for (const name of objects) {
    it(`${name}: blocks fill the .BTF.ext section exactly`, () => {
      const { ext, bytes, elf } = load(name);
      const { header } = ext;
      const ends = [
        header.funcInfoOffset + header.funcInfoLength, header.lineInfoOffset + header.lineInfoLength,
        header.coreRelocationOffset + header.coreRelocationLength,
      ];
      assert.equal(header.headerLength + Math.max(...ends), bytes.length);
      assert.equal(ext.littleEndian, elf.littleEndian);
      assert.equal(ext.funcInfoRecordSize, 8);
      assert.equal(ext.lineInfoRecordSize, 16);
      const recordBytes = (groups: readonly { records: readonly unknown[] }[], size: number): number =>
        groups.reduce((sum, group) => sum + 8 + group.records.length * size, groups.length ? 4 : 0);
      assert.equal(recordBytes(ext.funcInfo, 8), header.funcInfoLength);
      assert.equal(recordBytes(ext.lineInfo, 16), header.lineInfoLength);
      assert.equal(recordBytes(ext.coreRelocations, 16), header.coreRelocationLength);
    });

    it(`${name}: line_info names corpus files and quotes their lines`, () => {
      const { ext, elf } = load(name);
      assert.ok(ext.lineInfo.length > 0);
      const sources = new Map<string, string[]>();
      for (const group of ext.lineInfo) {
        const section = elf.sectionByName(group.section);
        assert.ok(section, `line_info section ${group.section} exists in the ELF`);
        for (const record of group.records) {
          assert.ok(record.insnOffset < section.size && record.insnOffset % 8 === 0, `${group.section}+${record.insnOffset} is an instruction`);
          assert.match(basename(record.fileName), /\.bpf\.c$|\.h$/);
          if (!record.fileName.endsWith('.bpf.c')) continue;
          const corpusFile = `${path('').replace(/\.build\/?$/, '')}${basename(record.fileName)}`;
          if (!sources.has(corpusFile)) sources.set(corpusFile, readFileSync(corpusFile, 'utf8').split('\n'));
          if (record.line === 0) continue; // compiler-generated code has no line
          assert.equal(record.lineText, sources.get(corpusFile)![record.line - 1], `${name} ${group.section}+${record.insnOffset} line ${record.line}`);
          assert.equal(record.line, record.lineColumn >>> 10);
          assert.ok(record.column <= record.lineText.length + 1, `column ${record.column} inside the line (0: none recorded)`);
        }
      }
    });

    it(`${name}: func_info points at FUNC symbols with the same names as their BTF FUNC types`, { skip: hasTool('bpftool') ? false : 'bpftool is needed as an oracle' }, () => {
      const { ext, elf } = load(name);
      const funcNames = bpftoolFuncNames(path(name));
      let count = 0;
      for (const group of ext.funcInfo) {
        const section = elf.sectionByName(group.section)!;
        for (const record of group.records) {
          const symbol = elf.symbolsInSection(section).find((candidate) => candidate.type === SymbolType.Func && Number(candidate.value) === record.insnOffset);
          assert.ok(symbol, `a FUNC symbol at ${group.section}+${record.insnOffset}`);
          assert.equal(funcNames.get(record.typeId), symbol.name);
          count++;
        }
      }
      assert.equal(count, elf.symbols.filter((symbol) => symbol.type === SymbolType.Func).length, 'one func_info per function');
    });
  }

  it('reads the same information from both byte orders', () => {
    // Code generation differs a little between bpfel and bpfeb (bitfield reads), so compare what the
    // records say (functions, source lines, relocation kinds and paths), not where they sit.
    const summary = (ext: BtfExt): unknown => ({
      functions: ext.funcInfo.map((group) => [group.section, group.records.length]),
      lines: [...new Set(ext.lineInfo.flatMap((group) => group.records.map((record) => `${group.section}:${record.line}:${record.lineText}`)))].sort(),
      relocations: [...new Set(ext.coreRelocations.flatMap((group) => group.records.map((record) => `${record.kindName} ${record.accessString} ${record.typeId}`)))].sort(),
    });
    for (const name of objects.filter((object) => object.endsWith('.eb.o'))) {
      const big = load(name).ext;
      assert.equal(big.littleEndian, false);
      assert.deepEqual(summary(big), summary(load(name.replace('.eb.o', '.o')).ext), name);
    }
  });

  it('core.o: the CO-RE relocations core.bpf.c asks for', () => {
    const { ext } = load('core.o');
    assert.deepEqual(ext.coreRelocations.map((group) => group.section), ['kprobe/wake_up_new_task']);
    const records = ext.coreRelocations[0]!.records;
    const seen = records.map((record) => `${record.kindName} ${record.accessString}`);
    const expected = [
      'byte_off 0:2', // task->parent
      'byte_off 0:0', // ->pid
      'field_exists 0:1', // tgid
      'byte_sz 0:5', // comm
      'byte_off 0:4', 'byte_sz 0:4', 'lshift_u64 0:4', 'signed 0:4', 'rshift_u64 0:4', // the state bitfield
      'type_exists 0', 'type_size 0', 'byte_off 0:5', 'local_type_id 0', 'target_type_id 0',
      'enumval_exists 1', 'enumval_value 1', // TASK_DEAD is enumerator 1
      'byte_off 0:1', // task->tgid, direct
    ];
    for (const entry of expected) assert.ok(seen.includes(entry), `${entry} in ${seen.join(', ')}`);
    // Every kind clang 14 emits appears (type_matches needs clang 17).
    const kinds = new Set(records.map((record) => record.kind));
    for (const kind of Object.values(CoreRelocationKind).filter((kind) => kind !== CoreRelocationKind.TypeMatches)) assert.ok(kinds.has(kind), `kind ${kind}`);
    const raw = execFileSync('bpftool', ['btf', 'dump', 'file', path('core.o'), 'format', 'raw'], { encoding: 'utf8' });
    const typeName = (id: number): string | undefined => new RegExp(`^\\[${id}\\] \\S+ '([^']*)'`, 'm').exec(raw)?.[1];
    for (const record of records) assert.equal(typeName(record.typeId), record.kindName.startsWith('enumval') ? 'task_state' : 'task_struct');
  });
});

describe('parseBtfExt rejects bad input', { skip }, () => {
  function rejects(bytes: Uint8Array, offset: number, pattern: RegExp): void {
    const strings = btfStrings(load('core.o').elf);
    assert.throws(() => parseBtfExt(bytes, strings), (error: unknown) => {
      assert.ok(error instanceof BtfExtError && error instanceof ParseError, String(error));
      assert.equal(error.offset, offset, error.message);
      assert.match(error.message, pattern);
      return true;
    });
  }
  const patched = (bytes: Uint8Array, offset: number, value: number): Uint8Array => {
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(offset, value, true);
    return copy;
  };

  it('names the byte of each problem', () => {
    const { bytes, ext } = load('core.o');
    rejects(bytes.subarray(0, 2), 0, /too short/);
    rejects(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 0, /bad magic/);
    const badVersion = bytes.slice();
    badVersion[2] = 2;
    rejects(badVersion, 2, /version 2/);
    rejects(bytes.subarray(0, 20), 4, /hdr_len 32 runs past/);
    rejects(patched(bytes, 4, 8), 4, /shorter than/);
    rejects(patched(bytes, 20, 0xfffffff0), 16, /line_info block .* runs past the end/);
    const lineStart = ext.header.headerLength + ext.header.lineInfoOffset;
    rejects(patched(bytes, lineStart, 12), lineStart, /record size 12/);
    rejects(patched(bytes, lineStart + 8, 0), lineStart + 8, /num_info 0/);
    rejects(patched(bytes, lineStart + 8, 0x7fffffff), lineStart + 8, /runs past the end of the block/);
    rejects(bytes.subarray(0, bytes.length - 3), 16 + 8, /core_relo block/);
  });
});
