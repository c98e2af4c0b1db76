/**
 * The kernel ABI tsbpf speaks: constants and struct layouts of the bpf(2) and perf_event_open(2)
 * interfaces, in one place. No other file holds a kernel magic number.
 *
 * Everything kernel BTF describes (enums, `union bpf_attr` members, the info structs, perf_event_attr,
 * helper names) is generated into `abi-generated.ts` by src/abi-gen (`npm run generate:abi`) and
 * re-exported here. What stays below is what BTF cannot hold: #defines and macros (BPF_PSEUDO_*, flag
 * bits defined with #define, ioctl numbers, errno values), per-architecture facts (syscall numbers,
 * epoll_event packing) and constants of non-BPF headers; each names the header it comes from
 * (include/uapi/linux/bpf.h unless a comment names another). `abi.test.ts` checks every layout offset
 * against /usr/include/linux/bpf.h with a C compiler wherever that header has the member.
 */
import { BpfCommand, MapFlags } from './abi-generated.js';

export * from './abi-generated.js';

export type BpfCommandName = keyof typeof BpfCommand;

/** Syscall numbers, per architecture (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h). */
export const SyscallNumbers: Record<string, { bpf: number; perfEventOpen: number }> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
  riscv64: { bpf: 280, perfEventOpen: 241 },
};

/** `prog_flags` of BPF_PROG_LOAD (BPF_F_STRICT_ALIGNMENT.., #defines). */
export const ProgramFlags = {
  STRICT_ALIGNMENT: 1 << 0,
  ANY_ALIGNMENT: 1 << 1,
  TEST_RND_HI32: 1 << 2,
  TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
  XDP_DEV_BOUND_ONLY: 1 << 6,
  TEST_REG_INVARIANTS: 1 << 7,
  /** BPF_F_TOKEN_FD: the map-flags enumerator, shared by prog_flags. */
  TOKEN_FD: MapFlags.TOKEN_FD,
} as const;

/** `attach_flags` of BPF_PROG_ATTACH (BPF_F_ALLOW_OVERRIDE.., #defines; BPF_F_LINK is the map-flags enumerator). */
export const AttachFlags = { ALLOW_OVERRIDE: 1 << 0, ALLOW_MULTI: 1 << 1, REPLACE: 1 << 2, BEFORE: 1 << 3, AFTER: 1 << 4, ID: 1 << 5, LINK: MapFlags.LINK } as const;

/** `flags` of BPF_PROG_TEST_RUN (BPF_F_TEST_RUN_ON_CPU.., #defines). */
export const TestRunFlags = { RUN_ON_CPU: 1 << 0, XDP_LIVE_FRAMES: 1 << 1, SKB_CHECKSUM_COMPLETE: 1 << 2 } as const;

/** BPF_PSEUDO_* values of `src_reg` in ld_imm64 and call instructions (#defines). */
export const PseudoSource = { MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, MAP_IDX: 5, MAP_IDX_VALUE: 6, CALL: 1, KFUNC_CALL: 2, FUNC: 4 } as const;

/** Verifier log levels (`log_level`; BPF_LOG_LEVEL1/2, BPF_LOG_STATS in include/linux/bpf_verifier.h). */
export const LogLevel = { BRANCH: 1, INSTRUCTIONS: 2, STATS: 4 } as const;

/** Fixed sizes (#defines): BPF_OBJ_NAME_LEN, BPF_TAG_SIZE. */
export const BPF_OBJ_NAME_LEN = 16;
export const BPF_TAG_SIZE = 8;

/** `perf_event_open` flags: PERF_FLAG_FD_CLOEXEC (include/uapi/linux/perf_event.h, #define). */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

/** perf ioctls (include/uapi/linux/perf_event.h): _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32). */
export const PerfIoctl = { ENABLE: 0x2400, DISABLE: 0x2401, SET_BPF: 0x40042408 } as const;

/** mmap(2) and epoll(7) constants (include/uapi/asm-generic/mman-common.h, include/uapi/linux/eventpoll.h). */
export const Mmap = { PROT_READ: 1, PROT_WRITE: 2, MAP_SHARED: 1, MAP_PRIVATE: 2, MAP_FIXED: 0x10, MAP_ANONYMOUS: 0x20, FAILED: -1 } as const;
export const Epoll = { CLOEXEC: 0o2000000, CTL_ADD: 1, CTL_DEL: 2, CTL_MOD: 3, IN: 0x001, OUT: 0x004, ERR: 0x008, HUP: 0x010 } as const;
/** `struct epoll_event` is packed on x86-64 only (include/uapi/linux/eventpoll.h, EPOLL_PACKED); epoll.ts picks one by architecture. */
export const EpollEventLayouts = { packed: { events: 0, data: 4, size: 12 }, aligned: { events: 0, data: 8, size: 16 } } as const;

/** open(2) flags used for bpffs and sysfs (include/uapi/asm-generic/fcntl.h). */
export const OpenFlags = { RDONLY: 0, CLOEXEC: 0o2000000 } as const;

/** BPF_FS_MAGIC (include/uapi/linux/magic.h). */
export const BPF_FS_MAGIC = 0xcafe4a11;

/** errno names by number (include/uapi/asm-generic/errno-base.h, errno.h; ENOTSUPP and ERESTARTSYS from include/linux/errno.h). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC',
  9: 'EBADF', 10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY',
  17: 'EEXIST', 18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE',
  24: 'EMFILE', 25: 'ENOTTY', 26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 29: 'ESPIPE', 30: 'EROFS',
  31: 'EMLINK', 32: 'EPIPE', 33: 'EDOM', 34: 'ERANGE', 35: 'EDEADLK', 36: 'ENAMETOOLONG', 37: 'ENOLCK',
  38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP', 42: 'ENOMSG', 43: 'EIDRM', 60: 'ENOSTR', 61: 'ENODATA',
  62: 'ETIME', 63: 'ENOSR', 67: 'ENOLINK', 71: 'EPROTO', 72: 'EMULTIHOP', 74: 'EBADMSG', 75: 'EOVERFLOW',
  84: 'EILSEQ', 88: 'ENOTSOCK', 89: 'EDESTADDRREQ', 90: 'EMSGSIZE', 91: 'EPROTOTYPE', 92: 'ENOPROTOOPT',
  93: 'EPROTONOSUPPORT', 95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN', 101: 'ENETUNREACH', 102: 'ENETRESET', 103: 'ECONNABORTED', 104: 'ECONNRESET',
  105: 'ENOBUFS', 106: 'EISCONN', 107: 'ENOTCONN', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED',
  113: 'EHOSTUNREACH', 114: 'EALREADY', 115: 'EINPROGRESS', 116: 'ESTALE', 122: 'EDQUOT', 125: 'ECANCELED',
  512: 'ERESTARTSYS', 524: 'ENOTSUPP',
};
