/**
 * Unique C names for BTF types. BTF may hold several distinct types under one name (vmlinux has
 * e.g. two `struct bpf_map_desc`); C can't, so the second one met gets `___2`, the third `___3`,
 * and so on. "Met" means the order in which the dumper first prints each name, which is why this
 * is resolved lazily during emission rather than up front.
 *
 * Two namespaces are counted separately, as in C: tags (struct, union, enum names) and ordinary
 * identifiers (typedef names and enumerators).
 */
import type { BtfRawReads } from './dump-c-raw.js';
import { BtfKind, type BtfSource } from './types.js';

export class NameTable {
  private readonly resolved: (string | undefined)[];
  private readonly tagCounts = new Map<string, number>();
  private readonly identifierCounts = new Map<string, number>();

  constructor(btf: BtfSource, private readonly reads: BtfRawReads) {
    this.resolved = new Array<string | undefined>(btf.typeCount);
  }

  /** The name for a struct, union, enum, forward declaration (or int, see the dumper). */
  tagName(id: number): string {
    return this.resolved[id] ?? this.resolve(id, this.tagCounts);
  }

  /** The name for a typedef. */
  identifierName(id: number): string {
    return this.resolved[id] ?? this.resolve(id, this.identifierCounts);
  }

  /** The name for one enumerator, counted every time it is printed. */
  enumeratorName(name: string): string {
    const count = bump(this.identifierCounts, name);
    return count > 1 ? `${name}___${count}` : name;
  }

  private resolve(id: number, counts: Map<string, number>): string {
    const reads = this.reads;
    let name = reads.nameOf(id);
    const kind = reads.kindOf(id);
    // A forward declaration or an empty enum names a type defined elsewhere: it takes no number.
    const declaresOnly = kind === BtfKind.Fwd || (kind === BtfKind.Enum && reads.vlenOf(id) === 0);
    if (name !== '' && !declaresOnly) {
      const count = bump(counts, name);
      // libbpf formats the numbered name into a 256-byte buffer.
      if (count > 1) name = `${name}___${count}`.slice(0, 255);
    }
    this.resolved[id] = name;
    return name;
  }
}

function bump(counts: Map<string, number>, name: string): number {
  const count = (counts.get(name) ?? 0) + 1;
  counts.set(name, count);
  return count;
}
