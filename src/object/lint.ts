/**
 * `lintObject`: what libbpf will say about an object's section names, before anyone loads it. The
 * rules are libbpf's (shared/reference/libbpf-sections.md; section-names.ts holds the table):
 *
 * - a program section must match the table, or libbpf cannot give its programs a type and refuses to
 *   load them; libbpf 1.0 dropped prefix matches (`xdp_foo`) and a few legacy names;
 * - `.s` (sleepable) exists only for the types the table lists;
 * - tp_btf/fentry/fexit/fmod_ret/lsm/iter/freplace need their target in the name, other types need one
 *   only for auto-attach (a bare `kprobe` loads, but nothing attaches it);
 * - programs must be GLOBAL functions: libbpf refuses static ones in program sections;
 * - the legacy `maps` section is gone since libbpf 1.0;
 * - GPL-only helpers need a GPL-compatible license, or the verifier refuses the call.
 *
 * Pure: bytes in, findings out, no kernel.
 */
import { builtinHelperName, type HelperNameLookup } from '../asm/helpers.js';
import { SymbolBinding, SymbolType, type ElfFile, type ElfSection } from '../elf/index.js';
import { isCodeSection, readObjectParts } from './object-file.js';
import { closestSectionName, matchSection, SECTION_DEFINITIONS } from './section-names.js';

export type LintSeverity = 'error' | 'warning' | 'note';

export interface LintFinding {
  /** error: libbpf or the kernel will refuse the object; warning: it loads, but something won't work; note: worth knowing. */
  severity: LintSeverity;
  /** A stable name for the rule (`unknown-section`, `gpl-helper`, ...). */
  rule: string;
  section: string;
  /** The function the finding is about, when it is about one. */
  program?: string;
  problem: string;
  fix: string;
}

export interface LintOptions {
  /** Helper names by id (the running kernel's, from its BTF); tsbpf's built-in table by default. */
  helperName?: HelperNameLookup;
  /** Helper names (without `bpf_`) the kernel allows only in GPL-compatible programs; GPL_ONLY_HELPERS by default. */
  gplOnlyHelpers?: ReadonlySet<string>;
}

/**
 * Helpers whose kernel prototypes are `gpl_only` (kernel/trace/bpf_trace.c, kernel/bpf/helpers.c,
 * net/core/filter.c). A few have a non-GPL variant for some program types (get_func_ip for
 * kprobe.multi); those count as GPL-only, the common case.
 */
export const GPL_ONLY_HELPERS: ReadonlySet<string> = new Set([
  'probe_read', 'trace_printk', 'perf_event_read', 'perf_event_output', 'get_stackid', 'get_current_task',
  'probe_write_user', 'probe_read_str', 'perf_event_read_value', 'perf_prog_read_value', 'override_return', 'get_stack',
  'skb_output', 'probe_read_user', 'probe_read_kernel', 'probe_read_user_str', 'probe_read_kernel_str',
  'read_branch_records', 'xdp_output', 'seq_printf', 'seq_write', 'seq_printf_btf', 'get_current_task_btf', 'snprintf',
  'timer_init', 'timer_set_callback', 'timer_start', 'timer_cancel', 'get_func_ip', 'task_pt_regs',
  'get_branch_snapshot', 'trace_vprintk',
]);

/** The strings the kernel's license_is_gpl_compatible() accepts. */
const GPL_COMPATIBLE_LICENSES = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

/** Names libbpf before 1.0 knew and 1.0 removed, with what replaced them. */
const REMOVED_NAMES: readonly { prefix: string; replacement: string }[] = [
  { prefix: 'xdp_devmap/', replacement: 'xdp/devmap' },
  { prefix: 'xdp_cpumap/', replacement: 'xdp/cpumap' },
  { prefix: 'xdp.frags_devmap/', replacement: 'xdp.frags/devmap' },
  { prefix: 'xdp.frags_cpumap/', replacement: 'xdp.frags/cpumap' },
  { prefix: 'sk_lookup/', replacement: 'sk_lookup' },
];

