/**
 * `prog tracelog`: bpf_printk output, which the kernel writes to the trace ring buffer and hands out
 * through tracefs's trace_pipe (a blocking, consuming read). bpftool looks for a mounted tracefs (or
 * debugfs/tracing) and mounts tracefs at /sys/kernel/tracing when there is none; so does this.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { TsbpfError } from '../errors.js';
import { mount } from '../sys/index.js';

const TRACEFS_MAGIC_MOUNTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The trace_pipe path, mounting tracefs when no tracing directory is mounted. */
export function tracePipePath(): string {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' '));
  const tracefs = mounts.find((fields) => fields[2] === 'tracefs');
  if (tracefs?.[1]) return `${tracefs[1]}/trace_pipe`;
  for (const dir of TRACEFS_MAGIC_MOUNTS) if (existsSync(`${dir}/trace_pipe`)) return `${dir}/trace_pipe`;
  if (!existsSync(TRACEFS_MAGIC_MOUNTS[0]!)) throw new TsbpfError('no tracefs mount point (/sys/kernel/tracing is missing)', 'mount sysfs, or mount tracefs somewhere yourself');
  mount('nodev', TRACEFS_MAGIC_MOUNTS[0]!, 'tracefs');
  return `${TRACEFS_MAGIC_MOUNTS[0]}/trace_pipe`;
}

/**
 * Streams trace_pipe lines to `onLine` until `signal` aborts. Each line is consumed from the kernel's
 * buffer (another reader will not see it), as with bpftool.
 */
export async function followTraceLog(onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const path = tracePipePath();
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TsbpfError(`can't open ${path}: ${code}`, code === 'EACCES' || code === 'EPERM' ? 'reading the trace pipe needs root' : 'check that tracefs is mounted');
  }
  const stream = handle.createReadStream({ encoding: 'utf8', highWaterMark: 4096 });
  const abort = () => stream.destroy();
  signal?.addEventListener('abort', abort, { once: true });
  let pending = '';
  try {
    for await (const chunk of stream) {
      pending += chunk as string;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
    await handle.close().catch(() => undefined);
  }
}
