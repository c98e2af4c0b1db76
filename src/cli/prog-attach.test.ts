/** `tsbpf prog attach|detach` against bpftool's: what one attaches the other detaches, and the reverse. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBpffs } from '../sys/bpffs.js';
import { corpus } from '../test-support/corpus.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const built = corpus();

function tsbpf(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}
const bpftool = (...args: string[]) => spawnSync('bpftool', args, { encoding: 'utf8' });

test('prog attach/detach sk_msg_verdict on a sockmap and flow_dissector on the netns, crossed with bpftool', { skip: typeof built === 'string' ? built : false }, () => {
  if (typeof built === 'string') return;
  ensureBpffs();
  const dir = `/sys/fs/bpf/tsbpf_attach_${process.pid}`;
  mkdirSync(dir);
  try {
    execFileSync('bpftool', ['prog', 'loadall', built.path('loader/link_hooks.bpf.o'), `${dir}/progs`, 'pinmaps', `${dir}/maps`]);
    const prog = ['pinned', `${dir}/progs/count_messages`];
    const map = ['pinned', `${dir}/maps/sockets`];
    assert.equal(tsbpf(['prog', 'attach', ...prog, 'sk_msg_verdict', ...map]).status, 0);
    assert.equal(bpftool('prog', 'detach', ...prog, 'sk_msg_verdict', ...map).status, 0, 'bpftool detaches what tsbpf attached');
    assert.equal(bpftool('prog', 'attach', ...prog, 'sk_msg_verdict', ...map).status, 0);
    assert.equal(tsbpf(['prog', 'detach', ...prog, 'sk_msg_verdict', ...map]).status, 0, 'tsbpf detaches what bpftool attached');
    const again = tsbpf(['prog', 'detach', ...prog, 'sk_msg_verdict', ...map]);
    assert.equal(again.status, 1, 'nothing left to detach');
    assert.equal(again.stderr.trim().split('\n').length, 1);

    execFileSync('bpftool', ['prog', 'loadall', built.path('loader/prog_flow_dissector.bpf.o'), `${dir}/flow`]);
    const [dissector] = execFileSync('ls', [`${dir}/flow`], { encoding: 'utf8' }).trim().split('\n');
    const flow = ['pinned', `${dir}/flow/${dissector}`];
    assert.equal(tsbpf(['prog', 'attach', ...flow, 'flow_dissector']).status, 0);
    const id = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', ...flow], { encoding: 'utf8' })).id as number;
    assert.match(execFileSync('bpftool', ['net', 'list'], { encoding: 'utf8' }), new RegExp(`flow_dissector:\\s*\\n\\s*id ${id}`), 'bpftool net list shows it');
    assert.equal(tsbpf(['prog', 'detach', ...flow, 'flow_dissector']).status, 0);

    for (const bad of [[...prog, 'sk_nonsense', ...map], [...prog, 'sk_msg_verdict'], ['id', 'x', 'flow_dissector']]) {
      const result = tsbpf(['prog', 'attach', ...bad]);
      assert.equal(result.status, 2, `${bad.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
  } finally {
    spawnSync('bpftool', ['prog', 'detach', 'pinned', `${dir}/progs/count_messages`, 'sk_msg_verdict', 'pinned', `${dir}/maps/sockets`], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});
