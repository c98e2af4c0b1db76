/**
 * An extern (.kconfig value, __ksym variable or kfunc) that can't be read or resolved the way libbpf
 * would: `extern` names it, and the message says what was wrong with which value.
 */
import { TsbpfError } from '../errors.js';

export class ExternError extends TsbpfError {
  /** The extern's name ('' when the problem is not about one extern). */
  readonly extern: string;
  constructor(extern: string, problem: string, hint = '') {
    super(extern ? `extern '${extern}': ${problem}` : problem, hint);
    this.extern = extern;
  }
}
