/**
 * XDP attached the legacy way, over netlink (RTM_SETLINK with IFLA_XDP), as `ip link set dev X xdp` and
 * `bpftool net attach` do: what kernels before 5.7 (no XDP BPF link) need. The attachment belongs to the
 * device, not to an fd: it outlives this process until someone detaches it. The handle returned here
 * detaches on close(), and only while the device still runs our program in our mode (IFLA_XDP_EXPECTED_FD
 * with XDP_FLAGS_REPLACE), so it never removes a program someone else put in its place.
 */
import { BpfError, Errno, InvalidArgumentError, NotSupportedError, TsbpfError } from '../errors.js';
import { programInfo, programInfoById } from '../info/program-info.js';
import type { Program } from '../programs/program.js';
import { bpf, closeRawFd } from '../sys/index.js';
import {
  AlreadyAttachedError, attributeU32, findNetworkDevice, IflaAttribute, IflaXdpAttribute, linkRequest, nestedAttribute, NetlinkError,
  parseAttributes, RouteNetlink, RtmType, s32Attribute, u32Attribute, XdpFlag, type NetworkDevice,
} from '../sys/netlink.js';

/** Where XDP runs: `skb` (generic, any device), `driver` (native), `hw` (offloaded to the NIC). */
export type XdpAttachMode = 'skb' | 'driver' | 'hw';

/** A loaded program, or a raw fd of one (the caller keeps owning the fd). */
export type ProgramHandle = Program | number;

export interface XdpLegacyOptions {
  /** The mode; `auto` (the default) lets the kernel choose: driver when the device has native XDP, else skb. */
  mode?: XdpAttachMode | 'auto';
  /** Replace whatever runs in that mode (default: fail with AlreadyAttachedError if something does). */
  replace?: boolean;
  /** Replace only this program (atomically: the kernel refuses if another one runs there now). */
  expectedProgram?: ProgramHandle;
}

/** The programs a device runs, one per mode (bpftool's `multi` when several). */
export type XdpPrograms = Partial<Record<XdpAttachMode, number>>;

export interface XdpLegacyInfo {
  ifindex: number;
  interfaceName: string;
  mode: XdpAttachMode;
  /** The program the device runs in this mode now (ours, or whoever replaced it), or undefined. */
  programId: number | undefined;
  /** Whether that is still the program this attachment put there. */
  ours: boolean;
}

const MODE_FLAGS: Readonly<Record<XdpAttachMode, number>> = { skb: XdpFlag.SKB_MODE, driver: XdpFlag.DRV_MODE, hw: XdpFlag.HW_MODE };
const MODE_ATTRIBUTES: Readonly<Record<XdpAttachMode, number>> = { skb: IflaXdpAttribute.SKB_PROG_ID, driver: IflaXdpAttribute.DRV_PROG_ID, hw: IflaXdpAttribute.HW_PROG_ID };

function programFd(program: ProgramHandle): number {
  return typeof program === 'number' ? program : program.fd.value;
}

function programId(program: ProgramHandle): number {
  return typeof program === 'number' ? programInfo(program).id : program.id;
}

function programName(id: number): string | undefined {
  try {
    return programInfoById(id).name || undefined;
  } catch {
    return undefined; // gone, or not ours to read: the id alone still names it
  }
}

/** The XDP programs of a device's RTM_GETLINK answer (IFLA_XDP_*_PROG_ID, one per mode in use). */
export function xdpProgramsOf(device: NetworkDevice): XdpPrograms {
  const xdp = device.attributes.get(IflaAttribute.XDP);
  if (!xdp) return {};
  const attributes = parseAttributes(xdp);
  const programs: XdpPrograms = {};
  for (const mode of ['skb', 'driver', 'hw'] as const) {
    const id = attributeU32(attributes.get(MODE_ATTRIBUTES[mode]));
    if (id) programs[mode] = id;
  }
  return programs;
}

/** The XDP programs `iface` runs now, by mode. */
export function xdpPrograms(iface: string | number): XdpPrograms {
  using netlink = new RouteNetlink();
  return xdpProgramsOf(findNetworkDevice(netlink, iface));
}

