import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abi, bpf, closeRawFd, NativeMemory, possibleCpuCount } from '../sys/index.js';
import { BpfError, ClosedError, InvalidArgumentError } from '../errors.js';
import { encodeInstructions, exit, mov64Imm } from '../asm/index.js';
import { bpftoolJson } from '../test-support/kernel.js';
import { BpfMap, UpdateFlag } from './map.js';
import { MapType } from './map-types.js';
import { joinPerCpu, splitPerCpu } from './per-cpu.js';

const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint): Uint8Array => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const readU64 = (b: Uint8Array, offset = 0): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(offset, true);
const readU32 = (b: Uint8Array, offset = 0): number => new DataView(b.buffer, b.byteOffset).getUint32(offset, true);

function bpfErrorWith(code: string) {
  return (error: unknown): boolean => error instanceof BpfError && error.code === code;
}

test('hash CRUD with update flags', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 });
  assert.equal(map.lookup(u32(1)), undefined);
  map.update(u32(1), u64(10n), UpdateFlag.NoExist);
  assert.throws(() => map.update(u32(1), u64(11n), UpdateFlag.NoExist), bpfErrorWith('EEXIST'));
  assert.throws(() => map.update(u32(2), u64(20n), UpdateFlag.Exist), bpfErrorWith('ENOENT'));
  map.update(u32(1), u64(12n), UpdateFlag.Exist);
  assert.equal(readU64(map.lookup(u32(1))!), 12n);
  const out = new Uint8Array(8);
  assert.equal(map.lookupInto(u32(1), out), true);
  assert.equal(readU64(out), 12n);
  assert.equal(map.lookupInto(u32(9), out), false);
  for (let k = 2; k <= 4; k++) map.update(u32(k), u64(BigInt(k)));
  assert.throws(() => map.update(u32(5), u64(5n)), bpfErrorWith('E2BIG'), 'a full hash refuses new keys');
  assert.equal(map.delete(u32(1)), true);
  assert.equal(map.delete(u32(1)), false);
  assert.equal(readU64(map.lookupAndDelete(u32(2))!), 2n);
  assert.equal(map.lookupAndDelete(u32(2)), undefined);
  const dump = bpftoolJson<{ key: string[]; value: string[] }[]>('map', 'dump', 'id', String(map.id));
  assert.equal(dump.length, 2);
});

test('array: every index exists, delete is refused, NOEXIST is EEXIST', () => {
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 3 });
  assert.equal(readU32(map.lookup(u32(2))!), 0);
  assert.equal(map.lookup(u32(3)), undefined);
  map.update(u32(1), u32(7));
  assert.equal(readU32(map.lookup(u32(1))!), 7);
  assert.throws(() => map.update(u32(1), u32(8), UpdateFlag.NoExist), bpfErrorWith('EEXIST'));
  assert.throws(() => map.delete(u32(1)), bpfErrorWith('EINVAL'));
  assert.throws(() => map.update(u32(3), u32(1)), bpfErrorWith('E2BIG'));
});

test('wrong key and value sizes are InvalidArgumentErrors naming both sizes', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 });
  assert.throws(() => map.lookup(new Uint8Array(3)), (e: unknown) => e instanceof InvalidArgumentError && /must be 4 bytes, got 3/.test(e.message));
  assert.throws(() => map.update(u32(1), new Uint8Array(4)), (e: unknown) => e instanceof InvalidArgumentError && /must be 8 bytes, got 4/.test(e.message));
  assert.throws(() => map.lookupInto(u32(1), new Uint8Array(7)), InvalidArgumentError);
  assert.throws(() => map.delete(new Uint8Array(8)), InvalidArgumentError);
  assert.throws(() => map.push(u64(1n)), InvalidArgumentError);
});

test('use after close is a ClosedError and close is idempotent', () => {
  const map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 });
  map.close();
  map.close();
  map[Symbol.dispose]();
  assert.equal(map.closed, true);
  assert.throws(() => map.lookup(u32(1)), ClosedError);
  assert.throws(() => map.update(u32(1), u64(1n)), ClosedError);
  assert.throws(() => map.delete(u32(1)), ClosedError);
  assert.throws(() => [...map.keys()], ClosedError);
  assert.throws(() => map.info(), ClosedError);
  assert.throws(() => map.freeze(), ClosedError);
});

