/**
 * tc programs attached the legacy way, as `tc qdisc add dev X clsact; tc filter add dev X ingress bpf da`
 * does: a clsact qdisc (created if missing) and a direct-action cls_bpf filter on its ingress or egress
 * parent, over rtnetlink. What kernels before 6.6 (no tcx links) need. Like netlink XDP, the filter
 * belongs to the device and outlives this process; close() removes exactly our filter (by parent,
 * priority and handle, and only while it still runs our program), and the clsact qdisc too when this
 * process created it and no filter is left on it.
 */
import { Errno, InvalidArgumentError, NotSupportedError, TsbpfError } from '../errors.js';
import { programInfo } from '../info/program-info.js';
import {
  AlreadyAttachedError, attributeString, attributeU32, EthernetProtocol, findNetworkDevice, nestedAttribute, Netlink, NetlinkError,
  networkOrder16, parseAttributes, readTcMessage, RouteNetlink, RtmType, stringAttribute, TcaAttribute, TcaBpfAttribute, TcaBpfFlag,
  tcDumpRequest, TcHandle, TcMessage, tcRequest, u32Attribute, type NetworkDevice,
} from '../sys/netlink.js';
import type { ProgramHandle } from './xdp-netlink.js';

export type TcDirection = 'ingress' | 'egress';

export interface TcLegacyOptions {
  direction: TcDirection;
  /** The filter's priority, 1-65535 (default: the kernel picks one below the existing filters). */
  priority?: number;
  /** The filter's handle (default: the kernel picks one). */
  handle?: number;
  /** Replace the filter at this priority and handle (both must be given) instead of failing if one is there. */
  replace?: boolean;
  /** TCA_BPF_NAME, what `tc filter show` and `bpftool net` print (default: `PROGRAM:[ID]`, as libbpf names it). */
  name?: string;
}

export interface TcLegacyInfo {
  ifindex: number;
  interfaceName: string;
  direction: TcDirection;
  priority: number;
  handle: number;
  /** The program the filter at our priority and handle runs now, or undefined when the filter is gone. */
  programId: number | undefined;
  name: string | undefined;
  /** Whether that is still the program this attachment put there. */
  ours: boolean;
}

/** Devices whose clsact qdisc this process created: the last of our filters to go removes it, if it is empty. */
const createdClsact = new Set<number>();

const PARENTS: Readonly<Record<TcDirection, number>> = { ingress: TcHandle.CLSACT_INGRESS, egress: TcHandle.CLSACT_EGRESS };

/** tcm_info of a filter: its priority in the upper half, the protocol (network byte order) in the lower. */
function filterInfo(priority: number): number {
  return ((priority << 16) | networkOrder16(EthernetProtocol.ALL)) >>> 0;
}

/**
 * Creates the clsact qdisc of `device`; false if one is there already. An `ingress` qdisc holds the same
 * place: the kernel then files an egress filter under ingress without a word, so that is refused here.
 */
function ensureClsact(netlink: RouteNetlink, device: NetworkDevice, direction: TcDirection): boolean {
  try {
    netlink.request(RtmType.NEWQDISC, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL,
      tcRequest({ ifindex: device.ifindex, handle: TcHandle.CLSACT_QDISC, parent: TcHandle.CLSACT }, [stringAttribute(TcaAttribute.KIND, 'clsact')]),
      `RTM_NEWQDISC(clsact on ${device.name})`);
    return true;
  } catch (error) {
    if (!(error instanceof NetlinkError) || error.errno !== Errno.EEXIST) throw error;
  }
  const kind = qdiscKindAt(netlink, device.ifindex, TcHandle.CLSACT_QDISC);
  if (kind !== 'clsact' && direction === 'egress') {
    throw new TsbpfError(`tc egress on ${device.name}: the device has an ${kind ?? 'unknown'} qdisc at ffff:, not clsact, so it has no egress hook`, `replace it with clsact (tc qdisc del dev ${device.name} ingress; tc qdisc add dev ${device.name} clsact), or use tcx on 6.6+`);
  }
  return false;
}

