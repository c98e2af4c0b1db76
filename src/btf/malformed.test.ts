/** Malformed BTF: every failure is a BtfError naming the byte offset, never an untyped exception. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { MutableBtf } from './mutable.js';
import { BtfKind } from './types.js';
import { writeBtf } from './writer.js';

/** A small valid blob: int, struct with a member, pointer. */
function sample(): Uint8Array {
  const btf = MutableBtf.empty();
  const int = btf.add({ id: 0, kind: BtfKind.Int, name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
  btf.add({ id: 0, kind: BtfKind.Struct, name: 'pair', size: 8, kindFlag: false, members: [{ name: 'a', type: int, bitOffset: 0, bitfieldSize: 0 }, { name: 'b', type: int, bitOffset: 32, bitfieldSize: 0 }] });
  btf.add({ id: 0, kind: BtfKind.Pointer, name: '', target: 2 });
  return writeBtf(btf);
}

function expectBtfError(bytes: Uint8Array, offset: number, pattern: RegExp, use: (btf: Btf) => void = () => {}): void {
  assert.throws(() => use(Btf.parse(bytes)), (error: unknown) => {
    assert.ok(error instanceof BtfError, `not a BtfError: ${String(error)}`);
    assert.equal(error.offset, offset, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('malformed BTF', () => {
  const good = sample();
  const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  test('the sample parses', () => {
    const btf = Btf.parse(good);
    assert.equal(btf.typeCount, 4);
    assert.equal(btf.sizeOf(2), 8);
  });

  test('truncated header', () => expectBtfError(good.slice(0, 10), 0, /shorter than the 24-byte BTF header/));

  test('bad magic', () => {
    const bytes = good.slice();
    bytes[0] = 0x12;
    expectBtfError(bytes, 0, /magic/);
  });

  test('type section overrunning the blob', () => {
    const bytes = good.slice();
    view(bytes).setUint32(12, 1 << 20, true);
    expectBtfError(bytes, 8, /type section/);
  });

  test('a record overrunning the type section', () => {
    const bytes = good.slice();
    // the struct (second record, at 24 + 16) claims 200 members
    view(bytes).setUint32(24 + 16 + 4, (BtfKind.Struct << 24) | 200, true);
    expectBtfError(bytes, 40, /runs past the end of the type section/);
  });

  test('bad name offset in a record', () => {
    const bytes = good.slice();
    view(bytes).setUint32(24, 0xffff, true);
    expectBtfError(bytes, 24, /name offset 65535 is outside/);
  });

  test('bad name offset in a member (found on decode)', () => {
    const bytes = good.slice();
    view(bytes).setUint32(24 + 16 + 12, 0xffff, true);
    expectBtfError(bytes, 52, /string offset 65535 is outside/, (btf) => btf.type(2));
  });

  test('unknown kind', () => {
    const bytes = good.slice();
    view(bytes).setUint32(24 + 4, 25 << 24, true);
    expectBtfError(bytes, 24, /unknown kind 25/);
  });

  test('string section without a final NUL', () => {
    const bytes = good.slice();
    bytes[bytes.length - 1] = 0x41;
    expectBtfError(bytes, bytes.length - 1, /does not end with NUL/);
  });

  test('random corruption gives BtfError or a valid parse, never another exception', () => {
    let seed = 12345;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 2000; round++) {
      const bytes = good.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        const btf = Btf.parse(bytes);
        for (let id = 0; id < btf.typeCount; id++) {
          btf.type(id);
          try { btf.sizeOf(id); btf.alignOf(id); btf.resolve(id); } catch (error) { if (!(error instanceof BtfError)) throw error; }
        }
        btf.findByName('int');
      } catch (error) {
        if (!(error instanceof BtfError)) throw error;
      }
    }
  });
});
