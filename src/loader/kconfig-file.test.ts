/** The kernel config and version as libbpf reads them, against zcat, uname and libbpf's own value. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { ExternError } from '../object/externs-error.js';
import { parseKernelConfig } from '../object/kconfig.js';
import { kernelConfigPaths, kernelVersionFrom, linuxKernelVersion, readKernelConfig } from './kconfig-file.js';

describe('readKernelConfig', () => {
  it('has every CONFIG_ line of `zcat /proc/config.gz`, values as written', (t) => {
    if (existsSync(kernelConfigPaths()[0]!)) return t.skip(`${kernelConfigPaths()[0]} exists, and libbpf (so we) read it before /proc/config.gz`);
    if (!existsSync('/proc/config.gz')) return t.skip('this kernel has no /proc/config.gz (CONFIG_IKCONFIG_PROC)');
    const text = execFileSync('zcat', ['/proc/config.gz'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const expected = new Map(text.split('\n').filter((line) => line.startsWith('CONFIG_')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const started = performance.now();
    const config = readKernelConfig();
    const elapsed = performance.now() - started;
    assert.deepEqual(config, expected);
    assert.ok(config.size > 100);
    t.diagnostic(`${config.size} CONFIG_ values in ${elapsed.toFixed(1)} ms`);
  });

  it('keeps the first line of a name and refuses CONFIG_ lines without a value, as libbpf does', () => {
    assert.deepEqual(parseKernelConfig('# CONFIG_A is not set\nCONFIG_B=y\nCONFIG_B=n\nCONFIG_S="a b"\n'), new Map([['CONFIG_B', 'y'], ['CONFIG_S', '"a b"']]));
    assert.throws(() => parseKernelConfig('CONFIG_X\n'), (error: unknown) => error instanceof ExternError && /no '='/.test(error.message));
    assert.throws(() => parseKernelConfig('CONFIG_X=\n'), /no value/);
  });
});

describe('linuxKernelVersion', () => {
  it('is uname -r\'s x.y.z as KERNEL_VERSION() packs it (libbpf wrote the same into .kconfig: see externs.test)', () => {
    // the leading digits of each part, as sscanf's %d reads them (Debian's 6.12 is 6.12.117+deb12-amd64)
    const [major, minor, patch] = /^(\d+)\.(\d+)\.(\d+)/.exec(execFileSync('uname', ['-r'], { encoding: 'utf8' }))!.slice(1).map(Number);
    const expected = existsSync('/proc/version_signature') ? undefined : (major! << 16) + (minor! << 8) + Math.min(patch!, 255);
    if (expected !== undefined) assert.equal(linuxKernelVersion(), expected);
    assert.equal(kernelVersionFrom(release()), expected ?? kernelVersionFrom(release()));
  });

  it('follows libbpf 1.1\'s rules: Ubuntu\'s version_signature, the 255 cap, 0 without x.y.z, no Debian rule', () => {
    assert.equal(kernelVersionFrom('5.4.0-12-generic', 'Ubuntu 5.4.0-12.15-generic 5.4.8\n'), (5 << 16) + (4 << 8) + 8);
    assert.equal(kernelVersionFrom('4.14.300'), (4 << 16) + (14 << 8) + 255);
    assert.equal(kernelVersionFrom('6.1'), 0);
    assert.equal(kernelVersionFrom('6.1.0-13-amd64'), (6 << 16) + (1 << 8));
    assert.equal(kernelVersionFrom('6.12.117+deb12-amd64'), (6 << 16) + (12 << 8) + 117);
    assert.equal(kernelVersionFrom('6.8.0-1', 'garbage'), (6 << 16) + (8 << 8));
  });
});
