/**
 * The pure layers run in a browser: esbuild bundles each for the browser platform, and the bundle
 * may not pull in a Node builtin (esbuild fails the build when one is imported with platform
 * 'browser'), nor mention process/Buffer/require.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const PURE_ENTRY_POINTS = ['elf/index.js', 'btf/btf.js', 'btf/ext.js', 'btf/writer.js', 'btf/dump-raw.js', 'btf/dump-c.js', 'asm/index.js', 'object/section-names.js',
  'object/object-file.js', 'object/disassemble.js', 'object/object-text.js', 'object/btf-maps.js', 'object/object-spec.js', 'object/link-program.js',
  'object/core/index.js', 'object/externs.js', 'object/lint.js', 'btf/value-codec.js', 'btf/value-decoder.js', 'programs/verifier-report.js'];

for (const entry of PURE_ENTRY_POINTS) {
  test(`${entry} bundles for the browser with no Node builtin`, async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL(`./${entry}`, import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((input) => input.startsWith('node:') || input.includes('node_modules')), [], 'Node modules bundled');
    const code = result.outputFiles[0]!.text;
    assert.doesNotMatch(code, /\bprocess\.(arch|platform|env)|\bBuffer\.|\brequire\(/, 'the bundle uses Node globals');
  });
}
