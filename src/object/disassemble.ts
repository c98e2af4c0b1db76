/**
 * `obj disasm`: the code sections of a BPF object in llvm-objdump's dialect (`llvm-objdump -d
 * --no-show-raw-insn`, identical for llvm-objdump 14 with compat 'llvm14') or bpftool's xlated one
 * (one listing per function), optionally with the C source lines .BTF.ext's line_info records
 * interleaved before the instruction each belongs to. Pure: no Node imports.
 */
import { CallSource, decodeInstructions, disassembleLlvm, disassembleXlated, type Instruction, type SectionSymbol } from '../asm/index.js';
import type { LineInfo } from '../btf/ext.js';
import { SectionType, SymbolType, type ElfFile, type ElfSection, type ElfRelocation } from '../elf/index.js';
import { TsbpfError } from '../errors.js';
import { isCodeSection, type ObjectParts } from './object-file.js';

export interface DisassemblyOptions {
  dialect?: 'llvm' | 'bpftool';
  /** Only this section (by name). */
  section?: string;
  /** Interleave source lines from line_info. */
  source?: boolean;
  /** The path printed in llvm-objdump's `PATH:\tfile format elf64-bpf` header. */
  path?: string;
  /** llvm-objdump 14's exact spelling (default) or newer LLVM's for forms 14 prints as <unknown>. */
  compat?: 'latest' | 'llvm14';
}

/** Code sections with bytes, as llvm-objdump lists them (it skips empty ones). */
export function codeSections(elf: ElfFile): ElfSection[] {
  return elf.sections.filter((section) => isCodeSection(section) && section.size > 0);
}

function selectSections(elf: ElfFile, name: string | undefined): ElfSection[] {
  const sections = codeSections(elf);
  if (name === undefined) return sections;
  const chosen = sections.filter((section) => section.name === name);
  if (chosen.length === 0) {
    throw new TsbpfError(`no code section named ${JSON.stringify(name)}`,
      `the code sections are: ${sections.map((section) => section.name).join(', ') || '(none)'}`);
  }
  return chosen;
}

/** line_info records of one section, by the instruction slot they start at. */
function lineInfoBySlot(parts: ObjectParts, section: ElfSection): Map<number, LineInfo> {
  const bySlot = new Map<number, LineInfo>();
  for (const group of parts.btfExt?.lineInfo ?? []) {
    if (group.section !== section.name) continue;
    for (const record of group.records) bySlot.set(record.instruction, record);
  }
  return bySlot;
}

/** llvm-objdump -l -S style: `; file:line` then `; text` (text as clang stored it). */
function llvmSourceLines(record: LineInfo): string[] {
  return [`; ${record.fileName}:${record.line}`, `; ${record.lineText}`];
}

/** bpftool's `linum` style: `; text [file:F line_num:N line_col:C]`, leading blanks trimmed; nothing for empty text. */
function bpftoolSourceLines(record: LineInfo): string[] {
  const text = record.lineText.replace(/^\s+/, '');
  if (text === '') return [];
  return [`; ${text} [file:${record.fileName} line_num:${record.line} line_col:${record.column}]`];
}

function labelSymbols(elf: ElfFile, section: ElfSection): SectionSymbol[] {
  return elf.symbolsInSection(section)
    .filter((symbol) => symbol.type !== SymbolType.Section && symbol.type !== SymbolType.File && symbol.name !== '')
    .map((symbol) => ({ offset: Number(symbol.value), name: symbol.name }));
}

function llvmSection(parts: ObjectParts, section: ElfSection, options: DisassemblyOptions): string[] {
  const { elf } = parts;
  const byteOrder = elf.littleEndian ? 'little' : 'big';
  const lines = disassembleLlvm(section.data, { symbols: labelSymbols(elf, section), compat: options.compat ?? 'llvm14', byteOrder });
  if (!options.source) return lines;
  const records = lineInfoBySlot(parts, section);
  const out: string[] = [];
  // like llvm-objdump -S: a source line once when it changes, never for line 0 (compiler-made code)
  let previous = '';
  for (const line of lines) {
    const slot = /^ *(\d+):\t/.exec(line);
    const record = slot ? records.get(Number(slot[1])) : undefined;
    if (record && record.line > 0 && `${record.fileName}:${record.line}` !== previous) {
      previous = `${record.fileName}:${record.line}`;
      out.push(...llvmSourceLines(record));
    }
    out.push(line);
  }
  return out;
}

