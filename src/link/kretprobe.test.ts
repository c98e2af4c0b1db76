/**
 * kretprobe: a return probe on a kernel function counts its returns and sees its return value.
 * link_hooks' on_uretprobe is a kprobe-type program that counts this process's hits and keeps
 * PT_REGS_RC, so it serves for a kernel return probe as well: on __x64_sys_getppid the value is this
 * process's parent pid. Runs where the kernel has a kprobe PMU (the qemu guests of scripts/vm); on a
 * kernel without one the attach is refused with the probed reason and the test skips with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotSupportedError } from '../errors.js';
import { openObject, type BpfObject } from '../loader/index.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects, objectNames } from '../test-support/kernel.js';
import { attachKprobe, probePmu } from './index.js';
import { counter, getppid, loadForThisProcess } from './traced-object.test-support.js';

const built = corpus();
const skip = typeof built === 'string' ? built : false;
const path = typeof built === 'string' ? '' : built.path('loader/link_hooks.bpf.o');
const target = '__x64_sys_getppid';

const loadHooks = (): Promise<BpfObject> => loadForThisProcess(path);

test(`kretprobe on ${target}: each return counted with its return value, none after close`, { skip }, async (t) => {
  const before = kernelSnapshot();
  {
    using object = await loadHooks();
    const program = object.programs.on_uretprobe!;
    const pmu = probePmu('kprobe');
    if (typeof pmu === 'string') {
      assert.throws(() => attachKprobe(program, target, { returnProbe: true }),
        (error: unknown) => error instanceof NotSupportedError && error.message.includes(pmu));
      t.skip(`refused as expected: ${pmu}`);
      return;
    }
    getppid(2);
    const parent = BigInt(process.ppid); // read before attaching: the read is itself a getppid call
    assert.equal(counter(object, 'uretprobe_hits'), 0n, 'nothing before attaching');
    const link = attachKprobe(program, target, { returnProbe: true });
    assert.ok(link.id > 0);
    getppid(4);
    assert.equal(counter(object, 'uretprobe_hits'), 4n, 'four returns seen');
    assert.equal(counter(object, 'uretprobe_value'), parent, 'the return value is getppid\'s');
    link.close();
    getppid(3);
    assert.equal(counter(object, 'uretprobe_hits'), 4n, 'none after close');
  }
  assert.deepEqual(await leftoverObjects(before, objectNames(await openObject(path))), []);
});

test('a kretprobe and a kprobe on the same function each see every call', { skip }, async (t) => {
  using object = await loadHooks();
  const pmu = probePmu('kprobe');
  if (typeof pmu === 'string') {
    t.skip(pmu);
    return;
  }
  {
    using entry = attachKprobe(object.programs.on_kprobe!, target);
    using exit = attachKprobe(object.programs.on_uretprobe!, target, { returnProbe: true });
    getppid(5);
    void entry;
    void exit;
  }
  assert.equal(counter(object, 'kprobe_hits'), 5n);
  assert.equal(counter(object, 'uretprobe_hits'), 5n);
});
