/**
 * The running kernel's BTF, parsed once per process: CO-RE candidates, typed ksyms, kfuncs and attach
 * targets are all looked up in it, and parsing vmlinux (lazily, names indexed on first lookup) is the
 * largest fixed cost of a load. A custom target (a kernel without /sys/kernel/btf) is cached by path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Btf } from '../btf/btf.js';
import { NotSupportedError } from '../errors.js';
import { KERNEL_BTF_DIRECTORY, readKernelBtfFile, VMLINUX_BTF_PATH } from '../sys/kernel-btf-file.js';

const cache = new Map<string, Btf>();

/** vmlinux BTF, or the BTF file at `path` (a custom CO-RE target). */
export function kernelBtf(path: string = VMLINUX_BTF_PATH): Btf {
  let btf = cache.get(path);
  if (!btf) {
    let bytes: Uint8Array;
    try {
      bytes = path === VMLINUX_BTF_PATH ? readKernelBtfFile(path) : new Uint8Array(readFileSync(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new NotSupportedError('kernel BTF', `${path} cannot be read${code ? ` (${code})` : ''}`,
        path === VMLINUX_BTF_PATH ? 'use a kernel built with CONFIG_DEBUG_INFO_BTF, or pass targetBtf: a BTF file for this kernel' : 'check the targetBtf path');
    }
    btf = Btf.parse(bytes);
    cache.set(path, btf);
  }
  return btf;
}

/** A kernel module's BTF (split on vmlinux), named as /sys/kernel/btf names it. */
export interface ModuleBtf {
  name: string;
  btf: Btf;
}

let modules: ModuleBtf[] | undefined;

/**
 * Every loaded module's BTF, parsed on top of vmlinux, read once per process (libbpf reads them per
 * object, and only when vmlinux has no candidate: the caller decides when to ask).
 */
export function kernelModuleBtfs(): ModuleBtf[] {
  if (modules) return modules;
  let names: string[] = [];
  try {
    names = readdirSync(KERNEL_BTF_DIRECTORY).filter((name) => name !== 'vmlinux').sort();
  } catch {
    names = [];
  }
  const base = kernelBtf();
  modules = names.flatMap((name): ModuleBtf[] => {
    try {
      return [{ name, btf: Btf.parse(readKernelBtfFile(join(KERNEL_BTF_DIRECTORY, name)), { base }) }];
    } catch {
      return []; // a module unloaded while we read, or BTF we cannot parse: not a candidate
    }
  });
  return modules;
}
