/**
 * Module BTF as a candidate source. libbpf only searches the running kernel's modules, and this
 * kernel has none, so the oracle runs on Debian 6.1's vmlinux BTF merged with one module's split
 * BTF into one custom target (same ids, same strings); tsbpf relocates against the two as separate
 * targets (vmlinux, then the module) and must patch exactly what libbpf patched. The rules libbpf
 * applies only to real modules (vmlinux answers alone when it has a candidate; otherwise every
 * module is searched, from its own first id) are tested directly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpus } from '../../test-support/corpus.js';
import { CoreCandidateCache, type CoreTarget } from './candidates.js';
import { CoreError } from './core-error.js';
import { readCoreObject } from './core-object.test-support.js';
import { oracleUnavailable } from './libbpf-oracle.test-support.js';
import { compareWithLibbpf, relocateObject } from './oracle-compare.test-support.js';
import { Btf } from '../../btf/btf.js';
import { parseElf } from '../../elf/index.js';
import { BtfKind } from '../../btf/types.js';
import { compileTestObject, module61Target, vmlinux61Target, writeMergedBtf } from './targets.test-support.js';

function targets(...names: string[]): CoreTarget[] | string {
  const found = [vmlinux61Target(), ...names.map(module61Target)];
  const missing = found.find((target) => typeof target === 'string');
  return missing === undefined ? found as CoreTarget[] : missing as string;
}

test('a type only a module has (btrfs_inode on 6.1): tsbpf with vmlinux + module BTF patches what libbpf patches with the two merged', (t) => {
  const all = targets('btrfs');
  const built = corpus();
  const reason = typeof all === 'string' ? all : typeof built === 'string' ? built : oracleUnavailable();
  if (reason) return t.skip(reason);
  const [vmlinux, btrfs] = all as CoreTarget[];
  const merged = writeMergedBtf(vmlinux!.btf, btrfs!.btf, 'vmlinux-6.1+btrfs');
  const path = (built as Exclude<typeof built, string>).path('loader/core_module.bpf.o');
  const comparison = compareWithLibbpf(path, new Uint8Array(readFileSync(path)), [vmlinux!, btrfs!], merged);
  assert.deepEqual(comparison.mismatches, []);
  // the module's type was found: its target type id is a split id, after vmlinux's
  const targetId = comparison.sites.find((site) => site.original.opcode === 0x18 && site.ours[0]!.imm > vmlinux!.btf.typeCount);
  assert.ok(targetId, 'bpf_core_type_id_kernel(struct btrfs_inode) resolved to a module type id');
  assert.ok((comparison.counts.patched ?? 0) === comparison.sites.length, JSON.stringify(comparison.counts));
});

test('candidates: vmlinux answers alone when it has any; otherwise every module is searched, in order, from its own first id', (t) => {
  const all = targets('xfs', 'btrfs');
  if (typeof all === 'string') return t.skip(all);
  const [vmlinux, xfs, btrfs] = all;
  const cache = new CoreCandidateCache();
  const local = localBtf('struct btrfs_inode { int a; } b; struct xfs_inode { int b; } x; struct task_struct { int pid; } t;');
  const id = (name: string) => local.findByName(name, BtfKind.Struct)[0]!.id;
  const btrfsInode = cache.candidatesFor(local, id('btrfs_inode'), all);
  assert.deepEqual(btrfsInode.map((candidate) => candidate.target.name), ['btrfs']);
  assert.ok(btrfsInode.every((candidate) => candidate.id >= vmlinux!.btf.typeCount && candidate.id < btrfs!.btf.typeCount));
  assert.deepEqual(btrfsInode.map((candidate) => candidate.id), btrfs!.btf.findByName('btrfs_inode', BtfKind.Struct).map((type) => type.id));
  assert.deepEqual(cache.candidatesFor(local, id('xfs_inode'), all).map((candidate) => candidate.target.name), ['xfs']);
  const task = cache.candidatesFor(local, id('task_struct'), all);
  assert.deepEqual(task.map((candidate) => candidate.target.name), ['vmlinux-6.1']);
  // a name in both of two "modules": with the first as the main target, the second is never searched
  const pair = targets('3c574_cs', '3c589_cs');
  if (typeof pair === 'string') return;
  const [, first, second] = pair;
  const el3 = localBtf('struct el3_private { int a; } e;');
  const el3Id = el3.findByName('el3_private', BtfKind.Struct)[0]!.id;
  assert.deepEqual(cache.candidatesFor(el3, el3Id, pair).map((candidate) => candidate.target.name), ['3c574_cs', '3c589_cs']);
  assert.deepEqual(cache.candidatesFor(el3, el3Id, [first!, second!]).map((candidate) => candidate.target.name), ['3c574_cs']);
  void xfs;
});

test('a local type found in two modules: both are candidates, and where they disagree the relocation is refused as ambiguous', (t) => {
  const pair = targets('3c574_cs', '3c589_cs');
  if (typeof pair === 'string') return t.skip(pair);
  const [vmlinux, first, second] = pair;
  const member = memberAtDifferentOffsets(first!.btf, second!.btf, 'el3_private');
  if (!member) return t.skip('el3_private has no member at different offsets in 3c574_cs and 3c589_cs');
  const path = compileTestObject('el3', `
struct el3_private { ${member.declaration}; } __attribute__((preserve_access_index));
__u64 out;
SEC("raw_tp/sys_enter") int read_el3(void *ctx) { struct el3_private *p = (void *)0x1000; out = bpf_core_field_offset(p->${member.name}); return 0; }
char LICENSE[] SEC("license") = "GPL";`);
  const object = readCoreObject(new Uint8Array(readFileSync(path)));
  const inFirst = relocateObject(object, [vmlinux!, first!])[0]!;
  const inSecond = relocateObject(object, [vmlinux!, second!])[0]!;
  assert.equal(inFirst.outcome, 'patched');
  assert.equal(inSecond.outcome, 'patched');
  assert.notDeepEqual(inFirst.ours, inSecond.ours);
  const both = relocateObject(object, pair)[0]!;
  assert.equal(both.outcome, 'failed');
  assert.ok(both.error instanceof CoreError && /field offset ambiguity/.test(both.error.reason), both.error?.message);
  assert.equal(both.error.program, 'read_el3');
  assert.equal(both.error.relocationKind, 'byte_off');
});

/** The .BTF of a C snippet (types kept alive by a variable each). */
function localBtf(source: string): Btf {
  const path = compileTestObject(`local-${(hash(source) >>> 0).toString(16)}`, `${source}\nchar LICENSE[] SEC("license") = "GPL";`);
  return Btf.parse(parseElf(new Uint8Array(readFileSync(path))).sectionByName('.BTF')!.data);
}

