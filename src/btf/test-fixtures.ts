/** Paths and helpers the BTF tests share: this kernel's BTF and the Debian 6.1 split-BTF fixtures. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VMLINUX = '/sys/kernel/btf/vmlinux';
export const FIXTURES = join(process.env.TSBPF_FIXTURES ?? '/var/cache/tsbpf-fixtures', 'kernel-btf');
export const FIXTURE_VMLINUX = join(FIXTURES, 'vmlinux.btf');
export const FIXTURE_MODULES = join(FIXTURES, 'modules');

/** A skip reason when the fixtures are missing, else false (node:test's `skip` option). */
export function fixturesMissing(): string | false {
  return existsSync(join(FIXTURES, 'DONE')) ? false : `no split-BTF fixtures in ${FIXTURES}: run scripts/fetch-kernel-btf.sh`;
}

export function vmlinuxMissing(): string | false {
  return existsSync(VMLINUX) ? false : `${VMLINUX} is absent (kernel without BTF)`;
}

export function readBytes(path: string): Uint8Array {
  const buffer = readFileSync(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/**
 * A raw little-endian BTF blob from hand-written records, for malformed-BTF tests: `records` are the
 * type section's 32-bit words, type by type (ids from 1), and `strings` the string table as written
 * (its NULs included), so a test can aim a name offset anywhere, at an empty string too.
 */
export function rawBtfBlob(records: readonly (readonly number[])[], strings: string): Uint8Array {
  const words = records.flat();
  const table = new TextEncoder().encode(strings);
  const bytes = new Uint8Array(24 + words.length * 4 + table.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, true);
  bytes[2] = 1;
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, words.length * 4, true);
  view.setUint32(16, words.length * 4, true);
  view.setUint32(20, table.length, true);
  words.forEach((word, i) => view.setUint32(24 + i * 4, word >>> 0, true));
  bytes.set(table, 24 + words.length * 4);
  return bytes;
}

/** The record words rawBtfBlob takes, by kind (name offsets into the test's string table). */
export const record = {
  int: (name: number, size: number, bits = size * 8, encoding = 0): number[] => [name, 1 << 24, size, (encoding << 24) | bits],
  pointer: (target: number): number[] => [0, 2 << 24, target],
  array: (element: number, index: number, count: number): number[] => [0, 3 << 24, 0, element, index, count],
  /** Members as [name, type, bit offset] (no kind_flag). */
  struct: (name: number, size: number, members: readonly (readonly [number, number, number])[]): number[] =>
    [name, (4 << 24) | members.length, size, ...members.flat()],
  typedef: (name: number, target: number): number[] => [name, 8 << 24, target],
  const: (target: number): number[] => [0, 10 << 24, target],
  funcProto: (returned: number, parameters: readonly (readonly [number, number])[]): number[] =>
    [0, (13 << 24) | parameters.length, returned, ...parameters.flat()],
  fwd: (name: number, union = false): number[] => [name, ((union ? 1 : 0) << 31 | 7 << 24) >>> 0, 0],
  enum: (name: number, values: readonly (readonly [number, number])[]): number[] => [name, (6 << 24) | values.length, 4, ...values.flat()],
};
