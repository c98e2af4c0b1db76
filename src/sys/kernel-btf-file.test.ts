import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isKernelBtfPath, readKernelBtfFile, VMLINUX_BTF_PATH } from './index.js';

test('kernel BTF maps (or reads) to the same bytes as a plain read', () => {
  const mapped = readKernelBtfFile(VMLINUX_BTF_PATH);
  const read = readFileSync(VMLINUX_BTF_PATH);
  assert.equal(mapped.length, read.length);
  assert.equal(Buffer.compare(Buffer.from(mapped.buffer, mapped.byteOffset, mapped.length), read), 0);
});

test('only files directly in /sys/kernel/btf count as kernel BTF', () => {
  assert.equal(isKernelBtfPath('/sys/kernel/btf/vmlinux'), true);
  assert.equal(isKernelBtfPath('/sys/kernel/btf/9p'), true);
  assert.equal(isKernelBtfPath('/tmp/vmlinux'), false);
  assert.equal(isKernelBtfPath('/sys/kernel/btf/../x/y'), false);
});
