/**
 * The text of `tsbpf obj show`: readelf's section list with each section's BPF role spelled out, for
 * someone who has seen `readelf --section-details` and wants to know what the sections are for.
 * Pure: no Node imports.
 */
import type { ExternSummary, MapSummary, ObjectFileSummary, ProgramSummary, SectionRole, SectionSummary } from './object-file.js';

const INDENT = '       ';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

function programLine(program: ProgramSummary): string {
  const parts = [`program ${program.name}: ${plural(program.instructions, 'instruction')} (${program.size} bytes) at offset 0x${program.offset.toString(16)}`];
  if (!program.autoload) parts.push('not loaded unless asked (the SEC name starts with ?)');
  if (program.sleepable) parts.push('sleepable');
  return parts.join(', ');
}

function roleLines(role: SectionRole, section: SectionSummary): string[] {
  switch (role.kind) {
    case 'null': return ['the null section every ELF file starts with'];
    case 'program': {
      const first = role.programs[0];
      const hook = first
        ? [`program type ${first.programType}`, first.expectedAttachType ? `expected attach type ${first.expectedAttachType}` : '', first.attachTarget ? `attach target ${first.attachTarget}` : 'no attach target in the name']
          .filter((text) => text !== '').join(', ')
        : 'no FUNC symbol in it';
      return [`BPF program code, SEC("${section.name}"): ${hook}; ${plural(role.instructions, 'instruction')}`, ...role.programs.map((p) => `  ${programLine(p)}`)];
    }
    case 'unknown-program':
      return [`code in a section libbpf does not know as a program (${plural(role.instructions, 'instruction')}): unknown program section; did you mean "${role.didYouMean}"?`];
    case 'subprograms':
      if (role.instructions === 0) return ['empty: no subprograms (clang always writes .text)'];
      return [
        `subprograms: functions the programs call, copied into each caller at load; ${plural(role.instructions, 'instruction')}`,
        ...role.functions.map((fn) => `  function ${fn.name}: ${plural(fn.size / 8, 'instruction')} at offset 0x${fn.offset.toString(16)}, ${fn.global ? 'global (the verifier checks it on its own)' : 'static'}`),
      ];
    case 'btf-maps': return [`BTF-defined maps (SEC(".maps")): ${role.maps.join(', ') || 'none'} (see Maps below)`];
    case 'struct-ops':
      return [
        `struct_ops maps (see Maps below): kernel structs of function pointers implemented by programs, ${role.link ? 'attached through a BPF link (BPF_F_LINK)' : 'registered by a map update'}`,
        ...role.maps.map((map) => `  ${map.name}: struct ${map.struct}${map.programs.length > 0 ? `, ${map.programs.map((p) => `${p.member} = ${p.program}`).join(', ')}` : ''}`),
      ];
    case 'legacy-maps': return [`legacy map definitions (struct bpf_map_def): ${role.maps.join(', ') || 'none'}; libbpf v1.0 and later refuse them`];
    case 'license': return [`license "${role.license}": the kernel allows GPL-only helpers when it is GPL-compatible`];
    case 'version': return [`kernel version ${role.version >>> 16}.${(role.version >>> 8) & 0xff}.${role.version & 0xff} (${role.version}), which old kernels checked for kprobes`];
    case 'btf': return [`BTF type information: ${plural(role.types, 'type')}, ${role.stringBytes} bytes of strings`];
    case 'btf-ext':
      return ['BTF.ext: function and line info for the verifier and dumps, CO-RE relocations for the loader',
        ...role.sections.map((s) => `  ${s.section}: ${s.funcInfo} func_info, ${s.lineInfo} line_info, ${s.coreRelocations} CO-RE relocations`)];
    case 'data': {
      const what = role.access === 'read-only' ? 'read-only global data (const)' : role.access === 'zero-initialized' ? 'zero-initialized global data' : 'global data';
      if (role.strings) return [`${what}: string literals`];
      return [`${what}: becomes a one-element array map at load`, ...role.variables.map((v) => `  ${v.global ? 'variable' : 'static'} ${v.name}: ${v.type || '?'}, ${v.size} bytes at offset ${v.offset}`)];
    }
    case 'relocations': {
      const names = role.symbols.length > 0 ? ` against ${role.symbols.join(', ')}` : '';
      return [`relocations for [${role.targetIndex}] ${role.target}: ${plural(role.count, 'entry').replace('entrys', 'entries')}${names}`];
    }
    case 'symbols': return [`symbol table: ${plural(role.count, 'symbol')} (functions, maps, variables, jump labels)`];
    case 'strings': return ['string table: names of sections and symbols'];
    case 'addrsig': return ['LLVM address-significance table, for linkers; libbpf ignores it'];
    case 'debug': return ['DWARF debug info; libbpf does not load it (BTF carries what the kernel needs)'];
    case 'other': return ['not used by libbpf'];
  }
}

