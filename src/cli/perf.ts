/** `tsbpf perf ...`: bpftool's perf commands (filled in by the inspect issue). */
import type { Command } from 'commander';
import type { CliContext } from './main.js';

export function registerPerf(_program: Command, _context: CliContext): void {
  // commands are added here as they are written
}
