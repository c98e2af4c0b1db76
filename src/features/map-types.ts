/**
 * haveMapType: does the kernel create a map of this type? The map is created the way the maps layer
 * creates every map (defaultSpecFor: the attributes each type must have, an inner map template for
 * map-in-map, BTF for the local-storage maps), so a "yes" here means BpfMap.create works too. struct_ops
 * is the exception: without a kernel struct to implement it can't be created, and a kernel that knows
 * the type answers a bogus vmlinux value type with ENOTSUPP (libbpf's rule).
 */
import { bpf, closeRawFd } from '../sys/index.js';
import { BpfError, Errno, errnoName } from '../errors.js';
import { ALL_MAP_TYPES, mapTypeName, MapType } from '../maps/map-types.js';
import { defaultSpecFor } from '../maps/map-defaults.js';
import { createMapFd } from '../maps/map-create.js';
import { probeCounters } from './probe-load.js';
import { ProbeCache, requireFeature, SUPPORTED, unsupported, type FeatureResult } from './result.js';

/** Creates and closes the map; returns 0 or -errno. */
function createOnce(type: MapType): number {
  probeCounters.mapCreates++;
  try {
    if (type === MapType.StructOps) {
      closeRawFd(bpf.mapCreate({ type, keySize: 4, valueSize: 4, maxEntries: 1, btfVmlinuxValueTypeId: 1 }));
    } else {
      createMapFd(defaultSpecFor(type)).close();
    }
    return 0;
  } catch (error) {
    if (error instanceof BpfError) return -error.errno;
    throw error;
  }
}

function probeMapType(type: MapType): FeatureResult {
  if (!ALL_MAP_TYPES.includes(type)) return unsupported(`map type ${type} is newer than this tsbpf, which can't tell what attributes it needs`);
  const result = createOnce(type);
  const name = mapTypeName(type);
  if (type === MapType.StructOps) {
    return result === -Errno.ENOTSUPP ? SUPPORTED
      : unsupported(`${name}: a kernel with this type answers ENOTSUPP to the probe, this one answered ${result === 0 ? 'with a map' : errnoName(-result)}`);
  }
  if (result === 0) return SUPPORTED;
  if (result === -Errno.EINVAL) return unsupported(`${name} maps refused with EINVAL: the kernel doesn't know the type or rejects its attributes`);
  return unsupported(`${name} maps refused: ${errnoName(-result)}`);
}

const cache = new ProbeCache<MapType, FeatureResult>(probeMapType);

/** Whether the kernel creates maps of `type`. */
export function haveMapType(type: MapType): FeatureResult {
  return cache.get(type);
}

/** Throws NotSupportedError when the kernel lacks map type `type`. */
export function requireMapType(type: MapType): void {
  requireFeature(`${mapTypeName(type)} maps`, haveMapType(type));
}
