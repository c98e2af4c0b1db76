/** Maps: live kernel maps, their specs and defaults, batch cursors, per-CPU helpers and codecs. */
export { BpfMap, UpdateFlag } from './map.js';
export { MapElement } from './map-element.js';
export type { MapSpec, MapHandle } from './map-spec.js';
export { MapBatchCursor, type BatchOptions } from './batch.js';
export { defaultSpecFor, CGROUP_STORAGE_KEY_SIZE } from './map-defaults.js';
export { splitPerCpu, joinPerCpu, isPerCpuType, valueBufferSizeOf } from './per-cpu.js';
export { ensureBpffs, isBpffsMounted, unpin, DEFAULT_BPFFS } from './pin.js';
export { TypedMap, type TypedMapCodecs, type ByteMap } from './typed-map.js';
export { MapType, mapTypeName, mapTypeByName, ALL_MAP_TYPES } from './map-types.js';
export * as codecs from './codecs.js';
export type { Codec, CodecValue, StructCodec } from './codecs.js';
