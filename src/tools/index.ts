/**
 * The tools `tsbpf NAME` runs: each is a folder src/tools/NAME with NAME.bpf.c and a front end NAME.ts
 * that exports `tool`. Front ends load on demand, so `tsbpf map list` pays nothing for them.
 */
import type { ToolDefinition } from './common/tool.js';

/** Name → one line for `tsbpf --help`. */
export const TOOLS: Readonly<Record<string, string>> = {
  opensnoop: 'Trace open family syscalls',
  execsnoop: 'Trace exec syscalls',
  exitsnoop: 'Trace process termination',
  syscount: 'Summarize syscall counts and latencies',
  runqlat: 'Summarize run queue (scheduler) latency as a histogram',
  biolatency: 'Summarize block device I/O latency as a histogram',
  tcpconnect: 'Trace TCP connects',
  tcplife: 'Trace the lifespan of TCP sessions and summarize',
  tcpstates: 'Trace TCP session state changes and durations',
  profile: 'Profile CPU usage by sampling stack traces',
};

export async function loadTool(name: string): Promise<ToolDefinition<any>> {
  const module = await import(new URL(`./${name}/${name}.js`, import.meta.url).href) as { tool: ToolDefinition<any> };
  return module.tool;
}

export type { ToolDefinition } from './common/tool.js';
