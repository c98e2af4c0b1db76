/**
 * USDT probes (`attachUsdt`): one uprobe per probe site of `provider:name` in a binary, each carrying
 * as its BPF cookie the id of the site's argument spec in the program's `__bpf_usdt_specs` map — the
 * map libbpf's <bpf/usdt.bpf.h> declares and reads in `bpf_usdt_arg()`, so BPF C written for libbpf's
 * USDT support runs unchanged. A probe with a semaphore gets it counted by the kernel (the uprobe's
 * reference counter), so the traced program sees it set while attached.
 *
 * Each uprobe is a perf event of the uprobe PMU, or, where the kernel has none (before 4.17) or
 * `mode: 'legacy'` asks, a tracefs `uprobe_events` event at the site's offset with the semaphore as
 * its reference counter (`PATH:0xOFF(0xSEM)`); the link is the same either way, and closing it
 * removes the events it made.
 *
 * Kernels before 5.15 have no BPF cookies: usdt.bpf.h (its LINUX_HAS_BPF_COOKIE false) then finds the
 * spec id in its `__bpf_usdt_ip_to_spec_id` hash map by the address the uprobe fired at. That address
 * is absolute, so a position-independent binary (a shared library, a PIE executable) can be traced
 * that way only in one process, whose mappings say where the file was loaded. Those kernels have no
 * perf event BPF links either: each site tries the link and, refused (EINVAL) with no cookie to carry,
 * gets the program by ioctl on its perf event instead (attachPerfEvent's fallback, PerfEventAttachment).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { ElfType, parseElf } from '../elf/index.js';
import { Errno, InvalidArgumentError, NotSupportedError, SystemError } from '../errors.js';
import { haveHelper } from '../features/helpers.js';
import { ProgramType } from '../programs/program-types.js';
import { BpfMap } from '../maps/map.js';
import type { Program } from '../programs/program.js';
import { abi, FileDescriptor, NativeMemory, perf } from '../sys/index.js';
import type { LinkInfo } from '../info/link-info.js';
import { chooseProbePmu, openUprobeEvent, removeProbeEvent, type ProbeEvent } from './kprobe-legacy.js';
import { Link } from './link.js';
import { PerfEventAttachment } from './perf-event-ioctl.js';
import type { ProbePmu } from './probe-pmu.js';
import type { ProbeMode } from './probes.js';
import { resolveBinaryPath } from './symbol-offset.js';
import { attachPerfEvent } from './tracepoint.js';
import { encodeUsdtSpec, USDT_SPEC_SIZE } from './usdt-args.js';
import { usdtProbeArguments, usdtProbeSitesOf, type UsdtProbeSite } from './usdt-notes.js';

export interface UsdtOptions {
  /** The executable or shared library: a path, a library name (`libc.so.6`) or an executable on PATH. */
  binary: string;
  provider: string;
  name: string;
  /** Only this process (default: every process running the binary). */
  pid?: number;
  /** What `bpf_usdt_cookie()` returns in the program. */
  cookie?: bigint;
  /**
   * Whether each site's spec id goes to the program as its BPF cookie (default: where the kernel has
   * bpf_get_attach_cookie, the answer tsbpf's loader gives the program's LINUX_HAS_BPF_COOKIE). With
   * false, the spec ids are found by address in `__bpf_usdt_ip_to_spec_id`, as on kernels before 5.15;
   * it must agree with the program's LINUX_HAS_BPF_COOKIE.
   */
  bpfCookies?: boolean;
  /**
   * How the uprobes are made (default 'auto'): 'pmu' through the uprobe PMU, 'legacy' as tracefs
   * uprobe_events events, 'auto' the PMU where the kernel has one, else tracefs (as for attachUprobe).
   */
  mode?: ProbeMode;
  /**
   * For tests (default true): false attaches without BPF links, by PERF_EVENT_IOC_SET_BPF on each
   * site's perf event, as kernels before 5.15 must (where a link is refused, that happens anyway);
   * only with bpfCookies false, since such an attachment carries no cookie.
   */
  perfEventLinks?: boolean;
}

