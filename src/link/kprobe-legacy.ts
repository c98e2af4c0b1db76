/**
 * Legacy kprobes and uprobes: where the kernel has no kprobe/uprobe PMU (before 4.17, or a PMU that
 * is hidden) but tracefs has `kprobe_events`/`uprobe_events`, a probe is a trace event created by
 * writing its definition there (`p:GROUP/EVENT FUNC+OFF`, `r:...` for a return probe), opened as a
 * tracepoint perf event through its `id` file, and linked like a tracepoint. The event outlives the
 * process that made it, so the link removes it (`-:GROUP/EVENT`) when closed, and every failure after
 * its creation removes it too.
 */
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfError, Errno, NotSupportedError, SystemError, TsbpfError } from '../errors.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor, perf } from '../sys/index.js';
import { ensureTracefs } from '../sys/tracefs.js';
import { Link } from './link.js';
import { PerfEventAttachment } from './perf-event-ioctl.js';
import { probePmu, type ProbePmu } from './probe-pmu.js';
import type { ProbeMode } from './probes.js';

export type ProbeEventKind = 'kprobe' | 'uprobe';

/** The group tsbpf's probe events live in (events/tsbpf/NAME in tracefs). */
export const PROBE_EVENT_GROUP = 'tsbpf';

/** MAX_EVENT_NAME_LEN (kernel/trace/trace.h) is 64 with the terminating NUL. */
const MAX_EVENT_NAME = 63;

/** The function (or binary offset) a probe event names does not exist or cannot be probed. */
export class ProbeTargetError extends TsbpfError {
  /** The function, or `path:0xOFFSET` for a uprobe without a symbol. */
  readonly target: string;
  /** The errno name the kernel answered (ENOENT, EINVAL, ...). */
  readonly code: string;
  constructor(target: string, message: string, hint: string, code: string) {
    super(message, hint);
    this.target = target;
    this.code = code;
  }
}

/** The `kprobe_events`/`uprobe_events` file, or why there is none. */
export function probeEventsFile(kind: ProbeEventKind): string | { missing: string } {
  let tracefs: string;
  try {
    tracefs = ensureTracefs();
  } catch (error) {
    return { missing: `no tracefs (${error instanceof Error ? error.message : String(error)})` };
  }
  const file = `${tracefs}/${kind}_events`;
  if (!existsSync(file)) {
    return { missing: `${file} is missing (the kernel was built without CONFIG_${kind.toUpperCase()}_EVENTS)` };
  }
  return file;
}

/**
 * How a probe of `kind` is made under `mode`: the PMU to open it on, or undefined for a tracefs probe
 * event ('legacy', or 'auto' on a kernel with no PMU but with the events file). NotSupportedError
 * when the mode's way (or, for 'auto', both) is missing. kprobes, uprobes and USDT all decide here.
 */
export function chooseProbePmu(kind: ProbeEventKind, mode: ProbeMode): ProbePmu | undefined {
  if (mode === 'legacy') return undefined;
  const pmu = probePmu(kind);
  if (typeof pmu !== 'string') return pmu;
  const events = probeEventsFile(kind);
  if (mode === 'auto' && typeof events === 'string') return undefined;
  const reason = mode === 'pmu' ? pmu : `${pmu}; ${typeof events === 'string' ? '' : events.missing}`;
  throw new NotSupportedError(`${kind}s`, reason, kind === 'kprobe' ? 'use a tracepoint, raw_tp or tp_btf hook, or a kernel with kprobes' : 'use a kernel with uprobes (CONFIG_UPROBE_EVENTS)');
}

let eventCounter = 0;

/** A fresh event name: tsbpf_PID_WHAT_N, with anything but letters, digits and '_' made '_', cut to the kernel's limit. */
export function probeEventName(what: string): string {
  const suffix = `_${eventCounter++}`;
  const prefix = `tsbpf_${process.pid}_`;
  const middle = what.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_EVENT_NAME - prefix.length - suffix.length);
  return `${prefix}${middle}${suffix}`;
}

/** One probe event this process created in tracefs. */
export interface ProbeEvent {
  kind: ProbeEventKind;
  group: string;
  name: string;
  /** The events file it was written to. */
  file: string;
  /** The tracepoint id perf_event_open takes. */
  id: number;
}

