/**
 * USDT probe sites of the test target, checked against readelf: provider, name, arguments, address
 * and semaphore address as readelf -n prints them; file offsets from readelf -S's section table; the
 * byte at each site's file offset is the probe's nop. The .stapsdt.base correction on an edited copy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseElf } from '../elf/index.js';
import { InvalidArgumentError } from '../errors.js';
import { corpus } from '../test-support/corpus.js';
import { usdtProbeSites } from './usdt-notes.js';
import { usdtFixtures } from './usdt-test-fixtures.js';

const fixtures = usdtFixtures();
const skip = typeof fixtures === 'string' ? fixtures : false;

interface ReadelfProbe { provider: string; name: string; location: bigint; base: bigint; semaphore: bigint; arguments: string }

function readelfProbes(path: string): ReadelfProbe[] {
  const text = execFileSync('readelf', ['-nW', path], { encoding: 'utf8' });
  const probes: ReadelfProbe[] = [];
  const pattern = /Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\s+Arguments: ?([^\n]*)/g;
  for (const match of text.matchAll(pattern)) {
    probes.push({ provider: match[1]!, name: match[2]!, location: BigInt(match[3]!), base: BigInt(match[4]!), semaphore: BigInt(match[5]!), arguments: match[6]!.trim() });
  }
  return probes;
}

/** readelf -S's view: a virtual address to its file offset. */
function readelfFileOffset(path: string, address: bigint): number {
  const text = execFileSync('readelf', ['-SW', path], { encoding: 'utf8' });
  for (const match of text.matchAll(/\]\s+\S+\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)/g)) {
    const [type, start, offset, size] = [match[1]!, BigInt(`0x${match[2]}`), Number(`0x${match[3]}`), BigInt(`0x${match[4]}`)];
    if (type !== 'NOBITS' && start !== 0n && address >= start && address < start + size) return Number(address - start) + offset;
  }
  throw new Error(`readelf shows no section holding 0x${address.toString(16)}`);
}

test('the target\'s probe sites agree with readelf -n, with file offsets at their nops', { skip }, () => {
  if (typeof fixtures === 'string') return;
  const bytes = new Uint8Array(readFileSync(fixtures.target));
  const sites = usdtProbeSites(bytes, fixtures.target);
  const expected = readelfProbes(fixtures.target);
  assert.deepEqual(sites.map((site) => `${site.provider}:${site.name}`).sort(), ['tsbpf:args', 'tsbpf:sem', 'tsbpf:twice', 'tsbpf:twice']);
  assert.deepEqual(sites.map((site) => [site.provider, site.name, site.argumentText, site.address]), expected.map((probe) => [probe.provider, probe.name, probe.arguments, probe.location]));
  for (const [index, site] of sites.entries()) {
    assert.equal(site.fileOffset, readelfFileOffset(fixtures.target, expected[index]!.location), `${site.name} file offset`);
    assert.equal(bytes[site.fileOffset], 0x90, `${site.name}: a nop at the probe`);
    const semaphore = expected[index]!.semaphore;
    assert.equal(site.semaphoreOffset, semaphore === 0n ? 0 : readelfFileOffset(fixtures.target, semaphore), `${site.name} semaphore`);
  }
  assert.ok(sites.find((site) => site.name === 'sem')!.semaphoreOffset > 0, 'tsbpf:sem has a semaphore');
});

test('a note whose .stapsdt.base moved (prelink) has its address shifted by as much', { skip }, () => {
  if (typeof fixtures === 'string') return;
  const bytes = new Uint8Array(readFileSync(fixtures.target));
  const original = usdtProbeSites(bytes);
  const elf = parseElf(bytes);
  const notes = elf.allNotes.filter(({ note }) => note.name === 'stapsdt');
  // the note says .stapsdt.base was 0x10 lower at link time: the probe moved up by 0x10 since
  const first = notes[0]!.note.desc;
  const view = new DataView(bytes.buffer, first.byteOffset, first.byteLength);
  view.setBigUint64(8, view.getBigUint64(8, true) - 0x10n, true);
  const moved = usdtProbeSites(bytes);
  assert.equal(moved[0]!.address, original[0]!.address + 0x10n);
  assert.equal(moved[0]!.fileOffset, original[0]!.fileOffset + 0x10);
  assert.deepEqual(moved.slice(1), original.slice(1));
});

test('probes in an unlinked object are refused; a file without probes has none', () => {
  const built = corpus();
  if (typeof built === 'string') return;
  assert.throws(() => usdtProbeSites(new Uint8Array(readFileSync(built.path('usdt.host.o')))), InvalidArgumentError);
  assert.deepEqual(usdtProbeSites(new Uint8Array(readFileSync(built.path('kinds.o')))), []);
});
