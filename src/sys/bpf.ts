/**
 * bpf(2) commands with typed attribute encoders. One attribute buffer, allocated once and zeroed per
 * call over the bytes the command uses; pointers inside it are addresses of NativeMemory the caller
 * owns. Failures become BpfError; lookups that may miss report it as a return value, not an exception,
 * because a miss is an answer, not an error.
 */
import { BpfError, Errno } from '../errors.js';
import {
  BPF_ATTR_SIZE, BPF_OBJ_NAME_LEN, BpfCommand, type BpfCommandName, BtfLoadAttr, EnableStatsAttr, GetIdAttr,
  AttachFlags, InfoAttr, IterCreateAttr, LinkCreateAttr, LinkDetachAttr, LinkUpdateAttr, ProgQueryAttr, RawTracepointOpenAttr, TaskFdQueryAttr, MapBatchAttr, MapCreateAttr, MapElemAttr, ObjPinAttr, ProgAttachAttr,
  ProgBindMapAttr, ProgLoadAttr, TestRunAttr,
} from './abi.js';
import { bpf, lastErrno, NativeMemory } from './ffi.js';

const attr = new NativeMemory(BPF_ATTR_SIZE);
const view = attr.view;
const encoder = new TextEncoder();

/** Zeroes the attribute buffer over `size` bytes; every command starts here. */
function begin(size: number): DataView {
  attr.bytes.fill(0, 0, size);
  return view;
}

/** Issues the command; returns its result or -errno. */
function tryCommand(command: number, size: number): number {
  const result = bpf(command, attr.address, size);
  return result < 0 ? -lastErrno() : result;
}

function command(name: BpfCommandName, size: number, hint?: string): number {
  const result = bpf(BpfCommand[name], attr.address, size);
  if (result < 0) throw new BpfError(name, lastErrno(), hint);
  return result;
}

function setU64(offset: number, value: number | bigint): void {
  view.setBigUint64(offset, BigInt(value), true);
}

/** Writes a NUL-padded object name (at most 15 characters reach the kernel). */
function setName(offset: number, name: string): void {
  const bytes = encoder.encode(name).subarray(0, BPF_OBJ_NAME_LEN - 1);
  attr.bytes.set(bytes, offset);
}

/** A NUL-terminated C string in native memory, for paths and licenses. */
export function cString(text: string): NativeMemory {
  const bytes = encoder.encode(text);
  const memory = new NativeMemory(bytes.length + 1);
  memory.bytes.set(bytes);
  memory.bytes[bytes.length] = 0;
  return memory;
}

export interface MapCreateAttributes {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  innerMapFd?: number;
  numaNode?: number;
  name?: string;
  ifindex?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint;
}

export function mapCreate(a: MapCreateAttributes): number {
  const v = begin(MapCreateAttr.size);
  v.setUint32(MapCreateAttr.map_type, a.type, true);
  v.setUint32(MapCreateAttr.key_size, a.keySize, true);
  v.setUint32(MapCreateAttr.value_size, a.valueSize, true);
  v.setUint32(MapCreateAttr.max_entries, a.maxEntries, true);
  v.setUint32(MapCreateAttr.map_flags, a.flags ?? 0, true);
  v.setUint32(MapCreateAttr.inner_map_fd, a.innerMapFd ?? 0, true);
  v.setUint32(MapCreateAttr.numa_node, a.numaNode ?? 0, true);
  if (a.name) setName(MapCreateAttr.map_name, a.name);
  v.setUint32(MapCreateAttr.map_ifindex, a.ifindex ?? 0, true);
  v.setUint32(MapCreateAttr.btf_fd, a.btfFd ?? 0, true);
  v.setUint32(MapCreateAttr.btf_key_type_id, a.btfKeyTypeId ?? 0, true);
  v.setUint32(MapCreateAttr.btf_value_type_id, a.btfValueTypeId ?? 0, true);
  v.setUint32(MapCreateAttr.btf_vmlinux_value_type_id, a.btfVmlinuxValueTypeId ?? 0, true);
  setU64(MapCreateAttr.map_extra, a.mapExtra ?? 0n);
  return command('MAP_CREATE', MapCreateAttr.size);
}

/**
 * Writes the key after `key` (or the first key when `key` is 0) to `nextKey`; false at the end.
 * (Lookup, update and delete go through a map's PreparedMapElem, map-elem.ts: their hot path.)
 */
