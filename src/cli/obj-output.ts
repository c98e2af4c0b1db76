/** The text and JSON of `tsbpf obj show|disasm`, from an object's bytes (loaded only when those run). */
import { codeSections, disassembleObject, type DisassemblyOptions } from '../object/disassemble.js';
import { readObjectParts, summarize } from '../object/object-file.js';
import { formatObjectSummary } from '../object/object-text.js';
import { toJson } from './output.js';

/** `obj show` output for an object's bytes: the text, or the JSON document with the same data. */
export function objShowText(bytes: Uint8Array, path: string, options: { json?: boolean; pretty?: boolean } = {}): string {
  const summary = summarize(readObjectParts(bytes));
  if (options.json || options.pretty) return `${toJson({ file: path, ...summary }, Boolean(options.pretty))}\n`;
  return formatObjectSummary(summary, path);
}

/** `obj disasm` output; JSON gives the same lines in an array. */
export function objDisasmText(bytes: Uint8Array, path: string, options: DisassemblyOptions & { json?: boolean; pretty?: boolean } = {}): string {
  const parts = readObjectParts(bytes);
  const text = disassembleObject(parts, { ...options, path });
  if (!options.json && !options.pretty) return text;
  const sections = codeSections(parts.elf).map((section) => section.name);
  return `${toJson({ file: path, dialect: options.dialect ?? 'llvm', sections, lines: text.replace(/\n$/, '').split('\n') }, Boolean(options.pretty))}\n`;
}
