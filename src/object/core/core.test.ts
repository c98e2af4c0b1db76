/**
 * The CO-RE engine against libbpf itself: every relocation of every CO-RE object of the corpus
 * (corpus/core.bpf.c and corpus/loader/core_*.bpf.c), relocated by tsbpf and by libbpf (the C oracle
 * in libbpf-oracle.test-support.ts), must leave the same instruction, or be refused by both, against
 * this kernel's BTF, Debian 6.1's (btf_custom_path), and a target written in C for the purpose.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreRelocationKind } from '../../btf/ext-records.js';
import { Btf } from '../../btf/btf.js';
import { parseElf } from '../../elf/index.js';
import { corpus } from '../../test-support/corpus.js';
import { CoreCandidateCache, type CoreTarget } from './candidates.js';
import { CoreError } from './core-error.js';
import { readCoreObject, rewriteRelocationKinds } from './core-object.test-support.js';
import { oracleUnavailable } from './libbpf-oracle.test-support.js';
import { compareWithLibbpf, relocateObject } from './oracle-compare.test-support.js';
import { relocateCore } from './relocate.js';
import { compileTestObject, hostTarget, hostTargets, scratchDirectory, VMLINUX_61_PATH, vmlinux61Target } from './targets.test-support.js';

interface CorpusObject { name: string; path: string; bytes: Uint8Array }

/** The CO-RE objects, with core_matches' type-exists relocations turned into type-matches ones. */
function coreObjects(): CorpusObject[] | string {
  const built = corpus();
  if (typeof built === 'string') return built;
  const names = ['core.o', ...built.loaderObjects.filter((name) => name.startsWith('core_')).map((name) => `loader/${name}`)];
  return names.map((name) => {
    let bytes: Uint8Array = new Uint8Array(readFileSync(built.path(name)));
    let path = built.path(name);
    if (name.includes('core_matches')) {
      bytes = rewriteRelocationKinds(bytes, CoreRelocationKind.TypeExists, CoreRelocationKind.TypeMatches);
      path = join(scratchDirectory(), 'core_matches.type-matches.bpf.o');
      writeFileSync(path, bytes);
    }
    return { name, path, bytes };
  });
}

function skipReason(targets: CoreTarget[] | string): string | undefined {
  if (typeof targets === 'string') return targets;
  return oracleUnavailable();
}

/** Debian 6.1's vmlinux alone: libbpf given btf_custom_path searches no modules. */
function vmlinux61Targets(): CoreTarget[] | string {
  const target = vmlinux61Target();
  return typeof target === 'string' ? target : [target];
}

for (const [label, getTargets, customPath] of [
  ['this kernel\'s BTF', hostTargets, undefined],
  ['Debian 6.1\'s vmlinux BTF (custom target)', vmlinux61Targets, VMLINUX_61_PATH],
] as const) {
  test(`CO-RE corpus against ${label}: every relocated instruction equals libbpf's`, async (t) => {
    const targets = getTargets();
    const objects = coreObjects();
    const reason = skipReason(targets) ?? (typeof objects === 'string' ? objects : undefined);
    if (reason) return t.skip(reason);
    const totals: Record<string, number> = {};
    for (const object of objects as CorpusObject[]) {
      await t.test(object.name, () => {
        const comparison = compareWithLibbpf(object.path, object.bytes, targets as CoreTarget[], customPath);
        assert.deepEqual(comparison.mismatches, [], `${object.name}: tsbpf and libbpf disagree`);
        assert.ok(comparison.sites.length > 0, `${object.name} has CO-RE relocations`);
        for (const [outcome, count] of Object.entries(comparison.counts)) totals[outcome] = (totals[outcome] ?? 0) + count;
      });
    }
    // the corpus exercises both outcomes against every target
    assert.ok((totals.patched ?? 0) > 50, `patched ${totals.patched}`);
    assert.ok((totals.poisoned ?? 0) > 0, `poisoned ${totals.poisoned}`);
  });
}

