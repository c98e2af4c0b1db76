/**
 * The system_config section: BPF sysctls and the kernel build options that matter for BPF, read the
 * way bpftool reads them so the values agree: a sysctl is an integer on its first line or -1; the
 * config comes from /boot/config-$(uname -r), else /proc/config.gz (either may be gzipped), is
 * trusted only if its second line is Kconfig's "Automatically generated" banner, and an option is
 * its first `CONFIG_X=value` line; options not set are null.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';

const PROC_SUPER_MAGIC = 0x9fa0;
const CONFIG_BANNER = '# Automatically generated file; DO NOT EDIT.';

/** The BPF sysctls, bpftool's JSON key and path for each. */
export const BPF_SYSCTLS = [
  { key: 'unprivileged_bpf_disabled', path: '/proc/sys/kernel/unprivileged_bpf_disabled' },
  { key: 'bpf_jit_enable', path: '/proc/sys/net/core/bpf_jit_enable' },
  { key: 'bpf_jit_harden', path: '/proc/sys/net/core/bpf_jit_harden' },
  { key: 'bpf_jit_kallsyms', path: '/proc/sys/net/core/bpf_jit_kallsyms' },
  { key: 'bpf_jit_limit', path: '/proc/sys/net/core/bpf_jit_limit' },
] as const;
export type BpfSysctl = (typeof BPF_SYSCTLS)[number]['key'];

/** The build options bpftool reports, in its order: BPF itself, cgroups, tracing, networking, misc. */
export const BPF_CONFIG_OPTIONS = [
  'CONFIG_BPF', 'CONFIG_BPF_SYSCALL', 'CONFIG_HAVE_EBPF_JIT', 'CONFIG_BPF_JIT', 'CONFIG_BPF_JIT_ALWAYS_ON',
  'CONFIG_DEBUG_INFO_BTF', 'CONFIG_DEBUG_INFO_BTF_MODULES',
  'CONFIG_CGROUPS', 'CONFIG_CGROUP_BPF', 'CONFIG_CGROUP_NET_CLASSID', 'CONFIG_SOCK_CGROUP_DATA',
  'CONFIG_BPF_EVENTS', 'CONFIG_KPROBE_EVENTS', 'CONFIG_UPROBE_EVENTS', 'CONFIG_TRACING', 'CONFIG_FTRACE_SYSCALLS',
  'CONFIG_FUNCTION_ERROR_INJECTION', 'CONFIG_BPF_KPROBE_OVERRIDE',
  'CONFIG_NET', 'CONFIG_XDP_SOCKETS', 'CONFIG_LWTUNNEL_BPF', 'CONFIG_NET_ACT_BPF', 'CONFIG_NET_CLS_BPF',
  'CONFIG_NET_CLS_ACT', 'CONFIG_NET_SCH_INGRESS', 'CONFIG_XFRM', 'CONFIG_IP_ROUTE_CLASSID', 'CONFIG_IPV6_SEG6_BPF',
  'CONFIG_BPF_LIRC_MODE2', 'CONFIG_BPF_STREAM_PARSER', 'CONFIG_NETFILTER_XT_MATCH_BPF', 'CONFIG_BPFILTER',
  'CONFIG_BPFILTER_UMH', 'CONFIG_TEST_BPF',
  'CONFIG_HZ',
] as const;

export interface SystemConfig {
  /** False when /proc is not procfs: the sysctls are then not read at all (bpftool skips them). */
  procfs: boolean;
  sysctls: { key: BpfSysctl; value: number }[];
  /** Each option's value, null when not set (or when the config couldn't be read). */
  options: { name: string; value: string | null }[];
  /** Where the config came from, or why it couldn't be read. */
  configSource: string;
  configReadable: boolean;
}

/** A sysctl's integer value, -1 when missing or not a plain decimal line. */
export function readSysctl(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return -1;
  }
  const line = /^[^\n]*\n?/.exec(text)![0];
  return /^\s*[+-]?\d+\n$/.test(line) ? Number.parseInt(line, 10) : -1;
}

function procIsProcfs(): boolean {
  try {
    return statfsSync('/proc').type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

function readMaybeGzipped(path: string): string {
  const bytes = readFileSync(path);
  const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? gunzipSync(bytes) : bytes).toString('latin1');
}

interface KernelConfig {
  values: Map<string, string> | null;
  source: string;
}

let config: KernelConfig | undefined;

function loadKernelConfig(): KernelConfig {
  const candidates = [`/boot/config-${release()}`, '/proc/config.gz'];
  let text: string | undefined;
  let source = '';
  for (const path of candidates) {
    try {
      text = readMaybeGzipped(path);
      source = path;
      break;
    } catch {
      // Not there on this machine; try the next place distributions put it.
    }
  }
  if (text === undefined) return { values: null, source: `no kernel config in ${candidates.join(' or ')}` };
  const lines = text.split('\n');
  if (lines[1] !== CONFIG_BANNER) return { values: null, source: `${source} is not a kernel config` };
  const values = new Map<string, string>();
  for (const line of lines) {
    if (!line.startsWith('CONFIG_')) continue;
    const equals = line.indexOf('=');
    if (equals < 0 || equals === line.length - 1) continue;
    const name = line.slice(0, equals);
    if (!values.has(name)) values.set(name, line.slice(equals + 1));
  }
  return { values, source };
}

function kernelConfig(): KernelConfig {
  config ??= loadKernelConfig();
  return config;
}

/** A build option's value ('y', 'm', '250', ...), null when not set, undefined when the config is unreadable. */
export function kernelConfigValue(name: string): string | null | undefined {
  const { values } = kernelConfig();
  if (!values) return undefined;
  return values.get(name) ?? null;
}

let systemConfig: SystemConfig | undefined;

export function probeSystemConfig(): SystemConfig {
  if (!systemConfig) {
    const procfs = procIsProcfs();
    const { values, source } = kernelConfig();
    systemConfig = {
      procfs,
      sysctls: procfs ? BPF_SYSCTLS.map(({ key, path }) => ({ key, value: readSysctl(path) })) : [],
      options: BPF_CONFIG_OPTIONS.map((name) => ({ name, value: values?.get(name) ?? null })),
      configSource: source,
      configReadable: values !== null,
    };
  }
  return systemConfig;
}
