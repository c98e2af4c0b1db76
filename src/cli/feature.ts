/**
 * `tsbpf feature probe kernel [-j|-p]`: the kernel's BPF features in bpftool 7.1's format — its text
 * lines byte for byte and its JSON keys and layout — with tsbpf's additions after them: why a type is
 * missing or partial, the helpers the kernel really allows, and types newer than bpftool.
 */
import { probeKernel, kernelProbeNotes, type KernelProbe, type KernelProbeNotes } from '../features/report.js';

type JsonValue = boolean | number | string | null | string[] | JsonObject;
interface JsonObject { [key: string]: JsonValue }

/**
 * JSON as bpftool's json_writer prints it. Compact is plain JSON. Pretty puts each object member on
 * its own line, indented four spaces per level, but keeps array elements on the key's line with no
 * spaces, closing a non-empty array on a line of its own.
 */
export function formatBpftoolJson(value: JsonValue, pretty: boolean): string {
  if (!pretty) return JSON.stringify(value);
  const write = (node: JsonValue, depth: number): string => {
    if (node === null || typeof node !== 'object') return JSON.stringify(node);
    const inner = '    '.repeat(depth + 1);
    const outer = '    '.repeat(depth);
    if (Array.isArray(node)) {
      return node.length === 0 ? '[]' : `[${node.map((item) => JSON.stringify(item)).join(',')}\n${outer}]`;
    }
    const members = Object.entries(node);
    if (members.length === 0) return '{}';
    return `{${members.map(([key, member]) => `\n${inner}${JSON.stringify(key)}: ${write(member, depth + 1)}`).join(',')}\n${outer}}`;
  };
  return write(value, 0);
}

function sysctlText(key: string, value: number): string {
  const known: Record<string, Record<number, string>> = {
    unprivileged_bpf_disabled: {
      0: 'bpf() syscall for unprivileged users is enabled',
      1: 'bpf() syscall restricted to privileged users (without recovery)',
      2: 'bpf() syscall restricted to privileged users (admin can change)',
      [-1]: 'Unable to retrieve required privileges for bpf() syscall',
    },
    bpf_jit_enable: {
      0: 'JIT compiler is disabled',
      1: 'JIT compiler is enabled',
      2: 'JIT compiler is enabled with debugging traces in kernel logs',
      [-1]: 'Unable to retrieve JIT-compiler status',
    },
    bpf_jit_harden: {
      0: 'JIT compiler hardening is disabled',
      1: 'JIT compiler hardening is enabled for unprivileged users',
      2: 'JIT compiler hardening is enabled for all users',
      [-1]: 'Unable to retrieve JIT hardening status',
    },
    bpf_jit_kallsyms: {
      0: 'JIT compiler kallsyms exports are disabled',
      1: 'JIT compiler kallsyms exports are enabled for root',
      [-1]: 'Unable to retrieve JIT kallsyms export status',
    },
    bpf_jit_limit: { [-1]: 'Unable to retrieve global memory limit for JIT compiler for unprivileged users' },
  };
  const unknown: Record<string, string> = {
    unprivileged_bpf_disabled: `bpf() syscall restriction has unknown value ${value}`,
    bpf_jit_enable: `JIT-compiler status has unknown value ${value}`,
    bpf_jit_harden: `JIT hardening status has unknown value ${value}`,
    bpf_jit_kallsyms: `JIT kallsyms exports status has unknown value ${value}`,
    bpf_jit_limit: `Global memory limit for JIT compiler for unprivileged users is ${value} bytes`,
  };
  return known[key]?.[value] ?? unknown[key]!;
}

const available = (supported: boolean): string => (supported ? 'available' : 'NOT available');

