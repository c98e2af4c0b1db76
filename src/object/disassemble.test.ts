/**
 * obj disasm against its oracles: the llvm dialect is llvm-objdump 14's `-d --no-show-raw-insn` text for
 * every corpus object; --source lines are the corpus C lines line_info names; the bpftool dialect names
 * maps and global data by their symbols.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { corpus, hasTool, repoRoot, type Corpus } from '../test-support/corpus.js';
import { TsbpfError } from '../errors.js';
import { disassembleObject } from './disassemble.js';
import { readObjectParts } from './object-file.js';

const skip = hasTool('clang') && hasTool('llvm-objdump') ? false : 'clang and llvm-objdump are needed as oracles';

function built(): Corpus {
  const result = corpus();
  if (typeof result === 'string') throw new Error(result);
  return result;
}

function parts(name: string) {
  return readObjectParts(new Uint8Array(readFileSync(built().path(name))));
}

describe('obj disasm', { skip }, () => {
  it('prints exactly what llvm-objdump -d --no-show-raw-insn prints, for every corpus object', () => {
    for (const name of built().bpfObjects) {
      const path = built().path(name);
      const theirs = execFileSync('llvm-objdump', ['-d', '--no-show-raw-insn', path], { encoding: 'utf8' });
      const ours = disassembleObject(parts(name), { path });
      assert.equal(ours, theirs, name);
    }
  });

  it('restricts to one section and names the code sections when the section is unknown', () => {
    const path = built().path('programs.o');
    const theirs = execFileSync('llvm-objdump', ['-d', '--no-show-raw-insn', '--section=xdp', path], { encoding: 'utf8' });
    assert.equal(disassembleObject(parts('programs.o'), { path, section: 'xdp' }), theirs);
    assert.throws(() => disassembleObject(parts('programs.o'), { section: 'xpd' }), (error: unknown) => error instanceof TsbpfError
      && error.message === 'no code section named "xpd"' && error.hint.startsWith('the code sections are: .text, tracepoint/syscalls/sys_enter_openat, xdp, tc,'));
  });

  it('--source puts the C line line_info names before its instruction, text equal to the corpus file', () => {
    for (const name of ['maps.o', 'programs.o', 'core.o', 'maps.eb.o']) {
      const lines = disassembleObject(parts(name), { source: true }).split('\n');
      let checked = 0;
      for (let i = 0; i < lines.length; i++) {
        const place = /^; (.+):(\d+)$/.exec(lines[i]!);
        if (!place) continue;
        const file = join(repoRoot(), 'corpus', basename(place[1]!));
        const expected = readFileSync(file, 'utf8').split('\n')[Number(place[2]) - 1];
        assert.equal(lines[i + 1], `; ${expected}`, `${name}: ${lines[i]}`);
        assert.match(lines[i + 2] ?? '', /^ +\d+:\t/, 'an instruction follows the source line');
        checked++;
      }
      assert.ok(checked > 3, `${name}: only ${checked} source lines`);
      // without the source lines, it is llvm-objdump's text again
      assert.equal(lines.filter((line) => !line.startsWith('; ')).join('\n'), disassembleObject(parts(name)));
    }
  });

  it('bpftool dialect: xlated lines per function, maps and data by name, source lines as bpftool linum prints them', () => {
    const text = disassembleObject(parts('maps.o'), { dialect: 'bpftool', source: true });
    const lines = text.split('\n');
    assert.equal(lines[0], 'count_openat: (section tracepoint/syscalls/sys_enter_openat)');
    assert.ok(lines.includes('   0: (85) call bpf_get_current_pid_tgid#14'), text);
    for (const expected of ['(18) r1 = map[per_cpu_counts]', '(18) r1 = map[ring]', '(18) r1 = map[events_by_pid]', '(18) r1 = map[.rodata][0]+0']) {
      assert.ok(lines.some((line) => line.endsWith(expected)), `${expected} in\n${text}`);
    }
    assert.ok(lines.includes('; count = bpf_map_lookup_elem(&per_cpu_counts, &key); [file:' + parts('maps.o').btfExt!.lineInfo[0]!.records[0]!.fileName + ' line_num:66 line_col:11]'), text);
    // programs.o: one listing per function, subprograms of .text included
    const programs = disassembleObject(parts('programs.o'), { dialect: 'bpftool' });
    for (const fn of ['global_helper', 'add_one', 'twice', 'on_openat', 'on_xdp', 'on_socket']) assert.match(programs, new RegExp(`^${fn}: \\(section `, 'm'));
    // a call to a global function is named by its relocation, a static one stays pc-relative
    assert.match(programs, /^on_tc: \(section tc\)\n(?:.*\n)*? {3}4: \(85\) call pc-1#global_helper$/m);
    assert.match(programs, /^ {3}5: \(85\) call pc\+2$/m);
  });
});
