import { ParseError } from '../errors.js';

/**
 * A malformed instruction stream (a partial slot, an unknown opcode, a truncated ld_imm64). `offset` is
 * the byte offset of the offending slot, `slot` its index (offset / 8), so a hex dump or an
 * `llvm-objdump` line number finds it.
 */
export class InstructionError extends ParseError {
  readonly slot: number;
  constructor(offset: number, problem: string) {
    super('BPF instructions', offset, `${problem} (slot ${Math.floor(offset / 8)})`, 'the bytes are not a valid BPF program: check the section or dump they came from');
    this.slot = Math.floor(offset / 8);
  }
}
