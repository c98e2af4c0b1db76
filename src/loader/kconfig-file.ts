/**
 * The running kernel's config and version, read where libbpf 1.1 reads them (libbpf.c:
 * bpf_object__read_kconfig_file, get_kernel_version):
 *
 * - the config is /boot/config-$(uname -r), else /proc/config.gz, either gzipped or plain (zlib's
 *   gzopen reads both); libbpf tries /boot first, so a stale /boot file wins over /proc;
 * - LINUX_VERSION_CODE comes from Ubuntu's /proc/version_signature ("Ubuntu 5.4.0-12.15-generic 5.4.8":
 *   the third field is the real upstream version) when it is there, else from `uname -r`, whose first
 *   three numbers must be there (libbpf gives 0 otherwise, and then refuses LINUX_KERNEL_VERSION); the
 *   patch level is capped at 255 as KERNEL_VERSION() caps it. libbpf 1.1 has no Debian rule: Debian's
 *   "6.1.0-13-amd64" is 6.1.0 to it, and so to us.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { ExternError } from '../object/externs-error.js';
import { parseKernelConfig } from '../object/kconfig.js';

/** Neither config file could be read: CONFIG_* externs can't be resolved. */
export class KernelConfigMissingError extends ExternError {
  readonly tried: readonly string[];
  constructor(tried: readonly string[], reasons: readonly string[]) {
    super('', `no kernel config: ${tried.map((path, i) => `${path} (${reasons[i]})`).join(', ')}`,
      'boot a kernel built with CONFIG_IKCONFIG_PROC, install its config in /boot, or pass the CONFIG_ values yourself');
    this.tried = tried;
  }
}

/** Where libbpf looks for the kernel config, in its order. */
export function kernelConfigPaths(kernelRelease = release()): string[] {
  return [`/boot/config-${kernelRelease}`, '/proc/config.gz'];
}

/** CONFIG_* name → raw value of the running kernel's config (first line per name). */
export function readKernelConfig(): Map<string, string> {
  const tried = kernelConfigPaths();
  const reasons: string[] = [];
  for (const path of tried) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      reasons.push((error as NodeJS.ErrnoException).code ?? 'unreadable');
      continue;
    }
    const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    return parseKernelConfig((gzipped ? gunzipSync(bytes) : bytes).toString('utf8'));
  }
  throw new KernelConfigMissingError(tried, reasons);
}

/** LINUX_VERSION_CODE of the running kernel by libbpf's rules; 0 when the release has no x.y.z. */
export function linuxKernelVersion(): number {
  let signature: string | undefined;
  try {
    signature = readFileSync('/proc/version_signature', 'latin1');
  } catch {
    signature = undefined;
  }
  return kernelVersionFrom(release(), signature);
}

/** The rule itself, on a `uname -r` string and /proc/version_signature's text (undefined: no such file). */
export function kernelVersionFrom(unameRelease: string, versionSignature?: string): number {
  if (versionSignature !== undefined) {
    // fscanf "%*s %*s %d.%d.%d"; anything else falls back to uname
    const match = /^\s*\S+\s+\S+\s+([+-]?\d+)\.([+-]?\d+)\.([+-]?\d+)/.exec(versionSignature);
    if (match) return versionCode(Number(match[1]), Number(match[2]), Number(match[3]));
  }
  const match = /^\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)/.exec(unameRelease);
  return match ? versionCode(Number(match[1]), Number(match[2]), Number(match[3])) : 0;
}

/** KERNEL_VERSION(a, b, c) as a u32: the patch level saturates at 255. */
function versionCode(major: number, minor: number, patch: number): number {
  return (((major << 16) + (minor << 8) + (patch > 255 ? 255 : patch)) >>> 0);
}