/** The kind of `ifindex`'s qdisc with `handle` (the qdisc dump covers every device; keep this one's). */
function qdiscKindAt(netlink: RouteNetlink, ifindex: number, handle: number): string | undefined {
  for (const message of netlink.dump(RtmType.GETQDISC, tcDumpRequest(ifindex), 'RTM_GETQDISC')) {
    const fields = readTcMessage(message.body);
    if (fields.ifindex === ifindex && fields.handle === handle) return attributeString(parseAttributes(message.body, TcMessage.size).get(TcaAttribute.KIND));
  }
  return undefined;
}

/** The filters under `parent` of `ifindex` (any kind): priority and handle, and a bpf filter's program id and name. */
function filtersUnder(netlink: RouteNetlink, ifindex: number, parent: number): { priority: number; handle: number; programId: number | undefined; name: string | undefined }[] {
  const filters = [];
  for (const message of netlink.dump(RtmType.GETTFILTER, tcDumpRequest(ifindex, parent), 'RTM_GETTFILTER')) {
    const fields = readTcMessage(message.body);
    const attributes = parseAttributes(message.body, TcMessage.size);
    if (fields.handle === 0) continue; // the chain's head, not a filter
    const isBpf = attributeString(attributes.get(TcaAttribute.KIND)) === 'bpf';
    const options = isBpf ? parseAttributes(attributes.get(TcaAttribute.OPTIONS) ?? new Uint8Array(0)) : new Map<number, Uint8Array>();
    filters.push({
      priority: fields.info >>> 16,
      handle: fields.handle,
      programId: attributeU32(options.get(TcaBpfAttribute.ID)),
      name: attributeString(options.get(TcaBpfAttribute.NAME)),
    });
  }
  return filters;
}

/** All filters on a clsact qdisc's two parents; undefined when the device has no clsact qdisc. */
function clsactFilterCount(netlink: RouteNetlink, ifindex: number): number | undefined {
  try {
    return filtersUnder(netlink, ifindex, TcHandle.CLSACT_INGRESS).length + filtersUnder(netlink, ifindex, TcHandle.CLSACT_EGRESS).length;
  } catch (error) {
    if (error instanceof NetlinkError) return undefined; // EINVAL: no clsact qdisc (any more)
    throw error;
  }
}

/** Removes the clsact qdisc we created once no filter is left on it. */
function releaseClsact(netlink: RouteNetlink, ifindex: number, name: string): void {
  if (!createdClsact.has(ifindex)) return;
  const count = clsactFilterCount(netlink, ifindex);
  if (count === undefined) {
    createdClsact.delete(ifindex); // someone removed it already
    return;
  }
  if (count > 0) return; // a filter (ours or someone's) still uses it
  createdClsact.delete(ifindex);
  try {
    netlink.request(RtmType.DELQDISC, 0, tcRequest({ ifindex, handle: TcHandle.CLSACT_QDISC, parent: TcHandle.CLSACT }), `RTM_DELQDISC(clsact on ${name})`);
  } catch (error) {
    if (!(error instanceof NetlinkError) || (error.errno !== Errno.ENOENT && error.errno !== Errno.EINVAL && error.errno !== Errno.ENODEV)) throw error;
  }
}

function checkRange(value: number | undefined, what: string, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > max)) {
    throw new InvalidArgumentError(`tc filter ${what} ${value} is out of range`, `give an integer from 1 to ${max}`);
  }
}

/**
 * Attaches a sched_cls program to `iface`'s ingress or egress as a direct-action bpf filter on a
 * clsact qdisc (created when missing). An existing filter at the same priority and handle is an
 * AlreadyAttachedError naming its program, unless `replace`.
 */
/** RTM_NEWTFILTER of a direct-action `bpf` filter running `fd`: a new one (EEXIST if taken) or one replaced in place. */
function writeFilter(netlink: RouteNetlink, filter: { ifindex: number; parent: number; priority: number; handle: number; fd: number; name: string }, how: 'create' | 'replace', where: string) {
  return netlink.request(RtmType.NEWTFILTER, Netlink.NLM_F_CREATE | Netlink.NLM_F_ECHO | (how === 'replace' ? Netlink.NLM_F_REPLACE : Netlink.NLM_F_EXCL),
    tcRequest({ ifindex: filter.ifindex, handle: filter.handle, parent: filter.parent, info: filterInfo(filter.priority) }, [
      stringAttribute(TcaAttribute.KIND, 'bpf'),
      nestedAttribute(TcaAttribute.OPTIONS, [
        u32Attribute(TcaBpfAttribute.FD, filter.fd),
        stringAttribute(TcaBpfAttribute.NAME, filter.name),
        u32Attribute(TcaBpfAttribute.FLAGS, TcaBpfFlag.ACT_DIRECT),
      ]),
    ]), `RTM_NEWTFILTER(${where})`);
}

