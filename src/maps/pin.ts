/** Pinning helpers for maps: bpffs handling lives in sys (programs and links pin the same way). */
export { DEFAULT_BPFFS, ensureBpffs, ensureBpffsFor, isBpffsMounted, unpin } from '../sys/bpffs.js';