export function mapGetNextKey(fd: number, key: number, nextKey: number): boolean {
  const v = begin(MapElemAttr.size);
  v.setUint32(MapElemAttr.map_fd, fd, true);
  setU64(MapElemAttr.key, key);
  setU64(MapElemAttr.next_key, nextKey);
  const result = tryCommand(BpfCommand.MAP_GET_NEXT_KEY, MapElemAttr.size);
  if (result === -Errno.ENOENT) return false;
  if (result < 0) throw new BpfError('MAP_GET_NEXT_KEY', -result);
  return true;
}

export function mapFreeze(fd: number): void {
  begin(MapElemAttr.size).setUint32(MapElemAttr.map_fd, fd, true);
  command('MAP_FREEZE', 4);
}

export type BatchCommandName = 'MAP_LOOKUP_BATCH' | 'MAP_LOOKUP_AND_DELETE_BATCH' | 'MAP_UPDATE_BATCH' | 'MAP_DELETE_BATCH';

export interface BatchResult {
  /** Elements the kernel processed. */
  count: number;
  /** True when the kernel said ENOENT: the walk reached the end of the map. */
  done: boolean;
}

/** One batch command. Addresses are 0 where the command takes no such buffer. */
export function mapBatch(
  name: BatchCommandName, fd: number, inBatch: number, outBatch: number, keys: number, values: number,
  count: number, elemFlags: number | bigint = 0,
): BatchResult {
  const v = begin(MapBatchAttr.size);
  setU64(MapBatchAttr.in_batch, inBatch);
  setU64(MapBatchAttr.out_batch, outBatch);
  setU64(MapBatchAttr.keys, keys);
  setU64(MapBatchAttr.values, values);
  v.setUint32(MapBatchAttr.count, count, true);
  v.setUint32(MapBatchAttr.map_fd, fd, true);
  setU64(MapBatchAttr.elem_flags, elemFlags);
  const result = tryCommand(BpfCommand[name], MapBatchAttr.size);
  const processed = v.getUint32(MapBatchAttr.count, true);
  if (result === -Errno.ENOENT) return { count: processed, done: true };
  if (result < 0) throw new BpfError(name, -result, '', processed ? `after ${processed} elements` : '');
  return { count: processed, done: false };
}

export interface ProgLoadAttributes {
  type: number;
  instructions: NativeMemory;
  instructionCount: number;
  license: NativeMemory;
  logLevel: number;
  log: NativeMemory | null;
  kernelVersion?: number;
  flags?: number;
  name?: string;
  ifindex?: number;
  expectedAttachType?: number;
  btfFd?: number;
  funcInfo?: { records: NativeMemory; recordSize: number; count: number };
  lineInfo?: { records: NativeMemory; recordSize: number; count: number };
  attachBtfId?: number;
  attachBtfObjFd?: number;
  attachProgFd?: number;
  fdArray?: NativeMemory;
}

export interface ProgLoadResult {
  /** The program fd, or -errno. */
  result: number;
  /** Bytes the whole log needs (the kernel fills log_true_size from 6.4 on; 0 before). */
  logTrueSize: number;
}

