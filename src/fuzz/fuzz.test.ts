/** A short seeded slice of the fuzzer for CI: 2 000 cases must give no untyped exception and no slow case. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ParseError } from '../errors.js';
import { corpus } from '../test-support/corpus.js';
import { fuzz } from './fuzz.js';
import { btfInput, btfSectionInputs, elfInput } from './inputs.js';
import { Random } from './random.js';

const built = corpus();

it('2 000 seeded mutations of the corpus: no untyped exceptions, none over 1 s', { skip: typeof built === 'string' ? built : false, timeout: 120_000 }, async () => {
  if (typeof built === 'string') return;
  // The corpus objects and their .BTF sections alone (vmlinux is in `npm run fuzz`), so the slice
  // stays a few seconds long; parsed BTF also goes through the C dumper, the raw dump and the decoders.
  const objects = built.bpfObjects.map((name) => ({ name, bytes: new Uint8Array(readFileSync(built.path(name))) }));
  const inputs = [...objects.map(({ name, bytes }) => elfInput(name, bytes)), ...btfSectionInputs(objects, 1)];
  const stats = await fuzz({ inputs, cases: 2000, seed: 20240601 });
  assert.equal(stats.cases, 2000);
  assert.deepEqual(stats.untyped, [], 'untyped exceptions');
  assert.deepEqual(stats.slow, [], 'cases over 1 s');
  assert.ok(stats.typedErrors > 100, `most mutations are refused with typed errors (${stats.typedErrors})`);
});

it('is deterministic: the same seed makes the same cases', () => {
  const first = new Random(7, 3);
  const second = new Random(7, 3);
  const draws = Array.from({ length: 5 }, () => first.u32());
  assert.deepEqual(Array.from({ length: 5 }, () => second.u32()), draws);
  const other = new Random(7, 4);
  assert.notDeepEqual(Array.from({ length: 5 }, () => other.u32()), draws);
});

it('counts a crash as untyped and a typed refusal as expected', async () => {
  const input = btfInput('blob', new Uint8Array(64));
  const crash = await fuzz({ inputs: [input], cases: 3, seed: 1 }, () => { throw new TypeError('boom'); });
  assert.equal(crash.untyped.length, 3);
  assert.match(crash.untyped[0]!.problem, /TypeError: boom/);
  const refused = await fuzz({ inputs: [input], cases: 3, seed: 1 }, () => { throw new ParseError('BTF', 0, 'bad'); });
  assert.deepEqual([refused.untyped.length, refused.typedErrors], [0, 3]);
});
