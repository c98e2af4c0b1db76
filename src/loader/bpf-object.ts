/**
 * A loaded object: its programs, maps and global variables by name, owning every fd it holds.
 * `close()` (or the end of a `using` block) releases them all; pinned maps and programs stay in the
 * kernel through their pins, as with libbpf.
 */
import type { BpfMap } from '../maps/map.js';
import { btfDecoder, findTypeByCName, type BtfDecoder } from '../btf/value-decoder.js';
import { NotSupportedError } from '../errors.js';
import { globalVariables, type GlobalVariables } from '../object/global-variable.js';
import type { ObjectProgramSpec, ObjectSpec } from '../object/object-spec.js';
import type { Program } from '../programs/program.js';
import { attachAll } from '../link/attach-all.js';
import { attachStructOpsMaps } from '../link/struct-ops.js';
import type { Link } from '../link/link.js';
import type { FileDescriptor } from '../sys/fd.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBpffsFor, unpin } from '../sys/bpffs.js';
import { closeCreatedMaps, type CreatedMap } from './object-maps.js';

/** libbpf's sanitize_pin_path: a dot in a pin name becomes an underscore. */
export function pinName(name: string): string {
  return name.replace(/\./g, '_');
}

function pinAll(entries: readonly (readonly [string, { pin(path: string): void }])[], directory: string): string[] {
  const done: string[] = [];
  if (entries.length === 0) return done;
  ensureBpffsFor(join(directory, 'x'));
  mkdirSync(directory, { recursive: true });
  try {
    for (const [name, object] of entries) {
      const path = join(directory, pinName(name));
      object.pin(path);
      done.push(path);
    }
    return done;
  } catch (error) {
    for (const path of done) {
      try { unpin(path); } catch { /* already gone */ }
    }
    throw error;
  }
}

export class BpfObject implements Disposable {
  /** libbpf's object name (the file name up to its first dot). */
  readonly name: string;
  readonly spec: ObjectSpec;
  /** Loaded programs by function name. */
  readonly programs: Readonly<Record<string, Program>>;
  /** Maps by name: a `.maps` map by its variable name, a data map by its section (`.rodata`, `.bss`, ...). */
  readonly maps: Readonly<Record<string, BpfMap>>;
  /** Global variables, read and written through the data maps' memory (.rodata is read-only). */
  readonly variables: GlobalVariables;
  readonly #created: readonly CreatedMap[];
  readonly #btf: FileDescriptor | undefined;
  readonly #programs: readonly Program[];
  readonly #replacements: ReadonlyMap<string, BpfMap>;
  #closed = false;
  readonly #links: Link[] = [];

  constructor(spec: ObjectSpec, selected: readonly ObjectProgramSpec[], programs: readonly Program[], created: readonly CreatedMap[], btf: FileDescriptor | undefined, replacements: ReadonlyMap<string, BpfMap>) {
    this.name = spec.name;
    this.spec = spec;
    this.#created = created;
    this.#btf = btf;
    this.#programs = programs;
    this.#replacements = replacements;
    const byProgram: Record<string, Program> = Object.create(null) as Record<string, Program>;
    selected.forEach((program, i) => { byProgram[program.name] = programs[i]!; });
    this.programs = Object.freeze(byProgram);
    const byMap: Record<string, BpfMap> = Object.create(null) as Record<string, BpfMap>;
    for (const entry of created) byMap[entry.spec.fullName] = entry.map;
    this.maps = Object.freeze(byMap);
    const dataMaps = new Map(created.filter((entry) => entry.spec.kind === 'data').map((entry) => [entry.spec.section, entry]));
    this.variables = globalVariables(spec.variableSpecs, (section) => dataMaps.get(section)!.map.mmap(), spec.btf, (section) => !dataMaps.get(section)!.spec.readOnly);
  }

  /**
   * Attaches every program whose SEC name says where (tracepoints, raw tracepoints, tp_btf, fentry/
   * fexit/lsm, iterators) and registers every struct_ops map, as a libbpf skeleton's attach does. The links are the caller's to close;
   * `close()` of the object closes them too.
   */
  attachAll(): ReadonlyMap<string, Link> {
    const selected = this.spec.programs.filter((program) => this.programs[program.name] !== undefined);
    const links: Map<string, Link> = attachAll(selected.map((spec) => ({ spec, program: this.programs[spec.name]! })));
    // struct_ops maps too, by variable name, as a libbpf skeleton attaches them
    try {
      for (const [name, link] of attachStructOpsMaps(Object.entries(this.maps))) links.set(name, link);
    } catch (error) {
      for (const link of links.values()) link.close();
      throw error;
    }
    for (const link of links.values()) this.#links.push(link);
    return links;
  }

  /**
   * A decoder of the object's C type `cType` (`struct event`): bytes (a ring buffer record, a map value)
   * to the plain object a user would write by hand. Built once per type.
   */
  decoder(cType: string): BtfDecoder {
    if (!this.spec.btf) throw new NotSupportedError(`decoding '${cType}'`, `object '${this.name}' has no BTF`, 'compile it with clang -g');
    return btfDecoder(this.spec.btf, findTypeByCName(this.spec.btf, cType));
  }

  /** The kernel id of the object's BTF (0 when it has none). */
  get btfFd(): number {
    return this.#btf?.value ?? -1;
  }

  /**
   * Pins every program at `<directory>/<program name>` (libbpf's bpf_object__pin_programs); on failure
   * removes the pins it made. Returns the paths.
   */
  pinPrograms(directory: string): string[] {
    return pinAll(Object.entries(this.programs), directory);
  }

  /** Pins every map at `<directory>/<map name>`, dots made underscores as libbpf does (bpffs refuses dots). */
  pinMaps(directory: string): string[] {
    // libbpf's map name: the variable's full name, or an internal map's `<obj>.rodata`-style name
    return pinAll(this.#created.map((entry) => [entry.spec.kind === 'data' || entry.spec.kind === 'kconfig' ? entry.spec.name : entry.spec.fullName, entry.map] as const), directory);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) link.close();
    for (const program of this.#programs) program.close();
    closeCreatedMaps(this.#created, false, this.#replacements);
    this.#btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
