/**
 * tracefs: tracepoint ids and trace_pipe live there. Like bpftool, use any mounted tracefs (or the
 * tracing directory inside debugfs), and mount tracefs at /sys/kernel/tracing when there is none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { TsbpfError } from '../errors.js';
import { mount } from './mount.js';

export const TRACEFS = '/sys/kernel/tracing';
/** Where older systems have it, inside debugfs. */
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

/** The tracefs directory, mounting tracefs at /sys/kernel/tracing when no tracing directory is there. */
export function ensureTracefs(): string {
  const mounted = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((line) => line.split(' ')).find((fields) => fields[2] === 'tracefs')?.[1];
  if (mounted) return mounted;
  for (const directory of [TRACEFS, DEBUGFS_TRACING]) if (existsSync(`${directory}/trace_pipe`)) return directory;
  if (!existsSync(TRACEFS)) throw new TsbpfError(`no tracefs mount point (${TRACEFS} is missing)`, 'mount sysfs, or mount tracefs somewhere yourself');
  mount('tracefs', TRACEFS, 'tracefs');
  return TRACEFS;
}
