/**
 * Programs attached to cgroups (cgroup v2), as `bpftool cgroup show` and `cgroup tree` find them:
 * BPF_PROG_QUERY on each cgroup directory for every attach type bpftool 7.1 knows, the tree walked
 * depth first in the kernel's directory order (nftw's), staying on the cgroup filesystem.
 */
import { closeSync, openSync, opendirSync, readFileSync, statSync } from 'node:fs';
import { Btf } from '../btf/btf.js';
import { BpfError, Errno, TsbpfError } from '../errors.js';
import { btfInfoById } from '../info/index.js';
import { abi, bpf, readKernelBtfFile } from '../sys/index.js';
import { unlessGone } from './btf.js';
import { programDetails } from './programs.js';

/** bpftool 7.1 queries attach types below its headers' __MAX_BPF_ATTACH_TYPE (BPF_LSM_CGROUP + 1). */
const ATTACH_TYPE_LIMIT = abi.AttachTypeId.LSM_CGROUP + 1;
/** BPF_F_QUERY_EFFECTIVE (include/uapi/linux/bpf.h, #define). */
const QUERY_EFFECTIVE = 1;

export interface CgroupProgram {
  id: number;
  attachType: number;
  /** BPF_F_ALLOW_MULTI/OVERRIDE of this attachment (the program's own, else the hook's). */
  attachFlags: number;
  /** bpftool's full name (the BTF function name when the kernel cut the name at 15 characters). */
  name: string;
  attachBtfObjectId: number;
  attachBtfId: number;
  /**
   * The attach BTF type's name as bpftool 7.1 prints it: from vmlinux when the attach BTF object is
   * vmlinux, and (a quirk it has) the name of type 0, "", while it has not yet seen vmlinux's id;
   * undefined when it prints none.
   */
  attachBtfName: string | undefined;
}

export interface CgroupAttachments {
  /** The cgroup's path as walked (the root as given, children joined with '/'). */
  path: string;
  /** Depth below the walk's root (0 for the root). */
  level: number;
  programs: CgroupProgram[];
}

export interface CgroupQueryOptions {
  /** The programs in effect (inherited from ancestors too) rather than those attached here. */
  effective?: boolean;
}

/** bpftool's guess of vmlinux's BTF object id and its BTF, kept across one listing as bpftool keeps them. */
class AttachBtfNames {
  #vmlinuxId = 0;
  #vmlinux: Btf | null | undefined;

  name(objectId: number, typeId: number): string | undefined {
    if (this.#vmlinuxId === 0) {
      const info = objectId === 0 ? undefined : unlessGone(() => btfInfoById(objectId));
      if (info?.kernelBtf && info.name === 'vmlinux') this.#vmlinuxId = info.id;
    }
    if (this.#vmlinuxId !== objectId) return undefined;
    const btf = this.#btf();
    if (btf === null || typeId >= btf.typeCount) return undefined;
    return typeId === 0 ? '' : btf.type(typeId).name;
  }

  #btf(): Btf | null {
    if (this.#vmlinux === undefined) {
      try {
        this.#vmlinux = Btf.parse(readKernelBtfFile());
      } catch {
        this.#vmlinux = null;
      }
    }
    return this.#vmlinux;
  }
}

/** Whether any attach type has programs here; EINVAL (a type cgroups don't take) counts as none. */
function hasPrograms(fd: number, flags: number): boolean {
  for (let type = 0; type < ATTACH_TYPE_LIMIT; type++) {
    try {
      if (bpf.progQuery(fd, type, flags, 1).programIds.length > 0) return true;
    } catch (error) {
      if (error instanceof BpfError && error.errno === Errno.EINVAL) continue;
      throw error;
    }
  }
  return false;
}

