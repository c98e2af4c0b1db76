/**
 * Explicit padding between struct members, as libbpf's C dumper writes it: anonymous bitfields
 * (`long: 64;`, `int: 0;`, ...) that make a compiler reproduce the original member offsets. The
 * rules decide both whether padding is needed at all (often the compiler's own alignment closes
 * the gap) and which filler types are used, so the output matches bpftool's line for line.
 */

import type { ByteWriter } from './dump-c-writer.js';

interface Filler { readonly name: string; readonly bits: number }

export class PaddingWriter {
  /** Widest first: the filler that can reach an aligned boundary is the widest that fits. */
  private readonly fillers: readonly Filler[];

  constructor(pointerSize: number) {
    this.fillers = [
      { name: 'long', bits: pointerSize * 8 }, { name: 'int', bits: 32 }, { name: 'short', bits: 16 }, { name: 'char', bits: 8 },
    ];
  }

  /**
   * Appends to `out` the lines that move from bit `from` to bit `to`, where the next member wants
   * `nextAlign` bytes of alignment and lines are indented by `indent` tabs; `inBitfield` when both sides of the gap are bitfields, where
   * the compiler would pack into the same unit unless told otherwise.
   */
  write(out: ByteWriter, from: number, to: number, nextAlign: number, inBitfield: boolean, indent: number): void {
    if (from >= to) return;
    const fillers = this.fillers;
    let filler = fillers[0]!;
    let boundary = 0;
    // The widest filler whose next aligned boundary doesn't overshoot the target.
    for (const candidate of fillers) {
      filler = candidate;
      boundary = roundUp(from, candidate.bits);
      if (boundary <= to) break;
    }
    let at = from;
    if (boundary > at && boundary <= to) {
      // A zero-width (or, between bitfields, exact-width) filler is only needed when the compiler
      // would not land on `boundary` by itself: the next member is less aligned than the filler,
      // or whole fillers would fit in the gap left before the boundary and be absorbed.
      const needMarker = inBitfield
        || (boundary === to && roundUp(at, nextAlign * 8) !== boundary)
        || (boundary !== to && to - boundary <= boundary - at);
      if (needMarker) line(out, indent, filler.name, inBitfield ? boundary - at : 0);
      at = boundary;
    }
    let bits = filler.bits;
    while (at !== to) {
      const gap = Math.min(to - at, bits);
      if (gap === bits) {
        line(out, indent, filler.name, bits);
        at += gap;
        continue;
      }
      // The remainder uses the narrowest filler that holds it: it says how small the gap is.
      for (let i = fillers.length - 1; i >= 0; i--) {
        const small = fillers[i]!;
        filler = small;
        bits = small.bits;
        if (bits < gap) continue;
        line(out, indent, small.name, gap);
        at += gap;
        break;
      }
    }
  }
}

/** `\n<indent><type>: <bits>;` */
function line(out: ByteWriter, indent: number, type: string, bits: number): void {
  out.newlineIndent(indent);
  out.text(type);
  out.byte(58); // ':'
  out.byte(32);
  out.unsigned(bits);
  out.byte(59); // ';'
}

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}