/** The names usdt.bpf.h gives its maps, as the kernel keeps them (BPF_OBJ_NAME_LEN: 15 characters). */
const SPEC_MAP_NAME = '__bpf_usdt_specs'.slice(0, 15);
const IP_MAP_NAME = '__bpf_usdt_ip_to_spec_id'.slice(0, 15);

/** Spec ids in use, per spec map id: programs of one object share the map, as libbpf's manager does. */
const specIdsInUse = new Map<number, Set<number>>();

/** Why a USDT link whose sites have no BPF link can't do what a link can. */
const WITHOUT_LINKS = 'its sites hold the program on their perf events (PERF_EVENT_IOC_SET_BPF: kernels before 5.15 have no perf event links)';

/**
 * All the uprobes of one USDT attachment: one Link per site (a BPF link on the site's perf event, or
 * a PerfEventAttachment where the kernel has no perf event links). It stands for them all: close,
 * detach and update act on every site; closing also frees the argument specs it wrote and removes
 * its tracefs events. Its own fd, id and info are the first site's. It cannot be pinned (the specs
 * live only as long as this process holds them).
 */
export class UsdtLink extends Link {
  /** The probe sites, in note order. */
  readonly sites: readonly UsdtProbeSite[];
  /** One per site, in site order: a BPF link, or a PerfEventAttachment (no BPF link). */
  readonly links: readonly Link[];
  /** The tracefs uprobe events, one per site in site order (made in legacy mode), else empty. */
  readonly probeEvents: readonly ProbeEvent[];
  /** Whether every site has a BPF link (false: the program sits on the perf events, as before Linux 5.15). */
  readonly bpfLinks: boolean;
  readonly #specMap: BpfMap;
  readonly #specIds: readonly number[];
  readonly #addresses: AddressEntries | undefined;
  #released = false;

  constructor(attached: readonly SiteAttachment[], target: string, sites: readonly UsdtProbeSite[], specMap: BpfMap, specIds: readonly number[], addresses?: AddressEntries) {
    // the first site's fd stands for the link; closing it twice (here and in its Link) is harmless
    super(attached[0]!.link.fd, target);
    this.sites = sites;
    this.links = attached.map((site) => site.link);
    this.probeEvents = attached.flatMap((site) => (site.event ? [site.event] : []));
    this.bpfLinks = this.links.every((link) => !(link instanceof PerfEventAttachment));
    this.#specMap = specMap;
    this.#specIds = specIds;
    this.#addresses = addresses;
  }

  /** The absolute addresses of the sites in `__bpf_usdt_ip_to_spec_id` (attached without BPF cookies), else undefined. */
  get addresses(): readonly bigint[] | undefined {
    return this.#addresses?.written;
  }

  /** The first site's link id. */
  override get id(): number {
    if (!this.bpfLinks) throw new NotSupportedError(`a link id for ${this.target}`, WITHOUT_LINKS, 'close() detaches it');
    return super.id;
  }

  /** The first site's link info (every site's link is alike but for the perf event). */
  override info(): LinkInfo {
    if (!this.bpfLinks) throw new NotSupportedError(`link info for ${this.target}`, WITHOUT_LINKS, 'close() detaches it');
    return super.info();
  }

  override pin(): void {
    if (!this.bpfLinks) throw new NotSupportedError(`pinning ${this.target}`, WITHOUT_LINKS, 'keep the process running while the probe is traced');
    throw new NotSupportedError('pinning a USDT link', 'it is one uprobe link per probe site, and its argument specs are freed when this process closes it', 'keep the process running while the probe is traced');
  }

  override update(program: Program, expected?: Program): void {
    if (!this.bpfLinks) throw new NotSupportedError(`updating the program on ${this.target}`, WITHOUT_LINKS, 'close it and attach the new program');
    for (const link of this.links) link.update(program, expected);
  }

  /** Detaches every site; without BPF links only freeing the perf events does that, so it closes the link. */
  override detach(): void {
    if (!this.bpfLinks) return this.close();
    for (const link of this.links) link.detach();
  }

