/**
 * `loadObject`: a clang-built object into the kernel, in libbpf's order (bpf_object__load): resolve
 * externs, apply CO-RE relocations, load the fixed-up BTF, create the maps (pinning, data, freezing),
 * fill map-in-map slots, link and relocate each program and load it, then fill prog arrays. Anything
 * that fails on the way closes what was made before it, so a refused object leaves nothing behind.
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { Instruction } from '../asm/instruction.js';
import { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/types.js';
import { BtfObject } from '../info/btf-object.js';
import type { LineInfo } from '../btf/ext-records.js';
import { BpfError, Errno, NotSupportedError, TsbpfError, VerifierError } from '../errors.js';
import { haveAttachType } from '../features/attach-types.js';
import { haveProgramType } from '../features/program-types.js';
import { AttachType } from '../programs/attach-types.js';
import { haveHelper } from '../features/helpers.js';
import type { BpfMap } from '../maps/map.js';
import type { CodeFunction, CodeSection } from '../object/code-sections.js';
import { CoreCandidateCache, relocateCore, type CoreSite, type CoreTarget } from '../object/core/index.js';
import { kconfigData, patchExternInstruction, resolveKsym, type ExternSpec, type KsymResolution } from '../object/externs.js';
import { linkProgram, type LinkedProgram } from '../object/link-program.js';
import { ObjectError } from '../object/object-error.js';
import { readObjectSpec, type ObjectProgramSpec, type ObjectSpec } from '../object/object-spec.js';
import { explainVerifierLog } from '../programs/verifier-report.js';
import { Program } from '../programs/program.js';
import { ProgramType } from '../programs/program-types.js';
import type { FileDescriptor } from '../sys/fd.js';
import { bpf } from '../sys/index.js';
import { LoadSource } from '../asm/opcodes.js';
import { findAttachBtfId } from './attach-btf.js';
import { BpfObject } from './bpf-object.js';
import { Kallsyms, probeSyscallWrapper } from './kallsyms.js';
import { kernelBtf, kernelModuleBtfs } from './kernel-btf.js';
import { ModuleBtfHandles } from './module-btf-handles.js';
import { linuxKernelVersion, readKernelConfig } from './kconfig-file.js';
import { loadBtfBytes, objectBtfBytes } from './object-btf.js';
import { closeCreatedMaps, createObjectMaps, type CreatedMap } from './object-maps.js';
import { setStructOpsValue } from './struct-ops-map.js';
import { isUnboundStructOpsProgram, kernelStructOps, structOpsAttachPoints, structOpsValue, type StructOpsAttachPoint } from './struct-ops-value.js';

export interface LoadObjectOptions {
  /** The object's name (prefix of internal map names); from the file name by default, as libbpf. */
  name?: string;
  /** Where LIBBPF_PIN_BY_NAME maps are pinned and reused. Default /sys/fs/bpf. */
  pinRoot?: string;
  /** A BTF file to resolve CO-RE relocations, typed ksyms and attach targets against instead of /sys/kernel/btf/vmlinux. */
  targetBtf?: string;
  /** Load exactly these programs (by function name), overriding `?` autoload. */
  programs?: readonly string[];
  /** Maps to use instead of creating them, by the map's full name (bpftool loadall's `map name NAME PATH`). */
  maps?: Readonly<Record<string, BpfMap>>;
  /** Values for CONFIG_* externs, overriding the kernel's config. */
  kconfig?: Readonly<Record<string, string>>;
  /** Verifier log level for every program (the log is kept on each Program). */
  logLevel?: number;
  /** Override a program's type (bpftool loadall's `type`), for every program. */
  programType?: number;
  /** freplace programs, and fentry/fexit on BPF programs: the program and function each attaches to, by program name. */
  attachTargets?: Readonly<Record<string, { program: Program; function: string }>>;
}

/** Reads and parses an object file into a spec that a caller may change before `loadObject(spec)`. */
export async function openObject(path: string, options: { name?: string } = {}): Promise<ObjectSpec> {
  const bytes = new Uint8Array(await readFile(path));
  return readObjectSpec(bytes, { path, ...(options.name ? { name: options.name } : {}) });
}

/** Loads an object (a path, its bytes or an opened spec) into the kernel. */
export async function loadObject(source: string | Uint8Array | ObjectSpec, options: LoadObjectOptions = {}): Promise<BpfObject> {
  const spec = typeof source === 'string' ? await openObject(source, options)
    : source instanceof Uint8Array ? readObjectSpec(source, options.name ? { name: options.name } : {}) : source;
  return loadObjectSpec(spec, options);
}