function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 0x01000193);
  return value;
}

/** A member of struct `name` that both BTFs have at different offsets, as a C declaration of a compatible type. */
function memberAtDifferentOffsets(a: Btf, b: Btf, name: string): { name: string; declaration: string } | undefined {
  const own = (btf: Btf) => btf.findByName(name, BtfKind.Struct).find((type) => type.id >= btf.firstTypeId);
  const typeA = own(a);
  const typeB = own(b);
  if (!typeA || !typeB || typeA.kind !== BtfKind.Struct || typeB.kind !== BtfKind.Struct) return undefined;
  for (const member of typeA.members) {
    const other = typeB.members.find((candidate) => candidate.name === member.name);
    if (!member.name || !other || other.bitOffset === member.bitOffset || member.bitfieldSize || other.bitfieldSize) continue;
    const kindA = a.type(a.resolve(member.type)).kind;
    const kindB = b.type(b.resolve(other.type)).kind;
    if (kindA !== kindB) continue;
    if (kindA === BtfKind.Pointer) return { name: member.name, declaration: `void *${member.name}` };
    if (kindA === BtfKind.Int) return { name: member.name, declaration: `int ${member.name}` };
    if (kindA === BtfKind.Struct || kindA === BtfKind.Union) return { name: member.name, declaration: `struct { char c; } ${member.name}` };
  }
  return undefined;
}
