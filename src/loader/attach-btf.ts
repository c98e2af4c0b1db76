/**
 * Programs whose SEC name says "attach by BTF" (tp_btf, fentry/fexit/fmod_ret, lsm, iter) load with
 * the BTF id of their target, found by name in kernel BTF with libbpf's prefixes.
 */
import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/types.js';
import { NotSupportedError } from '../errors.js';
import type { ObjectProgramSpec } from '../object/object-spec.js';
import { ProgramTypeId as P, AttachTypeId as A } from '../sys/abi.js';

/** The type name and kind libbpf looks up for a program's attach target. */
export function attachBtfQuery(program: ObjectProgramSpec): { name: string; kind: number } {
  const target = program.attachTarget;
  if (program.programType === P.TRACING && program.expectedAttachType === A.TRACE_RAW_TP) return { name: `btf_trace_${target}`, kind: BtfKind.Typedef };
  if (program.programType === P.TRACING && program.expectedAttachType === A.TRACE_ITER) return { name: `bpf_iter_${target}`, kind: BtfKind.Func };
  if (program.programType === P.LSM) return { name: `bpf_lsm_${target}`, kind: BtfKind.Func };
  return { name: target, kind: BtfKind.Func };
}

/**
 * The BTF id of a program's attach target: in vmlinux, else in a module (`btfIndex` 1.. into `btfs`,
 * whose BTF object the load passes as attach_btf_obj_fd); NotSupportedError naming what is missing.
 */
export function findAttachBtfId(program: ObjectProgramSpec, btfs: readonly Btf[]): { typeId: number; btfIndex: number } {
  if (program.attachTarget === '') {
    throw new NotSupportedError(`program '${program.name}'`, `SEC("${program.section}") names no attach target, and this program type loads only against one`, `write SEC("${program.section}/<target>")`);
  }
  const query = attachBtfQuery(program);
  for (const [btfIndex, btf] of btfs.entries()) {
    // a module's split BTF also finds vmlinux's types; only its own count
    const found = btf.findByName(query.name, query.kind as BtfKind).find((t) => btfIndex === 0 || t.id >= btf.firstTypeId);
    if (found) return { typeId: found.id, btfIndex };
  }
  throw new NotSupportedError(`program '${program.name}'`, `the kernel's BTF has no ${query.kind === BtfKind.Typedef ? 'typedef' : 'function'} '${query.name}' for SEC("${program.section}")`, 'check the target name against this kernel (tsbpf btf dump file /sys/kernel/btf/vmlinux)');
}