/** A kernel fact looked up at most once per load. */
function once<T>(compute: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: compute() }).v;
}

const coreCaches = new WeakMap<Btf, CoreCandidateCache>();

/** The synchronous heart of loadObject. */
export function loadObjectSpec(spec: ObjectSpec, options: LoadObjectOptions = {}): BpfObject {
  if (spec.elf.littleEndian !== (endianness() === 'LE')) {
    throw new NotSupportedError(`object '${spec.name}'`, `it is ${spec.elf.littleEndian ? 'little' : 'big'}-endian and this kernel is ${endianness() === 'LE' ? 'little' : 'big'}-endian`, `build it with clang -target ${endianness() === 'LE' ? 'bpfel' : 'bpfeb'} (or -target bpf, which follows the host)`);
  }
  const target = once(() => kernelBtf(options.targetBtf));
  const selected = selectPrograms(spec, options.programs);
  // struct_ops: the kernel structs and each program's member, settled before anything is created
  const structOpsPoints = structOpsAttachPoints(spec.maps, (structOps) => kernelStructOps(kernelBtf(), structOps));

  // 1. CO-RE, per code section (subprograms are shared by every program that calls them)
  const relocated = relocateSections(spec, selected, target, options.targetBtf !== undefined);

  // 2. externs: .kconfig values, ksym resolutions
  // ksyms resolve against the running kernel (vmlinux, then modules) even when CO-RE has another target
  const ksyms = new Map<string, KsymResolution>();
  const kallsyms = once(() => Kallsyms.read());
  const modules = once(() => kernelModuleBtfs());
  for (const extern of spec.externs) {
    if (extern.kind === 'kconfig') continue;
    ksyms.set(extern.name, resolveKsym(extern, spec.btf!, [kernelBtf(), ...modules().map((m) => m.btf)], (name) => kallsyms().unique(name)));
  }
  const kconfigMap = spec.maps.find((map) => map.kind === 'kconfig');
  if (kconfigMap) {
    const values = new Map(readKernelConfig());
    for (const [key, value] of Object.entries(options.kconfig ?? {})) values.set(key, value);
    const kernel = {
      version: linuxKernelVersion(),
      // libbpf's probes: a kprobe-type program calling bpf_get_attach_cookie loads; a kprobe on the
      // arch's syscall wrapper can be created (so a kernel without kprobes says 0, as libbpf does)
      hasBpfCookie: haveHelper(ProgramType.Kprobe, 'get_attach_cookie').supported,
      hasSyscallWrapper: probeSyscallWrapper(),
    };
    kconfigMap.data = kconfigData(spec.externs, kconfigMap.valueSize, values, kernel, spec.btf!);
  }

  // 3. BTF, 4. maps
  const moduleHandles = new ModuleBtfHandles(modules().map((m) => m.name));
  let btfFd: FileDescriptor | undefined;
  let maps: CreatedMap[] = [];
  const programs: Program[] = [];
  const replacements = new Map(Object.entries(options.maps ?? {}));
  try {
    const btfBytes = objectBtfBytes(spec);
    if (btfBytes) btfFd = loadBtfBytes(btfBytes, `object '${spec.name}'`);
    maps = createObjectMaps(spec.maps, { ...(btfFd ? { btfFd: btfFd.value } : {}), pinRoot: options.pinRoot ?? '/sys/fs/bpf', replacements });
    fillSlots(maps, (symbol) => maps.find((m) => m.spec.kind === 'btf' && m.spec.fullName === symbol)?.map.fd.value, 'inner-map');

    // 5. programs
    const rodata = maps.findLast((m) => m.spec.kind === 'data' && m.spec.section.startsWith('.rodata'));
    for (const program of selected) {
      const linked = linkProgram(spec, program, (section) => relocated.get(section) ?? section.instructions);
      patchReferences(spec, program, linked, maps, ksyms, moduleHandles);
      const loaded = loadProgram(spec, program, linked, btfFd, options, { btfs: program.definition.flags.attachBtf ? modules().map((m) => m.btf) : [], handles: moduleHandles }, structOpsPoints.get(program.name));
      programs.push(loaded);
      // libbpf binds .rodata to every program so its bpf_metadata_* variables stay visible to bpftool
      if (rodata) bpf.progBindMap(loaded.fd.value, rodata.map.fd.value);
    }
    fillSlots(maps, (symbol) => programs[selected.findIndex((p) => p.name === symbol)]?.fd.value, 'programs');
    prepareStructOpsValues(spec, maps, (name) => programs[selected.findIndex((p) => p.name === name)]?.fd.value);
  } catch (error) {
    for (const program of programs) program.close();
    closeCreatedMaps(maps, true, replacements);
    btfFd?.close();
    throw error;
  } finally {
    moduleHandles.close();
  }
  return new BpfObject(spec, selected, programs, maps, btfFd, replacements);
}