/** RTM_SETLINK with IFLA_XDP { FD, FLAGS, EXPECTED_FD }: the one request behind attach, replace and detach. */
function setXdp(netlink: RouteNetlink, device: NetworkDevice, fd: number, flags: number, expectedFd?: number): void {
  const xdp = [s32Attribute(IflaXdpAttribute.FD, fd)];
  if (flags !== 0) xdp.push(u32Attribute(IflaXdpAttribute.FLAGS, flags));
  if (expectedFd !== undefined) xdp.push(s32Attribute(IflaXdpAttribute.EXPECTED_FD, expectedFd));
  try {
    netlink.request(RtmType.SETLINK, 0, linkRequest(device.ifindex, [nestedAttribute(IflaAttribute.XDP, xdp)]), `RTM_SETLINK(xdp on ${device.name})`);
  } catch (error) {
    const hint = error instanceof NetlinkError && !error.hint ? SETLINK_HINTS[error.errno] : undefined;
    if (hint && error instanceof NetlinkError) throw new NetlinkError(error.request, error.errno, error.kernelMessage, hint);
    throw error;
  }
}

/** What to do when the kernel refuses an IFLA_XDP request (often without extended-ack text). */
const SETLINK_HINTS: Readonly<Record<number, string>> = {
  [Errno.EINVAL]: 'check that the program is an XDP program (SEC("xdp")) and that the device supports the mode (hw needs a NIC that offloads XDP)',
  [Errno.EOPNOTSUPP]: 'the device\'s driver has no native XDP: use mode skb',
  [Errno.EEXIST]: 'another program runs there (in the other mode, or not the expected one): detach it or pass the program that is there as expectedProgram',
  [Errno.EPERM]: 'attaching XDP needs CAP_NET_ADMIN (run as root)',
};

/**
 * Attaches an XDP program to `iface` over netlink. Without `replace` or `expectedProgram` it fails with
 * AlreadyAttachedError, naming the program there, when the device already runs one in that mode.
 */
export function attachXdpLegacy(program: ProgramHandle, iface: string | number, options: XdpLegacyOptions = {}): XdpNetlinkAttachment {
  const asked = checkedMode(options.mode);
  const fd = programFd(program);
  const id = programId(program);
  using netlink = new RouteNetlink();
  const device = findNetworkDevice(netlink, iface);
  let flags = asked === 'auto' ? 0 : MODE_FLAGS[asked];
  if (options.expectedProgram !== undefined) flags |= XdpFlag.REPLACE;
  else if (!options.replace) flags |= XdpFlag.UPDATE_IF_NOEXIST;
  try {
    setXdp(netlink, device, fd, flags, options.expectedProgram === undefined ? undefined : programFd(options.expectedProgram));
  } catch (error) {
    if (error instanceof NetlinkError && error.errno === Errno.EBUSY && (flags & XdpFlag.UPDATE_IF_NOEXIST)) {
      const running = xdpProgramsOf(findNetworkDevice(netlink, device.ifindex));
      const existing = asked === 'auto' ? running.driver ?? running.skb ?? running.hw : running[asked];
      const named = existing === undefined ? undefined : { id: existing, ...nameOf(existing) };
      const byLink = /link/i.test(error.kernelMessage ?? '');
      throw new AlreadyAttachedError(error, `xdp on ${device.name}`, named, byLink
        ? 'a BPF link holds it, and netlink cannot replace a link: detach or close that link first (tsbpf link list)'
        : 'pass replace: true (tsbpf net attach ... overwrite) to replace it, or detach it first');
    }
    throw error;
  }
  // In auto mode the kernel chose; read which, so close() names the same mode (auto is ambiguous once two run).
  const running = xdpProgramsOf(findNetworkDevice(netlink, device.ifindex));
  const mode = asked !== 'auto' ? asked : (['driver', 'skb', 'hw'] as const).find((candidate) => running[candidate] === id) ?? 'driver';
  return new XdpNetlinkAttachment(device.ifindex, device.name, mode, id);
}

function checkedMode(mode: XdpAttachMode | 'auto' | undefined): XdpAttachMode | 'auto' {
  if (mode === undefined || mode === 'auto' || Object.hasOwn(MODE_FLAGS, mode)) return mode ?? 'auto';
  throw new InvalidArgumentError(`XDP mode ${JSON.stringify(mode)} is not one of skb, driver, hw, auto`);
}

function nameOf(id: number): { name?: string } {
  const name = programName(id);
  return name === undefined ? {} : { name };
}

/**
 * Detaches the XDP program `iface` runs in `mode` (auto: the mode the kernel picks, as `bpftool net detach
 * xdp` does); with `expectedProgram`, only if that is the program there. Returns whether one was running.
 */
