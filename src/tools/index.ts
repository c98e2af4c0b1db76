/**
 * The tools `tsbpf NAME` runs: each is a folder under src/tools with its BPF C and a front end that
 * exports `tool`. Loaded on demand so `tsbpf map list` pays nothing for them.
 */
import type { ToolDefinition } from './common/tool.js';

export interface ToolEntry {
  summary: string;
  load(): Promise<ToolDefinition<any>>;
}

export const TOOLS: Readonly<Record<string, ToolEntry>> = {
  opensnoop: { summary: 'Trace open family syscalls', load: async () => (await import('./opensnoop/opensnoop.js')).tool },
};

export { runTool, ToolExit, type ToolIo } from './common/run-tool.js';
export type { ToolDefinition } from './common/tool.js';
