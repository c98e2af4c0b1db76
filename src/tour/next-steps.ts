/** The tour's last step: the commands that take each idea further, on the learner's own machine. */
export const NEXT_STEPS: readonly (readonly [command: string, what: string])[] = [
  ['sudo tsbpf opensnoop', 'every open on this machine, live (-x failed only, -p PID, -e flags, --json)'],
  ['sudo tsbpf prog list', 'every BPF program the kernel runs now, not just the tour\'s'],
  ['sudo tsbpf map list', 'every map; then: sudo tsbpf map dump id N'],
  ['sudo tsbpf prog dump xlated id N linum', 'any loaded program with its C lines (when it has BTF)'],
  ['tsbpf obj disasm FILE --source', 'an object file\'s bytecode with its C lines, no kernel needed'],
  ['sudo tsbpf btf dump file /sys/kernel/btf/vmlinux format c', 'the kernel\'s own types as C (vmlinux.h)'],
  ['sudo tsbpf prog run FILE --attach', 'your own object: load, attach, print its events'],
  ['sudo tsbpf feature probe kernel', 'what this kernel supports'],
];

export function nextStepsText(): string {
  const width = Math.max(...NEXT_STEPS.map(([command]) => command.length));
  return NEXT_STEPS.map(([command, what]) => `  ${command.padEnd(width)}  # ${what}\n`).join('');
}
