import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { after, test } from 'node:test';
import { bpf, FileDescriptor } from '../sys/index.js';
import { BpfMap } from '../maps/map.js';
import { MapType } from '../maps/map-types.js';
import { corpus } from '../test-support/corpus.js';
import { openFdCount } from '../test-support/kernel.js';
import { InvalidArgumentError } from '../errors.js';
import { listPrograms } from './programs.js';
import { listLinks } from './links.js';
import { openOwnersScanner, prepareOwnersIterator, readOwners, type Owner, type OwnerTable } from './owners.js';

const here = new URL('.', import.meta.url);
const built = (path: string): string => new URL(`../${path}`, here).href;

/**
 * A child process titled `title` (its comm) holding a map (twice: duplicates must merge), and a
 * program, its object's BTF and an iterator link from corpus/loader/prog_iter.bpf.o. It prints their ids and holds them until
 * its stdin closes.
 */
const HOLDER = `
process.title = process.argv[1];
const { BpfMap } = await import(${JSON.stringify(built('maps/map.js'))});
const { loadObject } = await import(${JSON.stringify(built('loader/index.js'))});
const { bpf } = await import(${JSON.stringify(built('sys/index.js'))});
const { AttachType } = await import(${JSON.stringify(built('programs/attach-types.js'))});
const { linkInfo } = await import(${JSON.stringify(built('info/link-info.js'))});
const { btfInfo } = await import(${JSON.stringify(built('info/btf-info.js'))});
const map = BpfMap.create({ type: 1, keySize: 4, valueSize: 4, maxEntries: 1, name: 'owners_test' });
const again = BpfMap.fromId(map.id);
const object = await loadObject(process.argv[2], { programs: ['list_tasks'] });
const program = object.programs.list_tasks;
const linkFd = bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: AttachType.TraceIter });
// tsbpf closes the fd of an object nothing references any more: keep them referenced while held
globalThis.held = { map, again, object };
console.log(JSON.stringify({ pid: process.pid, mapId: map.id, programId: program.id, linkId: linkInfo(linkFd).id, btfId: btfInfo(object.btfFd).id }));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

interface Holder {
  child: ChildProcess;
  pid: number;
  mapId: number;
  programId: number;
  linkId: number;
  btfId: number;
}

/** Holders started and not yet stopped: killed after the file's tests, so a failing test can't leave one holding the file open. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill();
});

async function startHolder(title: string, object: string): Promise<Holder> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, title, object], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const [line] = (await Promise.race([
    once(child.stdout!, 'data'),
    once(child, 'exit').then(() => { throw new Error(`holder exited: ${stderr}`); }),
  ])) as [Buffer];
  return { child, ...(JSON.parse(line.toString()) as Omit<Holder, 'child'>) };
}

async function stopHolder(holder: Holder): Promise<void> {
  const exited = once(holder.child, 'exit');
  holder.child.stdin!.end();
  await exited;
}

/** A table as plain sorted data, for comparing two readings. */
function normalize(table: OwnerTable): string {
  const kind = (m: Map<number, Owner[]>) => [...m].sort((a, b) => a[0] - b[0]);
  return JSON.stringify({ programs: kind(table.programs), maps: kind(table.maps), links: kind(table.links), btf: kind(table.btfObjects) });
}

function ownersByPid(table: OwnerTable, pid: number): number {
  let count = 0;
  for (const kind of [table.programs, table.maps, table.links, table.btfObjects]) {
    for (const owners of kind.values()) count += owners.filter((owner) => owner.pid === pid).length;
  }
  return count;
}

test('before prepareOwnersIterator, readOwners reads /proc and forcing the iterator is a usage error', () => {
  assert.equal(readOwners().method, 'proc');
  assert.throws(() => readOwners({ method: 'iterator' }), { name: 'InvalidArgumentError', hint: /prepareOwnersIterator/ });
});

test('both readers name each holding process (tgid, its comm) for a program, a map, a link and a BTF object, merged and sorted by pid', async (t) => {
  const c = corpus();
  if (typeof c === 'string') { t.skip(c); return; }
  assert.equal(await prepareOwnersIterator(), 'iterator', 'the iterator loads as root');
  const object = c.path('loader/prog_iter.bpf.o');
  const first = await startHolder('own_first', object);
  let second: Holder | undefined;
  let shared: BpfMap | undefined;
  try {
    second = await startHolder('own_second', object);
    // this process also holds the first holder's map: two owners, in pid order
    shared = BpfMap.fromId(first.mapId);
    for (const method of ['iterator', 'proc'] as const) {
      const table = readOwners({ method });
      assert.equal(table.method, method);
      for (const [holder, comm] of [[first, 'own_first'], [second, 'own_second']] as const) {
        assert.deepEqual(table.programs.get(holder.programId), [{ pid: holder.pid, comm }], `${method}: program of ${comm}`);
        assert.deepEqual(table.links.get(holder.linkId), [{ pid: holder.pid, comm }], `${method}: link of ${comm}`);
        assert.deepEqual(table.btfObjects.get(holder.btfId), [{ pid: holder.pid, comm }], `${method}: BTF of ${comm}`);
      }
      assert.deepEqual(table.maps.get(second.mapId), [{ pid: second.pid, comm: 'own_second' }], `${method}: a map held by two fds is one owner`);
      const expected = [{ pid: first.pid, comm: 'own_first' }, { pid: process.pid, comm: readComm() }].sort((a, b) => a.pid - b.pid);
      assert.deepEqual(table.maps.get(first.mapId), expected, `${method}: two processes, sorted by pid`);
    }
    assert.equal(readOwners().method, 'iterator', 'the default once the iterator is prepared');
  } finally {
    shared?.close();
    await stopHolder(first);
    if (second) await stopHolder(second);
  }
  // once the holders are gone, so are their entries
  const after = readOwners();
  assert.equal(after.programs.get(first.programId), undefined);
  assert.equal(after.links.get(second.linkId), undefined);
});

function readComm(): string {
  return spawnSync('cat', [`/proc/${process.pid}/comm`], { encoding: 'utf8' }).stdout.trim();
}

test('the iterator leaves nothing behind and does not list its own program, link and BTF', async (t) => {
  if (await prepareOwnersIterator() !== 'iterator') { t.skip('the iterator cannot load here'); return; }
  const fds = openFdCount();
  for (let i = 0; i < 3; i++) {
    const table = readOwners({ method: 'iterator' });
    assert.equal(ownersByPid(table, process.pid), 0, 'this process holds no BPF object of its own now');
  }
  assert.equal(openFdCount(), fds, 'no fd leaked (every kernel object the reader made was held by an fd only)');
});

test('a scanner reads what readOwners reads, hides its own program and link from listings and leaves nothing when closed', async (t) => {
  if (await prepareOwnersIterator() !== 'iterator') { t.skip('the iterator cannot load here'); return; }
  const fds = openFdCount();
  const scanner = await openOwnersScanner();
  let programId: number;
  try {
    programId = scanner.programId;
    assert.ok(programId > 0 && scanner.linkId > 0);
    // its own program and link exist while it is open, but no table it reads lists them
    const listed = listPrograms({ owners: scanner, metadata: false });
    assert.ok(!listed.some((program) => program.info.id === programId), 'the scanner\'s iterator is not in the listing');
    assert.ok(listPrograms({ owners: false, metadata: false }).some((program) => program.info.id === programId), 'it is there for a plain listing');
    assert.ok(!listLinks({ hide: scanner }).some((link) => link.id === scanner.linkId), 'nor is its link');
    assert.ok(listLinks().some((link) => link.id === scanner.linkId), 'which a plain link listing shows');
    let agreed = false;
    for (let attempt = 0; attempt < 10 && !agreed; attempt++) {
      const table = scanner.read();
      assert.equal(table.method, 'iterator');
      assert.equal(table.programs.get(programId), undefined);
      assert.equal(table.links.get(scanner.linkId), undefined);
      // a one-off reading sees the scanner's program and link as this process's: leave them out
      const oneOff = readOwners({ method: 'iterator' });
      oneOff.programs.delete(programId);
      oneOff.links.delete(scanner.linkId);
      agreed = normalize(table) === normalize(oneOff);
      if (!agreed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(agreed, 'a scanner\'s reading equals a one-off iterator reading (taken just after it)');
  } finally {
    scanner.close();
  }
  scanner.close(); // twice is fine
  assert.throws(() => scanner.read(), InvalidArgumentError);
  assert.equal(openFdCount(), fds, 'no fd left');
  assert.ok(!listPrograms({ owners: false, metadata: false }).some((program) => program.info.id === programId), 'its program is gone');
});

test('a link opened again by id (its fd named bpf-link, not bpf_link) is owned by both readers', async (t) => {
  if (await prepareOwnersIterator() !== 'iterator') { t.skip('the iterator cannot load here'); return; }
  const built = corpus();
  if (typeof built === 'string') { t.skip(built); return; }
  const holder = await startHolder('own_link', built.path('loader/prog_iter.bpf.o'));
  try {
    using again = new FileDescriptor(bpf.getFdById('LINK', holder.linkId), 'link opened by id');
    assert.match(readlinkSync(`/proc/self/fd/${again.value}`), /^anon_inode:bpf-link$/);
    for (const method of ['iterator', 'proc'] as const) {
      const owners = readOwners({ method }).links.get(holder.linkId) ?? [];
      assert.ok(owners.some((owner) => owner.pid === process.pid), `${method}: this process holds the link by id: ${JSON.stringify(owners)}`);
      assert.ok(owners.some((owner) => owner.pid === holder.pid), `${method}: and the holder`);
    }
  } finally {
    await stopHolder(holder);
  }
});

test('both readers agree on the whole system', async (t) => {
  if (await prepareOwnersIterator() !== 'iterator') { t.skip('the iterator cannot load here'); return; }
  // other processes load and close objects meanwhile: the iterator's reading must equal a /proc
  // reading taken just before or just after it, within a few tries
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = normalize(readOwners({ method: 'proc' }));
    const iterator = normalize(readOwners({ method: 'iterator' }));
    const after = normalize(readOwners({ method: 'proc' }));
    if (iterator === before || iterator === after) return;
    last = `iterator ${iterator}\nproc ${after}`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the readers never agreed:\n${last}`);
});

