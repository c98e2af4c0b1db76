/**
 * Kernel timestamps in info structs (`load_time`) count nanoseconds since boot on CLOCK_BOOTTIME, which
 * keeps counting through suspend. Turning one into a wall-clock Date needs the wall-clock time of boot:
 * now minus the boot clock's reading now. /proc/uptime is the boot clock (to 10 ms), which is finer
 * than /proc/stat's whole-second btime and needs no extra FFI entry point.
 */
import { readFileSync } from 'node:fs';

/** Milliseconds since the epoch at which the machine booted, by the boot clock. */
export function bootTimeMs(): number {
  const uptimeSeconds = Number.parseFloat(readFileSync('/proc/uptime', 'utf8').split(' ')[0] ?? '0');
  return Date.now() - uptimeSeconds * 1000;
}

/** A boot-relative nanosecond timestamp as a Date. */
export function bootTimeToDate(nanosecondsSinceBoot: bigint, bootMs = bootTimeMs()): Date {
  return new Date(bootMs + Number(nanosecondsSinceBoot / 1000n) / 1000);
}