  /** Detaches every site and frees what the link holds; an event tracefs would not remove is reported after the rest is freed. */
  override close(): void {
    if (this.#released) return;
    this.#released = true;
    const failures: unknown[] = [];
    const attempt = (step: () => void) => {
      try {
        step();
      } catch (error) {
        failures.push(error);
      }
    };
    for (const link of this.links) attempt(() => link.close());
    // the perf events are gone, so tracefs lets their events go
    for (const event of this.probeEvents) attempt(() => removeProbeEvent(event));
    attempt(() => releaseSpecs(this.#specMap, this.#specIds, this.#addresses));
    if (failures.length > 0) throw failures[0];
  }
}

/** Attaches `program` (BPF C using <bpf/usdt.bpf.h>) to every site of USDT probe `provider:name` in `binary`. */
export function attachUsdt(program: Program, options: UsdtOptions): UsdtLink {
  const pmu = chooseProbePmu('uprobe', options.mode ?? 'auto');
  const path = resolveBinaryPath(options.binary, options.pid);
  const elf = parseElf(new Uint8Array(readFileSync(path)));
  const all = usdtProbeSitesOf(elf, path);
  const sites = all.filter((site) => site.provider === options.provider && site.name === options.name);
  const probe = `${options.provider}:${options.name}`;
  if (sites.length === 0) {
    const known = [...new Set(all.map((site) => `${site.provider}:${site.name}`))];
    throw new NotSupportedError(`USDT probe ${probe}`, `${path} has no such probe${known.length ? ` (it has ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : ' (it has no .note.stapsdt probes at all)'}`, `list its probes: readelf -n ${path}`);
  }
  const bpfCookies = options.bpfCookies ?? haveHelper(ProgramType.Kprobe, 'get_attach_cookie').supported;
  const perfEventLinks = options.perfEventLinks ?? true;
  if (!perfEventLinks && bpfCookies) {
    throw new InvalidArgumentError(`USDT probe ${probe}: perfEventLinks false with BPF cookies${options.bpfCookies === undefined ? ' (this kernel has them, so bpfCookies defaults to true)' : ''}: a program set on a perf event by ioctl gets no cookie`,
      'pass bpfCookies: false too, and load the program with its LINUX_HAS_BPF_COOKIE false');
  }
  // without cookies: where each site sits in memory, known before anything is written
  const absolute = bpfCookies ? undefined : siteAddresses(path, elf.header.type, sites, probe, options.pid);
  // the PMU takes a semaphore in its config bits; a tracefs event names it in its definition
  const refCounterShift = pmu && sites.some((site) => site.semaphoreOffset !== 0) ? uprobeRefCounterShift() : 0n;
  // every site's arguments parse before anything is written or attached
  const specs = sites.map((site) => encodeUsdtSpec(usdtProbeArguments(site), options.cookie ?? 0n));
  const specMap = usdtSpecMap(program);
  let addresses: AddressEntries | undefined;
  const target = `usdt ${path}:${probe}`;
  const siteTarget = (site: UsdtProbeSite) => `${target} 0x${site.fileOffset.toString(16)}`;
  const attached: SiteAttachment[] = [];
  const specIds: number[] = [];
  try {
    if (absolute) addresses = new AddressEntries(usdtAddressMap(program), probe);
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
      if (addresses) addresses.add(absolute![index]!, id);
      const perfEvent = pmu ? openSitePmu(pmu, path, site, refCounterShift, options.pid, siteTarget(site)) : openSiteEvent(path, site, probe, options.pid);
      attached.push(attachSite(program, perfEvent, bpfCookies ? id : undefined, perfEventLinks, siteTarget(site)));
    });
  } catch (error) {
    // best effort: the error that stopped the attachment is the one to report
    for (const site of attached) {
      try {
        site.link.close();
        if (site.event) removeProbeEvent(site.event);
      } catch { /* keep freeing the rest */ }
    }
    releaseSpecs(specMap, specIds, addresses);
    throw error;
  }
  return new UsdtLink(attached, target, sites, specMap, specIds, addresses);
}

/** Frees the spec ids for reuse, closes this link's handle on the spec map and removes its address entries. */
function releaseSpecs(specMap: BpfMap, specIds: readonly number[], addresses: AddressEntries | undefined): void {
  const inUse = specIdsInUse.get(specMap.id);
  for (const id of specIds) inUse?.delete(id);
  specMap.close();
  addresses?.release();
}

/**
 * The address each site runs at, the key usdt.bpf.h looks its spec id up by when it has no cookie:
 * the note's address in a fixed-address executable; in a position-independent file, where `pid`
 * mapped the file's executable segment plus the site's offset in it.
 */
function siteAddresses(path: string, type: number, sites: readonly UsdtProbeSite[], probe: string, pid: number | undefined): bigint[] {
  if (type === ElfType.Executable) return sites.map((site) => site.address);
  if (pid === undefined) {
    throw new NotSupportedError(`USDT probe ${probe} in ${path} for every process`, 'without BPF cookies (Linux before 5.15) usdt.bpf.h finds a site by its absolute address, and a shared library or PIE executable is at a different address in each process',
      'attach it to one process (the pid option)');
  }
  const mappings = fileMappings(pid, path);
  return sites.map((site) => {
    const mapping = mappings.find((m) => m.offset <= site.fileOffset && site.fileOffset < m.offset + (m.end - m.start));
    if (!mapping) {
      throw new NotSupportedError(`USDT probe ${probe} in process ${pid}`, `${path} offset 0x${site.fileOffset.toString(16)} is in none of its mappings of that file (/proc/${pid}/maps)`, 'give the pid of a process that has the binary loaded');
    }
    return BigInt(mapping.start - mapping.offset + site.fileOffset);
  });
}

interface FileMapping { start: number; end: number; offset: number }

/** The executable mappings of the file at `path` in process `pid` (its /proc/PID/maps lines). */
function fileMappings(pid: number, path: string): FileMapping[] {
  let maps: string;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    throw new InvalidArgumentError(`cannot read /proc/${pid}/maps`, 'give the pid of a running process (and run as root)');
  }
  const real = realpathSync(path);
  const found: FileMapping[] = [];
  for (const line of maps.split('\n')) {
    // start-end perms offset dev inode path
    const match = /^([0-9a-f]+)-([0-9a-f]+) \S*x\S* ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (!match || (match[4] !== real && match[4] !== path)) continue;
    found.push({ start: parseInt(match[1]!, 16), end: parseInt(match[2]!, 16), offset: parseInt(match[3]!, 16) });
  }
  if (found.length === 0) throw new NotSupportedError(`USDT probes of ${path} in process ${pid}`, `the process has no executable mapping of ${real}`, 'give the pid of a process that runs the binary or has the library loaded');
  return found;
}

/**
 * This link's entries in `__bpf_usdt_ip_to_spec_id`. An address already there belongs to another
 * attachment of the same site: written NOEXIST, so that is refused rather than overwritten.
 */
class AddressEntries {
  readonly written: bigint[] = [];
  readonly #map: BpfMap;
  readonly #probe: string;

  constructor(map: BpfMap, probe: string) {
    this.#map = map;
    this.#probe = probe;
  }

  add(address: bigint, specId: number): void {
    const key = new Uint8Array(8);
    new DataView(key.buffer).setBigInt64(0, BigInt.asIntN(64, address), true);
    try {
      this.#map.update(key, u32(specId), abi.UpdateFlags.NOEXIST);
    } catch (error) {
      if (error instanceof SystemError && error.errno === Errno.EEXIST) {
        throw new NotSupportedError(`attaching USDT probe ${this.#probe} again`, `its site at 0x${address.toString(16)} is already traced by this program (without BPF cookies one address has one spec)`, 'close the other USDT link first');
      }
      throw error;
    }
    this.written.push(address);
  }

  release(): void {
    const key = new Uint8Array(8);
    for (const address of this.written) {
      new DataView(key.buffer).setBigInt64(0, BigInt.asIntN(64, address), true);
      this.#map.delete(key);
    }
    this.#map.close();
  }
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

/** One site attached: the Link that owns its perf event, and in legacy mode the tracefs event behind it. */
interface SiteAttachment {
  link: Link;
  /** The site's tracefs uprobe event (legacy mode), removed after the link (and so the perf event) closes. */
  event?: ProbeEvent;
}

/** A site's uprobe before it is linked: its perf event and, in legacy mode, the tracefs event behind it. */
interface SitePerfEvent {
  perfEvent: FileDescriptor;
  event?: ProbeEvent;
}

/** One site's uprobe on the PMU: the semaphore's offset in the config's ref_ctr bits. */
function openSitePmu(pmu: ProbePmu, path: string, site: UsdtProbeSite, refCounterShift: bigint, pid: number | undefined, target: string): SitePerfEvent {
  const pathString = new NativeMemory(Buffer.byteLength(path) + 1);
  pathString.bytes.set(new TextEncoder().encode(`${path}\0`));
  try {
    return {
      perfEvent: new FileDescriptor(perf.perfEventOpen({
        type: pmu.type, config: BigInt(site.semaphoreOffset) << refCounterShift, config1: pathString.address, config2: site.fileOffset,
      }, pid ?? -1, pid === undefined ? 0 : -1), target),
    };
  } finally {
    pathString.free();
  }
}

/** One site's uprobe as a tracefs uprobe_events event, the semaphore as its reference counter. */
function openSiteEvent(path: string, site: UsdtProbeSite, probe: string, pid: number | undefined): SitePerfEvent {
  const opened = openUprobeEvent(path, site.fileOffset, {
    functionName: `${probe}@0x${site.fileOffset.toString(16)}`,
    ...(site.semaphoreOffset !== 0 ? { refCounterOffset: site.semaphoreOffset } : {}),
    ...(pid !== undefined ? { pid } : {}),
  });
  return { perfEvent: opened.perfEvent, event: opened.event };
}

/**
 * Puts `program` on a site's perf event: a BPF link with the spec id as cookie (when given), falling
 * back to the ioctl where the kernel has no perf event links (attachPerfEvent), or the ioctl straight
 * away when `perfEventLinks` is false. On failure the site's uprobe is undone.
 */
function attachSite(program: Program, site: SitePerfEvent, specId: number | undefined, perfEventLinks: boolean, target: string): SiteAttachment {
  let link: Link;
  try {
    // both close the perf event when they fail
    link = perfEventLinks ? attachPerfEvent(program, site.perfEvent, target, specId !== undefined ? BigInt(specId) : undefined) : new PerfEventAttachment(program, site.perfEvent, target);
  } catch (error) {
    if (site.event) removeProbeEvent(site.event);
    throw error;
  }
  return site.event ? { link, event: site.event } : { link };
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

/** The program's `__bpf_usdt_ip_to_spec_id` map (8-byte addresses to 4-byte spec ids). */
function usdtAddressMap(program: Program): BpfMap {
  let found: BpfMap | undefined;
  for (const id of program.info().mapIds) {
    const map = BpfMap.fromId(id);
    if (found === undefined && map.name === IP_MAP_NAME) found = map;
    else map.close();
  }
  if (!found) {
    throw new InvalidArgumentError(`program '${program.name}' uses no __bpf_usdt_ip_to_spec_id map, so it reads its spec ids from BPF cookies`, 'attach it with BPF cookies (bpfCookies: true), or load it where LINUX_HAS_BPF_COOKIE is false');
  }
  if (found.keySize !== 8 || found.valueSize !== 4) {
    const sizes = `${found.keySize}-byte keys and ${found.valueSize}-byte values`;
    found.close();
    throw new NotSupportedError(`the __bpf_usdt_ip_to_spec_id map of program '${program.name}'`, `it has ${sizes}, not usdt.bpf.h's long keys and __u32 values`, 'build the program against libbpf\'s usdt.bpf.h');
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
