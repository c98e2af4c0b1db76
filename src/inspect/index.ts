/**
 * Inspecting the running kernel as library calls (what `tsbpf prog|map|btf|link|net|cgroup|perf` print,
 * and what the dashboard and exporter read): listings with full info, owners, dumps.
 */
export { listPrograms, programDetails, dumpXlated, dumpXlatedGraph, dumpJited, pinProgram, ProgramNotFoundError, type ProgramDetails, type ProgramDump, type XlatedDump, type JitedDump } from './programs.js';
export { listMaps, mapDetails, dumpMap, lookupElement, nextKey, updateElement, deleteElement, createPinnedMap, withPinnedPaths } from './maps.js';
export { listBtf, btfDetails } from './btf.js';
export { listLinks, linkDetails, pinnedLinkDetails, pinLink, detachLink } from './links.js';
export { listNetAttachments } from './net.js';
export { cgroupPrograms, cgroupTree, cgroup2Root } from './cgroups.js';
export { listPerfAttachments } from './perf.js';
export { readOwners, prepareOwnersIterator, openOwnersScanner, type Owner, type OwnerTable, type OwnersScanner } from './owners.js';
export { readPinnedPaths, bpffsMounts, type PinnedKind } from './pinned-paths.js';
