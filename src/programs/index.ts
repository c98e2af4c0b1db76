/** Programs: load, test-run, pin and open BPF programs. */
export { Program } from './program.js';
export type { ProgramSpec, BtfExtRecords } from './program-spec.js';
export type { TestRunOptions, TestRunResult } from './program-test-run.js';
export { DEFAULT_LOG_SIZE, MAX_LOG_SIZE } from './verifier-log.js';
export { ProgramType, programTypeName, programTypeByName, ALL_PROGRAM_TYPES } from './program-types.js';
export { AttachType, attachTypeName } from './attach-types.js';
