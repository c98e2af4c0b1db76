/**
 * Where the generator's inputs and output live: the running kernel's BTF and release, and the repo's
 * `src/sys/abi-generated.ts` (found from this file, which runs compiled from dist/ or any other outDir).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Btf } from '../btf/btf.js';
import { readKernelBtfFile } from '../sys/kernel-btf-file.js';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';
const OSRELEASE = '/proc/sys/kernel/osrelease';
const GENERATED = join('src', 'sys', 'abi-generated.ts');

/** The running kernel's release, as `uname -r` prints it. */
export function kernelRelease(): string {
  return readFileSync(OSRELEASE, 'utf8').trim();
}

export function vmlinuxBtf(): Btf {
  return Btf.parse(readKernelBtfFile(VMLINUX_BTF));
}

/**
 * The generated file's path: the first directory above this module holding the TypeScript sources
 * (the repo root; a compiled outDir has only .js, so it is passed over).
 */
export function generatedPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'sys', 'abi.ts'))) return join(dir, GENERATED);
    if (dirname(dir) === dir) throw new Error(`no tsbpf source tree above ${fileURLToPath(import.meta.url)}`);
  }
}

/** The release a generated file records, or undefined when it records none. */
export function recordedRelease(text: string): string | undefined {
  return /^export const ABI_KERNEL_RELEASE = "([^"]*)";$/m.exec(text)?.[1];
}
