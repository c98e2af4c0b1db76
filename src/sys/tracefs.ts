/** tracefs: tracepoint ids and trace_pipe live there; tsbpf mounts it itself when it is missing. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mount } from './mount.js';

export const TRACEFS = '/sys/kernel/tracing';
/** Where older systems mount it, inside debugfs. */
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => {
    const fields = line.split(' ');
    return fields[1] === path && fields[2] === 'tracefs';
  });
}

/** The tracefs directory, mounting tracefs at /sys/kernel/tracing when no tracefs is mounted. */
export function ensureTracefs(): string {
  if (mounted(TRACEFS)) return TRACEFS;
  if (existsSync(`${DEBUGFS_TRACING}/events`)) return DEBUGFS_TRACING;
  mkdirSync(TRACEFS, { recursive: true });
  mount('tracefs', TRACEFS, 'tracefs');
  return TRACEFS;
}
