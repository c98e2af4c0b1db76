/**
 * `struct bpf_prog_info` decoded into plain data. The kernel reports arrays (map ids, instructions)
 * through pointers the caller sizes, so the map ids take a second call sized by the first.
 */
import { abi, bpf, closeRawFd } from '../sys/index.js';
import { TsbpfError } from '../errors.js';
import { bootTimeMs, bootTimeToDate } from './boot-time.js';
import { getObjectInfo, hex, readFixedName, readIds, readObjectInfo } from './object-info.js';

const L = abi.ProgInfoLayout;

export interface ProgramInfo {
  /** `enum bpf_prog_type` (see programTypeName). */
  type: number;
  id: number;
  /** The kernel's hash of the program, 16 hex digits, as bpftool prints it. */
  tag: string;
  name: string;
  /** Bytes of native code after JIT compilation (0 when the JIT is off or the caller may not see it). */
  jitedProgramLength: number;
  /** Bytes of the instructions as the verifier rewrote them. */
  xlatedProgramLength: number;
  /** Nanoseconds since boot when the program was loaded. */
  loadTimeNs: bigint;
  /** `loadTimeNs` as a wall-clock time. */
  loadedAt: Date;
  createdByUid: number;
  mapIds: number[];
  ifindex: number;
  gplCompatible: boolean;
  netnsDevice: bigint;
  netnsInode: bigint;
  jitedKsymCount: number;
  jitedFunctionLengthCount: number;
  /** Id of the program's BTF object, 0 when it has none. */
  btfId: number;
  funcInfoRecordSize: number;
  funcInfoCount: number;
  lineInfoCount: number;
  jitedLineInfoCount: number;
  lineInfoRecordSize: number;
  jitedLineInfoRecordSize: number;
  programTagCount: number;
  /** Total run time in nanoseconds, counted while statistics are enabled (enableStats). */
  runTimeNs: bigint;
  runCount: bigint;
  recursionMisses: bigint;
  verifiedInstructions: number;
  attachBtfObjectId: number;
  attachBtfId: number;
}

/**
 * Decodes a `struct bpf_prog_info` the kernel filled; `mapIds` come from the array the call asked for.
 * `bootMs` (bootTimeMs()) turns load_time into `loadedAt`; a listing passes one value for all programs.
 */
export function decodeProgramInfo(view: DataView, mapIds: number[] = [], bootMs = bootTimeMs()): ProgramInfo {
  const u32 = (offset: number) => view.getUint32(offset, true);
  const u64 = (offset: number) => view.getBigUint64(offset, true);
  const loadTimeNs = u64(L.load_time);
  return {
    type: u32(L.type),
    id: u32(L.id),
    tag: hex(new Uint8Array(view.buffer, view.byteOffset + L.tag, abi.BPF_TAG_SIZE)),
    name: readFixedName(view, L.name, abi.BPF_OBJ_NAME_LEN),
    jitedProgramLength: u32(L.jited_prog_len),
    xlatedProgramLength: u32(L.xlated_prog_len),
    loadTimeNs,
    loadedAt: bootTimeToDate(loadTimeNs, bootMs),
    createdByUid: u32(L.created_by_uid),
    mapIds,
    ifindex: u32(L.ifindex),
    gplCompatible: (u32(L.gpl_compatible) & 1) === 1,
    netnsDevice: u64(L.netns_dev),
    netnsInode: u64(L.netns_ino),
    jitedKsymCount: u32(L.nr_jited_ksyms),
    jitedFunctionLengthCount: u32(L.nr_jited_func_lens),
    btfId: u32(L.btf_id),
    funcInfoRecordSize: u32(L.func_info_rec_size),
    funcInfoCount: u32(L.nr_func_info),
    lineInfoCount: u32(L.nr_line_info),
    jitedLineInfoCount: u32(L.nr_jited_line_info),
    lineInfoRecordSize: u32(L.line_info_rec_size),
    jitedLineInfoRecordSize: u32(L.jited_line_info_rec_size),
    programTagCount: u32(L.nr_prog_tags),
    runTimeNs: u64(L.run_time_ns),
    runCount: u64(L.run_cnt),
    recursionMisses: u64(L.recursion_misses),
    verifiedInstructions: u32(L.verified_insns),
    attachBtfObjectId: u32(L.attach_btf_obj_id),
    attachBtfId: u32(L.attach_btf_id),
  };
}

