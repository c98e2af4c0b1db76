import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LineInfo } from '../btf/ext-records.js';
import { fixDatasecs } from '../btf/edits.js';
import { MutableBtf } from '../btf/mutable.js';
import { writeBtf } from '../btf/writer.js';
import { SymbolType, type ElfSection } from '../elf/index.js';
import { VerifierError } from '../errors.js';
import { BpfMap } from '../maps/map.js';
import type { MapType } from '../maps/map-types.js';
import { readBtfMaps } from '../object/btf-maps.js';
import { isCodeSection, readObjectParts, type ObjectParts } from '../object/object-file.js';
import { matchSection } from '../object/section-names.js';
import { bpf, DEFAULT_BPFFS, ensureBpffs, FileDescriptor, NativeMemory } from '../sys/index.js';
import { corpus, hasTool, repoRoot } from '../test-support/corpus.js';
import { bpftoolJson, openFdCount } from '../test-support/kernel.js';
import { Program } from './program.js';
import type { ProgramType } from './program-types.js';
import { explainVerifierLog, formatVerifierReport, parseVerifierLog, sourceFromLineInfo, type VerifierReport } from './verifier-report.js';

const BPF_PSEUDO_MAP_FD = 1;
/** libbpf's poison for an unresolved CO-RE relocation: a call to this helper id. */
const CORE_POISON_HELPER = 0xbad2310;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'loading programs needs root';
  const built = corpus();
  return typeof built === 'string' ? built : undefined;
}

interface Rejected {
  /** The section's line_info, instruction indexes relative to the program (one function at offset 0). */
  lineInfo: LineInfo[];
  error: VerifierError;
}

/** A program's code section: the one code section that is not .text. */
function programSection(parts: ObjectParts): ElfSection {
  const sections = parts.elf.sections.filter((section) => isCodeSection(section) && section.name !== '.text');
  assert.equal(sections.length, 1, 'the reject corpus has one program per object');
  return sections[0]!;
}

/**
 * Loads a reject_*.bpf.o the way the object loader will, by hand, so the kernel prints source
 * annotations: its BTF (DATASECs fixed up), func_info and line_info, maps created for the ld_imm64
 * relocations into .maps. `patch` edits the instructions before load. Expects a VerifierError.
 */
function loadRejected(name: string, patch?: (instructions: Uint8Array, parts: ObjectParts, section: ElfSection) => void): Rejected {
  const built = corpus();
  assert.ok(typeof built !== 'string');
  const parts = readObjectParts(readFileSync(built.path(`loader/${name}.bpf.o`)));
  const { elf, btf, btfExt, btfSection } = parts;
  assert.ok(btf && btfExt && btfSection, `${name} has .BTF and .BTF.ext`);
  const section = programSection(parts);
  const match = matchSection(section.name);
  assert.ok(match, `libbpf knows SEC("${section.name}")`);
  const instructions = new Uint8Array(section.data); // a copy: section.data may be a view of a pooled Buffer
  const view = new DataView(instructions.buffer);
  patch?.(instructions, parts, section);

  const owned: { close(): void }[] = [];
  try {
    const mapsSection = elf.sectionByName('.maps');
    const definitions = mapsSection ? readBtfMaps(elf, btf, btfSection) : [];
    for (const relocation of elf.relocationsFor(section)) {
      const symbol = relocation.symbol;
      if (!symbol || !mapsSection || symbol.sectionIndex !== mapsSection.index) continue;
      const definition = definitions.find((map) => map.name === symbol.name);
      assert.ok(definition, `map ${symbol.name} is defined in .maps`);
      const map = BpfMap.create({
        type: definition.type as MapType, keySize: definition.keySize ?? 0, valueSize: definition.valueSize ?? 0,
        maxEntries: definition.maxEntries ?? 0, name: definition.name,
      });
      owned.push(map);
      const at = Number(relocation.offset);
      instructions[at + 1] = (instructions[at + 1]! & 0x0f) | (BPF_PSEUDO_MAP_FD << 4);
      view.setInt32(at + 4, map.fd.value, true);
    }

    const editable = MutableBtf.from(btf);
    fixDatasecs(editable, {
      sectionSizes: new Map(elf.sections.map((s) => [s.name, s.size])),
      symbols: new Map(elf.symbols.filter((s) => s.type === SymbolType.Object).map((s) => [s.name, Number(s.value)])),
    });
    const blob = writeBtf(editable);
    const memory = new NativeMemory(blob.length);
    memory.bytes.set(blob);
    const { result } = bpf.btfLoad(memory, blob.length, null);
    memory.free();
    assert.ok(result >= 0, `BTF_LOAD of ${name}'s BTF: errno ${-result}`);
    const btfFd = new FileDescriptor(result, `${name} BTF`);
    owned.push(btfFd);

    const funcInfo = btfExt.funcInfo.find((group) => group.section === section.name)?.records ?? [];
    const lineInfo = [...(btfExt.lineInfo.find((group) => group.section === section.name)?.records ?? [])];
    const words = (values: number[][]): Uint8Array => new Uint8Array(Uint32Array.from(values.flat()).buffer);
    try {
      const program = Program.load({
        type: match.definition.programType as ProgramType,
        instructions,
        name,
        license: 'GPL',
        btfFd: btfFd.value,
        funcInfo: { records: words(funcInfo.map((r) => [r.instruction, r.typeId])), recordSize: 8 },
        lineInfo: { records: words(lineInfo.map((r) => [r.instruction, r.fileNameOffset, r.lineOffset, r.lineColumn])), recordSize: 16 },
      });
      program.close();
    } catch (error) {
      if (error instanceof VerifierError) return { lineInfo, error };
      throw error;
    }
    throw new assert.AssertionError({ message: `the kernel accepted ${name}` });
  } finally {
    for (const object of owned) object.close();
  }
}

