/**
 * disassembleLlvm against llvm-objdump 14 (`-d --no-show-raw-insn`), line for line: every code section of
 * every corpus object (cpu v1-v3, both byte orders), C snippets compiled here at -mcpu=v1/v2/v3, and a
 * section of raw bytes holding every instruction form, where `compat: 'llvm14'` must reproduce even
 * 14's `<unknown>` lines (the default dialect prints newer LLVM's spelling there instead).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseElf, SectionFlag, SymbolType } from '../elf/index.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { disassembleLlvm, formatLlvmInstruction, type SectionSymbol } from './disasm-llvm.js';
import { encodeInstructions } from './encode.js';
import { everyForm } from './forms.test-support.js';
import { decodeInstructions } from './decode.js';
import { classifyInstruction } from './classify.js';
import { slotIndexes } from './instruction.js';

const skip = !hasTool('clang') || !hasTool('llvm-objdump') ? 'clang and llvm-objdump are needed as oracles' : false;
const scratch = mkdtempSync(join(tmpdir(), 'tsbpf-asm-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** llvm-objdump's text per section: the lines after `Disassembly of section NAME:`. */
function objdumpSections(path: string): Map<string, string[]> {
  const text = execFileSync('llvm-objdump', ['-d', '--no-show-raw-insn', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const header = /^Disassembly of section (.*):$/.exec(line);
    if (header) sections.set(header[1]!, (current = []));
    else current?.push(line);
  }
  for (const lines of sections.values()) while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return sections;
}

/** Our disassembly of every executable section, with the symbols llvm-objdump labels. */
function ourSections(path: string, compat: 'latest' | 'llvm14' = 'latest'): Map<string, string[]> {
  const elf = parseElf(new Uint8Array(readFileSync(path)));
  const sections = new Map<string, string[]>();
  for (const section of elf.sections) {
    if ((section.flags & SectionFlag.ExecInstr) === 0 || section.size === 0) continue;
    const symbols: SectionSymbol[] = elf.symbolsInSection(section)
      .filter((symbol) => symbol.type !== SymbolType.Section && symbol.type !== SymbolType.File && symbol.name !== '')
      .map((symbol) => ({ offset: Number(symbol.value), name: symbol.name }));
    sections.set(section.name, disassembleLlvm(section.data, { symbols, compat, byteOrder: elf.littleEndian ? 'little' : 'big' }));
  }
  return sections;
}

/**
 * Compat 'llvm14' must equal llvm-objdump 14 exactly; the default dialect may differ only where 14
 * printed `<unknown>` (clang 14 itself emits 32-bit atomics that its objdump, outside alu32 mode,
 * cannot decode), and never prints `<unknown>` for a form tsbpf knows.
 */
function assertSameAsObjdump(path: string, newerSlots: ReadonlySet<number> = new Set()): number {
  const theirs = objdumpSections(path);
  const exact = ourSections(path, 'llvm14');
  const latest = ourSections(path, 'latest');
  assert.deepEqual([...exact.keys()].sort(), [...theirs.keys()].sort(), `${path}: code sections`);
  let lines = 0;
  for (const [name, expected] of theirs) {
    assert.deepEqual(exact.get(name), expected, `${path} section ${name}`);
    const newer = latest.get(name)!;
    assert.equal(newer.length, expected.length);
    newer.forEach((line, i) => {
      const slot = Number(/^\s*(\d+):/.exec(line)?.[1] ?? -1);
      if (newerSlots.has(slot)) assert.notEqual(line, expected[i], `${path} ${name}: ${line} should use the newer spelling`);
      else if (expected[i]!.endsWith('\t<unknown>')) assert.ok(!line.endsWith('<unknown>'), `${path} ${name}: ${line}`);
      else assert.equal(line, expected[i], `${path} section ${name}`);
    });
    lines += expected.length;
  }
  return lines;
}

function compile(name: string, source: string, cpu: string): string {
  const c = join(scratch, `${name}.c`);
  const object = join(scratch, `${name}.${cpu}.o`);
  writeFileSync(c, source);
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', `-mcpu=${cpu}`, '-c', c, '-o', object]);
  return object;
}

const SNIPPETS: Record<string, string> = {
  control: `
typedef unsigned long long u64; typedef unsigned int u32; typedef unsigned short u16; typedef unsigned char u8;
#define SEC(x) __attribute__((section(x), used))
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static u64 (*bpf_ktime_get_ns)(void) = (void *) 5;
struct { int type; int max_entries; } table SEC(".maps");
u64 counter SEC(".data") = 0;
const volatile u32 limit = 7;
static __attribute__((noinline)) int mix(int a, int b) { return a * b + (a >> 3) - (b << 2); }
SEC("xdp") int control(void *ctx) {
  u32 key = 0; u64 *v = bpf_map_lookup_elem(&table, &key);
  if (!v) return 1;
  __sync_fetch_and_add(v, 1);
  counter += bpf_ktime_get_ns();
  long long s = *(int *)ctx; u64 q = (u64)s / 3; u16 h = *(u16 *)(ctx + 2);
  if (h > limit) q = q % 5;
  for (int i = 0; i < 10; i++) { if (*(u8 *)(ctx + i) == 3) q ^= mix(i, q); }
  q = __builtin_bswap32(q) + __builtin_bswap64(q) + __builtin_bswap16(q);
  if ((long long)q < -5 || q > 0xffffffffULL) q = -q;
  return q + 0x123456789abcdefULL;
}
char _license[] SEC("license") = "GPL";
`,
  packets: `
#define SEC(x) __attribute__((section(x), used))
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");
SEC("socket") int packets(void *skb) {
  unsigned long long proto = load_half(skb, 12);
  if (proto != 0x0800) return 0;
  unsigned long long ihl = load_byte(skb, 14) & 0xf;
  return load_word(skb, 14 + ihl * 4) & 0xffff;
}
SEC("socket/second") int second(void *skb) { return load_byte(skb, 0) > 3 ? -1 : 0x7fffffff; }
`,
};

describe('llvm-objdump dialect', { skip }, () => {
  it('matches llvm-objdump on every corpus object, line for line', (t) => {
    const built = corpus();
    if (typeof built === 'string') return t.skip(built);
    let lines = 0;
    for (const name of built.bpfObjects) lines += assertSameAsObjdump(built.path(name));
    assert.ok(lines > 300, `compared ${lines} lines`);
  });

  for (const cpu of ['v1', 'v2', 'v3']) {
    it(`matches llvm-objdump on C snippets compiled with -mcpu=${cpu}`, () => {
      for (const [name, source] of Object.entries(SNIPPETS)) assertSameAsObjdump(compile(name, source, cpu));
    });
  }

  it("prints every instruction form exactly as llvm-objdump 14 does in compat 'llvm14' mode", () => {
    // nospec is the verifier's own instruction: no object holds it and LLVM has no spelling for it.
    const forms = everyForm().filter((form) => !form.llvm14Misreads && form.name !== 'nospec');
    const bytes = encodeInstructions(forms.map((form) => form.insn));
    writeFileSync(join(scratch, 'forms.bin'), bytes);
    // Symbols at a label in the middle and past the end name jump targets the way objdump does.
    writeFileSync(join(scratch, 'forms.s'), '.section "forms","ax",@progbits\n.globl entry\nentry:\n.incbin "forms.bin"\nmiddle:\n.8byte 0x95\n.globl last\nlast:\n.8byte 0x95\n');
    execFileSync('clang', ['-target', 'bpf', '-c', 'forms.s', '-o', 'forms.o'], { cwd: scratch });
    // cpu v4 forms that 14 reads as their pre-v4 namesakes (ignoring the offset field).
    const newerSlots = new Set<number>();
    slotIndexes(forms.map((form) => form.insn)).forEach((slot, i) => {
      const kind = forms[i] ? classifyInstruction(forms[i]!.insn) : undefined;
      if (kind === 'signedDivide' || kind === 'moveSignExtend' || kind === 'addressSpaceCast') newerSlots.add(slot);
    });
    const lines = assertSameAsObjdump(join(scratch, 'forms.o'), newerSlots);
    assert.ok(lines >= forms.length);
  });

  it('prints newer LLVM spellings for the forms llvm-objdump 14 does not know', () => {
    const text = (hex: string) => formatLlvmInstruction(decodeInstructions(Uint8Array.from(Buffer.from(hex, 'hex')))[0]!);
    const cases: [string, string][] = [
      ['3f21010000000000', 'r1 s/= r2'], ['9f21010000000000', 'r1 s%= r2'], ['9721010003000000', 'r1 s%= 3'],
      ['bf21080000000000', 'r1 = (s8)r2'], ['bc21100000000000', 'w1 = (s16)w2'], ['bf21200000000000', 'r1 = (s32)r2'],
      ['9121040000000000', 'r1 = *(s8 *)(r2 + 4)'], ['8921fcff00000000', 'r1 = *(s16 *)(r2 - 4)'], ['8121000000000000', 'r1 = *(s32 *)(r2 + 0)'],
      ['d701000010000000', 'r1 = bswap16 r1'], ['d701000040000000', 'r1 = bswap64 r1'],
      ['0600000005000000', 'gotol +5'], ['e500030000000000', 'may_goto +3'],
      ['bf21010000000100', 'r1 = addr_space_cast(r2, 1, 0)'],
      ['db21000000010000', 'r1 = load_acquire((u64 *)(r2 + 0))'], ['d321000000010000', 'w1 = load_acquire((u8 *)(r2 + 0))'],
      ['db12000010010000', 'store_release((u64 *)(r2 + 0), r1)'], ['cb12020010010000', 'store_release((u16 *)(r2 + 2), w1)'],
      ['7201030005000000', '*(u8 *)(r1 + 3) = 5'], ['9f23000000000000', 'r3 %= r2'], ['4501010003000000', 'if r1 & 3 goto +1'],
      ['c321000041000000', 'w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)'], ['c3210400e1000000', 'w2 = xchg32_32(r1 + 4, w2)'],
      ['c3210400f1000000', 'w0 = cmpxchg32_32(r1 + 4, w0, w2)'], ['c3210800a0000000', 'lock *(u32 *)(r1 + 8) ^= w2'],
    ];
    for (const [hex, expected] of cases) assert.equal(text(hex), expected, hex);
  });
});
