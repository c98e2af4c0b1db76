/**
 * `readObjectSpec`: a clang-built BPF object as the loader needs it — its programs (typed by their SEC
 * names), the maps it asks for, its global variables, externs, license and BTF — read with libbpf's
 * conventions and no kernel access. `load()` (src/loader) turns a spec into kernel objects; until then
 * the spec is plain data a caller may change (a global's initial value, a map's size, autoload).
 */
import type { Btf } from '../btf/btf.js';
import type { BtfExt } from '../btf/ext.js';
import type { ElfFile, ElfSection } from '../elf/index.js';
import { ProgramFlags } from '../sys/abi.js';
import { readBtfMaps } from './btf-maps.js';
import { readCodeSections, type CodeFunction, type CodeSection } from './code-sections.js';
import { readExterns, type ExternSpec } from './externs.js';
import {
  btfMapSpecs, dataMapSpec, dataSections, dataVariables, kconfigMapSpec, legacyMapSpecs, objectNameFromPath,
  type ObjectMapSpec, type VariableSpec,
} from './object-maps.js';
import { ObjectError } from './object-error.js';
import { isCodeSection, readObjectParts } from './object-file.js';
import { closestSectionName, matchSection, type SectionDefinition } from './section-names.js';
import { globalVariables, type GlobalVariables } from './global-variable.js';
import { readStructOps, structOpsMapSpec } from './struct-ops.js';

export interface ObjectProgramSpec {
  /** The function's name; also the kernel's program name, cut to 15 characters. */
  name: string;
  /** The SEC() name as written (with a leading `?` when it has one). */
  section: string;
  programType: number;
  expectedAttachType: number;
  /** What auto-attach hooks to, from the SEC name ('' when it names none). */
  attachTarget: string;
  definition: SectionDefinition;
  /** BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS, as the SEC name asks. */
  flags: number;
  /** False for `?` sections: load only when a caller sets it. */
  autoload: boolean;
  function: CodeFunction;
}

export interface ObjectSpec {
  /** libbpf's object name: the file's base name up to its first dot. */
  name: string;
  license: string;
  /** The `version` section (0 when absent). */
  kernelVersion: number;
  elf: ElfFile;
  btf?: Btf;
  btfSection?: ElfSection;
  btfExt?: BtfExt;
  codeSections: CodeSection[];
  /** .text's functions: what programs call. */
  subprograms: CodeFunction[];
  programs: ObjectProgramSpec[];
  /** In libbpf's creation order: .maps (or legacy maps), data sections, .kconfig, struct_ops. */
  maps: ObjectMapSpec[];
  /** Global variables by name; `set()` before load changes the data map's initial value. */
  variables: GlobalVariables;
  /** Where each global lives (the loader rebinds them to the live maps). */
  variableSpecs: VariableSpec[];
  externs: ExternSpec[];
}

export interface ReadObjectOptions {
  /** The object's name (map name prefix); from `path` when given, else 'object'. */
  name?: string;
  path?: string;
}

/** Reads a BPF object into a spec; throws ObjectError (with the file offset) where libbpf would refuse it. */
export function readObjectSpec(bytes: Uint8Array, options: ReadObjectOptions = {}): ObjectSpec {
  const parts = readObjectParts(bytes);
  const { elf, btf, btfSection, btfExt } = parts;
  const name = options.name ?? (options.path ? objectNameFromPath(options.path) : 'object');

  const legacySection = elf.sectionByName('maps');
  const mapsSection = elf.sectionByName('.maps');
  const maps: ObjectMapSpec[] = [];
  if (mapsSection) {
    if (!btf || !btfSection) throw new ObjectError(mapsSection.headerOffset, 'the object has a .maps section but no .BTF', 'compile with clang -g');
    maps.push(...btfMapSpecs(readBtfMaps(elf, btf, btfSection)));
  }
  if (legacySection) maps.push(...legacyMapSpecs(elf, legacySection));
  const mapSections = new Set([mapsSection?.index, legacySection?.index].filter((index): index is number => index !== undefined));

  const codeSections = readCodeSections(elf, isCodeSection, mapSections);
  const variables: VariableSpec[] = [];
  for (const section of dataSections(elf)) {
    const map = dataMapSpec(name, btf, section);
    maps.push(map);
    variables.push(...dataVariables(elf, btf, section));
  }
  const { externs, kconfigSize } = btf ? readExterns(elf, btf) : { externs: [], kconfigSize: 0 };
  if (externs.some((extern) => extern.kind === 'kconfig')) maps.push(kconfigMapSpec(name, btf, kconfigSize));
  // libbpf's bpf_object__init_maps makes struct_ops maps last
  maps.push(...readStructOps(elf, btf).map(structOpsMapSpec));

  return {
    name,
    license: license(elf),
    kernelVersion: kernelVersion(elf),
    elf,
    ...(btf ? { btf } : {}),
    ...(btfSection ? { btfSection } : {}),
    ...(btfExt ? { btfExt } : {}),
    codeSections,
    subprograms: codeSections.find((section) => section.name === '.text')?.functions ?? [],
    programs: programsOf(elf, codeSections),
    maps,
    variables: globalVariables(variables, (section) => maps.find((map) => map.kind === 'data' && map.section === section)!.data!, btf),
    variableSpecs: variables,
    externs,
  };
}

/** Programs in libbpf's order: by section, then by offset in it. */
function programsOf(elf: ElfFile, codeSections: readonly CodeSection[]): ObjectProgramSpec[] {
  const programs: ObjectProgramSpec[] = [];
  for (const section of codeSections) {
    if (section.name === '.text') continue;
    const match = matchSection(section.name);
    const header = elf.sections[section.index]!.headerOffset;
    if (!match) {
      throw new ObjectError(header, `section '${section.name}': libbpf knows no program type for this SEC() name; did you mean '${closestSectionName(section.name)}'?`, 'fix the SEC() name (tsbpf obj lint explains the rules)');
    }
    for (const fn of section.functions) {
      if (!fn.global) {
        throw new ObjectError(header, `section '${section.name}': program '${fn.name}' is static, and libbpf loads only global functions as programs`, 'remove `static` from the program function');
      }
      const flags = (match.definition.flags.sleepable ? ProgramFlags.SLEEPABLE : 0) | (match.definition.flags.xdpFrags ? ProgramFlags.XDP_HAS_FRAGS : 0);
      programs.push({
        name: fn.name, section: section.name, programType: match.definition.programType, expectedAttachType: match.definition.expectedAttachType,
        attachTarget: match.target, definition: match.definition, flags, autoload: match.autoload, function: fn,
      });
    }
  }
  return programs;
}

function license(elf: ElfFile): string {
  const section = elf.sectionByName('license');
  if (!section) return '';
  const end = section.data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? section.data : section.data.subarray(0, end));
}

function kernelVersion(elf: ElfFile): number {
  const section = elf.sectionByName('version');
  if (!section) return 0;
  if (section.size !== 4) throw new ObjectError(section.headerOffset, `the version section is ${section.size} bytes, not 4`);
  return new DataView(section.data.buffer, section.data.byteOffset, 4).getUint32(0, elf.littleEndian);
}
