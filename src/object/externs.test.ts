/**
 * Externs against libbpf 1.1 itself: the corpus objects corpus/loader/extern_*.bpf.o are loaded with
 * `bpftool -d prog loadall ... pinmaps ...` (bpftool 7.1 carries libbpf 1.1), and what libbpf did is
 * read back from the kernel: the .kconfig map's bytes, the instructions at each extern reference
 * (`prog dump xlated`), the BTF it loaded (`btf dump id`), and its debug lines for extern order,
 * .kconfig offsets and ksym resolutions. Errors are checked against libbpf refusing the same object.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Btf } from '../btf/btf.js';
import { formatBtfRaw } from '../btf/dump-raw.js';
import { fixDatasecs } from '../btf/edits.js';
import { MutableBtf } from '../btf/mutable.js';
import { decodeInstructions } from '../asm/decode.js';
import { slotIndexes, type Instruction } from '../asm/instruction.js';
import { SymbolVisibility, type ElfFile } from '../elf/index.js';
import { Kallsyms, probeSyscallWrapper } from '../loader/kallsyms.js';
import { linuxKernelVersion, readKernelConfig } from '../loader/kconfig-file.js';
import { corpus, hasTool, type Corpus } from '../test-support/corpus.js';
import { bpftoolJson } from '../test-support/kernel.js';
import { compileBpf } from './compile-c.test-support.js';
import {
  ExternError, externReferences, fixExternBtf, kconfigData, patchExternInstruction, readExterns, resolveKsym,
  type ExternSpec, type KsymResolution,
} from './externs.js';
import { readObjectParts } from './object-file.js';

const skip = process.getuid?.() !== 0 ? 'needs root (bpftool loads the objects)'
  : !hasTool('bpftool') || !hasTool('clang') ? 'needs bpftool and clang' : false;

function built(): Corpus {
  const result = corpus();
  if (typeof result === 'string') throw new Error(result);
  return result;
}

interface Parts { elf: ElfFile; btf: Btf; path: string }

function open(path: string): Parts {
  const parts = readObjectParts(new Uint8Array(readFileSync(path)));
  assert.ok(parts.btf, `${path} has BTF`);
  return { elf: parts.elf, btf: parts.btf, path };
}

let vmlinux: Btf | undefined;
function kernelBtf(): Btf {
  return (vmlinux ??= Btf.parse(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'))));
}

const pins: string[] = [];
let pinCounter = 0;
after(() => {
  for (const dir of pins) rmSync(dir, { recursive: true, force: true });
});

interface LibbpfLoad { ok: boolean; log: string; programs: string; maps: string }

/** bpftool -d prog loadall: libbpf's debug log, and its pins (removed after the tests). */
function loadWithLibbpf(path: string): LibbpfLoad {
  const base = `/sys/fs/bpf/tsbpf-externs-${process.pid}-${pinCounter++}`;
  const programs = `${base}-progs`;
  const maps = `${base}-maps`;
  pins.push(programs, maps);
  const run = spawnSync('bpftool', ['-d', 'prog', 'loadall', path, programs, 'pinmaps', maps], { encoding: 'utf8' });
  return { ok: run.status === 0, log: `${run.stdout}${run.stderr}`, programs, maps };
}