function writeDefinition(file: string, line: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND);
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}

function errnoOf(error: unknown): { errno: number; code: string } | undefined {
  if (error instanceof Error && 'errno' in error && typeof error.errno === 'number') {
    return { errno: Math.abs(error.errno), code: 'code' in error && typeof error.code === 'string' ? error.code : `errno ${Math.abs(error.errno)}` };
  }
  return undefined;
}

export interface ProbeEventDefinition {
  kind: ProbeEventKind;
  returnProbe: boolean;
  /** What follows `p:GROUP/EVENT `: `FUNC+0x10`, `/path/bin:0x1234`, `/path/bin:0x1234(0x5678)`. */
  location: string;
  /** For the messages: a function name, or `path:function` / `path:0xOFFSET`. */
  target: string;
  /** What the event's name says (default `target`): a uprobe's path would crowd out the function. */
  nameHint?: string;
  /** kretprobes only: how many returns may be pending at once (`r[MAXACTIVE]:`); the kernel's default when absent. */
  maxActive?: number;
}

/** Creates the probe event; a location the kernel refuses becomes a ProbeTargetError naming it. */
export function createProbeEvent(definition: ProbeEventDefinition): ProbeEvent {
  const file = probeEventsFile(definition.kind);
  if (typeof file !== 'string') throw new NotSupportedError(`legacy ${definition.kind}s`, file.missing, `use a kernel with CONFIG_${definition.kind.toUpperCase()}_EVENTS`);
  const name = probeEventName(definition.nameHint ?? definition.target);
  const type = definition.returnProbe ? `r${definition.maxActive ?? ''}` : 'p';
  const line = `${type}:${PROBE_EVENT_GROUP}/${name} ${definition.location}\n`;
  try {
    writeDefinition(file, line);
  } catch (error) {
    const failure = errnoOf(error);
    if (!failure) throw error;
    if (failure.errno === 2 || failure.errno === 22 || failure.errno === 95) throw refusedTarget(definition, file, line.trim(), failure.code);
    throw new SystemError(`write ${file}`, failure.errno, 'run as root (tracefs probe events need CAP_SYS_ADMIN)', `'${line.trim()}'`);
  }
  const event: ProbeEvent = { kind: definition.kind, group: PROBE_EVENT_GROUP, name, file, id: 0 };
  try {
    event.id = Number(readFileSync(`${file.slice(0, file.lastIndexOf('/'))}/events/${PROBE_EVENT_GROUP}/${name}/id`, 'utf8').trim());
  } catch (error) {
    removeProbeEvent(event);
    throw error;
  }
  return event;
}

function refusedTarget(definition: ProbeEventDefinition, file: string, line: string, code: string): ProbeTargetError {
  const directory = file.slice(0, file.lastIndexOf('/'));
  if (definition.kind === 'kprobe') {
    return new ProbeTargetError(definition.target,
      `${definition.returnProbe ? 'kretprobe' : 'kprobe'} on '${definition.target}': ${file} refused '${line}' with ${code}: no kernel function of that name, or one that cannot be probed there (inlined, notrace, blacklisted, or an offset inside an instruction)`,
      `check that '${definition.target}' is listed in ${directory}/available_filter_functions (and not in /sys/kernel/debug/kprobes/blacklist); ${directory}/error_log says more`, code);
  }
  // `PATH:0xOFF(0xREF)`: kernels before 4.20 refuse the reference counter's syntax with the same errno
  const refCounter = definition.location.endsWith(')') ? ', or a reference counter (USDT semaphore) the kernel cannot take (it needs Linux 4.20)' : '';
  return new ProbeTargetError(definition.target,
    `${definition.returnProbe ? 'uretprobe' : 'uprobe'} on ${definition.target}: ${file} refused '${line}' with ${code}: no such file, or an offset outside its executable code${refCounter}`,
    `check the path and the offset (readelf -Ws for symbols); ${directory}/error_log says more`, code);
}

