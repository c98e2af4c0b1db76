/**
 * BPF_MAP_CREATE from a MapSpec: validation before the kernel, the per-type attributes the kernel
 * needs (inner map template, storage BTF, perf_event_array size), and errors that say which.
 */
import { bpf, FileDescriptor, possibleCpuCount } from '../sys/index.js';
import { BpfError, Errno, InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { MapHandle, MapSpec } from './map-spec.js';
import { ALL_MAP_TYPES, MapType, mapTypeName } from './map-types.js';
import { loadStorageBtf } from './storage-btf.js';

const STORAGE_TYPES: ReadonlySet<number> = new Set([MapType.SkStorage, MapType.InodeStorage, MapType.TaskStorage, MapType.CgrpStorage]);
const U32_MAX = 0xffff_ffff;

function isHandle(inner: MapHandle | MapSpec): inner is MapHandle {
  return 'fd' in inner;
}

function checkU32(spec: MapSpec, field: 'keySize' | 'valueSize' | 'maxEntries'): void {
  const value = spec[field];
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new InvalidArgumentError(`${field} must be an integer from 0 to ${U32_MAX}, got ${String(value)}`);
  }
}

/** Creates the map and returns its fd. */
export function createMapFd(spec: MapSpec): FileDescriptor {
  if (!ALL_MAP_TYPES.includes(spec.type)) {
    throw new InvalidArgumentError(`unknown map type ${String(spec.type)}`, `use a MapType constant (${ALL_MAP_TYPES.length} types known)`);
  }
  if (spec.type === MapType.StructOps) {
    throw new NotSupportedError('creating a struct_ops map on its own',
      'a struct_ops map needs the BTF value type of a kernel struct (btf_vmlinux_value_type_id) and its programs, which only the object loader supplies',
      'load it from an object file with its struct_ops programs');
  }
  checkU32(spec, 'keySize');
  checkU32(spec, 'valueSize');
  checkU32(spec, 'maxEntries');
  const maxEntries = spec.type === MapType.PerfEventArray && spec.maxEntries === 0 ? possibleCpuCount() : spec.maxEntries;

  const closeAfter: FileDescriptor[] = [];
  try {
    let innerMapFd = 0;
    if (spec.innerMap) {
      if (spec.type !== MapType.ArrayOfMaps && spec.type !== MapType.HashOfMaps) {
        throw new InvalidArgumentError(`innerMap is only for array_of_maps and hash_of_maps, not ${mapTypeName(spec.type)}`);
      }
      if (isHandle(spec.innerMap)) {
        innerMapFd = spec.innerMap.fd.value;
      } else {
        // The kernel copies the template's shape; the template itself is not needed afterwards.
        const template = createMapFd(spec.innerMap);
        closeAfter.push(template);
        innerMapFd = template.value;
      }
    } else if (spec.type === MapType.ArrayOfMaps || spec.type === MapType.HashOfMaps) {
      throw new InvalidArgumentError(`${mapTypeName(spec.type)} needs innerMap (a map or a spec of the maps it will hold)`);
    }

    let { btfFd, btfKeyTypeId, btfValueTypeId } = spec;
    if (STORAGE_TYPES.has(spec.type) && btfFd === undefined) {
      const btf = loadStorageBtf(spec.valueSize);
      closeAfter.push(btf.fd);
      btfFd = btf.fd.value;
      btfKeyTypeId = btf.keyTypeId;
      btfValueTypeId = btf.valueTypeId;
    }

    let fd: number;
    try {
      fd = bpf.mapCreate({
        type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries, flags: spec.flags ?? 0,
        innerMapFd, numaNode: spec.numaNode ?? 0, name: spec.name ?? '', ifindex: spec.ifindex ?? 0,
        btfFd: btfFd ?? 0, btfKeyTypeId: btfKeyTypeId ?? 0, btfValueTypeId: btfValueTypeId ?? 0, mapExtra: spec.mapExtra ?? 0n,
      });
    } catch (error) {
      throw explainCreateError(error, spec.type);
    }
    return new FileDescriptor(fd, `${mapTypeName(spec.type)} map`);
  } finally {
    for (const fd of closeAfter) fd.close();
  }
}

/** Adds what the kernel can't say: EINVAL on create is also how a kernel without the map type answers. */
export function explainCreateError(error: unknown, type: number): unknown {
  if (!(error instanceof BpfError)) return error;
  const name = mapTypeName(type);
  if (error.errno === Errno.EINVAL) {
    return new BpfError('MAP_CREATE', error.errno,
      `this kernel doesn't have the ${name} map type, or refused its attributes: check key_size, value_size, max_entries and map_flags for a ${name} map (defaultSpecFor(type) gives a working set)`,
      `creating a ${name} map`);
  }
  return new BpfError('MAP_CREATE', error.errno, error.hint, `creating a ${name} map`);
}