/** libbpf's "extern (kcfg) #i: symbol S, off O, name N" and "extern (ksym) #i: symbol S, name N" lines. */
function libbpfExternOrder(log: string): { name: string; symbol: number; offset?: number }[] {
  const order: { index: number; name: string; symbol: number; offset?: number }[] = [];
  for (const m of log.matchAll(/extern \(kcfg\) #(\d+): symbol (\d+), off (\d+), name (\S+)/g)) order.push({ index: Number(m[1]), symbol: Number(m[2]), offset: Number(m[3]), name: m[4]! });
  for (const m of log.matchAll(/extern \(ksym\) #(\d+): symbol (\d+), name (\S+)/g)) order.push({ index: Number(m[1]), symbol: Number(m[2]), name: m[3]! });
  return order.sort((a, b) => a.index - b.index).map(({ index: _index, ...rest }) => rest);
}

function ours(externs: ExternSpec[]): { name: string; symbol: number; offset?: number }[] {
  return externs.map((e) => (e.kconfig ? { name: e.name, symbol: e.symbolIndex, offset: e.kconfig.offset } : { name: e.name, symbol: e.symbolIndex }));
}

/** The instruction at each slot of a code section. */
function instructionsBySlot(elf: ElfFile, sectionIndex: number): Map<number, Instruction> {
  const section = elf.sections[sectionIndex]!;
  const instructions = decodeInstructions(section.data);
  const slots = slotIndexes(instructions);
  return new Map(instructions.map((insn, i) => [slots[i]!, insn]));
}

/** bpftool's xlated text as slot → disassembly ("r1 = map[id:7][0]+16", "call bpf_task_acquire#1234"). */
function xlated(pinned: string): Map<number, string> {
  const text = execFileSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', pinned], { encoding: 'utf8' });
  return new Map([...text.matchAll(/^\s*(\d+): \([0-9a-f]{2}\) (.*)$/gm)].map((m) => [Number(m[1]), m[2]!]));
}

function kernelFacts() {
  const probe = bpftoolJson<{ helpers: Record<string, string[]> }>('feature', 'probe', 'kernel');
  return {
    version: linuxKernelVersion(),
    hasBpfCookie: probe.helpers.kprobe_available_helpers?.includes('bpf_get_attach_cookie') ?? false,
    hasSyscallWrapper: probeSyscallWrapper(),
  };
}

describe('externs against libbpf 1.1', { skip }, () => {
  it('orders externs and lays out .kconfig exactly as libbpf does, for every extern object', () => {
    const objects = [...built().loaderObjects.filter((name) => name.startsWith('extern_')).map((name) => `loader/${name}`), 'externs.o'];
    assert.ok(objects.length >= 5, objects.join(' '));
    for (const name of objects) {
      const parts = open(built().path(name));
      const { externs } = readExterns(parts.elf, parts.btf);
      const libbpf = loadWithLibbpf(parts.path);
      assert.deepEqual(ours(externs), libbpfExternOrder(libbpf.log), name);
    }
  });

  it('fills the .kconfig map with the bytes libbpf wrote, from this kernel\'s config', () => {
    const parts = open(built().path('loader/extern_kconfig.bpf.o'));
    const { externs, kconfigSize } = readExterns(parts.elf, parts.btf);
    const libbpf = loadWithLibbpf(parts.path);
    assert.ok(libbpf.ok, libbpf.log.slice(-2000));
    // libbpf names the map <first 7 chars of the object name>.kconfig; pinmaps turns '.' into '_'
    const dump = bpftoolJson<{ value: string[] }[]>('map', 'dump', 'pinned', `${libbpf.maps}/extern__kconfig`);
    const theirs = Uint8Array.from(dump[0]!.value.map((byte) => Number.parseInt(byte, 16)));
    const mine = kconfigData(externs, kconfigSize, readKernelConfig(), kernelFacts(), parts.btf);
    assert.deepEqual([...mine], [...theirs]);
    assert.equal(kconfigSize, theirs.length);
  });

  it('patches each extern reference as libbpf did (compared with the kernel\'s xlated program)', () => {
    const kallsyms = Kallsyms.read();
    const cases = [
      { object: 'loader/extern_kconfig.bpf.o', program: 'kconfig_values' },
      { object: 'loader/extern_ksyms.bpf.o', program: 'ksym_values' },
      { object: 'loader/extern_kfuncs.bpf.o', program: 'kfunc_calls' },
    ];
    for (const { object, program } of cases) {
      const parts = open(built().path(object));
      const { externs } = readExterns(parts.elf, parts.btf);
      const libbpf = loadWithLibbpf(parts.path);
      assert.ok(libbpf.ok, `${object}: ${libbpf.log.slice(-2000)}`);
      const kernel = xlated(`${libbpf.programs}/${program}`);
      const kconfigMapId = object.includes('kconfig') ? bpftoolJson<{ id: number }>('map', 'show', 'pinned', `${libbpf.maps}/extern__kconfig`).id : -1;
      const references = externReferences(parts.elf, externs);
      assert.ok(references.length > 0, object);
      let compared = 0;
      for (const reference of references) {
        const extern = externs[reference.extern]!;
        const insn = instructionsBySlot(parts.elf, reference.sectionIndex).get(reference.instruction)!;
        const resolution: KsymResolution | { kind: 'kconfig'; mapFd: number } = extern.kind === 'kconfig'
          ? { kind: 'kconfig', mapFd: 1000 }
          : resolveKsym(extern, parts.btf, [kernelBtf()], (name) => kallsyms.unique(name));
        const patched = patchExternInstruction(insn, extern, resolution);
        const line = kernel.get(reference.instruction);
        if (line === undefined) {
          // only a weak kfunc's call may be gone: the verifier removed it as dead code
          assert.deepEqual([extern.kind, resolution.kind, reference.kind], ['kfunc', 'missing-weak', 'call'], `${object} insn ${reference.instruction}`);
          assert.deepEqual([patched.src, patched.imm, patched.offset], [2, 0, 0]);
          continue;
        }
        let expected: string;
        if (resolution.kind === 'kconfig') {
          assert.equal(patched.src, 2);
          expected = `r${patched.dst} = map[id:${kconfigMapId}][0]+${patched.nextImm}`;
        } else if (reference.kind === 'call') {
          assert.equal(patched.src, 2);
          assert.equal(patched.offset, 0);
          expected = `call ${kernelBtf().nameOf(patched.imm)}#`;
        } else {
          const value = (BigInt(patched.nextImm! >>> 0) << 32n) | BigInt(patched.imm >>> 0);
          expected = `r${patched.dst} = 0x${value.toString(16)}`;
        }
        assert.ok(line.startsWith(expected), `${object} insn ${reference.instruction} (${extern.name}): kernel has '${line}', we expected '${expected}'`);
        compared++;
      }
      assert.ok(compared >= references.length - 1, object);
    }
  });

  it('resolves typed ksyms and kfuncs to the BTF ids libbpf logged', () => {
    for (const object of ['loader/extern_ksym_vars.bpf.o', 'loader/extern_kfuncs.bpf.o']) {
      const parts = open(built().path(object));
      const { externs } = readExterns(parts.elf, parts.btf);
      const { log } = loadWithLibbpf(parts.path);
      const logged = new Map([...log.matchAll(/extern \((?:var|func) ksym\) '(\S+)': resolved to (?:kernel )?\[(\d+)\]/g)].map((m) => [m[1]!, Number(m[2])]));
      assert.ok(logged.size >= 2, log.slice(-1500));
      for (const extern of externs) {
        const resolution = resolveKsym(extern, parts.btf, [kernelBtf()], () => undefined);
        if (resolution.kind === 'btf-id') assert.deepEqual([resolution.btfIndex, resolution.typeId], [0, logged.get(extern.name)], extern.name);
        else assert.ok(extern.weak && !logged.has(extern.name) && log.includes(`extern '${extern.name}' (weak): not resolved`), extern.name);
      }
    }
  });

  it('edits extern DATASECs, kfunc FUNCs and dummy_ksym as libbpf did in the BTF it loaded', () => {
    for (const [object, program] of [['loader/extern_kconfig.bpf.o', 'kconfig_values'], ['loader/extern_kfuncs.bpf.o', 'kfunc_calls'], ['loader/extern_ksyms.bpf.o', 'ksym_values']] as const) {
      const parts = open(built().path(object));
      const { externs, kconfigSize } = readExterns(parts.elf, parts.btf);
      const libbpf = loadWithLibbpf(parts.path);
      assert.ok(libbpf.ok, libbpf.log.slice(-1500));
      const btfId = bpftoolJson<{ btf_id: number }>('prog', 'show', 'pinned', `${libbpf.programs}/${program}`).btf_id;
      const theirs = execFileSync('bpftool', ['btf', 'dump', 'id', String(btfId)], { encoding: 'utf8' });
      const btf = MutableBtf.from(parts.btf);
      fixExternBtf(btf, externs, kconfigSize);
      fixDatasecs(btf, {
        sectionSizes: new Map(parts.elf.sections.map((s) => [s.name, s.size])),
        symbols: new Map(parts.elf.symbols.filter((s) => s.sectionIndex !== 0).map((s) => [s.name, { offset: Number(s.value), hidden: s.visibility === SymbolVisibility.Hidden || s.visibility === SymbolVisibility.Internal }])),
      });
      assert.equal(formatBtfRaw(btf), theirs, object);
    }
  });
});

describe('extern errors, each refused by libbpf too', { skip }, () => {
  const kernel = { version: 0x60000, hasBpfCookie: true, hasSyscallWrapper: true };

  it('a strong CONFIG_ the kernel config lacks', () => {
    const { bytes, path } = compileBpf('extern int CONFIG_TSBPF_NEVER_SET __kconfig;\nint out;\nSEC("socket") int f(void *ctx) { out = CONFIG_TSBPF_NEVER_SET; return 0; }\nchar LICENSE[] SEC("license") = "GPL";');
    const parts = readObjectParts(bytes);
    const { externs, kconfigSize } = readExterns(parts.elf, parts.btf!);
    assert.throws(() => kconfigData(externs, kconfigSize, readKernelConfig(), kernel, parts.btf!), (error: unknown) => error instanceof ExternError
      && error.extern === 'CONFIG_TSBPF_NEVER_SET' && !error.message.includes('\n') && /strong/.test(error.message) && /__weak/.test(error.hint));
    const libbpf = loadWithLibbpf(path);
    assert.ok(!libbpf.ok && libbpf.log.includes("extern 'CONFIG_TSBPF_NEVER_SET' (strong): not resolved"), libbpf.log.slice(-800));
  });

  it('a value of the wrong type or range: y into an int, 300 into a u8, m into a bool', () => {
    const { bytes, path } = compileBpf('extern int CONFIG_BPF_SYSCALL __kconfig;\nint out;\nSEC("socket") int f(void *ctx) { out = CONFIG_BPF_SYSCALL; return 0; }\nchar LICENSE[] SEC("license") = "GPL";');
    const parts = readObjectParts(bytes);
    const { externs, kconfigSize } = readExterns(parts.elf, parts.btf!);
    assert.throws(() => kconfigData(externs, kconfigSize, readKernelConfig(), kernel, parts.btf!), (error: unknown) => error instanceof ExternError
      && error.extern === 'CONFIG_BPF_SYSCALL' && /value 'y'/.test(error.message) && !error.message.includes('\n'));
    const libbpf = loadWithLibbpf(path);
    assert.ok(!libbpf.ok && libbpf.log.includes("extern (kcfg) 'CONFIG_BPF_SYSCALL': value 'y' implies bool, tristate, or char type"), libbpf.log.slice(-800));
    const small = readObjectParts(compileBpf('extern unsigned char CONFIG_A __kconfig; extern _Bool CONFIG_B __kconfig;\nint out;\nSEC("socket") int f(void *ctx) { out = CONFIG_A + CONFIG_B; return 0; }\nchar LICENSE[] SEC("license") = "GPL";').bytes);
    const layout = readExterns(small.elf, small.btf!);
    assert.throws(() => kconfigData(layout.externs, layout.kconfigSize, new Map([['CONFIG_A', '300'], ['CONFIG_B', 'y']]), kernel, small.btf!), /CONFIG_A.*value '300' doesn't fit in 1 unsigned byte/);
    assert.throws(() => kconfigData(layout.externs, layout.kconfigSize, new Map([['CONFIG_A', '1'], ['CONFIG_B', 'm']]), kernel, small.btf!), /CONFIG_B.*value 'm' implies a tristate/);
    // strtoull's rules: 0377 is octal 255; -1 wraps to 2^64-1, which no unsigned byte holds
    assert.deepEqual([...kconfigData(layout.externs, layout.kconfigSize, new Map([['CONFIG_A', '0377'], ['CONFIG_B', 'n']]), kernel, small.btf!)], [255, 0]);
    assert.throws(() => kconfigData(layout.externs, layout.kconfigSize, new Map([['CONFIG_A', '-1'], ['CONFIG_B', 'y']]), kernel, small.btf!), /CONFIG_A.*doesn't fit/);
  });

  it('a strong ksym the kernel lacks, and a kfunc declared with the wrong prototype', () => {
    const missing = compileBpf('extern const int tsbpf_missing_variable __ksym;\nlong out;\nSEC("socket") int f(void *ctx) { out = (long)&tsbpf_missing_variable; return 0; }\nchar LICENSE[] SEC("license") = "GPL";');
    let parts = readObjectParts(missing.bytes);
    let { externs } = readExterns(parts.elf, parts.btf!);
    assert.throws(() => resolveKsym(externs[0]!, parts.btf!, [kernelBtf()], () => undefined), (error: unknown) => error instanceof ExternError
      && error.extern === 'tsbpf_missing_variable' && /no VAR/.test(error.message) && /__weak/.test(error.hint));
    let libbpf = loadWithLibbpf(missing.path);
    assert.ok(!libbpf.ok && libbpf.log.includes("extern (var ksym) 'tsbpf_missing_variable': not found in kernel BTF"), libbpf.log.slice(-800));

    const wrong = compileBpf('extern void bpf_rcu_read_lock(int unexpected) __ksym;\nSEC("tp_btf/sched_switch") int f(void *ctx) { bpf_rcu_read_lock(1); return 0; }\nchar LICENSE[] SEC("license") = "GPL";');
    parts = readObjectParts(wrong.bytes);
    ({ externs } = readExterns(parts.elf, parts.btf!));
    assert.throws(() => resolveKsym(externs[0]!, parts.btf!, [kernelBtf()], () => undefined), /bpf_rcu_read_lock.*incompatible/);
    libbpf = loadWithLibbpf(wrong.path);
    assert.ok(!libbpf.ok && /extern \(func ksym\) 'bpf_rcu_read_lock': func_proto \[\d+\] incompatible with kernel/.test(libbpf.log), libbpf.log.slice(-800));
  });
});
