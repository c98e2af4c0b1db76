/**
 * Tools that hook scheduler or block tracepoints carry each program twice, as libbpf-tools does: a tp_btf
 * one (typed arguments, 5.5+) named `*_btf` and a raw_tp one named `*_raw` for kernels without BTF
 * tracing. One set loads, chosen by feature probe or by tsbpf's `--tracepoints` flag.
 */
import { AttachType, features, ProgramType, type ObjectSpec } from '../../index.js';
import { ToolUsageError } from './tool.js';

export type TracepointFlavor = 'tp_btf' | 'raw_tp';

/** `--tracepoints`: tsbpf's own flag choosing the hook flavor (default: tp_btf where it loads). */
export function parseFlavor(value: string | true | undefined): TracepointFlavor | 'auto' {
  const flavor = value ?? 'auto';
  if (flavor !== 'auto' && flavor !== 'tp_btf' && flavor !== 'raw_tp') throw new ToolUsageError(`Invalid tracepoint flavor: ${String(flavor)}`);
  return flavor;
}

/** Loads the `_btf` programs where tp_btf works (or as asked), else the `_raw` ones. */
export function chooseTracepointFlavor(spec: ObjectSpec, asked: TracepointFlavor | 'auto' = 'auto'): TracepointFlavor {
  const flavor = asked !== 'auto' ? asked : features.haveAttachType(ProgramType.Tracing, AttachType.TraceRawTp).supported ? 'tp_btf' : 'raw_tp';
  const suffix = flavor === 'tp_btf' ? '_btf' : '_raw';
  for (const program of spec.programs) program.autoload = program.name.endsWith(suffix);
  return flavor;
}
