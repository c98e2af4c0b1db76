/**
 * `tsbpf tour`: the learner's notes (seed/ebpf-learning-notes.md), live, on opensnoop's object. Each step
 * prints a heading, a sentence or two on what the learner is looking at, and the output of the tsbpf
 * command that shows it (the same library calls and formatters): the ELF object, the programs and maps
 * after the bpf syscall and the verifier, the xlated code with C lines, events from the tracepoints, the
 * per-CPU counters, the clean-up. Everything it loads is closed before it returns, on error too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpfError, Errno, events, loadObject, type BpfObject, type EventRecord, type Program } from '../index.js';
import { objShowText } from '../cli/obj-output.js';
import { chooseEventChannel, type EventChannel } from '../tools/common/event-channel.js';
import { openToolObject, skipMissingTracepoints } from '../tools/common/tool-object.js';
import { mapDumpText, mapListText, programListText, stillListed, xlatedText } from './kernel-views.js';
import { nextStepsText } from './next-steps.js';
import { attemptText, eventDecoder, eventText, missingPath, OPENSNOOP_HEADER, openEach, type OpenEvent } from './open-events.js';
import { checkTracingPrivileges } from '../tools/common/privileges.js';
import { stepPause, type StepPause } from './step-pause.js';
import { TourInterruptedError, TourObjectMissingError, TourPrivilegeError } from './tour-errors.js';
import { commandText, explanationText, headingText, stdoutWriter, type TourWriter } from './tour-output.js';

export interface TourOptions {
  /** Wait for Enter between steps (on a terminal). */
  step: boolean;
  /** Default: stdout. */
  write?: TourWriter;
}

/** The steps' titles, in order: the test and `--step`'s prompt use them too. */
export const TOUR_STEPS = [
  'The object file (readelf)',
  'Load: the bpf syscall and the verifier',
  'The verified code, with its C lines',
  'Attach to tracepoints: events',
  'Maps: the counters',
  'Clean up',
  'What to try next',
] as const;

/** The program whose xlated code step 3 shows: the one Node's openSync runs through. */
const DUMPED_PROGRAM = 'enter_openat';
const OPEN_COUNTS = { ok: 0, failed: 1 } as const; // opensnoop.h enum open_result
const FREED_WAIT_MS = 2000;

/** opensnoop's front end, beside which the build puts its compiled object. */
const OPENSNOOP_MODULE = new URL('../tools/opensnoop/opensnoop.js', import.meta.url);

class TourSteps {
  readonly #pause: StepPause;
  readonly #write: TourWriter;
  #number = 0;

  constructor(pause: StepPause, write: TourWriter) {
    this.#pause = pause;
    this.#write = write;
  }