export function attachTcLegacy(program: ProgramHandle, iface: string | number, options: TcLegacyOptions): TcNetlinkAttachment {
  if (options.direction !== 'ingress' && options.direction !== 'egress') {
    throw new InvalidArgumentError(`tc direction ${JSON.stringify(options.direction)} is neither ingress nor egress`);
  }
  checkRange(options.priority, 'priority', 0xffff);
  checkRange(options.handle, 'handle', 0xffffffff);
  if (options.replace && (options.priority === undefined || options.handle === undefined)) {
    throw new InvalidArgumentError('replacing a tc filter needs its priority and handle', 'pass priority and handle of the filter to replace');
  }
  const fd = typeof program === 'number' ? program : program.fd.value;
  const info = programInfo(fd);
  const name = options.name ?? `${info.name}:[${info.id}]`;
  const parent = PARENTS[options.direction];
  using netlink = new RouteNetlink();
  const device = findNetworkDevice(netlink, iface);
  const created = ensureClsact(netlink, device, options.direction);
  if (created) createdClsact.add(device.ifindex);
  const priority = options.priority ?? 0;
  const handle = options.handle ?? 0;
  const where = `tc ${options.direction} on ${device.name}`;
  let replies;
  try {
    replies = writeFilter(netlink, { ifindex: device.ifindex, parent, priority, handle, fd, name }, options.replace ? 'replace' : 'create', where);
  } catch (error) {
    if (created) releaseClsact(netlink, device.ifindex, device.name);
    if (error instanceof NetlinkError && error.errno === Errno.EEXIST && !options.replace) {
      const existing = filtersUnder(netlink, device.ifindex, parent).find((filter) => filter.priority === priority && filter.handle === handle);
      const named = existing?.programId === undefined ? undefined : { id: existing.programId, ...(existing.name ? { name: existing.name } : {}) };
      throw new AlreadyAttachedError(error, `${where} priority ${priority} handle ${handle}`, named, 'pass replace: true to replace it, or choose another priority or handle');
    }
    if (error instanceof NetlinkError && error.errno === Errno.EINVAL && !error.hint) {
      throw new NetlinkError(error.request, error.errno, error.kernelMessage, 'check that the program is a tc program (SEC("tc"), sched_cls) and that the device\'s qdisc at ffff: is clsact, not ingress');
    }
    throw error;
  }
  // The echo of the new filter says which priority and handle the kernel gave it.
  const echo = replies.find((reply) => reply.type === RtmType.NEWTFILTER);
  const fields = echo ? readTcMessage(echo.body) : { handle, info: filterInfo(priority) };
  return new TcNetlinkAttachment({
    ifindex: device.ifindex, interfaceName: device.name, direction: options.direction,
    priority: fields.info >>> 16, handle: fields.handle, programId: info.id, createdQdisc: created,
  });
}

/**
 * A tc filter attached over netlink: the shape of a Link where it can be (info, detach, close,
 * dispose). It holds no fd: the qdisc holds the program, and this object knows where.
 */
export class TcNetlinkAttachment implements Disposable {
  readonly ifindex: number;
  readonly interfaceName: string;
  readonly direction: TcDirection;
  readonly priority: number;
  readonly handle: number;
  /** Whether attaching created the clsact qdisc (then the last of our filters to go removes it, if empty). */
  readonly createdQdisc: boolean;
  /** For messages: `tc ingress eth0 priority 49152 handle 1`. */
  readonly target: string;
  #attached = true;
  #programId: number;

