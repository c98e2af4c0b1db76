/**
 * `lintObject` on our own lint_*.bpf.c objects, each compared with what libbpf does with it
 * (`bpftool prog loadall`): an object with an error finding is one libbpf refuses, with the message
 * the finding predicts; one without is one libbpf loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError, TsbpfError } from '../errors.js';
import { corpus, hasTool } from '../test-support/corpus.js';
import { formatLintFindings, hasLintErrors, lintObject, type LintFinding } from './lint.js';

function objectBytes(name: string): Uint8Array {
  const built = corpus();
  assert.ok(typeof built !== 'string', String(built));
  return readFileSync(built.path(`loader/${name}.bpf.o`));
}

/** libbpf's verdict: bpftool prog loadall into a fresh bpffs directory, removed afterwards. */
function libbpfLoadall(name: string): { status: number | null; stderr: string } {
  const built = corpus();
  assert.ok(typeof built !== 'string');
  const directory = `/sys/fs/bpf/tsbpf_lint_${process.pid}`;
  mkdirSync(directory, { recursive: true });
  try {
    const result = spawnSync('bpftool', ['prog', 'loadall', built.path(`loader/${name}.bpf.o`), directory], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: result.status, stderr: result.stderr };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function oracleSkip(): string | undefined {
  if (typeof corpus() === 'string') return String(corpus());
  if (process.getuid?.() !== 0) return 'bpftool prog loadall needs root';
  if (!hasTool('bpftool')) return 'bpftool is not installed';
  return undefined;
}

interface Case {
  name: string;
  /** The findings, compared on severity, rule, section and program, plus a pattern per finding's text. */
  findings: { severity: LintFinding['severity']; rule: string; section: string; program?: string; text: RegExp }[];
  /** What libbpf says: refused with this message, or loaded (null). */
  libbpf: RegExp | null;
}

const CASES: Case[] = [
  { name: 'lint_clean', findings: [], libbpf: null },
  {
    name: 'lint_unknown_section',
    findings: [{ severity: 'error', rule: 'unknown-section', section: 'tracepiont/syscalls/sys_enter_openat', text: /knows no section 'tracepiont'.*did you mean SEC\("tracepoint\/syscalls\/sys_enter_openat"\)\?$/ }],
    libbpf: /failed to guess program type from ELF section 'tracepiont\/syscalls\/sys_enter_openat'/,
  },
  {
    name: 'lint_prefix_match',
    findings: [{ severity: 'error', rule: 'unknown-section', section: 'xdp_pass', text: /match 'xdp' exactly; 'xdp_pass' was a prefix match of older libbpf.*; use SEC\("xdp"\)/ }],
    libbpf: /failed to guess program type from ELF section 'xdp_pass'/,
  },
  {
    name: 'lint_sleepable',
    findings: [{ severity: 'error', rule: 'unknown-section', section: 'socket.s', text: /'socket' programs have no sleepable form \('\.s' exists for .*fentry\.s.*\); use SEC\("socket"\)/ }],
    libbpf: /failed to guess program type from ELF section 'socket\.s'/,
  },
  {
    name: 'lint_static_program',
    findings: [{ severity: 'error', rule: 'static-program', section: 'socket', program: 'lint_static', text: /function lint_static is static.*drop 'static'/ }],
    libbpf: /program 'lint_static' is static and not supported/,
  },
  {
    name: 'lint_license',
    findings: [{ severity: 'error', rule: 'gpl-helper', section: 'tracepoint/syscalls/sys_enter_openat', text: /GPL-only helpers bpf_get_current_task, bpf_probe_read_kernel but license "Proprietary" is not GPL-compatible/ }],
    libbpf: /cannot call GPL-restricted function from non-GPL compatible program/,
  },
  {
    name: 'lint_no_license',
    findings: [{ severity: 'error', rule: 'gpl-helper', section: 'tracepoint/syscalls/sys_enter_openat', text: /GPL-only helper bpf_trace_printk but the object has no license section/ }],
    libbpf: /cannot call GPL-restricted function from non-GPL compatible program/,
  },
  {
    name: 'lint_btf_target',
    findings: [{ severity: 'error', rule: 'missing-target', section: 'fentry', text: /fentry programs are verified against their target.*SEC\("fentry\/FUNCTION"\)/ }],
    libbpf: /no BTF-based attach target is specified/,
  },
  {
    name: 'lint_legacy_maps',
    findings: [{ severity: 'error', rule: 'legacy-maps', section: 'maps', text: /legacy struct bpf_map_def/ }],
    libbpf: /legacy map definitions in 'maps' section are not supported by libbpf v1\.0\+/,
  },
  {
    name: 'lint_targets',
    findings: [
      { severity: 'note', rule: 'autoload-off', section: '?socket', text: /autoload off/ },
      { severity: 'note', rule: 'no-auto-attach', section: 'raw_tp', text: /auto-attach .* skips it.*SEC\("raw_tp\/NAME"\)/ },
      { severity: 'warning', rule: 'bad-target', section: 'tp/sys_enter_openat', text: /'sys_enter_openat' is not CATEGORY\/NAME.*SEC\("tp\/CATEGORY\/NAME"\)/ },
    ],
    // libbpf loads all of it; only bpftool's pinning of the program autoload left unloaded fails.
    libbpf: null,
  },
];

for (const item of CASES) {
  test(`${item.name}: lint findings, and libbpf ${item.libbpf ? 'refuses' : 'loads'} it`, (t) => {
    const built = corpus();
    if (typeof built === 'string') return t.skip(built);
    const findings = lintObject(objectBytes(item.name));
    assert.deepEqual(
      findings.map(({ severity, rule, section, program }) => ({ severity, rule, section, ...(program ? { program } : {}) })),
      item.findings.map(({ severity, rule, section, program }) => ({ severity, rule, section, ...(program ? { program } : {}) })),
    );
    const lines = formatLintFindings(`${item.name}.bpf.o`, findings).split('\n').filter(Boolean);
    assert.equal(lines.length, findings.length);
    item.findings.forEach((expected, i) => {
      assert.ok(lines[i]!.startsWith(`${item.name}.bpf.o: section '${expected.section}'`), lines[i]);
      assert.match(lines[i]!, expected.text);
    });
    assert.equal(hasLintErrors(findings), item.libbpf !== null);

    const reason = oracleSkip();
    if (reason) return t.skip(reason);
    const theirs = libbpfLoadall(item.name);
    if (item.libbpf) {
      assert.notEqual(theirs.status, 0, 'libbpf refuses it');
      assert.match(theirs.stderr, item.libbpf);
    } else {
      assert.doesNotMatch(theirs.stderr, /failed to (open|load|guess)|not supported/, theirs.stderr);
      if (item.name === 'lint_targets') assert.match(theirs.stderr, /prog 'lint_autoload_off': can't pin program that wasn't loaded/);
      else assert.equal(theirs.status, 0, theirs.stderr);
    }
  });
}

test('the corpus objects that libbpf loads have no lint errors', (t) => {
  const built = corpus();
  if (typeof built === 'string') return t.skip(built);
  for (const name of ['programs.o', 'maps.o', 'core.o', 'externs.o']) {
    const findings = lintObject(readFileSync(built.path(name)));
    assert.equal(hasLintErrors(findings), false, `${name}: ${formatLintFindings(name, findings)}`);
  }
});

test('bytes that are not a BPF object are a typed error, never a crash', () => {
  assert.throws(() => lintObject(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])), (error: unknown) => error instanceof TsbpfError);
  assert.throws(() => lintObject(new Uint8Array(0)), (error: unknown) => error instanceof ParseError || error instanceof TsbpfError);
  const path = join('/proc/self/exe');
  assert.throws(() => lintObject(readFileSync(path)), (error: unknown) => error instanceof TsbpfError);
});
