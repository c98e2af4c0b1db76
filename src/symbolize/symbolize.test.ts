/**
 * The symbolizer against the machine's own oracles: /proc/kallsyms read by grep, node's and libc's
 * symbols as `nm` lists them and their segments as `readelf -l` does, and a perf map we write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfSymbols, KernelSymbols, parsePerfMap, parseProcessMaps, PerfMapFile, readProcessMaps, Symbolizer, findMapping } from './index.js';
import { ParseError } from '../errors.js';

function kallsymsAddress(name: string): bigint | undefined {
  const line = readFileSync('/proc/kallsyms', 'latin1').split('\n').find((candidate) => candidate.endsWith(` ${name}`) && / [tT] /.test(candidate));
  return line ? BigInt(`0x${line.slice(0, 16)}`) : undefined;
}

/** `nm -D --defined-only FILE`: function name → address. */
function nmFunctions(path: string): Map<string, bigint> {
  const functions = new Map<string, bigint>();
  for (const line of execFileSync('nm', ['-D', '--defined-only', path], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n')) {
    const [address, type, name] = line.split(' ');
    if (name && (type === 'T' || type === 't' || type === 'W' || type === 'w' || type === 'i')) functions.set(name.replace(/@.*$/, ''), BigInt(`0x${address}`));
  }
  return functions;
}

test('kernel symbols: a known function\'s address and an address inside it resolve to it (kallsyms by grep)', (t) => {
  const address = kallsymsAddress('vfs_read');
  if (address === undefined || address === 0n) return t.skip('/proc/kallsyms shows no address for vfs_read (not root?)');
  const symbols = KernelSymbols.read();
  assert.ok(symbols.size > 10_000, `${symbols.size} text symbols`);
  assert.deepEqual(symbols.lookup(address), { name: 'vfs_read', address, offset: 0 });
  assert.deepEqual(symbols.lookup(address + 7n), { name: 'vfs_read', address, offset: 7 });
  assert.equal(symbols.lookup(0x1000n), undefined, 'a user address is no kernel symbol');
});

test('kernel symbols: parsed text, modules, unsorted lines and non-text symbols', () => {
  const symbols = KernelSymbols.parse([
    'ffffffffc0a01000 t helper_fn\t[some_mod]',
    'ffffffff81000000 T _stext',
    'ffffffff81000100 T first_fn',
    'ffffffff81000200 D some_data',
    '0000000000000000 A fixed_percpu_data',
    'ffffffff81000300 t second_fn',
  ].join('\n'));
  assert.equal(symbols.size, 4);
  assert.equal(symbols.lookup(0xffffffff81000250n)?.name, 'first_fn', 'data symbols are not frames');
  assert.equal(symbols.lookup(0xffffffff81000250n)?.offset, 0x150);
  assert.deepEqual(symbols.lookup(0xffffffffc0a01010n), { name: 'helper_fn', address: 0xffffffffc0a01000n, offset: 0x10, module: '[some_mod]' });
  assert.equal(symbols.lookup(0xfffffffe00000000n), undefined);
});

test('ELF symbols: node\'s and libc\'s functions at nm\'s addresses, and by file offset through readelf\'s PT_LOAD', (t) => {
  const node = realpathSync(process.execPath);
  const nodeFunctions = nmFunctions(node);
  const nodeSymbols = ElfSymbols.read(node);
  assert.ok(nodeSymbols.size > 1000);
  const uvDefaultLoop = nodeFunctions.get('uv_default_loop');
  if (uvDefaultLoop === undefined) return t.skip(`${node} exports no uv_default_loop`);
  assert.equal(nodeSymbols.lookupAddress(Number(uvDefaultLoop) + 3)?.name, 'uv_default_loop');
  assert.equal(nodeSymbols.lookupAddress(Number(uvDefaultLoop) + 3)?.offset, 3);

  const libc = readProcessMaps(process.pid).find((mapping) => /\/libc[.-]/.test(mapping.path))?.path;
  if (!libc) return t.skip('this process maps no libc');
  const libcFunctions = nmFunctions(libc);
  const libcSymbols = ElfSymbols.read(libc);
  const getpid = libcFunctions.get('getpid')!;
  const atGetpid = libcSymbols.lookupAddress(Number(getpid) + 1)!;
  assert.equal(libcFunctions.get(atGetpid.name), getpid, `${atGetpid.name} is at getpid's address (an alias or getpid itself)`);
  // readelf -lW: the executable PT_LOAD's offset and address
  const load = execFileSync('readelf', ['-lW', libc], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[0] === 'LOAD' && fields.slice(-2).join(' ').includes('E'))!;
  const segmentOffset = Number(load[1]);
  const segmentAddress = Number(load[2]);
  const fileOffset = Number(getpid) - segmentAddress + segmentOffset;
  assert.equal(libcSymbols.lookupFileOffset(fileOffset + 1)?.name, atGetpid.name);
});

test('user frames of this process: libc\'s getpid through /proc/self/maps, node\'s own function, [unknown] in the heap', (t) => {
  const node = realpathSync(process.execPath);
  const symbolizer = new Symbolizer();
  const mappings = readProcessMaps(process.pid);
  const uvDefaultLoop = nmFunctions(node).get('uv_default_loop');
  if (uvDefaultLoop === undefined) return t.skip(`${node} exports no uv_default_loop`);
  // node is position-dependent here when its text maps at the link address; a PIE node adds its load base
  const nodeText = mappings.find((mapping) => mapping.path === node && mapping.permissions.includes('x'))!;
  const nodeLoad = execFileSync('readelf', ['-lW', node], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0] === 'LOAD').find((fields) => Number(fields[1]) === nodeText.fileOffset)!;
  const runtime = BigInt(nodeText.start) + uvDefaultLoop - BigInt(Number(nodeLoad[2]));
  const frame = symbolizer.user(process.pid, runtime + 5n);
  assert.equal(frame.symbol, 'uv_default_loop');
  assert.equal(frame.offset, 5);
  assert.equal(frame.module, node);

  const libcText = mappings.find((mapping) => /\/libc[.-]/.test(mapping.path) && mapping.permissions.includes('x'));
  if (!libcText) return t.skip('this process maps no libc');
  const getpid = nmFunctions(libcText.path).get('getpid')!;
  const load = execFileSync('readelf', ['-lW', libcText.path], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0] === 'LOAD').find((fields) => Number(fields[1]) === libcText.fileOffset)!;
  const libcRuntime = BigInt(libcText.start) + getpid - BigInt(Number(load[2]));
  const libcFrame = symbolizer.user(process.pid, libcRuntime);
  assert.equal(nmFunctions(libcText.path).get(libcFrame.symbol!), getpid);
  assert.equal(libcFrame.offset, 0);
  assert.equal(libcFrame.moduleOffset, Number(getpid) - Number(load[2]) + Number(load[1]));

  const heap = mappings.find((mapping) => mapping.path === '[heap]');
  if (heap) assert.deepEqual(symbolizer.user(process.pid, BigInt(heap.start)), { address: BigInt(heap.start), module: '[heap]' });
});

