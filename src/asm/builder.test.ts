/** ProgramBuilder: label resolution, long jumps, relocations, errors; its output disassembled both ways. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssemblyError } from './assembly-error.js';
import { ProgramBuilder, R0, R1, R2, R6 } from './builder.js';
import { decodeInstructions } from './decode.js';
import { disassembleLlvm } from './disasm-llvm.js';
import { disassembleXlated } from './disasm-xlated.js';
import { LoadSource } from './opcodes.js';

describe('ProgramBuilder', () => {
  it('resolves labels forward and backward, counting ld_imm64 as two slots', () => {
    const program = new ProgramBuilder()
      .mov(R0, 0)
      .label('loop')
      .ldImm64(R1, 1n << 40n)
      .add(R0, 1)
      .jlt(R0, 10, 'loop')
      .jeq(R1, R2, 'out')
      .ja('loop')
      .label('out')
      .exit()
      .assemble();
    assert.deepEqual([...program.labels], [['loop', 1], ['out', 7]]);
    assert.deepEqual(disassembleLlvm(program.bytes, { symbols: program.symbols }), [
      '       0:\tr0 = 0',
      '',
      '0000000000000008 <loop>:',
      '       1:\tr1 = 1099511627776 ll',
      '       3:\tr0 += 1',
      '       4:\tif r0 < 10 goto -4 <loop>',
      '       5:\tif r1 == r2 goto +1 <out>',
      '       6:\tgoto -6 <loop>',
      '',
      '0000000000000038 <out>:',
      '       7:\texit',
    ]);
    assert.deepEqual(decodeInstructions(program.bytes), program.instructions);
  });

  it('turns an out-of-range ja into gotol and refuses an out-of-range conditional jump', () => {
    const far = new ProgramBuilder().ja('end');
    for (let i = 0; i < 40000; i++) far.mov(R0, i);
    const program = far.label('end').exit().assemble();
    assert.deepEqual(program.instructions[0], { opcode: 0x06, dst: 0, src: 0, offset: 0, imm: 40000 });
    assert.equal(disassembleXlated(program.instructions.slice(0, 1))[0], '   0: (06) gotol pc+40000');

    const conditional = new ProgramBuilder().jeq(R0, 0, 'end');
    for (let i = 0; i < 40000; i++) conditional.mov(R0, i);
    conditional.label('end').exit();
    assert.throws(() => conditional.assemble(), (error: unknown) => error instanceof AssemblyError && /40000 slots away/.test(error.message));
  });

  it('reports unknown and duplicate labels and bad operands', () => {
    assert.throws(() => new ProgramBuilder().ja('nowhere').exit().assemble(), (error: unknown) => error instanceof AssemblyError && /'nowhere'/.test(error.message));
    assert.throws(() => new ProgramBuilder().label('a').label('a'), AssemblyError);
    assert.throws(() => new ProgramBuilder().call('no_such_helper'), AssemblyError);
    assert.throws(() => new ProgramBuilder().mov(R0, 2 ** 33), AssemblyError);
    assert.throws(() => new ProgramBuilder().load('DW', R0, R1, 40000), AssemblyError);
  });

  it('leaves map references as relocations and resolves calls and function references', () => {
    const program = new ProgramBuilder()
      .mov(R6, R1)
      .loadMap(R1, 'events')
      .loadMapValue(R2, '.data', 16)
      .call('bpf_map_lookup_elem')
      .callFunction('helper')
      .loadFunction(R2, 'helper')
      .callKernelFunction('bpf_rcu_read_lock')
      .exit()
      .label('helper')
      .mov(R0, 0)
      .exit()
      .assemble();
    assert.deepEqual(program.relocations, [
      { instructionIndex: 1, slot: 1, symbol: 'events', kind: 'map' },
      { instructionIndex: 2, slot: 3, symbol: '.data', kind: 'mapValue' },
      { instructionIndex: 6, slot: 9, symbol: 'bpf_rcu_read_lock', kind: 'kernelFunction' },
    ]);
    const [, map, value, helper, call, functionReference] = program.instructions;
    assert.equal(map!.src, LoadSource.MAP_FD);
    assert.deepEqual([value!.src, value!.nextImm], [LoadSource.MAP_VALUE, 16]);
    assert.equal(helper!.imm, 1);
    assert.equal(program.labels.get('helper'), 11);
    assert.equal(call!.imm, 11 - 6 - 1, 'call at slot 6 reaches slot 11');
    assert.equal(functionReference!.imm, 11 - 7 - 1, 'ld_imm64 at slot 7 refers to slot 11');
    assert.deepEqual(disassembleXlated(program.instructions).slice(3, 6), [
      '   5: (85) call bpf_map_lookup_elem#1',
      '   6: (85) call pc+4',
      '   7: (18) r2 = subprog[+3]',
    ]);
  });
});
