import { ParseError } from '../errors.js';

/** Malformed .BTF.ext; `offset` is the byte inside the .BTF.ext section where the problem was found. */
export class BtfExtError extends ParseError {
  constructor(offset: number, problem: string, hint?: string) {
    super('.BTF.ext', offset, problem, hint);
  }
}
