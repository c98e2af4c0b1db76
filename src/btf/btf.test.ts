/**
 * The BTF parser against its oracles: bpftool (ids, raw dump, JSON), the C compiler (sizeof/_Alignof
 * through a vmlinux.h bpftool generated) and byte identity of write(parse(x)).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { btfRawJson, formatBtfRaw } from './dump-raw.js';
import { writeBtf } from './writer.js';
import { BtfKind } from './types.js';
import { FIXTURE_MODULES, FIXTURE_VMLINUX, fixturesMissing, readBytes, sameBytes, VMLINUX, vmlinuxMissing } from './test-fixtures.js';

function bpftool(args: string[]): string {
  return execFileSync('bpftool', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}

describe('vmlinux BTF', { skip: vmlinuxMissing() }, () => {
  const bytes = readBytes(VMLINUX);
  const btf = Btf.parse(bytes);
  const raw = bpftool(['btf', 'dump', 'file', VMLINUX]);

  test('type count matches bpftool ids', () => {
    const last = /^\[(\d+)\]/.exec(raw.slice(raw.lastIndexOf('\n[') + 1))!;
    assert.equal(btf.typeCount - 1, Number(last[1]));
    assert.equal(btf.firstTypeId, 1);
  });

  test('raw dump is byte-identical to bpftool', () => {
    const ours = formatBtfRaw(btf);
    if (ours !== raw) {
      const a = ours.split('\n');
      const b = raw.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      assert.fail(`first difference at line ${line + 1}:\n ours:    ${a[line]}\n bpftool: ${b[line]}`);
    }
  });

  test('JSON equals bpftool -j (same keys, same values)', () => {
    const theirs = JSON.parse(bpftool(['-j', 'btf', 'dump', 'file', VMLINUX])) as unknown;
    const ours = JSON.parse(JSON.stringify(btfRawJson(btf), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as unknown;
    assert.deepStrictEqual(ours, theirs);
  });

  test('findByName finds types of several kinds', () => {
    const cases: Array<[string, BtfKind]> = [
      ['task_struct', BtfKind.Struct], ['int', BtfKind.Int], ['u32', BtfKind.Typedef], ['bpf_map_type', BtfKind.Enum],
      ['bpf_prog_load', BtfKind.Func], ['__sk_buff', BtfKind.Struct], ['bpf_attr', BtfKind.Union],
    ];
    for (const [name, kind] of cases) {
      const found = btf.findByName(name, kind);
      assert.ok(found.length >= 1, `${name} not found`);
      for (const t of found) {
        assert.equal(t.name, name);
        assert.equal(t.kind, kind);
        assert.match(raw, new RegExp(`^\\[${t.id}\\] \\S+ '${name}'`, 'm'));
      }
    }
    assert.deepEqual(btf.findByName('no_such_type_anywhere'), []);
    assert.ok(btf.findByName('task_struct').some((t) => t.kind === BtfKind.Struct));
  });

  test('resolve looks through typedefs and qualifiers', () => {
    const u32 = btf.findByName('u32', BtfKind.Typedef)[0]!;
    const resolved = btf.type(btf.resolve(u32.id));
    assert.equal(resolved.kind, BtfKind.Int);
    assert.equal(resolved.name, 'unsigned int');
  });

  test('sizes and alignments match the C compiler', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-'));
    try {
      writeFileSync(join(dir, 'vmlinux.h'), bpftool(['btf', 'dump', 'file', VMLINUX, 'format', 'c']));
      // not inode: libbpf 1.1's vmlinux.h misses an alignment there, so clang's sizeof (624) disagrees with the BTF (616)
      const structs = ['task_struct', 'sk_buff', 'file', 'bpf_prog', 'bpf_map', 'page', 'bpf_attr', 'xdp_md', 'pt_regs', 'sock'];
      const unions = new Set(['bpf_attr']);
      const program = [
        '#include "vmlinux.h"', 'int printf(const char *, ...);', 'int main(void) {',
        ...structs.map((s) => `  printf("%s %zu %zu\\n", "${s}", sizeof(${unions.has(s) ? 'union' : 'struct'} ${s}), _Alignof(${unions.has(s) ? 'union' : 'struct'} ${s}));`),
        '  return 0;', '}',
      ].join('\n');
      writeFileSync(join(dir, 'sizes.c'), program);
      execFileSync('clang', ['-w', '-o', join(dir, 'sizes'), join(dir, 'sizes.c')], { cwd: dir });
      const lines = execFileSync(join(dir, 'sizes'), { encoding: 'utf8' }).trim().split('\n');
      for (const line of lines) {
        const [name, size, align] = line.split(' ');
        const t = btf.findByName(name!, unions.has(name!) ? BtfKind.Union : BtfKind.Struct)[0]!;
        assert.equal(btf.sizeOf(t.id), Number(size), `sizeof ${name}`);
        assert.equal(btf.alignOf(t.id), Number(align), `_Alignof ${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sizeOf follows arrays, pointers and typedefs', () => {
    const u64 = btf.findByName('u64', BtfKind.Typedef)[0]!;
    assert.equal(btf.sizeOf(u64.id), 8);
    const pointer = btf.findByName('task_struct', BtfKind.Struct)[0]!.id;
    const ptr = [...btf.types()].find((t) => t.kind === BtfKind.Pointer && t.target === pointer)!;
    assert.equal(btf.sizeOf(ptr.id), 8);
    assert.equal(btf.alignOf(ptr.id), 8);
    const array = [...btf.types()].find((t) => t.kind === BtfKind.Array && t.count > 1 && btf.type(t.elementType).kind === BtfKind.Int)!;
    assert.ok(array.kind === BtfKind.Array);
    assert.equal(btf.sizeOf(array.id), array.count * btf.sizeOf(array.elementType));
    const func = btf.findByName('bpf_prog_load', BtfKind.Func)[0]!;
    assert.throws(() => btf.sizeOf(func.id), BtfError);
  });

  test('write(parse(vmlinux)) is byte-identical', () => {
    assert.ok(sameBytes(writeBtf(btf), bytes));
  });

  test('big-endian: the same BTF written in the other byte order parses to the same dump', () => {
    const swapped = writeBtf(btf, { littleEndian: false });
    const parsed = Btf.parse(swapped);
    assert.equal(parsed.littleEndian, false);
    assert.equal(formatBtfRaw(parsed), raw);
    assert.ok(sameBytes(writeBtf(parsed, { littleEndian: true }), bytes));
  });

  test('out-of-range ids throw BtfError', () => {
    assert.throws(() => btf.type(btf.typeCount), BtfError);
    assert.throws(() => btf.type(-1), BtfError);
    assert.throws(() => btf.string(btf.stringsLength + 5), BtfError);
  });
});

describe('Debian 6.1 split BTF (modules on vmlinux)', { skip: fixturesMissing() }, () => {
  test('write(parse(x)) is byte-identical for vmlinux and every module', () => {
    const baseBytes = readBytes(FIXTURE_VMLINUX);
    const base = Btf.parse(baseBytes);
    assert.ok(sameBytes(writeBtf(base), baseBytes), 'vmlinux');
    const modules = readdirSync(FIXTURE_MODULES);
    assert.ok(modules.length > 1000);
    const different = modules.filter((name) => {
      const bytes = readBytes(join(FIXTURE_MODULES, name));
      const module = Btf.parse(bytes, { base });
      assert.equal(module.firstTypeId, base.typeCount);
      return !sameBytes(writeBtf(module), bytes);
    });
    assert.deepEqual(different, []);
  });

  test('raw dump with -B equals bpftool for vmlinux and a few modules', () => {
    const base = Btf.parse(readBytes(FIXTURE_VMLINUX));
    assert.equal(formatBtfRaw(base), bpftool(['btf', 'dump', 'file', FIXTURE_VMLINUX]));
    for (const name of ['9p', 'kvm', 'ext4', 'nf_tables', 'i915', 'xfs']) {
      const path = join(FIXTURE_MODULES, `${name}.btf`);
      const module = Btf.parse(readBytes(path), { base });
      assert.equal(formatBtfRaw(module), bpftool(['btf', 'dump', 'file', path, '-B', FIXTURE_VMLINUX]), name);
      const json = JSON.parse(bpftool(['-j', 'btf', 'dump', 'file', path, '-B', FIXTURE_VMLINUX])) as unknown;
      assert.deepStrictEqual(JSON.parse(JSON.stringify(btfRawJson(module), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))), json, `${name} JSON`);
    }
  });

  test('split BTF finds its own types and the base\'s', () => {
    const base = Btf.parse(readBytes(FIXTURE_VMLINUX));
    const module = Btf.parse(readBytes(join(FIXTURE_MODULES, 'kvm.btf')), { base });
    const own = module.findByName('kvm_cpuid_entry', BtfKind.Struct);
    assert.ok(own.length >= 1 && own[0]!.id >= module.firstTypeId);
    const inherited = module.findByName('task_struct', BtfKind.Struct);
    assert.ok(inherited.length >= 1 && inherited[0]!.id < module.firstTypeId);
    assert.ok(module.sizeOf(own[0]!.id) > 0);
  });
});
