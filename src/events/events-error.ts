/** Errors of the event readers. */
import { TsbpfError } from '../errors.js';

/**
 * A ring held a record header the reader cannot follow (a length past the ring, a zero-sized perf
 * record): the ring is corrupt or not the kind the reader thinks. `offset` is the record's byte
 * offset in the ring's data area.
 */
export class EventRingError extends TsbpfError {
  readonly offset: number;
  constructor(message: string, offset: number, hint = 'close the reader; the map was probably written by something other than the kernel') {
    super(`${message} at byte ${offset} of the ring`, hint);
    this.offset = offset;
  }
}