/** Exact names libbpf never matched by prefix (added in or after the 1.0 cleanup, or always strict). */
const NEVER_PREFIX_MATCHED = new Set(['tc', 'tcx', 'netkit', 'syscall', 'sk_lookup', 'netfilter']);

/** Sections libbpf reads that are not code; anything else not code is ignored by libbpf, and here. */
const LEGACY_MAPS_SECTION = 'maps';

/** Types whose target libbpf resolves in BTF before load: without one, load fails. */
const NEEDS_TARGET_TO_LOAD = (pattern: string): boolean => SECTION_DEFINITIONS.some((d) => d.pattern === pattern && d.flags.attachBtf === true);

/** Bases (pattern without `+`) whose bare form loads but is skipped by auto-attach. */
const AUTO_ATTACH_TARGETS: Record<string, string> = {
  kprobe: 'kprobe/FUNCTION[+OFFSET]', kretprobe: 'kretprobe/FUNCTION', uprobe: 'uprobe/PATH:FUNCTION[+OFFSET]',
  uretprobe: 'uretprobe/PATH:FUNCTION', 'uprobe.s': 'uprobe.s/PATH:FUNCTION', 'uretprobe.s': 'uretprobe.s/PATH:FUNCTION',
  'kprobe.multi': 'kprobe.multi/GLOB', 'kretprobe.multi': 'kretprobe.multi/GLOB', 'uprobe.multi': 'uprobe.multi/PATH:GLOB',
  'uretprobe.multi': 'uretprobe.multi/PATH:GLOB', ksyscall: 'ksyscall/SYSCALL', kretsyscall: 'kretsyscall/SYSCALL',
  usdt: 'usdt/PATH:PROVIDER:NAME', tracepoint: 'tracepoint/CATEGORY/NAME', tp: 'tp/CATEGORY/NAME',
  raw_tracepoint: 'raw_tracepoint/NAME', raw_tp: 'raw_tp/NAME', 'raw_tracepoint.w': 'raw_tracepoint.w/NAME', 'raw_tp.w': 'raw_tp.w/NAME',
};

/** Lints an object file's bytes. Throws only when the bytes are not a BPF object at all (ParseError/ObjectError). */
export function lintObject(bytes: Uint8Array, options: LintOptions = {}): LintFinding[] {
  const { elf } = readObjectParts(bytes);
  const helperName = options.helperName ?? builtinHelperName;
  const gplOnly = options.gplOnlyHelpers ?? GPL_ONLY_HELPERS;
  const findings: LintFinding[] = [];

  for (const section of elf.sections) {
    if (section.name === LEGACY_MAPS_SECTION) {
      findings.push({
        severity: 'error', rule: 'legacy-maps', section: section.name,
        problem: 'legacy struct bpf_map_def maps: libbpf 1.0 and later refuse the whole object',
        fix: 'declare BTF-defined maps in SEC(".maps") with __uint(type, ...), __type(key, ...), __type(value, ...)',
      });
    }
    if (!isCodeSection(section) || section.name === '.text') continue;
    findings.push(...lintProgramSection(elf, section));
  }
  findings.push(...lintLicense(elf, helperName, gplOnly));
  return findings;
}

