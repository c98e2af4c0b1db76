/**
 * Per-CPU values: user space sees one slot per possible CPU, each slot the value rounded up to 8 bytes
 * (the kernel copies values in 8-byte units per CPU).
 */
import { possibleCpuCount } from '../sys/index.js';
import { InvalidArgumentError } from '../errors.js';
import { MapType } from './map-types.js';

const PER_CPU_TYPES: ReadonlySet<number> = new Set([
  MapType.PerCpuHash, MapType.PerCpuArray, MapType.LruPerCpuHash, MapType.PerCpuCgroupStorage,
]);

export function isPerCpuType(type: number): boolean {
  return PER_CPU_TYPES.has(type);
}

export function roundUp8(size: number): number {
  return (size + 7) & ~7;
}

/** Bytes one value of a map occupies in user space. */
export function valueBufferSizeOf(type: number, valueSize: number): number {
  return isPerCpuType(type) ? roundUp8(valueSize) * possibleCpuCount() : valueSize;
}

interface PerCpuShape {
  readonly type: number;
  readonly valueSize: number;
}

/** Splits a per-CPU value into one view per possible CPU (views into `bytes`, no copy). */
export function splitPerCpu(map: PerCpuShape, bytes: Uint8Array): Uint8Array[] {
  if (!isPerCpuType(map.type)) throw new InvalidArgumentError('splitPerCpu needs a per-CPU map');
  const stride = roundUp8(map.valueSize);
  const cpus = possibleCpuCount();
  if (bytes.length !== stride * cpus) {
    throw new InvalidArgumentError(`per-CPU value has ${bytes.length} bytes, expected ${stride * cpus} (${cpus} CPUs x ${stride})`);
  }
  const slots: Uint8Array[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) slots.push(bytes.subarray(cpu * stride, cpu * stride + map.valueSize));
  return slots;
}

/** Joins one value per possible CPU into the buffer layout the kernel expects (padding zeroed). */
export function joinPerCpu(map: PerCpuShape, values: readonly Uint8Array[]): Uint8Array {
  if (!isPerCpuType(map.type)) throw new InvalidArgumentError('joinPerCpu needs a per-CPU map');
  const stride = roundUp8(map.valueSize);
  const cpus = possibleCpuCount();
  if (values.length !== cpus) throw new InvalidArgumentError(`expected ${cpus} per-CPU values (one per possible CPU), got ${values.length}`);
  const joined = new Uint8Array(stride * cpus);
  values.forEach((value, cpu) => {
    if (value.length !== map.valueSize) throw new InvalidArgumentError(`value for CPU ${cpu} has ${value.length} bytes, expected ${map.valueSize}`);
    joined.set(value, cpu * stride);
  });
  return joined;
}
