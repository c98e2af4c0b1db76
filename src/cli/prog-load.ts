/** The work behind `tsbpf prog load|loadall`: keyword parsing as bpftool does it, then loader calls. */
import { TsbpfError, VerifierError } from '../errors.js';
import { loadObject, openObject } from '../loader/index.js';
import { BpfMap } from '../maps/map.js';
import { matchSection } from '../object/section-names.js';
import { formatVerifierReport } from '../programs/verifier-report.js';
import { unpin } from '../sys/bpffs.js';
import { UsageError } from './cli-errors.js';

interface Keywords {
  type?: string;
  maps: { key: { index: number } | { name: string }; path: string }[];
  pinmaps?: string;
}

function parseKeywords(words: readonly string[]): Keywords {
  const result: Keywords = { maps: [] };
  for (let i = 0; i < words.length;) {
    const word = words[i]!;
    const need = (count: number) => {
      if (i + count >= words.length) throw new UsageError(`'${word}' needs ${count} more argument${count > 1 ? 's' : ''}`, `usage: ${word === 'map' ? 'map { idx IDX | name NAME } PINNED_PATH' : `${word} VALUE`}`);
    };
    if (word === 'type') { need(1); result.type = words[i + 1]!; i += 2; continue; }
    if (word === 'pinmaps') { need(1); result.pinmaps = words[i + 1]!; i += 2; continue; }
    if (word === 'map') {
      need(3);
      const how = words[i + 1]!;
      const value = words[i + 2]!;
      if (how === 'idx') {
        const index = Number(value);
        if (!Number.isInteger(index) || index < 0) throw new UsageError(`map idx '${value}' is not a map index`, 'give the map\'s 0-based index in the object');
        result.maps.push({ key: { index }, path: words[i + 3]! });
      } else if (how === 'name') {
        result.maps.push({ key: { name: value }, path: words[i + 3]! });
      } else throw new UsageError(`expected 'idx' or 'name' after 'map', got '${how}'`, 'usage: map { idx IDX | name NAME } PINNED_PATH');
      i += 4;
      continue;
    }
    throw new UsageError(`unknown keyword '${word}'`, 'expected type, map or pinmaps');
  }
  return result;
}

export async function progLoad(objectPath: string, path: string, words: readonly string[], options: { all: boolean; debug: boolean }): Promise<void> {
  const keywords = parseKeywords(words);
  let programType: number | undefined;
  if (keywords.type !== undefined) {
    const match = matchSection(keywords.type);
    if (!match) throw new UsageError(`unknown program type '${keywords.type}'`, 'give a section-style type name: socket, xdp, tracepoint, kprobe, ...');
    programType = match.definition.programType;
  }
  const spec = await openObject(objectPath);
  const replacements: Record<string, BpfMap> = {};
  try {
    for (const { key, path: pinned } of keywords.maps) {
      const map = 'index' in key ? spec.maps[key.index] : spec.maps.find((m) => m.name === key.name || m.fullName === key.name);
      if (!map) throw new UsageError(`the object has no map ${'index' in key ? `at index ${key.index}` : `named '${key.name}'`}`, `its maps: ${spec.maps.map((m) => m.name).join(', ') || 'none'}`);
      replacements[map.fullName] = BpfMap.fromPinned(pinned);
    }
    const object = await loadObject(spec, { maps: replacements, ...(programType !== undefined ? { programType } : {}) }).catch((error: unknown) => {
      if (error instanceof VerifierError && error.report) process.stderr.write(`${formatVerifierReport(error.report)}\n`);
      else if (error instanceof VerifierError && options.debug) process.stderr.write(`${error.log}\n`);
      throw error;
    });
    const pinned: string[] = [];
    try {
      if (options.all) pinned.push(...object.pinPrograms(path));
      else {
        const first = Object.values(object.programs)[0];
        if (!first) throw new TsbpfError(`object ${objectPath} has no program to pin`, 'check its SEC() names (tsbpf obj show)');
        first.pin(path);
        pinned.push(path);
      }
      if (keywords.pinmaps) pinned.push(...object.pinMaps(keywords.pinmaps));
    } catch (error) {
      for (const p of pinned) {
        try { unpin(p); } catch { /* already gone */ }
      }
      throw error;
    } finally {
      object.close();
    }
  } finally {
    for (const map of Object.values(replacements)) map.close();
  }
}
