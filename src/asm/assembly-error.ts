import { TsbpfError } from '../errors.js';

/** A program written with ProgramBuilder can't be assembled: an unknown or duplicate label, a jump out of reach, an unknown helper. */
export class AssemblyError extends TsbpfError {
  constructor(message: string, hint = 'fix the program as written with ProgramBuilder') {
    super(message, hint);
  }
}
