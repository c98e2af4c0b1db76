/**
 * Sizes and alignments as the C dumper needs them. These follow libbpf's own rules
 * (btf__resolve_size, btf__align_of, btf_is_struct_packed) rather than a general "what would a
 * compiler do": bpftool's output depends on exactly those answers, including their quirks (an
 * over-aligned member makes a struct count as packed; kinds without a size give 0).
 */
import { BtfDumpError, MAX_DUMP_DEPTH } from './dump-c-error.js';
import type { FlatBtf } from './dump-c-flat.js';
import { BtfKind } from './types.js';

/** Names under which BTF spells `long`; the first such INT gives the pointer size, as in libbpf. */
const LONG_NAMES = [
  'long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long',
  'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned',
];

/** Guards against reference loops in malformed BTF (libbpf's btf__resolve_size stops at the same depth). */
const MAX_RESOLVE_DEPTH = 32;

/** Pointer size of the target that produced `flat`: the size of its `long`, else 8. */
export function pointerSizeOf(flat: FlatBtf): number {
  const { count, words, at, names } = flat;
  for (let id = 1; id < count; id++) {
    // only INTs can answer
    const r = at[id]!;
    if (((words[r + 1]! >>> 24) & 0x1f) !== BtfKind.Int) continue;
    const size = words[r + 2]!;
    if (size !== 4 && size !== 8) continue;
    const name = words[r]!;
    // every spelling starts with 'l', 'i' or 'u'; most ints don't
    const first = names[name];
    if (first !== 0x6c && first !== 0x69 && first !== 0x75) continue;
    for (const candidate of LONG_NAMES) if (nameIs(names, name, candidate)) return size;
  }
  return 8;
}

function nameIs(names: Uint8Array, offset: number, text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) if (names[offset + i] !== text.charCodeAt(i)) return false;
  return names[offset + n] === 0;
}

/** An alignment being computed: meeting it again means the type contains itself. */
const COMPUTING = -2;

/** Sizes and alignments, read from the flat records. */
export class CLayout {
  /** Memoized alignments, -1 until computed, COMPUTING meanwhile (structs are asked about once per member otherwise). */
  private readonly alignments: Int32Array;
  private readonly words: Int32Array;
  private readonly at: Int32Array;

  constructor(flat: FlatBtf, readonly pointerSize: number) {
    this.alignments = new Int32Array(flat.count).fill(-1);
    this.words = flat.words;
    this.at = flat.at;
  }

  /**
   * Bytes a value of type `id` occupies, or -1 when it has none (void, functions, forward
   * declarations) or the chain is malformed.
   */
  sizeOf(id: number): number {
    const words = this.words;
    const at = this.at;
    let elements = 1;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const r = at[id]!;
      switch ((words[r + 1]! >>> 24) & 0x1f) {
        case BtfKind.Int: case BtfKind.Float: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum:
        case BtfKind.Enum64: case BtfKind.Datasec:
          return sizeTimes(elements, words[r + 2]! >>> 0);
        case BtfKind.Pointer:
          return sizeTimes(elements, this.pointerSize);
        case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        case BtfKind.Var: case BtfKind.DeclTag:
          id = words[r + 2]!;
          break;
        case BtfKind.Array: {
          elements *= words[r + 5]! >>> 0;
          if (elements > 0xffffffff) return -1;
          id = words[r + 3]!;
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
    return known >= 0 ? known : this.alignAt(id, 0);
  }

  /**
   * alignOf `depth` levels down a chain of members, elements and typedef targets: libbpf recurses
   * without a limit (a loop overflows its stack), this throws a BtfDumpError naming the type.
   */
  private alignAt(id: number, depth: number): number {
    const known = this.alignments[id]!;
    if (known >= 0) return known;
    if (known === COMPUTING) throw new BtfDumpError(id, 'it contains itself (a loop of members, elements or typedefs)');
    if (depth > MAX_DUMP_DEPTH) throw new BtfDumpError(id, `its members nest more than ${MAX_DUMP_DEPTH} deep`);
    this.alignments[id] = COMPUTING;
    const align = this.computeAlign(id, depth + 1);
    this.alignments[id] = align;
    return align;
  }

  private computeAlign(id: number, depth: number): number {
    const words = this.words;
    const r = this.at[id]!;
    const info = words[r + 1]!;
    switch ((info >>> 24) & 0x1f) {
      case BtfKind.Int: case BtfKind.Enum: case BtfKind.Enum64: case BtfKind.Float:
        return Math.min(this.pointerSize, words[r + 2]! >>> 0);
      case BtfKind.Pointer:
        return this.pointerSize;
      case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        return this.alignAt(words[r + 2]!, depth);
      case BtfKind.Array:
        return this.alignAt(words[r + 3]!, depth);
      case BtfKind.Struct: case BtfKind.Union: {
        let max = 1;
        const bitfields = info < 0;
        for (let e = r + 3, end = e + (info & 0xffff) * 3; e < end; e += 3) {
          const align = this.alignAt(words[e + 1]!, depth);
          if (align <= 0) return 0;
          if (align > max) max = align;
          // A member placed off its natural alignment only happens in a packed struct.
          const offset = words[e + 2]! >>> 0;
          if ((!bitfields || offset >>> 24 === 0) && (bitfields ? offset & 0xffffff : offset) % (8 * align) !== 0) return 1;
        }
        return (words[r + 2]! >>> 0) % max !== 0 ? 1 : max;
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
    const words = this.words;
    const r = this.at[id]!;
    const info = words[r + 1]!;
    const bitfields = info < 0;
    let max = 1;
    for (let e = r + 3, end = e + (info & 0xffff) * 3; e < end; e += 3) {
      const align = this.alignOf(words[e + 1]!);
      const offset = words[e + 2]! >>> 0;
      if (align !== 0 && (!bitfields || offset >>> 24 === 0) && (bitfields ? offset & 0xffffff : offset) % (8 * align) !== 0) return true;
      if (align > max) max = align;
    }
    return (words[r + 2]! >>> 0) % max !== 0;
  }
}

/** elements × size, or -1 past 4 GiB (btf__resolve_size's -E2BIG, which the dumper reads as no size). */
function sizeTimes(elements: number, size: number): number {
  const total = elements * size;
  return total > 0xffffffff ? -1 : total;
}
