/**
 * Writes `src/sys/abi-generated.ts` from kernel BTF: the enums and struct layouts of the bpf(2) and
 * perf_event_open(2) ABI that `spec.ts` lists. Pure: takes a parsed `Btf` and the kernel release and
 * returns the file's text, so the test can regenerate in memory and compare byte for byte.
 */
import type { Btf } from '../btf/btf.js';
import type { CompositeType } from '../btf/types.js';
import {
  anonymousHolding, byteOffset, composite, findComposite, findEnumHolding, findNamedEnum, firstAnonymousUnion,
  requireMember, type FoundMember,
} from './members.js';
import { ATTR_SIZE, BITFIELD_FLAGS, ENUM_VALUES, ENUMS, HELPERS, LAYOUTS, SIZES, type EnumSpec, type LayoutSpec } from './spec.js';

/** Width the generated lines wrap at (the repo's own style). */
const LINE_WIDTH = 120;

export function generateAbi(btf: Btf, release: string): string {
  const parts = [
    header(release),
    `/** The kernel release this file was generated from (\`uname -r\`). */\nexport const ABI_KERNEL_RELEASE = ${JSON.stringify(release)};\n`,
    ...ENUMS.map((spec) => renderEnum(btf, spec)),
    ...ENUM_VALUES.map((spec) => `/** ${spec.comment} */\nexport const ${spec.exportName} = ${enumValue(btf, spec.enumName, spec.enumerator)};\n`),
    renderHelperNames(btf),
    `/** sizeof(union ${ATTR_SIZE.type.name}): every command's buffer is this large and zeroed beyond its members. */\n` +
      `export const ${ATTR_SIZE.exportName} = ${findComposite(btf, ATTR_SIZE.type.kind, ATTR_SIZE.type.name).size};\n`,
    ...SIZES.map((spec) => `/** ${spec.comment} */\nexport const ${spec.exportName} = ${findComposite(btf, spec.type.kind, spec.type.name).size};\n`),
    ...LAYOUTS.map((spec) => renderLayout(btf, spec)),
    ...BITFIELD_FLAGS.map((spec) => renderBitfieldFlags(btf, spec)),
  ];
  return parts.join('\n');
}

function header(release: string): string {
  return [
    '/**',
    ` * GENERATED from the BTF of Linux ${release} (/sys/kernel/btf/vmlinux) by src/abi-gen with tsbpf's own`,
    ' * BTF reader: `npm run generate:abi`. Do not edit; change src/abi-gen/spec.ts and regenerate.',
    ' * src/abi-gen/generate.test.ts regenerates it on the running kernel and fails when it differs.',
    ' *',
    ' * Enums and layouts are from include/uapi/linux/bpf.h unless a comment names another header. Each',
    ' * layout lists member byte offsets; its `size` is how many bytes tsbpf passes (see spec.ts).',
    ' */',
    '',
  ].join('\n');
}

function renderEnum(btf: Btf, spec: EnumSpec): string {
  const source = 'name' in spec.source ? findNamedEnum(btf, spec.source.name) : findEnumHolding(btf, spec.source.containing);
  const lines: string[] = [];
  for (const { name, value } of source.values) {
    // `__MAX_*` and friends count enumerators; they are not values anyone passes
    if (name.startsWith('__') || spec.skip?.includes(name)) continue;
    if (spec.only && !spec.only.includes(name)) continue;
    lines.push(`  ${stripPrefix(name, spec.prefixes)}: ${Number(value)},`);
  }
  if (spec.only && lines.length !== spec.only.length) throw new Error(`${spec.exportName}: not every one of ${spec.only.join(', ')} is in the enum`);
  return `/** ${spec.comment} */\nexport const ${spec.exportName} = {\n${lines.join('\n')}\n} as const;\n`;
}

function enumValue(btf: Btf, enumName: string, enumerator: string): number {
  const found = findNamedEnum(btf, enumName).values.find((v) => v.name === enumerator);
  if (!found) throw new Error(`enum ${enumName} has no ${enumerator}`);
  return Number(found.value);
}

