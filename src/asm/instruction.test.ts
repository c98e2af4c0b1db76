/**
 * Encoding and decoding: encode(decode(x)) === x for every instruction form in both byte orders and for
 * every corpus object's code; decode(encode(i)) === i; malformed streams raise InstructionError with the
 * byte offset, never an untyped exception.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseElf, SectionFlag } from '../elf/index.js';
import { ParseError } from '../errors.js';
import { corpus } from '../test-support/corpus.js';
import { classifyInstruction, targetSlot } from './classify.js';
import { decodeInstructions } from './decode.js';
import { encodeInstructions } from './encode.js';
import { everyForm } from './forms.test-support.js';
import { constant64, loadImm64, loadMapFd, slotIndexes, type Instruction } from './instruction.js';
import { InstructionError } from './instruction-error.js';
import { helperNamesFromEnum, builtinHelperName } from './helpers.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function assertInstructionError(bytes: Uint8Array, offset: number, pattern: RegExp): void {
  assert.throws(() => decodeInstructions(bytes), (error: unknown) => {
    assert.ok(error instanceof InstructionError, `not an InstructionError: ${String(error)}`);
    assert.ok(error instanceof ParseError);
    assert.equal(error.offset, offset);
    assert.equal(error.slot, Math.floor(offset / 8));
    assert.match(error.message, pattern);
    return true;
  });
}

describe('instruction encoding', () => {
  it('round-trips every instruction form, little- and big-endian', () => {
    const forms = everyForm();
    assert.ok(forms.length > 150, `${forms.length} forms`);
    for (const byteOrder of ['little', 'big'] as const) {
      for (const form of forms) {
        const bytes = encodeInstructions([form.insn], byteOrder);
        const decoded = decodeInstructions(bytes, { byteOrder });
        assert.equal(decoded.length, 1, form.name);
        assert.deepEqual(decoded[0], form.insn, form.name);
        assert.notEqual(classifyInstruction(decoded[0]!), undefined, form.name);
        assert.deepEqual(encodeInstructions(decoded, byteOrder), bytes, form.name);
      }
      const all = encodeInstructions(forms.map((form) => form.insn), byteOrder);
      assert.deepEqual(encodeInstructions(decodeInstructions(all, { byteOrder }), byteOrder), all);
    }
  });

  it('classifies each form as its name says', () => {
    const expected: Record<string, string> = {
      'signed DIV reg': 'signedDivide', 'movsx64 32': 'moveSignExtend', 'addr_space_cast': 'addressSpaceCast', bswap16: 'byteSwap',
      le16: 'endian', 'ldx memsx B': 'loadSignExtend', gotol: 'jumpLong', may_goto: 'mayGoto', 'load_acquire B': 'loadAcquire',
      'store_release DW': 'storeRelease', 'xchg W': 'atomicExchange', 'cmpxchg DW': 'atomicCompareExchange', 'call kfunc': 'callKernelFunction',
      'call function': 'callFunction', 'ld_abs H': 'loadAbsolute', 'ld_ind W': 'loadIndirect', 'st DW': 'storeImm', nospec: 'speculationBarrier',
    };
    const forms = new Map(everyForm().map((form) => [form.name, form.insn]));
    for (const [name, kind] of Object.entries(expected)) assert.equal(classifyInstruction(forms.get(name)!), kind, name);
  });

  it('round-trips the code of every corpus object (cpu v1-v3, both byte orders)', (t) => {
    const built = corpus();
    if (typeof built === 'string') return t.skip(built);
    let sections = 0;
    for (const name of built.bpfObjects) {
      const elf = parseElf(new Uint8Array(readFileSync(built.path(name))));
      const byteOrder = elf.littleEndian ? 'little' : 'big';
      for (const section of elf.sections) {
        if ((section.flags & SectionFlag.ExecInstr) === 0 || section.size === 0) continue;
        assert.deepEqual(encodeInstructions(decodeInstructions(section.data, { byteOrder }), byteOrder), section.data, `${name} ${section.name}`);
        sections++;
      }
    }
    assert.ok(sections > 10);
  });

  it('keeps ld_imm64 one logical instruction while offsets count slots', () => {
    const bytes = hex(`
      18 01 00 00 f0 de bc 9a   00 00 00 00 78 56 34 12
      05 00 01 00 00 00 00 00
      b7 00 00 00 00 00 00 00
      95 00 00 00 00 00 00 00`);
    const program = decodeInstructions(bytes);
    assert.equal(program.length, 4);
    assert.equal(constant64(program[0]!), 0x123456789abcdef0n);
    assert.deepEqual(slotIndexes(program), [0, 2, 3, 4, 5]);
    assert.equal(targetSlot(program[1]!, 2), 4, 'goto +1 from slot 2 lands on exit at slot 4');
    // The foundation's raw pairs encode to the same bytes as the logical form.
    assert.deepEqual(encodeInstructions([...loadImm64(1, 0x123456789abcdef0n)]), bytes.subarray(0, 16));
    const [first] = decodeInstructions(encodeInstructions(loadMapFd(2, 7)));
    assert.deepEqual(first, { opcode: 0x18, dst: 2, src: 1, offset: 0, imm: 7, nextImm: 0 });
  });

  it('raises InstructionError with the byte offset for malformed streams', () => {
    assertInstructionError(hex('b7 00 00 00 00 00 00 00  95 00 00'), 8, /3 trailing bytes/);
    assertInstructionError(hex('b7 00 00 00 00 00 00 00  18 01 00 00 01 00 00 00'), 8, /ld_imm64 needs a second slot/);
    assertInstructionError(hex('18 01 00 00 01 00 00 00  95 00 00 00 00 00 00 00'), 8, /second slot of ld_imm64 must be zero/);
    assertInstructionError(hex('b7 00 00 00 00 00 00 00  b7 00 00 00 00 00 00 00  ff 00 00 00 00 00 00 00'), 16, /unknown opcode 0xff/);
    assertInstructionError(hex('db 21 00 00 02 00 00 00'), 0, /unknown atomic operation 0x2/);
    assertInstructionError(hex('85 30 00 00 01 00 00 00'), 0, /unknown call source 3/);
    assertInstructionError(hex('e5 10 00 00 00 00 00 00'), 0, /unknown jump condition 1/);
    for (const opcode of [0x8f, 0xdf, 0x96, 0x0e, 0x38, 0x99, 0x20 | 0x01, 0xf5]) {
      assertInstructionError(Uint8Array.of(opcode, 0, 0, 0, 0, 0, 0, 0), 0, /unknown/);
    }
    // Lenient decoding keeps unknown opcodes for printers, but never a truncated ld_imm64.
    assert.equal(decodeInstructions(hex('ff 00 00 00 00 00 00 00'), { strict: false })[0]!.opcode, 0xff);
    assertInstructionError(hex('18 00 00 00 00 00 00 00'), 0, /second slot/);
  });

  it('never throws anything but InstructionError on random bytes', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from({ length: random() % 64 }, random);
      try {
        const decoded: Instruction[] = decodeInstructions(bytes);
        assert.deepEqual(encodeInstructions(decoded), bytes);
      } catch (error) {
        assert.ok(error instanceof InstructionError, String(error));
      }
    }
  });
});

describe('helper names', () => {
  it('reads enum bpf_func_id and falls back to the built-in table', () => {
    const lookup = helperNamesFromEnum({ values: [
      { name: 'BPF_FUNC_unspec', value: 0 }, { name: 'BPF_FUNC_map_lookup_elem', value: 1 }, { name: 'BPF_FUNC_future_thing', value: 9999 },
      { name: '__BPF_FUNC_MAX_ID', value: 10000 },
    ] });
    assert.equal(lookup(1), 'map_lookup_elem');
    assert.equal(lookup(9999), 'future_thing');
    assert.equal(lookup(10000), undefined);
    assert.equal(lookup(5), builtinHelperName(5));
    assert.equal(builtinHelperName(5), 'ktime_get_ns');
    assert.equal(builtinHelperName(-1), undefined);
  });
});
