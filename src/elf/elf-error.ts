import { ParseError } from '../errors.js';

/** Malformed or unsupported ELF input; `offset` is the file offset where the problem was found. */
export class ElfError extends ParseError {
  constructor(offset: number, problem: string, hint?: string) {
    super('ELF', offset, problem, hint);
  }
}
