/**
 * The USDT probes of an executable or shared library: its `.note.stapsdt` notes, each probe's address
 * corrected by the `.stapsdt.base` section (the note records where that section was at link time; a
 * prelinked file moved it, and the probe with it) and turned into the file offsets a uprobe takes —
 * for the probe's nop and for its semaphore, which the kernel bumps as the uprobe's reference counter.
 * Pure: takes the file's bytes.
 */
import { InvalidArgumentError } from '../errors.js';
import { ElfType, NT_STAPSDT, parseElf, parseStapsdtNote, SectionFlag, SectionType, type ElfFile, type ElfSection } from '../elf/index.js';
import { parseUsdtArguments, usdtArchitectureOf, type UsdtArgument } from './usdt-args.js';

export interface UsdtProbeSite {
  provider: string;
  name: string;
  /** The note's argument string, e.g. `-4@%edi 8@-8(%rbp) -4@$5`. */
  argumentText: string;
  /** The probe's virtual address after the .stapsdt.base correction. */
  address: bigint;
  /** File offset of the probe's nop: where the uprobe goes. */
  fileOffset: number;
  /** File offset of the semaphore (a u16 the kernel increments while traced), 0 when the probe has none. */
  semaphoreOffset: number;
  /** The file's e_machine: whose assembler wrote the argument operands. */
  machine: number;
}

/** Every USDT probe site in the ELF file `bytes` (an executable or a shared library). */
export function usdtProbeSites(bytes: Uint8Array, path = 'the file'): UsdtProbeSite[] {
  return usdtProbeSitesOf(parseElf(bytes), path);
}

export function usdtProbeSitesOf(elf: ElfFile, path = 'the file'): UsdtProbeSite[] {
  const notes = elf.allNotes.filter(({ note }) => note.name === 'stapsdt' && note.type === NT_STAPSDT);
  if (notes.length === 0) return [];
  if (elf.header.type !== ElfType.Executable && elf.header.type !== ElfType.SharedObject) {
    throw new InvalidArgumentError(`${path} is an ELF ${elf.header.typeName} file; USDT probes are traced in linked executables and shared libraries`, 'link it first, then attach to the executable or library');
  }
  const base = elf.sections.find((section) => section.name === '.stapsdt.base');
  return notes.map(({ note }) => {
    const probe = parseStapsdtNote(note, elf.littleEndian);
    // no .stapsdt.base: nothing moved it, use the addresses as written (as libbpf does)
    const shift = base && probe.base !== 0n ? base.address - probe.base : 0n;
    const address = probe.location + shift;
    const semaphore = probe.semaphore === 0n ? 0n : probe.semaphore + shift;
    const where = `USDT probe ${probe.provider}:${probe.name} in ${path}`;
    return {
      provider: probe.provider,
      name: probe.name,
      argumentText: probe.arguments,
      address,
      fileOffset: fileOffsetOf(elf, address, `${where}: its address 0x${address.toString(16)}`),
      semaphoreOffset: semaphore === 0n ? 0 : fileOffsetOf(elf, semaphore, `${where}: its semaphore at 0x${semaphore.toString(16)}`),
      machine: elf.header.machine,
    };
  });
}

/** A probe site with its arguments parsed (throws for argument forms usdt.bpf.h cannot read). */
export function usdtProbeArguments(site: UsdtProbeSite): UsdtArgument[] {
  return parseUsdtArguments(site.argumentText, usdtArchitectureOf(site.machine, `${site.provider}:${site.name}`));
}

/** The file offset of virtual address `address`: in the allocated section with file bytes that holds it. */
function fileOffsetOf(elf: ElfFile, address: bigint, what: string): number {
  const section = elf.sections.find((candidate) => holds(candidate, address));
  if (!section) throw new InvalidArgumentError(`${what} lies in no section with bytes in the file`, 'the stapsdt note is corrupt, or the file was stripped of the section');
  return Number(address - section.address) + section.offset;
}

function holds(section: ElfSection, address: bigint): boolean {
  return (section.flags & SectionFlag.Alloc) !== 0 && section.type !== SectionType.Nobits
    && address >= section.address && address < section.address + BigInt(section.size);
}