/** Map ids asked for on the first call: most programs use fewer, so one call usually does. */
const MAP_ID_ROOM = 32;

/** Everything the kernel says about the program behind `fd`. */
export function programInfo(fd: number, bootMs?: number): ProgramInfo {
  const room = [{ pointerOffset: L.map_ids, lengthOffset: L.nr_map_ids, length: MAP_ID_ROOM, bytes: MAP_ID_ROOM * 4 }];
  const first = readObjectInfo(fd, L.size, room, (view, [ids]) => {
    const mapCount = view.getUint32(L.nr_map_ids, true);
    return mapCount <= MAP_ID_ROOM ? decodeProgramInfo(view, readIds(ids!, mapCount), bootMs) : mapCount;
  });
  if (typeof first !== 'number') return first;
  // More maps than room: ask again with room for all of them. The count can only grow between the calls
  // (BPF_PROG_BIND_MAP), so read what the second call reports, up to the room we gave it.
  const mapCount = first;
  return readObjectInfo(fd, L.size, [{ pointerOffset: L.map_ids, lengthOffset: L.nr_map_ids, length: mapCount, bytes: mapCount * 4 }], (view, [ids]) =>
    decodeProgramInfo(view, readIds(ids!, Math.min(view.getUint32(L.nr_map_ids, true), mapCount)), bootMs));
}

const FUNC_INFO_RECORD_SIZE = 8;

/**
 * The BTF FUNC type id of the program's first func_info record (its main function), or undefined
 * without func_info. One call that copies one record, for names, instead of the whole record dump.
 */
export function firstFunctionTypeId(fd: number): number | undefined {
  const { view, arrays } = getObjectInfo(fd, L.size, [{
    pointerOffset: L.func_info, lengthOffset: L.nr_func_info, length: 1, bytes: FUNC_INFO_RECORD_SIZE,
    recordSize: { offset: L.func_info_rec_size, value: FUNC_INFO_RECORD_SIZE },
  }]);
  if (view.getUint32(L.nr_func_info, true) === 0) return undefined;
  // struct bpf_func_info { __u32 insn_off; __u32 type_id; }
  return new DataView(arrays[0]!.buffer, arrays[0]!.byteOffset).getUint32(4, true);
}

export type InstructionDump = 'xlated' | 'jited';

/**
 * The program's instructions as the verifier left them (`xlated`, BPF bytecode) or as the JIT emitted
 * them (`jited`, machine code). Raises a TsbpfError when the kernel withholds them (kernel.kptr_restrict
 * or a caller without CAP_SYS_ADMIN/CAP_BPF).
 */
export function programInstructions(fd: number, kind: InstructionDump): Uint8Array {
  const lengthOffset = kind === 'xlated' ? L.xlated_prog_len : L.jited_prog_len;
  const pointerOffset = kind === 'xlated' ? L.xlated_prog_insns : L.jited_prog_insns;
  const length = getObjectInfo(fd, L.size).view.getUint32(lengthOffset, true);
  if (length === 0) return new Uint8Array(0);
  const second = getObjectInfo(fd, L.size, [{ pointerOffset, lengthOffset, length, bytes: length }]);
  // The kernel zeroes the pointer instead of copying when the caller may not see raw instructions.
  if (second.view.getBigUint64(pointerOffset, true) === 0n) {
    throw new TsbpfError(`the kernel withheld the ${kind} instructions`, 'run as root with kernel.kptr_restrict < 2, or grant CAP_SYS_ADMIN');
  }
  const written = Math.min(second.view.getUint32(lengthOffset, true), length);
  return second.arrays[0]!.slice(0, written);
}

/** Opens a program by id only long enough to read its info (for listings of the whole kernel). */
export function programInfoById(id: number): ProgramInfo {
  const fd = bpf.getFdById('PROG', id);
  try {
    return programInfo(fd);
  } finally {
    closeRawFd(fd);
  }
}
