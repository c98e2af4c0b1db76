/**
 * Test fixtures for USDT: the target executable (corpus/usdt-target.sh: <sys/sdt.h> probes) and the
 * BPF object using libbpf's usdt.bpf.h (corpus/loader/usdt_args.bpf.c). Each comes from the corpus
 * build when it made it, else is built here into a temporary directory; when that cannot be done the
 * fixture is a string saying why, for `t.skip(reason)`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseElf } from '../elf/index.js';
import { readFileSync } from 'node:fs';
import { corpus, repoRoot } from '../test-support/corpus.js';

export interface UsdtFixtures {
  /** The target executable's absolute path. */
  target: string;
  /** The BPF object's absolute path. */
  object: string;
  /** libbpf's bpf_program__attach_usdt as a command (corpus/usdt-target.libbpf.c), or why it is missing. */
  libbpfAttach: string | { missing: string };
}

let cached: UsdtFixtures | string | undefined;
let scratch: string | undefined;

export function usdtFixtures(): UsdtFixtures | string {
  if (cached !== undefined) return cached;
  const built = corpus();
  if (typeof built === 'string') return (cached = built);
  let target = built.path('usdt-target');
  if (!existsSync(target)) {
    const result = spawnSync('bash', [join(repoRoot(), 'corpus', 'usdt-target.sh'), scratchDirectory()], { encoding: 'utf8' });
    if (result.status === 2) return (cached = result.stderr.trim());
    if (result.status !== 0) throw new Error(`corpus/usdt-target.sh failed: ${result.stderr}`);
    target = join(scratchDirectory(), 'usdt-target');
  }
  let object = built.path('loader/usdt_args.bpf.o');
  if (!hasSection(object, 'usdt')) {
    // the corpus build compiled it without the multiarch include directory <linux/errno.h> needs
    const multiarch = execFileSync('clang', ['-print-multiarch'], { encoding: 'utf8' }).trim() || 'x86_64-linux-gnu';
    object = join(scratchDirectory(), 'usdt_args.bpf.o');
    execFileSync('clang', ['-g', '-O2', '-Wall', '-Werror', '-c', `-I${join(built.directory, 'include')}`, `-I/usr/include/${multiarch}`,
      '-D__TARGET_ARCH_x86', '-target', 'bpfel', '-mcpu=v3', join(repoRoot(), 'corpus', 'loader', 'usdt_args.bpf.c'), '-o', object]);
    if (!hasSection(object, 'usdt')) return (cached = '<asm/errno.h>, which <bpf/usdt.bpf.h> needs, is not installed');
  }
  const libbpfAttach = join(dirname(target), 'usdt-libbpf-attach');
  return (cached = { target, object, libbpfAttach: existsSync(libbpfAttach) ? libbpfAttach : { missing: 'libbpf-dev is not installed, so corpus/usdt-target.sh built no libbpf oracle' } });
}

function hasSection(path: string, name: string): boolean {
  return existsSync(path) && parseElf(new Uint8Array(readFileSync(path))).sections.some((section) => section.name === name);
}

function scratchDirectory(): string {
  if (scratch === undefined) {
    const directory = mkdtempSync(join(tmpdir(), 'tsbpf-usdt-'));
    scratch = directory;
    process.on('exit', () => rmSync(directory, { recursive: true, force: true }));
  }
  return scratch;
}