/** BPF_PROG_LOAD without throwing: the caller decides about retries with a larger log. */
export function progLoad(a: ProgLoadAttributes): ProgLoadResult {
  const v = begin(ProgLoadAttr.size);
  v.setUint32(ProgLoadAttr.prog_type, a.type, true);
  v.setUint32(ProgLoadAttr.insn_cnt, a.instructionCount, true);
  setU64(ProgLoadAttr.insns, a.instructions.address);
  setU64(ProgLoadAttr.license, a.license.address);
  if (a.log) {
    v.setUint32(ProgLoadAttr.log_level, a.logLevel, true);
    v.setUint32(ProgLoadAttr.log_size, a.log.length, true);
    setU64(ProgLoadAttr.log_buf, a.log.address);
  }
  v.setUint32(ProgLoadAttr.kern_version, a.kernelVersion ?? 0, true);
  v.setUint32(ProgLoadAttr.prog_flags, a.flags ?? 0, true);
  if (a.name) setName(ProgLoadAttr.prog_name, a.name);
  v.setUint32(ProgLoadAttr.prog_ifindex, a.ifindex ?? 0, true);
  v.setUint32(ProgLoadAttr.expected_attach_type, a.expectedAttachType ?? 0, true);
  v.setUint32(ProgLoadAttr.prog_btf_fd, a.btfFd ?? 0, true);
  if (a.funcInfo) {
    v.setUint32(ProgLoadAttr.func_info_rec_size, a.funcInfo.recordSize, true);
    setU64(ProgLoadAttr.func_info, a.funcInfo.records.address);
    v.setUint32(ProgLoadAttr.func_info_cnt, a.funcInfo.count, true);
  }
  if (a.lineInfo) {
    v.setUint32(ProgLoadAttr.line_info_rec_size, a.lineInfo.recordSize, true);
    setU64(ProgLoadAttr.line_info, a.lineInfo.records.address);
    v.setUint32(ProgLoadAttr.line_info_cnt, a.lineInfo.count, true);
  }
  v.setUint32(ProgLoadAttr.attach_btf_id, a.attachBtfId ?? 0, true);
  v.setUint32(ProgLoadAttr.attach_prog_fd, a.attachProgFd ?? a.attachBtfObjFd ?? 0, true);
  if (a.fdArray) setU64(ProgLoadAttr.fd_array, a.fdArray.address);
  const result = tryCommand(BpfCommand.PROG_LOAD, ProgLoadAttr.size);
  return { result, logTrueSize: v.getUint32(ProgLoadAttr.log_true_size, true) };
}

/** Pins `fd` at `path` (inside a bpffs mount). */
export function objPin(fd: number, path: string): void {
  const pathname = cString(path);
  try {
    const v = begin(ObjPinAttr.size);
    setU64(ObjPinAttr.pathname, pathname.address);
    v.setUint32(ObjPinAttr.bpf_fd, fd, true);
    command('OBJ_PIN', ObjPinAttr.size);
  } finally {
    pathname.free();
  }
}

/** Opens the object pinned at `path`. */
export function objGet(path: string, fileFlags = 0): number {
  const pathname = cString(path);
  try {
    const v = begin(ObjPinAttr.size);
    setU64(ObjPinAttr.pathname, pathname.address);
    v.setUint32(ObjPinAttr.file_flags, fileFlags, true);
    return command('OBJ_GET', ObjPinAttr.size);
  } finally {
    pathname.free();
  }
}

export interface ProgAttachAttributes {
  targetFd: number;
  programFd: number;
  attachType: number;
  flags?: number;
  replaceProgramFd?: number;
}

export function progAttach(a: ProgAttachAttributes): void {
  const v = begin(ProgAttachAttr.size);
  v.setUint32(ProgAttachAttr.target_fd, a.targetFd, true);
  v.setUint32(ProgAttachAttr.attach_bpf_fd, a.programFd, true);
  v.setUint32(ProgAttachAttr.attach_type, a.attachType, true);
  v.setUint32(ProgAttachAttr.attach_flags, a.flags ?? 0, true);
  v.setUint32(ProgAttachAttr.replace_bpf_fd, a.replaceProgramFd ?? 0, true);
  command('PROG_ATTACH', ProgAttachAttr.size);
}

export function progDetach(targetFd: number, programFd: number, attachType: number): void {
  const v = begin(ProgAttachAttr.size);
  v.setUint32(ProgAttachAttr.target_fd, targetFd, true);
  v.setUint32(ProgAttachAttr.attach_bpf_fd, programFd, true);
  v.setUint32(ProgAttachAttr.attach_type, attachType, true);
  command('PROG_DETACH', ProgAttachAttr.size);
}

export interface TestRunAttributes {
  programFd: number;
  dataIn?: NativeMemory;
  dataSizeIn?: number;
  dataOut?: NativeMemory;
  ctxIn?: NativeMemory;
  ctxSizeIn?: number;
  ctxOut?: NativeMemory;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batchSize?: number;
}

export interface TestRunResult {
  retval: number;
  /** Average nanoseconds per run, as the kernel measured it. */
  duration: number;
  dataSizeOut: number;
  ctxSizeOut: number;
}