test('an unprivileged user gets the /proc reading with the reason, and a forced iterator throws a typed error', (t) => {
  if (spawnSync('setpriv', ['--version']).status !== 0) { t.skip('setpriv is not installed'); return; }
  const script = `
    const { prepareOwnersIterator, readOwners } = await import(${JSON.stringify(built('inspect/owners.js'))});
    const prepared = await prepareOwnersIterator();
    const table = readOwners();
    let forced = '';
    try { readOwners({ method: 'iterator' }); } catch (error) { forced = error.name + ' ' + error.message; }
    console.log(JSON.stringify({ prepared, method: table.method, fallbackReason: table.fallbackReason, forced }));
  `;
  const result = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all',
    process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const outcome = JSON.parse(result.stdout) as { prepared: string; method: string; fallbackReason: string; forced: string };
  assert.equal(outcome.prepared, 'proc');
  assert.equal(outcome.method, 'proc');
  assert.match(outcome.fallbackReason, /EPERM/);
  assert.match(outcome.forced, /^BpfError .*EPERM/);
});

test('a map created here is listed with this process as owner by both readers', async (t) => {
  if (await prepareOwnersIterator() !== 'iterator') { t.skip('the iterator cannot load here'); return; }
  using map = BpfMap.create({ type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1, name: 'owners_self' });
  for (const method of ['iterator', 'proc'] as const) {
    assert.deepEqual(readOwners({ method }).maps.get(map.id), [{ pid: process.pid, comm: readComm() }], method);
  }
});