  constructor(fields: { ifindex: number; interfaceName: string; direction: TcDirection; priority: number; handle: number; programId: number; createdQdisc: boolean }) {
    this.ifindex = fields.ifindex;
    this.interfaceName = fields.interfaceName;
    this.direction = fields.direction;
    this.priority = fields.priority;
    this.handle = fields.handle;
    this.#programId = fields.programId;
    this.createdQdisc = fields.createdQdisc;
    this.target = `tc ${fields.direction} ${fields.interfaceName} priority ${fields.priority} handle ${fields.handle}`;
  }

  get attached(): boolean {
    return this.#attached;
  }

  /** The program our filter runs (update() changes it). */
  get programId(): number {
    return this.#programId;
  }

  /**
   * Replaces the program of our filter in place (same priority and handle, no moment without a
   * filter), as a BPF link's update does. With `expected`, only while that program is the one there.
   */
  update(program: ProgramHandle, expected?: ProgramHandle): void {
    if (!this.#attached) throw new InvalidArgumentError(`${this.target} was detached`, 'attach again with attachTcLegacy');
    using netlink = new RouteNetlink();
    const current = this.#current(netlink);
    const expectedId = expected === undefined ? this.#programId : programInfo(typeof expected === 'number' ? expected : expected.fd.value).id;
    if (current?.programId !== expectedId) {
      throw new InvalidArgumentError(`${this.target} runs ${current?.programId === undefined ? 'no program' : `program ${current.programId}`}, not program ${expectedId}`, 'nothing was replaced; read info() for what is there now');
    }
    const fd = typeof program === 'number' ? program : program.fd.value;
    const info = programInfo(fd);
    writeFilter(netlink, { ifindex: this.ifindex, parent: PARENTS[this.direction], priority: this.priority, handle: this.handle, fd, name: `${info.name}:[${info.id}]` }, 'replace', this.target);
    this.#programId = info.id;
  }

  /** The filter at our priority and handle now, from a fresh filter dump. */
  info(): TcLegacyInfo {
    using netlink = new RouteNetlink();
    const filter = this.#current(netlink);
    return {
      ifindex: this.ifindex, interfaceName: this.interfaceName, direction: this.direction, priority: this.priority, handle: this.handle,
      programId: filter?.programId, name: filter?.name, ours: this.#attached && filter?.programId === this.#programId,
    };
  }

  /** Netlink filters have no BPF link to pin: they already outlive the process. */
  pin(_path: string): never {
    throw new NotSupportedError('pinning a tc filter attached over netlink', 'the qdisc holds the program, there is no BPF link fd to pin; the filter stays after this process exits until deleted', 'keep the device, direction, priority and handle to delete it later, or use attachTcx (a BPF link, 6.6+) to pin');
  }

  /**
   * Deletes our filter if it still runs our program (one someone replaced is left alone), then the
   * clsact qdisc if this process created it and it is empty. Returns whether our filter was there.
   */
  detach(): boolean {
    if (!this.#attached) return false;
    this.#attached = false;
    using netlink = new RouteNetlink();
    let removed = false;
    const filter = this.#current(netlink);
    if (filter !== undefined && filter.programId === this.#programId) {
      try {
        netlink.request(RtmType.DELTFILTER, 0, tcRequest({ ifindex: this.ifindex, handle: this.handle, parent: PARENTS[this.direction], info: filterInfo(this.priority) }, [stringAttribute(TcaAttribute.KIND, 'bpf')]), `RTM_DELTFILTER(${this.target})`);
        removed = true;
      } catch (error) {
        if (!(error instanceof NetlinkError) || (error.errno !== Errno.ENOENT && error.errno !== Errno.ENODEV && error.errno !== Errno.EINVAL)) throw error;
      }
    }
    releaseClsact(netlink, this.ifindex, this.interfaceName);
    return removed;
  }

  close(): void {
    this.detach();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #current(netlink: RouteNetlink): { programId: number | undefined; name: string | undefined } | undefined {
    try {
      return filtersUnder(netlink, this.ifindex, PARENTS[this.direction]).find((filter) => filter.priority === this.priority && filter.handle === this.handle);
    } catch (error) {
      if (error instanceof NetlinkError) return undefined; // the qdisc or the device is gone
      throw error;
    }
  }
}
