/**
 * Test fixtures for USDT: the target executable (corpus/usdt-target.sh: <sys/sdt.h> probes) and the
 * BPF objects using libbpf's usdt.bpf.h (corpus/loader/usdt_args.bpf.c, usdt_nocookie.bpf.c). Each
 * comes from the corpus build when it made it, else is built here into a temporary directory; when
 * that cannot be done the fixture is a string saying why, for `t.skip(reason)`. `startUsdtTarget`
 * runs the target a line at a time.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseElf } from '../elf/index.js';
import { VerifierError } from '../errors.js';
import { loadObject, type BpfObject } from '../loader/index.js';
import { corpus, repoRoot } from '../test-support/corpus.js';

export interface UsdtFixtures {
  /** The target executable's absolute path. */
  target: string;
  /** The BPF object's absolute path. */
  object: string;
  /** libbpf's bpf_program__attach_usdt as a command (corpus/usdt-target.libbpf.c), or why it is missing. */
  libbpfAttach: string | { missing: string };
  /** corpus/loader/usdt_nocookie.bpf.c's object (LINUX_HAS_BPF_COOKIE from CONFIG_TSBPF_TEST_BPF_COOKIE), or why it is unusable. */
  noCookieObject: string | { missing: string };
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
  const noCookie = built.path('loader/usdt_nocookie.bpf.o');
  return (cached = {
    target, object,
    libbpfAttach: existsSync(libbpfAttach) ? libbpfAttach : { missing: 'libbpf-dev is not installed, so corpus/usdt-target.sh built no libbpf oracle' },
    noCookieObject: hasSection(noCookie, 'usdt') ? noCookie : { missing: 'corpus/loader/usdt_nocookie.bpf.c was built without <asm/errno.h>, which <bpf/usdt.bpf.h> needs' },
  });
}

/** Why tsbpf's loader cannot load the USDT object at `path` here (a verifier refusal of usdt.bpf.h's helpers), or false. */
export async function usdtLoadSkipReason(path: string): Promise<string | false> {
  try {
    (await loadObject(path)).close();
  } catch (error) {
    if (error instanceof VerifierError && /Validating bpf_usdt_\w+\(\) func/.test(error.log)) {
      return 'tsbpf\'s loader verifies usdt.bpf.h\'s __hidden helpers as global functions (libbpf marks hidden functions static in the BTF it loads)';
    }
    throw error;
  }
  return false;
}

/** corpus/usdt-target driven a line at a time: each line fires every probe once and is answered `sem=N`, N the semaphore's value the target saw. */
export class UsdtTarget implements Disposable {
  readonly process: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];

  constructor(path: string) {
    this.process = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let pending = '';
    this.process.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      this.#lines.push(...lines);
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  async line(): Promise<string> {
    // emulated guests (TSBPF_GUEST) start and answer far slower
    const deadline = Date.now() + 5000 * (process.env.TSBPF_GUEST ? 6 : 1);
    while (this.#lines.length === 0) {
      if (Date.now() > deadline) throw new Error('the USDT target did not answer in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.#lines.shift()!;
  }

  /** Fires every probe once (the first argument of tsbpf:args is -3 * the letter's code); resolves to the semaphore's value. */
  async step(letter = 'a'): Promise<number> {
    this.process.stdin.write(`${letter}\n`);
    const answer = await this.line();
    const match = /^sem=(\d+)$/.exec(answer);
    assert.ok(match, `the target answered '${answer}'`);
    return Number(match[1]);
  }

  /** Kills the target and waits until its pipes are closed (they are fds of this process until then). */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const closed = new Promise((resolve) => this.process.once('close', resolve));
    this.process.kill('SIGKILL');
    await closed;
  }

  [Symbol.dispose](): void {
    this.process.kill('SIGKILL');
  }
}

/** Starts the target and waits for its `ready`. */
export async function startUsdtTarget(path: string): Promise<UsdtTarget> {
  const target = new UsdtTarget(path);
  assert.equal(await target.line(), 'ready');
  return target;
}

/** Every (address, spec id) in the object's __bpf_usdt_ip_to_spec_id, by address. */
export function usdtAddressEntries(object: BpfObject): [bigint, number][] {
  const map = object.maps.__bpf_usdt_ip_to_spec_id!;
  return [...map.keys()].map((key) => [Buffer.from(key).readBigInt64LE(0), Buffer.from(map.lookup(key)!).readUInt32LE(0)] as [bigint, number]).sort((a, b) => Number(a[0] - b[0]));
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

/**
 * Another attachment's entry for `address` in the object's __bpf_usdt_ip_to_spec_id: attaching a site
 * there is refused ("already traced"). Returns what removes the entry again.
 */
export function occupyUsdtAddress(object: BpfObject, address: bigint, specId = 9): () => void {
  const key = Buffer.alloc(8);
  key.writeBigInt64LE(address);
  const map = object.maps.__bpf_usdt_ip_to_spec_id!;
  map.update(key, new Uint8Array([specId, 0, 0, 0]));
  return () => { map.delete(key); };
}
