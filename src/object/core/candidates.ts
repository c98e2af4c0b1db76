/**
 * Candidate search: the target types a local type may correspond to. As libbpf does it, a candidate
 * has the local type's kind (enum and enum64 count as one) and the same essential name (flavors
 * dropped on both sides: local `task_struct___old` finds `task_struct`, local `nf_conn` finds both
 * `nf_conn` and `nf_conn___init`), in id order. The first target (vmlinux, or the custom BTF that
 * replaces it) is searched first; only when it has no candidate are the others (modules, split on
 * vmlinux) searched, all of them, each from its own first id.
 *
 * libbpf scans every type of the target for every local type; here the name index (Btf.findByName)
 * finds the exact names and a per-target list of flavored names, built once from the raw string
 * table, finds the rest.
 */
import type { Btf } from '../../btf/btf.js';
import { essentialName, hasFlavor, kindsCoreCompatible } from './btf-walk.js';

/** A BTF to find candidates in: vmlinux, a module (split BTF on vmlinux), or a custom target file. */
export interface CoreTarget {
  name: string;
  btf: Btf;
}

export interface CoreCandidate {
  target: CoreTarget;
  /** The candidate's id in `target.btf` (split ids continue after the base's). */
  id: number;
}

/** BTF with fewer types than this reads its names one by one instead of scanning the string table. */
const SMALL_BTF_TYPES = 20_000;

/**
 * Reusable across programs of one object and across loads (target BTF is immutable): candidate lists
 * per target and essential name. It also holds libbpf's per-load pruning: once a relocation has
 * chosen among several candidates of a local type, later relocations of that type only consider the
 * ones it kept. Call `beginLoad()` before relocating an object so one load does not inherit another's
 * pruning (relocateCore without a cache uses a fresh one).
 */
export class CoreCandidateCache {
  /** Per target: `${kind}:${essentialName}` → candidate ids (unpruned). */
  readonly #byName = new WeakMap<Btf, Map<string, readonly number[]>>();
  /** Per local BTF: local type id → the candidates still in play this load, and the targets they came from. */
  #pruned = new WeakMap<Btf, Map<number, { targets: readonly Btf[]; candidates: CoreCandidate[] }>>();

  /** Forgets the per-load pruning (the name lookups stay). */
  beginLoad(): void {
    this.#pruned = new WeakMap();
  }

  /** Candidate ids in one target for a local type of `kind` named `name`, in id order. */
  candidatesIn(target: Btf, kind: number, name: string): readonly number[] {
    const essential = essentialName(name);
    const key = `${kind}:${essential}`;
    let perTarget = this.#byName.get(target);
    if (!perTarget) this.#byName.set(target, (perTarget = new Map()));
    const known = perTarget.get(key);
    if (known) return known;
    const ids: number[] = [];
    for (const type of target.findByName(essential)) {
      if (type.id >= target.firstTypeId && kindsCoreCompatible(type.kind, kind)) ids.push(type.id);
    }
    for (const id of flavoredTypes(target).get(essential) ?? []) {
      if (kindsCoreCompatible(target.kindOf(id), kind)) ids.push(id);
    }
    ids.sort((a, b) => a - b);
    perTarget.set(key, ids);
    return ids;
  }

  /** The candidates for local type `localId` across `targets` (libbpf's bpf_core_find_cands), pruned as this load went. */
  candidatesFor(local: Btf, localId: number, targets: readonly CoreTarget[]): CoreCandidate[] {
    let perLocal = this.#pruned.get(local);
    if (!perLocal) this.#pruned.set(local, (perLocal = new Map()));
    const known = perLocal.get(localId);
    if (known && known.targets.length === targets.length && known.targets.every((btf, i) => btf === targets[i]!.btf)) return known.candidates;
    const kind = local.kindOf(localId);
    const name = local.nameOf(localId);
    const candidates: CoreCandidate[] = [];
    const [main, ...modules] = targets;
    if (main) for (const id of this.candidatesIn(main.btf, kind, name)) candidates.push({ target: main, id });
    // the main target answers alone when it has any candidate; else every module is searched
    if (candidates.length === 0) {
      for (const target of modules) for (const id of this.candidatesIn(target.btf, kind, name)) candidates.push({ target, id });
    }
    perLocal.set(localId, { targets: targets.map((target) => target.btf), candidates });
    return candidates;
  }

  /** Keeps only `kept` for the rest of this load (libbpf prunes the shared list after a relocation matched). */
  prune(local: Btf, localId: number, kept: CoreCandidate[]): void {
    const entry = this.#pruned.get(local)?.get(localId);
    if (entry) entry.candidates = kept;
  }
}

/**
 * Per target: essential name → ids of own types whose name carries a flavor. Kept for the life of the
 * Btf (immutable) whatever cache asks, so a relocateCore call without a cache does not scan again.
 */
const flavoredByTarget = new WeakMap<Btf, Map<string, number[]>>();

function flavoredTypes(btf: Btf): Map<string, number[]> {
  let flavored = flavoredByTarget.get(btf);
  if (flavored) return flavored;
  flavored = new Map();
  const add = (id: number, name: string) => {
    const essential = essentialName(name);
    const ids = flavored!.get(essential);
    if (ids) ids.push(id);
    else flavored!.set(essential, [id]);
  };
  // split BTF may name its types with its base's strings, so only unsplit tables are scanned
  const strings = !btf.base && btf.typeCount - btf.firstTypeId > SMALL_BTF_TYPES ? btf.asciiStringBytes() : null;
  if (strings) {
    // the few flavored strings, then the types named so through the name index: no walk over the types
    const decoder = new TextDecoder('utf-8');
    for (const start of flavoredStringOffsets(strings)) {
      const name = decoder.decode(strings.subarray(start, strings.indexOf(0, start)));
      for (const type of btf.findByName(name)) if (type.id >= btf.firstTypeId) add(type.id, name);
    }
  } else {
    for (let id = btf.firstTypeId; id < btf.typeCount; id++) {
      const name = btf.nameOf(id);
      if (name.length >= 5 && hasFlavor(name)) add(id, name);
    }
  }
  flavoredByTarget.set(btf, flavored);
  return flavored;
}

/**
 * Start offsets of the NUL-terminated strings in `bytes` that contain a flavor
 * separator `X___Y`: exactly three underscores between two other non-NUL bytes. The table is decoded
 * once (ASCII, so UTF-8 decoding keeps offsets and takes ~2 ms for vmlinux; the latin1 decoder took
 * 20) and searched with the native indexOf: a JS loop over the 2 MB of bytes runs once per target,
 * before V8 optimises it, and cost ~14 ms.
 */
function flavoredStringOffsets(bytes: Uint8Array): number[] {
  const text = new TextDecoder('utf-8').decode(bytes);
  const starts: number[] = [];
  for (let at = text.indexOf('___'); at >= 0; at = text.indexOf('___', at + 1)) {
    let last = at + 2;
    while (text.charCodeAt(last + 1) === 0x5f) last++;
    const before = at > 0 ? text.charCodeAt(at - 1) : 0;
    const after = text.charCodeAt(last + 1);
    if (last - at === 2 && before !== 0 && before !== 0x5f && after > 0) {
      starts.push(text.lastIndexOf('\0', at) + 1);
      const stringEnd = text.indexOf('\0', last);
      if (stringEnd < 0) break;
      at = stringEnd;
    } else {
      at = last;
    }
  }
  return starts;
}
