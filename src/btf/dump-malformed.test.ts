/**
 * Malformed BTF through everything that prints or decodes it: the C dumper, the raw dump and both
 * value decoders. Each case is a minimal hand-built blob for a crash the fuzzer found (stack
 * overflows on reference loops, hundreds of megabytes of padding, RangeErrors from DataViews and
 * array lengths); each must end in bpftool's output or a typed error naming the type, quickly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TsbpfError } from '../errors.js';
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BtfDumpError, formatBtfAsC } from './dump-c.js';
import { formatBtfRaw } from './dump-raw.js';
import { rawBtfBlob, record } from './test-fixtures.js';
import { BtfValueError, decodeBtfValue } from './value-codec.js';
import { btfDecoder } from './value-decoder.js';

const NO_BPFTOOL = spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status === 0 ? false : 'bpftool is not installed';
const work = mkdtempSync(join(tmpdir(), 'tsbpf-dump-malformed-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Offsets in STRINGS: 0 '', 1 'int', 5 's', 7 't', 9 '' (an empty string a type can name). */
const STRINGS = '\0int\0s\0t\0\0';
const INT = 1, S = 5, T = 7, EMPTY = 9;

function bpftool(blob: Uint8Array, format: 'c' | 'raw'): { status: number | null; stdout: string } {
  const file = join(work, 'blob.btf');
  writeFileSync(file, blob);
  const run = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', format], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 20_000 });
  return { status: run.status, stdout: run.stdout };
}

/** Runs `use`, which must throw `type` naming type `id` (BtfDumpError) or matching `pattern`, within a second. */
function assertRefused(use: () => unknown, type: new (...args: never[]) => TsbpfError, pattern: RegExp, id?: number): void {
  const started = performance.now();
  assert.throws(use, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.match(error.message, pattern);
    if (id !== undefined) assert.equal((error as BtfDumpError).typeId, id);
    return true;
  });
  assert.ok(performance.now() - started < 1000, 'refused within a second');
}

describe('the C dumper on malformed BTF', () => {
  test('a pointer/const loop with no base type (libbpf recurses until its stack overflows)', () => {
    const btf = Btf.parse(rawBtfBlob([record.pointer(2), record.const(1)], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /nest more than 512 deep \(a reference loop\?\)/);
  });

  test('a typedef loop', () => {
    const btf = Btf.parse(rawBtfBlob([record.typedef(S, 2), record.typedef(T, 1)], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /nest more than 512 deep/);
  });

  test('a typedef of a pointer to a function taking that typedef (never ORDERING, so no cycle check caught it)', () => {
    const btf = Btf.parse(rawBtfBlob([record.typedef(T, 2), record.pointer(3), record.funcProto(0, [[0, 1]])], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /nest more than 512 deep/);
  });

  test('an array of itself in a declaration', () => {
    const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.array(2, 1, 4), record.struct(S, 16, [[T, 2, 0]])], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /nest more than 512 deep/);
  });

  test('a member at bit 2^31 or beyond (libbpf\'s int offsets go negative and bpftool prints `char: -2147483520;`)', () => {
    const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 8, [[T, 1, 0x80000000]])], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /member 0 reaches bit 2147483648, past the 2147483647 bits/, 2);
  });

  test('a struct of 2^28 bytes or more (its size in bits overflows libbpf\'s int)', () => {
    const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 0x10000000, [[T, 1, 0]])], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /the end of the struct reaches bit 2147483648/, 2);
  });

  test('a 16 MiB struct with one int: 2 million padding lines are refused, not written', () => {
    const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 16 << 20, [[T, 1, 0]])], STRINGS));
    assertRefused(() => formatBtfAsC(btf), BtfDumpError, /the end of the struct is 134217696 bits past the previous member, wider than the 16777216-bit padding/, 2);
  });

  test('a 2 MiB gap (as far as a bitfield offset reaches) is still padded, as bpftool pads it', { skip: NO_BPFTOOL }, () => {
    const blob = rawBtfBlob([record.int(INT, 4), record.struct(S, 2 << 20, [[T, 1, 0]])], STRINGS);
    const ours = formatBtfAsC(Btf.parse(blob));
    assert.equal(ours.split('\n').filter((line) => line === '\tlong: 64;').length, (2 << 20) / 8 - 1);
    assert.equal(ours, bpftool(blob, 'c').stdout);
  });

  test('an empty name at a non-zero offset names the type, as in libbpf (`struct  {`, `enum  {`, `struct ;`)', { skip: NO_BPFTOOL }, () => {
    const blob = rawBtfBlob([
      record.int(INT, 4), record.struct(EMPTY, 4, [[T, 1, 0]]), record.enum(EMPTY, [[S, 1]]), record.fwd(EMPTY), record.pointer(4),
      record.struct(S, 8, [[T, 5, 0]]), record.typedef(EMPTY, 1), record.typedef(EMPTY, 1),
    ], STRINGS);
    const theirs = bpftool(blob, 'c');
    assert.equal(theirs.status, 0);
    assert.equal(formatBtfAsC(Btf.parse(blob)), theirs.stdout);
  });
});

