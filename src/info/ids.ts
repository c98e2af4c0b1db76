/**
 * Next-id iteration over the kernel's programs, maps, BTF objects and links. Ids come in ascending
 * order; an object loaded or freed during the walk may or may not appear, as with bpftool.
 */
import { bpf } from '../sys/index.js';

function* ids(kind: bpf.ObjectKind): Generator<number, void, undefined> {
  for (let id = bpf.getNextId(kind, 0); id !== 0; id = bpf.getNextId(kind, id)) yield id;
}

export function programIds(): Generator<number, void, undefined> {
  return ids('PROG');
}

export function mapIds(): Generator<number, void, undefined> {
  return ids('MAP');
}

export function btfIds(): Generator<number, void, undefined> {
  return ids('BTF');
}

export function linkIds(): Generator<number, void, undefined> {
  return ids('LINK');
}