/** The whole `llvm-objdump -d --no-show-raw-insn` text (with --source: plus line_info source lines). */
export function disassembleObjectLlvm(parts: ObjectParts, options: DisassemblyOptions = {}): string {
  const lines = ['', `${options.path ?? 'object'}:\tfile format elf64-bpf`];
  for (const section of selectSections(parts.elf, options.section)) {
    lines.push('', `Disassembly of section ${section.name}:`, ...llvmSection(parts, section, options));
  }
  return `${lines.join('\n')}\n`;
}

/** Names an ld_imm64's relocated constant as the loader will see it: a map by name, global data by section and offset. */
function relocatedConstant(elf: ElfFile, relocation: ElfRelocation, insn: Instruction): string {
  const symbol = relocation.symbol;
  if (!symbol) return '0x0';
  const home = elf.sections[symbol.sectionIndex];
  if (symbol.sectionIndex === 0) return `extern[${symbol.name}]`;
  if (home?.name === '.maps' || home?.name === 'maps') return `map[${symbol.name}]`;
  if (home && (home.type === SectionType.Nobits || home.type === SectionType.Progbits) && !isCodeSection(home)) {
    // clang puts the offset in the variable's symbol value (globals) or the instruction's imm (statics)
    return `map[${home.name}][0]+${Number(symbol.value) + (insn.imm | 0)}`;
  }
  return symbol.name;
}

/** bpftool's xlated dialect, one listing per function (each program, then each subprogram of .text). */
export function disassembleObjectXlated(parts: ObjectParts, options: DisassemblyOptions = {}): string {
  const { elf } = parts;
  const lines: string[] = [];
  for (const section of selectSections(elf, options.section)) {
    const instructions = decodeInstructions(section.data, { strict: false, byteOrder: elf.littleEndian ? 'little' : 'big' });
    const slots = new Map<Instruction, number>();
    let slot = 0;
    for (const insn of instructions) {
      slots.set(insn, slot);
      slot += insn.nextImm !== undefined ? 2 : 1;
    }
    const relocations = new Map(elf.relocationsFor(section).map((relocation) => [Number(relocation.offset) / 8, relocation]));
    const records = lineInfoBySlot(parts, section);
    const functions = elf.symbolsInSection(section).filter((symbol) => symbol.type === SymbolType.Func).sort((a, b) => Number(a.value - b.value));
    // a section without FUNC symbols (hand-written) is one listing
    const ranges = functions.length > 0
      ? functions.map((fn) => ({ name: fn.name, start: Number(fn.value) / 8, end: (Number(fn.value) + fn.size) / 8 }))
      : [{ name: section.name, start: 0, end: section.size / 8 }];
    for (const range of ranges) {
      const code = instructions.filter((insn) => {
        const at = slots.get(insn)!;
        return at >= range.start && at < range.end;
      });
      lines.push(`${range.name}: (section ${section.name})`);
      lines.push(...disassembleXlated(code, {
        constantName: (insn, value) => {
          const relocation = relocations.get(slots.get(insn)!);
          return relocation ? relocatedConstant(elf, relocation, insn) : `0x${value.toString(16)}`;
        },
        callName: (insn) => {
          const symbol = relocations.get(slots.get(insn)!)?.symbol;
          // a section symbol (static calls go through .text's) names nothing useful: keep pc+imm
          if (!symbol || symbol.type === SymbolType.Section) return undefined;
          // a bpf-to-bpf call prints after `pc`, as bpftool prints `pc+5#name` once it knows the function
          return insn.src === CallSource.PSEUDO_CALL ? `${insn.imm < 0 ? insn.imm : `+${insn.imm}`}#${symbol.name}` : symbol.name;
        },
        ...(options.source ? { linesBefore: (at: number) => {
          const record = records.get(range.start + at);
          return record ? bpftoolSourceLines(record) : [];
        } } : {}),
      }));
      lines.push('');
    }
  }
  return lines.join('\n');
}

export function disassembleObject(parts: ObjectParts, options: DisassemblyOptions = {}): string {
  return (options.dialect ?? 'llvm') === 'llvm' ? disassembleObjectLlvm(parts, options) : disassembleObjectXlated(parts, options);
}