export function progTestRun(a: TestRunAttributes): TestRunResult {
  const v = begin(TestRunAttr.size);
  v.setUint32(TestRunAttr.prog_fd, a.programFd, true);
  if (a.dataIn) {
    v.setUint32(TestRunAttr.data_size_in, a.dataSizeIn ?? a.dataIn.length, true);
    setU64(TestRunAttr.data_in, a.dataIn.address);
  }
  if (a.dataOut) {
    v.setUint32(TestRunAttr.data_size_out, a.dataOut.length, true);
    setU64(TestRunAttr.data_out, a.dataOut.address);
  }
  if (a.ctxIn) {
    v.setUint32(TestRunAttr.ctx_size_in, a.ctxSizeIn ?? a.ctxIn.length, true);
    setU64(TestRunAttr.ctx_in, a.ctxIn.address);
  }
  if (a.ctxOut) {
    v.setUint32(TestRunAttr.ctx_size_out, a.ctxOut.length, true);
    setU64(TestRunAttr.ctx_out, a.ctxOut.address);
  }
  v.setUint32(TestRunAttr.repeat, a.repeat ?? 0, true);
  v.setUint32(TestRunAttr.flags, a.flags ?? 0, true);
  v.setUint32(TestRunAttr.cpu, a.cpu ?? 0, true);
  v.setUint32(TestRunAttr.batch_size, a.batchSize ?? 0, true);
  command('PROG_TEST_RUN', TestRunAttr.size);
  return {
    retval: v.getUint32(TestRunAttr.retval, true),
    duration: v.getUint32(TestRunAttr.duration, true),
    dataSizeOut: v.getUint32(TestRunAttr.data_size_out, true),
    ctxSizeOut: v.getUint32(TestRunAttr.ctx_size_out, true),
  };
}

export type ObjectKind = 'PROG' | 'MAP' | 'BTF' | 'LINK';

/** The next id after `startId` of a kind of object, or 0 when there is none. */
export function getNextId(kind: ObjectKind, startId: number): number {
  const v = begin(GetIdAttr.size);
  v.setUint32(GetIdAttr.start_id, startId, true);
  const result = tryCommand(BpfCommand[`${kind}_GET_NEXT_ID`], GetIdAttr.size);
  if (result === -Errno.ENOENT) return 0;
  if (result < 0) throw new BpfError(`${kind}_GET_NEXT_ID`, -result);
  return v.getUint32(GetIdAttr.next_id, true);
}

/** Opens an object by id. */
export function getFdById(kind: ObjectKind, id: number, openFlags = 0): number {
  const v = begin(GetIdAttr.size);
  v.setUint32(GetIdAttr.id, id, true);
  v.setUint32(GetIdAttr.open_flags, kind === 'MAP' ? openFlags : 0, true);
  const name = `${kind}_GET_FD_BY_ID` as const;
  const result = tryCommand(BpfCommand[name], GetIdAttr.size);
  if (result < 0) {
    const errno = -result;
    throw new BpfError(name, errno, errno === Errno.ENOENT ? `no ${kind.toLowerCase()} has id ${id}` : '');
  }
  return result;
}

/** Fills `info` (a zeroed info struct whose pointer members the caller may have set); returns its length. */
export function objGetInfoByFd(fd: number, info: NativeMemory, length = info.length): number {
  const v = begin(InfoAttr.size);
  v.setUint32(InfoAttr.bpf_fd, fd, true);
  v.setUint32(InfoAttr.info_len, length, true);
  setU64(InfoAttr.info, info.address);
  command('OBJ_GET_INFO_BY_FD', InfoAttr.size);
  return v.getUint32(InfoAttr.info_len, true);
}

export interface BtfLoadResult {
  result: number;
  logTrueSize: number;
}

export function btfLoad(btf: NativeMemory, size: number, log: NativeMemory | null, logLevel = 1): BtfLoadResult {
  const v = begin(BtfLoadAttr.size);
  setU64(BtfLoadAttr.btf, btf.address);
  v.setUint32(BtfLoadAttr.btf_size, size, true);
  if (log) {
    setU64(BtfLoadAttr.btf_log_buf, log.address);
    v.setUint32(BtfLoadAttr.btf_log_size, log.length, true);
    v.setUint32(BtfLoadAttr.btf_log_level, logLevel, true);
  }
  const result = tryCommand(BpfCommand.BTF_LOAD, BtfLoadAttr.size);
  return { result, logTrueSize: v.getUint32(BtfLoadAttr.btf_log_true_size, true) };
}

