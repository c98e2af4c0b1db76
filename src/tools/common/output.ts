/**
 * Tool output: lines gathered into one string and written in batches (a write per event would cost more
 * than decoding it), plus the few printf shapes the tools share.
 */
const FLUSH_AT = 64 * 1024;

export class ToolOutput {
  #pending = '';
  readonly #sink: (text: string) => void;

  constructor(sink: (text: string) => void) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= FLUSH_AT) this.flush();
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** One JSON object per line (bigints as numbers when they fit, else as strings). */
  json(value: unknown): void {
    this.write(`${JSON.stringify(value, jsonReplacer)}\n`);
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending;
    this.#pending = '';
    this.#sink(text);
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** strftime's `%H:%M:%S` in local time. */
export function clockTime(date = new Date()): string {
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** printf `%-Ns`. */
export function left(value: string | number, width: number): string {
  return String(value).padEnd(width);
}

/** printf `%Ns`. */
export function right(value: string | number, width: number): string {
  return String(value).padStart(width);
}
