/**
 * The `memlock` line of a program fd's /proc/self/fdinfo, the one fact `prog show` prints that the info
 * struct lacks. A listing opens each program at the lowest free fd number, which is the same number
 * program after program; an fdinfo file describes whatever its fd number holds when it is read, not when
 * it was opened. So the reader keeps one fdinfo file open per fd number for the listing and re-reads it
 * from offset 0 (one syscall instead of open, fstat, read, read, close). The `prog_id` line proves the
 * text is the program asked about; on any mismatch the reader opens the file afresh.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const MEMLOCK = Buffer.from('memlock:\t');
const PROG_ID = Buffer.from('prog_id:\t');
const DIGIT_0 = 0x30;

/** The decimal number after `key` in fdinfo text, or undefined. */
function numberAfter(text: Buffer, length: number, key: Buffer): { digits: string; value: number } | undefined {
  const at = text.indexOf(key);
  if (at < 0 || at >= length) return undefined;
  let end = at + key.length;
  let value = 0;
  while (end < length && text[end]! >= DIGIT_0 && text[end]! <= DIGIT_0 + 9) value = value * 10 + text[end++]! - DIGIT_0;
  const start = at + key.length;
  return end === start ? undefined : { digits: text.toString('latin1', start, end), value };
}

export class ProgramFdinfoReader implements Disposable {
  /** fd number → an open /proc/self/fdinfo/N file. */
  readonly #files = new Map<number, number>();
  readonly #buffer = Buffer.allocUnsafe(4096);

  /** The memlock bytes (as the kernel prints them) of program `id` open at `fd`, or undefined. */
  memlock(fd: number, id: number): string | undefined {
    try {
      const kept = this.#files.get(fd);
      if (kept !== undefined) {
        const found = this.#read(kept, id);
        if (found.matches) return found.memlock;
        this.#files.delete(fd);
        closeSync(kept);
      }
      const file = openSync(`/proc/self/fdinfo/${fd}`, 'r');
      this.#files.set(fd, file);
      return this.#read(file, id).memlock;
    } catch {
      return undefined; // no /proc: the line is left out, as bpftool leaves it out
    }
  }

  #read(file: number, id: number): { matches: boolean; memlock: string | undefined } {
    const length = readSync(file, this.#buffer, 0, this.#buffer.length, 0);
    const programId = numberAfter(this.#buffer, length, PROG_ID);
    return { matches: programId?.value === id, memlock: numberAfter(this.#buffer, length, MEMLOCK)?.digits };
  }

  [Symbol.dispose](): void {
    for (const file of this.#files.values()) closeSync(file);
    this.#files.clear();
  }
}
