/**
 * A link: what keeps a program attached. It owns the link fd (and, for perf-event hooks, the perf
 * event it sits on); closing it detaches the program unless the link is pinned. `update()` swaps the
 * program in place, `detach()` cuts the attachment while the fd stays open (for those who hold it).
 */
import { linkInfo, type LinkInfo } from '../info/link-info.js';
import type { Program } from '../programs/program.js';
import { bpf, ensureBpffsFor, FdOwner, FileDescriptor, unpin } from '../sys/index.js';

export class Link extends FdOwner {
  /** What the link attaches to, for messages: `tracepoint syscalls/sys_enter_openat`, `xdp eth0`. */
  readonly target: string;
  readonly #owned: FileDescriptor[];

  /** Takes ownership of `fd` (a BPF link) and of `owned` (what it needs alive: a perf event). */
  constructor(fd: FileDescriptor, target: string, owned: FileDescriptor[] = []) {
    super(fd);
    this.target = target;
    this.#owned = owned;
  }

  /** Opens a pinned link (it stays attached while pinned, whoever holds it). */
  static fromPinned(path: string): Link {
    return new Link(new FileDescriptor(bpf.objGet(path), `link pinned at ${path}`), path);
  }

  static fromId(id: number): Link {
    return new Link(new FileDescriptor(bpf.getFdById('LINK', id), `link ${id}`), `link ${id}`);
  }

  get id(): number {
    return this.info().id;
  }

  info(): LinkInfo {
    return linkInfo(this.fd.value);
  }

  /** Pins the link: the attachment then outlives this process until the pin is removed. */
  pin(path: string): void {
    ensureBpffsFor(path);
    bpf.objPin(this.fd.value, path);
  }

  unpin(path: string): void {
    unpin(path);
  }

  /** Replaces the attached program; with `expected`, only if that program is the one attached now. */
  update(program: Program, expected?: Program): void {
    bpf.linkUpdate(this.fd.value, program.fd.value, expected?.fd.value);
  }

  /** Detaches the program now; the link object stays (defunct) until closed. */
  detach(): void {
    bpf.linkDetach(this.fd.value);
  }

  override close(): void {
    super.close();
    for (const fd of this.#owned) fd.close();
  }
}
