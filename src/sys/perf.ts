/** perf_event_open(2) and its ioctls, typed. */
import { SystemError } from '../errors.js';
import { PERF_FLAG_FD_CLOEXEC, PerfEventAttrLayout, PerfIoctl } from './abi.js';
import { ioctl, lastErrno, NativeMemory, perfEventOpen as rawPerfEventOpen } from './ffi.js';

const attr = new NativeMemory(PerfEventAttrLayout.total);

export interface PerfEventAttributes {
  type: number;
  config: bigint | number;
  samplePeriod?: bigint | number;
  sampleType?: bigint | number;
  /** The `flags` bitfield word (disabled, inherit, freq, watermark, ...). */
  flags?: bigint;
  wakeupEvents?: number;
  config1?: bigint | number;
  config2?: bigint | number;
}

/** Opens a perf event for `pid` (-1: any) on `cpu` (-1: any); returns its fd. */
export function perfEventOpen(a: PerfEventAttributes, pid: number, cpu: number, groupFd = -1): number {
  const v = attr.view;
  attr.bytes.fill(0);
  v.setUint32(PerfEventAttrLayout.type, a.type, true);
  v.setUint32(PerfEventAttrLayout.size, PerfEventAttrLayout.total, true);
  v.setBigUint64(PerfEventAttrLayout.config, BigInt(a.config), true);
  v.setBigUint64(PerfEventAttrLayout.sample_period, BigInt(a.samplePeriod ?? 0), true);
  v.setBigUint64(PerfEventAttrLayout.sample_type, BigInt(a.sampleType ?? 0), true);
  v.setBigUint64(PerfEventAttrLayout.flags, a.flags ?? 0n, true);
  v.setUint32(PerfEventAttrLayout.wakeup_events, a.wakeupEvents ?? 0, true);
  v.setBigUint64(PerfEventAttrLayout.config1, BigInt(a.config1 ?? 0), true);
  v.setBigUint64(PerfEventAttrLayout.config2, BigInt(a.config2 ?? 0), true);
  const fd = rawPerfEventOpen(attr.address, pid, cpu, groupFd, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) {
    throw new SystemError('perf_event_open', lastErrno(), 'run as root or grant CAP_PERFMON; check /proc/sys/kernel/perf_event_paranoid');
  }
  return fd;
}

function perfIoctl(fd: number, request: number, arg: number, what: string): void {
  if (ioctl(fd, request, arg) < 0) throw new SystemError(`ioctl(${what})`, lastErrno());
}

export function perfEventEnable(fd: number): void {
  perfIoctl(fd, PerfIoctl.ENABLE, 0, 'PERF_EVENT_IOC_ENABLE');
}

export function perfEventDisable(fd: number): void {
  perfIoctl(fd, PerfIoctl.DISABLE, 0, 'PERF_EVENT_IOC_DISABLE');
}

/** Attaches a BPF program to a perf event the legacy way (before BPF links for perf events). */
export function perfEventSetBpf(fd: number, programFd: number): void {
  perfIoctl(fd, PerfIoctl.SET_BPF, programFd, 'PERF_EVENT_IOC_SET_BPF');
}
