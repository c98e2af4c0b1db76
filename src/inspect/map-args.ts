/**
 * bpftool's map argument grammar as data: `id N | pinned FILE | name NAME` selectors, key and value
 * bytes (`key 0x01 0 0 0`, `key hex 01 00 00 00`; each word a C `strtoul` number taken modulo 256),
 * update flags `any|exist|noexist`, and `value id N|pinned FILE` for prog arrays and maps of maps. Words
 * match bpftool's by prefix (`k`, `val`, `h`), as bpftool's is_prefix does. Pure: no kernel access.
 */
import { InvalidArgumentError } from '../errors.js';

/** The command line names something that does not parse; the CLI turns it into a usage error. */
export class MapArgumentError extends InvalidArgumentError {
  constructor(message: string, hint = 'see tsbpf map --help for the key and value syntax') {
    super(message, hint);
  }
}

export type MapSelector = { kind: 'id'; id: number } | { kind: 'pinned'; path: string } | { kind: 'name'; name: string };
export type ProgramSelector = { kind: 'id'; id: number } | { kind: 'pinned'; path: string } | { kind: 'name'; name: string } | { kind: 'tag'; tag: string };

/** bpftool's is_prefix(word, keyword): the word is a (possibly empty) prefix of the keyword. */
export function isPrefix(word: string, keyword: string): boolean {
  return keyword.startsWith(word);
}

/** C strtoul with base 0 or 16: sign, 0x prefix, octal; undefined when characters are left over. */
export function parseCUnsigned(word: string, base: 0 | 10 | 16): bigint | undefined {
  let text = word.replace(/^[ \t\n\v\f\r]+/, '');
  let negative = false;
  if (text.startsWith('+') || text.startsWith('-')) {
    negative = text.startsWith('-');
    text = text.slice(1);
  }
  let radix: number = base;
  if ((base === 0 || base === 16) && /^0[xX][0-9a-fA-F]/.test(text)) {
    radix = 16;
    text = text.slice(2);
  } else if (base === 0) {
    radix = text.startsWith('0') ? 8 : 10;
  }
  const digits = radix === 16 ? /^[0-9a-fA-F]*/ : radix === 8 ? /^[0-7]*/ : /^[0-9]*/;
  const match = digits.exec(text)![0];
  if (match.length !== text.length) return undefined;
  if (match === '') return 0n; // strtoul of "" or "-" parses nothing and leaves no characters: bpftool takes 0
  let value = 0n;
  for (const digit of match) value = value * BigInt(radix) + BigInt(parseInt(digit, radix));
  if (value > 0xffff_ffff_ffff_ffffn) value = 0xffff_ffff_ffff_ffffn; // ERANGE saturates
  return negative ? BigInt.asUintN(64, -value) : value;
}

/**
 * bpftool's byte syntax: `count` words (after an optional `hex`) each parsed as a C number and taken
 * modulo 256. Returns the bytes and the words after them.
 */
export function parseBpftoolBytes(words: readonly string[], count: number, what = 'key'): { bytes: Uint8Array; rest: string[] } {
  let at = 0;
  let base: 0 | 16 = 0;
  if (words.length > 0 && isPrefix(words[0]!, 'hex')) {
    base = 16;
    at = 1;
  }
  const bytes = new Uint8Array(count);
  let i = 0;
  while (i < count && at + i < words.length) {
    const value = parseCUnsigned(words[at + i]!, base);
    if (value === undefined) throw new MapArgumentError(`error parsing byte: ${words[at + i]!}`);
    bytes[i] = Number(value & 0xffn);
    i++;
  }
  if (i !== count) throw new MapArgumentError(`${what} expected ${count} bytes got ${i}`);
  return { bytes, rest: words.slice(at + i) };
}

/** `id N`, `pinned FILE` or `name NAME` at the start of `words`; returns it and the words after it. */
export function parseMapSelector(words: readonly string[]): { selector: MapSelector; rest: string[] } {
  const [keyword, argument] = words;
  if (keyword === undefined || argument === undefined) throw new MapArgumentError(`expected 'id', 'pinned' or 'name' and a value, got ${words.length ? `'${words.join(' ')}'` : 'nothing'}`, 'name the map: id N, pinned FILE or name NAME');
  const rest = words.slice(2);
  if (isPrefix(keyword, 'id') && keyword !== '') return { selector: { kind: 'id', id: parseId(argument) }, rest };
  if (isPrefix(keyword, 'pinned') && keyword !== '') return { selector: { kind: 'pinned', path: argument }, rest };
  if (isPrefix(keyword, 'name') && keyword !== '') {
    if (argument.length > 15) throw new MapArgumentError(`map name too long: '${argument}'`, 'kernel map names have at most 15 characters');
    return { selector: { kind: 'name', name: argument }, rest };
  }
  throw new MapArgumentError(`expected 'id', 'pinned' or 'name', got: '${keyword}'`, 'name the map: id N, pinned FILE or name NAME');
}

