/** Symbolization of stack addresses: kernel (kallsyms), user (ELF files through /proc/PID/maps), JIT (perf maps). */
export { Symbolizer, frameName, type Frame } from './symbolizer.js';
export { KernelSymbols, type KernelSymbol } from './kernel-symbols.js';
export { ElfSymbols } from './elf-symbols.js';
export { PerfMapFile, parsePerfMap, perfMapPaths } from './perf-map.js';
export { parseProcessMaps, readProcessMaps, findMapping, isFileMapping, type Mapping } from './process-maps.js';
export { AddressTable, type AddressEntry, type AddressHit } from './address-table.js';
export { loadSegments, fileOffsetToAddress, type LoadSegment } from './program-headers.js';
