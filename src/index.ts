/** tsbpf: eBPF for TypeScript. The public API. */
export * from './errors.js';
export * from './maps/index.js';
export * from './programs/index.js';
export * from './info/index.js';
export * as asm from './asm/index.js';
export * as features from './features/index.js';