export function detachXdpLegacy(iface: string | number, options: { mode?: XdpAttachMode | 'auto'; expectedProgram?: ProgramHandle } = {}): boolean {
  const asked = checkedMode(options.mode);
  using netlink = new RouteNetlink();
  const device = findNetworkDevice(netlink, iface);
  const before = xdpProgramsOf(device);
  let flags = asked === 'auto' ? 0 : MODE_FLAGS[asked];
  if (options.expectedProgram !== undefined) flags |= XdpFlag.REPLACE;
  setXdp(netlink, device, -1, flags, options.expectedProgram === undefined ? undefined : programFd(options.expectedProgram));
  const after = xdpProgramsOf(findNetworkDevice(netlink, device.ifindex));
  return (['skb', 'driver', 'hw'] as const).some((mode) => before[mode] !== undefined && after[mode] === undefined);
}

/**
 * An XDP program attached over netlink: the shape of a Link where it can be (info, update, detach,
 * close, dispose). It holds no fd: the device holds the program, and this object only knows where.
 */
export class XdpNetlinkAttachment implements Disposable {
  readonly ifindex: number;
  readonly interfaceName: string;
  /** The mode it runs in (resolved from the kernel when attached in auto mode). */
  readonly mode: XdpAttachMode;
  /** For messages: `xdp eth0 (driver)`. */
  readonly target: string;
  #programId: number;
  #attached = true;

  constructor(ifindex: number, interfaceName: string, mode: XdpAttachMode, programId: number) {
    this.ifindex = ifindex;
    this.interfaceName = interfaceName;
    this.mode = mode;
    this.#programId = programId;
    this.target = `xdp ${interfaceName} (${mode})`;
  }

  /** The id of the program this attachment put on the device (after update(), the new one). */
  get programId(): number {
    return this.#programId;
  }

  /** False once closed or detached. */
  get attached(): boolean {
    return this.#attached;
  }

  /** What the device runs in our mode now, from a fresh RTM_GETLINK. */
  info(): XdpLegacyInfo {
    using netlink = new RouteNetlink();
    const running = xdpProgramsOf(findNetworkDevice(netlink, this.ifindex))[this.mode];
    return { ifindex: this.ifindex, interfaceName: this.interfaceName, mode: this.mode, programId: running, ours: this.#attached && running === this.#programId };
  }

  /** Netlink attachments have no BPF link to pin: they already outlive the process. */
  pin(_path: string): never {
    throw new NotSupportedError('pinning an XDP program attached over netlink', 'the device holds the program, there is no BPF link fd to pin; it stays attached after this process exits until detached', 'keep the device and mode to detach it later (detachXdpLegacy), or use attachXdp (a BPF link, 5.7+) to pin');
  }

  /** Swaps our program for `program` atomically; fails (EEXIST) if ours is no longer the one there. */
  update(program: ProgramHandle): void {
    if (!this.#attached) throw new TsbpfError(`${this.target} is detached`, 'attach the program again');
    const expected = this.#openOurs();
    if (expected === undefined) throw new TsbpfError(`${this.target}: program ${this.#programId} is no longer loaded, so it is not attached`, 'attach the new program with attachXdpLegacy');
    try {
      using netlink = new RouteNetlink();
      setXdp(netlink, { ifindex: this.ifindex, name: this.interfaceName, attributes: new Map() }, programFd(program), MODE_FLAGS[this.mode] | XdpFlag.REPLACE, expected);
    } finally {
      closeRawFd(expected);
    }
    this.#programId = programId(program);
  }

  /**
   * Removes our program from the device if it is still the one running there; returns whether it was.
   * A device that is gone, or a program someone replaced, is left as it is.
   */
  detach(): boolean {
    if (!this.#attached) return false;
    this.#attached = false;
    const expected = this.#openOurs();
    if (expected === undefined) return false; // unloaded: it can't be attached anywhere
    try {
      using netlink = new RouteNetlink();
      setXdp(netlink, { ifindex: this.ifindex, name: this.interfaceName, attributes: new Map() }, -1, MODE_FLAGS[this.mode] | XdpFlag.REPLACE, expected);
      return true;
    } catch (error) {
      // EEXIST: "Active program does not match expected" (someone replaced ours); ENODEV: the device is gone
      if (error instanceof NetlinkError && (error.errno === Errno.EEXIST || error.errno === Errno.ENODEV)) return false;
      throw error;
    } finally {
      closeRawFd(expected);
    }
  }

  close(): void {
    this.detach();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** A fresh fd of our program, for IFLA_XDP_EXPECTED_FD; undefined when it is no longer loaded. */
  #openOurs(): number | undefined {
    try {
      return bpf.getFdById('PROG', this.#programId);
    } catch (error) {
      if (error instanceof BpfError && error.errno === Errno.ENOENT) return undefined;
      throw error;
    }
  }
}
