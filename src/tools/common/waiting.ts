/**
 * Waiting inside a tool: for an interval, or until the run is stopped (Ctrl-C, SIGTERM, -d), whichever
 * comes first — as libbpf-tools' interrupted sleep() ends early and the tool prints what it has.
 */

/** `seconds` (undefined: no limit), or until `signal` aborts. */
export function waitInterval(seconds: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    // an interval timer holds Node's event loop open until the signal comes (a signal handler does not)
    const timer = seconds === undefined ? setInterval(() => {}, 1 << 30) : setTimeout(done, seconds * 1000);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Until the run is stopped. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return waitInterval(undefined, signal);
}
