/**
 * A struct_ops map against the running kernel's BTF (libbpf's bpf_map__init_kern_struct_ops, read for
 * the facts): the kernel struct the object implements (`tcp_congestion_ops`), the wrapper the map's
 * value is (`struct bpf_struct_ops_tcp_congestion_ops`, whose `data` member holds the struct), the
 * attach point of each program (the struct's id and the member's index), and the value itself: the
 * object's members copied by NAME into the kernel's layout, which may differ from the one the object
 * was compiled against, with program fds in the function-pointer members. No kernel access here.
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind, type CompositeType } from '../btf/types.js';
import { TsbpfError } from '../errors.js';
import type { ObjectMapSpec } from '../object/object-maps.js';
import type { ObjectProgramSpec, ObjectSpec } from '../object/object-spec.js';
import type { StructOpsSpec } from '../object/struct-ops.js';
import { ProgramTypeId } from '../sys/abi.js';

/** A struct_ops map the kernel cannot take: a struct it lacks, a member it lacks or lays out otherwise. */
export class StructOpsError extends TsbpfError {
  /** The map (the struct_ops variable's name). */
  readonly map: string;
  constructor(map: string, problem: string, hint: string) {
    super(`struct_ops map '${map}': ${problem}`, hint);
    this.map = map;
  }
}

const WRAPPER_PREFIX = 'bpf_struct_ops_';
const POINTER_SIZE = 8;

/** Where a struct_ops map's struct lives in the kernel. */
export interface KernelStructOps {
  typeName: string;
  /** The struct's id in vmlinux BTF: every program of the map loads with it as attach_btf_id. */
  typeId: number;
  type: CompositeType;
  /** `struct bpf_struct_ops_<name>`: the map's value type (btf_vmlinux_value_type_id) and size. */
  wrapperId: number;
  wrapperSize: number;
  /** Offset of the wrapper's `data` member: where the struct starts in the value. */
  dataOffset: number;
}

/** Finds the struct and its wrapper in kernel BTF; StructOpsError when this kernel has no such struct_ops. */
export function kernelStructOps(kernel: Btf, spec: StructOpsSpec): KernelStructOps {
  const type = kernel.findByName(spec.typeName, BtfKind.Struct)[0] as CompositeType | undefined;
  const wrapper = kernel.findByName(`${WRAPPER_PREFIX}${spec.typeName}`, BtfKind.Struct)[0] as CompositeType | undefined;
  if (!type || !wrapper) {
    const missing = !type ? `struct ${spec.typeName}` : `struct ${WRAPPER_PREFIX}${spec.typeName}`;
    throw new StructOpsError(spec.variable, `the kernel's BTF has no ${missing}, so this kernel has no struct_ops of type ${spec.typeName}`,
      `check the struct's name, and that this kernel (or a loaded module; tsbpf looks only in vmlinux) registers ${spec.typeName} as a struct_ops type`);
  }
  const data = wrapper.members.find((member) => member.name === 'data');
  if (!data || kernel.resolve(data.type) !== type.id) {
    throw new StructOpsError(spec.variable, `struct ${WRAPPER_PREFIX}${spec.typeName} has no member 'data' of type struct ${spec.typeName}`, 'this kernel lays out struct_ops values in a way tsbpf does not know; report it');
  }
  return { typeName: spec.typeName, typeId: type.id, type, wrapperId: wrapper.id, wrapperSize: wrapper.size, dataOffset: data.bitOffset / 8 };
}

/** A program's attach point: the struct's id and the index of the member it implements. */
export interface StructOpsAttachPoint {
  typeId: number;
  memberIndex: number;
}

function memberIndex(kernelStruct: KernelStructOps, name: string): number {
  return kernelStruct.type.members.findIndex((member) => member.name === name);
}

/**
 * The attach point of every struct_ops program some map binds, by program name. A program bound to
 * members of different index or struct can't load once for both (libbpf refuses it too).
 */
export function structOpsAttachPoints(maps: readonly ObjectMapSpec[], kernelOf: (spec: StructOpsSpec) => KernelStructOps): Map<string, StructOpsAttachPoint> {
  const points = new Map<string, StructOpsAttachPoint>();
  for (const map of maps) {
    const spec = map.structOps;
    if (!spec) continue;
    const kernelStruct = kernelOf(spec);
    for (const binding of spec.programs) {
      const index = memberIndex(kernelStruct, binding.member);
      if (index < 0) {
        throw new StructOpsError(spec.variable, `it sets '${binding.member}' to program '${binding.program}', and this kernel's struct ${spec.typeName} has no member '${binding.member}'`,
          'leave the member out on this kernel (a ___flavour struct without it), or use a kernel that has it');
      }
      const earlier = points.get(binding.program);
      if (earlier && (earlier.typeId !== kernelStruct.typeId || earlier.memberIndex !== index)) {
        throw new StructOpsError(spec.variable, `program '${binding.program}' implements members at two different places (struct ids ${earlier.typeId}/${kernelStruct.typeId}, member indexes ${earlier.memberIndex}/${index})`,
          'a struct_ops program loads against one member: write one program per member');
      }
      points.set(binding.program, { typeId: kernelStruct.typeId, memberIndex: index });
    }
  }
  return points;
}

