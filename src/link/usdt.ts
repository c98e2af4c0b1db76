/**
 * USDT probes (`attachUsdt`): one uprobe per probe site of `provider:name` in a binary, each carrying
 * as its BPF cookie the id of the site's argument spec in the program's `__bpf_usdt_specs` map — the
 * map libbpf's <bpf/usdt.bpf.h> declares and reads in `bpf_usdt_arg()`, so BPF C written for libbpf's
 * USDT support runs unchanged. A probe with a semaphore gets it counted by the kernel (the uprobe's
 * reference counter), so the traced program sees it set while attached.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { BpfMap } from '../maps/map.js';
import type { Program } from '../programs/program.js';
import { abi, bpf, FileDescriptor, NativeMemory, perf } from '../sys/index.js';
import { Link } from './link.js';
import { requireProbePmu } from './probe-pmu.js';
import { resolveBinaryPath } from './symbol-offset.js';
import { encodeUsdtSpec, USDT_SPEC_SIZE } from './usdt-args.js';
import { usdtProbeArguments, usdtProbeSites, type UsdtProbeSite } from './usdt-notes.js';

export interface UsdtOptions {
  /** The executable or shared library: a path, a library name (`libc.so.6`) or an executable on PATH. */
  binary: string;
  provider: string;
  name: string;
  /** Only this process (default: every process running the binary). */
  pid?: number;
  /** What `bpf_usdt_cookie()` returns in the program. */
  cookie?: bigint;
}

/** The names usdt.bpf.h gives its maps, as the kernel keeps them (BPF_OBJ_NAME_LEN: 15 characters). */
const SPEC_MAP_NAME = '__bpf_usdt_specs'.slice(0, 15);

/** Spec ids in use, per spec map id: programs of one object share the map, as libbpf's manager does. */
const specIdsInUse = new Map<number, Set<number>>();

/**
 * All the uprobes of one USDT attachment. It stands for them all: close, detach and update act on
 * every site; closing also frees the argument specs it wrote. It cannot be pinned (the specs live
 * only as long as this process holds them).
 */
export class UsdtLink extends Link {
  /** The probe sites, in note order. */
  readonly sites: readonly UsdtProbeSite[];
  readonly #others: readonly Link[];
  readonly #specMap: BpfMap;
  readonly #specIds: readonly number[];

  constructor(first: SiteAttachment, others: readonly Link[], target: string, sites: readonly UsdtProbeSite[], specMap: BpfMap, specIds: readonly number[]) {
    super(first.link, target, [first.perfEvent]);
    this.sites = sites;
    this.#others = others;
    this.#specMap = specMap;
    this.#specIds = specIds;
  }

  override pin(): void {
    throw new NotSupportedError('pinning a USDT link', 'it is one uprobe link per probe site, and its argument specs are freed when this process closes it', 'keep the process running while the probe is traced');
  }

