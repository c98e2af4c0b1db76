/**
 * BPF programs attached through perf events and raw tracepoints, found as `bpftool perf list` finds
 * them: every fd of every process in /proc, asked with BPF_TASK_FD_QUERY what program it attaches.
 * Processes and fds that go away during the walk are skipped.
 */
import { closeSync, openSync, opendirSync } from 'node:fs';
import { TsbpfError } from '../errors.js';
import { bpf } from '../sys/index.js';

/** `enum bpf_task_fd_type` (include/uapi/linux/bpf.h). */
export const TaskFdType = { RAW_TRACEPOINT: 0, TRACEPOINT: 1, KPROBE: 2, KRETPROBE: 3, UPROBE: 4, URETPROBE: 5 } as const;

export interface PerfAttachment {
  pid: number;
  fd: number;
  programId: number;
  /** `enum bpf_task_fd_type`. */
  fdType: number;
  /** The tracepoint, kernel function or file name ('' for a kprobe by address). */
  name: string;
  /** Offset into the function or file (kprobes, uprobes). */
  probeOffset: bigint;
  /** Address of a kprobe given by address. */
  probeAddress: bigint;
}

/** Entries of a directory in the kernel's order (as nftw walks them), or none when it vanished. */
function entries(path: string): string[] {
  let directory;
  try {
    directory = opendirSync(path);
  } catch {
    return [];
  }
  const names: string[] = [];
  try {
    for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) names.push(entry.name);
  } catch { /* the process exited while we read */ } finally {
    directory.closeSync();
  }
  return names;
}

/**
 * Fails early, with the reason, when this caller may not query tasks' fds (bpftool's probe: an fd
 * that attaches nothing answers ENOTSUPP when the query itself is allowed).
 */
function checkTaskFdQuery(): void {
  const fd = openSync('/', 'r');
  try {
    bpf.taskFdQuery(process.pid, fd);
  } catch (error) {
    if (error instanceof TsbpfError) throw new TsbpfError(`BPF_TASK_FD_QUERY is refused: ${error.message}`, 'run as root (CAP_SYS_ADMIN): the kernel allows the query only then');
    throw error;
  } finally {
    closeSync(fd);
  }
}

/** Every perf event and raw tracepoint fd with a BPF program, by process then fd, in /proc's order. */
export function listPerfAttachments(): PerfAttachment[] {
  checkTaskFdQuery();
  const found: PerfAttachment[] = [];
  for (const pidName of entries('/proc')) {
    if (!/^\d+$/.test(pidName)) continue;
    const pid = Number(pidName);
    for (const fdName of entries(`/proc/${pid}/fd`)) {
      if (!/^\d+$/.test(fdName)) continue;
      const fd = Number(fdName);
      let answer;
      try {
        answer = bpf.taskFdQuery(pid, fd);
      } catch {
        continue; // bpftool skips any fd the query refuses
      }
      if (answer) found.push({ pid, fd, programId: answer.programId, fdType: answer.fdType, name: answer.name, probeOffset: answer.probeOffset, probeAddress: answer.probeAddress });
    }
  }
  return found;
}