/** A struct_ops program no map binds: libbpf (1.4 and later) does not load it. */
export function isUnboundStructOpsProgram(spec: ObjectSpec, program: ObjectProgramSpec): boolean {
  if (program.programType !== ProgramTypeId.STRUCT_OPS) return false;
  return !spec.maps.some((map) => map.structOps?.programs.some((binding) => binding.program === program.name));
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}

function isFunctionPointer(btf: Btf, typeId: number): boolean {
  const type = btf.type(btf.resolve(typeId));
  return type.kind === BtfKind.Pointer && btf.type(btf.resolve(type.target)).kind === BtfKind.FuncProto;
}

/**
 * The map's value in the kernel's layout: each member of the object's struct copied by name into the
 * kernel's struct (members the kernel has and the object lacks stay zero; a member the object sets
 * and the kernel lacks is refused), program fds in the function-pointer members the object binds.
 */
export function structOpsValue(local: Btf, spec: StructOpsSpec, kernel: Btf, kernelStruct: KernelStructOps, programFd: (name: string) => number | undefined): Uint8Array {
  const value = new Uint8Array(kernelStruct.wrapperSize);
  const view = new DataView(value.buffer);
  const localType = local.type(spec.localTypeId) as CompositeType;
  for (const member of localType.members) {
    const offset = member.bitOffset / 8;
    const binding = spec.programs.find((b) => b.member === member.name);
    const localFunction = isFunctionPointer(local, member.type);
    const size = localFunction ? POINTER_SIZE : local.sizeOf(member.type);
    if (member.bitfieldSize !== 0 || member.bitOffset % 8 !== 0) {
      if (isZero(spec.data.subarray(Math.floor(offset), Math.ceil((member.bitOffset + member.bitfieldSize) / 8)))) continue;
      throw new StructOpsError(spec.variable, `member '${member.name}' is a bitfield, which struct_ops values can't carry`, 'leave it zero');
    }
    const bytes = spec.data.subarray(offset, offset + size);
    const index = member.name === '' ? -1 : kernelStruct.type.members.findIndex((m) => m.name === member.name);
    if (index < 0) {
      // libbpf: a member this kernel lacks is fine as long as the object leaves it zero
      if (!binding && (localFunction || isZero(bytes))) continue;
      throw new StructOpsError(spec.variable, `the object sets member '${member.name || '(anonymous)'}' of struct ${spec.localTypeName}, and this kernel's struct ${spec.typeName} has no such member`,
        'leave it zero on this kernel (a ___flavour struct without it), or use a kernel that has it');
    }
    const kernelMember = kernelStruct.type.members[index]!;
    const at = kernelStruct.dataOffset + kernelMember.bitOffset / 8;
    if (kernelMember.bitfieldSize !== 0) {
      if (isZero(bytes)) continue;
      throw new StructOpsError(spec.variable, `member '${member.name}' is a bitfield in this kernel's struct ${spec.typeName}`, 'leave it zero');
    }
    const kernelFunction = isFunctionPointer(kernel, kernelMember.type);
    if (localFunction || kernelFunction) {
      if (localFunction !== kernelFunction) {
        throw new StructOpsError(spec.variable, `member '${member.name}' is ${localFunction ? '' : 'not '}a function pointer in the object and ${kernelFunction ? '' : 'not '}one in the kernel`, 'declare the member as the kernel does (regenerate vmlinux.h)');
      }
      if (!binding) continue;
      const fd = programFd(binding.program);
      if (fd === undefined) {
        throw new StructOpsError(spec.variable, `member '${member.name}' is program '${binding.program}', which this load did not load`, `load it too (options.programs), or leave '${member.name}' unset`);
      }
      // the kernel reads the program's fd from the pointer slot
      view.setBigUint64(at, BigInt(fd), true);
      continue;
    }
    const localKind = local.type(local.resolve(member.type)).kind;
    const kernelKind = kernel.type(kernel.resolve(kernelMember.type)).kind;
    const kernelSize = kernel.sizeOf(kernelMember.type);
    if (localKind !== kernelKind || kernelSize !== size) {
      if (isZero(bytes)) continue;
      throw new StructOpsError(spec.variable, `member '${member.name}' is ${size} bytes in the object and ${kernelSize} in this kernel${localKind !== kernelKind ? ', and of another kind' : ''}`,
        'declare the member as the kernel does (regenerate vmlinux.h), or leave it zero');
    }
    value.set(bytes, at);
  }
  return value;
}