function selectPrograms(spec: ObjectSpec, names: readonly string[] | undefined): ObjectProgramSpec[] {
  if (!names) return spec.programs.filter((program) => program.autoload && !isUnboundStructOpsProgram(spec, program));
  for (const name of names) {
    if (!spec.programs.some((program) => program.name === name)) {
      throw new TsbpfError(`object '${spec.name}' has no program '${name}'`, `its programs: ${spec.programs.map((p) => p.name).join(', ') || 'none'}`);
    }
  }
  return spec.programs.filter((program) => names.includes(program.name));
}

/** Applies CO-RE relocations to copies of the sections the selected programs use (also prepareProgram's). */
export function relocateSections(spec: ObjectSpec, selected: readonly ObjectProgramSpec[], target: () => Btf, customTarget: boolean): Map<CodeSection, Instruction[]> {
  const result = new Map<CodeSection, Instruction[]>();
  if (!spec.btfExt || !spec.btf || spec.btfExt.coreRelocations.length === 0) return result;
  const needed = new Set(selected.map((program) => program.function.section.name));
  needed.add('.text');
  const targetBtf = target();
  let cache = coreCaches.get(targetBtf);
  if (!cache) coreCaches.set(targetBtf, (cache = new CoreCandidateCache()));
  // libbpf narrows candidates per object load; a new load starts from the full lists again
  cache.beginLoad();
  // libbpf looks in module BTF only for the running kernel, never behind a custom target
  const targets: CoreTarget[] = [{ name: 'vmlinux', btf: targetBtf }, ...(customTarget ? [] : kernelModuleBtfs().map((m) => ({ name: m.name, btf: m.btf })))];
  for (const group of spec.btfExt.coreRelocations) {
    const section = spec.codeSections.find((s) => s.name === group.section);
    if (!section || !needed.has(section.name)) continue;
    const instructions = section.instructions.map((insn) => ({ ...insn }));
    const byFunction = new Map<CodeFunction, CoreSite[]>();
    for (const relocation of group.records) {
      const index = section.slotToIndex[relocation.instruction];
      const fn = section.functions.find((f) => relocation.instruction >= f.start && relocation.instruction < f.start + f.length);
      if (index === undefined || index < 0 || !fn) throw new ObjectError(section.fileOffset + relocation.insnOffset, `CO-RE relocation at byte ${relocation.insnOffset} of '${section.name}' is not at an instruction of a function`);
      // relocations only of functions that will load: libbpf skips programs that are not autoloaded
      if (section.name !== '.text' && !selected.some((p) => p.function === fn)) continue;
      let sites = byFunction.get(fn);
      if (!sites) byFunction.set(fn, (sites = []));
      sites.push({ instructionIndex: index, relocation });
    }
    // last function first: poisoning an ld_imm64 inserts an instruction, which must not shift sites still to come
    for (const [fn, sites] of [...byFunction].sort((a, b) => b[0].start - a[0].start)) {
      relocateCore(instructions, sites, spec.btf, targets, { programName: fn.name, cache });
    }
    result.set(section, instructions);
  }
  return result;
}

