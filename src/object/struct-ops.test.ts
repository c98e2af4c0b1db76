/**
 * struct_ops variables read from our own objects (corpus/loader/struct_ops_*.bpf.c) with no kernel:
 * one map per variable, the kernel struct named (a ___flavour dropped), the variable's bytes, and the
 * member→program bindings the section's relocations make, checked against llvm-readelf's reading of
 * those relocations. Snippets compiled here check the refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MapType } from '../maps/map-types.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { compileBpf } from './compile-c.test-support.js';
import { ObjectError } from './object-error.js';
import { readObjectSpec } from './object-spec.js';
import { withoutFlavour } from './struct-ops.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const path = (name: string) => (built as Exclude<typeof built, string>).path(`loader/${name}.bpf.o`);

/** llvm-readelf's relocations of a section (from its .rel section): offset → symbol. */
function readelfRelocations(file: string, section: string): Map<number, string> {
  const text = execFileSync('llvm-readelf', ['-r', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const found = new Map<number, string>();
  let inSection = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('Relocation section')) inSection = line.includes(`'.rel${section}'`);
    const match = inSection ? /^([0-9a-f]{16})\s+[0-9a-f]+\s+R_BPF_64_ABS64\s+[0-9a-f]+\s+(\S+)/.exec(line) : null;
    if (match) found.set(Number.parseInt(match[1]!, 16), match[2]!);
  }
  return found;
}

test('a .struct_ops variable is one struct_ops map: its struct, bytes and member→program bindings (llvm-readelf agrees)', { skip }, () => {
  const file = path('struct_ops_cc');
  const spec = readObjectSpec(new Uint8Array(readFileSync(file)), { path: file });
  const map = spec.maps.find((m) => m.kind === 'struct_ops');
  assert.ok(map?.structOps);
  assert.equal(map.name, 'tsbpf_cc');
  assert.equal(map.type, MapType.StructOps);
  assert.equal(map.keySize, 4);
  assert.equal(map.maxEntries, 1);
  assert.equal(map.flags, 0);
  assert.equal(map.data, undefined, 'nothing is written at load');
  const structOps = map.structOps;
  assert.equal(structOps.typeName, 'tcp_congestion_ops');
  assert.equal(structOps.link, false);
  assert.equal(structOps.data.length, spec.btf!.sizeOf(structOps.localTypeId));
  const name = new TextDecoder().decode(structOps.data).indexOf('tsbpf_cc');
  assert.ok(name > 0, 'the name member\'s bytes are in the value');
  assert.deepEqual(structOps.programs.map((b) => [b.member, b.program]), [
    ['ssthresh', 'tsbpf_ssthresh'], ['cong_avoid', 'tsbpf_cong_avoid'], ['undo_cwnd', 'tsbpf_undo_cwnd'], ['init', 'tsbpf_init'],
  ]);
  if (hasTool('llvm-readelf')) {
    const relocations = readelfRelocations(file, '.struct_ops');
    assert.equal(relocations.size, 4);
    assert.deepEqual(new Map(structOps.programs.map((b) => [structOps.sectionOffset + b.offset, b.program])), relocations);
  }
  // the struct_ops map comes last, after the data maps, as libbpf orders them
  assert.equal(spec.maps.at(-1), map);
});

test('.struct_ops.link variables are BPF_F_LINK maps; maps may share programs', { skip }, () => {
  const file = path('struct_ops_cc_link');
  const spec = readObjectSpec(new Uint8Array(readFileSync(file)), { path: file });
  const maps = spec.maps.filter((m) => m.kind === 'struct_ops');
  assert.deepEqual(maps.map((m) => [m.fullName, m.section, m.flags]), [['tsbpf_cc_link', '.struct_ops.link', 0x2000], ['tsbpf_cc_swap', '.struct_ops.link', 0x2000]]);
  // the swap map shares three programs and has an init of its own
  assert.deepEqual(maps.map((m) => m.structOps!.programs.map((b) => `${b.member}=${b.program}`)), [
    ['ssthresh=tsbpf_ssthresh', 'cong_avoid=tsbpf_cong_avoid', 'undo_cwnd=tsbpf_undo_cwnd', 'init=tsbpf_init'],
    ['ssthresh=tsbpf_ssthresh', 'cong_avoid=tsbpf_cong_avoid', 'undo_cwnd=tsbpf_undo_cwnd', 'init=tsbpf_init_swap'],
  ]);
});

test('a ___flavour struct names the kernel struct without its suffix; its own layout is kept for the load to match', { skip }, () => {
  const file = path('struct_ops_flavour');
  const spec = readObjectSpec(new Uint8Array(readFileSync(file)), { path: file });
  const byName = new Map(spec.maps.filter((m) => m.structOps).map((m) => [m.fullName, m.structOps!]));
  assert.deepEqual([...byName.keys()], ['tsbpf_cc_flavour', 'tsbpf_cc_extra', 'tsbpf_missing']);
  const flavour = byName.get('tsbpf_cc_flavour')!;
  assert.equal(flavour.localTypeName, 'tcp_congestion_ops___tsbpf');
  assert.equal(flavour.typeName, 'tcp_congestion_ops');
  // members in the object's order: undo_cwnd, cong_avoid, ssthresh after name[16] and a u32
  assert.deepEqual(flavour.programs.map((b) => [b.member, b.offset, b.program]), [
    ['undo_cwnd', 24, 'flavour_undo_cwnd'], ['cong_avoid', 32, 'flavour_cong_avoid'], ['ssthresh', 40, 'flavour_ssthresh'],
  ]);
  assert.equal(byName.get('tsbpf_missing')!.typeName, 'tsbpf_no_such_ops');
  assert.equal(withoutFlavour('a___b___c'), 'a');
  assert.equal(withoutFlavour('plain'), 'plain');
});

test('refused with the byte offset: a struct_ops variable that is not a struct, a member set to a function outside struct_ops', { skip: hasTool('clang') ? false : 'clang is not installed' }, () => {
  const notStruct = compileBpf('int not_a_struct SEC(".struct_ops") = 1;\nchar LICENSE[] SEC("license") = "GPL";');
  assert.throws(() => readObjectSpec(notStruct.bytes), (error: unknown) => error instanceof ObjectError && /'not_a_struct' is not a struct/.test(error.message) && error.offset > 0);
  const wrongSection = compileBpf([
    'struct ops { int (*run)(void *ctx); };',
    'SEC("xdp") int not_struct_ops(void *ctx) { return 0; }',
    'struct ops my_ops SEC(".struct_ops") = { .run = (void *)not_struct_ops };',
    'char LICENSE[] SEC("license") = "GPL";',
  ].join('\n'));
  assert.throws(() => readObjectSpec(wrongSection.bytes), (error: unknown) => error instanceof ObjectError && /'not_struct_ops', which is not a function of a SEC\("struct_ops\/\.\.\."\) section/.test(error.message));
});
