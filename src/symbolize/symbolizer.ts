/**
 * Stack addresses to names, for profilers: kernel frames through /proc/kallsyms; user frames through the
 * process's mappings to the ELF file's functions, or — in anonymous memory, where JITs put their code —
 * through the process's perf map (`node --perf-basic-prof` writes one, so JavaScript functions get
 * their names). A file's symbols are read once and shared by every process mapping it; a process's
 * mappings are read on its first lookup (call `forget(pid)` to read them again).
 */
import { existsSync } from 'node:fs';
import { TsbpfError } from '../errors.js';
import { ElfSymbols } from './elf-symbols.js';
import { KernelSymbols } from './kernel-symbols.js';
import { PerfMapFile, perfMapPaths } from './perf-map.js';
import { findMapping, isFileMapping, readProcessMaps, type Mapping } from './process-maps.js';

export interface Frame {
  address: bigint;
  /** The function's name, undefined when nothing names the address (printed `[unknown]`). */
  symbol?: string;
  /** How far into the function the address is. */
  offset?: number;
  /** The file the address is in (a path, a perf map's path, or `[kernel]`/a kernel module). */
  module?: string;
  /** The address's offset in that file (user frames in files). */
  moduleOffset?: number;
}

interface ProcessView {
  mappings: Mapping[];
  perfMap: PerfMapFile | undefined;
}

export class Symbolizer {
  #kernel: KernelSymbols | null | undefined;
  #kernelProblem: string | undefined;
  readonly #files = new Map<string, ElfSymbols | null>();
  readonly #processes = new Map<number, ProcessView>();

  /** A kernel address's frame; `[unknown]` (no symbol) when kallsyms can't be read or names nothing there. */
  kernel(address: bigint): Frame {
    if (this.#kernel === undefined) {
      try {
        this.#kernel = KernelSymbols.read();
      } catch (error) {
        if (!(error instanceof TsbpfError)) throw error;
        this.#kernel = null;
        this.#kernelProblem = error.message;
      }
    }
    const symbol = this.#kernel?.lookup(address);
    if (!symbol) return { address };
    return { address, symbol: symbol.name, offset: symbol.offset, module: symbol.module ?? '[kernel]' };
  }

  /** Why kernel frames are all `[unknown]`, when kallsyms could not be read. */
  get kernelProblem(): string | undefined {
    return this.#kernelProblem;
  }

  /** A user address of process `pid`. */
  user(pid: number, address: bigint): Frame {
    const view = this.#process(pid);
    const at = Number(address);
    const mapping = findMapping(view.mappings, at);
    if (mapping && isFileMapping(mapping)) {
      const moduleOffset = at - mapping.start + mapping.fileOffset;
      const file = this.#file(pid, mapping);
      if (file) {
        const hit = file.lookupFileOffset(moduleOffset);
        return { address, ...(hit ? { symbol: hit.name, offset: hit.offset } : {}), module: mapping.path, moduleOffset };
      }
      // not an ELF file: a JIT may keep its code in a file-like mapping (memfd), and name it in its perf map
    }
    // anonymous memory, or a process already gone: a JIT's code, named by its perf map if it has one
    const hit = view.perfMap?.lookup(at);
    if (hit) return { address, symbol: hit.name, offset: hit.offset, module: view.perfMap!.path };
    if (mapping && isFileMapping(mapping)) return { address, module: mapping.path, moduleOffset: at - mapping.start + mapping.fileOffset };
    return { address, ...(mapping?.path ? { module: mapping.path } : {}) };
  }

  /** Drops what is known of `pid`'s mappings (after it exec'd or mapped more). */
  forget(pid: number): void {
    this.#processes.delete(pid);
  }

  #process(pid: number): ProcessView {
    let view = this.#processes.get(pid);
    if (!view) {
      const perfMap = perfMapPaths(pid).find((path) => existsSync(path));
      view = { mappings: readProcessMaps(pid), perfMap: perfMap ? new PerfMapFile(perfMap) : undefined };
      this.#processes.set(pid, view);
    }
    return view;
  }

  /** The file's symbols, read through the process's root (its mount namespace) while it lives. */
  #file(pid: number, mapping: Mapping): ElfSymbols | null {
    const key = `${mapping.device} ${mapping.inode} ${mapping.path}`;
    let symbols = this.#files.get(key);
    if (symbols !== undefined) return symbols;
    symbols = null;
    const path = mapping.path.replace(/ \(deleted\)$/, '');
    for (const candidate of [`/proc/${pid}/root${path}`, path]) {
      try {
        symbols = ElfSymbols.read(candidate);
        break;
      } catch {
        // not there, not readable, or not ELF (a mapped data file): no names from it
      }
    }
    this.#files.set(key, symbols);
    return symbols;
  }
}

/** libbpf-tools' frame text: the symbol, or `[unknown]`. */
export function frameName(frame: Frame): string {
  return frame.symbol ?? '[unknown]';
}
