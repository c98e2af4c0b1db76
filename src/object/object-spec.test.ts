import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseElf } from '../elf/index.js';
import { corpus } from '../test-support/corpus.js';
import { linkProgram } from './link-program.js';
import { internalMapName, objectNameFromPath } from './object-maps.js';
import { ObjectError } from './object-error.js';
import { readObjectSpec } from './object-spec.js';

test('object names and internal map names follow libbpf', () => {
  assert.equal(objectNameFromPath('/x/opensnoop.bpf.o'), 'opensnoop');
  assert.equal(objectNameFromPath('minimal'), 'minimal');
  // libbpf reserves 7 characters for the suffix, keeps a longer suffix whole, and never prefixes a custom section
  assert.equal(internalMapName('my_object_name', '.rodata'), 'my_objec.rodata');
  assert.equal(internalMapName('my_object_name', '.bss'), 'my_objec.bss');
  assert.equal(internalMapName('my_object_name', '.kconfig'), 'my_obje.kconfig');
  assert.equal(internalMapName('my_object_name', '.rodata.abracadabra'), '.rodata.abracad');
  assert.equal(internalMapName('opensnoop', '.data'), 'opensnoo.data');
  assert.equal(internalMapName('a-b', '.bss'), 'a_b.bss');
});

const built = corpus();

test('readObjectSpec: programs, maps and variables of the loader corpus', { skip: typeof built === 'string' ? built : false }, () => {
  if (typeof built === 'string') return;
  const spec = readObjectSpec(new Uint8Array(readFileSync(built.path('loader/data_rodata.bpf.o'))), { path: 'data_rodata.bpf.o' });
  assert.equal(spec.name, 'data_rodata');
  assert.ok(spec.license.length > 0);
  const rodata = spec.maps.find((map) => map.section === '.rodata');
  assert.ok(rodata, 'a .rodata map');
  assert.equal(rodata.name, 'data_rod.rodata');
  assert.equal(rodata.readOnly, true);
  assert.ok(Object.keys(spec.variables).length > 0, 'variables from the DATASEC');
  for (const name of built.loaderObjects.filter((n) => !n.startsWith('lint_'))) {
    const object = readObjectSpec(new Uint8Array(readFileSync(built.path(`loader/${name}`))), { path: name });
    for (const program of object.programs) {
      const linked = linkProgram(object, program);
      assert.ok(linked.instructions.length >= program.function.length / 2, `${name}/${program.name} links`);
      // the kernel wants func_info[0] at instruction 0 and one record per function, in order
      if (linked.funcInfo.length > 0) {
        assert.equal(linked.funcInfo[0]!.instruction, 0);
        assert.equal(linked.funcInfo.length, linked.layout.length, `${name}/${program.name}: one func_info per function`);
      }
    }
  }
});

test('readObjectSpec refuses an unknown SEC name and names the closest one', { skip: typeof built === 'string' ? built : false }, () => {
  if (typeof built === 'string') return;
  const lint = built.loaderObjects.find((n) => n.startsWith('lint_unknown'));
  if (!lint) return;
  assert.throws(() => readObjectSpec(new Uint8Array(readFileSync(built.path(`loader/${lint}`)))), (error: unknown) => error instanceof ObjectError && /did you mean/.test(error.message));
});

test('a data section whose header claims gigabytes is an ObjectError, not an allocation (found by the fuzzer)', { skip: typeof built === 'string' ? built : false }, () => {
  if (typeof built === 'string') return;
  const bytes = new Uint8Array(readFileSync(built.path('loader/code_sections.bpf.o')));
  const bss = parseElf(bytes).sections.find((section) => section.name === '.bss');
  assert.ok(bss, 'code_sections has a .bss');
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const header = Number(view.getBigUint64(0x28, true)) + bss.index * 64;
  view.setBigUint64(header + 32, 1n << 33n, true); // sh_size
  assert.throws(() => readObjectSpec(bytes), (error: unknown) => error instanceof ObjectError && /'\.bss' claims 8589934592 bytes/.test(error.message));
});
