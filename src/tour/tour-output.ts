/**
 * How the tour prints: a numbered heading per step, one or two plain sentences saying what the learner
 * is looking at, then the commands' own output under the `$ tsbpf ...` line that prints the same
 * thing, byte for byte, so what the tour shows can be run again by hand.
 */
import { TourOutputClosedError } from './tour-errors.js';

export interface TourStepHeading {
  number: number;
  total: number;
  title: string;
}

const RULE_WIDTH = 78;

/** `== Step 2/7: Load: the bpf syscall and the verifier ====...` */
export function headingText(heading: TourStepHeading): string {
  const text = `== Step ${heading.number}/${heading.total}: ${heading.title} `;
  return `${text}${'='.repeat(Math.max(2, RULE_WIDTH - text.length))}\n`;
}

/** Wraps prose to the rule's width; a paragraph per string. */
export function explanationText(paragraphs: readonly string[]): string {
  return paragraphs.map((paragraph) => `${wrap(paragraph, RULE_WIDTH)}\n`).join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** The command a learner would type to print what follows. */
export function commandText(command: string): string {
  return `$ ${command}\n`;
}

/** Where the tour writes; the CLI gives stdout. */
export type TourWriter = (text: string) => void;

/**
 * A writer to stdout that stops the tour (by throwing, so what it loaded is closed on the way out) once
 * stdout fails, e.g. `tsbpf tour | head` closing the pipe, instead of an unhandled EPIPE stack trace.
 */
export function stdoutWriter(stream: NodeJS.WriteStream = process.stdout): { write: TourWriter; [Symbol.dispose](): void } {
  let failure: NodeJS.ErrnoException | undefined;
  const onError = (error: NodeJS.ErrnoException) => { failure ??= error; };
  stream.on('error', onError);
  return {
    write(text) {
      if (failure) throw new TourOutputClosedError(failure.code ?? 'error');
      stream.write(text);
    },
    [Symbol.dispose]() {
      if (!failure) stream.removeListener('error', onError);
      // after a failure the listener stays, so later writes by others fail quietly rather than crash
    },
  };
}