/** Turns on run-time statistics for as long as the returned fd stays open. */
export function enableStats(type: number): number {
  begin(EnableStatsAttr.size).setUint32(EnableStatsAttr.type, type, true);
  return command('ENABLE_STATS', EnableStatsAttr.size);
}

export function progBindMap(programFd: number, mapFd: number): void {
  const v = begin(ProgBindMapAttr.size);
  v.setUint32(ProgBindMapAttr.prog_fd, programFd, true);
  v.setUint32(ProgBindMapAttr.map_fd, mapFd, true);
  command('PROG_BIND_MAP', ProgBindMapAttr.size);
}

export interface LinkCreateAttributes {
  programFd: number;
  /** A cgroup, netns or perf event fd, or an ifindex (xdp, tcx, netkit). */
  targetFd: number;
  attachType: number;
  flags?: number;
  targetBtfId?: number;
  /** perf_event links: what bpf_get_attach_cookie() returns. */
  perfEventCookie?: bigint;
  /** fentry/fexit/fmod_ret/lsm links: the cookie (with targetBtfId). */
  tracingCookie?: bigint;
  /** Iterator links: a `union bpf_iter_link_info` (a map fd, a cgroup, a task). */
  iterInfo?: Uint8Array;
  /** tcx links: place relative to this program/link (BPF_F_BEFORE/AFTER in flags), and the revision expected. */
  tcx?: { relativeFd?: number; expectedRevision?: bigint };
  /** netfilter links. */
  netfilter?: { protocolFamily: number; hook: number; priority: number; flags?: number };
  /** kprobe_multi links: functions by name (or addresses), per-function cookies, BPF_F_KPROBE_MULTI_RETURN in `flags`. */
  kprobeMulti?: { symbols?: readonly string[]; addresses?: readonly bigint[]; cookies?: readonly bigint[]; flags?: number };
  /** uprobe_multi links: one binary, offsets in it, optional ref counter offsets and cookies, a pid filter. */
  uprobeMulti?: { path: string; offsets: readonly number[]; refCounterOffsets?: readonly number[]; cookies?: readonly bigint[]; flags?: number; pid?: number };
}

/** Native memory holding u64s (addresses, offsets, cookies) for the multi-probe link members. */
function u64Array(values: readonly (number | bigint)[], owned: NativeMemory[]): number {
  const memory = new NativeMemory(values.length * 8);
  values.forEach((value, i) => memory.view.setBigUint64(i * 8, BigInt(value), true));
  owned.push(memory);
  return memory.address;
}

/** Native C strings and an array of pointers to them. */
function stringArray(values: readonly string[], owned: NativeMemory[]): number {
  const pointers = new NativeMemory(values.length * 8);
  owned.push(pointers);
  values.forEach((value, i) => {
    const string = cString(value);
    owned.push(string);
    pointers.view.setBigUint64(i * 8, BigInt(string.address), true);
  });
  return pointers.address;
}