test('per-CPU maps hold one value per possible CPU', () => {
  for (const type of [MapType.PerCpuArray, MapType.PerCpuHash, MapType.LruPerCpuHash]) {
    using map = BpfMap.create({ type, keySize: 4, valueSize: 4, maxEntries: 4 });
    const cpus = possibleCpuCount();
    assert.equal(map.valueBufferSize, 8 * cpus);
    const values = Array.from({ length: cpus }, (_, cpu) => u32(100 + cpu));
    map.update(u32(0), joinPerCpu(map, values));
    const slots = splitPerCpu(map, map.lookup(u32(0))!);
    assert.deepEqual(slots.map((slot) => readU32(slot)), values.map((value) => readU32(value)));
    const dump = bpftoolJson<{ values: { cpu: number; value: string[] }[] }[]>('map', 'dump', 'id', String(map.id));
    assert.equal(dump[0]!.values.length, cpus);
    assert.throws(() => map.update(u32(0), u32(1)), InvalidArgumentError);
  }
});

test('LPM trie finds the longest matching prefix', () => {
  using map = BpfMap.create({ type: MapType.LpmTrie, keySize: 8, valueSize: 4, maxEntries: 8, flags: abi.MapFlags.NO_PREALLOC });
  const prefix = (bits: number, a: number, b: number, c: number, d: number): Uint8Array => {
    const key = new Uint8Array(8);
    new DataView(key.buffer).setUint32(0, bits, true);
    key.set([a, b, c, d], 4);
    return key;
  };
  map.update(prefix(8, 10, 0, 0, 0), u32(8));
  map.update(prefix(16, 10, 1, 0, 0), u32(16));
  map.update(prefix(24, 10, 1, 2, 0), u32(24));
  assert.equal(readU32(map.lookup(prefix(32, 10, 1, 2, 3))!), 24);
  assert.equal(readU32(map.lookup(prefix(32, 10, 1, 9, 9))!), 16);
  assert.equal(readU32(map.lookup(prefix(32, 10, 9, 9, 9))!), 8);
  assert.equal(map.lookup(prefix(32, 11, 0, 0, 0)), undefined);
  assert.equal([...map.keys()].length, 3);
});

test('queue is FIFO, stack is LIFO, both refuse a push when full unless told to overwrite', () => {
  using queue = BpfMap.create({ type: MapType.Queue, keySize: 0, valueSize: 8, maxEntries: 3 });
  using stack = BpfMap.create({ type: MapType.Stack, keySize: 0, valueSize: 8, maxEntries: 3 });
  for (const n of [1n, 2n, 3n]) { queue.push(u64(n)); stack.push(u64(n)); }
  assert.throws(() => queue.push(u64(4n)), bpfErrorWith('E2BIG'));
  queue.push(u64(4n), UpdateFlag.Exist); // drops the oldest
  assert.equal(readU64(queue.peek()!), 2n);
  assert.deepEqual([queue.pop(), queue.pop(), queue.pop()].map((v) => readU64(v!)), [2n, 3n, 4n]);
  assert.equal(queue.pop(), undefined);
  assert.equal(queue.peek(), undefined);
  assert.equal(readU64(stack.peek()!), 3n);
  assert.deepEqual([stack.pop(), stack.pop(), stack.pop()].map((v) => readU64(v!)), [3n, 2n, 1n]);
  assert.equal(stack.pop(), undefined);
  assert.throws(() => queue.lookup(u32(0)), InvalidArgumentError);
});