  override update(program: Program, expected?: Program): void {
    super.update(program, expected);
    for (const link of this.#others) link.update(program, expected);
  }

  override detach(): void {
    super.detach();
    for (const link of this.#others) link.detach();
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    for (const link of this.#others) link.close();
    const inUse = specIdsInUse.get(this.#specMap.id);
    for (const id of this.#specIds) inUse?.delete(id);
    this.#specMap.close();
  }
}

/** Attaches `program` (BPF C using <bpf/usdt.bpf.h>) to every site of USDT probe `provider:name` in `binary`. */
export function attachUsdt(program: Program, options: UsdtOptions): UsdtLink {
  const pmu = requireProbePmu('uprobe');
  const path = resolveBinaryPath(options.binary, options.pid);
  const all = usdtProbeSites(new Uint8Array(readFileSync(path)), path);
  const sites = all.filter((site) => site.provider === options.provider && site.name === options.name);
  const probe = `${options.provider}:${options.name}`;
  if (sites.length === 0) {
    const known = [...new Set(all.map((site) => `${site.provider}:${site.name}`))];
    throw new NotSupportedError(`USDT probe ${probe}`, `${path} has no such probe${known.length ? ` (it has ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : ' (it has no .note.stapsdt probes at all)'}`, `list its probes: readelf -n ${path}`);
  }
  const refCounterShift = sites.some((site) => site.semaphoreOffset !== 0) ? uprobeRefCounterShift() : 0n;
  // every site's arguments parse before anything is written or attached
  const specs = sites.map((site) => encodeUsdtSpec(usdtProbeArguments(site), options.cookie ?? 0n));
  const specMap = usdtSpecMap(program);
  const target = `usdt ${path}:${probe}`;
  const attached: SiteAttachment[] = [];
  const specIds: number[] = [];
  try {
    // sites with the same arguments share one spec
    const idByText = new Map<string, number>();
    sites.forEach((site, index) => {
      let id = idByText.get(site.argumentText);
      if (id === undefined) {
        id = allocateSpecId(specMap, probe);
        specIds.push(id);
        idByText.set(site.argumentText, id);
        specMap.update(u32(id), specs[index]!);
      }
      attached.push(attachSite(program, pmu.type, path, site, refCounterShift, id, options.pid, `${target} 0x${site.fileOffset.toString(16)}`));
    });
  } catch (error) {
    for (const site of attached) {
      site.link.close();
      site.perfEvent.close();
    }
    const inUse = specIdsInUse.get(specMap.id);
    for (const id of specIds) inUse?.delete(id);
    specMap.close();
    throw error;
  }
  const others = attached.slice(1).map((site, index) => new Link(site.link, `${target} 0x${sites[index + 1]!.fileOffset.toString(16)}`, [site.perfEvent]));
  return new UsdtLink(attached[0]!, others, target, sites, specMap, specIds);
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

interface SiteAttachment {
  link: FileDescriptor;
  perfEvent: FileDescriptor;
}

/** One site's uprobe: a perf event of the uprobe PMU (semaphore offset in the config's ref_ctr bits) linked with the spec id as cookie. */
function attachSite(program: Program, pmuType: number, path: string, site: UsdtProbeSite, refCounterShift: bigint, specId: number, pid: number | undefined, target: string): SiteAttachment {
  const pathString = new NativeMemory(Buffer.byteLength(path) + 1);
  pathString.bytes.set(new TextEncoder().encode(`${path}\0`));
  let perfFd: FileDescriptor;
  try {
    perfFd = new FileDescriptor(perf.perfEventOpen({
      type: pmuType, config: BigInt(site.semaphoreOffset) << refCounterShift, config1: pathString.address, config2: site.fileOffset,
    }, pid ?? -1, pid === undefined ? 0 : -1), target);
  } finally {
    pathString.free();
  }
  try {
    const fd = bpf.linkCreate({ programFd: program.fd.value, targetFd: perfFd.value, attachType: abi.AttachTypeId.PERF_EVENT, perfEventCookie: BigInt(specId) });
    return { link: new FileDescriptor(fd, `${target} link`), perfEvent: perfFd };
  } catch (error) {
    perfFd.close();
    throw error;
  }
}

/** Where the uprobe PMU takes a semaphore's file offset (format/ref_ctr_offset, `config:32-63`). */
function uprobeRefCounterShift(): bigint {
  const file = '/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset';
  let format: string;
  try {
    format = readFileSync(file, 'utf8');
  } catch {
    throw new NotSupportedError('USDT semaphores', `${file} is missing: the kernel's uprobes have no reference counter (added in Linux 4.20)`, 'use a newer kernel, or a probe without a semaphore');
  }
  const match = /config:(\d+)-\d+/.exec(format);
  if (!match) throw new NotSupportedError('USDT semaphores', `${file} reads '${format.trim()}', not config:N-M`, 'use a kernel whose uprobe PMU takes ref_ctr_offset in config');
  return BigInt(match[1]!);
}

/** The program's `__bpf_usdt_specs` map, opened by id from the maps the kernel says the program uses. */
function usdtSpecMap(program: Program): BpfMap {
  let found: BpfMap | undefined;
  for (const id of program.info().mapIds) {
    const map = BpfMap.fromId(id);
    if (found === undefined && map.name === SPEC_MAP_NAME) found = map;
    else map.close();
  }
  if (!found) {
    throw new InvalidArgumentError(`program '${program.name}' uses no __bpf_usdt_specs map, so it cannot read USDT arguments`, 'include <bpf/usdt.bpf.h> and read arguments with BPF_USDT(...) or bpf_usdt_arg()');
  }
  if (found.valueSize !== USDT_SPEC_SIZE || found.keySize !== 4) {
    const sizes = `${found.keySize}-byte keys and ${found.valueSize}-byte values`;
    found.close();
    throw new NotSupportedError(`the __bpf_usdt_specs map of program '${program.name}'`, `it has ${sizes}; tsbpf writes libbpf 1.1's struct __bpf_usdt_spec (4-byte keys, ${USDT_SPEC_SIZE}-byte values)`, 'build the program against the usdt.bpf.h of libbpf 1.1 (Debian 12\'s libbpf-dev)');
  }
  return found;
}

function allocateSpecId(specMap: BpfMap, probe: string): number {
  let inUse = specIdsInUse.get(specMap.id);
  if (!inUse) specIdsInUse.set(specMap.id, (inUse = new Set()));
  for (let id = 0; id < specMap.maxEntries; id++) {
    if (!inUse.has(id)) {
      inUse.add(id);
      return id;
    }
  }
  throw new NotSupportedError(`attaching USDT probe ${probe}`, `all ${specMap.maxEntries} argument specs of __bpf_usdt_specs are in use`, 'close other USDT links, or define BPF_USDT_MAX_SPEC_CNT larger before including usdt.bpf.h');
}

/** SEC("usdt/PATH:PROVIDER:NAME") as libbpf's auto-attach reads it (no colon in any part; every process). */
export function attachUsdtSection(program: Program, section: string, target: string): UsdtLink {
  const match = /^([^:]+):([^:]+):([^:]+)$/.exec(target);
  if (!match) throw new InvalidArgumentError(`SEC("${section}") is not usdt/PATH:PROVIDER:NAME`, 'write SEC("usdt/<binary path>:<provider>:<probe name>"), or SEC("usdt") and attach it with attachUsdt');
  return attachUsdt(program, { binary: match[1]!, provider: match[2]!, name: match[3]! });
}
