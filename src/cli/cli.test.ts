/** The CLI shell's contract: exit statuses, one-line errors, no stack traces, help and version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));

function tsbpf(args: string[], prefix: string[] = []) {
  const command = prefix.length ? prefix[0]! : process.execPath;
  const commandArgs = prefix.length ? [...prefix.slice(1), process.execPath, cli, ...args] : [cli, ...args];
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('--version prints the package version and --help lists the objects', () => {
  assert.match(tsbpf(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  const help = tsbpf(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /feature/);
  assert.match(help.stdout, /demo/);
});

test('an unknown object or command is a usage error: exit 2, one line, no stack', () => {
  for (const args of [['frobnicate'], ['feature', 'probe', 'dev', 'eth0', 'extra'], ['feature', 'probe', 'device']]) {
    const result = tsbpf(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^tsbpf: /);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace printed');
  }
});

test('an unprivileged user gets one line naming the capability and exit 1', () => {
  const unprivileged = ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all'];
  for (const args of [['demo'], ['feature', 'probe', 'kernel']]) {
    const result = tsbpf(args, unprivileged);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^tsbpf: .*EPERM.*CAP_BPF/);
  }
});
