/** A BPF object that parses as ELF and BTF but breaks libbpf's object conventions; `offset` is a file offset. */
import { ParseError } from '../errors.js';

export class ObjectError extends ParseError {
  constructor(offset: number, problem: string, hint?: string) {
    super('BPF object', offset, problem, hint ?? 'the object does not follow libbpf\'s conventions; check its SEC() and map definitions');
  }
}
