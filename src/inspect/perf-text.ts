/** `bpftool perf list` text and JSON for PerfAttachment records. */
import { TaskFdType, type PerfAttachment } from './perf.js';

export function perfText(a: PerfAttachment): string {
  const head = `pid ${a.pid}  fd ${a.fd}: prog_id ${a.programId}  `;
  switch (a.fdType) {
    case TaskFdType.RAW_TRACEPOINT: return `${head}raw_tracepoint  ${a.name}\n`;
    case TaskFdType.TRACEPOINT: return `${head}tracepoint  ${a.name}\n`;
    case TaskFdType.KPROBE:
    case TaskFdType.KRETPROBE: {
      const kind = a.fdType === TaskFdType.KPROBE ? 'kprobe' : 'kretprobe';
      return a.name !== '' ? `${head}${kind}  func ${a.name}  offset ${a.probeOffset}\n` : `${head}${kind}  addr ${a.probeAddress}\n`;
    }
    case TaskFdType.UPROBE: return `${head}uprobe  filename ${a.name}  offset ${a.probeOffset}\n`;
    case TaskFdType.URETPROBE: return `${head}uretprobe  filename ${a.name}  offset ${a.probeOffset}\n`;
    default: return head; // bpftool prints the head and no newline for a type it does not know
  }
}

export function perfJson(a: PerfAttachment): Record<string, unknown> {
  const json: Record<string, unknown> = { pid: a.pid, fd: a.fd, prog_id: a.programId };
  switch (a.fdType) {
    case TaskFdType.RAW_TRACEPOINT: return { ...json, fd_type: 'raw_tracepoint', tracepoint: a.name };
    case TaskFdType.TRACEPOINT: return { ...json, fd_type: 'tracepoint', tracepoint: a.name };
    case TaskFdType.KPROBE:
    case TaskFdType.KRETPROBE: {
      const fdType = a.fdType === TaskFdType.KPROBE ? 'kprobe' : 'kretprobe';
      return a.name !== '' ? { ...json, fd_type: fdType, func: a.name, offset: a.probeOffset } : { ...json, fd_type: fdType, addr: a.probeAddress };
    }
    case TaskFdType.UPROBE: return { ...json, fd_type: 'uprobe', filename: a.name, offset: a.probeOffset };
    case TaskFdType.URETPROBE: return { ...json, fd_type: 'uretprobe', filename: a.name, offset: a.probeOffset };
    default: return json;
  }
}