function lintProgramSection(elf: ElfFile, section: ElfSection): LintFinding[] {
  const findings: LintFinding[] = [];
  const name = section.name;
  const at = (severity: LintSeverity, rule: string, problem: string, fix: string): void => {
    findings.push({ severity, rule, section: name, problem, fix });
  };
  const match = matchSection(name);
  if (!match) {
    at('error', 'unknown-section', ...explainUnknown(name));
  } else {
    const base = match.definition.pattern.replace(/[+/]$/, '');
    const bare = !match.target && !name.replace(/^\?/, '').includes('/');
    if (!match.autoload) {
      at('note', 'autoload-off', `the leading '?' turns autoload off: libbpf opens the program but does not load it`,
        'call bpf_program__set_autoload(prog, true) before load if you want it, or drop the \'?\'');
    }
    if (bare && NEEDS_TARGET_TO_LOAD(match.definition.pattern)) {
      at('error', 'missing-target', `${base} programs are verified against their target function, and the name gives none: libbpf refuses to load it`,
        `name the target, SEC("${base}/FUNCTION"), or call bpf_program__set_attach_target() before load`);
    } else if (bare && AUTO_ATTACH_TARGETS[base]) {
      at('note', 'no-auto-attach', `no target in the name: the program loads, but auto-attach (skeletons, bpf_program__attach) skips it`,
        `attach it explicitly, or name the target: SEC("${AUTO_ATTACH_TARGETS[base]}")`);
    } else if (match.target) {
      const malformed = malformedTarget(base, match.target);
      if (malformed) at('warning', 'bad-target', malformed, `write it as SEC("${AUTO_ATTACH_TARGETS[base] ?? base}")`);
    }
  }
  for (const symbol of elf.symbolsInSection(section)) {
    if (symbol.type !== SymbolType.Func || symbol.binding !== SymbolBinding.Local) continue;
    findings.push({
      severity: 'error', rule: 'static-program', section: name, program: symbol.name,
      problem: `function ${symbol.name} is static: libbpf loads only GLOBAL functions of a program section and refuses the object`,
      fix: `drop 'static' from ${symbol.name} (helpers it calls belong in .text: static __noinline functions without SEC)`,
    });
  }
  return findings;
}

/** Why libbpf does not know `name`, and what to write instead. */
function explainUnknown(name: string): [string, string] {
  const bare = name.replace(/^\?/, '');
  const removed = REMOVED_NAMES.find((entry) => bare.startsWith(entry.prefix) || bare === entry.prefix.slice(0, -1));
  if (removed) {
    return [`libbpf 1.0 removed '${removed.prefix.replace(/\/$/, '')}', so it cannot tell the program type and refuses to load it`, `use SEC("${removed.replacement}")`];
  }
  const head = bare.split('/')[0]!;
  if (head.endsWith('.s')) {
    const plain = head.slice(0, -2);
    const plainName = [plain, ...bare.split('/').slice(1)].join('/');
    if (matchSection(plainName)) {
      const sleepable = SECTION_DEFINITIONS.filter((d) => d.flags.sleepable && d.pattern.includes('.s')).map((d) => d.pattern.replace(/\+$/, ''));
      return [`'${plain}' programs have no sleepable form ('.s' exists for ${sleepable.join(', ')}, and syscall is always sleepable)`,
        `use SEC("${plainName}"), or a sleepable type if the program must sleep`];
    }
  }
  // libbpf before 1.0 (and cilium/ebpf still) matched the exact names by prefix: `xdp_foo` as xdp.
  const sloppy = SECTION_DEFINITIONS
    .map((d) => d.pattern)
    .filter((pattern) => !pattern.endsWith('+') && !pattern.endsWith('/') && !NEVER_PREFIX_MATCHED.has(pattern.split('/')[0]!) && bare.startsWith(pattern) && bare.length > pattern.length)
    .sort((a, b) => b.length - a.length)[0];
  if (sloppy) {
    return [`libbpf 1.0 and later match '${sloppy}' exactly; '${bare}' was a prefix match of older libbpf, and libbpf now refuses to load it`,
      `use SEC("${sloppy}") and tell programs apart by their function names`];
  }
  const closest = closestSectionName(bare);
  const rest = bare.includes('/') ? bare.slice(bare.indexOf('/')) : '';
  return [`libbpf knows no section '${head}', so it cannot tell the program type and refuses to load it`, `did you mean SEC("${closest}${rest}")?`];
}

