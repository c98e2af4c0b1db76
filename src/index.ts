/** tsbpf: eBPF for TypeScript. The public API. */
export * from './errors.js';
export * from './maps/index.js';
export * from './programs/index.js';
export * from './info/index.js';
export * as asm from './asm/index.js';
export * as features from './features/index.js';
export { loadObject, openObject, BpfObject, MapPinMismatchError, type LoadObjectOptions } from './loader/index.js';
export { readObjectSpec, type ObjectSpec, type ObjectProgramSpec } from './object/object-spec.js';
export type { ObjectMapSpec } from './object/object-maps.js';
export { GlobalVariable, type GlobalVariables } from './object/global-variable.js';
export { BtfValueError, decodeBtfValue, encodeBtfValue, type BtfValue } from './btf/value-codec.js';
export { btfDecoder, findTypeByCName, type BtfDecoder } from './btf/value-decoder.js';
export * as link from './link/index.js';
export { explainVerifierLog, formatVerifierReport, type VerifierReport } from './programs/verifier-report.js';
export { lintObject, type LintFinding } from './object/lint.js';
export { CoreError } from './object/core/index.js';
export { ExternError } from './object/externs.js';
export * as inspect from './inspect/index.js';
