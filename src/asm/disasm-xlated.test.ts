/**
 * disassembleXlated against `bpftool prog dump xlated id N`, line for line, on programs written with
 * ProgramBuilder and loaded into this kernel: helper calls (named through /proc/kallsyms as bpftool does),
 * map pointers and map values (`map[id:N]`), bpf-to-bpf calls, atomics, ALU/JMP32, legacy packet loads.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getObjectInfo } from '../info/object-info.js';
import { programInfo, programInstructions } from '../info/index.js';
import { Program } from '../programs/program.js';
import { ProgramType } from '../programs/program-types.js';
import { abi, bpf, closeRawFd } from '../sys/index.js';
import { hasTool } from '../test-support/corpus.js';
import { AtomicOp } from './opcodes.js';
import { ProgramBuilder, R0, R1, R2, R3, R4, R6, R7, R10, type AssembledProgram } from './builder.js';
import { bpftoolCallNames, disassembleXlated, type KernelCallContext } from './disasm-xlated.js';
import { constant64, type Instruction } from './instruction.js';

const skip = process.getuid?.() !== 0 ? 'loading programs needs root' : !hasTool('bpftool') ? 'bpftool is the oracle' : false;

/** /proc/kallsyms as bpftool reads it: exact addresses to names, and __bpf_call_base. */
function kernelSymbols(): { callBase: bigint; symbolAt: (address: bigint) => string | undefined } {
  const byAddress = new Map<bigint, string>();
  let callBase = 0n;
  for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const [address, , name] = line.split(/\s+/);
    if (!address || !name) continue;
    const value = BigInt(`0x${address}`);
    if (name === '__bpf_call_base') callBase = value;
    if (value !== 0n && !byAddress.has(value)) byAddress.set(value, name);
  }
  return { callBase, symbolAt: (address) => byAddress.get(address) };
}

/** The program's jited_ksyms (one address per subprogram), read with BPF_OBJ_GET_INFO_BY_FD. */
function jitedKsyms(fd: number): bigint[] {
  const L = abi.ProgInfoLayout;
  const count = getObjectInfo(fd, L.size).view.getUint32(L.nr_jited_ksyms, true);
  if (count === 0) return [];
  const { arrays } = getObjectInfo(fd, L.size, [{ pointerOffset: L.jited_ksyms, lengthOffset: L.nr_jited_ksyms, length: count, bytes: count * 8 }]);
  const view = new DataView(arrays[0]!.buffer, arrays[0]!.byteOffset, arrays[0]!.byteLength);
  return Array.from({ length: count }, (_, i) => view.getBigUint64(i * 8, true));
}

/** Patches map relocations with fds, as the loader will. */
function link(program: AssembledProgram, maps: Record<string, number>): Instruction[] {
  const instructions = program.instructions.map((insn) => ({ ...insn }));
  for (const relocation of program.relocations) instructions[relocation.instructionIndex]!.imm = maps[relocation.symbol]!;
  return instructions;
}

/**
 * `newer` maps slots to the text the current kernel printer gives forms this machine's bpftool (7.1,
 * whose disasm.c predates cpu v4) prints as BUG_* or without the v4 modifier; those lines are checked
 * against it instead.
 */
function assertSameAsBpftool(type: ProgramType, program: AssembledProgram, maps: Record<string, number> = {}, newer: ReadonlyMap<number, string> = new Map()): string[] {
  using loaded = Program.load({ type, instructions: link(program, maps), name: 'asm_xlated' });
  const fd = loaded.fd.value;
  const bytes = programInstructions(fd, 'xlated');
  const context: KernelCallContext = { ...kernelSymbols(), jitedKsyms: jitedKsyms(fd) };
  const ours = disassembleXlated(bytes, { callName: bpftoolCallNames(context) });
  const theirs = execFileSync('bpftool', ['prog', 'dump', 'xlated', 'id', String(loaded.id)], { encoding: 'utf8' }).replace(/\n$/, '').split('\n');
  assert.equal(ours.length, theirs.length);
  ours.forEach((line, i) => {
    const slot = Number(/^\s*(\d+):/.exec(line)?.[1]);
    assert.equal(line, newer.has(slot) ? newer.get(slot) : theirs[i], `line ${i}: bpftool says ${theirs[i]}`);
  });
  // Map pointers carry the ids the kernel reports for the program.
  const ids = disassembleXlated(bytes).flatMap((line) => [...line.matchAll(/map\[id:(\d+)\]/g)].map((match) => Number(match[1])));
  for (const id of ids) assert.ok(programInfo(fd).mapIds.includes(id), `map id ${id}`);
  return ours;
}

function withMaps<T>(body: (maps: Record<string, number>) => T): T {
  const hash = bpf.mapCreate({ type: abi.MapTypeId.HASH, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0, name: 'asm_hash' });
  const array = bpf.mapCreate({ type: abi.MapTypeId.ARRAY, keySize: 4, valueSize: 32, maxEntries: 1, flags: 0, name: 'asm_array' });
  try {
    return body({ hash, array });
  } finally {
    closeRawFd(hash);
    closeRawFd(array);
  }
}

