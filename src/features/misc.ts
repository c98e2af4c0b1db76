/**
 * The misc section: verifier features probed by loading small socket filters that only a kernel with
 * the feature accepts (the same programs bpftool loads, so the answers agree).
 */
import { abi } from '../sys/index.js';
import { AluOp, exit, InstructionClass, JumpOp, mov64Imm, Register, Source, type Instruction } from '../asm/index.js';
import { probeLoad, setProbeInstructions } from './probe-load.js';

/** The program size limit before 5.3 (BPF_MAXINSNS); one more instruction needs the large limit. */
const BPF_MAXINSNS = 4096;

export interface MiscFeature {
  /** bpftool's JSON key. */
  key: string;
  /** bpftool's text wording ("<description> is available"). */
  description: string;
  supported: boolean;
}

const sub64Imm = (dst: Register, imm: number): Instruction => ({ opcode: InstructionClass.ALU64 | AluOp.SUB | Source.K, dst, src: 0, offset: 0, imm });
const jumpImm = (cls: number, op: number, dst: Register, imm: number, offset: number): Instruction => ({ opcode: cls | op | Source.K, dst, src: 0, offset, imm });

const PROBES: { key: string; description: string; program: () => Instruction[] }[] = [
  {
    // 4096 moves and an exit: more than the old limit (kernel 5.3 raised it).
    key: 'have_large_insn_limit', description: 'Large program size limit',
    program: () => [...Array.from({ length: BPF_MAXINSNS }, () => mov64Imm(Register.R0, 1)), exit()],
  },
  {
    // A loop counting r0 down from 10: needs the verifier's bounded-loop support (5.3).
    key: 'have_bounded_loops', description: 'Bounded loop support',
    program: () => [mov64Imm(Register.R0, 10), sub64Imm(Register.R0, 1), jumpImm(InstructionClass.JMP, JumpOp.JNE, Register.R0, 0, -2), exit()],
  },
  {
    // BPF_JLT: one of the jumps ISA v2 added (4.14).
    key: 'have_v2_isa_extension', description: 'ISA extension v2',
    program: () => [mov64Imm(Register.R0, 0), jumpImm(InstructionClass.JMP, JumpOp.JLT, Register.R0, 0, 1), mov64Imm(Register.R0, 1), exit()],
  },
  {
    // The same jump in the JMP32 class: ISA v3 (5.1).
    key: 'have_v3_isa_extension', description: 'ISA extension v3',
    program: () => [mov64Imm(Register.R0, 0), jumpImm(InstructionClass.JMP32, JumpOp.JLT, Register.R0, 0, 1), mov64Imm(Register.R0, 1), exit()],
  },
];

let results: MiscFeature[] | undefined;

export function probeMiscFeatures(): MiscFeature[] {
  results ??= PROBES.map(({ key, description, program }) => ({
    key,
    description,
    supported: probeLoad(abi.ProgramTypeId.SOCKET_FILTER, setProbeInstructions(program())).loaded,
  }));
  return results;
}
