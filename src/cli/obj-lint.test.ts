/**
 * `tsbpf obj lint`: its text and JSON, its exit status, and the command as registered under `obj`
 * (run in process through commander, with the same error policy main.ts applies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { corpus } from '../test-support/corpus.js';
import { formatError } from './cli-errors.js';
import type { CliContext } from './main.js';
import { objLintOutput, registerObjLint } from './obj-lint.js';
import { registerObj } from './obj.js';

function objectPath(name: string): string | undefined {
  const built = corpus();
  return typeof built === 'string' ? undefined : built.path(`loader/${name}.bpf.o`);
}

/** Runs `tsbpf [-j] obj lint FILE` in process; returns what it printed and the exit status it set. */
async function runLint(args: string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  const program = new Command('tsbpf').option('-j, --json').option('-p, --pretty').exitOverride();
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    run: (what, action) => async () => {
      const globals = program.opts<{ json?: boolean; pretty?: boolean }>();
      try {
        await action({ json: Boolean(globals.json || globals.pretty), pretty: Boolean(globals.pretty), debug: false });
      } catch (error) {
        stderr += `${formatError(what, error)}\n`;
        process.exitCode = 1;
      }
    },
  };
  registerObj(program, context);
  registerObjLint(program, context, (text) => { stdout += text; });
  const previous = process.exitCode;
  process.exitCode = 0;
  await program.parseAsync(args, { from: 'user' });
  const status = Number(process.exitCode ?? 0);
  process.exitCode = previous;
  return { stdout, stderr, status };
}

test('a clean object: no output, exit 0', async (t) => {
  const path = objectPath('lint_clean');
  if (!path) return t.skip(String(corpus()));
  const result = await runLint(['obj', 'lint', path]);
  assert.deepEqual(result, { stdout: '', stderr: '', status: 0 });
});

test('an error: one line per finding, file first, exit 1', async (t) => {
  const path = objectPath('lint_prefix_match');
  if (!path) return t.skip(String(corpus()));
  const result = await runLint(['obj', 'lint', path]);
  assert.equal(result.status, 1);
  assert.equal(result.stderr, '');
  const lines = result.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: section 'xdp_pass': error: .*; use SEC\\("xdp"\\)`));
});

test('notes and warnings alone exit 0', async (t) => {
  const path = objectPath('lint_targets');
  if (!path) return t.skip(String(corpus()));
  const result = await runLint(['obj', 'lint', path]);
  assert.equal(result.status, 0);
  assert.equal(result.stdout.split('\n').filter(Boolean).length, 3);
});

test('-j: the findings as JSON with counts', async (t) => {
  const path = objectPath('lint_license');
  if (!path) return t.skip(String(corpus()));
  const result = await runLint(['-j', 'obj', 'lint', path]);
  assert.equal(result.status, 1);
  const value = JSON.parse(result.stdout) as { file: string; errors: number; warnings: number; notes: number; findings: { severity: string; rule: string; section: string; problem: string; fix: string }[] };
  assert.equal(value.file, path);
  assert.deepEqual([value.errors, value.warnings, value.notes], [1, 0, 0]);
  assert.equal(value.findings[0]!.rule, 'gpl-helper');
  assert.equal(value.findings[0]!.section, 'tracepoint/syscalls/sys_enter_openat');
  const direct = await objLintOutput(readFileSync(path), path, { json: true, pretty: false });
  assert.equal(direct.text, result.stdout);
});

test('a missing file or a non-BPF file: one line on stderr, exit 1', async () => {
  const missing = await runLint(['obj', 'lint', '/nonexistent/x.o']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^tsbpf: obj lint: cannot read \/nonexistent\/x\.o: ENOENT; check the path/);
  const notBpf = await runLint(['obj', 'lint', '/proc/self/exe']);
  assert.equal(notBpf.status, 1);
  assert.match(notBpf.stderr, /^tsbpf: obj lint: .*; /);
  assert.equal(notBpf.stderr.split('\n').filter(Boolean).length, 1);
});
