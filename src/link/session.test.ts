/**
 * Session probes through attachAll and the multi-probe functions: corpus/loader/link_session.bpf.c
 * counts, for this process, the entries and returns of libc's getppid (the uprobe session) and of the
 * kill syscall's kernel function (the kprobe one) and checks that each return reads the cookie its
 * entry wrote. uprobe sessions need 6.13 (this host), kprobe sessions 6.10 and CONFIG_FPROBE (the 6.12
 * guest); elsewhere each test skips with the kernel's refusal, put in words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { openObject, type BpfObject } from '../loader/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { BtfKind } from '../btf/types.js';
import { kernelBtf } from '../loader/kernel-btf.js';
import { attachKprobeMulti, attachUprobeMulti } from './multi-probes.js';
import { counter, loadForThisProcess } from './traced-object.test-support.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const path = typeof built === 'string' ? '' : built.path('loader/link_session.bpf.o');

const loadPart = (programs: string[]): Promise<BpfObject> => loadForThisProcess(path, programs);

/** The call each session program traces, `count` times from this process. */
const trigger: Record<'uprobe' | 'kprobe', (count: number) => void> = {
  uprobe: (count) => { for (let i = 0; i < count; i++) void process.ppid; }, // libc's getppid
  kprobe: (count) => { for (let i = 0; i < count; i++) process.kill(process.pid, 0); }, // the kill syscall
};

/**
 * Why this kernel can't run uprobe sessions, or undefined: 6.10-6.12 verify the session kfuncs for
 * kprobe sessions only, so a uprobe.session program fails to load; the kernel's own enum
 * bpf_attach_type (BTF) names BPF_TRACE_UPROBE_SESSION from 6.13 on.
 */
function uprobeSessionsMissing(): string | undefined {
  const attachTypes = kernelBtf().findOne('bpf_attach_type', BtfKind.Enum);
  if (attachTypes?.kind === BtfKind.Enum && attachTypes.values.some((value) => value.name === 'BPF_TRACE_UPROBE_SESSION')) return undefined;
  return 'this kernel has no uprobe sessions (its enum bpf_attach_type lacks BPF_TRACE_UPROBE_SESSION: Linux 6.13+)';
}

/** attachAll on the one program loaded; the kernel's "no such link" becomes the skip reason. */
function attachedLinks(object: BpfObject, skipWith: (reason: string) => void): ReadonlyMap<string, { close(): void }> | undefined {
  try {
    return object.attachAll();
  } catch (error) {
    if (!(error instanceof NotSupportedError)) throw error;
    skipWith(error.message);
    return undefined;
  }
}

for (const [kind, program] of [['uprobe', 'on_uprobe_session'], ['kprobe', 'on_kprobe_session']] as const) {
  const missing = kind === 'uprobe' && typeof built !== 'string' ? uprobeSessionsMissing() : undefined;
  test(`${kind}.session through attachAll: each traced call is one entry and one return sharing its cookie; closing the link stops both`, { skip: skip || missing || false }, async (t) => {
    const before = kernelSnapshot();
    const spec = await openObject(path);
    {
      using object = await loadPart([program]);
      const links = attachedLinks(object, (reason) => t.skip(reason));
      if (!links) return;
      trigger[kind](3);
      assert.equal(counter(object, `${kind}_entries`), 3n, 'entries');
      assert.equal(counter(object, `${kind}_returns`), 3n, 'the entry run returned 0, so the return ran too');
      assert.equal(counter(object, 'cookie_mismatches'), 0n, 'each return read what its entry wrote');
      for (const link of links.values()) link.close();
      trigger[kind](2);
      assert.equal(counter(object, `${kind}_entries`), 3n, 'nothing after detaching');
    }
    assert.deepEqual(await leftoverObjects(before, objectNames(spec)), []);
  });
}

test('session links by hand: attachUprobeMulti with session; returnProbe with session is refused', { skip: skip || (typeof built !== 'string' && uprobeSessionsMissing()) || false }, async (t) => {
  using object = await loadPart(['on_uprobe_session', 'on_kprobe_session']);
  assert.throws(() => attachUprobeMulti(object.programs.on_uprobe_session!, 'libc.so.6', { functions: ['getppid'], session: true, returnProbe: true }), InvalidArgumentError);
  assert.throws(() => attachKprobeMulti(object.programs.on_kprobe_session!, { functions: ['__x64_sys_kill'], session: true, returnProbe: true }), InvalidArgumentError);
  let link;
  try {
    link = attachUprobeMulti(object.programs.on_uprobe_session!, 'libc.so.6', { functions: ['getppid'], session: true, pid: process.pid });
  } catch (error) {
    if (!(error instanceof NotSupportedError)) throw error;
    assert.match(error.message, /uprobe\.session links .*6\.13/);
    t.skip(error.message);
    return;
  }
  {
    using _ = link;
    trigger.uprobe(2);
  }
  assert.equal(counter(object, 'uprobe_entries'), 2n);
  assert.equal(counter(object, 'uprobe_returns'), 2n);
});
