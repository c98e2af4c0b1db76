/**
 * kprobe.multi and uprobe.multi: one link for many functions (fprobe- and uprobe-based), each with
 * its own cookie. Programs must come from `kprobe.multi`/`uprobe.multi` sections (their expected
 * attach type is the multi one). Section names may carry glob patterns (`kprobe.multi/tcp_*`,
 * `uprobe.multi/PATH:malloc*`), resolved here as libbpf resolves them.
 *
 * Sessions (`session: true`, programs from `kprobe.session`/`uprobe.session` sections; Linux 6.10 for
 * kprobes, 6.13 for uprobes) are multi links of their own attach type: the program runs at entry and,
 * when that run returns 0, at return too, both runs sharing a cookie (bpf_session_cookie()).
 */
import { readFileSync } from 'node:fs';
import { parseElf, SectionIndex, SymbolType } from '../elf/index.js';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor } from '../sys/index.js';
import { ensureTracefs } from '../sys/tracefs.js';
import { ProbeTargetError } from './kprobe-legacy.js';
import { Link } from './link.js';
import { createLinkOrExplain } from './link-support.js';
import { functionFileOffset, resolveBinaryPath } from './symbol-offset.js';

/** BPF_F_KPROBE_MULTI_RETURN and BPF_F_UPROBE_MULTI_RETURN (include/uapi/linux/bpf.h). */
const MULTI_RETURN = 1;

export interface KprobeMultiOptions {
  /** Kernel functions by name (or `addresses`). */
  functions?: readonly string[];
  addresses?: readonly bigint[];
  cookies?: readonly bigint[];
  returnProbe?: boolean;
  /** A session: entry and return in one program (a `kprobe.session` program; not with returnProbe). */
  session?: boolean;
}

/** A session is a probe at entry that also runs at return: the two options contradict each other. */
function checkSession(options: { returnProbe?: boolean; session?: boolean }): void {
  if (options.session && options.returnProbe) {
    throw new InvalidArgumentError('a session probe runs at entry and at return already; returnProbe does not go with session', 'drop returnProbe');
  }
}

export function attachKprobeMulti(program: Program, options: KprobeMultiOptions): Link {
  checkSession(options);
  const kind = options.session ? 'kprobe.session' : 'kprobe.multi';
  const requirement = options.session
    ? { feature: 'kprobe.session links', since: '6.10', config: 'CONFIG_FPROBE' }
    : { feature: 'kprobe.multi links', since: '5.18', config: 'CONFIG_FPROBE' };
  const fd = createLinkOrExplain(requirement, () => bpf.linkCreate({
    programFd: program.fd.value, targetFd: 0,
    attachType: options.session ? abi.AttachTypeId.TRACE_KPROBE_SESSION : abi.AttachTypeId.TRACE_KPROBE_MULTI,
    kprobeMulti: {
      ...(options.functions ? { symbols: options.functions } : {}), ...(options.addresses ? { addresses: options.addresses } : {}),
      ...(options.cookies ? { cookies: options.cookies } : {}), flags: options.returnProbe ? MULTI_RETURN : 0,
    },
  }));
  const what = options.functions?.join(',') ?? `${options.addresses?.length ?? 0} addresses`;
  return new Link(new FileDescriptor(fd, `${kind} ${what}`), `${kind} ${what}`);
}

export interface UprobeMultiOptions {
  /** Functions of the binary by name (or file `offsets`). */
  functions?: readonly string[];
  offsets?: readonly number[];
  cookies?: readonly bigint[];
  returnProbe?: boolean;
  /** Only this process. */
  pid?: number;
  /** A session: entry and return in one program (an `uprobe.session` program; not with returnProbe). */
  session?: boolean;
}

export function attachUprobeMulti(program: Program, binary: string, options: UprobeMultiOptions): Link {
  checkSession(options);
  const path = resolveBinaryPath(binary, options.pid);
  const offsets = options.offsets ?? (options.functions ?? []).map((name) => functionFileOffset(path, name));
  const kind = options.session ? 'uprobe.session' : 'uprobe.multi';
  const requirement = options.session ? { feature: 'uprobe.session links', since: '6.13' } : { feature: 'uprobe.multi links', since: '6.6' };
  const fd = createLinkOrExplain(requirement, () => bpf.linkCreate({
    programFd: program.fd.value, targetFd: 0,
    attachType: options.session ? abi.AttachTypeId.TRACE_UPROBE_SESSION : abi.AttachTypeId.TRACE_UPROBE_MULTI,
    uprobeMulti: {
      path, offsets, ...(options.cookies ? { cookies: options.cookies } : {}),
      flags: options.returnProbe ? MULTI_RETURN : 0, ...(options.pid !== undefined ? { pid: options.pid } : {}),
    },
  }));
  const what = `${path}:${options.functions?.join(',') ?? offsets.join(',')}`;
  return new Link(new FileDescriptor(fd, `${kind} ${what}`), `${kind} ${what}`);
}

