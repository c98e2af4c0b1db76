/**
 * `prog tracelog`: bpf_printk output, which the kernel writes to the trace ring buffer and hands out
 * through tracefs's trace_pipe (a blocking, consuming read). bpftool looks for a mounted tracefs (or
 * debugfs/tracing) and mounts tracefs at /sys/kernel/tracing when there is none; so does this.
 */
import { open } from 'node:fs/promises';
import { TsbpfError } from '../errors.js';
import { ensureTracefs } from '../sys/tracefs.js';

/** The trace_pipe path, mounting tracefs when no tracing directory is mounted. */
export function tracePipePath(): string {
  return `${ensureTracefs()}/trace_pipe`;
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
