/**
 * The work of `tsbpf btf dump file F [-B BASE] format c > out`, as a standalone script, for the
 * btf-dump-c benchmark to time while the CLI lacks the command (and to report in-process time):
 * read, parse, format, write.
 *
 *   node dump-file.js FILE [BASE] [--timings]   (--timings: one JSON line on stderr, milliseconds)
 */
import { readFileSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { BtfSource } from '../../src/btf/types.js';

// as src/cli/btf.ts sets it before the dumper is compiled (see there), so the split below is the CLI's
setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
const { formatBtfAsCBytes } = await import('../../src/btf/dump-c.js');

/** btf.ts is written concurrently: a computed specifier lets this compile before it lands. */
interface BtfParser { parse(bytes: Uint8Array, options?: { base?: BtfSource }): BtfSource }
const btfModule = '../../src/btf/btf.js';
const btfExports = (await import(btfModule)) as { Btf?: BtfParser; parseBtf?: BtfParser['parse'] };
const Btf: BtfParser = btfExports.Btf ?? { parse: btfExports.parseBtf! };

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const [file, baseFile] = args;
if (!file) {
  console.error('usage: dump-file.js FILE [BASE] [--timings]');
  process.exit(2);
}
const start = performance.now();
// A Buffer is a Uint8Array: wrapping it in `new Uint8Array(...)` copied 5.5 MB, which cost as much as the
// read itself (fresh pages fault in), as the CLI, which passes the Buffer, never does.
const base = baseFile ? Btf.parse(readFileSync(baseFile)) : undefined;
const btf = Btf.parse(readFileSync(file), base ? { base } : undefined);
const parsed = performance.now();
const bytes = formatBtfAsCBytes(btf);
const dumped = performance.now();
writeAll(bytes);
const written = performance.now();
if (process.argv.includes('--timings')) {
  console.error(JSON.stringify({ parseMs: parsed - start, dumpMs: dumped - parsed, writeMs: written - dumped }));
}

/** writeSync until done; a pipe may take the output in pieces (or ask us to retry). */
function writeAll(data: Uint8Array): void {
  let at = 0;
  while (at < data.length) {
    try {
      at += writeSync(1, data, at, data.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