/** `id N`, `pinned FILE`, `tag T` or `name NAME` naming a program. */
export function parseProgramSelector(words: readonly string[]): { selector: ProgramSelector; rest: string[] } {
  const [keyword, argument] = words;
  if (keyword === undefined || argument === undefined || keyword === '') throw new MapArgumentError('expected a program: id N, pinned FILE, tag TAG or name NAME');
  const rest = words.slice(2);
  if (isPrefix(keyword, 'id')) return { selector: { kind: 'id', id: parseId(argument) }, rest };
  if (isPrefix(keyword, 'pinned')) return { selector: { kind: 'pinned', path: argument }, rest };
  if (isPrefix(keyword, 'tag')) {
    if (!/^[0-9a-fA-F]{16}$/.test(argument)) throw new MapArgumentError(`can't parse tag ${argument}`, 'a tag is 16 hex digits');
    return { selector: { kind: 'tag', tag: argument.toLowerCase() }, rest };
  }
  if (isPrefix(keyword, 'name')) return { selector: { kind: 'name', name: argument }, rest };
  throw new MapArgumentError(`expected 'id', 'pinned', 'tag' or 'name', got: '${keyword}'`);
}

function parseId(word: string): number {
  const value = /^\d+$/.test(word) ? Number(word) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffff_ffff) throw new MapArgumentError(`can't parse ${word} as ID`, 'an id is a positive integer');
  return value;
}

export const ElementFlag = { Any: 0, NoExist: 1, Exist: 2 } as const;

/** What `lookup|update|delete|getnext MAP ...` said after the map. */
export interface ElementArguments {
  key?: Uint8Array;
  /** Bytes for an ordinary map (for per-CPU maps one CPU's value, to be copied to every CPU). */
  value?: Uint8Array;
  /** Prog array or map of maps: the object whose fd becomes the value. */
  valueObject?: { kind: 'map'; selector: MapSelector } | { kind: 'program'; selector: ProgramSelector };
  flags?: number;
}

export interface ElementShape {
  keySize: number;
  valueSize: number;
  /** What the value words name: bytes, a map (maps of maps) or a program (prog arrays). */
  valueKind: 'bytes' | 'map' | 'program';
}

/**
 * bpftool's parse_elem: `key`, `value` and a flag in any order, each at most once. `want` says which
 * parts the command takes (lookup, delete and getnext: the key; update: key, value and flags).
 */
export function parseElementArguments(words: readonly string[], shape: ElementShape, want: { key: boolean; value: boolean; flags: boolean }): ElementArguments {
  const result: ElementArguments = {};
  let rest = [...words];
  let needKey = want.key && shape.keySize > 0;
  let needValue = want.value && shape.valueSize > 0;
  let flagsAllowed = want.flags;
  while (rest.length > 0) {
    const word = rest[0]!;
    if (isPrefix(word, 'key')) {
      if (!needKey) throw new MapArgumentError(result.key || !want.key ? (shape.keySize && want.key ? 'duplicate key' : 'unnecessary key') : 'unnecessary key');
      ({ bytes: result.key, rest } = parseBpftoolBytes(rest.slice(1), shape.keySize, 'key'));
      needKey = false;
    } else if (isPrefix(word, 'value')) {
      if (!needValue) throw new MapArgumentError(result.value || result.valueObject ? 'duplicate value' : 'unnecessary value');
      rest = rest.slice(1);
      if (shape.valueKind === 'bytes') {
        ({ bytes: result.value, rest } = parseBpftoolBytes(rest, shape.valueSize, 'value'));
      } else {
        if (shape.valueSize !== 4) throw new MapArgumentError(`value smaller than 4B for ${shape.valueKind === 'map' ? 'map in map' : 'map of progs'}?`);
        if (rest.length < 2) throw new MapArgumentError(`not enough value arguments for ${shape.valueKind === 'map' ? 'map in map' : 'map of progs'}`);
        if (shape.valueKind === 'map') {
          const parsed = parseMapSelector(rest);
          result.valueObject = { kind: 'map', selector: parsed.selector };
          rest = parsed.rest;
        } else {
          const parsed = parseProgramSelector(rest);
          result.valueObject = { kind: 'program', selector: parsed.selector };
          rest = parsed.rest;
        }
      }
      needValue = false;
    } else if (isPrefix(word, 'any') || isPrefix(word, 'noexist') || isPrefix(word, 'exist')) {
      if (!flagsAllowed) throw new MapArgumentError(want.flags ? `flags specified multiple times: ${word}` : `expected key or value, got: ${word}`);
      result.flags = isPrefix(word, 'any') ? ElementFlag.Any : isPrefix(word, 'noexist') ? ElementFlag.NoExist : ElementFlag.Exist;
      flagsAllowed = false;
      rest = rest.slice(1);
    } else {
      throw new MapArgumentError(`expected key or value, got: ${word}`);
    }
  }
  if (needKey) throw new MapArgumentError('did not find key');
  if (needValue) throw new MapArgumentError('did not find value');
  return result;
}
