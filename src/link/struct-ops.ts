/**
 * Attaching struct_ops maps (libbpf's bpf_map__attach_struct_ops, read for the facts). A
 * `.struct_ops` map registers when its value is written (map update, key 0) and unregisters when the
 * key is deleted: the registration belongs to the map, not to an fd, so `close()` deletes it. A
 * `.struct_ops.link` map (BPF_F_LINK, Linux 6.4+) is readied by the same write and registered by a
 * BPF link of type BPF_STRUCT_OPS: closing the link unregisters, `update(map)` swaps in another map.
 */
import { BpfError, Errno, InvalidArgumentError, NotSupportedError } from '../errors.js';
import { structOpsState, type StructOpsState } from '../loader/struct-ops-map.js';
import { BpfMap } from '../maps/map.js';
import type { LinkInfo } from '../info/link-info.js';
import { MapType } from '../maps/map-types.js';
import type { Program } from '../programs/program.js';
import { AttachType } from '../programs/attach-types.js';
import { bpf, FileDescriptor } from '../sys/index.js';
import { Link } from './link.js';
import { createLinkOrExplain } from './link-support.js';

const KEY_ZERO = new Uint8Array(4);

function stateOf(map: BpfMap): StructOpsState {
  if (map.type !== MapType.StructOps) throw new InvalidArgumentError(`map '${map.name}' is a ${map.typeName} map, not struct_ops`, 'attach a map of a SEC(".struct_ops") or SEC(".struct_ops.link") variable');
  const state = structOpsState(map);
  if (!state) throw new InvalidArgumentError(`struct_ops map '${map.name}' was not created by tsbpf's object loader, so tsbpf does not know its value`, 'load the object with loadObject() and attach obj.maps.<variable>');
  if (state.value.length === 0) throw new InvalidArgumentError(`struct_ops map '${state.name}' has no value yet: its programs did not load`, 'load the object with its struct_ops programs');
  return state;
}

/** Writes the map's value; a link map written before (by an earlier attach) answers EBUSY, which is fine. */
function writeValue(map: BpfMap, state: StructOpsState): void {
  try {
    map.update(KEY_ZERO, state.value);
  } catch (error) {
    if (!(error instanceof BpfError)) throw error;
    if (error.errno === Errno.EBUSY && state.link) return;
    if (error.errno === Errno.EBUSY) {
      throw new BpfError('MAP_UPDATE_ELEM', error.errno, 'a .struct_ops map registers once: load the object again to register it again (or use SEC(".struct_ops.link"), whose maps attach again)', `struct_ops map '${state.name}' was registered before`);
    }
    if (error.errno === Errno.EEXIST) {
      throw new BpfError('MAP_UPDATE_ELEM', error.errno, `unregister the other one first, or give this ${state.typeName} another name`, `the kernel already has a ${state.typeName} of the name struct_ops map '${state.name}' gives`);
    }
    throw new BpfError('MAP_UPDATE_ELEM', error.errno, error.hint, `registering struct_ops map '${state.name}' (${state.typeName})`);
  }
}

/**
 * A struct_ops map's registration. For `.struct_ops.link` it is a real BPF link (pin, info, update
 * work); for `.struct_ops` it holds its own fd of the map, and `close()` unregisters by deleting key 0.
 */
export class StructOpsLink extends Link {
  /** `.struct_ops.link`: registered through a BPF link rather than by the map itself. */
  readonly isBpfLink: boolean;
  #map: BpfMap;
  /** `.struct_ops`: the link's own handle of the map, whose fd is the link's. */
  readonly #registration: BpfMap | undefined;
  #registered = true;

  constructor(fd: FileDescriptor, map: BpfMap, state: StructOpsState, registration?: BpfMap) {
    super(fd, `struct_ops ${state.typeName} ${state.name}`);
    this.#map = map;
    this.#registration = registration;
    this.isBpfLink = state.link;
  }

  /** The map registered now (the last one `update()` swapped in). */
  get map(): BpfMap {
    return this.#map;
  }

