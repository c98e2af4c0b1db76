/**
 * Where a uprobe goes: a function's file offset in an executable or shared library (the symbol's
 * address less its section's address plus the section's file offset), found in .symtab or .dynsym;
 * a library named without a path is found where the dynamic loader would look, or in a process's maps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { parseElf, SectionIndex, SymbolType } from '../elf/index.js';

const LIBRARY_DIRECTORIES = ['/lib64', '/usr/lib64', '/lib', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

/**
 * An absolute path for `binary`: as is when it has a slash; else the library in `pid`'s mappings when
 * given, else in LD_LIBRARY_PATH and the standard library directories, else on PATH (an executable).
 */
export function resolveBinaryPath(binary: string, pid?: number): string {
  if (binary.includes('/')) {
    if (!existsSync(binary)) throw new InvalidArgumentError(`${binary} does not exist`);
    return binary;
  }
  if (pid !== undefined) {
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    for (const line of maps.split('\n')) {
      const path = line.slice(line.indexOf('/'));
      if (line.includes('/') && path.slice(path.lastIndexOf('/') + 1).startsWith(binary)) return path;
    }
  }
  const directories = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRECTORIES];
  if (binary.includes('.so')) {
    for (const directory of directories) if (existsSync(`${directory}/${binary}`)) return `${directory}/${binary}`;
  }
  for (const directory of (process.env.PATH ?? '').split(':').filter(Boolean)) if (existsSync(`${directory}/${binary}`)) return `${directory}/${binary}`;
  throw new NotSupportedError(`binary '${binary}'`, 'not found in the library directories, LD_LIBRARY_PATH or PATH', 'give its absolute path');
}

/** The file offset of function `symbol` in the ELF file at `path`. */
export function functionFileOffset(path: string, symbol: string): number {
  const elf = parseElf(new Uint8Array(readFileSync(path)));
  const candidates = [...elf.symbols, ...elf.dynamicSymbols].filter((s) => s.name === symbol && s.type === SymbolType.Func
    && s.sectionIndex !== SectionIndex.Undefined && s.sectionIndex < SectionIndex.LoReserve);
  const found = candidates[0];
  if (!found) throw new NotSupportedError(`function '${symbol}'`, `${path} defines no function of that name`, `list its functions: readelf -Ws ${path}`);
  const section = elf.sections[found.sectionIndex]!;
  return Number(found.value - section.address) + section.offset;
}
