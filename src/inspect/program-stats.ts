/**
 * `prog show --stats`: run counts and run time are counted only while someone holds a BPF_ENABLE_STATS
 * fd, so the command holds one for its own duration (optionally waiting `intervalMs` so the programs
 * run under it) and reports what the kernel counted, with the average per run.
 */
import { enableStats } from '../info/stats.js';
import { listPrograms, selectedPrograms, type ProgramDetailOptions, type ProgramDetails, type ProgramSelector } from './programs.js';

export interface StatsOptions extends ProgramDetailOptions {
  /** How long to keep statistics on before reading them (default 0: read what is counted so far). */
  intervalMs?: number;
}

function withStats(details: ProgramDetails): ProgramDetails {
  const { runCount, runTimeNs } = details.info;
  return { ...details, stats: { runCount, runTimeNs, averageNs: runCount === 0n ? 0 : Number(runTimeNs / runCount) } };
}

/** Lists programs (or the selected ones) with statistics switched on for the duration of the call. */
export async function programsWithStats(selector: ProgramSelector | undefined, options: StatsOptions = {}): Promise<ProgramDetails[]> {
  using _stats = enableStats();
  if (options.intervalMs) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  const list = selector ? selectedPrograms(selector, options) : listPrograms(options);
  return list.map(withStats);
}