  #requireBpfLink(operation: string): void {
    if (!this.isBpfLink) {
      throw new NotSupportedError(`${operation} of ${this.target}`, 'a SEC(".struct_ops") map registers by itself, with no BPF link to pin, query or update', 'put the variable in SEC(".struct_ops.link") (Linux 6.4+)');
    }
  }

  /** Swaps in another `.struct_ops.link` map of the same struct (BPF_LINK_UPDATE with its fd). */
  override update(replacement: BpfMap | Program, expected?: BpfMap | Program): void {
    this.#requireBpfLink('update');
    if (!(replacement instanceof BpfMap) || (expected !== undefined && !(expected instanceof BpfMap))) {
      throw new InvalidArgumentError(`${this.target}: a struct_ops link swaps maps, not programs`, 'pass the other struct_ops map (obj.maps.<variable>)');
    }
    const state = stateOf(replacement);
    if (!state.link) throw new InvalidArgumentError(`struct_ops map '${state.name}' is not a .struct_ops.link map`, 'only maps of SEC(".struct_ops.link") replace one another in a link');
    writeValue(replacement, state);
    try {
      bpf.linkUpdate(this.fd.value, replacement.fd.value, expected?.fd.value);
    } catch (error) {
      if (!(error instanceof BpfError) || error.errno !== Errno.EINVAL) throw error;
      throw new BpfError('LINK_UPDATE', error.errno, `the kernel swaps in only a .struct_ops.link map of the same struct that its subsystem accepts as a replacement (a tcp_congestion_ops must keep the name of the one it replaces)`, `${this.target}: replacing it with map '${state.name}' was refused`);
    }
    this.#map = replacement;
  }

  override info(): LinkInfo {
    this.#requireBpfLink('info');
    return super.info();
  }

  override pin(path: string): void {
    this.#requireBpfLink('pin');
    super.pin(path);
  }

  /** Unregisters now; the object stays (defunct) until closed. */
  override detach(): void {
    if (this.isBpfLink) {
      super.detach();
      return;
    }
    this.#unregister();
  }

  #unregister(): void {
    if (!this.#registered) return;
    this.#registered = false;
    // deleting key 0 unregisters (false: not registered any more, which is as good)
    this.#registration?.delete(KEY_ZERO);
  }

  /**
   * Lets go of the registration without ending it (libbpf's bpf_link__disconnect): a `.struct_ops`
   * map stays registered after the process exits; a `.struct_ops.link` one stays while pinned.
   */
  disconnect(): void {
    this.#registered = false;
    this.close();
  }

  override close(): void {
    if (this.closed) return;
    try {
      if (!this.isBpfLink) this.#unregister();
    } finally {
      super.close();
      this.#registration?.close();
    }
  }
}

/**
 * Registers a struct_ops map the object loader created (`obj.maps.<variable>`): writes its value
 * (programs and members in the kernel's layout) and, for `.struct_ops.link`, creates the BPF link.
 */
export function attachStructOps(map: BpfMap): StructOpsLink {
  const state = stateOf(map);
  if (!state.link) {
    // our own handle of the map: unregistering on close must not depend on the object's fd still being open
    const registration = BpfMap.fromId(map.id);
    try {
      writeValue(map, state);
    } catch (error) {
      registration.close();
      throw error;
    }
    return new StructOpsLink(registration.fd, map, state, registration);
  }
  writeValue(map, state);
  const fd = createLinkOrExplain({ feature: 'struct_ops links', since: '6.4' }, () => {
    try {
      return bpf.linkCreate({ programFd: map.fd.value, targetFd: 0, attachType: AttachType.StructOps });
    } catch (error) {
      if (!(error instanceof BpfError) || error.errno !== Errno.EEXIST) throw error;
      throw new BpfError('LINK_CREATE', error.errno, `unregister the other one first, or give this ${state.typeName} another name`, `the kernel already has a ${state.typeName} of the name struct_ops map '${state.name}' gives`);
    }
  });
  return new StructOpsLink(new FileDescriptor(fd, `struct_ops link ${state.name}`), map, state);
}

/** Attaches every struct_ops map of `maps` (what a libbpf skeleton's attach does); on a failure, closes the ones it attached. */
export function attachStructOpsMaps(maps: Iterable<readonly [string, BpfMap]>): Map<string, StructOpsLink> {
  const links = new Map<string, StructOpsLink>();
  try {
    for (const [name, map] of maps) {
      if (map.type === MapType.StructOps && structOpsState(map)) links.set(name, attachStructOps(map));
    }
    return links;
  } catch (error) {
    for (const link of links.values()) link.close();
    throw error;
  }
}