/** bpftool (libbpf) loading the same object: refuses it, and its log is the second oracle. */
function bpftoolRefusal(name: string): { status: number | null; log: string } {
  const built = corpus();
  assert.ok(typeof built !== 'string');
  ensureBpffs();
  const pin = join(DEFAULT_BPFFS, `tsbpf_verifier_report_${process.pid}`);
  const result = spawnSync('bpftool', ['prog', 'load', built.path(`loader/${name}.bpf.o`), pin], { encoding: 'utf8', maxBuffer: 256 << 20 });
  rmSync(pin, { force: true });
  return { status: result.status, log: result.stderr };
}

/** Ids of loaded programs with this name (others' tests load programs at the same time). */
function programsNamed(name: string): number[] {
  return bpftoolJson<{ id: number; name?: string }[]>('prog', 'list').filter((p) => p.name === name.slice(0, 15)).map((p) => p.id);
}

/** The C file's path as clang recorded it (corpus/build.sh compiles by absolute path). */
function sourcePath(name: string): string {
  return join(repoRoot(), 'corpus/loader', `${name}.bpf.c`);
}

/** The line of the C file, so each expected text is checked against the source, not only written twice. */
function sourceLine(name: string, line: number): string {
  const text = readFileSync(sourcePath(name), 'utf8');
  return text.split('\n')[line - 1]!.trim();
}

interface Expectation {
  name: string;
  instruction: number;
  line: number;
  column: number;
  text: string;
  message: RegExp;
}