describe('bpftool xlated dialect', { skip }, () => {
  it('matches bpftool on helper calls, map lookups and atomics', () => {
    withMaps((maps) => {
      const p = new ProgramBuilder()
        .mov(R6, R1)
        .store('W', R10, -4, 0)
        .mov(R2, R10).add(R2, -4)
        .loadMap(R1, 'hash')
        .call('map_lookup_elem')
        .jeq(R0, 0, 'out')
        .mov(R1, 1)
        .atomic('ADD', 'DW', R0, 0, R1)
        .atomic('OR', 'DW', R0, 0, R1, true)
        .atomic('AND', 'W', R0, 8, R1)
        .atomic('XOR', 'W', R0, 12, R1, true)
        .xchg('DW', R0, 0, R1)
        .mov(R7, R0).mov(R0, 0)
        .cmpxchg('DW', R7, 0, R1)
        .call('ktime_get_ns')
        .call('get_prandom_u32')
        .label('out')
        .mov(R0, 0)
        .exit()
        .assemble();
      const lines = assertSameAsBpftool(ProgramType.SocketFilter, p, maps);
      assert.ok(lines.some((line) => line.includes('map[id:')), lines.join('\n'));
      assert.ok(lines.some((line) => line.includes('atomic64_fetch_or')), lines.join('\n'));
    });
  });

  it('matches bpftool on bpf-to-bpf calls, map values, ALU and JMP32', () => {
    withMaps((maps) => {
      const p = new ProgramBuilder()
        .loadMapValue(R6, 'array', 8)
        .load('DW', R1, R6, 0)
        .mov(R2, 7)
        .callFunction('mix')
        .store('DW', R6, 0, R0)
        .ldImm64(R3, 0x123456789abcdefn)
        .add(R0, R3)
        .mov(R0, 0)
        .exit()
        .label('mix')
        .mov(R0, R1)
        .mul(R0, R2).sub(R0, 3).xor(R0, R1).or(R0, 0x10).and(R0, 0xff).lsh(R0, 2).rsh(R0, 1).arsh(R0, 1).neg(R0)
        .div(R0, 3).mod(R0, 5)
        .alu32('ADD', R0, 1).alu32('MOV', R4, R0).alu32('LSH', R4, 3)
        .endian('be', 16, R4).endian('le', 32, R4)
        .jump32('JGT', R4, 10, 'big')
        .jump32('JSLE', R4, R0, 'big')
        .jset(R4, 2, 'big')
        .jsge(R0, R1, 'big')
        .ja('done')
        .label('big')
        .mov(R0, -1)
        .label('done')
        .exit()
        .assemble();
      const lines = assertSameAsBpftool(ProgramType.SocketFilter, p, maps);
      assert.ok(lines.some((line) => line.includes('call pc')), lines.join('\n'));
    });
  });

  it('matches bpftool on legacy packet loads', () => {
    const p = new ProgramBuilder()
      .mov(R6, R1)
      .loadAbsolute('H', 12)
      .jne(R0, 0x0800, 'drop')
      .loadAbsolute('B', 23)
      .mov(R7, 0).loadIndirect('W', R7, 26)
      .mov(R0, -1).exit()
      .label('drop').mov(R0, 0).exit()
      .assemble();
    assertSameAsBpftool(ProgramType.SocketFilter, p);
  });

  it('matches bpftool on cpu v4 programs, with the current kernel spelling where bpftool 7.1 lacks one', () => {
    const p = new ProgramBuilder()
      .mov(R0, 100).mov(R1, R0)
      .sdiv(R0, 3).smod(R0, 7)
      .movsx(8, R1, R0).movsx(16, R1, R0, false)
      .store('DW', R10, -8, -5)
      .loadSx('B', R2, R10, -8).loadSx('H', R3, R10, -8).loadSx('W', R4, R10, -8)
      .bswap(16, R0).bswap(64, R0)
      .exit()
      .assemble();
    const newer = new Map([
      [2, '   2: (37) r0 s/= 3'], [3, '   3: (97) r0 s%= 7'], [4, '   4: (bf) r1 = (s8)r0'], [5, '   5: (bc) w1 = (s16)w0'],
      [7, '   7: (91) r2 = *(s8 *)(r10 -8)'], [8, '   8: (89) r3 = *(s16 *)(r10 -8)'], [9, '   9: (81) r4 = *(s32 *)(r10 -8)'],
      [10, '  10: (d7) r0 = bswap16 r0'], [11, '  11: (d7) r0 = bswap64 r0'],
    ]);
    assertSameAsBpftool(ProgramType.SocketFilter, p, {}, newer);
  });

  it('names map values, function references and constants as bpftool does', () => {
    const value: Instruction = { opcode: 0x18, dst: 1, src: 2, offset: 0, imm: 5, nextImm: 8 };
    assert.equal(disassembleXlated([value])[0], '   0: (18) r1 = map[id:5][0]+8');
    assert.equal(disassembleXlated([{ ...value, src: 4, imm: -3, nextImm: 0 }])[0], '   0: (18) r1 = subprog[-3]');
    assert.equal(disassembleXlated([{ ...value, src: 0, imm: -1, nextImm: 0x12 }])[0], `   0: (18) r1 = 0x${constant64({ ...value, imm: -1, nextImm: 0x12 }).toString(16)}`);
    assert.equal(AtomicOp.FETCH, 1);
  });
});
