/** Event readers: BPF ring buffers, user ring buffers and perf buffers, read from user space. */
export { RingBufferReader, type RingBufferStats } from './ring-buffer-reader.js';
export { UserRingBufferProducer, type UserRingBufferSample } from './user-ring-buffer.js';
export { PerfBufferReader, type PerfBufferOptions, type PerfBufferStats } from './perf-buffer-reader.js';
export { EventRecord, type EventCallback } from './event-record.js';
export { EventRingError } from './events-error.js';