/** Why each is refused is in the comment at the top of its C file. */
const REJECTED: Expectation[] = [
  { name: 'reject_map_oob', instruction: 13, line: 24, column: 10, text: 'return words[index];', message: /^invalid access to map value, value_size=64 off=504 size=8; R0 max value is outside/ },
  { name: 'reject_null_deref', instruction: 7, line: 21, column: 10, text: 'return *count > 10;', message: /^R0 invalid mem access 'map_value_or_null'$/ },
  { name: 'reject_unbounded_loop', instruction: 2, line: 14, column: 5, text: 'for (;;) {}', message: /^infinite loop detected at insn 2(;|$)/ },
  { name: 'reject_wrong_helper', instruction: 9, line: 13, column: 3, text: 'bpf_skb_store_bytes(skb, 0, &zero, sizeof(zero), 0);', message: /^(program of this type cannot use helper|unknown func) bpf_skb_store_bytes#9$/ }, // 6.1 says 'unknown func'
  { name: 'reject_uninit_register', instruction: 1, line: 13, column: 3, text: 'asm volatile("call %[helper]; %[out] = r3"', message: /^R3 !read_ok$/ },
  { name: 'reject_ctx_access', instruction: 1, line: 12, column: 16, text: 'ctx->args[1] = 0;', message: /^invalid bpf_context access off=24 size=8$/ },
  { name: 'reject_packet_bounds', instruction: 1, line: 13, column: 15, text: 'return eth->h_proto == 0x0008 ? XDP_PASS : XDP_DROP;', message: /^invalid access to packet, off=12 size=2/ },
];

for (const expected of REJECTED) {
  test(`${expected.name}: the failing instruction and its C line, by our load and by bpftool's`, (t) => {
    const reason = skipReason();
    if (reason) return t.skip(reason);
    if (!hasTool('bpftool')) return t.skip('bpftool is not installed');
    const programsBefore = programsNamed(expected.name);
    const fdsBefore = openFdCount();
    const { lineInfo, error } = loadRejected(expected.name);
    assert.equal(openFdCount(), fdsBefore);
    assert.deepEqual(programsNamed(expected.name), programsBefore, 'no program left behind');

    const report = explainVerifierLog(error.log, lineInfo);
    assert.equal(report.failingInstruction, expected.instruction);
    assert.match(report.message, expected.message);
    assert.deepEqual(report.source, {
      file: sourcePath(expected.name), line: expected.line, column: expected.column, text: expected.text,
    });
    assert.equal(sourceLine(expected.name, expected.line), expected.text);
    assert.ok(report.summary && report.summary.processed > 0);

    // The kernel's own annotation (no column, base name) says the same line. Kernels before 6.4 print
    // the source text alone (`; return words[index];`, no ` @ file:line`): the log can't place it.
    const fromLog = explainVerifierLog(error.log);
    if (/^; .* @ \S+:\d+$/m.test(error.log)) {
      assert.deepEqual(fromLog.source, { file: `${expected.name}.bpf.c`, line: expected.line, column: 0, text: expected.text });
    } else {
      assert.ok(error.log.includes(`; ${expected.text}\n`), `the log quotes the source line:\n${error.log}`);
      assert.equal(fromLog.source, undefined);
    }

    // The error carries the report and says where.
    error.attachReport(report);
    assert.equal(error.report, report);
    assert.ok(error.message.endsWith(` at ${sourcePath(expected.name)}:${expected.line}:${expected.column}`), error.message);
    const text = formatVerifierReport(report);
    assert.ok(text.endsWith(`\n${sourcePath(expected.name)}:${expected.line}:${expected.column}: ${expected.text}\n`), text);
    for (const line of report.errors) assert.ok(text.includes(`${line}\n`));

    // libbpf refuses it too, at the same instruction and line.
    const theirs = bpftoolRefusal(expected.name);
    assert.notEqual(theirs.status, 0, 'bpftool refuses it');
    const theirReport = explainVerifierLog(theirs.log);
    assert.equal(theirReport.failingInstruction, expected.instruction);
    if (/^; .* @ \S+:\d+$/m.test(theirs.log)) assert.equal(theirReport.source?.line, expected.line);
    assert.deepEqual(theirReport.errors, report.errors);
  });
}

test('a poisoned CO-RE relocation: libbpf\'s rewritten log and the kernel\'s raw one both point at the C line', (t) => {
  const reason = skipReason();
  if (reason) return t.skip(reason);
  if (!hasTool('bpftool')) return t.skip('bpftool is not installed');
  const name = 'reject_core_poison';
  // clang puts the relocated `r1 = <offset>` under the line before the access (llvm-objdump -S agrees).
  const expected = { line: 19, text: 'int value = 0;' };
  assert.equal(sourceLine(name, expected.line), expected.text);

  // libbpf resolves CO-RE itself, finds no such field, poisons the instruction and rewrites the log.
  const theirs = bpftoolRefusal(name);
  assert.notEqual(theirs.status, 0);
  const theirReport = explainVerifierLog(theirs.log);
  assert.equal(theirReport.failingInstruction, 3);
  assert.match(theirReport.message, /failed to resolve CO-RE relocation <byte_off> \[\d+\] struct task_struct___missing\.tsbpf_no_such_field/);
  assert.ok(theirReport.note?.includes('CO-RE'));

  // The object loader will poison the same way; the kernel then names the unknown helper.
  const { lineInfo, error } = loadRejected(name, (instructions, parts, section) => {
    const relocations = parts.btfExt!.coreRelocations.find((group) => group.section === section.name)!.records;
    assert.equal(relocations.length, 1);
    const at = relocations[0]!.instruction * 8;
    const view = new DataView(instructions.buffer);
    instructions.set([0x85, 0, 0, 0], at); // call, no registers, no offset
    view.setInt32(at + 4, CORE_POISON_HELPER, true);
  });
  const report = explainVerifierLog(error.log, lineInfo);
  assert.equal(report.failingInstruction, theirReport.failingInstruction);
  assert.match(report.message, /^invalid func unknown#195896080$/);
  assert.equal(report.note, theirReport.note);
  assert.equal(report.source?.line, expected.line);
  assert.equal(report.source?.text, expected.text);
  assert.match(formatVerifierReport(report), /\nnote: the loader could not resolve a CO-RE relocation/);
});

test('log lines: instructions with register state, annotations, branch states, a message glued to a jump, the summary', () => {
  const log = [
    'func#0 @0',
    '0: R1=ctx() R10=fp0',
    '; int x = 0; @ prog.bpf.c:7',
    '0: (b7) r2 = 0                        ; R2=0',
    'from 2 to 4: R0=1 R1=scalar(umin=1) R10=fp0',
    '4: frame1: R1=ctx() R10=fp0',
    '17: (ae) if w2 < w6 goto pc-8 BPF program is too large. Processed 1000001 insn',
    'processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 9664 peak_states 9664 mark_read 0',
  ].join('\n');
  const { entries, summary } = parseVerifierLog(log);
  assert.deepEqual(entries, [
    { kind: 'message', text: 'func#0 @0' },
    { kind: 'state', index: 0, state: 'R1=ctx() R10=fp0' },
    { kind: 'source', text: 'int x = 0;', file: 'prog.bpf.c', line: 7 },
    { kind: 'instruction', index: 0, opcode: 0xb7, text: 'r2 = 0', state: 'R2=0' },
    { kind: 'state', from: 2, index: 4, state: 'R0=1 R1=scalar(umin=1) R10=fp0' },
    { kind: 'state', index: 4, state: 'frame1: R1=ctx() R10=fp0' },
    { kind: 'instruction', index: 17, opcode: 0xae, text: 'if w2 < w6 goto pc-8' },
    { kind: 'message', text: 'BPF program is too large. Processed 1000001 insn' },
  ]);
  assert.deepEqual(summary, { processed: 1000001, limit: 1000000, maxStatesPerInsn: 4, totalStates: 9664, peakStates: 9664, markRead: 0 });
});

test('a refusal before the walk (check_cfg) names its instruction in the message', () => {
  const report = explainVerifierLog('back-edge from insn 5 to 3\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n');
  assert.equal(report.failingInstruction, 5);
  assert.equal(report.message, 'back-edge from insn 5 to 3');
  assert.deepEqual(report.meaningfulLines, ['back-edge from insn 5 to 3']);
  assert.equal(report.source, undefined);
});

test('an empty log still explains itself, and never throws', () => {
  const report: VerifierReport = explainVerifierLog('');
  assert.equal(report.message, 'the kernel gave no log');
  assert.equal(report.failingInstruction, undefined);
  assert.equal(formatVerifierReport(report), 'the kernel gave no log\n');
  for (const junk of ['\0\0\0', '12:', '; @ :', ': (zz) x', 'from to', 'processed x insns']) explainVerifierLog(junk);
});

test('line_info: the last record at or before the instruction; clang\'s line 0 falls back to the line it serves', () => {
  const record = (instruction: number, line: number, text: string): LineInfo => ({
    insnOffset: instruction * 8, instruction, fileNameOffset: 0, fileName: 'a.bpf.c', lineOffset: 0, lineText: text, lineColumn: (line << 10) | 5, line, column: 5,
  });
  const lines = [record(0, 10, '  int a = 1;'), record(3, 11, 'return a;'), record(4, 0, ''), record(8, 12, 'x')];
  assert.equal(sourceFromLineInfo(lines, 2)?.line, 10);
  assert.equal(sourceFromLineInfo(lines, 2)?.text, 'int a = 1;');
  assert.equal(sourceFromLineInfo(lines, 3)?.line, 11);
  assert.equal(sourceFromLineInfo(lines, 5)?.line, 11);
  assert.equal(sourceFromLineInfo(lines, 9)?.line, 12);
  assert.equal(sourceFromLineInfo(lines.slice(1), 0), undefined);
});
