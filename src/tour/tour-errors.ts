/** How the tour fails: typed errors whose hint says what to do, printed by the CLI as one line. */
import { TsbpfError } from '../errors.js';


/** The tour loads and attaches tracing programs; this process may not. */
export class TourPrivilegeError extends TsbpfError {
  constructor(why: { missing: readonly string[] } | { refused: string }) {
    super('missing' in why
      ? `this process lacks ${why.missing.join(' and ')}, which the tour's tracepoint programs need (or CAP_SYS_ADMIN)`
      : `the kernel refused ${why.refused}: the tour's tracepoint programs need CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)`,
      'run it as root (sudo tsbpf tour), or grant node CAP_BPF and CAP_PERFMON');
  }
}

/** The build did not put opensnoop's compiled object beside its front end. */
export class TourObjectMissingError extends TsbpfError {
  constructor(path: string) {
    super(`opensnoop's compiled BPF object is missing: ${path}`, 'build the package (npm run build, which compiles the tools\' BPF C), or reinstall tsbpf');
  }
}

/** Ctrl-C while `--step` waited for Enter: the tour closed what it held and stopped. */
export class TourInterruptedError extends TsbpfError {
  constructor(step: number) {
    super(`interrupted before step ${step}`, 'nothing was left loaded; run tsbpf tour again to see the rest');
  }
}

/** Stdout failed (the reader went away): the tour stops and unloads what it holds. */
export class TourOutputClosedError extends TsbpfError {
  constructor(code: string) {
    super(`stdout failed (${code}), so the tour stopped`, 'nothing was left loaded; to page it, use tsbpf tour | less');
  }
}
