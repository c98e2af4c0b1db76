/**
 * tsbpf profile: libbpf-tools' profile from TypeScript — CPU sampling at -F Hz on every CPU, counts per
 * (pid, kernel stack, user stack, comm) kept in the kernel, printed once at the end as libbpf-tools
 * prints them (frames, `-  comm (pid)`, count) or folded for flame graphs. Beyond libbpf-tools, frames
 * in a Node process's JIT code are named from the perf map `node --perf-basic-prof` writes, so
 * JavaScript functions show up in the stacks.
 */
import { link, loadObject, symbolize, type BpfMap } from '../../index.js';

const { frameName, Symbolizer } = symbolize;
type Frame = symbolize.Frame;
import { positiveInteger } from '../common/arguments.js';
import { defineTool, ToolUsageError } from '../common/tool.js';
import { untilAborted } from '../common/waiting.js';
import { openToolObject } from '../common/tool-object.js';

const MAX_PID_NR = 30;
const MAX_TID_NR = 30;
const EFAULT = 14;
const EEXIST = 17;

interface CountKey {
  pid: number;
  user_stack_id: number;
  kern_stack_id: number;
  name: string;
}

export interface ProfileFlags {
  pids: number[];
  tids: number[];
  userStacksOnly: boolean;
  kernelStacksOnly: boolean;
  frequency: number;
  delimited: boolean;
  includeIdle: boolean;
  folded: boolean;
  stackStorageSize: number;
  perfMaxStackDepth: number;
  cpu: number | undefined;
  duration: number | undefined;
  verbose: boolean;
}

/** libbpf-tools' two layouts: each frame on its own line, or `;`-joined on one. */
interface StackFormat {
  folded: boolean;
  prefix: string;
  suffix: string;
  delimiter: string;
}
const MULTI_LINE: StackFormat = { folded: false, prefix: '    ', suffix: '\n', delimiter: '--' };
const FOLDED: StackFormat = { folded: true, prefix: ';', suffix: '', delimiter: '-' };

function idList(value: string | true | undefined, what: 'PID' | 'TID', max: number): number[] {
  if (value === undefined) return [];
  const ids = String(value).split(',').map((part) => {
    if (!/^\d+$/.test(part) || Number(part) <= 0 || Number(part) > 0x7fff_ffff) throw new ToolUsageError(`invalid ${what}: ${String(value)}`);
    return Number(part);
  });
  if (ids.length > max) throw new ToolUsageError(`the number of ${what.toLowerCase()} is too big, at most ${max}`);
  return ids;
}

function hex(value: bigint, width = 0): string {
  return `0x${value.toString(16).padStart(width, '0')}`;
}

/** -v's frame text: address, symbol+offset, and for user frames the file and the offset in it. */
function verboseKernel(frame: Frame): string {
  return frame.symbol === undefined ? `${hex(frame.address)} [unknown]` : `${hex(frame.address)} ${frame.symbol}+0x${frame.offset!.toString(16)}`;
}

function verboseUser(frame: Frame): string {
  let text = hex(frame.address, 16);
  if (frame.symbol !== undefined) text += ` ${frame.symbol}+0x${frame.offset!.toString(16)}`;
  if (frame.module !== undefined && (frame.moduleOffset !== undefined || frame.symbol !== undefined)) {
    text += frame.moduleOffset === undefined ? ` (${frame.module})` : ` (${frame.module}+0x${frame.moduleOffset.toString(16)})`;
  }
  return text;
}

function jsonFrame(frame: Frame): Record<string, unknown> {
  return {
    address: hex(frame.address), name: frameName(frame),
    ...(frame.offset !== undefined ? { offset: frame.offset } : {}),
    ...(frame.module !== undefined ? { module: frame.module } : {}),
    ...(frame.moduleOffset !== undefined ? { module_offset: frame.moduleOffset } : {}),
  };
}

/** The stack's addresses, innermost first, up to its first empty slot; undefined when the map lost it. */
class StackReader {
  readonly #map: BpfMap;
  readonly #cache = new Map<number, bigint[] | undefined>();

  constructor(map: BpfMap) {
    this.#map = map;
  }

  read(id: number): bigint[] | undefined {
    if (id < 0) return undefined;
    if (this.#cache.has(id)) return this.#cache.get(id);
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, id, true);
    const value = this.#map.lookup(key);
    let stack: bigint[] | undefined;
    if (value) {
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
      stack = [];
      for (let at = 0; at + 8 <= value.length; at += 8) {
        const address = view.getBigUint64(at, true);
        if (address === 0n) break;
        stack.push(address);
      }
    }
    this.#cache.set(id, stack);
    return stack;
  }
}


