/** Malformed or unusable BTF; `offset` is the byte of the blob where the problem was found. */
import { ParseError } from '../errors.js';

export class BtfError extends ParseError {
  constructor(offset: number, problem: string, hint?: string) {
    super('BTF', offset, problem, hint);
  }
}
