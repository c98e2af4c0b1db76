/**
 * Sizes and alignments as the C dumper needs them. These follow libbpf's own rules
 * (btf__resolve_size, btf__align_of, btf_is_struct_packed) rather than a general "what would a
 * compiler do": bpftool's output depends on exactly those answers, including their quirks (an
 * over-aligned member makes a struct count as packed; kinds without a size give 0).
 */
import type { BtfRawReads } from './dump-c-raw.js';
import { BtfKind, type BtfSource, type CompositeType } from './types.js';

/** Names under which BTF spells `long`; the first such INT gives the pointer size, as in libbpf. */
const LONG_NAMES = new Set([
  'long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long',
  'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned',
]);

/** Guards against reference loops in malformed BTF (libbpf stops at the same depth). */
const MAX_RESOLVE_DEPTH = 32;

/** Pointer size of the target that produced `btf`: the size of its `long`, else 8. */
export function pointerSizeOf(btf: BtfSource, raw?: BtfRawReads): number {
  for (let id = 1; id < btf.typeCount; id++) {
    // only INTs can answer; the kind alone spares decoding the rest
    if (raw && raw.kindOf(id) !== BtfKind.Int) continue;
    const t = btf.type(id);
    if (t.kind === BtfKind.Int && (t.size === 4 || t.size === 8) && LONG_NAMES.has(t.name)) return t.size;
  }
  return 8;
}

export class CLayout {
  /** Memoized alignments, -1 until computed (structs are asked about once per member otherwise). */
  private readonly alignments: Int32Array;

  constructor(private readonly btf: BtfSource, readonly pointerSize: number) {
    this.alignments = new Int32Array(btf.typeCount).fill(-1);
  }

  /**
   * Bytes a value of type `id` occupies, or -1 when it has none (void, functions, forward
   * declarations) or the chain is malformed.
   */
  sizeOf(id: number): number {
    let elements = 1;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const t = this.btf.type(id);
      switch (t.kind) {
        case BtfKind.Int: case BtfKind.Float: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum:
        case BtfKind.Enum64: case BtfKind.Datasec:
          return elements * t.size;
        case BtfKind.Pointer:
          return elements * this.pointerSize;
        case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
          id = t.target;
          break;
        case BtfKind.Var:
          id = t.type;
          break;
        case BtfKind.Array:
          elements *= t.count;
          if (elements > 0xffffffff) return -1;
          id = t.elementType;
          break;
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
    const t = this.btf.type(id);
    switch (t.kind) {
      case BtfKind.Int: case BtfKind.Enum: case BtfKind.Enum64: case BtfKind.Float:
        return Math.min(this.pointerSize, t.size);
      case BtfKind.Pointer:
        return this.pointerSize;
      case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        return this.alignOf(t.target);
      case BtfKind.Array:
        return this.alignOf(t.elementType);
      case BtfKind.Struct: case BtfKind.Union: {
        let max = 1;
        for (const member of t.members) {
          const align = this.alignOf(member.type);
          if (align <= 0) return 0;
          if (align > max) max = align;
          // A member placed off its natural alignment only happens in a packed struct.
          if (member.bitfieldSize === 0 && member.bitOffset % (8 * align) !== 0) return 1;
        }
        return t.size % max !== 0 ? 1 : max;
      }
      default:
        return 0;
    }
  }

  /**
   * Whether the struct's layout can only come from `__attribute__((packed))`: some plain member sits
   * off its natural alignment, or the size isn't a multiple of the largest member alignment.
   */
  isPacked(t: CompositeType): boolean {
    let max = 1;
    for (const member of t.members) {
      const align = this.alignOf(member.type);
      if (align !== 0 && member.bitfieldSize === 0 && member.bitOffset % (8 * align) !== 0) return true;
      if (align > max) max = align;
    }
    return t.size % max !== 0;
  }
}
