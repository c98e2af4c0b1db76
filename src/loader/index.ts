/** The object loader: clang-built BPF objects into the kernel, the way libbpf loads them. */
export { loadObject, loadObjectSpec, openObject, type LoadObjectOptions } from './load-object.js';
export { BpfObject } from './bpf-object.js';
export { MapPinMismatchError } from './object-maps.js';
export { prepareProgram, PreparedProgram, PreparedLoad, type PrepareProgramOptions } from './prepared-program.js';
export { StructOpsError } from './struct-ops-value.js';
