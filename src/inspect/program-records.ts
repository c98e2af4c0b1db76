/**
 * The arrays a program's info struct points at, fetched in one second call the way bpftool's dump does
 * (prep_prog_info): the instructions (xlated or jited), one kernel address and one native length per
 * subprogram, BTF func_info and line_info records, and the JIT's per-line addresses. The record sizes
 * must be written back into the struct, or the kernel refuses the call, so this cannot reuse the
 * single-length helper of src/info.
 */
import { TsbpfError } from '../errors.js';
import { abi, bpf, NativeMemory } from '../sys/index.js';

const L = abi.ProgInfoLayout;
const FUNC_INFO_SIZE = 8;
const LINE_INFO_SIZE = 16;
const JITED_LINE_INFO_SIZE = 8;

export interface FuncInfoRecord {
  /** Instruction index (in the xlated program) where the function starts. */
  insnOffset: number;
  /** The FUNC type in the program's BTF. */
  typeId: number;
}

export interface LineInfoRecord {
  insnOffset: number;
  fileNameOffset: number;
  lineOffset: number;
  /** Line number in the high 22 bits, column in the low 10, as the kernel packs them. */
  lineColumn: number;
}

export interface ProgramRecords {
  /** The instructions asked for: xlated BPF bytes or native JIT bytes. */
  instructions: Uint8Array;
  /** Whether the kernel handed the instructions over (it zeroes the pointer when the caller may not see them). */
  instructionsWithheld: boolean;
  btfId: number;
  jitedKsyms: bigint[];
  jitedFunctionLengths: number[];
  funcInfo: FuncInfoRecord[];
  lineInfo: LineInfoRecord[];
  /** Native addresses of each line_info record's first instruction, empty unless JIT-compiled. */
  jitedLineInfo: bigint[];
}

interface Slice { pointer: number; count: number; recordSize?: number; recordSizeOffset?: number; countOffset: number; bytes: number }

/** One BPF_OBJ_GET_INFO_BY_FD call for `fd` with the instructions of `kind` and every record array. */
export function readProgramRecords(fd: number, kind: 'xlated' | 'jited'): ProgramRecords {
  const first = new NativeMemory(L.size);
  let counts: DataView;
  try {
    bpf.objGetInfoByFd(fd, first, L.size);
    counts = new DataView(first.bytes.slice(0, L.size).buffer);
  } finally {
    first.free();
  }
  const u32 = (offset: number) => counts.getUint32(offset, true);
  const lengthOffset = kind === 'xlated' ? L.xlated_prog_len : L.jited_prog_len;
  const slices: Slice[] = [
    { pointer: kind === 'xlated' ? L.xlated_prog_insns : L.jited_prog_insns, countOffset: lengthOffset, count: u32(lengthOffset), bytes: u32(lengthOffset) },
    { pointer: L.jited_ksyms, countOffset: L.nr_jited_ksyms, count: u32(L.nr_jited_ksyms), bytes: u32(L.nr_jited_ksyms) * 8 },
    { pointer: L.jited_func_lens, countOffset: L.nr_jited_func_lens, count: u32(L.nr_jited_func_lens), bytes: u32(L.nr_jited_func_lens) * 4 },
    { pointer: L.func_info, countOffset: L.nr_func_info, count: u32(L.nr_func_info), recordSize: FUNC_INFO_SIZE, recordSizeOffset: L.func_info_rec_size, bytes: u32(L.nr_func_info) * FUNC_INFO_SIZE },
    { pointer: L.line_info, countOffset: L.nr_line_info, count: u32(L.nr_line_info), recordSize: LINE_INFO_SIZE, recordSizeOffset: L.line_info_rec_size, bytes: u32(L.nr_line_info) * LINE_INFO_SIZE },
    { pointer: L.jited_line_info, countOffset: L.nr_jited_line_info, count: u32(L.nr_jited_line_info), recordSize: JITED_LINE_INFO_SIZE, recordSizeOffset: L.jited_line_info_rec_size, bytes: u32(L.nr_jited_line_info) * JITED_LINE_INFO_SIZE },
  ];
  const info = new NativeMemory(L.size);
  const buffers = slices.map((slice) => new NativeMemory(Math.max(slice.bytes, 8)));
  try {
    slices.forEach((slice, i) => {
      if (slice.count === 0) return;
      info.view.setUint32(slice.countOffset, slice.count, true);
      if (slice.recordSizeOffset !== undefined) info.view.setUint32(slice.recordSizeOffset, slice.recordSize!, true);
      info.view.setBigUint64(slice.pointer, BigInt(buffers[i]!.address), true);
    });
    bpf.objGetInfoByFd(fd, info, L.size);
    const view = new DataView(info.bytes.slice(0, L.size).buffer);
    // Counts can only have grown; read no more than we made room for.
    const got = (i: number) => Math.min(view.getUint32(slices[i]!.countOffset, true), slices[i]!.count);
    const copy = (i: number, bytes: number) => new DataView(buffers[i]!.bytes.slice(0, bytes).buffer);
    const withheld = slices[0]!.count > 0 && view.getBigUint64(slices[0]!.pointer, true) === 0n;
    const instructions = withheld ? new Uint8Array(0) : buffers[0]!.bytes.slice(0, got(0));
    const ksyms = copy(1, got(1) * 8);
    const lengths = copy(2, got(2) * 4);
    const funcs = copy(3, got(3) * FUNC_INFO_SIZE);
    const lines = copy(4, got(4) * LINE_INFO_SIZE);
    const jitedLines = copy(5, got(5) * JITED_LINE_INFO_SIZE);
    return {
      instructions,
      instructionsWithheld: withheld,
      btfId: view.getUint32(L.btf_id, true),
      jitedKsyms: Array.from({ length: got(1) }, (_, i) => ksyms.getBigUint64(i * 8, true)),
      jitedFunctionLengths: Array.from({ length: got(2) }, (_, i) => lengths.getUint32(i * 4, true)),
      funcInfo: Array.from({ length: got(3) }, (_, i) => ({ insnOffset: funcs.getUint32(i * 8, true), typeId: funcs.getUint32(i * 8 + 4, true) })),
      lineInfo: Array.from({ length: got(4) }, (_, i) => ({
        insnOffset: lines.getUint32(i * 16, true),
        fileNameOffset: lines.getUint32(i * 16 + 4, true),
        lineOffset: lines.getUint32(i * 16 + 8, true),
        lineColumn: lines.getUint32(i * 16 + 12, true),
      })),
      jitedLineInfo: Array.from({ length: got(5) }, (_, i) => jitedLines.getBigUint64(i * 8, true)),
    };
  } finally {
    info.free();
    for (const buffer of buffers) buffer.free();
  }
}

/** Raised when the kernel withholds a program's instructions. */
export class InstructionsWithheldError extends TsbpfError {}