/** BPF_LINK_CREATE: the common members and the per-link-type ones a hook needs. */
export function linkCreate(a: LinkCreateAttributes): number {
  const iterInfo = a.iterInfo ? new NativeMemory(a.iterInfo.length) : null;
  const owned: NativeMemory[] = [];
  try {
    const v = begin(LinkCreateAttr.size);
    v.setUint32(LinkCreateAttr.prog_fd, a.programFd, true);
    v.setUint32(LinkCreateAttr.target_fd, a.targetFd, true);
    v.setUint32(LinkCreateAttr.attach_type, a.attachType, true);
    v.setUint32(LinkCreateAttr.flags, a.flags ?? 0, true);
    // the per-type members share the union that starts with target_btf_id: set only the ones given
    if (a.targetBtfId !== undefined) v.setUint32(LinkCreateAttr.target_btf_id, a.targetBtfId, true);
    if (a.tracingCookie !== undefined) setU64(LinkCreateAttr.tracing_cookie, a.tracingCookie);
    if (a.perfEventCookie !== undefined) setU64(LinkCreateAttr.perf_event_bpf_cookie, a.perfEventCookie);
    if (iterInfo && a.iterInfo) {
      iterInfo.bytes.set(a.iterInfo);
      setU64(LinkCreateAttr.iter_info, iterInfo.address);
      v.setUint32(LinkCreateAttr.iter_info_len, a.iterInfo.length, true);
    }
    if (a.tcx) {
      v.setUint32(LinkCreateAttr.tcx_relative_fd, a.tcx.relativeFd ?? 0, true);
      setU64(LinkCreateAttr.tcx_expected_revision, a.tcx.expectedRevision ?? 0n);
    }
    if (a.kprobeMulti) {
      const k = a.kprobeMulti;
      const count = k.symbols?.length ?? k.addresses?.length ?? 0;
      v.setUint32(LinkCreateAttr.kprobe_multi_flags, k.flags ?? 0, true);
      v.setUint32(LinkCreateAttr.kprobe_multi_cnt, count, true);
      if (k.symbols) setU64(LinkCreateAttr.kprobe_multi_syms, stringArray(k.symbols, owned));
      if (k.addresses) setU64(LinkCreateAttr.kprobe_multi_addrs, u64Array(k.addresses, owned));
      if (k.cookies) setU64(LinkCreateAttr.kprobe_multi_cookies, u64Array(k.cookies, owned));
    }
    if (a.uprobeMulti) {
      const u = a.uprobeMulti;
      const path = cString(u.path);
      owned.push(path);
      setU64(LinkCreateAttr.uprobe_multi_path, path.address);
      setU64(LinkCreateAttr.uprobe_multi_offsets, u64Array(u.offsets, owned));
      if (u.refCounterOffsets) setU64(LinkCreateAttr.uprobe_multi_ref_ctr_offsets, u64Array(u.refCounterOffsets, owned));
      if (u.cookies) setU64(LinkCreateAttr.uprobe_multi_cookies, u64Array(u.cookies, owned));
      v.setUint32(LinkCreateAttr.uprobe_multi_cnt, u.offsets.length, true);
      v.setUint32(LinkCreateAttr.uprobe_multi_flags, u.flags ?? 0, true);
      v.setUint32(LinkCreateAttr.uprobe_multi_pid, u.pid ?? 0, true);
    }
    if (a.netfilter) {
      v.setUint32(LinkCreateAttr.netfilter_pf, a.netfilter.protocolFamily, true);
      v.setUint32(LinkCreateAttr.netfilter_hooknum, a.netfilter.hook, true);
      v.setInt32(LinkCreateAttr.netfilter_priority, a.netfilter.priority, true);
      v.setUint32(LinkCreateAttr.netfilter_flags, a.netfilter.flags ?? 0, true);
    }
    return command('LINK_CREATE', LinkCreateAttr.size);
  } finally {
    iterInfo?.free();
    for (const memory of owned) memory.free();
  }
}

export function linkDetach(linkFd: number): void {
  begin(LinkDetachAttr.size).setUint32(LinkDetachAttr.link_fd, linkFd, true);
  command('LINK_DETACH', LinkDetachAttr.size);
}

/** BPF_LINK_UPDATE: swaps the link's program; with `oldProgramFd` only if that one is still attached. */
export function linkUpdate(linkFd: number, newProgramFd: number, oldProgramFd?: number): void {
  const v = begin(LinkUpdateAttr.size);
  v.setUint32(LinkUpdateAttr.link_fd, linkFd, true);
  v.setUint32(LinkUpdateAttr.new_prog_fd, newProgramFd, true);
  if (oldProgramFd !== undefined) {
    v.setUint32(LinkUpdateAttr.flags, AttachFlags.REPLACE, true);
    v.setUint32(LinkUpdateAttr.old_prog_fd, oldProgramFd, true);
  }
  command('LINK_UPDATE', LinkUpdateAttr.size);
}


/** Attaches a raw tracepoint (or tp_btf) program; returns the raw_tracepoint link's fd. */
export function rawTracepointOpen(programFd: number, tracepoint: string | null): number {
  const name = tracepoint === null ? null : cString(tracepoint);
  try {
    const v = begin(RawTracepointOpenAttr.size);
    setU64(RawTracepointOpenAttr.name, name?.address ?? 0);
    v.setUint32(RawTracepointOpenAttr.prog_fd, programFd, true);
    return command('RAW_TRACEPOINT_OPEN', RawTracepointOpenAttr.size);
  } finally {
    name?.free();
  }
}

export interface ProgQueryResult {
  /** BPF_F_ALLOW_OVERRIDE/MULTI of the attachment point (legacy attachments). */
  attachFlags: number;
  programIds: number[];
  /** Per program, its attach flags (all 0 for an effective query, which may not ask for them). */
  programAttachFlags: number[];
}