function patchReferences(spec: ObjectSpec, program: ObjectProgramSpec, linked: LinkedProgram, maps: readonly CreatedMap[], ksyms: ReadonlyMap<string, KsymResolution>, modules: ModuleBtfHandles): void {
  for (const { index, reference } of linked.references) {
    const insn = linked.instructions[index]!;
    switch (reference.kind) {
      case 'map': {
        const entry = maps.find((m) => (m.spec.kind === 'btf' || m.spec.kind === 'legacy') && m.spec.section === reference.section && m.spec.sectionOffset === reference.symbolOffset);
        if (!entry) throw new ObjectError(0, `program '${program.name}': no map at offset ${reference.symbolOffset} of '${reference.section}' for '${reference.symbol}'`);
        insn.src = LoadSource.MAP_FD;
        insn.imm = entry.map.fd.value;
        insn.nextImm = 0;
        break;
      }
      case 'data': {
        const entry = maps.find((m) => m.spec.kind === 'data' && m.spec.section === reference.section);
        if (!entry) throw new ObjectError(0, `program '${program.name}': '${reference.symbol}' is in section '${reference.section}', which has no data map`, 'an empty or unknown data section cannot be referenced');
        insn.nextImm = insn.imm + reference.symbolOffset;
        insn.src = LoadSource.MAP_VALUE;
        insn.imm = entry.map.fd.value;
        break;
      }
      case 'extern': {
        const extern = spec.externs.find((e) => e.name === reference.symbol);
        if (!extern) throw new ObjectError(0, `program '${program.name}': extern '${reference.symbol}' has no BTF declaration in .kconfig or .ksyms`, 'declare it with __kconfig or __ksym');
        linked.instructions[index] = patchExtern(insn, extern, maps, ksyms, modules);
        break;
      }
    }
  }
}

function patchExtern(insn: Instruction, extern: ExternSpec, maps: readonly CreatedMap[], ksyms: ReadonlyMap<string, KsymResolution>, modules: ModuleBtfHandles): Instruction {
  if (extern.kind === 'kconfig') {
    const kconfig = maps.find((m) => m.spec.kind === 'kconfig')!;
    return patchExternInstruction(insn, extern, { kind: 'kconfig', mapFd: kconfig.map.fd.value });
  }
  return patchExternInstruction(insn, extern, ksyms.get(extern.name)!, (index) => modules.fd(index), (index) => modules.arrayIndex(index));
}

function recordBytes(values: readonly number[][], fields: number): Uint8Array {
  const words = new Uint32Array(values.length * fields);
  values.forEach((record, i) => record.forEach((value, j) => { words[i * fields + j] = value; }));
  return new Uint8Array(words.buffer);
}

