/** Info about live kernel objects (BPF_OBJ_GET_INFO_BY_FD), next-id iteration and run-time statistics. */
export { programInfo, programInfoById, programInstructions, decodeProgramInfo, type ProgramInfo, type InstructionDump } from './program-info.js';
export { mapInfo, mapInfoById, decodeMapInfo, type MapInfo } from './map-info.js';
export { btfInfo, btfInfoById, btfData, decodeBtfInfo, type BtfInfo } from './btf-info.js';
export { linkInfo, linkInfoById, decodeLinkInfo, type LinkInfo } from './link-info.js';
export { programIds, mapIds, btfIds, linkIds } from './ids.js';
export { enableStats, RunTimeStats } from './stats.js';
export { BtfObject } from './btf-object.js';
export { LinkHandle } from './link-handle.js';
export { bootTimeMs, bootTimeToDate } from './boot-time.js';