/** What is wrong with an auto-attach target, or undefined when its shape is right. */
function malformedTarget(base: string, target: string): string | undefined {
  switch (base) {
    case 'tracepoint': case 'tp': case 'tracepoint.s': case 'tp.s':
      return /^[^/]+\/[^/]+$/.test(target) ? undefined : `tracepoint target '${target}' is not CATEGORY/NAME: auto-attach will fail`;
    case 'uprobe': case 'uretprobe': case 'uprobe.s': case 'uretprobe.s':
      return /^[^:]+:.+$/.test(target) ? undefined : `uprobe target '${target}' is not PATH:FUNCTION[+OFFSET]: auto-attach will fail`;
    case 'usdt': case 'usdt.s':
      return /^[^:]+:[^:]+:[^:]+$/.test(target) ? undefined : `USDT target '${target}' is not PATH:PROVIDER:NAME: auto-attach will fail`;
    default:
      return undefined;
  }
}

function lintLicense(elf: ElfFile, helperName: HelperNameLookup, gplOnly: ReadonlySet<string>): LintFinding[] {
  const licenseSection = elf.sectionByName('license');
  const license = licenseSection ? cString(licenseSection.data) : undefined;
  if (license !== undefined && GPL_COMPATIBLE_LICENSES.has(license)) return [];
  const findings: LintFinding[] = [];
  const why = license === undefined ? 'the object has no license section, so the kernel treats it as proprietary' : `license "${license}" is not GPL-compatible`;
  for (const section of elf.sections) {
    if (!isCodeSection(section)) continue;
    const calls = helperCalls(section, elf.littleEndian, helperName).filter((name) => gplOnly.has(name));
    if (calls.length === 0) continue;
    const names = [...new Set(calls)].map((name) => `bpf_${name}`);
    findings.push({
      severity: 'error', rule: 'gpl-helper', section: section.name,
      problem: `calls GPL-only ${names.length === 1 ? 'helper' : 'helpers'} ${names.join(', ')} but ${why}: the verifier refuses the call`,
      fix: 'declare a GPL-compatible license: char LICENSE[] SEC("license") = "GPL"; (or "Dual BSD/GPL", "Dual MIT/GPL")',
    });
  }
  if (license === undefined && findings.length === 0 && elf.sections.some((s) => isCodeSection(s))) {
    findings.push({
      severity: 'warning', rule: 'no-license', section: '(none)', problem: `${why}: GPL-only helpers would be refused`,
      fix: 'declare the license: char LICENSE[] SEC("license") = "GPL";',
    });
  }
  return findings;
}

/** Helper names called in a code section (BPF_JMP|BPF_CALL with src_reg 0; 1 is a BPF-to-BPF call, 2 a kfunc). */
function helperCalls(section: ElfSection, littleEndian: boolean, helperName: HelperNameLookup): string[] {
  const data = section.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const names: string[] = [];
  const CALL = 0x85;
  const LOAD_IMM64 = 0x18;
  for (let at = 0; at + 8 <= data.length; at += 8) {
    const code = data[at]!;
    if (code === LOAD_IMM64) { at += 8; continue; }
    if (code !== CALL) continue;
    const registers = data[at + 1]!;
    const source = littleEndian ? registers >> 4 : registers & 0x0f;
    if (source !== 0) continue;
    const id = view.getInt32(at + 4, littleEndian);
    names.push(helperName(id) ?? `helper#${id}`);
  }
  return names;
}

function cString(data: Uint8Array): string {
  const end = data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? data : data.subarray(0, end));
}

/** One line per finding: `file: section 'x': <severity>: <problem>; <fix>`. */
export function formatLintFindings(file: string, findings: readonly LintFinding[]): string {
  return findings.map((f) => `${file}: section '${f.section}'${f.program ? ` (${f.program})` : ''}: ${f.severity}: ${f.problem}; ${f.fix}\n`).join('');
}

/** True when libbpf or the kernel would refuse the object. */
export function hasLintErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
