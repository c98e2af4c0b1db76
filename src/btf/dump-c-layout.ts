/**
 * Sizes and alignments as the C dumper needs them. These follow libbpf's own rules
 * (btf__resolve_size, btf__align_of, btf_is_struct_packed) rather than a general "what would a
 * compiler do": bpftool's output depends on exactly those answers, including their quirks (an
 * over-aligned member makes a struct count as packed; kinds without a size give 0).
 */
import type { BtfRawReads } from './dump-c-raw.js';
import { BtfKind, type BtfSource } from './types.js';

/** Names under which BTF spells `long`; the first such INT gives the pointer size, as in libbpf. */
const LONG_NAMES = new Set([
  'long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long',
  'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned',
]);

/** Guards against reference loops in malformed BTF (libbpf stops at the same depth). */
const MAX_RESOLVE_DEPTH = 32;

/**
 * Pointer size of the target that produced `btf`: the size of its `long`, else 8. `nameIs` lets the
 * dumper compare names as bytes (making no strings, see dump-c-names.ts).
 */
export function pointerSizeOf(
  btf: BtfSource, reads: BtfRawReads, nameIs: (id: number, text: string) => boolean = (id, text) => reads.nameOf(id) === text,
): number {
  for (let id = 1; id < btf.typeCount; id++) {
    // only INTs can answer; the kind alone spares decoding the rest
    if (reads.kindOf(id) !== BtfKind.Int) continue;
    const size = reads.sizeOrTypeOf(id);
    if (size !== 4 && size !== 8) continue;
    for (const name of LONG_NAMES) if (nameIs(id, name)) return size;
  }
  return 8;
}

/** Sizes and alignments, read through BtfRawReads: structs and unions are never decoded into objects. */
export class CLayout {
  /** Memoized alignments, -1 until computed (structs are asked about once per member otherwise). */
  private readonly alignments: Int32Array;

  constructor(btf: BtfSource, private readonly reads: BtfRawReads, readonly pointerSize: number) {
    this.alignments = new Int32Array(btf.typeCount).fill(-1);
  }

  /**
   * Bytes a value of type `id` occupies, or -1 when it has none (void, functions, forward
   * declarations) or the chain is malformed.
   */
  sizeOf(id: number): number {
    const reads = this.reads;
    let elements = 1;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      switch (reads.kindOf(id)) {
        case BtfKind.Int: case BtfKind.Float: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum:
        case BtfKind.Enum64: case BtfKind.Datasec:
          return elements * reads.sizeOrTypeOf(id);
        case BtfKind.Pointer:
          return elements * this.pointerSize;
        case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        case BtfKind.Var:
          id = reads.sizeOrTypeOf(id);
          break;
        case BtfKind.Array: {
          elements *= reads.arrayCountOf(id);
          if (elements > 0xffffffff) return -1;
          id = reads.arrayElementTypeOf(id);
          break;
        }
        default:
          return -1;
      }
    }
    return -1;
  }

  /** Alignment in bytes of type `id`; 0 for kinds that have none. */
  alignOf(id: number): number {
    const known = this.alignments[id]!;
    if (known >= 0) return known;
    const align = this.computeAlign(id);
    this.alignments[id] = align;
    return align;
  }

  private computeAlign(id: number): number {
    const reads = this.reads;
    switch (reads.kindOf(id)) {
      case BtfKind.Int: case BtfKind.Enum: case BtfKind.Enum64: case BtfKind.Float:
        return Math.min(this.pointerSize, reads.sizeOrTypeOf(id));
      case BtfKind.Pointer:
        return this.pointerSize;
      case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        return this.alignOf(reads.sizeOrTypeOf(id));
      case BtfKind.Array:
        return this.alignOf(reads.arrayElementTypeOf(id));
      case BtfKind.Struct: case BtfKind.Union: {
        let max = 1;
        for (let i = 0, n = reads.vlenOf(id); i < n; i++) {
          const align = this.alignOf(reads.entryTypeOf(id, i));
          if (align <= 0) return 0;
          if (align > max) max = align;
          // A member placed off its natural alignment only happens in a packed struct.
          if (reads.memberBitfieldSizeOf(id, i) === 0 && reads.memberBitOffsetOf(id, i) % (8 * align) !== 0) return 1;
        }
        return reads.sizeOrTypeOf(id) % max !== 0 ? 1 : max;
      }
      default:
        return 0;
    }
  }

  /**
   * Whether struct `id`'s layout can only come from `__attribute__((packed))`: some plain member sits
   * off its natural alignment, or the size isn't a multiple of the largest member alignment.
   */
  isPacked(id: number): boolean {
    const reads = this.reads;
    let max = 1;
    for (let i = 0, n = reads.vlenOf(id); i < n; i++) {
      const align = this.alignOf(reads.entryTypeOf(id, i));
      if (align !== 0 && reads.memberBitfieldSizeOf(id, i) === 0 && reads.memberBitOffsetOf(id, i) % (8 * align) !== 0) return true;
      if (align > max) max = align;
    }
    return reads.sizeOrTypeOf(id) % max !== 0;
  }
}
