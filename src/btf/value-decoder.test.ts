/** The compiled decoder against the walking one, on every struct and union of vmlinux and of our corpus, and on a hand-written event. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpus } from '../test-support/corpus.js';
import { readObjectParts } from '../object/object-file.js';
import { Btf } from './btf.js';
import { BtfKind } from './types.js';
import { decodeBtfValue } from './value-codec.js';
import { btfDecoder } from './value-decoder.js';

function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

function compareAll(btf: Btf, limit: number): number {
  let compared = 0;
  for (const t of btf.types()) {
    if (t.kind !== BtfKind.Struct && t.kind !== BtfKind.Union) continue;
    if (t.size === 0 || t.size > 4096) continue;
    const bytes = pseudoRandomBytes(t.size + 8, t.id);
    assert.deepEqual(btfDecoder(btf, t.id)(bytes, 8), decodeBtfValue(btf, t.id, bytes, 8), `${t.name || 'anonymous'} [${t.id}]`);
    if (++compared >= limit) break;
  }
  return compared;
}

test('compiled decoders read what the walking decoder reads: 3000 vmlinux structs and unions', () => {
  const btf = Btf.parse(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  assert.equal(compareAll(btf, 3000), 3000);
});

const built = corpus();

test('compiled decoders on every struct of the corpus objects, both byte orders', { skip: typeof built === 'string' ? built : false }, () => {
  if (typeof built === 'string') return;
  let compared = 0;
  for (const name of built.bpfObjects) {
    const { btf } = readObjectParts(new Uint8Array(readFileSync(built.path(name))));
    if (btf) compared += compareAll(btf, 10_000);
  }
  assert.ok(compared > 20, `${compared} types compared`);
});

test('an event struct decodes into the object a user would write by hand', { skip: typeof built === 'string' ? built : false }, async () => {
  if (typeof built === 'string') return;
  const { loadObject } = await import('../loader/index.js');
  using object = await loadObject(built.path('loader/decode_event.bpf.o'));
  object.programs.fill_event!.testRun({ data: new Uint8Array(64) });
  const decode = object.decoder('struct event');
  const bss = object.maps['.bss']!.lookup(new Uint8Array(4))!;
  assert.deepEqual(decode(bss, object.variables.last_event!.offset), {
    pid: 4242, ret: -2, ts_ns: 0x1122334455667788n, comm: 'opensnoop', kind: 'EVENT_CLOSE',
    endpoint: { port: 8080, proto: 6 }, sizes: [50, 0, 7], flags: 5, level: 17, delta: -3, ok: true,
  });
  assert.throws(() => object.decoder('struct no_such_thing'), /no type/);
});
