/**
 * readObjectFile on the corpus: section numbers and sizes as readelf -S -W prints them, each section's
 * role, programs as the SEC names say, data-section variables, externs, BTF.ext counts, and the same
 * summary from both byte orders.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { corpus, hasTool, type Corpus } from '../test-support/corpus.js';
import { compileBpf } from './compile-c.test-support.js';
import { readObjectFile, type ObjectFileSummary, type SectionRole } from './object-file.js';
import { ObjectError } from './object-error.js';

const skip = hasTool('clang') && hasTool('readelf') ? false : 'clang and readelf are needed';

function built(): Corpus {
  const result = corpus();
  if (typeof result === 'string') throw new Error(result);
  return result;
}

function read(name: string): ObjectFileSummary {
  return readObjectFile(new Uint8Array(readFileSync(built().path(name))));
}

function role(summary: ObjectFileSummary, name: string): SectionRole {
  const section = summary.sections.find((s) => s.name === name);
  assert.ok(section, `no section ${name}`);
  return section.role;
}

describe('readObjectFile', { skip }, () => {
  it('numbers and sizes every section as readelf -S -W does, for every corpus object', () => {
    for (const name of built().bpfObjects) {
      const text = execFileSync('readelf', ['-S', '-W', built().path(name)], { encoding: 'utf8' });
      const theirs = [...text.matchAll(/^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+[0-9a-f]{16}\s+([0-9a-f]+)\s+([0-9a-f]+)/gm)]
        .map((m) => ({ index: Number(m[1]), name: m[2]!, offset: parseInt(m[4]!, 16), size: parseInt(m[5]!, 16) }));
      const ours = read(name).sections.map((s) => ({ index: s.index, name: s.name, offset: s.offset, size: s.size }));
      assert.deepEqual(ours, theirs, name);
    }
  });

  it('gives programs.o its programs with type, attach type and target from the SEC names', () => {
    for (const file of ['programs.o', 'programs.eb.o']) {
      const summary = read(file);
      assert.equal(summary.endianness, file.includes('.eb.') ? 'big' : 'little');
      const programs = summary.programs.map((p) => [p.name, p.section, p.programType, p.expectedAttachType, p.attachTarget, p.instructions]);
      assert.deepEqual(programs, [
        ['on_openat', 'tracepoint/syscalls/sys_enter_openat', 'tracepoint', '', 'syscalls/sys_enter_openat', 7],
        ['on_xdp', 'xdp', 'xdp', 'xdp', '', 8],
        ['on_tc', 'tc', 'sched_cls', '', '', 6],
        ['on_kprobe', 'kprobe/do_sys_openat2', 'kprobe', '', 'do_sys_openat2', 5],
        ['on_raw_tp', 'raw_tp/sched_switch', 'raw_tracepoint', '', 'sched_switch', 7],
        ['on_fentry', 'fentry/do_unlinkat', 'tracing', 'trace_fentry', 'do_unlinkat', 2],
        ['on_socket', 'socket', 'socket_filter', '', '', 5],
      ], file);
      const text = role(summary, '.text');
      assert.equal(text.kind, 'subprograms');
      if (text.kind === 'subprograms') {
        assert.deepEqual(text.functions.map((f) => [f.name, f.offset, f.size, f.global]), [['global_helper', 0, 64, true], ['add_one', 64, 24, false], ['twice', 88, 64, false]]);
      }
      assert.equal(summary.license, 'GPL');
      assert.deepEqual(role(summary, '.reltracepoint/syscalls/sys_enter_openat'), { kind: 'relocations', target: 'tracepoint/syscalls/sys_enter_openat', targetIndex: 4, count: 1, symbols: ['.text'] });
      assert.deepEqual(role(summary, '.bss'), { kind: 'data', access: 'zero-initialized', strings: false, variables: [{ name: 'hits', type: 'int', offset: 0, size: 4, global: true }] });
      assert.equal(role(summary, '.llvm_addrsig').kind, 'addrsig');
      assert.equal(role(summary, '.symtab').kind, 'symbols');
      assert.equal(role(summary, '.debug_info').kind, 'debug');
      const ext = role(summary, '.BTF.ext');
      assert.equal(ext.kind, 'btf-ext');
      if (ext.kind === 'btf-ext') {
        assert.deepEqual(ext.sections.find((s) => s.section === '.text'), { section: '.text', funcInfo: 3, lineInfo: ext.sections.find((s) => s.section === '.text')!.lineInfo, coreRelocations: 0 });
      }
    }
  });

  it('reads the maps and the global variables of maps.o as maps.bpf.c declares them', () => {
    const summary = read('maps.o');
    assert.deepEqual(summary.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.keyType ?? '', m.valueType ?? '']), [
      ['inner', 'array', 4, 4, 1, 'int', 'int'],
      ['outer', 'array_of_maps', 4, 4, 2, 'int', ''],
      ['per_cpu_counts', 'percpu_array', 4, 8, 4, 'unsigned int', 'unsigned long long'],
      ['ring', 'ringbuf', 0, 0, 262144, '', ''],
      ['events_by_pid', 'hash', 4, 32, 1024, 'unsigned int', 'struct event'],
    ]);
    const variables = (name: string) => {
      const r = role(summary, name);
      return r.kind === 'data' ? r.variables.map((v) => `${v.name}: ${v.type} @${v.offset}+${v.size}`) : [];
    };
    assert.deepEqual(variables('.rodata'), ['target_pid: const volatile unsigned int @0+4']);
    assert.deepEqual(variables('.bss'), ['seen: unsigned long long @0+8']);
    assert.deepEqual(variables('.data'), ['configured: int @0+4']);
    assert.deepEqual(variables('.data.counters'), ['counters: unsigned long long[4] @0+32']);
    assert.deepEqual(variables('.rodata.config'), ['greeting: const char[6] @0+6']);
    assert.deepEqual(role(summary, '.maps'), { kind: 'btf-maps', maps: ['inner', 'outer', 'per_cpu_counts', 'ring', 'events_by_pid'] });
  });

  it('lists the .kconfig and .ksyms externs of externs.o with their weakness', () => {
    assert.deepEqual(read('externs.o').externs.map((e) => [e.name, e.section, e.kind, e.weak]), [
      ['LINUX_KERNEL_VERSION', '.kconfig', 'variable', false],
      ['CONFIG_BPF_SYSCALL', '.kconfig', 'variable', true],
      ['bpf_rcu_read_lock', '.ksyms', 'function', false],
      ['bpf_rcu_read_unlock', '.ksyms', 'function', false],
      ['bpf_prog_active', '.ksyms', 'variable', false],
      ['not_a_real_symbol', '.ksyms', 'variable', true],
    ]);
  });

  it('counts CO-RE relocations in core.o and gives the same summary for both byte orders', () => {
    for (const name of ['kinds', 'maps', 'programs', 'core', 'atomics']) {
      const little = read(`${name}.o`);
      const big = read(`${name}.eb.o`);
      // clang's code and debug info differ a little between the targets; the BPF meaning must not
      const shape = (s: ObjectFileSummary) => JSON.stringify({
        sections: s.sections.map((x) => [x.index, x.name, x.type, x.flags, x.role.kind, x.role.kind === 'data' ? x.role.variables : []]),
        programs: s.programs.map((p) => ({ ...p, size: 0, instructions: 0 })), maps: s.maps, externs: s.externs, license: s.license, btf: s.btf,
      }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      assert.equal(shape(big), shape(little), name);
    }
    const ext = role(read('core.o'), '.BTF.ext');
    assert.ok(ext.kind === 'btf-ext' && ext.sections.some((s) => s.coreRelocations > 0));
  });

  it('names an unknown program section with a suggestion, reads legacy maps and the version section', () => {
    const { bytes } = compileBpf(`
struct legacy_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct legacy_def old_hash SEC("maps") = { BPF_MAP_TYPE_HASH, 4, 8, 16, 0 };
struct legacy_def old_array SEC("maps") = { BPF_MAP_TYPE_ARRAY, 4, 4, 2, 0 };
unsigned int kernel_version SEC("version") = 0x060100;
SEC("xdpp") int typo(void *ctx) { return 2; }
SEC("?uprobe.s/foo") int later(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "Dual MIT/GPL";
`);
    const summary = readObjectFile(bytes);
    assert.deepEqual(role(summary, 'xdpp'), { kind: 'unknown-program', didYouMean: 'xdp', instructions: 2 });
    assert.deepEqual(summary.maps.map((m) => [m.name, m.section, m.type, m.keySize, m.valueSize, m.maxEntries]), [
      ['old_hash', 'maps', 'hash', 4, 8, 16], ['old_array', 'maps', 'array', 4, 4, 2],
    ]);
    assert.match(summary.maps[0]!.note ?? '', /libbpf v1\.0/);
    assert.equal(summary.kernelVersion, 0x060100);
    assert.equal(summary.license, 'Dual MIT/GPL');
    const later = summary.programs.find((p) => p.name === 'later');
    assert.deepEqual([later?.programType, later?.autoload, later?.sleepable, later?.attachTarget], ['kprobe', false, true, 'foo']);
  });

  it('reads .struct_ops and .struct_ops.link variables as struct_ops maps with their program bindings', () => {
    for (const [name, section, link] of [['loader/struct_ops_cc.bpf.o', '.struct_ops', false], ['loader/struct_ops_cc_link.bpf.o', '.struct_ops.link', true]] as const) {
      const summary = read(name);
      const found = role(summary, section);
      assert.equal(found.kind, 'struct-ops', name);
      if (found.kind !== 'struct-ops') continue;
      assert.equal(found.link, link);
      const [map] = found.maps;
      assert.equal(map?.struct, 'tcp_congestion_ops', name);
      // every binding names one of the object's struct_ops programs
      const programs = new Set(summary.programs.filter((p) => p.programType === 'struct_ops').map((p) => p.name));
      assert.ok(map!.programs.length > 0 && map!.programs.every((binding) => programs.has(binding.program)), `${name}: ${JSON.stringify(map!.programs)}`);
      const listed = summary.maps.find((m) => m.name === map!.name);
      assert.deepEqual([listed?.type, listed?.keySize, listed?.maxEntries, listed?.flags], ['struct_ops', 4, 1, link ? 0x2000 : 0], name);
      assert.equal(listed?.valueType, 'struct tcp_congestion_ops');
    }
  });

  it('refuses a non-BPF ELF and a truncated object with the byte offset', () => {
    assert.throws(() => readObjectFile(new Uint8Array(readFileSync(built().path('usdt.host.o')))), (error: unknown) => error instanceof ObjectError && /e_machine .* not Linux BPF at byte offset 18/.test(error.message));
    const bytes = new Uint8Array(readFileSync(built().path('maps.o')));
    assert.throws(() => readObjectFile(bytes.subarray(0, 2000)), /at byte offset \d+/);
  });
});
