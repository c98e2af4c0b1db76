/** bpftool's map argument grammar, without a kernel: C numbers, byte lists, selectors, key/value/flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapArgumentError, parseBpftoolBytes, parseCUnsigned, parseElementArguments, parseMapSelector } from './map-args.js';

test('words are C strtoul numbers: decimal, 0x hex, leading-0 octal, sign, taken modulo 256 as bytes', () => {
  assert.equal(parseCUnsigned('10', 0), 10n);
  assert.equal(parseCUnsigned('0x1f', 0), 31n);
  assert.equal(parseCUnsigned('010', 0), 8n);
  assert.equal(parseCUnsigned('-1', 0), 0xffff_ffff_ffff_ffffn);
  assert.equal(parseCUnsigned('ff', 16), 255n);
  assert.equal(parseCUnsigned('0xff', 16), 255n);
  assert.equal(parseCUnsigned('', 0), 0n, 'strtoul of nothing is 0 with nothing left over');
  assert.equal(parseCUnsigned('08', 0), undefined, '8 is not an octal digit');
  assert.equal(parseCUnsigned('1x', 0), undefined);
  assert.deepEqual(parseBpftoolBytes(['0x01', '2', '010', '-1', '256'], 5).bytes, Uint8Array.of(1, 2, 8, 255, 0));
  assert.deepEqual(parseBpftoolBytes(['hex', '0a', 'ff', '10'], 3).bytes, Uint8Array.of(10, 255, 16));
  assert.deepEqual(parseBpftoolBytes(['h', '0a'], 1).bytes, Uint8Array.of(10), 'any prefix of hex is hex, as bpftool is_prefix');
  assert.deepEqual(parseBpftoolBytes(['1', '2', 'value', '3'], 2).rest, ['value', '3']);
});

test('malformed bytes name the word or the count, as bpftool does', () => {
  assert.throws(() => parseBpftoolBytes(['1', 'x'], 2), (e: unknown) => e instanceof MapArgumentError && e.message === 'error parsing byte: x');
  assert.throws(() => parseBpftoolBytes(['1', '0'], 4), (e: unknown) => e instanceof MapArgumentError && e.message === 'key expected 4 bytes got 2');
  // bpftool takes exactly N words: a keyword inside the bytes is a byte that does not parse
  assert.throws(() => parseBpftoolBytes(['1', 'value', '0', '0'], 4, 'key'), /error parsing byte: value/);
});

test('selectors: id, pinned, name by prefix; bad ids and long names are refused', () => {
  assert.deepEqual(parseMapSelector(['id', '7', 'key', '1']), { selector: { kind: 'id', id: 7 }, rest: ['key', '1'] });
  assert.deepEqual(parseMapSelector(['pin', '/sys/fs/bpf/x']).selector, { kind: 'pinned', path: '/sys/fs/bpf/x' });
  assert.deepEqual(parseMapSelector(['name', 'flows']).selector, { kind: 'name', name: 'flows' });
  for (const words of [['id', 'x'], ['id', '0'], ['id', '-3'], ['frob', '1'], ['id'], [], ['name', 'a_name_longer_than_15']]) {
    assert.throws(() => parseMapSelector(words), MapArgumentError, words.join(' '));
  }
});

test('key, value and flags in any order, each once; per command only what it takes', () => {
  const shape = { keySize: 4, valueSize: 2, valueKind: 'bytes' as const };
  const all = { key: true, value: true, flags: true };
  assert.deepEqual(parseElementArguments(['noexist', 'value', '1', '2', 'key', 'hex', '0a', '0', '0', '0'], shape, all), {
    flags: 1, value: Uint8Array.of(1, 2), key: Uint8Array.of(10, 0, 0, 0),
  });
  assert.equal(parseElementArguments(['k', '1', '0', '0', '0', 'v', '1', '2', 'e'], shape, all).flags, 2);
  const refusals: [string[], RegExp][] = [
    [['key', '1', '0', '0', '0', 'key', '1', '0', '0', '0', 'value', '1', '2'], /duplicate key/],
    [['key', '1', '0', '0', '0', 'any', 'exist', 'value', '1', '2'], /flags specified multiple times/],
    [['key', '1', '0', '0', '0'], /did not find value/],
    [['value', '1', '2'], /did not find key/],
    [['key', '1', '0', '0', '0', 'value', '1', '2', 'frob'], /expected key or value, got: frob/],
  ];
  for (const [words, message] of refusals) assert.throws(() => parseElementArguments(words, shape, all), message, words.join(' '));
  const keyOnly = { key: true, value: false, flags: false };
  assert.throws(() => parseElementArguments(['key', '1', '0', '0', '0', 'value', '1', '2'], shape, keyOnly), /unnecessary value/);
  assert.deepEqual(parseElementArguments([], { ...shape, keySize: 0 }, keyOnly), {}, 'a keyless map takes no key');
});

test('prog arrays and maps of maps take an object as the value, 4-byte values only', () => {
  const programs = { keySize: 4, valueSize: 4, valueKind: 'program' as const };
  assert.deepEqual(parseElementArguments(['key', '0', '0', '0', '0', 'value', 'id', '12'], programs, { key: true, value: true, flags: true }).valueObject, {
    kind: 'program', selector: { kind: 'id', id: 12 },
  });
  assert.deepEqual(parseElementArguments(['key', '0', '0', '0', '0', 'value', 'pinned', '/sys/fs/bpf/m'], { ...programs, valueKind: 'map' }, { key: true, value: true, flags: true }).valueObject, {
    kind: 'map', selector: { kind: 'pinned', path: '/sys/fs/bpf/m' },
  });
  assert.throws(() => parseElementArguments(['key', '0', '0', '0', '0', 'value', 'id'], programs, { key: true, value: true, flags: true }), /not enough value arguments/);
});
