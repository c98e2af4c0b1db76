/**
 * `tsbpf demo`: the foundation, live, in a few seconds. Probes the kernel, creates a hash map, writes
 * and reads it, finds it among the kernel's maps the way `bpftool map list` does, and removes it. Each
 * step says in a sentence what happened in the kernel. The tools issue grows this into the full tour.
 */
import { BpfMap, MapType, codecs, mapTypeName } from '../maps/index.js';
import { ProgramType, programTypeName } from '../programs/index.js';
import { mapIds, mapInfoById } from '../info/index.js';
import { haveHelper, haveMapType, haveProgramType } from '../features/index.js';
import { toJson, type OutputOptions } from './output.js';

const DEMO_MAP_NAME = 'tsbpf_demo';

interface DemoStep {
  title: string;
  explanation: string;
  lines: string[];
}

export function runDemo(options: OutputOptions): void {
  const steps: DemoStep[] = [];
  const report = (step: DemoStep) => {
    steps.push(step);
    if (!options.json) process.stdout.write(formatStep(steps.length, step));
  };

  // Creating the map first means an unprivileged user hears "EPERM, grant CAP_BPF" before any probe
  // output, rather than a list of features that look missing only for lack of privileges.
  const map = BpfMap.create({ type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 16, name: DEMO_MAP_NAME });
  try {
    report(probeStep());
    const counts = map.typed({ key: codecs.u32, value: codecs.u64 });
    report({
      title: 'Create a map',
      explanation: 'BPF_MAP_CREATE asked the kernel for a hash map; the kernel answered with a file descriptor, and the map lives as long as something holds one.',
      lines: [`${mapTypeName(map.type)} map ${map.name} with id ${map.id}: key ${map.keySize}B, value ${map.valueSize}B, max_entries ${map.maxEntries}`],
    });

    const written: [number, bigint][] = [[1, 10n], [2, 20n], [3, 30n]];
    for (const [key, value] of written) counts.set(key, value);
    counts.set(2, counts.get(2)! + 5n);
    report({
      title: 'Write',
      explanation: 'BPF_MAP_UPDATE_ELEM copied each key and value into kernel memory, where a BPF program could read and change them.',
      lines: [...written.map(([key, value]) => `update key ${key} -> ${value}`), 'update key 2 -> 25 (read, add 5, write back)'],
    });

    report({
      title: 'Read',
      explanation: 'BPF_MAP_LOOKUP_ELEM read single values; BPF_MAP_GET_NEXT_KEY walked every key, in the order of the hash table.',
      lines: [
        `lookup key 2 -> ${counts.get(2)}`,
        `lookup key 9 -> ${counts.get(9) ?? 'not found'}`,
        ...[...counts.entries()].map(([key, value]) => `entry ${key} = ${value}`),
      ],
    });

    const listed = listKernelMaps(map.id);
    report({
      title: 'List',
      explanation: 'BPF_MAP_GET_NEXT_ID enumerated every map in the kernel and BPF_OBJ_GET_INFO_BY_FD described ours, which is what `bpftool map list` does.',
      lines: listed,
    });
  } finally {
    map.close();
  }
  const gone = !listKernelMapIds().has(map.id);
  report({
    title: 'Clean up',
    explanation: 'Closing the last file descriptor released the map; the kernel freed it.',
    lines: [gone ? `map id ${map.id} is gone from the kernel` : `map id ${map.id} is still listed (another process holds it)`],
  });
  if (options.json) process.stdout.write(`${toJson({ steps }, options.pretty)}\n`);
}

function probeStep(): DemoStep {
  const lines: string[] = [];
  for (const type of [ProgramType.Tracepoint, ProgramType.Xdp, ProgramType.Tracing, ProgramType.Lsm]) {
    const result = haveProgramType(type);
    lines.push(`program type ${programTypeName(type)}: ${result.supported ? 'available' : 'not available'}${result.reason ? ` (${result.reason})` : ''}`);
  }
  for (const type of [MapType.Hash, MapType.RingBuf]) {
    const result = haveMapType(type);
    lines.push(`map type ${mapTypeName(type)}: ${result.supported ? 'available' : `not available (${result.reason})`}`);
  }
  const helper = haveHelper(ProgramType.Tracepoint, 'map_lookup_elem');
  lines.push(`helper bpf_map_lookup_elem in tracepoint programs: ${helper.supported ? 'available' : `not available (${helper.reason})`}`);
  return {
    title: 'Feature probe',
    explanation: 'tsbpf loaded tiny programs and created tiny maps to learn what this kernel supports (`tsbpf feature probe kernel` shows everything).',
    lines,
  };
}

function listKernelMapIds(): Set<number> {
  return new Set(mapIds());
}

/** Our map in bpftool's list format, and how many others the kernel holds. */
function listKernelMaps(ourId: number): string[] {
  let others = 0;
  const lines: string[] = [];
  for (const id of mapIds()) {
    if (id !== ourId) {
      others++;
      continue;
    }
    const info = mapInfoById(id);
    lines.push(`${info.id}: ${mapTypeName(info.type)}  name ${info.name}  flags 0x${info.flags.toString(16)}`);
    lines.push(`\tkey ${info.keySize}B  value ${info.valueSize}B  max_entries ${info.maxEntries}`);
  }
  lines.push(`(and ${others} other map${others === 1 ? '' : 's'} in the kernel)`);
  return lines;
}

function formatStep(index: number, step: DemoStep): string {
  return `${index}. ${step.title}\n   ${step.explanation}\n${step.lines.map((line) => `     ${line.replaceAll('\t', '        ')}`).join('\n')}\n\n`;
}
