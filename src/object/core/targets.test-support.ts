/**
 * Test helper: the target BTFs the CO-RE tests relocate against (this kernel's vmlinux, Debian 6.1's
 * vmlinux and module BTF from scripts/fetch-kernel-btf.sh), each with a reason when it is missing,
 * and a merge of a module's split BTF into one blob with its base, which libbpf can take as
 * btf_custom_path: split ids continue after the base's and split string offsets after the base's
 * table, so concatenating the two type sections and the two string tables changes no id and no offset.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Btf } from '../../btf/btf.js';
import { readKernelBtfFile, VMLINUX_BTF_PATH } from '../../sys/kernel-btf-file.js';
import type { CoreTarget } from './candidates.js';

export const FIXTURES = join(process.env.TSBPF_FIXTURES ?? '/var/cache/tsbpf-fixtures', 'kernel-btf');
export const VMLINUX_61_PATH = join(FIXTURES, 'vmlinux.btf');

let scratch: string | undefined;
/** A temporary directory for this test process, removed when it exits. */
export function scratchDirectory(): string {
  if (scratch) return scratch;
  const directory = (scratch = mkdtempSync(join(tmpdir(), 'tsbpf-core-')));
  process.on('exit', () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

let host: CoreTarget | string | undefined;
/** This kernel's vmlinux BTF, or why there is none. */
export function hostTarget(): CoreTarget | string {
  if (host !== undefined) return host;
  if (!existsSync(VMLINUX_BTF_PATH)) return (host = `${VMLINUX_BTF_PATH} is missing (kernel built without CONFIG_DEBUG_INFO_BTF)`);
  return (host = { name: 'vmlinux', btf: Btf.parse(readKernelBtfFile()) });
}

/**
 * This kernel's targets as libbpf sees them without btf_custom_path: vmlinux, then every loaded
 * module's split BTF on it (none on the host; btrfs in the qemu guests, where core_module.bpf.o's
 * types resolve in the module), or why there is no vmlinux BTF.
 */
export function hostTargets(): CoreTarget[] | string {
  const vmlinux = hostTarget();
  if (typeof vmlinux === 'string') return vmlinux;
  const directory = dirname(VMLINUX_BTF_PATH);
  const modules = readdirSync(directory).filter((name) => name !== 'vmlinux').sort();
  return [vmlinux, ...modules.map((name) => ({ name, btf: Btf.parse(readKernelBtfFile(join(directory, name)), { base: vmlinux.btf }) }))];
}

let v61: CoreTarget | string | undefined;
/** Debian 6.1's vmlinux BTF, or why it is missing. */
export function vmlinux61Target(): CoreTarget | string {
  if (v61 !== undefined) return v61;
  if (!existsSync(VMLINUX_61_PATH)) return (v61 = `${VMLINUX_61_PATH} is missing: run scripts/fetch-kernel-btf.sh`);
  return (v61 = { name: 'vmlinux-6.1', btf: Btf.parse(new Uint8Array(readFileSync(VMLINUX_61_PATH))) });
}

/** Module `name`'s split BTF on Debian 6.1's vmlinux, or why it is missing. */
export function module61Target(name: string): CoreTarget | string {
  const base = vmlinux61Target();
  if (typeof base === 'string') return base;
  const path = join(FIXTURES, 'modules', `${name}.btf`);
  if (!existsSync(path)) return `${path} is missing: run scripts/fetch-kernel-btf.sh`;
  return { name, btf: Btf.parse(new Uint8Array(readFileSync(path)), { base: base.btf }) };
}

/** Writes base + split as one raw BTF blob (little-endian) and returns its path. */
export function writeMergedBtf(base: Btf, split: Btf, name: string): string {
  const section = (btf: Btf, which: 'type' | 'string') => {
    const header = btf.header;
    const start = header.headerLength + (which === 'type' ? header.typeOffset : header.stringOffset);
    return btf.bytes.subarray(start, start + (which === 'type' ? header.typeLength : header.stringLength));
  };
  const parts = [section(base, 'type'), section(split, 'type'), section(base, 'string'), section(split, 'string')];
  const typeLength = parts[0]!.length + parts[1]!.length;
  const stringLength = parts[2]!.length + parts[3]!.length;
  const blob = new Uint8Array(24 + typeLength + stringLength);
  const view = new DataView(blob.buffer);
  view.setUint16(0, 0xeb9f, true);
  blob[2] = 1;
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, typeLength, true);
  view.setUint32(16, typeLength, true);
  view.setUint32(20, stringLength, true);
  let at = 24;
  for (const part of parts) {
    blob.set(part, at);
    at += part.length;
  }
  const path = join(scratchDirectory(), `${name}.merged.btf`);
  writeFileSync(path, blob);
  return path;
}

/** Compiles BPF C (with vmlinux-free headers) to an object in the scratch directory; returns its path. */
export function compileTestObject(name: string, source: string): string {
  const directory = scratchDirectory();
  const c = join(directory, `${name}.c`);
  const object = join(directory, `${name}.o`);
  writeFileSync(c, `#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_core_read.h>\n${source}`);
  let multiarch = 'x86_64-linux-gnu';
  try {
    multiarch = execFileSync('clang', ['-print-multiarch'], { encoding: 'utf8' }).trim() || multiarch;
  } catch { /* the default */ }
  execFileSync('clang', ['-g', '-O2', '-target', 'bpfel', '-mcpu=v3', `-I/usr/include/${multiarch}`, '-c', c, '-o', object], { stdio: ['ignore', 'ignore', 'pipe'] });
  return object;
}
