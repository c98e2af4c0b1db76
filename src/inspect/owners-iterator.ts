/**
 * Owners from a BPF iterator over task files (bpftool's way): corpus/loader/iter_task_files.bpf.c,
 * prepared once by tsbpf's own loader (src/loader/prepared-program.ts) and loaded per read, attached as an iterator link and read through one iterator session.
 * Each record is (tgid, id, kind, group leader's comm) for one BPF program, map, link or BTF fd.
 *
 * The iterator's own program and link are in the records too (this process holds them while reading;
 * the program is loaded without BTF, so it has no BTF object); they are dropped, because they are gone
 * by the time anyone looks at the table. Every other object this process holds is a real owner and
 * stays, as bpftool would report it.
 */
import { existsSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfError, Errno, InvalidArgumentError, NotSupportedError, SystemError, TsbpfError, VerifierError } from '../errors.js';
import { linkInfo } from '../info/link-info.js';
import { prepareProgram, type PreparedProgram } from '../loader/prepared-program.js';
import { readObjectSpec } from '../object/object-spec.js';
import type { Program } from '../programs/program.js';
import { AttachType } from '../programs/attach-types.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { OwnerTableBuilder, type OwnerKind, type OwnerTable } from './owners-table.js';

/** `struct owner_record` in iter_task_files.bpf.c. */
const Record = { pid: 0, id: 4, kind: 8, comm: 12, commLength: 16, size: 28 } as const;
const KINDS: readonly (OwnerKind | undefined)[] = [undefined, 'program', 'map', 'link', 'btf'];
const OBJECT_FILE = 'iter_task_files.bpf.o';
const PROGRAM = 'task_files';

/**
 * Where the compiled iterator is: beside this module in a built package (src/inspect/build.sh puts it
 * there), else the corpus build, found from this file up to the repository root.
 */
function objectPaths(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const paths = [join(here, OBJECT_FILE)];
  for (let directory = here; ;) {
    if (existsSync(join(directory, 'package.json'))) {
      paths.push(join(directory, 'corpus', '.build', 'loader', OBJECT_FILE));
      return paths;
    }
    const parent = dirname(directory);
    if (parent === directory) return paths;
    directory = parent;
  }
}

let prepared: PreparedProgram | undefined;

/**
 * The iterator program in load-ready form, made once per process: each read is then one BPF_PROG_LOAD
 * (~0.2 ms here) instead of an object load (parse, CO-RE, BTF fix-ups and BTF_LOAD: 1.5-2.5 ms, with a
 * tail past 10 ms under load). It is loaded without its BTF: nothing reads the iterator's source lines,
 * and BTF_LOAD of an object built against vmlinux.h was the slowest and most variable kernel step.
 */
function preparedIterator(): PreparedProgram {
  if (prepared) return prepared;
  const paths = objectPaths();
  const path = paths.find((candidate) => existsSync(candidate));
  if (!path) throw new NotSupportedError('the owners iterator', `${OBJECT_FILE} is missing (looked in ${paths.join(', ')})`, 'run `bash corpus/build.sh`, or read owners from /proc');
  const spec = readObjectSpec(new Uint8Array(readFileSync(path)), { path });
  return (prepared = prepareProgram(spec, PROGRAM, { btf: false }));
}

/** Reads an iterator session to its end (a read may fail with EAGAIN and is then retried, as bpftool does). */
function readAll(fd: number): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  let buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let count: number;
    try {
      count = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      const errno = -((error as NodeJS.ErrnoException).errno ?? -Errno.EINVAL);
      throw new SystemError('read', errno, '', 'reading the owners iterator');
    }
    if (count === 0) break;
    chunks.push(buffer.subarray(0, count));
    total += count;
    buffer = Buffer.allocUnsafe(buffer.length);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** BPF_PROG_LOAD attempts: the verifier gives up with EAGAIN when a signal is pending; libbpf retries 5 times. */
const LOAD_ATTEMPTS = 5;