describe('the raw dump on malformed BTF', () => {
  test('an empty name at a non-zero offset prints as \'\', only offset 0 as (anon)', { skip: NO_BPFTOOL }, () => {
    const blob = rawBtfBlob([record.int(INT, 4), record.struct(EMPTY, 8, [[EMPTY, 1, 0], [0, 1, 32]]), record.enum(0, [[EMPTY, 1]])], STRINGS);
    const ours = formatBtfRaw(Btf.parse(blob));
    assert.match(ours, /\[2\] STRUCT '' size=8 vlen=2\n\t'' type_id=1 bits_offset=0\n\t'\(anon\)' type_id=1/);
    assert.equal(ours, bpftool(blob, 'raw').stdout);
  });

  test('a type loop prints (raw is flat: every type once)', () => {
    assert.equal(formatBtfRaw(Btf.parse(rawBtfBlob([record.pointer(2), record.const(1)], STRINGS))), "[1] PTR '(anon)' type_id=2\n[2] CONST '(anon)' type_id=1\n");
  });
});

describe('the value decoders on malformed BTF', () => {
  const bytes = new Uint8Array(64);
  const decoders = [
    ['compiled', (btf: Btf, id: number, data = bytes) => btfDecoder(btf, id)(data)],
    ['walking', (btf: Btf, id: number, data = bytes) => decodeBtfValue(btf, id, data)],
  ] as const;

  for (const [label, decode] of decoders) {
    test(`${label}: a member past the end of its struct (was a RangeError from the DataView)`, () => {
      const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 8, [[T, 1, 0], [T, 1, 64 * 8]])], STRINGS));
      assertRefused(() => decode(btf, 2), BtfError, /struct s \[2\]: member t ends at byte 68, past the type's 8 bytes/);
    });

    test(`${label}: a member off a byte boundary`, () => {
      const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 8, [[T, 1, 3]])], STRINGS));
      assertRefused(() => decode(btf, 2), BtfError, /member t sits at bit 3, which is not a byte boundary/);
    });

    test(`${label}: a struct that contains itself (was a stack overflow)`, () => {
      const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 4, [[T, 2, 0]])], STRINGS));
      assertRefused(() => decode(btf, 2), BtfError, /type 2 nests values more than 128 deep/);
    });

    test(`${label}: 2^32 - 1 empty structs (was an array length RangeError, or gigabytes)`, () => {
      const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.struct(S, 0, []), record.array(2, 1, 0xffffffff)], STRINGS));
      assertRefused(() => decode(btf, 3), BtfError, /decodes to \d+ values, too many/);
    });

    test(`${label}: bytes shorter than the type (was a RangeError)`, () => {
      const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.array(1, 1, 100)], STRINGS));
      assertRefused(() => decode(btf, 2, new Uint8Array(399)), BtfValueError, /400 bytes of type 2 at offset 0 do not fit in 399 bytes/);
      assert.equal((decode(btf, 2, new Uint8Array(400)) as number[]).length, 100);
    });

    test(`${label}: an array past 4 GiB`, () => {
      const btf = Btf.parse(rawBtfBlob([record.int(INT, 4), record.array(1, 1, 0x40000000)], STRINGS));
      assertRefused(() => decode(btf, 2), BtfError, /larger than 4 GiB/);
    });
  }
});
