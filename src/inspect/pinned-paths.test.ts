/**
 * bpftool -f: programs, maps and links pinned (several times, in nested directories) under a bpffs
 * directory of this test's own; the `pinned` lines and JSON arrays equal bpftool 7.1's for the same
 * objects, in its order; the pins are removed after.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { loadObject } from '../loader/load-object.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { linkDetails } from './links.js';
import { linkJson, linkText } from './links-text.js';
import { formatMap } from './map-text.js';
import { mapDetails, withPinnedPaths } from './maps.js';
import { bpffsMounts, readPinnedPaths } from './pinned-paths.js';
import { formatProgramText, programJson } from './program-text.js';
import { programDetails } from './programs.js';

const built = corpus();
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasTool('bpftool') ? 'bpftool is the oracle' : typeof built === 'string' ? built : !bpffsMounts().includes('/sys/fs/bpf') ? 'no bpffs at /sys/fs/bpf' : false;
const bpftool = (...args: string[]) => execFileSync('bpftool', args, { encoding: 'utf8' });
const withoutPids = (text: string) => text.replace(/\n\tpids [^\n]*/g, '');

test('-f: pinned paths of programs, maps and links as bpftool -f prints them', { skip }, async () => {
  if (typeof built === 'string') return;
  const root = `/sys/fs/bpf/tsbpf_pinned_test_${process.pid}`;
  mkdirSync(`${root}/inner/deeper`, { recursive: true });
  try {
    using object = await loadObject(built.path('loader/data_data_bss.bpf.o'));
    using iterator = await loadObject(built.path('loader/prog_iter.bpf.o'), { programs: ['list_tasks'] });
    const links = [...iterator.attachAll().values()];
    const program = Object.values(object.programs).find((p) => p.info().mapIds.length > 0)!;
    const map = Object.values(object.maps)[0]!;
    // pins in an order that makes bpftool's table grow in between
    for (const name of ['p_one', 'inner/p_two', 'p_three', 'inner/deeper/p_four', 'p_five']) program.pin(`${root}/${name}`);
    for (const name of ['m_one', 'inner/m_two']) map.pin(`${root}/${name}`);
    for (const name of ['l_one', 'inner/deeper/l_two']) links[0]!.pin(`${root}/${name}`);

    assert.equal(readPinnedPaths('program').get(program.id)?.length, 5);
    const id = String(program.id);
    const details = programDetails(program.id, { pinned: true });
    assert.equal(withoutPids(formatProgramText(details)), bpftool('-f', 'prog', 'show', 'id', id));
    const { pids: _pids, ...json } = programJson(details);
    assert.deepEqual(json, JSON.parse(bpftool('-f', '-j', 'prog', 'show', 'id', id)));

    // the CLI: -f as bpftool takes it (a global option), and after the command
    const cli = new URL('../cli/main.js', import.meta.url).pathname;
    const tsbpf = (...args: string[]) => withoutPids(execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' }));
    assert.equal(tsbpf('prog', 'show', 'id', id, '-f'), bpftool('-f', 'prog', 'show', 'id', id));
    assert.equal(tsbpf('-f', 'prog', 'show', 'id', id), bpftool('-f', 'prog', 'show', 'id', id));
    assert.equal(tsbpf('-f', 'map', 'show', 'id', String(map.id)), bpftool('-f', 'map', 'show', 'id', String(map.id)));
    const linkId = String(links[0]!.info().id);
    assert.equal(tsbpf('-f', 'link', 'show', 'id', linkId), bpftool('-f', 'link', 'show', 'id', linkId));
    const { pids: _linkPids, ...cliLinkJson } = JSON.parse(execFileSync(process.execPath, [cli, '-f', '-j', 'link', 'show', 'id', linkId], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.deepEqual(cliLinkJson, JSON.parse(bpftool('-f', '-j', 'link', 'show', 'id', linkId)));

    const [mapShown] = withPinnedPaths([mapDetails(map.id)]);
    assert.deepEqual(mapShown!.pinned?.length, 2);
    assert.equal(withoutPids(formatMap(mapShown!)), bpftool('-f', 'map', 'show', 'id', String(map.id)));
    const mapJson = JSON.parse(formatMap(mapShown!, { json: true, pretty: false })) as Record<string, unknown>;
    delete mapJson.pids;
    assert.deepEqual(mapJson, JSON.parse(bpftool('-f', '-j', 'map', 'show', 'id', String(map.id))));

    const link = linkDetails(links[0]!.info().id);
    const linkPins = readPinnedPaths('link').get(link.id);
    assert.equal(linkPins?.length, 2);
    assert.equal(withoutPids(linkText(link, undefined, linkPins)), bpftool('-f', 'link', 'show', 'id', String(link.id)));
    assert.deepEqual(linkJson(link, undefined, linkPins), JSON.parse(bpftool('-f', '-j', 'link', 'show', 'id', String(link.id))));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
