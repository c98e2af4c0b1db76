/**
 * Owners from a BPF iterator over task files (bpftool's way): corpus/loader/iter_task_files.bpf.c,
 * loaded by tsbpf's own loader, attached as an iterator link and read through one iterator session.
 * Each record is (tgid, id, kind, group leader's comm) for one BPF program, map, link or BTF fd.
 *
 * The iterator's own program, link and BTF object are in the records too (this process holds them
 * while reading); they are dropped, because they are gone by the time anyone looks at the table. Every other object
 * this process holds is a real owner and stays, as bpftool would report it.
 */
import { existsSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfError, Errno, NotSupportedError, SystemError, TsbpfError } from '../errors.js';
import { btfInfo } from '../info/btf-info.js';
import { linkInfo } from '../info/link-info.js';
import type { BpfObject } from '../loader/bpf-object.js';
import { loadObjectSpec } from '../loader/load-object.js';
import { readObjectSpec, type ObjectSpec } from '../object/object-spec.js';
import { AttachType } from '../programs/attach-types.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { OwnerTableBuilder, type OwnerKind, type OwnerTable } from './owners-table.js';

/** `struct owner_record` in iter_task_files.bpf.c. */
const Record = { pid: 0, id: 4, kind: 8, comm: 12, commLength: 16, size: 28 } as const;
const KINDS: readonly (OwnerKind | undefined)[] = [undefined, 'program', 'map', 'link', 'btf'];
const OBJECT_FILE = 'iter_task_files.bpf.o';
const PROGRAM = 'task_files';

/**
 * Where the compiled iterator is: the corpus build, found from this file up to the package root.
 * (Shipping compiled objects inside the npm package is the tools issue's job; until then a package
 * without the corpus build falls back to /proc.)
 */
function objectPath(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(directory, 'package.json'))) return join(directory, 'corpus', '.build', 'loader', OBJECT_FILE);
    const parent = dirname(directory);
    if (parent === directory) return OBJECT_FILE;
    directory = parent;
  }
}

let cachedSpec: ObjectSpec | undefined;

function iteratorSpec(): ObjectSpec {
  if (cachedSpec) return cachedSpec;
  const path = objectPath();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new NotSupportedError('the owners iterator', `${path} is missing`, 'run `bash corpus/build.sh`, or read owners from /proc');
  }
  return (cachedSpec = readObjectSpec(bytes, { path }));
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

function loadIterator(): BpfObject {
  for (let attempt = 1; ; attempt++) {
    try {
      return loadObjectSpec(iteratorSpec(), { programs: [PROGRAM] });
    } catch (error) {
      if (!(error instanceof BpfError && error.errno === Errno.EAGAIN) || attempt >= LOAD_ATTEMPTS) throw error;
    }
  }
}

export function readOwnersFromIterator(): OwnerTable {
  using object = loadIterator();
  const program = object.programs[PROGRAM]!;
  using link = new FileDescriptor(bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: AttachType.TraceIter }), 'owners iterator link');
  let bytes: Uint8Array;
  {
    using session = new FileDescriptor(bpf.iterCreate(link.value), 'owners iterator session');
    bytes = readAll(session.value);
  }
  if (bytes.length % Record.size !== 0) {
    throw new TsbpfError(`the owners iterator wrote ${bytes.length} bytes, not a whole number of ${Record.size}-byte records`,
      `rebuild ${OBJECT_FILE} from corpus/loader/iter_task_files.bpf.c (its record layout and owners-iterator.ts disagree)`);
  }
  const builder = new OwnerTableBuilder();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
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
  builder.forget('program', [program.id]);
  builder.forget('link', [linkInfo(link.value).id]);
  if (object.btfFd >= 0) builder.forget('btf', [btfInfo(object.btfFd).id]);
  return builder.build('iterator');
}
