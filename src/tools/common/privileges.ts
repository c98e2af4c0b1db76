/**
 * Whether this process may load and attach tracing programs, read from its effective capability set
 * (/proc/self/status CapEff), so an unprivileged user hears which capabilities are missing before any
 * output rather than an EPERM halfway through.
 */
import { readFileSync } from 'node:fs';

/** Capability numbers from linux/capability.h (#defines, so not in the BTF-generated ABI file). */
const Capability = { SYS_ADMIN: 21, PERFMON: 38, BPF: 39 } as const;

export interface PrivilegeCheck {
  allowed: boolean;
  /** What is missing, in capability names, when not allowed. */
  missing: string[];
}

function effectiveCapabilities(): bigint | undefined {
  try {
    const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    return match ? BigInt(`0x${match[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

const has = (set: bigint, capability: number): boolean => ((set >> BigInt(capability)) & 1n) === 1n;

/**
 * Tracepoint programs need CAP_BPF plus CAP_PERFMON since 5.8, or CAP_SYS_ADMIN (which covers both).
 * Without /proc the check allows, and the kernel's EPERM (with the same hint) decides.
 */
export function checkTracingPrivileges(): PrivilegeCheck {
  const set = effectiveCapabilities();
  if (set === undefined || has(set, Capability.SYS_ADMIN)) return { allowed: true, missing: [] };
  const missing = [
    ...(has(set, Capability.BPF) ? [] : ['CAP_BPF']),
    ...(has(set, Capability.PERFMON) ? [] : ['CAP_PERFMON']),
  ];
  return { allowed: missing.length === 0, missing };
}
