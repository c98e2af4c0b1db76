/**
 * `tsbpf obj show|disasm` as a subprocess: text and JSON, and the error policy (one line, exit 1, no
 * stack), through the real CLI entry point.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpus, hasTool, type Corpus } from '../test-support/corpus.js';
import { objShowText } from './obj-output.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const skip = hasTool('clang') && hasTool('llvm-objdump') && hasTool('readelf') ? false : 'clang, llvm-objdump and readelf are needed';

function tsbpf(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function built(): Corpus {
  const result = corpus();
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('tsbpf obj', { skip }, () => {
  it('show: a summary line, every section by its readelf number, then the programs and maps', () => {
    const path = built().path('maps.o');
    const result = tsbpf('obj', 'show', path);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], `${path}: ELF64 relocatable object (REL), Linux BPF, little endian, 1 program, 5 maps, license "GPL", BTF with 61 types`);
    const readelf = execFileSync('readelf', ['-S', '-W', path], { encoding: 'utf8' });
    const numbered = [...readelf.matchAll(/^\s*\[\s*(\d+)\] (\S*)/gm)].map((m) => `  [${m[1]!.padStart(2)}] ${m[2]}`.trimEnd());
    assert.deepEqual(lines.filter((line) => /^ {2}\[[ \d]\d\]/.test(line)).map((line) => line.trimEnd()), numbered);
    assert.match(result.stdout, /^ {2}\[ 3\] tracepoint\/syscalls\/sys_enter_openat\n {7}PROGBITS, 536 bytes at offset 0x40, flags AX: BPF program code, SEC\("tracepoint\/syscalls\/sys_enter_openat"\): program type tracepoint, attach target syscalls\/sys_enter_openat; 67 instructions$/m);
    assert.match(result.stdout, /^ {9}variable target_pid: const volatile unsigned int, 4 bytes at offset 0$/m);
    assert.match(result.stdout, /^ {2}events_by_pid +hash +4 \(unsigned int\) +32 \(struct event\) +1024 +0x0$/m);
    assert.match(result.stdout, /^ {2}outer +array_of_maps +4 \(int\) +4 +2 +0x0 +values are maps like array 4\/4\/1; initially \[0\] = inner$/m);
    assert.match(result.stdout, /^ {2}count_openat +\[3\] tracepoint\/syscalls\/sys_enter_openat +tracepoint +- +syscalls\/sys_enter_openat +67$/m);
  });

  it('show -j and -p carry the same data as the library summary', () => {
    const path = built().path('programs.o');
    const compact = tsbpf('-j', 'obj', 'show', path);
    assert.equal(compact.status, 0, compact.stderr);
    assert.equal(compact.stdout.trimEnd().split('\n').length, 1);
    const pretty = tsbpf('-p', 'obj', 'show', path);
    assert.deepEqual(JSON.parse(pretty.stdout), JSON.parse(compact.stdout));
    assert.deepEqual(JSON.parse(compact.stdout), JSON.parse(objShowText(new Uint8Array(readFileSync(path)), path, { json: true })));
    const document = JSON.parse(compact.stdout) as { programs: { name: string }[]; sections: { index: number }[] };
    assert.equal(document.programs.length, 7);
    assert.equal(document.sections.length, 39);
  });

  it('disasm: llvm-objdump\'s text by default, --section, --source, the bpftool dialect', () => {
    const path = built().path('programs.o');
    assert.equal(tsbpf('obj', 'disasm', path).stdout, execFileSync('llvm-objdump', ['-d', '--no-show-raw-insn', path], { encoding: 'utf8' }));
    const one = tsbpf('obj', 'disasm', path, '--section', 'xdp', '--source');
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /^Disassembly of section xdp:$/m);
    assert.doesNotMatch(one.stdout, /Disassembly of section \.text/);
    assert.match(one.stdout, /^; .*programs\.bpf\.c:\d+$/m);
    const xlated = tsbpf('obj', 'disasm', path, '--dialect', 'bpftool');
    assert.match(xlated.stdout, /^on_xdp: \(section xdp\)\n {3}0: \(/m);
  });

  it('fails with one line and exit 1: a missing file, a non-ELF, a non-BPF ELF, a truncated object, an unknown section', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-obj-'));
    const truncated = join(scratch, 'truncated.o');
    writeFileSync(truncated, readFileSync(built().path('maps.o')).subarray(0, 3000));
    const text = join(scratch, 'notes.txt');
    writeFileSync(text, 'not an object\n');
    const cases: [string[], RegExp][] = [
      [['obj', 'show', join(scratch, 'missing.o')], /^tsbpf: obj show: cannot read .*missing\.o: ENOENT; /],
      [['obj', 'show', text], /^tsbpf: obj show: ELF: not an ELF file .* at byte offset 0 /],
      [['obj', 'show', '/bin/ls'], /^tsbpf: obj show: BPF object: e_machine is .*, not Linux BPF at byte offset 18 /],
      [['obj', 'show', truncated], /^tsbpf: obj show: ELF: .* at byte offset \d+ \(0x[0-9a-f]+\); /],
      [['obj', 'disasm', truncated], /^tsbpf: obj disasm: ELF: .* at byte offset \d+/],
      [['obj', 'disasm', built().path('programs.o'), '--section', 'nope'], /^tsbpf: obj disasm: no code section named "nope"; the code sections are: \.text, /],
    ];
    for (const [args, message] of cases) {
      const result = tsbpf(...args);
      assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.equal(tsbpf('obj', 'disasm', built().path('programs.o'), '--dialect', 'gnu').status, 2, 'a bad --dialect is a usage error');
  });
});
