/**
 * Section names against libbpf itself: a small C program asks Debian's libbpf
 * (libbpf_prog_type_by_name) for each name's program and expected attach type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closestSectionName, matchSection } from './section-names.js';

/** Names libbpf 1.1 (Debian's) knows; newer ones (multi/session/netkit, sk_skb/verdict, sleepable tracepoints) are left out. */
const NAMES = [
  'socket', 'sk_reuseport', 'sk_reuseport/migrate', 'kprobe/do_sys_open', 'kprobe', 'kretprobe/x', 'uprobe/bin:f',
  'uprobe.s/bin:f', 'uretprobe/x', 'kprobe.multi/tcp_*', 'kretprobe.multi/x', 'ksyscall/openat', 'kretsyscall/openat',
  'usdt/bin:p:n', 'tc', 'classifier', 'action', 'tracepoint/syscalls/sys_enter_openat', 'tp/sched/sched_switch',
  'raw_tracepoint/sched_switch', 'raw_tp/x', 'raw_tp.w/x', 'tp_btf/sched_switch', 'fentry/do_nanosleep',
  'fmod_ret/x', 'fexit/x', 'fentry.s/x', 'freplace/x', 'lsm/file_open', 'lsm.s/x', 'lsm_cgroup/x', 'iter/task',
  'iter.s/task', 'syscall', 'xdp', 'xdp.frags', 'xdp/devmap', 'xdp.frags/devmap', 'xdp/cpumap', 'perf_event',
  'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local', 'sockops', 'sk_skb/stream_parser', 'sk_skb/stream_verdict',
  'sk_skb', 'sk_msg', 'lirc_mode2', 'flow_dissector', 'cgroup_skb/ingress', 'cgroup_skb/egress',
  'cgroup/skb', 'cgroup/sock_create', 'cgroup/sock_release', 'cgroup/sock', 'cgroup/post_bind4', 'cgroup/post_bind6',
  'cgroup/bind4', 'cgroup/bind6', 'cgroup/connect4', 'cgroup/connect6', 'cgroup/sendmsg4', 'cgroup/sendmsg6',
  'cgroup/recvmsg4', 'cgroup/recvmsg6', 'cgroup/getpeername4', 'cgroup/getpeername6', 'cgroup/getsockname4',
  'cgroup/getsockname6', 'cgroup/sysctl', 'cgroup/getsockopt', 'cgroup/setsockopt', 'cgroup/dev', 'struct_ops/x',
  'sk_lookup', 'xdp_foo', 'tracepointx', 'kprobes/x', 'sockops/x', 'unknown',
];

function libbpfAnswers(names: string[]): Map<string, { programType: number; attachType: number } | null> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-sec-'));
  try {
    writeFileSync(join(dir, 'sec.c'), `#include <stdio.h>
#include <bpf/libbpf.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    enum bpf_prog_type type; enum bpf_attach_type attach;
    if (libbpf_prog_type_by_name(argv[i], &type, &attach)) printf("-\\n");
    else printf("%d %d\\n", (int)type, (int)attach);
  }
  return 0;
}
`);
    execFileSync('cc', ['-o', join(dir, 'sec'), join(dir, 'sec.c'), '-lbpf'], { stdio: 'pipe' });
    const lines = execFileSync(join(dir, 'sec'), names, { encoding: 'utf8', env: { ...process.env, LIBBPF_LOG_LEVEL: 'none' }, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    return new Map(names.map((name, i) => {
      const line = lines[i]!;
      if (line === '-') return [name, null];
      const [programType, attachType] = line.split(' ').map(Number);
      return [name, { programType: programType!, attachType: attachType! }];
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every section name resolves to what libbpf resolves it to', () => {
  const answers = libbpfAnswers(NAMES);
  for (const name of NAMES) {
    const expected = answers.get(name);
    const match = matchSection(name);
    if (expected === null) {
      assert.equal(match, undefined, `${name}: libbpf refuses it, tsbpf matched ${match?.definition.pattern}`);
    } else {
      assert.ok(match, `${name}: libbpf knows it, tsbpf does not`);
      assert.deepEqual({ programType: match.definition.programType, attachType: match.definition.expectedAttachType }, expected, name);
    }
  }
});

test('targets, the ? prefix and sleepable variants', () => {
  assert.deepEqual(matchSection('tracepoint/syscalls/sys_enter_openat')?.target, 'syscalls/sys_enter_openat');
  const optional = matchSection('?xdp');
  assert.equal(optional?.autoload, false);
  assert.equal(optional?.definition.pattern, 'xdp');
  assert.equal(matchSection('fentry.s/x')?.definition.flags.sleepable, true);
  assert.equal(matchSection('kprobe')?.target, '');
});

test('an unknown name suggests the closest known one', () => {
  assert.equal(closestSectionName('tracepiont/syscalls/x'), 'tracepoint');
  assert.equal(closestSectionName('xpd'), 'xdp');
});
