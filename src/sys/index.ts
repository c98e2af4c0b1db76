/**
 * `sys`: the only code that calls the kernel. Upper layers import from here, never from ffi.ts.
 */
export * as abi from './abi.js';
export * as bpf from './bpf.js';
export * as perf from './perf.js';
export { EpollSet, type ReadyEvent } from './epoll.js';
export { FileDescriptor, FdOwner } from './fd.js';
export { NativeMemory, close as closeRawFd } from './ffi.js';
export { mapShared, detachMapping, releaseWhenUnreachable, unmap, type Mapping } from './memory.js';
export { possibleCpus, onlineCpus, possibleCpuCount, parseCpuList } from './cpus.js';
export { PreparedMapElem } from './map-elem.js';
export { mount } from './mount.js';
export { readKernelBtfFile, isKernelBtfPath, VMLINUX_BTF_PATH, KERNEL_BTF_DIRECTORY } from './kernel-btf-file.js';
export { DEFAULT_BPFFS, ensureBpffs, ensureBpffsFor, isBpffsMounted, unpin } from './bpffs.js';
