/**
 * Wall-clock seconds of a boot-relative timestamp (a program's load_time), computed as bpftool does:
 * realtime now minus boottime now plus the timestamp, truncated to whole seconds. Both clocks need
 * nanosecond-ish precision or a load time near a second boundary prints one second off bpftool's.
 * Node has no CLOCK_BOOTTIME, but CLOCK_MONOTONIC (process.hrtime) differs from it only by time spent
 * suspended, which /proc/uptime (the boot clock, to 10 ms) reveals; the realtime clock comes from
 * performance.timeOrigin + performance.now() (microseconds).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

let offsetNs: bigint | undefined;

/** Nanoseconds to add to a CLOCK_BOOTTIME reading to get Unix time. */
function bootToRealtimeNs(): bigint {
  if (offsetNs !== undefined) return offsetNs;
  const monotonic = process.hrtime.bigint();
  const realtime = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  let suspended = 0n;
  try {
    const uptimeNs = BigInt(Math.round(Number.parseFloat(readFileSync('/proc/uptime', 'utf8').split(' ')[0]!) * 1e9));
    // the boot clock runs ahead of the monotonic one by the time spent suspended; under 50 ms is noise
    if (uptimeNs - monotonic > 50_000_000n) suspended = uptimeNs - monotonic;
  } catch {
    // no /proc/uptime: assume the machine never slept
  }
  offsetNs = realtime - monotonic - suspended;
  return offsetNs;
}

/** Unix seconds of a boot-relative nanosecond timestamp, truncated as bpftool truncates. */
export function bootNsToUnixSeconds(nanosecondsSinceBoot: bigint): number {
  return Number((bootToRealtimeNs() + nanosecondsSinceBoot) / 1_000_000_000n);
}

const two = (n: number) => String(n).padStart(2, '0');

/** The last isoLocalSeconds answer: programs loaded together share their second, and a listing asks again and again. */
let last = { unixSeconds: Number.NaN, text: '' };

/** strftime("%FT%T%z") in local time: 2026-11-29T13:44:03+0000. */
export function isoLocalSeconds(unixSeconds: number): string {
  if (unixSeconds === last.unixSeconds) return last.text;
  last = { unixSeconds, text: formatLocalSeconds(unixSeconds) };
  return last.text;
}

function formatLocalSeconds(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}${zone}`;
}
