/**
 * The CO-RE relocation engine (pure): resolves an object's .BTF.ext CO-RE relocations against
 * vmlinux, module or custom target BTF and patches the program's instructions exactly as libbpf 1.x
 * does. The object loader calls relocateCore once per program, sharing one CoreCandidateCache.
 */
export { relocateCore, type CoreOutcome, type CoreSite, type RelocateCoreOptions } from './relocate.js';
export { CoreCandidateCache, type CoreCandidate, type CoreTarget } from './candidates.js';
export { CoreError } from './core-error.js';
export { CORE_POISON_IMMEDIATE } from './patch.js';
export { essentialName } from './btf-walk.js';