function stripPrefix(name: string, prefixes: readonly string[]): string {
  const prefix = prefixes.find((p) => name.startsWith(p));
  if (!prefix) throw new Error(`enumerator ${name} has none of the prefixes ${prefixes.join(', ')}`);
  return name.slice(prefix.length);
}

function renderHelperNames(btf: Btf): string {
  const names: string[] = [];
  for (const { name, value } of findNamedEnum(btf, HELPERS.enumName).values) {
    if (name.startsWith('__')) continue;
    const id = Number(value);
    if (names[id] !== undefined) throw new Error(`two helpers have id ${id}`);
    names[id] = stripPrefix(name, [HELPERS.prefix]);
  }
  const missing = names.findIndex((n) => n === undefined);
  if (names.length === 0 || missing >= 0) throw new Error(`enum ${HELPERS.enumName} has no helper with id ${missing}`);
  return `/** Helper names indexed by \`enum ${HELPERS.enumName}\` (${HELPERS.prefix}<name>). */\n` +
    `export const ${HELPERS.exportName}: readonly string[] = [\n${wrap(names.map((n) => `'${n}'`))}\n];\n`;
}

function renderLayout(btf: Btf, spec: LayoutSpec): string {
  const where = `${spec.type.kind} ${spec.type.name}`;
  const outer = findComposite(btf, spec.type.kind, spec.type.name);
  // the members' scope and its byte offset inside the outer type
  let scope = outer;
  let base = 0;
  if (spec.scope.kind !== 'whole') {
    const holder = spec.scope.kind === 'anonymous'
      ? anonymousHolding(btf, outer, spec.scope.anchor, where)
      : requireMember(btf, outer, spec.scope.member, where);
    scope = composite(btf, holder.type, `${where} member ${holder.name || `holding ${spec.scope.kind === 'anonymous' ? spec.scope.anchor : ''}`}`);
    base = byteOffset(holder, where);
  }
  const entries = spec.members.map((entry) => {
    const [key, ref] = typeof entry === 'string' ? [entry, entry] : entry;
    const member: FoundMember = typeof ref === 'string' ? requireMember(btf, scope, ref, where) : firstAnonymousUnion(btf, scope, where);
    return `${key}: ${base + byteOffset(member, where)}`;
  });
  entries.push(`${spec.sizeKey}: ${layoutSize(btf, spec, scope, base, where)}`);
  return `/** ${spec.comment} */\nexport const ${spec.exportName} = {\n${wrap(entries)}\n} as const;\n`;
}

function renderBitfieldFlags(btf: Btf, spec: (typeof BITFIELD_FLAGS)[number]): string {
  const where = `${spec.type.kind} ${spec.type.name}`;
  const owner = findComposite(btf, spec.type.kind, spec.type.name);
  const first = requireMember(btf, owner, spec.first, where);
  const entries = spec.members.map(([key, name]) => {
    const member = requireMember(btf, owner, name, where);
    const bit = member.bitOffset - first.bitOffset;
    if (member.bitfieldSize !== 1 || bit < 0 || bit >= 64) throw new Error(`${where}.${name} is not a one-bit field in the u64 starting at ${spec.first}`);
    return `${key}: 1n << ${bit}n`;
  });
  return `/** ${spec.comment} */\nexport const ${spec.exportName} = {\n${wrap(entries)}\n} as const;\n`;
}

function layoutSize(btf: Btf, spec: LayoutSpec, scope: CompositeType, base: number, where: string): number {
  if (spec.size.kind === 'sizeof') return scope.size;
  const last = requireMember(btf, scope, spec.size.member, where);
  if (last.bitfieldSize !== 0) throw new Error(`${where}.${last.name} is a bitfield; a size cannot end inside it`);
  return base + byteOffset(last, where) + btf.sizeOf(last.type);
}

/** Comma-separated items, two-space indented, wrapped before LINE_WIDTH. */
function wrap(items: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? `  ${item},` : `${line} ${item},`;
    if (next.length > LINE_WIDTH && line !== '') {
      lines.push(line);
      line = `  ${item},`;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}
