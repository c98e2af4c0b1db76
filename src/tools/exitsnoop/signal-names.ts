/**
 * What glibc's strsignal(3) says for each Linux signal number, so exitsnoop's text matches libbpf-tools'
 * (which calls strsignal) on any machine. glibc keeps 32 and 33 for itself and numbers the real-time
 * signals from SIGRTMIN = 34.
 */
const DESCRIPTIONS = [
  'Hangup', 'Interrupt', 'Quit', 'Illegal instruction', 'Trace/breakpoint trap', 'Aborted', 'Bus error',
  'Floating point exception', 'Killed', 'User defined signal 1', 'Segmentation fault', 'User defined signal 2',
  'Broken pipe', 'Alarm clock', 'Terminated', 'Stack fault', 'Child exited', 'Continued', 'Stopped (signal)',
  'Stopped', 'Stopped (tty input)', 'Stopped (tty output)', 'Urgent I/O condition', 'CPU time limit exceeded',
  'File size limit exceeded', 'Virtual timer expired', 'Profiling timer expired', 'Window changed',
  'I/O possible', 'Power failure', 'Bad system call',
] as const;

const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function signalDescription(signal: number): string {
  if (signal >= 1 && signal <= DESCRIPTIONS.length) return DESCRIPTIONS[signal - 1]!;
  if (signal >= SIGRTMIN && signal <= SIGRTMAX) return `Real-time signal ${signal - SIGRTMIN}`;
  return `Unknown signal ${signal}`;
}
