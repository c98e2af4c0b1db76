import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BtfKind, BtfScanError, findBtfTypeId, findBtfTypeIds, vmlinuxBtf, VMLINUX_BTF_PATH } from './vmlinux-btf.js';
import { encodeStorageBtf } from '../maps/storage-btf.js';

/** A blob with one type of every kind that has trailing data, so a wrong size shifts every later id. */
function everyKindBlob(): Uint8Array {
  const names = ['', 'int', 's', 'e', 'fp', 'ds', 'v', 'tag', 'e64', 'target', 'td'];
  const strings: number[] = [];
  const offsets = names.map((name) => { const at = strings.length; strings.push(...new TextEncoder().encode(name), 0); return at; });
  const name = (n: string): number => offsets[names.indexOf(n)]!;
  const info = (kind: number, vlen = 0): number => ((kind << 24) | vlen) >>> 0;
  const words = [
    name('int'), info(BtfKind.INT), 4, 32, //                         [1] INT + 4
    0, info(BtfKind.ARRAY), 0, 1, 1, 4, //                             [2] ARRAY + 12
    name('s'), info(BtfKind.STRUCT, 2), 8, 0, 1, 0, 0, 1, 32, //      [3] STRUCT + 2*12
    name('e'), info(BtfKind.ENUM, 2), 4, 0, 0, 0, 1, //               [4] ENUM + 2*8
    0, info(BtfKind.FUNC_PROTO, 1), 1, 0, 1, //                        [5] FUNC_PROTO + 1*8
    name('v'), info(BtfKind.VAR), 1, 0, //                             [6] VAR + 4
    name('ds'), info(BtfKind.DATASEC, 1), 4, 6, 0, 4, //              [7] DATASEC + 1*12
    name('tag'), info(BtfKind.DECL_TAG), 3, 0xffffffff, //             [8] DECL_TAG + 4
    name('e64'), info(BtfKind.ENUM64, 1), 8, 0, 1, 0, //              [9] ENUM64 + 1*12
    name('target'), info(BtfKind.FUNC), 5, //                          [10] FUNC
    name('td'), info(BtfKind.TYPEDEF), 1, //                           [11] TYPEDEF
  ];
  const blob = new Uint8Array(24 + words.length * 4 + strings.length);
  const view = new DataView(blob.buffer);
  view.setUint16(0, 0xeb9f, true); view.setUint8(2, 1);
  view.setUint32(4, 24, true); view.setUint32(8, 0, true); view.setUint32(12, words.length * 4, true);
  view.setUint32(16, words.length * 4, true); view.setUint32(20, strings.length, true);
  words.forEach((word, i) => view.setUint32(24 + i * 4, word >>> 0, true));
  blob.set(strings, 24 + words.length * 4);
  return blob;
}

test('ids count across every kind and its trailing data', () => {
  const blob = everyKindBlob();
  assert.deepEqual(findBtfTypeIds(blob, [
    { name: 'target', kind: BtfKind.FUNC }, { name: 'td', kind: BtfKind.TYPEDEF }, { name: 'e64', kind: BtfKind.ENUM64 },
    { name: 'int', kind: BtfKind.INT },
  ]), [10, 11, 9, 1]);
});

test('a name with the wrong kind, or a prefix of a name, is not a match', () => {
  const blob = everyKindBlob();
  assert.equal(findBtfTypeId(blob, 'target', BtfKind.TYPEDEF), 0);
  assert.equal(findBtfTypeId(blob, 'targ', BtfKind.FUNC), 0);
  assert.equal(findBtfTypeId(blob, 'missing', BtfKind.FUNC), 0);
});

test('the local-storage BTF scans as the types it encodes', () => {
  assert.deepEqual(findBtfTypeIds(encodeStorageBtf(8), [{ name: 'int', kind: BtfKind.INT }, { name: 'storage_value', kind: BtfKind.STRUCT }]), [1, 4]);
});

test('bad blobs throw BtfScanError with the byte offset', () => {
  assert.throws(() => findBtfTypeId(new Uint8Array(8), 'x', BtfKind.FUNC), (e: unknown) => e instanceof BtfScanError && e.offset === 0);
  const badMagic = everyKindBlob(); badMagic[0] = 0;
  assert.throws(() => findBtfTypeId(badMagic, 'x', BtfKind.FUNC), (e: unknown) => e instanceof BtfScanError && e.offset === 0);
  const truncated = everyKindBlob().slice(0, 40);
  assert.throws(() => findBtfTypeId(truncated, 'x', BtfKind.FUNC), (e: unknown) => e instanceof BtfScanError && e.offset === 8);
  const unknownKind = everyKindBlob();
  new DataView(unknownKind.buffer).setUint32(24 + 4, (31 << 24) >>> 0, true);
  assert.throws(() => findBtfTypeId(unknownKind, 'x', BtfKind.FUNC), (e: unknown) => e instanceof BtfScanError && e.offset === 24 && /unknown kind 31/.test(e.message));
});

test('ids in the running kernel\'s BTF are the ones bpftool prints', { skip: vmlinuxBtf() ? false : `${VMLINUX_BTF_PATH} is missing` }, () => {
  const dump = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF_PATH], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const idOf = (kind: string, name: string): number => Number(new RegExp(`^\\[(\\d+)\\] ${kind} '${name}'`, 'm').exec(dump)?.[1] ?? 0);
  const queries = [
    { name: 'btf_trace_sched_switch', kind: BtfKind.TYPEDEF, bpftoolKind: 'TYPEDEF' },
    { name: 'bpf_iter_task', kind: BtfKind.FUNC, bpftoolKind: 'FUNC' },
    { name: 'bpf_fentry_test1', kind: BtfKind.FUNC, bpftoolKind: 'FUNC' },
    { name: 'task_struct', kind: BtfKind.STRUCT, bpftoolKind: 'STRUCT' },
  ];
  const ids = findBtfTypeIds(vmlinuxBtf()!, queries);
  queries.forEach((query, i) => {
    assert.ok(ids[i]! > 0, `${query.name} found`);
    assert.equal(ids[i], idOf(query.bpftoolKind, query.name), query.name);
  });
});
