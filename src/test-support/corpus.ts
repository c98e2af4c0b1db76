/**
 * The test corpus: our own BPF C programs in corpus/, compiled by corpus/build.sh into
 * corpus/.build/. Tests call `corpus()` to get the objects; it builds them when they are missing or
 * older than their sources, and reports why when it can't (no clang), so tests can skip with that reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding package.json. */
export function repoRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('no package.json above the test support file');
    directory = parent;
  }
  return directory;
}

export interface Corpus {
  /** corpus/.build, absolute. */
  readonly directory: string;
  /** Every object's file name (kinds.o, kinds.eb.o, alu.v1.o, usdt.host.o, ...). */
  readonly objects: readonly string[];
  /** BPF objects only (not the host or 32-bit ones). */
  readonly bpfObjects: readonly string[];
  /** The loader corpus (corpus/loader/NAME.bpf.c built to loader/NAME.bpf.o): file names under loader/. */
  readonly loaderObjects: readonly string[];
  /** An object's absolute path: `path('kinds.o')`, `path('loader/globals.bpf.o')`. */
  path(name: string): string;
}

let cached: Corpus | string | undefined;

/** The built corpus, or a string saying why it can't be built (for `t.skip(reason)`). */
export function corpus(): Corpus | string {
  if (cached !== undefined) return cached;
  const source = join(repoRoot(), 'corpus');
  const directory = join(source, '.build');
  if (isStale(source, directory)) {
    if (!hasTool('clang')) return (cached = 'clang is not installed, so the BPF corpus (corpus/build.sh) cannot be built');
    execFileSync('bash', [join(source, 'build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const objects = readdirSync(directory).filter((name) => name.endsWith('.o')).sort();
  cached = {
    directory,
    objects,
    bpfObjects: objects.filter((name) => !name.includes('.host.') && !name.includes('.i386.')),
    loaderObjects: existsSync(join(directory, 'loader')) ? readdirSync(join(directory, 'loader')).filter((name) => name.endsWith('.o')).sort() : [],
    path: (name: string) => join(directory, name),
  };
  return cached;
}

function isStale(source: string, directory: string): boolean {
  if (!existsSync(directory)) return true;
  const built = statSync(directory).mtimeMs;
  const loader = join(source, 'loader');
  const files = [
    ...readdirSync(source).map((name) => join(source, name)),
    ...(existsSync(loader) ? readdirSync(loader).map((name) => join(loader, name)) : []),
  ];
  return files
    .filter((path) => path.endsWith('.c') || path.endsWith('.h') || path.endsWith('build.sh'))
    .some((path) => statSync(path).mtimeMs > built);
}

/** Whether a command is on PATH. */
export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