function programsAt(fd: number, flags: number, names: AttachBtfNames): CgroupProgram[] {
  const programs: CgroupProgram[] = [];
  for (let type = 0; type < ATTACH_TYPE_LIMIT; type++) {
    let answer;
    try {
      answer = bpf.progQuery(fd, type, flags, 1024);
    } catch {
      continue; // bpftool skips a type whose query fails
    }
    answer.programIds.forEach((id, i) => {
      let details;
      try {
        details = programDetails(id, { owners: false, metadata: false });
      } catch (error) {
        if (error instanceof TsbpfError) return; // detached and freed since the query
        throw error;
      }
      const info = details.info;
      programs.push({
        id,
        attachType: type,
        attachFlags: answer.programAttachFlags[i] || answer.attachFlags,
        name: details.fullName,
        attachBtfObjectId: info.attachBtfObjectId,
        attachBtfId: info.attachBtfId,
        attachBtfName: names.name(info.attachBtfObjectId, info.attachBtfId),
      });
    });
  }
  return programs;
}

function openCgroup(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new TsbpfError(`can't open cgroup ${path}: ${(error as { code?: string }).code ?? 'error'}`, 'give a cgroup v2 directory, e.g. under /sys/fs/cgroup/unified');
  }
}

function queryCgroup(path: string, level: number, flags: number, names: AttachBtfNames): CgroupAttachments | undefined {
  const fd = openCgroup(path);
  try {
    let any;
    try {
      any = hasPrograms(fd, flags);
    } catch (error) {
      if (error instanceof TsbpfError) throw new TsbpfError(`can't query bpf programs attached to ${path}: ${error.message}`, error.hint, { cause: error });
      throw error;
    }
    return any ? { path, level, programs: programsAt(fd, flags, names) } : undefined;
  } finally {
    closeSync(fd);
  }
}

/** The programs attached to one cgroup; undefined when it has none (bpftool then prints nothing). */
export function cgroupPrograms(path: string, options: CgroupQueryOptions = {}): CgroupAttachments | undefined {
  return queryCgroup(path, 0, options.effective ? QUERY_EFFECTIVE : 0, new AttachBtfNames());
}

/** The first cgroup v2 mount in /proc/mounts (bpftool's default root), or undefined. */
export function cgroup2Root(): string | undefined {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const fields = line.split(' ');
    // getmntent decodes octal escapes (\040 for a space) in the mount point
    if (fields[2] === 'cgroup2' && fields[1] !== undefined) return fields[1].replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  }
  return undefined;
}

function childDirectories(path: string): string[] {
  let directory;
  try {
    directory = opendirSync(path);
  } catch {
    return [];
  }
  const names: string[] = [];
  try {
    for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
      if (entry.isDirectory()) names.push(entry.name);
    }
  } finally {
    directory.closeSync();
  }
  return names;
}

/**
 * Every cgroup under `root` (default: the cgroup v2 mount) that has programs, parents before children,
 * in the kernel's directory order, without crossing into other mounts.
 */
export function cgroupTree(root?: string, options: CgroupQueryOptions = {}): CgroupAttachments[] {
  // nftw strips trailing slashes from where it starts (all but a lone "/")
  const start = (root ?? cgroup2Root())?.replace(/(?<=.)\/+$/, '');
  if (start === undefined) throw new TsbpfError('cgroup v2 isn\'t mounted', 'mount it (mount -t cgroup2 none /sys/fs/cgroup/unified) or give a cgroup root');
  const flags = options.effective ? QUERY_EFFECTIVE : 0;
  const names = new AttachBtfNames();
  let device: number;
  try {
    device = statSync(start).dev;
  } catch (error) {
    throw new TsbpfError(`can't iterate over ${start}: ${(error as { code?: string }).code ?? 'error'}`, 'give an existing cgroup directory');
  }
  const found: CgroupAttachments[] = [];
  const walk = (path: string, level: number): void => {
    const attachments = unlessVanished(() => queryCgroup(path, level, flags, names));
    if (attachments) found.push(attachments);
    for (const name of childDirectories(path)) {
      const child = path.endsWith('/') ? `${path}${name}` : `${path}/${name}`;
      let stat;
      try {
        stat = statSync(child);
      } catch {
        continue; // removed while we walked
      }
      if (stat.dev === device) walk(child, level + 1);
    }
  };
  walk(start, 0);
  return found;
}

/** A cgroup removed between the directory read and its open is skipped, as nftw would never see it. */
function unlessVanished<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof TsbpfError && /ENOENT/.test(error.message)) return undefined;
    throw error;
  }
}
