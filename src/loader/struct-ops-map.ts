/**
 * Creating a struct_ops map (BPF_MAP_TYPE_STRUCT_OPS): key 4 bytes, one entry, the value the kernel's
 * `struct bpf_struct_ops_<name>` (btf_vmlinux_value_type_id), the object's BTF fd alongside (the kernel
 * wants one), BPF_F_LINK for `.struct_ops.link`. Nothing is written at load: the value, built once the
 * programs are loaded, is kept here for `attachStructOps`, which registers it (as libbpf does at attach).
 */
import { BpfError, Errno, NotSupportedError } from '../errors.js';
import { explainCreateError } from '../maps/map-create.js';
import { BpfMap } from '../maps/map.js';
import type { ObjectMapSpec } from '../object/object-maps.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { kernelBtf } from './kernel-btf.js';
import { kernelStructOps, StructOpsError } from './struct-ops-value.js';

/** What attaching a struct_ops map needs: its value in the kernel's layout and its flavour. */
export interface StructOpsState {
  /** The struct_ops variable's name. */
  name: string;
  /** The kernel struct it implements (`tcp_congestion_ops`). */
  typeName: string;
  /** `.struct_ops.link`: attached through BPF_LINK_CREATE rather than registered by the update alone. */
  link: boolean;
  /** The map's value; empty until the object's programs are loaded. */
  value: Uint8Array;
}

const states = new WeakMap<BpfMap, StructOpsState>();

/** The struct_ops state of a map the object loader created (undefined for any other map). */
export function structOpsState(map: BpfMap): StructOpsState | undefined {
  return states.get(map);
}

export function setStructOpsValue(map: BpfMap, value: Uint8Array): void {
  const state = states.get(map);
  if (state) state.value = value;
}

export function createStructOpsMap(spec: ObjectMapSpec, btfFd: number | undefined): BpfMap {
  const structOps = spec.structOps!;
  if (btfFd === undefined) {
    throw new StructOpsError(structOps.variable, 'the object\'s BTF did not load, and the kernel creates a struct_ops map only with one', 'compile with clang -g');
  }
  const kernelStruct = kernelStructOps(kernelBtf(), structOps);
  let fd: number;
  try {
    fd = bpf.mapCreate({
      type: spec.type, keySize: 4, valueSize: kernelStruct.wrapperSize, maxEntries: 1, flags: spec.flags, name: spec.name,
      btfFd, btfVmlinuxValueTypeId: kernelStruct.wrapperId,
    });
  } catch (error) {
    // before 6.4 a kernel refuses BPF_F_LINK on a struct_ops map with EINVAL
    if (structOps.link && error instanceof BpfError && error.errno === Errno.EINVAL) {
      throw new NotSupportedError(`struct_ops map '${structOps.variable}' in ${structOps.section}`, 'BPF_MAP_CREATE refused BPF_F_LINK: struct_ops links need Linux 6.4 or later',
        'put the variable in SEC(".struct_ops") on this kernel');
    }
    throw explainCreateError(error, spec.type);
  }
  const map = BpfMap.fromFd(new FileDescriptor(fd, `struct_ops map ${spec.name}`));
  states.set(map, { name: structOps.variable, typeName: structOps.typeName, link: structOps.link, value: new Uint8Array(0) });
  return map;
}
