/**
 * `bpftool prog dump xlated` for a live program: the kernel's rewritten instructions in bpftool's dialect
 * (src/asm), with what the program's BTF adds: a function's signature before its first instruction
 * (func_info), the C source line before the instructions it produced (line_info), and with `linum` the
 * file, line and column. Line records are matched as libbpf's bpf_prog_linfo__lfind does: walking the
 * records in order, an instruction gets the last record at or before it that no earlier instruction took.
 */
import { bpftoolCallNames, disassembleXlated, formatXlatedInstruction } from '../asm/disasm-xlated.js';
import { decodeInstructions } from '../asm/decode.js';
import { LOAD_IMM64_OPCODE } from '../asm/opcodes.js';
import { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/types.js';
import type { FuncInfoRecord, LineInfoRecord, ProgramRecords } from './program-records.js';
import type { KernelSymbols } from './program-symbols.js';

/** A FUNC or FUNC_PROTO as bpftool's btf_dumper_type_only spells it (`int prog(void * ctx)`), '' when it can't. */
export function functionSignature(btf: Btf, typeId: number): string {
  const LIMIT = 1024; // bpftool's buffer: longer signatures print nothing
  const parts: string[] = [];
  let length = 0;
  const put = (text: string) => {
    length += text.length;
    if (length >= LIMIT) throw new SignatureTooLong();
    parts.push(text);
  };
  const func = (protoId: number, name: string | undefined) => {
    const proto = btf.type(protoId);
    if (proto.kind !== BtfKind.FuncProto) throw new SignatureTooLong();
    type(proto.returnType);
    put(name !== undefined ? `${name}(` : '(');
    proto.parameters.forEach((parameter, i) => {
      if (i > 0) put(', ');
      if (parameter.type !== 0) {
        type(parameter.type);
        put(parameter.name);
      } else {
        put('...');
      }
    });
    put(')');
  };
  const type = (id: number): void => {
    if (id === 0) return put('void ');
    const t = btf.type(id);
    switch (t.kind) {
      case BtfKind.Int: case BtfKind.Typedef: return put(`${t.name} `);
      case BtfKind.Struct: return put(`struct ${t.name} `);
      case BtfKind.Union: return put(`union ${t.name} `);
      case BtfKind.Enum: case BtfKind.Enum64: return put(`enum ${t.name} `);
      case BtfKind.Array: type(t.elementType); return put(`[${t.count}]`);
      case BtfKind.Pointer: type(t.target); return put('* ');
      case BtfKind.Fwd: return put(`${t.union ? 'union' : 'struct'} ${t.name} `);
      case BtfKind.Volatile: put('volatile '); return type(t.target);
      case BtfKind.Const: put('const '); return type(t.target);
      case BtfKind.Restrict: put('restrict '); return type(t.target);
      case BtfKind.FuncProto: return func(id, undefined);
      case BtfKind.Func: return func(t.proto, t.name);
      default: throw new SignatureTooLong();
    }
  };
  try {
    type(typeId);
    return parts.join('');
  } catch (error) {
    if (error instanceof SignatureTooLong) return '';
    return ''; // a malformed type id: bpftool prints no signature either
  }
}

class SignatureTooLong extends Error {}

/** C's isspace, for bpftool's ltrim of source lines. */
const leadingSpace = /^[ \t\n\v\f\r]+/;

/** Whether libbpf's bpf_prog_linfo__new accepts the records (its JIT consistency check included). */
export function lineInfoUsable(records: ProgramRecords): boolean {
  const lines = records.lineInfo;
  if (lines.length === 0) return false;
  const functions = records.jitedKsyms.length;
  const jited = records.jitedLineInfo;
  if (functions === 0 || jited.length !== lines.length || records.jitedFunctionLengths.length !== functions) return true;
  // dissect_jited_func: each subprogram's address starts a run of increasing line addresses
  if (records.jitedKsyms[0] !== jited[0]) return false;
  let f = 1;
  for (let i = 1; i < lines.length && f < functions; i++) {
    const last = jited[i - 1]!;
    if (records.jitedKsyms[f] === jited[i]) {
      if (last - records.jitedKsyms[f - 1]! + 1n > BigInt(records.jitedFunctionLengths[f - 1]!)) return false;
      f++;
    } else if (jited[i]! <= last) {
      return false;
    }
  }
  return f === functions;
}

/** bpf_prog_linfo__lfind. */
function findLine(lines: readonly LineInfoRecord[], insn: number, skip: number): LineInfoRecord | undefined {
  if (skip >= lines.length || insn < lines[skip]!.insnOffset) return undefined;
  let i = skip;
  while (i < lines.length && insn >= lines[i]!.insnOffset) i++;
  return lines[i - 1];
}

export interface XlatedDumpOptions {
  opcodes?: boolean;
  linum?: boolean;
}

/** One instruction in bpftool's JSON form. */
export interface XlatedJsonInstruction {
  proto?: string;
  src?: string;
  file?: string;
  line_num?: number;
  line_col?: number;
  disasm: string;
  opcodes?: { code: string; src_reg: string; dst_reg: string; off: string[]; imm: string[] };
}

interface Annotations {
  /** Per logical instruction slot: the signature and/or source record bpftool prints before it. */
  proto: Map<number, string>;
  line: Map<number, LineInfoRecord>;
}

function annotate(records: ProgramRecords, btf: Btf | undefined): Annotations {
  const proto = new Map<number, string>();
  const line = new Map<number, LineInfoRecord>();
  const insns = records.instructions;
  const count = Math.floor(insns.length / 8);
  const lines = btf && lineInfoUsable(records) ? records.lineInfo : [];
  const funcs: readonly FuncInfoRecord[] = btf ? records.funcInfo : [];
  let nextFunc = 0;
  let skip = 0;
  for (let i = 0; i < count; i++) {
    if (btf && nextFunc < funcs.length && funcs[nextFunc]!.insnOffset === i) {
      const signature = functionSignature(btf, funcs[nextFunc]!.typeId);
      if (signature !== '') proto.set(i, signature);
      nextFunc++;
    }
    const record = findLine(lines, i, skip);
    if (record) {
      line.set(i, record);
      skip++;
    }
    if (insns[i * 8] === LOAD_IMM64_OPCODE) i++; // the second slot is skipped whole
  }
  return { proto, line };
}

function btfString(btf: Btf, offset: number): string | undefined {
  try {
    return btf.string(offset);
  } catch {
    return undefined;
  }
}

function sourceLine(btf: Btf, record: LineInfoRecord, linum: boolean): string | undefined {
  const text = btfString(btf, record.lineOffset);
  if (text === undefined) return undefined;
  const trimmed = text.replace(leadingSpace, '');
  if (!linum) return `; ${trimmed}`;
  const file = btfString(btf, record.fileNameOffset) ?? '';
  return `; ${trimmed} [file:${file} line_num:${record.lineColumn >>> 10} line_col:${record.lineColumn & 0x3ff}]`;
}

/** The lines of `bpftool prog dump xlated` (no trailing newlines). */
export function xlatedText(records: ProgramRecords, btf: Btf | undefined, symbols: KernelSymbols, options: XlatedDumpOptions = {}): string[] {
  const { proto, line } = annotate(records, btf);
  const callName = bpftoolCallNames({ ...symbols, jitedKsyms: records.jitedKsyms });
  return disassembleXlated(records.instructions, {
    callName,
    opcodes: Boolean(options.opcodes),
    linesBefore: (slot) => {
      const before: string[] = [];
      const signature = proto.get(slot);
      if (signature !== undefined) before.push(`${signature}:`);
      const record = line.get(slot);
      const source = record && btf ? sourceLine(btf, record, Boolean(options.linum)) : undefined;
      if (source !== undefined) before.push(source);
      return before;
    },
  });
}

const hexByte = (byte: number) => `0x${byte.toString(16).padStart(2, '0')}`;

/** `bpftool -j prog dump xlated`: one object per logical instruction. */
export function xlatedJson(records: ProgramRecords, btf: Btf | undefined, symbols: KernelSymbols, options: XlatedDumpOptions = {}): XlatedJsonInstruction[] {
  const { proto, line } = annotate(records, btf);
  const callName = bpftoolCallNames({ ...symbols, jitedKsyms: records.jitedKsyms });
  const bytes = records.instructions;
  const instructions = decodeInstructions(bytes, { strict: false });
  const out: XlatedJsonInstruction[] = [];
  let slot = 0;
  for (const insn of instructions) {
    const entry: Partial<XlatedJsonInstruction> = {};
    const signature = proto.get(slot);
    if (signature !== undefined) entry.proto = signature;
    const record = line.get(slot);
    if (record && btf) {
      const text = btfString(btf, record.lineOffset);
      if (text !== undefined) entry.src = text.replace(leadingSpace, '');
      if (options.linum) {
        const file = btfString(btf, record.fileNameOffset);
        if (file !== undefined) entry.file = file;
        if (record.lineColumn >>> 10) entry.line_num = record.lineColumn >>> 10;
        if (record.lineColumn & 0x3ff) entry.line_col = record.lineColumn & 0x3ff;
      }
    }
    entry.disasm = formatXlatedInstruction(insn, { callName });
    const wide = insn.nextImm !== undefined;
    if (options.opcodes) {
      const at = slot * 8;
      entry.opcodes = {
        code: hexByte(bytes[at]!),
        src_reg: `0x${(bytes[at + 1]! >> 4).toString(16)}`,
        dst_reg: `0x${(bytes[at + 1]! & 0xf).toString(16)}`,
        off: [...bytes.subarray(at + 2, at + 4)].map(hexByte),
        imm: [...bytes.subarray(at + 4, at + (wide ? 16 : 8))].map(hexByte),
      };
    }
    out.push(entry as XlatedJsonInstruction);
    slot += wide ? 2 : 1;
  }
  return out;
}