function loadIterator(): Program {
  for (let attempt = 1; ; attempt++) {
    try {
      return preparedIterator().load().program;
    } catch (error) {
      // EPERM/EACCES is about who asks, not the program: say so instead of "the verifier gave no log"
      if (error instanceof VerifierError && (error.errno === Errno.EPERM || error.errno === Errno.EACCES) && error.log === '') {
        throw new BpfError('PROG_LOAD', error.errno, '', 'loading the owners iterator was refused');
      }
      if (!(error instanceof BpfError && error.errno === Errno.EAGAIN) || attempt >= LOAD_ATTEMPTS) throw error;
    }
  }
}

/** One read with the iterator loaded for it and closed after: what `readOwners()` does per call. */
export function readOwnersFromIterator(): OwnerTable {
  using scanner = OwnersScanner.open();
  return scanner.read();
}

/**
 * The iterator kept loaded for a caller that reads owners again and again (a dashboard, `top`): its
 * program and link stay while the scanner is open, and each `read()` is one iterator session
 * (BPF_ITER_CREATE and a read, ~0.3 ms here) instead of a program load. While open, the program and
 * link are real objects of this process: the tables it reads leave them out, and a listing that
 * should not show them skips `programId` and `linkId` (`listPrograms({ owners: scanner })` does).
 */
export class OwnersScanner implements Disposable {
  readonly #program: Program;
  readonly #link: FileDescriptor;
  /** The kernel ids of the scanner's own iterator program and link. */
  readonly programId: number;
  readonly linkId: number;

  private constructor(program: Program, link: FileDescriptor) {
    this.#program = program;
    this.#link = link;
    this.programId = program.id;
    this.linkId = linkInfo(link.value).id;
  }

  /** Loads and attaches the iterator; throws a TsbpfError when it cannot (no object, unprivileged, old kernel). */
  static open(): OwnersScanner {
    const program = loadIterator();
    let link: FileDescriptor | undefined;
    try {
      link = new FileDescriptor(bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: AttachType.TraceIter }), 'owners iterator link');
      return new OwnersScanner(program, link);
    } catch (error) {
      link?.close();
      program.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#link.closed;
  }

  /** The owners now: one pass of the iterator over every task's files. */
  read(): OwnerTable {
    if (this.closed) throw new InvalidArgumentError('OwnersScanner.read() after close()', 'open a new scanner');
    let bytes: Uint8Array;
    {
      using session = new FileDescriptor(bpf.iterCreate(this.#link.value), 'owners iterator session');
      bytes = readAll(session.value);
    }
    const builder = decodeRecords(bytes);
    builder.forget('program', [this.programId]);
    builder.forget('link', [this.linkId]);
    return builder.build('iterator');
  }

  close(): void {
    if (this.closed) return;
    this.#link.close();
    this.#program.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function decodeRecords(bytes: Uint8Array): OwnerTableBuilder {
  if (bytes.length % Record.size !== 0) {
    throw new TsbpfError(`the owners iterator wrote ${bytes.length} bytes, not a whole number of ${Record.size}-byte records`,
      `rebuild ${OBJECT_FILE} from corpus/loader/iter_task_files.bpf.c (its record layout and owners-iterator.ts disagree)`);
  }
  const builder = new OwnerTableBuilder();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // a process's records come together (one task's files at a time): decode its comm once
  let lastPid = -1;
  let lastComm = '';
  for (let at = 0; at < bytes.length; at += Record.size) {
    const kind = KINDS[view.getUint32(at + Record.kind, true)];
    if (!kind) continue;
    const pid = view.getUint32(at + Record.pid, true);
    if (pid !== lastPid) {
      const comm = bytes.subarray(at + Record.comm, at + Record.comm + Record.commLength);
      const end = comm.indexOf(0);
      lastPid = pid;
      lastComm = decoder.decode(end < 0 ? comm : comm.subarray(0, end));
    }
    builder.add(kind, view.getUint32(at + Record.id, true), pid, lastComm);
  }
  return builder;
}

const decoder = new TextDecoder();
