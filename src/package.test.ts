/**
 * The published package works with no compiler: `npm pack`, install the tarball into an empty folder
 * with a PATH that holds node and npm and nothing that could build a native addon, run the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function which(tool: string): string {
  return realpathSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim());
}

test('npm pack installs into an empty folder and runs `tsbpf --version` and `tsbpf opensnoop` without a compiler', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-pack-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    const bin = join(work, 'bin');
    mkdirSync(bin);
    for (const tool of ['node', 'npm', 'npx', 'sh']) symlinkSync(which(tool), join(bin, tool));
    const env = { HOME: process.env.HOME ?? '/root', PATH: bin, npm_config_cache: join(process.env.HOME ?? '/root', '.npm') };
    for (const compiler of ['cc', 'gcc', 'g++', 'clang', 'make', 'python3']) {
      assert.throws(() => execFileSync('sh', ['-c', `command -v ${compiler}`], { env }), `${compiler} is reachable`);
    }
    const app = join(work, 'app');
    mkdirSync(app);
    execFileSync('npm', ['init', '-y'], { cwd: app, env, stdio: 'ignore' });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], { cwd: app, env, stdio: 'pipe' });
    const version = execFileSync('npx', ['--no-install', 'tsbpf', '--version'], { cwd: app, env, encoding: 'utf8' }).trim();
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version, manifest.version);
    const files = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' }).trim().split('\n');
    const unwanted = files.filter((file) => file.endsWith('.test.js') || file.includes('test-support') || file.includes('/bench/') || (file.endsWith('.ts') && !file.endsWith('.d.ts')));
    assert.deepEqual(unwanted, [], 'tests, benchmarks or sources were packed');
    const toolObjects = files.filter((file) => /^package\/dist\/src\/tools\/[a-z]+\/[a-z]+\.bpf\.o$/.test(file));
    assert.ok(toolObjects.includes('package/dist/src/tools/opensnoop/opensnoop.bpf.o') && toolObjects.length >= 10, `the tools' objects ship: ${toolObjects.join(', ')}`);
    // the shipped object loads and runs from the installed package, with no compiler on PATH
    const snoop = execFileSync('npx', ['--no-install', 'tsbpf', 'opensnoop', '-d', '1', '-p', '1'], { cwd: app, env, encoding: 'utf8' });
    assert.equal(snoop, `${'PID'.padEnd(6)} ${'COMM'.padEnd(16)}  FD ERR PATH\n`);
    // owners come from the shipped BPF iterator (as bpftool reads them), not the /proc fallback
    assert.ok(files.includes('package/dist/src/inspect/iter_task_files.bpf.o'), 'the owners iterator ships');
    writeFileSync(join(app, 'owners.mjs'), "import { inspect } from 'tsbpf';\nconsole.log(await inspect.prepareOwnersIterator());\n");
    assert.equal(execFileSync('node', ['owners.mjs'], { cwd: app, env, encoding: 'utf8' }).trim(), 'iterator');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
