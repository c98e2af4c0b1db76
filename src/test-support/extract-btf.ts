/**
 * Copies the .BTF section of each ELF file given into OUT_DIR/NAME.btf, in one process with tsbpf's
 * own ELF reader (thousands of kernel modules: one llvm-objcopy per file took minutes). Files without
 * a .BTF section are skipped. Used by scripts/fetch-kernel-btf.sh.
 *
 *   node dist/src/test-support/extract-btf.js OUT_DIR FILE.ko ...   (or file names on stdin)
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseElf } from '../elf/index.js';

function extract(outDir: string, file: string): boolean {
  const name = basename(file).replace(/\.xz$/, '').replace(/\.ko$/, '');
  const target = join(outDir, `${name}.btf`);
  if (existsSync(target)) return true;
  const section = parseElf(new Uint8Array(readFileSync(file))).sectionByName('.BTF');
  if (!section || section.data.length === 0) return false;
  writeFileSync(`${target}.tmp`, section.data);
  renameSync(`${target}.tmp`, target);
  return true;
}

const [outDir, ...named] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: extract-btf OUT_DIR FILE... (or FILEs on stdin)');
  process.exit(2);
}
const files = named.length ? named : readFileSync(0, 'utf8').split('\n').filter(Boolean);
let written = 0;
for (const file of files) if (extract(outDir, file)) written++;
console.log(`extract-btf: ${written} of ${files.length} files have .BTF`);
