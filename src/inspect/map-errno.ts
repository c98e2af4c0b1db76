/**
 * glibc's strerror text for the errnos map commands meet, because bpftool prints that text inside a
 * dump (`value:\nUnknown error 524`, `{"error":"No such file or directory"}`).
 */
const MESSAGES: Readonly<Record<number, string>> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process', 4: 'Interrupted system call',
  5: 'Input/output error', 7: 'Argument list too long', 9: 'Bad file descriptor', 11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory', 13: 'Permission denied', 14: 'Bad address', 16: 'Device or resource busy',
  17: 'File exists', 19: 'No such device', 22: 'Invalid argument', 24: 'Too many open files',
  28: 'No space left on device', 34: 'Numerical result out of range', 38: 'Function not implemented',
  95: 'Operation not supported',
};

export function strerror(errno: number): string {
  return MESSAGES[errno] ?? `Unknown error ${errno}`;
}
