/** `bpftool btf list` text and JSON for BtfListing records. */
import type { BtfListing } from './btf.js';

import type { Owner } from './owners.js';

/** A process holding an object open. */
export type ObjectOwner = Owner;

/** Owners by object id; absent means "not looked up", so no `pids` line or key is printed. */
export type OwnerTable = ReadonlyMap<number, readonly ObjectOwner[]>;

/** bpftool's `\n\tpids comm(pid), comm(pid)` suffix, empty when the object has no owners. */
export function ownersText(owners: OwnerTable | undefined, id: number): string {
  const list = owners?.get(id);
  if (!list || list.length === 0) return '';
  return `\n\tpids ${list.map((owner) => `${owner.comm}(${owner.pid})`).join(', ')}`;
}

/** bpftool's `"pids": [{"pid": .., "comm": ..}]` member, or nothing. */
export function ownersJson(owners: OwnerTable | undefined, id: number): { pids?: ObjectOwner[] } {
  const list = owners?.get(id);
  if (!list || list.length === 0) return {};
  return { pids: list.map((owner) => ({ pid: owner.pid, comm: owner.comm })) };
}

export function btfText(entry: BtfListing, owners?: OwnerTable): string {
  let line = `${entry.id}: `;
  if (entry.kernelBtf) line += `name [${entry.name}]  `;
  else line += entry.name ? `name ${entry.name}  ` : 'name <anon>  ';
  line += `size ${entry.size}B`;
  if (entry.programIds.length > 0) line += `  prog_ids ${entry.programIds.join(',')}`;
  if (entry.mapIds.length > 0) line += `  map_ids ${entry.mapIds.join(',')}`;
  return `${line}${ownersText(owners, entry.id)}\n`;
}

export function btfJson(entry: BtfListing, owners?: OwnerTable): Record<string, unknown> {
  return {
    id: entry.id,
    size: entry.size,
    prog_ids: entry.programIds,
    map_ids: entry.mapIds,
    ...ownersJson(owners, entry.id),
    kernel: entry.kernelBtf,
    ...(entry.name ? { name: entry.name } : {}),
  };
}
