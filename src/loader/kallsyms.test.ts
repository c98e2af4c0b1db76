/** /proc/kallsyms lookups against grep, their cost, and the syscall-wrapper answers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ExternError } from '../object/externs-error.js';
import { Kallsyms, hasSyscallWrapper, probeSyscallWrapper, syscallPrefix } from './kallsyms.js';

const skip = process.getuid?.() !== 0 ? 'needs root: kallsyms addresses read as 0 otherwise' : false;

/** grep's view: every "ADDR TYPE NAME[\t[mod]]" line naming `name`, addresses in file order. */
function grepAddresses(name: string): bigint[] {
  let text = '';
  try {
    text = execFileSync('grep', ['-E', `^[0-9a-f]+ . ${name}(\\s|$)`, '/proc/kallsyms'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => BigInt(`0x${line.split(' ')[0]}`));
}

describe('Kallsyms', { skip }, () => {
  it('finds the addresses grep finds, by search and by index alike', (t) => {
    const started = performance.now();
    const kallsyms = Kallsyms.read();
    const readMs = performance.now() - started;
    const names = ['__x64_sys_bpf', 'bpf_task_acquire', '_stext', 'bpf_rcu_read_lock', 'tsbpf_no_such_symbol'];
    const bySearch = names.map((name) => kallsyms.address(name));
    for (const [i, name] of names.entries()) assert.equal(bySearch[i], grepAddresses(name)[0], name);
    // enough lookups to switch to the index, then the same answers again
    for (let i = 0; i < 20; i++) kallsyms.address('_text');
    const indexStart = performance.now();
    const byIndex = names.map((name) => kallsyms.address(name));
    const indexMs = performance.now() - indexStart;
    assert.deepEqual(byIndex, bySearch);
    assert.equal(bySearch.at(-1), undefined);
    t.diagnostic(`read ${readMs.toFixed(1)} ms; ${names.length} lookups after the index ${indexMs.toFixed(2)} ms`);
  });

  it('refuses a name listed at two addresses, as libbpf does, and accepts a unique one', () => {
    const text = execFileSync('sh', ['-c', "awk '{print $3}' /proc/kallsyms | sort | uniq -d | head -50"], { encoding: 'utf8' });
    const kallsyms = Kallsyms.read();
    const duplicated = text.split('\n').filter(Boolean).find((name) => new Set(grepAddresses(name)).size > 1);
    if (duplicated) {
      assert.deepEqual(kallsyms.addresses(duplicated), grepAddresses(duplicated));
      assert.throws(() => kallsyms.unique(duplicated), (error: unknown) => error instanceof ExternError && /ambiguous/.test(error.message));
    }
    assert.equal(kallsyms.unique('__x64_sys_bpf'), grepAddresses('__x64_sys_bpf')[0]);
  });

  it('parses saved text with module suffixes', () => {
    const kallsyms = Kallsyms.parse('ffffffffc0001000 t helper\t[mod_a]\nffffffffc0002000 t helper\t[mod_b]\nffffffff81000000 T only\n');
    assert.equal(kallsyms.address('helper'), 0xffffffffc0001000n);
    assert.equal(kallsyms.address('only'), 0xffffffff81000000n);
    assert.throws(() => kallsyms.unique('helper'), /ambiguous/);
  });
});

describe('LINUX_HAS_SYSCALL_WRAPPER', { skip }, () => {
  it('hasSyscallWrapper says whether kallsyms lists __<arch>_sys_bpf', () => {
    const name = `__${syscallPrefix()}_sys_bpf`;
    assert.equal(hasSyscallWrapper(Kallsyms.read()), grepAddresses(name).length > 0);
  });

  it('probeSyscallWrapper answers as libbpf\'s kprobe probe does (externs.test compares it with libbpf\'s .kconfig)', () => {
    assert.equal(typeof probeSyscallWrapper(), 'boolean');
  });
});