/**
 * A target written in C: core.o's own task_struct again, moved around: fields at other offsets, the
 * bitfields wider and elsewhere, pid narrower and tgid wider (so direct loads need resizing, which
 * libbpf refuses for signed fields), a shorter comm, and the enum with another value.
 */
const CUSTOM_TARGET = `
struct task_struct {
  long long padding[3];
  struct task_struct *parent;
  unsigned char comm[8];
  unsigned int flags : 7;
  unsigned int state : 20;
  short pid;
  long tgid;
};
enum task_state { TASK_RUNNING = 0, TASK_DEAD = 128, TASK_NEW = 1 << 20 };
struct task_struct custom_task;
enum task_state custom_state;
`;

test('CO-RE corpus against a target written in C: every relocated instruction equals libbpf\'s', (t) => {
  const reason = oracleUnavailable();
  const built = corpus();
  if (reason || typeof built === 'string') return t.skip(reason ?? (built as string));
  const targetPath = compileTestObject('custom-target', CUSTOM_TARGET);
  const targetBtf = Btf.parse(parseElf(new Uint8Array(readFileSync(targetPath))).sectionByName('.BTF')!.data);
  const target: CoreTarget = { name: 'custom', btf: targetBtf };
  const path = built.path('core.o');
  const comparison = compareWithLibbpf(path, new Uint8Array(readFileSync(path)), [target], targetPath);
  assert.deepEqual(comparison.mismatches, []);
  assert.ok((comparison.counts.poisoned ?? 0) > 0 && (comparison.counts.patched ?? 0) > 0, JSON.stringify(comparison.counts));
});

test('candidate pruning: a later relocation of a local type only considers the candidates an earlier one kept, as libbpf does', (t) => {
  const target = hostTarget();
  const built = corpus();
  if (typeof target === 'string' || typeof built === 'string') return t.skip(typeof target === 'string' ? target : built as string);
  const object = readCoreObject(new Uint8Array(readFileSync(built.path('loader/core_prune.bpf.o'))));
  const cache = new CoreCandidateCache();
  const nfConn = target.btf.findByName('nf_conn').concat(target.btf.findByName('nf_conn___init'));
  if (nfConn.length < 2) return t.skip('this kernel\'s BTF lacks nf_conn and nf_conn___init, the two candidates this test needs');
  // in object order, as the loader relocates: the field access keeps nf_conn only, then the size resolves
  const results = relocateObject(object, [target], cache);
  assert.deepEqual(results.map((site) => site.outcome), ['patched', 'patched']);
  // alone, the type size sees both candidates, which disagree: refused as ambiguous
  const second = object.programs.find((program) => program.name === 'size_second')!;
  assert.throws(
    () => relocateCore(second.instructions.map((insn) => ({ ...insn })), second.sites, object.btf, [target], { programName: 'size_second' }),
    (error: unknown) => error instanceof CoreError && /ambiguity/.test(error.reason) && error.program === 'size_second',
  );
});

test('a flavored target name (nf_conn___init) is a candidate for the plain local name, found without walking the target', (t) => {
  const target = hostTarget();
  if (typeof target === 'string') return t.skip(target);
  const expected = target.btf.findByName('nf_conn___init');
  if (expected.length === 0) return t.skip('this kernel\'s BTF has no nf_conn___init');
  const cache = new CoreCandidateCache();
  const ids = cache.candidatesIn(target.btf, expected[0]!.kind, 'nf_conn');
  assert.ok(ids.includes(expected[0]!.id));
  assert.deepEqual(ids, [...target.btf.findByName('nf_conn'), ...expected].map((type) => type.id).sort((a, b) => a - b));
  // and a local flavor finds the plain kernel name
  assert.deepEqual(cache.candidatesIn(target.btf, expected[0]!.kind, 'task_struct___old'), target.btf.findByName('task_struct').map((type) => type.id));
});
