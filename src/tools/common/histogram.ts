/**
 * Histograms printed the way libbpf-tools prints them (trace_helpers.c's print_log2_hist and
 * print_linear_hist), so runqlat's and biolatency's output reads and diffs like theirs: the same column
 * widths, the `low -> high : count distribution` layout, a 40-star bar scaled to the fullest bucket, and
 * the wide layout (20-digit columns, 20-star bar) once a log2 histogram reaches past bucket 32.
 */

/** One log2 bucket: values from `low` to `high` (inclusive) were seen `count` times. */
export interface Log2Bucket {
  low: number;
  high: number;
  count: number;
}

const STARS_MAX = 40;

/**
 * print_stars: `count` scaled to `width` stars against `max`, padded with spaces to `width`, and a `+`
 * after the bar when `count` is beyond `max` (the bar is capped at full width).
 */
export function starBar(count: number, max: number, width: number): string {
  const stars = max > 0 ? Math.floor((Math.min(count, max) * width) / max) : 0;
  return `${'*'.repeat(stars)}${' '.repeat(width - stars)}${count > max ? '+' : ''}`;
}

/** The index of the last non-empty slot, or -1 when every slot is empty. */
function lastUsed(slots: ArrayLike<number>): number {
  for (let i = slots.length - 1; i >= 0; i--) if (slots[i]! > 0) return i;
  return -1;
}

function largest(slots: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < slots.length; i++) if (slots[i]! > max) max = slots[i]!;
  return max;
}

/** Slot i holds values in [2^i, 2^(i+1) - 1]; slot 0 holds 0 and 1 (log2 of both is 0). */
function log2Range(slot: number): { low: bigint; high: bigint } {
  const high = (1n << BigInt(slot + 1)) - 1n;
  const low = (1n << BigInt(slot + 1)) >> 1n;
  return { low: low === high ? low - 1n : low, high };
}

/** The buckets up to the last non-empty one (what the printed histogram shows), for JSON output. */
export function log2Buckets(slots: ArrayLike<number>): Log2Bucket[] {
  const buckets: Log2Bucket[] = [];
  const last = lastUsed(slots);
  for (let i = 0; i <= last; i++) {
    const { low, high } = log2Range(i);
    buckets.push({ low: Number(low), high: Number(high), count: slots[i]! });
  }
  return buckets;
}

/**
 * print_log2_hist: the header `     usecs               : count    distribution`, then one line per slot
 * up to the last non-empty one. Empty when every slot is empty (libbpf-tools prints nothing then).
 */
export function formatLog2Histogram(slots: ArrayLike<number>, unit: string): string {
  const last = lastUsed(slots);
  if (last < 0) return '';
  const max = largest(slots);
  const narrow = last <= 32;
  const width = narrow ? 10 : 20;
  const stars = narrow ? STARS_MAX : STARS_MAX / 2;
  const lines = [`${''.padStart(narrow ? 5 : 15)}${unit.padEnd(narrow ? 19 : 29)} : count    distribution`];
  for (let i = 0; i <= last; i++) {
    const { low, high } = log2Range(i);
    const count = slots[i]!;
    lines.push(`${String(low).padStart(width)} -> ${String(high).padEnd(width)} : ${String(count).padEnd(8)} |${starBar(count, max, stars)}|`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * print_linear_hist: slot i stands for the value `base + i * step`; only non-empty slots are printed,
 * from the first non-empty one to the last. Empty when every slot is empty.
 */
export function formatLinearHistogram(slots: ArrayLike<number>, base: number, step: number, unit: string): string {
  const last = lastUsed(slots);
  if (last < 0) return '';
  const max = largest(slots);
  const lines = [`     ${unit.padEnd(13)} : count     distribution`];
  for (let i = 0; i <= last; i++) {
    const count = slots[i]!;
    if (count === 0) continue;
    lines.push(`        ${String(base + i * step).padEnd(10)} : ${String(count).padEnd(8)} |${starBar(count, max, STARS_MAX)}|`);
  }
  return `${lines.join('\n')}\n`;
}