/**
 * BPF_PROG_QUERY: the programs attached at `targetFd` (a cgroup, netns or ifindex) for `attachType`.
 * Asks for up to `capacity` ids; callers ask again with the count the kernel reported when it grew.
 */
export function progQuery(targetFd: number, attachType: number, queryFlags = 0, capacity = 64): ProgQueryResult {
  const ids = new NativeMemory(capacity * 4);
  const flags = new NativeMemory(capacity * 4);
  try {
    const v = begin(ProgQueryAttr.size);
    v.setUint32(ProgQueryAttr.target_fd, targetFd, true);
    v.setUint32(ProgQueryAttr.attach_type, attachType, true);
    v.setUint32(ProgQueryAttr.query_flags, queryFlags, true);
    setU64(ProgQueryAttr.prog_ids, ids.address);
    v.setUint32(ProgQueryAttr.prog_cnt, capacity, true);
    // the kernel refuses per-program flags for an effective query (BPF_F_QUERY_EFFECTIVE, bit 0)
    if ((queryFlags & 1) === 0) setU64(ProgQueryAttr.prog_attach_flags, flags.address);
    const result = tryCommand(BpfCommand.PROG_QUERY, ProgQueryAttr.size);
    const count = v.getUint32(ProgQueryAttr.prog_cnt, true);
    if (result === -Errno.ENOSPC) return progQuery(targetFd, attachType, queryFlags, count);
    if (result < 0) throw new BpfError('PROG_QUERY', -result);
    const read = (memory: NativeMemory): number[] => Array.from({ length: count }, (_, i) => memory.view.getUint32(i * 4, true));
    return { attachFlags: v.getUint32(ProgQueryAttr.attach_flags, true), programIds: read(ids), programAttachFlags: read(flags) };
  } finally {
    ids.free();
    flags.free();
  }
}

export interface TaskFdQueryResult {
  programId: number;
  /** `enum bpf_task_fd_type` (BPF_FD_TYPE_RAW_TRACEPOINT, _TRACEPOINT, _KPROBE, ...). */
  fdType: number;
  /** Tracepoint, function or file name. */
  name: string;
  probeOffset: bigint;
  probeAddress: bigint;
}

/**
 * BPF_TASK_FD_QUERY: what BPF program the fd `fd` of process `pid` attaches (a perf event or raw
 * tracepoint fd), or null when that fd attaches none (ENOENT, EBADF, ENOTSUPP: not such an fd, or gone).
 */
export function taskFdQuery(pid: number, fd: number): TaskFdQueryResult | null {
  const buffer = new NativeMemory(4096);
  try {
    const v = begin(TaskFdQueryAttr.size);
    v.setUint32(TaskFdQueryAttr.pid, pid, true);
    v.setUint32(TaskFdQueryAttr.fd, fd, true);
    v.setUint32(TaskFdQueryAttr.buf_len, buffer.length, true);
    setU64(TaskFdQueryAttr.buf, buffer.address);
    const result = tryCommand(BpfCommand.TASK_FD_QUERY, TaskFdQueryAttr.size);
    if (result === -Errno.ENOENT || result === -Errno.EBADF || result === -Errno.ENOTSUPP || result === -Errno.ESRCH) return null;
    if (result < 0) throw new BpfError('TASK_FD_QUERY', -result);
    const end = buffer.bytes.indexOf(0);
    return {
      programId: v.getUint32(TaskFdQueryAttr.prog_id, true),
      fdType: v.getUint32(TaskFdQueryAttr.fd_type, true),
      name: new TextDecoder().decode(buffer.bytes.subarray(0, end < 0 ? buffer.length : end)),
      probeOffset: v.getBigUint64(TaskFdQueryAttr.probe_offset, true),
      probeAddress: v.getBigUint64(TaskFdQueryAttr.probe_addr, true),
    };
  } finally {
    buffer.free();
  }
}

/** BPF_ITER_CREATE: a new iterator session (a readable fd) from an iterator link. */
export function iterCreate(linkFd: number): number {
  const v = begin(IterCreateAttr.size);
  v.setUint32(IterCreateAttr.link_fd, linkFd, true);
  return command('ITER_CREATE', IterCreateAttr.size);
}
