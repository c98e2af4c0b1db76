/** Running `tsbpf` and `bpftool` side by side for the inspect tests. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export const UNPRIVILEGED = ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all'];

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `tsbpf ARGS`, optionally under a prefix command (setpriv, ip netns exec NAME). */
export function tsbpf(args: readonly string[], prefix: readonly string[] = []): RunResult {
  const command = prefix.length ? prefix[0]! : process.execPath;
  const commandArgs = prefix.length ? [...prefix.slice(1), process.execPath, cli, ...args] : [cli, ...args];
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function bpftool(args: readonly string[], prefix: readonly string[] = []): RunResult {
  const command = prefix.length ? prefix[0]! : 'bpftool';
  const commandArgs = prefix.length ? [...prefix.slice(1), 'bpftool', ...args] : [...args];
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Both tools' stdout for the same command, retried when they differ: other processes on the machine
 * load and free objects while we compare, and a listing of the whole kernel races with them.
 */
export function sideBySide(args: readonly string[], prefix: readonly string[] = [], attempts = 4, fixTheirs: (stdout: string) => string = (stdout) => stdout): { ours: RunResult; theirs: RunResult; oursWithOwners: RunResult } {
  const runTheirs = () => {
    const result = bpftool(args, prefix);
    return { ...result, stdout: fixTheirs(result.stdout) };
  };
  let oursWithOwners = tsbpf(args, prefix);
  let ours = withoutOwners(oursWithOwners, isJson(args));
  let theirs = runTheirs();
  const same = () => ours.stdout === theirs.stdout || (isJson(args) && ours.status === 0 && theirs.status === 0 && canonicalJson(ours.stdout) === canonicalJson(theirs.stdout));
  for (let attempt = 1; attempt < attempts && !same(); attempt++) {
    oursWithOwners = tsbpf(args, prefix);
    ours = withoutOwners(oursWithOwners, isJson(args));
    theirs = runTheirs();
  }
  return { ours, theirs, oursWithOwners };
}

/**
 * JSON re-serialized, so two outputs compare by keys (in order) and values, not by spacing: bpftool's
 * pretty writer puts `[{` and `},{` on one line, which tsbpf's toJson does not copy.
 */
export function canonicalJson(text: string): string {
  return text.trim() === '' ? text : JSON.stringify(JSON.parse(text));
}

/**
 * Output without the owners (`\tpids comm(pid), ...` lines, `"pids"` keys): Debian's bpftool 7.1 is
 * built without its pid iterator and prints none, tsbpf prints them; tests check them separately.
 */
export function withoutOwners(result: RunResult, json: boolean): RunResult {
  if (result.status !== 0 || result.stdout.trim() === '') return result;
  if (!json) return { ...result, stdout: result.stdout.replace(/\n\tpids [^\n]*/g, '') };
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'pids').map(([key, item]) => [key, strip(item)]));
  };
  return { ...result, stdout: `${JSON.stringify(strip(JSON.parse(result.stdout)))}\n` };
}

function isJson(args: readonly string[]): boolean {
  return args.includes('-j') || args.includes('-p');
}
