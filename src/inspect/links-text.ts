/**
 * `bpftool link list` text and JSON as bpftool 7.1 (libbpf 1.1) prints them. bpftool 7.1 decodes only
 * the raw_tracepoint, tracing, cgroup, iter and netns unions; xdp, perf_event, kprobe_multi, netfilter,
 * tcx, uprobe_multi and netkit links print their head only, so the details the kernel reports for them
 * (LinkListing.details) are not printed here either.
 */
import { abi } from '../sys/index.js';
import type { LinkListing } from './links.js';
import { ownersJson, ownersText, type OwnerTable } from './btf-text.js';

/** libbpf 1.1's name tables end at these enumerators; later values print as numbers, as bpftool 7.1 does. */
const LAST_LINK_TYPE_KNOWN = abi.LinkTypeId.KPROBE_MULTI;
const LAST_ATTACH_TYPE_KNOWN = abi.AttachTypeId.LSM_CGROUP;
/** BPF_PROG_TYPE_SYSCALL: the last program type libbpf 1.1 names. */
const LAST_PROGRAM_TYPE_KNOWN = abi.ProgramTypeId.SYSCALL;

function nameTable(ids: Readonly<Record<string, number>>, last: number): (value: number) => string | undefined {
  const names = new Map<number, string>();
  for (const [key, value] of Object.entries(ids)) {
    if (value <= last && !key.endsWith('_DEPRECATED') && !names.has(value)) names.set(value, key.toLowerCase());
  }
  return (value) => names.get(value);
}

/** libbpf_bpf_link_type_str, libbpf_bpf_attach_type_str and libbpf_bpf_prog_type_str of libbpf 1.1. */
export const linkTypeName = nameTable(abi.LinkTypeId, LAST_LINK_TYPE_KNOWN);
export const attachTypeName = nameTable(abi.AttachTypeId, LAST_ATTACH_TYPE_KNOWN);
export const programTypeName = nameTable(abi.ProgramTypeId, LAST_PROGRAM_TYPE_KNOWN);

/** bpftool's iterator targets that carry a map (their map id is printed). */
function isMapIteratorTarget(name: string): boolean {
  return name === 'bpf_map_elem' || name === 'bpf_sk_storage_map';
}

/** `pinned`: bpftool -f's paths (an empty list when other links are pinned, undefined when none is). */
export function linkText(link: LinkListing, owners?: OwnerTable, pinned?: readonly string[]): string {
  const type = linkTypeName(link.type);
  let text = `${link.id}: ${type !== undefined ? `${type}  ` : `type ${link.type}  `}prog ${link.programId}  `;
  const attach = (value: number) => {
    const name = attachTypeName(value);
    return name !== undefined ? `attach_type ${name}  ` : `attach_type ${value}  `;
  };
  const d = link.details;
  switch (d.kind) {
    case 'raw_tracepoint':
      text += `\n\ttp '${d.tracepoint}'  `;
      break;
    case 'tracing': {
      const programType = link.programType === undefined ? undefined : programTypeName(link.programType);
      text += `\n\tprog_type ${programType ?? link.programType ?? 0}  ${attach(d.attachType)}`;
      break;
    }
    case 'cgroup':
      text += `\n\tcgroup_id ${d.cgroupId}  ${attach(d.attachType)}`;
      break;
    case 'iter':
      text += `target_name ${d.targetName}  `;
      if (isMapIteratorTarget(d.targetName)) text += `map_id ${d.mapId}  `;
      break;
    case 'netns':
      text += `\n\tnetns_ino ${d.netnsInode}  ${attach(d.attachType)}`;
      break;
    default:
      break;
  }
  for (const path of pinned ?? []) text += `\n\tpinned ${path}`;
  return `${text}${ownersText(owners, link.id)}\n`;
}

export function linkJson(link: LinkListing, owners?: OwnerTable, pinned?: readonly string[]): Record<string, unknown> {
  const json: Record<string, unknown> = { id: link.id, type: linkTypeName(link.type) ?? link.type, prog_id: link.programId };
  const attach = (value: number) => attachTypeName(value) ?? value;
  const d = link.details;
  switch (d.kind) {
    case 'raw_tracepoint':
      json.tp_name = d.tracepoint;
      break;
    case 'tracing':
      json.prog_type = (link.programType === undefined ? undefined : programTypeName(link.programType)) ?? link.programType ?? 0;
      json.attach_type = attach(d.attachType);
      break;
    case 'cgroup':
      json.cgroup_id = d.cgroupId;
      json.attach_type = attach(d.attachType);
      break;
    case 'iter':
      json.target_name = d.targetName;
      if (isMapIteratorTarget(d.targetName)) json.map_id = d.mapId;
      break;
    case 'netns':
      json.netns_ino = d.netnsInode;
      json.attach_type = attach(d.attachType);
      break;
    default:
      break;
  }
  if (pinned) json.pinned = [...pinned];
  return { ...json, ...ownersJson(owners, link.id) };
}
