/**
 * `tsbpf prog attach|detach PROG ATTACH_TYPE [MAP]`, bpftool's: the attach types without a BPF link —
 * sk_msg/sk_skb programs on a sockmap or sockhash, and flow_dissector on this network namespace.
 */
import { InvalidArgumentError } from '../errors.js';
import { openMap } from '../inspect/maps.js';
import { MapArgumentError, parseMapSelector, parseProgramSelector } from '../inspect/map-args.js';
import { openPrograms } from '../inspect/programs.js';
import { AttachTypeId as A } from '../sys/abi.js';
import { bpf, closeRawFd } from '../sys/index.js';
import { UsageError } from './cli-errors.js';

/** bpftool's attach type names for `prog attach`. */
const ATTACH_TYPES: Readonly<Record<string, number>> = {
  sk_msg_verdict: A.SK_MSG_VERDICT,
  sk_skb_verdict: A.SK_SKB_VERDICT,
  sk_skb_stream_verdict: A.SK_SKB_STREAM_VERDICT,
  sk_skb_stream_parser: A.SK_SKB_STREAM_PARSER,
  flow_dissector: A.FLOW_DISSECTOR,
};

export function progAttachCommand(words: readonly string[], detach: boolean): void {
  let parsed: { program: ReturnType<typeof parseProgramSelector>; type: number; map?: ReturnType<typeof parseMapSelector> };
  try {
    const program = parseProgramSelector(words);
    const [typeName, ...rest] = program.rest;
    const type = typeName === undefined ? undefined : ATTACH_TYPES[typeName];
    if (type === undefined) throw new UsageError(`invalid attach type '${typeName ?? ''}'`, `use one of ${Object.keys(ATTACH_TYPES).join(', ')}`);
    if (type === A.FLOW_DISSECTOR) {
      if (rest.length > 0) throw new UsageError(`flow_dissector takes no map, got '${rest.join(' ')}'`);
      parsed = { program, type };
    } else {
      const map = parseMapSelector(rest);
      if (map.rest.length > 0) throw new UsageError(`unexpected '${map.rest.join(' ')}'`);
      parsed = { program, type, map };
    }
  } catch (error) {
    if (error instanceof MapArgumentError) throw new UsageError(error.message, error.hint);
    throw error;
  }
  const programs = openPrograms(parsed.program.selector);
  try {
    if (programs.length !== 1) throw new InvalidArgumentError(`the program selector matches ${programs.length} programs`, 'name one program (id N)');
    const programFd = programs[0]!;
    using map = parsed.map ? openMap(parsed.map.selector) : undefined;
    const targetFd = map ? map.fd.value : 0; // 0: this process's network namespace
    if (detach) bpf.progDetach(targetFd, programFd, parsed.type);
    else bpf.progAttach({ targetFd, programFd, attachType: parsed.type });
  } finally {
    for (const fd of programs) closeRawFd(fd);
  }
}