/** Removes the event (`-:GROUP/NAME`). The kernel answers EBUSY while a perf event still holds it: retried briefly, then reported. */
export function removeProbeEvent(event: ProbeEvent): void {
  const line = `-:${event.group}/${event.name}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeDefinition(event.file, line);
      return;
    } catch (error) {
      const failure = errnoOf(error);
      if (failure?.errno === 2) return; // already gone
      if (failure?.errno === 16 && attempt < 20) {
        // the last reference to the perf event can drop a moment after its fd closes
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (failure) throw new SystemError(`write ${event.file}`, failure.errno, `remove it yourself: echo '${line.trim()}' >> ${event.file}`, `'${line.trim()}'`);
      throw error;
    }
  }
}

/**
 * A probe attached through a tracefs probe event. Closing it detaches the program and removes the
 * event; it cannot be pinned, since the event would then outlive the link's owner.
 */
export class ProbeEventLink extends Link {
  readonly event: ProbeEvent;

  constructor(fd: FileDescriptor, target: string, perfEvent: FileDescriptor, event: ProbeEvent) {
    super(fd, target, [perfEvent]);
    this.event = event;
  }

  override pin(_path?: string): never {
    throw new NotSupportedError('pinning a legacy (tracefs) probe link', `its event ${this.event.group}/${this.event.name} is removed when this process closes the link`, 'use a kernel with the kprobe/uprobe PMU, or keep the process running');
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    removeProbeEvent(this.event);
  }
}

/**
 * The event as a tracepoint perf event. A uprobe's offset is checked only now, when the kernel
 * registers it (beyond the file: EINVAL), so that refusal names the target too.
 */
function openEvent(event: ProbeEvent, pid: number | undefined, definition: ProbeEventDefinition): number {
  try {
    return perf.perfEventOpen({ type: abi.PerfType.TRACEPOINT, config: event.id, samplePeriod: 1, wakeupEvents: 1 }, pid ?? -1, pid === undefined ? 0 : -1);
  } catch (error) {
    if (!(error instanceof SystemError) || (error.errno !== Errno.EINVAL && error.errno !== Errno.ENOENT)) throw error;
    throw refusedTarget(definition, event.file, `perf_event_open of ${event.group}/${event.name}`, error.code);
  }
}

/** `event` opened as a tracepoint perf event; on failure the event is removed. */
function openOnEvent(event: ProbeEvent, pid: number | undefined, definition: ProbeEventDefinition): FileDescriptor {
  try {
    return new FileDescriptor(openEvent(event, pid, definition), `perf event of ${event.group}/${event.name}`);
  } catch (error) {
    removeProbeEvent(event);
    throw error;
  }
}

/**
 * A tracefs probe event with the program on its perf event and no BPF link (kernels before 5.15, which
 * refuse perf event links): what PerfEventAttachment can and can't do, and the event removed on close.
 */
export class ProbeEventAttachment extends PerfEventAttachment {
  readonly event: ProbeEvent;

  /** Takes ownership of `perfEvent` (closed if the ioctl fails; the event is then the caller's to remove). */
  constructor(program: Program, perfEvent: FileDescriptor, target: string, event: ProbeEvent) {
    super(program, perfEvent, target);
    this.event = event;
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    removeProbeEvent(this.event);
  }
}

/** A legacy probe's attachment: a BPF link where the kernel has perf event links (5.15+), else the ioctl. */
export type LegacyProbeLink = ProbeEventLink | ProbeEventAttachment;

/** Links `program` to the opened event; on failure the perf event is closed and the event removed. */
function linkOnEvent(program: Program, event: ProbeEvent, perfEvent: FileDescriptor, target: string, cookie: bigint | undefined): LegacyProbeLink {
  try {
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: perfEvent.value, attachType: abi.AttachTypeId.PERF_EVENT, ...(cookie !== undefined ? { perfEventCookie: cookie } : {}) });
    return new ProbeEventLink(new FileDescriptor(fd, `${target} link`), target, perfEvent, event);
  } catch (error) {
    // before 5.15 the kernel has no perf event links (EINVAL): without a cookie to carry, the ioctl does
    if (error instanceof BpfError && error.errno === Errno.EINVAL && cookie === undefined) {
      try {
        return new ProbeEventAttachment(program, perfEvent, target, event);
      } catch {
        removeProbeEvent(event); // the attachment closed the perf event; the link's refusal says more
        throw error;
      }
    }
    perfEvent.close();
    removeProbeEvent(event);
    throw error;
  }
}

export interface LegacyKprobeOptions {
  returnProbe?: boolean;
  /** Offset into the function (entry probes only). */
  offset?: number;
  /** kretprobes: how many returns may be pending at once (`r[MAXACTIVE]:`). */
  maxActive?: number;
  cookie?: bigint;
}

/** A kprobe/kretprobe on `functionName` through tracefs `kprobe_events`. */
export function attachKprobeLegacy(program: Program, functionName: string, options: LegacyKprobeOptions = {}): LegacyProbeLink {
  const returnProbe = options.returnProbe ?? false;
  const offset = options.offset ?? 0;
  const definition: ProbeEventDefinition = {
    kind: 'kprobe', returnProbe, target: functionName,
    location: offset ? `${functionName}+${offset}` : functionName,
    ...(options.maxActive !== undefined ? { maxActive: options.maxActive } : {}),
  };
  const event = createProbeEvent(definition);
  const kind = returnProbe ? 'kretprobe' : 'kprobe';
  const perfEvent = openOnEvent(event, undefined, definition);
  return linkOnEvent(program, event, perfEvent, `${kind} ${functionName}${offset ? `+${offset}` : ''} (tracefs ${event.group}/${event.name})`, options.cookie);
}

export interface LegacyUprobeOptions {
  returnProbe?: boolean;
  /** Only this process. */
  pid?: number;
  /** A USDT semaphore's file offset, counted by the kernel while the probe is attached (`PATH:0xOFF(0xREF)`, Linux 4.20+). */
  refCounterOffset?: number;
  cookie?: bigint;
  /** For the event name and messages (the function at `offset`). */
  functionName?: string;
}

/** A uprobe/uretprobe at file offset `offset` of the binary at `path` (absolute) through tracefs `uprobe_events`. */
export function attachUprobeLegacy(program: Program, path: string, offset: number, options: LegacyUprobeOptions = {}): LegacyProbeLink {
  const opened = openUprobeEvent(path, offset, options);
  return linkOnEvent(program, opened.event, opened.perfEvent, opened.target, options.cookie);
}

/** A uprobe event opened as a perf event, for a caller that links the program itself. */
export interface OpenedProbeEvent {
  event: ProbeEvent;
  perfEvent: FileDescriptor;
  /** For messages: `uprobe PATH:WHAT (tracefs GROUP/NAME)`. */
  target: string;
}

/**
 * The uprobe event for file offset `offset` of `path` created in `uprobe_events` and opened as a
 * perf event (for `pid`, else every process); on failure nothing is left. The caller owns both:
 * it closes the perf event, then removes the event (ProbeEventLink does both).
 */
export function openUprobeEvent(path: string, offset: number, options: Omit<LegacyUprobeOptions, 'cookie'> = {}): OpenedProbeEvent {
  const returnProbe = options.returnProbe ?? false;
  const place = `0x${offset.toString(16)}`;
  const definition: ProbeEventDefinition = {
    kind: 'uprobe', returnProbe,
    target: `${path}:${options.functionName ?? place}`,
    nameHint: `${basename(path)}_${options.functionName ?? place}`,
    location: `${path}:${place}${options.refCounterOffset ? `(0x${options.refCounterOffset.toString(16)})` : ''}`,
  };
  const event = createProbeEvent(definition);
  const perfEvent = openOnEvent(event, options.pid, definition);
  const kind = returnProbe ? 'uretprobe' : 'uprobe';
  return { event, perfEvent, target: `${kind} ${path}:${options.functionName ?? place} (tracefs ${event.group}/${event.name})` };
}

/** The probe events in `kind`'s events file that this process created (for tests and cleanup checks). */
export function ownProbeEvents(kind: ProbeEventKind): string[] {
  const file = probeEventsFile(kind);
  if (typeof file !== 'string') return [];
  const mine = `${PROBE_EVENT_GROUP}/tsbpf_${process.pid}_`;
  return readFileSync(file, 'utf8').split('\n').map((line) => /^\S+:(\S+)/.exec(line)?.[1] ?? '').filter((name) => name.startsWith(mine));
}