test('bloom filter: pushed values are maybe-present, others (almost surely) absent', () => {
  using bloom = BpfMap.create({ type: MapType.BloomFilter, keySize: 0, valueSize: 8, maxEntries: 64, mapExtra: 3n });
  for (let n = 0n; n < 10n; n++) bloom.push(u64(n));
  for (let n = 0n; n < 10n; n++) assert.equal(bloom.mayContain(u64(n)), true);
  assert.equal(readU64(bloom.peek(u64(5n))!), 5n);
  let falsePositives = 0;
  for (let n = 1000n; n < 1100n; n++) if (bloom.mayContain(u64(n))) falsePositives++;
  assert.ok(falsePositives < 20, `${falsePositives} false positives`);
  assert.throws(() => bloom.peek(), InvalidArgumentError);
  assert.throws(() => bloom.pop(), InvalidArgumentError);
});

test('keys() and entries() walk the whole map, as bpftool dump does', () => {
  using map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 64 });
  for (let k = 0; k < 50; k++) map.update(u32(k), u64(BigInt(k * 2)));
  const seen = new Map<number, bigint>();
  for (const [key, value] of map) seen.set(readU32(key), readU64(value));
  assert.equal(seen.size, 50);
  for (const [k, v] of seen) assert.equal(v, BigInt(k * 2));
  const dump = bpftoolJson<{ key: string[] }[]>('map', 'dump', 'id', String(map.id));
  const dumpedKeys = dump.map((entry) => readU32(Uint8Array.from(entry.key, (byte) => Number.parseInt(byte, 16)))).sort((a, b) => a - b);
  assert.deepEqual([...map.keys()].map((k) => readU32(k)).sort((a, b) => a - b), dumpedKeys);
  // Breaking out of the walk and starting again is fine.
  for (const key of map.keys()) { assert.ok(key); break; }
  using empty = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 });
  assert.deepEqual([...empty.entries()], []);
});

test('freeze makes the map read-only for user space', () => {
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 2 });
  map.update(u32(0), u32(5));
  map.freeze();
  assert.throws(() => map.update(u32(0), u32(6)), bpfErrorWith('EPERM'));
  assert.equal(readU32(map.lookup(u32(0))!), 5);
  assert.equal(bpftoolJson<{ frozen: number }>('map', 'show', 'id', String(map.id)).frozen, 1);
});

test('an mmapable array is shared both ways, and its view survives close', () => {
  const map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 10, flags: abi.MapFlags.MMAPABLE });
  const view = map.mmap();
  assert.equal(view.length, 8 * 10);
  assert.equal(map.mmap(), view);
  view[8] = 42; // element 1 (values are 8-byte strided)
  assert.equal(readU32(map.lookup(u32(1))!), 42);
  map.update(u32(2), u32(0xdeadbeef));
  assert.equal(readU32(view, 16), 0xdeadbeef);
  map.close();
  assert.equal(view[8], 0, 'after close the range reads zeroes instead of crashing');
  view[0] = 1;
  using plain = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => plain.mmap(), InvalidArgumentError);
});

test('a frozen mmapable array maps read-only', () => {
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 4, flags: abi.MapFlags.MMAPABLE });
  map.update(u32(3), u64(77n));
  map.freeze();
  const view = map.mmap();
  assert.equal(readU64(view, 24), 77n);
});

test('a prog array takes a program fd and reads back its id', () => {
  const instructions = encodeInstructions([mov64Imm(0, 0), exit()]);
  const code = new NativeMemory(instructions.length);
  code.bytes.set(instructions);
  const license = bpf.cString('GPL');
  const { result: programFd } = bpf.progLoad({
    type: abi.ProgramTypeId.SOCKET_FILTER, instructions: code, instructionCount: instructions.length / 8, license, logLevel: 0, log: null,
  });
  code.free();
  license.free();
  assert.ok(programFd > 0, `program load failed: ${programFd}`);
  const info = new NativeMemory(abi.ProgInfoLayout.size);
  try {
    bpf.objGetInfoByFd(programFd, info);
    const programId = info.view.getUint32(abi.ProgInfoLayout.id, true);
    using progs = BpfMap.create({ type: MapType.ProgArray, keySize: 4, valueSize: 4, maxEntries: 2 });
    progs.update(u32(0), u32(programFd));
    assert.equal(readU32(progs.lookup(u32(0))!), programId);
    assert.equal(progs.delete(u32(0)), true);
  } finally {
    info.free();
    closeRawFd(programFd);
  }
});
