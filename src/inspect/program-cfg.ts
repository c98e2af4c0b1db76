/**
 * `bpftool prog dump xlated PROG visual`: the program's control-flow graph in DOT, as bpftool 7.1
 * draws it. The facts that make the text identical:
 * - functions start at instruction 0 and at every bpf-to-bpf call target; they are drawn in address
 *   order but numbered in the order the calls found them (`cluster_N`, `func_N ()`);
 * - a basic block starts at a function's start, at every jump target and after every conditional
 *   jump (a call or exit ends none); blocks are numbered from 2 in address order, ENTRY is 0 and EXIT 1;
 * - every block has an edge to the next block (EXIT after the last) unless it ends with a `goto`, and
 *   a block ending with any other jump, or with a call right before a block start, also has an edge
 *   to its target; all edges look the same;
 * - instruction numbers restart at each function; each instruction's text goes through a 64-byte
 *   buffer (so at most 63 characters survive, newline included), `\n` becomes `\l\` and a newline,
 *   and `< > | &` get a backslash.
 */
import { decodeInstructions } from '../asm/decode.js';
import { bpftoolCallNames, formatXlatedInstruction } from '../asm/disasm-xlated.js';
import type { ProgramRecords } from './program-records.js';
import type { KernelSymbols } from './program-symbols.js';

const JMP = 0x05;
const JMP32 = 0x06;
const OP_JA = 0x00;
const OP_CALL = 0x80;
const OP_EXIT = 0x90;
const PSEUDO_CALL = 1;
const ENTRY = 0;
const EXIT = 1;
/** bpftool formats each instruction into a char[64]. */
const PRINT_BUFFER = 64;

interface Slot {
  code: number;
  src: number;
  offset: number;
}

interface Block {
  head: number;
  tail: number;
  index: number;
}

interface CfgFunction {
  start: number;
  end: number;
  /** Discovery order, the number bpftool prints. */
  index: number;
}

const isJump = (code: number) => (code & 0x07) === JMP || (code & 0x07) === JMP32;

/** The DOT text bpftool 7.1 prints for the program's xlated instructions (newline-terminated). */
export function xlatedDot(records: ProgramRecords, symbols: KernelSymbols): string {
  const bytes = records.instructions;
  const count = Math.floor(bytes.length / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slots: Slot[] = [];
  for (let i = 0; i < count; i++) slots.push({ code: bytes[i * 8]!, src: bytes[i * 8 + 1]! >> 4, offset: view.getInt16(i * 8 + 2, true) });
  // the graph's printer knows kernel symbols but not the program's own (its jited_ksyms): `call pc+N`
  const callName = bpftoolCallNames({ ...symbols, jitedKsyms: [] });
  const texts = new Map<number, string>();
  let slot = 0;
  for (const insn of decodeInstructions(bytes.subarray(0, count * 8), { strict: false })) {
    texts.set(slot, formatXlatedInstruction(insn, { callName }));
    slot += insn.nextImm !== undefined ? 2 : 1;
  }

  let out = 'digraph "DOT graph for eBPF program" {\n';
  for (const fn of partitionFunctions(slots)) {
    out += `subgraph "cluster_${fn.index}" {\n\tstyle="dashed";\n\tcolor="black";\n\tlabel="func_${fn.index} ()";\n`;
    const blocks = partitionBlocks(slots, fn);
    const node = (index: number, label: string) => `\tfn_${fn.index}_bb_${index} [shape=${index === ENTRY || index === EXIT ? 'Mdiamond' : 'record'},style=filled,label="${label}"];\n\n`;
    out += node(ENTRY, 'ENTRY');
    for (const block of blocks) out += node(block.index, blockLabel(block, fn, texts));
    out += node(EXIT, 'EXIT');
    const edge = (from: number, to: number) => `\tfn_${fn.index}_bb_${from}:s -> fn_${fn.index}_bb_${to}:n [style="solid,bold", color=black, weight=10, constraint=true];\n`;
    if (blocks.length > 0) out += edge(ENTRY, blocks[0]!.index);
    blocks.forEach((block, i) => {
      const next = blocks[i + 1]?.index ?? EXIT;
      const last = slots[block.tail]!;
      const op = last.code & 0xf0;
      if (!isJump(last.code) || op === OP_EXIT) {
        out += edge(block.index, next);
        return;
      }
      const target = blocks.find((b) => b.head === block.tail + last.offset + 1);
      if (op === OP_JA) {
        if (target) out += edge(block.index, target.index);
        return;
      }
      out += edge(block.index, next);
      // (a call's "target" is the next block only for a helper call just before a block start)
      if (target) out += edge(block.index, target.index);
    });
    out += `\tfn_${fn.index}_bb_${ENTRY}:s -> fn_${fn.index}_bb_${EXIT}:n [style="invis", constraint=true];\n`;
    out += '}\n';
  }
  return `${out}}\n`;
}

function partitionFunctions(slots: readonly Slot[]): CfgFunction[] {
  const found: { start: number; index: number }[] = [{ start: 0, index: 0 }];
  slots.forEach((insn, i) => {
    if (insn.code !== (JMP | OP_CALL) || insn.src !== PSEUDO_CALL) return;
    const start = i + insn.offset + 1;
    if (start < 0 || start >= slots.length || found.some((f) => f.start === start)) return;
    found.push({ start, index: found.length });
  });
  found.sort((a, b) => a.start - b.start);
  return found.map((f, i) => ({ start: f.start, index: f.index, end: (found[i + 1]?.start ?? slots.length) - 1 }));
}

function partitionBlocks(slots: readonly Slot[], fn: CfgFunction): Block[] {
  const heads = new Set<number>([fn.start]);
  for (let i = fn.start; i <= fn.end; i++) {
    const insn = slots[i]!;
    if (!isJump(insn.code)) continue;
    const op = insn.code & 0xf0;
    if (op === OP_EXIT || op === OP_CALL) continue;
    heads.add(i + insn.offset + 1);
    if (op !== OP_JA) heads.add(i + 1);
  }
  // a verified program jumps only inside the function; anything else is not drawn
  const sorted = [...heads].filter((head) => head >= fn.start && head <= fn.end).sort((a, b) => a - b);
  return sorted.map((head, i) => ({ head, tail: (sorted[i + 1] ?? fn.end + 1) - 1, index: i + 2 }));
}

function blockLabel(block: Block, fn: CfgFunction, texts: ReadonlyMap<number, string>): string {
  let label = '{';
  for (let slot = block.head; slot <= block.tail; slot++) {
    const text = texts.get(slot);
    if (text === undefined) continue; // the second half of an ld_imm64
    label += `${` ${slot - fn.start}`.padStart(4)}: ${escapeForGraph(`${text}\n`)}`;
    if (slot !== block.tail) label += ' | ';
  }
  return `${label}}`;
}

function escapeForGraph(line: string): string {
  let text = line;
  const encoded = new TextEncoder().encode(text);
  if (encoded.length > PRINT_BUFFER - 1) text = new TextDecoder().decode(encoded.subarray(0, PRINT_BUFFER - 1));
  return text.replace(/[\n<>|&]/g, (c) => (c === '\n' ? '\\l\\\n' : `\\${c}`));
}
