/**
 * A prepared program loads the same instructions the object loader loads: for every self-contained
 * program of the loader corpus, the kernel's tag (a hash of the instructions as submitted) and type
 * equal those of `loadObjectSpec` loading that one program; with BTF, the same func_info and
 * line_info counts; without, none. Programs with maps, data or externs are refused with a typed error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TsbpfError } from '../errors.js';
import { programInfo } from '../info/program-info.js';
import { readObjectSpec } from '../object/object-spec.js';
import { corpus } from '../test-support/corpus.js';
import { kernelSnapshot, leftoverObjects } from '../test-support/kernel.js';
import { loadObjectSpec } from './load-object.js';
import { prepareProgram } from './prepared-program.js';

const built = corpus();

test('prepared programs load what the object loader loads', async (t) => {
  if (typeof built === 'string') { t.skip(built); return; }
  if (process.getuid?.() !== 0) { t.skip('loading BPF programs needs root'); return; }
  const before = kernelSnapshot();
  const names = new Set<string>();
  let compared = 0;
  let refused = 0;
  let withoutBtfCount = 0;
  for (const file of built.loaderObjects) {
    let spec;
    try {
      spec = readObjectSpec(new Uint8Array(readFileSync(built.path(`loader/${file}`))), { path: file });
    } catch {
      continue; // the lint corpus has objects the reader refuses on purpose
    }
    for (const program of spec.programs) {
      names.add(program.name);
      let withBtf, withoutBtf;
      try {
        withBtf = prepareProgram(spec, program.name);
        withoutBtf = prepareProgram(spec, program.name, { btf: false });
      } catch (error) {
        assert.ok(error instanceof TsbpfError, `${file} ${program.name}: ${String(error)}`);
        if (/cannot be prepared/.test(error.message)) refused++;
        continue;
      }
      let reference;
      try {
        reference = loadObjectSpec(spec, { programs: [program.name] });
      } catch {
        // this kernel refuses it (kprobes, trampolines): so must the prepared form
        assert.throws(() => withBtf.load().close(), TsbpfError, `${file} ${program.name}`);
        continue;
      }
      try {
        const expected = reference.programs[program.name]!.info();
        using one = withBtf.load();
        using other = withoutBtf.load();
        const a = programInfo(one.program.fd.value);
        const b = programInfo(other.program.fd.value);
        assert.equal(a.tag, expected.tag, `${file} ${program.name}: tag`);
        assert.equal(a.type, expected.type, `${file} ${program.name}: type`);
        assert.equal(b.tag, expected.tag, `${file} ${program.name}: tag without BTF`);
        assert.equal(a.lineInfoCount, expected.lineInfoCount, `${file} ${program.name}: line_info`);
        assert.equal(a.funcInfoCount, expected.funcInfoCount, `${file} ${program.name}: func_info`);
        assert.ok(a.btfId > 0 && one.btf !== undefined, `${file} ${program.name}: loaded with BTF`);
        // without BTF unless it has subprograms (bpf-to-bpf calls need func_info)
        assert.equal(b.btfId === 0, !withoutBtf.withBtf, `${file} ${program.name}: BTF only when it must`);
        assert.equal(other.btf === undefined, !withoutBtf.withBtf);
        if (!withoutBtf.withBtf) withoutBtfCount++;
        compared++;
      } finally {
        reference.close();
      }
    }
  }
  assert.ok(compared >= 5, `compared ${compared} programs`);
  assert.ok(withoutBtfCount >= 3, `${withoutBtfCount} programs loaded without BTF`);
  assert.ok(refused >= 5, `refused ${refused} programs that use maps or externs`);
  t.diagnostic(`${compared} programs compared (${withoutBtfCount} of them also without BTF), ${refused} refused (maps, data or externs)`);
  assert.deepEqual(await leftoverObjects(before, names), []);
});

test('a program with maps is refused with what to do instead', (t) => {
  if (typeof built === 'string') { t.skip(built); return; }
  const file = built.loaderObjects.find((name) => name === 'events_ringbuf.bpf.o');
  if (!file) { t.skip('corpus/loader has no events_ringbuf.bpf.c'); return; }
  const spec = readObjectSpec(new Uint8Array(readFileSync(built.path(`loader/${file}`))), { path: file });
  const name = spec.programs[0]!.name;
  assert.throws(() => prepareProgram(spec, name), (error: unknown) => error instanceof TsbpfError && /cannot be prepared: it refers to map/.test(error.message) && /loadObject/.test(error.hint));
  assert.throws(() => prepareProgram(spec, 'no_such_program'), TsbpfError);
});