  /** Pauses (with --step), then prints the next step's heading and explanation. */
  async next(explanation: readonly string[]): Promise<void> {
    this.#number++;
    const title = TOUR_STEPS[this.#number - 1]!;
    if (this.#number > 1) {
      if (await this.#pause.before(this.#number, title) === 'interrupted') throw new TourInterruptedError(this.#number);
      this.#write('\n');
    }
    this.#write(`${headingText({ number: this.#number, total: TOUR_STEPS.length, title })}${explanationText(explanation)}\n`);
  }
}

/** The kernel said EPERM/EACCES: the same one line as the up-front check. */
function asPrivilegeError(error: unknown): unknown {
  if (error instanceof BpfError && (error.errno === Errno.EPERM || error.errno === Errno.EACCES)) {
    return new TourPrivilegeError({ refused: `${error.command} with ${error.code}` });
  }
  return error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runTour(options: TourOptions): Promise<void> {
  const privileges = checkTracingPrivileges();
  if (!privileges.allowed) throw new TourPrivilegeError({ missing: privileges.missing });
  using stdout = stdoutWriter();
  const write: TourWriter = options.write ?? stdout.write;
  const started = performance.now();
  const pause = stepPause(options.step);
  const steps = new TourSteps(pause, write);
  const objectPath = fileURLToPath(new URL('./opensnoop.bpf.o', OPENSNOOP_MODULE));
  if (!existsSync(objectPath)) throw new TourObjectMissingError(objectPath);
  const spec = await openToolObject(OPENSNOOP_MODULE.href, 'opensnoop');

  write(`tsbpf tour: the eBPF learning notes, live, on opensnoop's object (${TOUR_STEPS.length} steps).\n\n${pause.note}`);

  await steps.next([
    'clang compiled opensnoop\'s restricted C into eBPF bytecode inside an ELF object file: Machine "Linux BPF". '
      + 'Each SEC() of the C became a section: one of code per program (named for the tracepoint it hooks), .maps for the maps it '
      + 'declares, .rodata for constants set before load, the license, and .BTF/.BTF.ext with the types and C line info the next steps use.',
  ]);
  write(commandText(`tsbpf obj show ${objectPath}`));
  write(objShowText(readFileSync(objectPath), objectPath));

  // Only this process's opens: the filter is a .rodata constant, so the verifier drops the code of the others.
  skipMissingTracepoints(spec);
  spec.variables.targ_tgid!.set(process.pid);
  const channel = chooseEventChannel(spec);
  let object: BpfObject;
  try {
    object = await loadObject(spec);
  } catch (error) {
    throw asPrivilegeError(error);
  }
  const programIds = Object.values(object.programs).map((program) => program.id);
  const mapIds = Object.values(object.maps).map((map) => map.id);
  try {
    await tourLoaded(object, channel, objectPath, steps, write);
    // with --step, everything stays loaded until Enter, for a look from another terminal
    await steps.next([
      'Closing the links detached the programs from their tracepoints; closing the last file descriptors let the kernel free the programs '
        + 'and the maps. A BPF object lives only as long as something holds it: a file descriptor, a link, or a pin in /sys/fs/bpf.',
    ]);
  } finally {
    object.close();
  }
  let left = stillListed(programIds, mapIds);
  const deadline = Date.now() + FREED_WAIT_MS;
  while ((left.programs.length > 0 || left.maps.length > 0) && Date.now() < deadline) {
    await sleep(50); // the kernel frees them from a work queue, a moment after the last close
    left = stillListed(programIds, mapIds);
  }
  write(`programs ${programIds.join(', ')}: ${left.programs.length === 0 ? 'gone from the kernel' : `${left.programs.join(', ')} still listed (being freed)`}\n`);
  write(`maps ${mapIds.join(', ')}: ${left.maps.length === 0 ? 'gone from the kernel' : `${left.maps.join(', ')} still listed (being freed)`}\n`);

  await steps.next(['Each idea of the tour is one command away (most need root, as the tour did):']);
  write(nextStepsText());
  write(`\nThe tour took ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
}

/** Steps 2 to 5, while the object is loaded. */
async function tourLoaded(object: BpfObject, channel: EventChannel, objectPath: string, steps: TourSteps, write: TourWriter): Promise<void> {
  const programs = Object.values(object.programs);
  const maps = Object.values(object.maps);
  await steps.next([
    `tsbpf created the maps (BPF_MAP_CREATE) and handed each program to the kernel with the bpf system call (BPF_PROG_LOAD). `
      + 'Before accepting a program, the verifier walked every path through it to make sure it cannot crash or block the kernel. '
      + `The .rodata constants were set first (trace only this process, pid ${process.pid}) and the kernel froze them.`,
    'Here they are as `prog list` and `map list` print them (only the tour\'s own; the kernel holds others too):',
  ]);
  write(commandText(`tsbpf prog list   # the tour's ${programs.length} programs only`));
  write(programListText(programs));
  write(`\n${commandText(`tsbpf map list    # the tour's ${maps.length} maps only`)}`);
  write(mapListText(maps));

  const dumped: Program = object.programs[DUMPED_PROGRAM] ?? programs[0]!;
  await steps.next([
    '`prog dump xlated` prints a program as the kernel keeps it after the verifier: map references became map[id:N], helper calls point '
      + 'at kernel functions, and the filter branches the frozen .rodata constants turned off are gone. '
      + 'The lines starting with ";" are the C source, from the BTF line info clang put in .BTF.ext.',
  ]);
  write(commandText(`tsbpf prog dump xlated id ${dumped.id} linum`));
  write(xlatedText(dumped));

  await steps.next([
    'Attaching hooks each program to its tracepoint (syscalls:sys_enter_openat, sys_exit_openat, ...): the kernel now runs it at every open, '
      + 'when the event happens. The tour then opened three files itself, one of them a path that does not exist. For each, the exit '
      + `program sent an event through the \`events\` ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'} map; tsbpf decoded it with the object's BTF (struct event), as opensnoop does.`,
  ]);
  const reader = channel.kind === 'ringbuf'
    ? events.RingBufferReader.open(object.maps.events!)
    : new events.PerfBufferReader(object.maps.events!, { pageCount: channel.perfPages });
  const seen: OpenEvent[] = [];
  try {
    const decode = eventDecoder(object);
    object.attachAll();
    // the first tracepoints go live while tsbpf still reads tracefs to attach the others: those opens are the tour's too
    reader.consume((record: EventRecord) => void seen.push(decode(record)));
    const whileAttaching = seen.length;
    const attempts = openEach([objectPath, missingPath(), '/proc/version']);
    reader.consume((record: EventRecord) => void seen.push(decode(record)));
    write('What the tour\'s process saw:\n');
    for (const attempt of attempts) write(`  ${attemptText(attempt)}`);
    write(`\nWhat the kernel reported (through the ${channel.kind === 'ringbuf' ? 'ring buffer' : 'perf buffer'}):\n`);
    write(commandText(`tsbpf opensnoop -p ${process.pid}`));
    write(OPENSNOOP_HEADER);
    for (const event of seen) write(eventText(event));
    if (whileAttaching > 0) {
      write(`\n${explanationText([`The first ${whileAttaching === 1 ? 'event is' : `${whileAttaching} events are`} tsbpf itself reading tracefs while it attached the last programs: the first ones were already live.`])}`);
    }
  } finally {
    reader.close();
  }

  const counts = object.maps.open_counts!;
  await steps.next([
    'Maps are how BPF programs and user space share data. The exit program also counted each open in open_counts, a per-CPU array '
      + '(key 0: opened, key 1: failed): each CPU counts in its own copy, with no locks, and the reader adds the copies up.',
  ]);
  write(commandText(`tsbpf map dump id ${counts.id}`));
  const dump = mapDumpText(counts);
  write(dump.text);
  const sum = (key: number) => (dump.perCpu.get(key) ?? []).reduce((total, value) => total + value, 0n);
  const reported = { ok: seen.filter((event) => event.ret >= 0).length, failed: seen.filter((event) => event.ret < 0).length };
  write(`\nSummed over the CPUs: ${sum(OPEN_COUNTS.ok)} opened, ${sum(OPEN_COUNTS.failed)} failed `
    + `(the events above: ${reported.ok} opened, ${reported.failed} failed).\n`);
}