test('perf maps: V8\'s lines parsed and looked up, the file read again when it grows', () => {
  const table = parsePerfMap('3a8c0e404b40 2c JS:*hotLoop /tmp/x.js:3:13\n3a8c0e404c00 10 Builtin:ArgumentsAdaptorTrampoline\nnot a line\n');
  assert.equal(table.size, 2);
  assert.deepEqual(table.lookup(0x3a8c0e404b50), { name: 'JS:*hotLoop /tmp/x.js:3:13', start: 0x3a8c0e404b40, offset: 0x10 });
  assert.equal(table.lookup(0x3a8c0e404b40 + 0x2c), undefined, 'past its size');
  const directory = mkdtempSync(join(tmpdir(), 'tsbpf-perfmap-'));
  try {
    const path = join(directory, 'perf-1.map');
    writeFileSync(path, '1000 10 JS:~first /a.js:1:1\n');
    const file = new PerfMapFile(path);
    assert.equal(file.lookup(0x1004)?.name, 'JS:~first /a.js:1:1');
    assert.equal(file.lookup(0x2004), undefined);
    appendFileSync(path, '2000 10 JS:*second /a.js:5:1\n');
    assert.equal(file.lookup(0x2004)?.name, 'JS:*second /a.js:5:1');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('process maps parse and find the mapping of an address', () => {
  const mappings = parseProcessMaps([
    '7f0000001000-7f0000002000 r-xp 00001000 fd:01 42    /usr/lib/libx.so (deleted)',
    '00400000-00401000 r--p 00000000 fd:01 41                                 /usr/bin/prog',
    '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]',
    '3a8c0e400000-3a8c0e440000 rwxp 00000000 00:00 0 ',
  ].join('\n'));
  assert.deepEqual(mappings.map((m) => m.path), ['/usr/bin/prog', '', '/usr/lib/libx.so (deleted)', '[stack]']);
  assert.equal(findMapping(mappings, 0x7f0000001800)?.fileOffset, 0x1000);
  assert.equal(findMapping(mappings, 0x3a8c0e410000)?.permissions, 'rwxp');
  assert.equal(findMapping(mappings, 0x500000), undefined);
});

test('bad ELF input is a typed error, never a crash', () => {
  assert.throws(() => ElfSymbols.parse(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])), (error: unknown) => error instanceof ParseError || (error as Error).name === 'ElfError');
  // a valid header whose program header table runs past the end
  const bytes = new Uint8Array(readFileSync(realpathSync('/bin/sh')).subarray(0, 64));
  assert.throws(() => ElfSymbols.parse(bytes), (error: unknown) => error instanceof Error && 'offset' in error);
});
