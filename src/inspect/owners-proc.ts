/**
 * Owners from /proc: every process's fd links (`anon_inode:bpf-prog`, `anon_inode:bpf-map`,
 * `anon_inode:bpf_link`, `anon_inode:btf`) and, for those, the id in the matching fdinfo (`prog_id:`,
 * `map_id:`, `link_id:`, `btf_id:`). /proc/PID/fd is the thread-group leader's file table and
 * /proc/PID/comm the leader's comm: what bpftool's iterator reports (tgid and group_leader->comm).
 * Processes that vanish or that we may not look into are skipped: the table is what this user can see.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { OwnerTableBuilder, type OwnerKind, type OwnerTable } from './owners-table.js';

/** The fd link targets of BPF objects, and the fdinfo line holding each one's id. */
const LINK_KINDS: Readonly<Record<string, { kind: OwnerKind; id: RegExp }>> = {
  'anon_inode:bpf-prog': { kind: 'program', id: /^prog_id:\s*(\d+)/m },
  'anon_inode:bpf-map': { kind: 'map', id: /^map_id:\s*(\d+)/m },
  'anon_inode:bpf_link': { kind: 'link', id: /^link_id:\s*(\d+)/m },
  // a link fd made from an existing link (by id, from a pin) is named with a dash
  'anon_inode:bpf-link': { kind: 'link', id: /^link_id:\s*(\d+)/m },
  'anon_inode:btf': { kind: 'btf', id: /^btf_id:\s*(\d+)/m },
};

function readComm(pid: string): string | undefined {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8');
    return comm.endsWith('\n') ? comm.slice(0, -1) : comm;
  } catch {
    return undefined;
  }
}

export function readOwnersFromProc(): OwnerTable {
  const builder = new OwnerTableBuilder();
  for (const pid of readdirSync('/proc')) {
    const first = pid.charCodeAt(0);
    if (first < 48 || first > 57) continue; // not a process directory
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look into
    }
    let comm: string | undefined;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      if (!target.startsWith('anon_inode:b')) continue; // cheap test first: most fds are files and sockets
      const kind = LINK_KINDS[target];
      if (!kind) continue;
      let info: string;
      try {
        info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1');
      } catch {
        continue;
      }
      const id = Number(kind.id.exec(info)?.[1] ?? 0);
      if (id === 0) continue;
      comm ??= readComm(pid);
      if (comm === undefined) break; // the process exited
      builder.add(kind.kind, id, Number(pid), comm);
    }
  }
  return builder.build('proc');
}
