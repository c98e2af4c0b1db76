/**
 * The committed src/sys/abi-generated.ts must be exactly what the generator writes from the running
 * kernel's BTF. It records the kernel it came from; another build with the same ABI must generate the same
 * file (the release line aside), and only a kernel whose ABI differs skips, naming both releases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { generateAbi } from './generate.js';
import { generatedPath, kernelRelease, recordedRelease, VMLINUX_BTF, vmlinuxBtf } from './kernel.js';

test('abi-generated.ts is byte for byte what the running kernel\'s BTF generates', (t) => {
  const committed = readFileSync(generatedPath(), 'utf8');
  const recorded = recordedRelease(committed);
  assert.ok(recorded, 'abi-generated.ts records no kernel release (ABI_KERNEL_RELEASE)');
  if (!existsSync(VMLINUX_BTF)) {
    t.skip(`${VMLINUX_BTF} is missing: this kernel has no BTF to regenerate from (the file came from Linux ${recorded})`);
    return;
  }
  const running = kernelRelease();
  // generated as if on the recorded kernel: another build of the same ABI must give the same bytes
  const fresh = generateAbi(vmlinuxBtf(), recorded);
  if (fresh === committed) return;
  if (running !== recorded) {
    t.skip(`abi-generated.ts came from Linux ${recorded}, this is Linux ${running}, and their ABIs differ: run \`npm run generate:abi\` on ${recorded} to compare`);
    return;
  }
  // name the first differing line rather than dumping two 500-line strings
  const want = fresh.split('\n');
  const have = committed.split('\n');
  const line = want.findIndex((text, i) => text !== have[i]);
  const at = line < 0 ? want.length : line;
  assert.fail(`abi-generated.ts differs from a fresh generation at line ${at + 1}:\n  committed: ${have[at] ?? '(end of file)'}\n  generated: ${want[at] ?? '(end of file)'}\nrun \`npm run generate:abi\` and commit the result`);
});

test('the generator is deterministic', () => {
  if (!existsSync(VMLINUX_BTF)) return;
  const btf = vmlinuxBtf();
  assert.equal(generateAbi(btf, 'x'), generateAbi(vmlinuxBtf(), 'x'));
});
