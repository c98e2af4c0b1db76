/** Compiles a BPF C snippet with clang for the object tests (clang -g -O2 -target bpf, as corpus/build.sh does). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let scratch: string | undefined;
let counter = 0;

function multiarch(): string {
  try {
    return execFileSync('clang', ['-print-multiarch'], { encoding: 'utf8' }).trim() || `${process.arch === 'x64' ? 'x86_64' : process.arch}-linux-gnu`;
  } catch {
    return 'x86_64-linux-gnu';
  }
}

/** The object's bytes; its path too, for oracles. `target` bpfel (default) or bpfeb. */
export function compileBpf(source: string, target = 'bpfel'): { bytes: Uint8Array; path: string } {
  scratch ??= mkdtempSync(join(tmpdir(), 'tsbpf-object-'));
  const name = `snippet${counter++}`;
  const c = join(scratch, `${name}.c`);
  const path = join(scratch, `${name}.o`);
  writeFileSync(c, `#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n${source}`);
  execFileSync('clang', ['-g', '-O2', '-target', target, '-mcpu=v3', `-I/usr/include/${multiarch()}`, '-c', c, '-o', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { bytes: new Uint8Array(readFileSync(path)), path };
}