function sectionLines(section: SectionSummary): string[] {
  const flags = section.flags ? `, flags ${section.flags}` : '';
  const header = `  [${String(section.index).padStart(2)}] ${section.name}`;
  const place = section.role.kind === 'null' ? '' : `${section.type}, ${section.size} bytes at offset 0x${section.offset.toString(16)}${flags}`;
  const [first = '', ...rest] = roleLines(section.role, section);
  return [header, `${INDENT}${place ? `${place}: ` : ''}${first}`, ...rest.map((line) => `${INDENT}${line}`)];
}

function mapRows(maps: readonly MapSummary[]): string[][] {
  const rows: string[][] = [];
  for (const map of maps) {
    const key = map.keyType ? `${map.keySize} (${map.keyType})` : String(map.keySize);
    const value = map.valueType ? `${map.valueSize} (${map.valueType})` : String(map.valueSize);
    const notes: string[] = [];
    if (map.values?.kind === 'inner-map' && map.values.inner) {
      const inner = map.values.inner;
      notes.push(`values are maps like ${inner.type} ${inner.keySize}/${inner.valueSize}/${inner.maxEntries}`);
    }
    if (map.values?.kind === 'programs') notes.push('values are programs');
    if (map.values && map.values.initial.length > 0) notes.push(`initially ${map.values.initial.map((i) => `[${i.slot}] = ${i.symbol}`).join(', ')}`);
    if (map.pinning) notes.push('pinned by name');
    if (map.numaNode !== undefined) notes.push(`numa node ${map.numaNode}`);
    if (map.mapExtra !== undefined) notes.push(`map_extra ${map.mapExtra}`);
    if (map.note) notes.push(map.note);
    rows.push([map.name, map.type, key, value, String(map.maxEntries), `0x${map.flags.toString(16)}`, notes.join('; ')]);
  }
  return rows;
}

function externRows(externs: readonly ExternSummary[]): string[][] {
  return externs.map((e) => [e.name, e.section, e.kind === 'function' ? 'kfunc' : e.type, e.weak ? 'weak (may be missing)' : 'required']);
}

/** The whole `obj show` text for `path`. */
export function formatObjectSummary(summary: ObjectFileSummary, path: string): string {
  const facts = [
    `${summary.elfClass} relocatable object (${summary.fileType})`, summary.machine, `${summary.endianness} endian`,
    plural(summary.programs.length, 'program'), plural(summary.maps.length, 'map'),
  ];
  if (summary.license !== undefined) facts.push(`license "${summary.license}"`);
  facts.push(summary.btf ? `BTF with ${plural(summary.btf.types, 'type')}` : 'no BTF (compile with -g)');
  const lines = [`${path}: ${facts.join(', ')}`, '', `Sections (${summary.sections.length}; [Nr] as readelf -S numbers them):`];
  for (const section of summary.sections) lines.push(...sectionLines(section));
  lines.push('', 'Programs:');
  if (summary.programs.length === 0) lines.push('  (none)');
  else {
    lines.push(...formatTable([
      ['NAME', 'SECTION', 'TYPE', 'ATTACH TYPE', 'TARGET', 'INSNS'],
      ...summary.programs.map((p) => [p.name, `[${p.sectionIndex}] ${p.section}`, p.programType, p.expectedAttachType || '-', p.attachTarget || '-', String(p.instructions)]),
    ]));
  }
  lines.push('', 'Maps:');
  if (summary.maps.length === 0) lines.push('  (none)');
  else lines.push(...formatTable([['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX_ENTRIES', 'FLAGS', 'NOTES'], ...mapRows(summary.maps)]));
  if (summary.externs.length > 0) {
    lines.push('', 'Externs (filled in by the loader):', ...formatTable([['NAME', 'SECTION', 'TYPE', 'IF ABSENT'], ...externRows(summary.externs)]));
  }
  return `${lines.join('\n')}\n`;
}