function loadProgram(spec: ObjectSpec, program: ObjectProgramSpec, linked: LinkedProgram, btfFd: FileDescriptor | undefined, options: LoadObjectOptions, modules: { btfs: readonly Btf[]; handles: ModuleBtfHandles }, structOps?: StructOpsAttachPoint): Program {
  const fdArray = modules.handles.fdArray;
  const hasBtf = btfFd !== undefined && linked.funcInfo.length > 0;
  let attachBtfId: number | undefined;
  let attachBtfObjFd: number | undefined;
  let attachProgFd: number | undefined;
  let expectedAttachType = program.expectedAttachType;
  const targetProgram = options.attachTargets?.[program.name];
  if (program.programType === ProgramType.StructOps) {
    // a struct_ops program loads against its kernel struct, the member it implements as attach type
    if (!structOps) throw new NotSupportedError(`program '${program.name}'`, `SEC("${program.section}") programs load only as members of a struct_ops map, and no map of this object sets one to it`, 'point a function-pointer member of a SEC(".struct_ops") variable at it');
    attachBtfId = structOps.typeId;
    expectedAttachType = structOps.memberIndex;
  } else if (targetProgram) {
    // freplace, or fentry/fexit on a BPF program: the target is a function in that program's BTF
    attachBtfId = functionInProgram(targetProgram.program, targetProgram.function, program);
    attachProgFd = targetProgram.program.fd.value;
  } else if (program.definition.flags.attachBtf) {
    if (program.programType === ProgramType.Extension) {
      throw new NotSupportedError(`program '${program.name}'`, 'an freplace program replaces a function of another BPF program', `pass attachTargets: { ${program.name}: { program, function } }`);
    }
    const found = findAttachBtfId(program, [kernelBtf(), ...modules.btfs]);
    attachBtfId = found.typeId;
    if (found.btfIndex > 0) attachBtfObjFd = modules.handles.fd(found.btfIndex);
  }
  try {
    return Program.load({
      type: (options.programType ?? program.programType) as ProgramType,
      instructions: linked.instructions,
      license: spec.license,
      name: program.name,
      expectedAttachType: expectedAttachType as never,
      ...(program.flags ? { flags: program.flags } : {}),
      ...(spec.kernelVersion ? { kernelVersion: spec.kernelVersion } : {}),
      ...(attachBtfId !== undefined ? { attachBtfId } : {}),
      ...(attachBtfObjFd !== undefined ? { attachBtfObjFd } : {}),
      ...(attachProgFd !== undefined ? { attachProgFd } : {}),
      ...(hasBtf ? {
        btfFd: btfFd!.value,
        funcInfo: { records: recordBytes(linked.funcInfo.map((f) => [f.instruction, f.typeId]), 2), recordSize: 8 },
        lineInfo: { records: recordBytes(linked.lineInfo.map((l) => [l.instruction, l.fileNameOffset, l.lineOffset, l.lineColumn]), 4), recordSize: 16 },
      } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(fdArray.length > 1 ? { fdArray: [...fdArray] } : {}),
    });
  } catch (error) {
    if (error instanceof VerifierError) attachSource(error, linked.lineInfo);
    throw explainRefusal(error, program);
  }
}

const TRAMPOLINE_ATTACH_TYPES: ReadonlySet<number> = new Set([AttachType.TraceFentry, AttachType.TraceFexit, AttachType.ModifyReturn, AttachType.LsmMac]);

/** An EPERM without a log from a hook this kernel lacks becomes a NotSupportedError with the probe's reason. */
function explainRefusal(error: unknown, program: ObjectProgramSpec): unknown {
  if (error instanceof BpfError && error.errno === Errno.EINVAL) {
    // a program type this kernel does not know (netfilter before 6.4) is refused with EINVAL and no log
    const typeProbe = haveProgramType(program.programType as ProgramType);
    if (!typeProbe.supported) return new NotSupportedError(`program '${program.name}' (SEC("${program.section}"))`, typeProbe.reason, 'use a kernel that has this program type');
    return error;
  }
  if (!(error instanceof BpfError) || error.errno !== Errno.EPERM) return error;
  if (!TRAMPOLINE_ATTACH_TYPES.has(program.expectedAttachType) && program.programType !== ProgramType.Extension) return error;
  const probe = haveAttachType(program.programType as ProgramType, program.expectedAttachType as AttachType);
  if (probe.supported) return error;
  return new NotSupportedError(`program '${program.name}' (SEC("${program.section}"))`, probe.reason, 'this kernel refuses BPF trampolines (fentry/fexit/fmod_ret/lsm/freplace); use a tracepoint, raw_tp or tp_btf hook instead, or another kernel');
}

/** The BTF id of `name`, a function of the loaded program `target` (from the BTF it was loaded with). */
function functionInProgram(target: Program, name: string, program: ObjectProgramSpec): number {
  const btfId = target.info().btfId;
  if (btfId === 0) throw new NotSupportedError(`program '${program.name}'`, `its target program ${target.name} was loaded without BTF`, 'load the target from an object compiled with -g');
  using handle = BtfObject.fromId(btfId);
  const found = Btf.parse(handle.data()).findByName(name, BtfKind.Func)[0];
  if (!found) throw new NotSupportedError(`program '${program.name}'`, `the target program ${target.name} has no function '${name}' in its BTF`, 'name a function of the target program');
  return found.id;
}

/** Ties a verifier refusal to the C line of the instruction it stopped at. */
function attachSource(error: VerifierError, lineInfo: readonly LineInfo[]): void {
  const report = explainVerifierLog(error.log, lineInfo);
  error.attachReport(report);
}

/** Each struct_ops map's value in the kernel's layout, with its programs' fds, kept for attachStructOps. */
function prepareStructOpsValues(spec: ObjectSpec, maps: readonly CreatedMap[], programFd: (name: string) => number | undefined): void {
  for (const entry of maps) {
    const structOps = entry.spec.structOps;
    if (!structOps || entry.reused) continue;
    const kernel = kernelBtf();
    setStructOpsValue(entry.map, structOpsValue(spec.btf!, structOps, kernel, kernelStructOps(kernel, structOps), programFd));
  }
}

function fillSlots(maps: readonly CreatedMap[], fdOf: (symbol: string) => number | undefined, kind: 'inner-map' | 'programs'): void {
  for (const entry of maps) {
    if (entry.reused || entry.spec.initialSlots.length === 0) continue;
    const isPrograms = entry.spec.inner === undefined;
    if ((kind === 'programs') !== isPrograms) continue;
    for (const { slot, symbol } of entry.spec.initialSlots) {
      const fd = fdOf(symbol);
      if (fd === undefined) {
        if (kind === 'programs') continue; // a program not loaded (autoload off) leaves its slot empty, as libbpf
        throw new ObjectError(0, `map '${entry.spec.name}': slot ${slot} names '${symbol}', which is not a map of this object`);
      }
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, slot, true);
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, fd, true);
      entry.map.update(key, value);
    }
  }
}
