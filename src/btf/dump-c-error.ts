/** BTF the C dumper can't write as C; `typeId` names the type where it found the problem. */
import { TsbpfError } from '../errors.js';

export class BtfDumpError extends TsbpfError {
  constructor(readonly typeId: number, problem: string) {
    super(`cannot dump BTF type [${typeId}] as C: ${problem}`, 'the BTF is malformed; check it with `bpftool btf dump ... format raw`');
  }
}

/**
 * How deep the dumper's walks may nest (embedded types, pointer targets, prototypes' parameters,
 * typedef targets) before it calls the BTF a loop. The kernel refuses BTF whose types resolve more
 * than 32 levels deep (MAX_RESOLVE_DEPTH in kernel/bpf/btf.c), so every BTF it accepts stays far
 * below; libbpf's dumper has no limit and overflows the C stack on such loops.
 */
export const MAX_DUMP_DEPTH = 512;
