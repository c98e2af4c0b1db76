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