export const tool = defineTool<ProfileFlags>({
  name: 'profile',
  summary: 'Profile CPU usage by sampling stack traces at a timed interval.',
  doc: `USAGE: profile [OPTIONS...] [duration]
EXAMPLES:
    profile             # profile stack traces at 49 Hertz until Ctrl-C
    profile -F 99       # profile stack traces at 99 Hertz
    profile 5           # profile at 49 Hertz for 5 seconds only
    profile -f          # output in folded format for flame graphs
    profile -p 185      # only profile process with PID 185
    profile -L 185      # only profile thread with TID 185
    profile -U          # only show user space stacks (no kernel)
    profile -K          # only show kernel space stacks (no user)

Node processes started with --perf-basic-prof show their JavaScript functions by name.`,
  options: [
    { short: 'p', long: 'pid', argument: 'PID', description: 'profile processes with one or more comma-separated PIDs only' },
    { short: 'L', long: 'tid', argument: 'TID', description: 'profile threads with one or more comma-separated TIDs only' },
    { short: 'U', long: 'user-stacks-only', description: 'show stacks from user space only (no kernel space stacks)' },
    { short: 'K', long: 'kernel-stacks-only', description: 'show stacks from kernel space only (no user space stacks)' },
    { short: 'F', long: 'frequency', argument: 'FREQUENCY', description: 'sample frequency, Hertz' },
    { short: 'd', long: 'delimited', description: 'insert delimiter between kernel/user stacks' },
    { short: 'I', long: 'include-idle', description: 'include CPU idle stacks' },
    { short: 'f', long: 'folded', description: 'output folded format, one line per stack (for flame graphs)' },
    { long: 'stack-storage-size', argument: 'STACK-STORAGE-SIZE', description: 'the number of unique stack traces that can be stored and displayed (default 1024)' },
    { short: 'C', long: 'cpu', argument: 'CPU', description: 'cpu number to run profile on' },
    { long: 'perf-max-stack-depth', argument: 'PERF-MAX-STACK-DEPTH', description: 'the limit for both kernel and user stack traces (default 127)' },
    { short: 'v', long: 'verbose', description: 'Verbose debug output' },
  ],
  positionals: [{ name: 'duration', description: 'seconds to profile (default: until Ctrl-C)' }],
  parse({ flags, positionals }) {
    if (positionals.length > 1) throw new ToolUsageError(`Unrecognized positional argument: ${positionals[1]}`);
    let duration: number | undefined;
    if (positionals.length === 1) {
      if (!/^\d+$/.test(positionals[0]!) || Number(positionals[0]) <= 0) throw new ToolUsageError(`Invalid duration (in s): ${positionals[0]}`);
      duration = Number(positionals[0]);
    }
    const numeric = (name: string, what: string, options: { allowZero?: boolean; max?: number } = {}) => {
      try {
        return positiveInteger(flags.get(name), what, options);
      } catch {
        throw new ToolUsageError(`invalid ${what}: ${String(flags.get(name))}`);
      }
    };
    return {
      pids: idList(flags.get('pid'), 'PID', MAX_PID_NR),
      tids: idList(flags.get('tid'), 'TID', MAX_TID_NR),
      userStacksOnly: flags.has('user-stacks-only'),
      kernelStacksOnly: flags.has('kernel-stacks-only'),
      frequency: numeric('frequency', 'FREQUENCY', { max: 1_000_000 }) ?? 49,
      delimited: flags.has('delimited'),
      includeIdle: flags.has('include-idle'),
      folded: flags.has('folded'),
      stackStorageSize: numeric('stack-storage-size', 'stack storage size', { max: 1 << 24 }) ?? 1024,
      perfMaxStackDepth: numeric('perf-max-stack-depth', 'perf max stack depth', { max: 1024 }) ?? 127,
      cpu: numeric('cpu', 'CPU', { allowZero: true, max: 0x7fff_ffff }),
      duration,
      verbose: flags.has('verbose'),
    };
  },

  async run(flags, { out, err, signal, stopAfter, json }) {
    if (flags.userStacksOnly && flags.kernelStacksOnly) {
      err('user_stacks_only and kernel_stacks_only cannot be used together.\n');
      return 1;
    }
    const spec = await openToolObject(import.meta.url, 'profile');
    spec.variables.user_stacks_only!.set(flags.userStacksOnly);
    spec.variables.kernel_stacks_only!.set(flags.kernelStacksOnly);
    spec.variables.include_idle!.set(flags.includeIdle);
    spec.variables.filter_by_pid!.set(flags.pids.length > 0);
    spec.variables.filter_by_tid!.set(flags.pids.length === 0 && flags.tids.length > 0);
    spec.variables.targ_cpu!.set(flags.cpu ?? -1);
    const stackSpec = spec.maps.find((map) => map.fullName === 'stackmap')!;
    Object.assign(stackSpec, { valueSize: flags.perfMaxStackDepth * 8, maxEntries: flags.stackStorageSize });

    using object = await loadObject(spec);
    const one = new Uint8Array([0]);
    const idKey = (id: number) => { const key = new Uint8Array(4); new DataView(key.buffer).setUint32(0, id, true); return key; };
    if (flags.pids.length > 0) for (const pid of flags.pids) object.maps.pids!.update(idKey(pid), one);
    else for (const tid of flags.tids) object.maps.tids!.update(idKey(tid), one);

    const links = link.attachSampling(object.programs.do_perf_event!, { frequency: flags.frequency });
    try {
      if (!flags.folded && !json) {
        const who = flags.pids.length > 0 ? ` PID [${flags.pids.join(', ')}]` : flags.tids.length > 0 ? ` TID [${flags.tids.join(', ')}]` : ' all threads';
        const what = flags.userStacksOnly ? ' by user' : flags.kernelStacksOnly ? ' by kernel' : ' by user + kernel';
        out.line(`Sampling at ${flags.frequency} Hertz of${who}${what}${flags.cpu !== undefined ? ` on CPU#${flags.cpu}` : ''}`
          + `${flags.duration !== undefined ? ` for ${flags.duration} secs.` : '... Hit Ctrl-C to end.'}`);
        out.flush();
      }
      if (flags.duration !== undefined) stopAfter(flags.duration);
      await untilAborted(signal);
    } finally {
      // stop sampling before reading, so the counts hold still
      for (const sampling of links) sampling.close();
    }

    const decodeKey = object.decoder('struct key_t');
    const entries: { key: CountKey; count: bigint }[] = [];
    for (const [key, value] of object.maps.counts!.entries()) {
      const count = new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(0, true);
      if (count > 0n) entries.push({ key: decodeKey(key, 0) as unknown as CountKey, count });
    }
    entries.sort((a, b) => (a.count < b.count ? 1 : a.count > b.count ? -1 : 0));

    const stacks = new StackReader(object.maps.stackmap!);
    const symbolizer = new Symbolizer();
    const kernelName = (address: bigint) => { const frame = symbolizer.kernel(address); return flags.verbose ? verboseKernel(frame) : frameName(frame); };
    const format = flags.folded ? FOLDED : MULTI_LINE;
    let missing = 0;
    let collision = false;
    for (const { key, count } of entries) {
      const showKernel = !flags.userStacksOnly && key.kern_stack_id !== -EFAULT;
      const showUser = !flags.kernelStacksOnly && key.user_stack_id !== -EFAULT;
      const kernel = showKernel ? stacks.read(key.kern_stack_id) : undefined;
      const user = showUser ? stacks.read(key.user_stack_id) : undefined;
      const userName = (address: bigint) => { const frame = symbolizer.user(key.pid, address); return flags.verbose ? verboseUser(frame) : frameName(frame); };
      if (!flags.userStacksOnly && key.kern_stack_id < 0 && key.kern_stack_id !== -EFAULT) missing++;
      if (!flags.kernelStacksOnly && key.user_stack_id < 0 && key.user_stack_id !== -EFAULT) missing++;
      collision = key.kern_stack_id === -EEXIST || key.user_stack_id === -EEXIST;

      if (json) {
        out.json({
          pid: key.pid, comm: key.name, count,
          user_stack_id: key.user_stack_id, kern_stack_id: key.kern_stack_id,
          ...(showUser ? { user_stack: user ? user.map((address) => jsonFrame(symbolizer.user(key.pid, address))) : null } : {}),
          ...(showKernel ? { kernel_stack: kernel ? kernel.map((address) => jsonFrame(symbolizer.kernel(address))) : null } : {}),
        });
        continue;
      }
      const kernelPart = showKernel ? (kernel ? kernel.map(kernelName) : ['[Missed Kernel Stack]']) : undefined;
      const userPart = showUser ? (user ? user.map(userName) : ['[Missed User Stack]']) : undefined;
      const frames = (names: string[]) => names.map((name) => `${format.prefix}${name}${format.suffix}`).join('');
      if (!format.folded) {
        let text = kernelPart ? frames(kernelPart) : '';
        if (userPart) text += `${kernelPart && flags.delimited ? frames([format.delimiter]) : ''}${frames(userPart)}`;
        out.write(`${text}    ${'-'.padEnd(16)} ${key.name} (${key.pid})\n        ${count}\n\n`);
      } else {
        // outermost first: user frames (reversed), then the kernel's
        let text = key.name;
        if (userPart) text += frames([...userPart].reverse());
        if (kernelPart) text += `${userPart && flags.delimited ? frames([format.delimiter]) : ''}${frames([...kernelPart].reverse())}`;
        out.write(`${text} ${count}\n`);
      }
    }
    out.flush();
    if (missing > 0) err(`WARNING: ${missing} stack traces could not be displayed.${collision ? ' Consider increasing --stack-storage-size.' : ''}\n`);
    if (flags.verbose && symbolizer.kernelProblem) err(`profile: kernel frames unnamed: ${symbolizer.kernelProblem}\n`);
    return 0;
  },
});
