/**
 * The loader's contract: every object of corpus/loader loads into the same kernel state with tsbpf as with
 * libbpf (bpftool prog loadall) — per program the xlated instructions (map ids by name), type and GPL flag;
 * per map name, type, sizes, max entries, flags and frozen state — or both refuse it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError, TsbpfError } from '../errors.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { readObjectSpec } from '../object/object-spec.js';
import { readFileSync } from 'node:fs';
import { describeKernelObjects, diffKernelStates, loadWithLibbpf } from '../test-support/libbpf-oracle.js';
import { loadObject } from './index.js';

/**
 * Where tsbpf departs from Debian's libbpf 1.1 on purpose, so the two can't agree: each of these must
 * load with tsbpf (its effect is tested in loader-features.test.ts or by program type here).
 */
const DEPARTURES: Readonly<Record<string, string>> = {
  'map_legacy_def.bpf.o': 'libbpf 1.x refuses legacy `maps` sections; tsbpf accepts them as cilium/ebpf and aya do',
  'lint_legacy_maps.bpf.o': 'libbpf 1.x refuses legacy `maps` sections; tsbpf accepts them (obj lint warns)',
  'prog_netfilter.bpf.o': 'SEC("netfilter") came in libbpf 1.2; libbpf 1.1 does not know it',
  'link_netfilter.bpf.o': 'SEC("netfilter") came in libbpf 1.2; libbpf 1.1 does not know it',
  'link_multi.bpf.o': 'SEC("uprobe.multi") came in libbpf 1.3; libbpf 1.1 does not know it',
  'prog_tcx.bpf.o': 'SEC("tcx/...") came in libbpf 1.3; libbpf 1.1 does not know it',
  'link_netkit.bpf.o': 'SEC("netkit/...") came in libbpf 1.3; libbpf 1.1 does not know it',
  'link_session.bpf.o': 'SEC("kprobe.session") came in libbpf 1.5, SEC("uprobe.session") in 1.6; libbpf 1.1 knows neither',
  'link_multi_pattern.bpf.o': 'SEC("uprobe.multi") came in libbpf 1.3; libbpf 1.1 does not know it',
  'struct_ops_cc_link.bpf.o': 'SEC(".struct_ops.link") came in libbpf 1.2; libbpf 1.1 skips the section and loads no map',
};

/**
 * Objects libbpf loads but bpftool 7.1 can't show: `prog loadall` pins every program, and libbpf refuses
 * to pin one that `?` kept from loading. Checked here by which programs load.
 */
const AUTOLOAD: Readonly<Record<string, { loaded: string[]; lazy: string[] }>> = {
  'code_autoload.bpf.o': { loaded: ['eager_dup'], lazy: ['lazy_close', 'lazy_socket'] },
  'lint_targets.bpf.o': { loaded: ['lint_bare_raw_tp', 'lint_one_part_tp'], lazy: ['lint_autoload_off'] },
};

const built = corpus();
const objects = typeof built === 'string' ? [] : built.loaderObjects;

test('every loader corpus object: tsbpf and libbpf agree', { skip: typeof built === 'string' ? built : false }, async (t) => {
  assert.ok(objects.length > 20, `the loader corpus has ${objects.length} objects`);
  const before = kernelSnapshot();
  const names = new Set<string>();
  for (const name of objects) {
    await t.test(name, async () => {
      const path = typeof built === 'string' ? '' : built.path(`loader/${name}`);
      try {
        for (const n of objectNames(readObjectSpec(new Uint8Array(readFileSync(path)), { path }))) names.add(n);
      } catch { /* an object the spec refuses creates nothing */ }
      const libbpf = loadWithLibbpf(path);
      let ours: { state: ReturnType<typeof describeKernelObjects> } | { error: unknown };
      try {
        const object = await loadObject(path, { pinRoot: '/sys/fs/bpf' });
        try {
          const programIds = Object.values(object.programs).map((program) => program.id);
          const mapIds = Object.values(object.maps).map((map) => map.id);
          ours = { state: describeKernelObjects(programIds, mapIds) };
        } finally {
          object.close();
          unpinObjectMaps(object.spec.maps);
        }
      } catch (error) {
        ours = { error };
      }
      const autoload = AUTOLOAD[name];
      if (autoload) {
        assert.ok('state' in ours, `${name}: ${String((ours as { error?: Error }).error?.message)}`);
        assert.deepEqual(ours.state.programs.map((p) => p.name).sort(), [...autoload.loaded].sort(), 'only the autoload programs');
        using every = await loadObject(path, { programs: [...autoload.loaded, ...autoload.lazy] });
        assert.deepEqual(Object.keys(every.programs).sort(), [...autoload.loaded, ...autoload.lazy].sort(), 'programs: [...] loads the `?` ones too');
        return;
      }
      const departure = DEPARTURES[name];
      if (departure) {
        // a kernel older than the hook refuses it: tsbpf must say so as NotSupportedError
        const unsupported = 'error' in ours && ours.error instanceof NotSupportedError;
        assert.ok('state' in ours || unsupported, `${name}: tsbpf must load it (${departure}): ${String((ours as { error?: Error }).error?.message)}`);
        assert.ok(!libbpf.ok, `${name}: libbpf now loads it; drop it from DEPARTURES and compare`);
        return;
      }
      if (libbpf.ok && 'state' in ours) {
        assert.equal(diffKernelStates(libbpf.state, ours.state), '', `${name}: kernel state differs from libbpf's`);
      } else if (!libbpf.ok && 'error' in ours) {
        assert.ok(ours.error instanceof TsbpfError, `${name}: refused with an untyped error: ${String((ours.error as Error)?.stack ?? ours.error)}`);
      } else if (libbpf.ok) {
        assert.fail(`${name}: libbpf loads it, tsbpf refused: ${(ours as { error: Error }).error?.message}\n${((ours as { error: Error }).error?.stack ?? '')}`);
      } else {
        assert.fail(`${name}: libbpf refused it (${libbpf.error}), tsbpf loaded it`);
      }
    });
  }
  assert.deepEqual(await leftoverObjects(before, names), [], 'the loads left programs or maps behind');
});

/** Pins a test made through LIBBPF_PIN_BY_NAME (the maps' pins outlive the object by design). */
function unpinObjectMaps(maps: readonly { pinning: number; fullName: string }[]): void {
  for (const map of maps) {
    if (map.pinning !== 1) continue;
    try { rmSync(`/sys/fs/bpf/${map.fullName}`); } catch { /* not pinned */ }
  }
}
