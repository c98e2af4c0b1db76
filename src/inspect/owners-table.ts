/**
 * The owners table both readers fill: for each program, map, link and BTF object id, the processes holding an fd
 * to it, one entry per process (tgid) with the process's comm, sorted by pid.
 */

export interface Owner {
  pid: number;
  comm: string;
}

export type OwnerKind = 'program' | 'map' | 'link' | 'btf';

export type OwnerMethod = 'iterator' | 'proc';

export interface OwnerTable {
  programs: Map<number, Owner[]>;
  maps: Map<number, Owner[]>;
  links: Map<number, Owner[]>;
  /** BTF objects (bpftool's `btf list` prints their owners too). */
  btfObjects: Map<number, Owner[]>;
  /** Which reader produced the table. */
  method: OwnerMethod;
  /** Why the default reader was not used, when readOwners() fell back to the other. */
  fallbackReason?: string;
}

/** Collects (kind, id, owner) facts, merging duplicates (a process holding one object by several fds). */
export class OwnerTableBuilder {
  readonly #tables: Record<OwnerKind, Map<number, Owner[]>> = { program: new Map(), map: new Map(), link: new Map(), btf: new Map() };

  add(kind: OwnerKind, id: number, pid: number, comm: string): void {
    const table = this.#tables[kind];
    const owners = table.get(id);
    if (!owners) {
      table.set(id, [{ pid, comm }]);
      return;
    }
    // an object has few owners, and a repeat (one process, several fds) is most likely the last one added
    for (let i = owners.length - 1; i >= 0; i--) if (owners[i]!.pid === pid) return;
    owners.push({ pid, comm });
  }

  /** Drops ids (the reader's own objects, which are gone by the time anyone looks them up). */
  forget(kind: OwnerKind, ids: Iterable<number>): void {
    for (const id of ids) this.#tables[kind].delete(id);
  }

  build(method: OwnerMethod): OwnerTable {
    for (const table of Object.values(this.#tables)) {
      for (const owners of table.values()) owners.sort((a, b) => a.pid - b.pid);
    }
    return { programs: this.#tables.program, maps: this.#tables.map, links: this.#tables.link, btfObjects: this.#tables.btf, method };
  }
}
