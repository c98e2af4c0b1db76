/**
 * ProgramFdinfoReader against the kernel's own fdinfo text: programs opened one after another at the
 * same fd number read through one kept file must give what a fresh read of /proc/self/fdinfo gives,
 * a file whose fd number now holds another program must not answer for the old one, and disposing
 * closes every file it opened.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ProgramBuilder, R0 } from '../asm/builder.js';
import { Program } from '../programs/program.js';
import { ProgramType } from '../programs/program-types.js';
import { bpf, closeRawFd } from '../sys/index.js';
import { openFdCount } from '../test-support/kernel.js';
import { ProgramFdinfoReader } from './program-fdinfo.js';

const skip = process.getuid?.() !== 0 ? 'loading programs needs root' : false;

function fdinfoMemlock(fd: number): string | undefined {
  return /^memlock:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))?.[1];
}

test('memlock through a kept fdinfo file equals a fresh read, program after program at one fd number', { skip }, () => {
  // programs of different lengths, so their memlock can differ
  const small = new ProgramBuilder().mov(R0, 0).exit().assemble();
  const builder = new ProgramBuilder();
  for (let i = 0; i < 600; i++) builder.mov(R0, i);
  const large = builder.exit().assemble();
  const programs = [small, large, small].map((code, i) => Program.load({ type: ProgramType.SocketFilter, instructions: code.instructions, name: `fdinfo_${i}` }));
  const fds = openFdCount();
  try {
    const numbers = new Set<number>();
    {
      using reader = new ProgramFdinfoReader();
      for (let round = 0; round < 2; round++) {
        for (const program of programs) {
          const fd = bpf.getFdById('PROG', program.id);
          try {
            numbers.add(fd);
            const expected = fdinfoMemlock(fd);
            assert.ok(expected !== undefined, 'this kernel prints memlock');
            assert.equal(reader.memlock(fd, program.id), expected, `program ${program.id}`);
            // the same fd number asked about as another program: the reader re-opens and still reads the truth
            assert.equal(reader.memlock(fd, program.id + 1_000_000), expected);
          } finally {
            closeRawFd(fd);
          }
        }
      }
    }
    assert.ok(numbers.size <= 2, `the walk reused fd numbers (${[...numbers].join(', ')})`);
    assert.equal(openFdCount(), fds, 'every fdinfo file is closed on dispose');
  } finally {
    for (const program of programs) program.close();
  }
});

test('an fd that is not open gives undefined, not an exception', () => {
  using reader = new ProgramFdinfoReader();
  assert.equal(reader.memlock(1 << 20, 1), undefined);
});