function textReport(probe: KernelProbe, notes: KernelProbeNotes): string {
  const out: string[] = [];
  const line = (text: string): void => { out.push(`${text}\n`); };
  line('Scanning system configuration...');
  for (const { key, value } of probe.systemConfig.sysctls) line(sysctlText(key, value));
  for (const { name, value } of probe.systemConfig.options) line(value === null ? `${name} is not set` : `${name} is set to ${value}`);
  line('');
  line('Scanning system call availability...');
  line(`bpf() syscall is ${available(probe.bpfSyscall)}`);
  line('');
  if (!probe.bpfSyscall) return out.join('');
  line('Scanning eBPF program types...');
  for (const p of probe.programTypes) line(`eBPF program_type ${p.name} is ${available(p.supported)}`);
  line('');
  line('Scanning eBPF map types...');
  for (const m of probe.mapTypes) line(`eBPF map_type ${m.name} is ${available(m.supported)}`);
  line('');
  line('Scanning eBPF helper functions...');
  for (const h of probe.helpers) {
    let block = `eBPF helpers supported for program type ${h.name}:${h.bpftoolHelpers.map((name) => `\n\t- ${name}`).join('')}\n`;
    if (h.bpftoolHelpers.length === 0) block += h.typeSupported ? '\tCould not determine which helpers are available\n' : '\tProgram type not supported\n';
    out.push(block);
  }
  line('');
  line('Scanning miscellaneous eBPF features...');
  for (const m of probe.misc) line(`${m.description} is ${available(m.supported)}`);
  line('');
  // tsbpf's additions, after everything bpftool prints, so bpftool's lines stay as they are.
  line('Explaining missing and partial features (tsbpf)...');
  for (const [name, reason] of notes.programTypes) line(`eBPF program_type ${name}: ${reason}`);
  for (const [name, reason] of notes.mapTypes) line(`eBPF map_type ${name}: ${reason}`);
  for (const [name, reason] of notes.helpers) line(`eBPF helpers for program type ${name}: ${reason}`);
  line('');
  line('Scanning types newer than bpftool 7.1 (tsbpf)...');
  for (const p of probe.newerProgramTypes) line(`eBPF program_type ${p.name} is ${available(p.supported)}`);
  for (const m of probe.newerMapTypes) line(`eBPF map_type ${m.name} is ${available(m.supported)}`);
  line('');
  return out.join('');
}

function jsonReport(probe: KernelProbe, notes: KernelProbeNotes): JsonObject {
  const systemConfig: JsonObject = {};
  for (const { key, value } of probe.systemConfig.sysctls) systemConfig[key] = value;
  for (const { name, value } of probe.systemConfig.options) systemConfig[name] = value;
  const root: JsonObject = { system_config: systemConfig, syscall_config: { have_bpf_syscall: probe.bpfSyscall } };
  if (!probe.bpfSyscall) return root;
  root.program_types = Object.fromEntries(probe.programTypes.map((p) => [`have_${p.name}_prog_type`, p.supported]));
  root.map_types = Object.fromEntries(probe.mapTypes.map((m) => [`have_${m.name}_map_type`, m.supported]));
  root.helpers = Object.fromEntries(probe.helpers.map((h) => [`${h.name}_available_helpers`, h.bpftoolHelpers]));
  root.misc = Object.fromEntries(probe.misc.map((m) => [m.key, m.supported]));
  root.tsbpf_notes = {
    program_types: Object.fromEntries(notes.programTypes),
    map_types: Object.fromEntries(notes.mapTypes),
    helpers: Object.fromEntries(notes.helpers),
    allowed_helpers: Object.fromEntries(probe.helpers.filter((h) => h.allowedHelpers).map((h) => [`${h.name}_allowed_helpers`, h.allowedHelpers!])),
    newer_than_bpftool: Object.fromEntries([
      ...probe.newerProgramTypes.map((p): [string, boolean] => [`have_${p.name}_prog_type`, p.supported]),
      ...probe.newerMapTypes.map((m): [string, boolean] => [`have_${m.name}_map_type`, m.supported]),
    ]),
  };
  return root;
}

/** The whole output of `feature probe kernel`: text, or JSON (`pretty` for -p), newline-terminated. */
export function featureProbeKernel(options: { json: boolean; pretty: boolean }): string {
  const probe = probeKernel();
  const notes = kernelProbeNotes(probe);
  if (options.json || options.pretty) return `${formatBpftoolJson(jsonReport(probe, notes), options.pretty)}\n`;
  return textReport(probe, notes);
}