/** libbpf's glob: `*` any run of characters, `?` any one character, everything else itself. */
export function globMatch(text: string, pattern: string): boolean {
  // iterative with one backtrack point per '*', linear in practice
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * The functions of an available_filter_functions listing (`name` or `name [module]` a line) that
 * `pattern` matches, in the listing's order, each name once (a static function can be listed more
 * than once; the kernel resolves a name to one address). Placeholders ftrace leaves for functions it
 * could not resolve (`__ftrace_invalid_address__...`) are skipped, as libbpf skips them.
 */
export function functionsMatching(listing: string, pattern: string): string[] {
  const found = new Set<string>();
  for (const line of listing.split('\n')) {
    const name = line.split(/\s/, 1)[0]!;
    if (name === '' || name.startsWith('__ftrace_invalid_address__') || found.has(name)) continue;
    if (globMatch(name, pattern)) found.add(name);
  }
  return [...found];
}

/** The kernel functions `pattern` matches in tracefs available_filter_functions (the ones kprobes may attach to). */
export function kernelFunctionsMatching(pattern: string): string[] {
  const file = `${ensureTracefs()}/available_filter_functions`;
  let listing: string;
  try {
    listing = readFileSync(file, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new NotSupportedError(`kernel function pattern '${pattern}'`, `${file} cannot be read (${code})`, 'name the functions instead of a pattern, or use a kernel with CONFIG_FUNCTION_TRACER');
  }
  const names = functionsMatching(listing, pattern);
  if (names.length === 0) {
    throw new ProbeTargetError(pattern, `kernel function pattern '${pattern}' matches no function in ${file}`, `check the pattern against ${file} (only * and ? are wildcards)`, 'ENOENT');
  }
  return names;
}

/**
 * File offsets of the functions of the ELF file at `path` whose names `pattern` matches: .symtab's
 * defined functions, or .dynsym's when .symtab has none that match (libbpf's order); aliases of one
 * address count once.
 */
export function binaryFunctionsMatching(path: string, pattern: string): { names: string[]; offsets: number[] } {
  const elf = parseElf(new Uint8Array(readFileSync(path)));
  for (const symbols of [elf.symbols, elf.dynamicSymbols]) {
    const names: string[] = [];
    const offsets: number[] = [];
    for (const symbol of symbols) {
      if (symbol.type !== SymbolType.Func || symbol.sectionIndex === SectionIndex.Undefined || symbol.sectionIndex >= SectionIndex.LoReserve) continue;
      if (!globMatch(symbol.name, pattern)) continue;
      const section = elf.sections[symbol.sectionIndex];
      if (!section) continue;
      const offset = Number(symbol.value - section.address) + section.offset;
      if (offsets.includes(offset)) continue;
      names.push(symbol.name);
      offsets.push(offset);
    }
    if (offsets.length > 0) return { names, offsets };
  }
  throw new ProbeTargetError(`${path}:${pattern}`, `uprobe.multi pattern '${pattern}' matches no function of ${path}`, `list its functions: readelf -Ws ${path} (only * and ? are wildcards)`, 'ENOENT');
}

/** SEC("kprobe.multi/PATTERN") or SEC("kretprobe.multi/PATTERN"): every matching kernel function, one link. */
export function attachKprobeMultiPattern(program: Program, pattern: string, options: { returnProbe?: boolean; session?: boolean } = {}): Link {
  return attachKprobeMulti(program, { functions: kernelFunctionsMatching(pattern), returnProbe: options.returnProbe ?? false, session: options.session ?? false });
}

/** SEC("uprobe.multi/PATH:PATTERN"), SEC("uretprobe.multi/...") or SEC("uprobe.session/..."): every matching function of the binary, one link. */
export function attachUprobeMultiPattern(program: Program, binary: string, pattern: string, options: { returnProbe?: boolean; pid?: number; session?: boolean } = {}): Link {
  const path = resolveBinaryPath(binary, options.pid);
  const { offsets } = binaryFunctionsMatching(path, pattern);
  return attachUprobeMulti(program, path, { offsets, returnProbe: options.returnProbe ?? false, session: options.session ?? false, ...(options.pid !== undefined ? { pid: options.pid } : {}) });
}
