/**
 * bpftool 7.1's map output, byte for byte: `map show` lines and JSON, `map dump` (hex lines, or the
 * BTF-formatted JSON-ish text bpftool prints in plain mode for maps with BTF), lookups and getnext.
 * Every JSON document ends with a newline, as bpftool's writer closes with one.
 */
import type { Btf } from '../btf/btf.js';
import { Errno } from '../errors.js';
import type { MapInfo } from '../info/map-info.js';
import { MapType, mapTypeName } from '../maps/map-types.js';
import { isPerCpuType, roundUp8 } from '../maps/per-cpu.js';
import { programTypeName } from '../programs/program-types.js';
import { possibleCpuCount } from '../sys/index.js';
import { JsonWriter } from './map-json-writer.js';
import { strerror } from './map-errno.js';
import { hexText, writeBtfValue, writeHexJson } from './map-values.js';
import { mapValueTypeId, type MapDetails, type MapDump, type MapEntry } from './maps.js';

export interface MapOutputMode {
  json: boolean;
  pretty: boolean;
}

/** libbpf 1.1 (bpftool 7.1's) names map types up to user_ringbuf and program types up to syscall; later ones print as numbers. */
const BPFTOOL_LAST_NAMED_MAP_TYPE = MapType.UserRingBuf;
const BPFTOOL_LAST_NAMED_PROGRAM_TYPE = 31;

function bpftoolMapTypeName(type: number): string | undefined {
  return type <= BPFTOOL_LAST_NAMED_MAP_TYPE ? mapTypeName(type) : undefined;
}

function bpftoolProgramTypeName(type: number): string | undefined {
  return type <= BPFTOOL_LAST_NAMED_PROGRAM_TYPE ? programTypeName(type) : undefined;
}

function headerText(info: MapInfo): string {
  const typeName = bpftoolMapTypeName(info.type);
  return `${info.id}: ${typeName ? `${typeName}  ` : `type ${info.type}  `}${info.name ? `name ${info.name}  ` : ''}flags 0x${info.flags.toString(16)}\n`;
}

/** One map as `bpftool map show` prints it. */
export function formatMapText(details: MapDetails): string {
  const { info } = details;
  let out = headerText(info);
  out += `\tkey ${info.keySize}B  value ${info.valueSize}B  max_entries ${info.maxEntries}`;
  if (details.memlock !== undefined) out += `  memlock ${details.memlock}B`;
  if (details.ownerProgramType !== undefined || details.ownerJited !== undefined) {
    out += '\n\t';
    if (details.ownerProgramType !== undefined) out += `owner_prog_type ${bpftoolProgramTypeName(details.ownerProgramType) ?? details.ownerProgramType}  `;
    if (details.ownerJited !== undefined) out += `owner${details.ownerJited ? '' : ' not'} jited`;
  }
  for (const path of details.pinned ?? []) out += `\n\tpinned ${path}`;
  if (info.btfId || details.frozen) out += '\n\t';
  if (info.btfId) out += `btf_id ${info.btfId}`;
  if (details.frozen) out += `${info.btfId ? '  ' : ''}frozen`;
  if (details.owners && details.owners.length > 0) out += `\n\tpids ${details.owners.map((o) => `${o.comm}(${o.pid})`).join(', ')}`;
  return `${out}\n`;
}

function writeHeaderJson(writer: JsonWriter, info: MapInfo): void {
  writer.field('id', String(info.id));
  const typeName = bpftoolMapTypeName(info.type);
  if (typeName) writer.stringField('type', typeName);
  else writer.field('type', String(info.type));
  if (info.name) writer.stringField('name', info.name);
  writer.field('flags', String(info.flags | 0));
}

function writeMapJson(writer: JsonWriter, details: MapDetails): void {
  const { info } = details;
  writer.startObject();
  writeHeaderJson(writer, info);
  writer.field('bytes_key', String(info.keySize));
  writer.field('bytes_value', String(info.valueSize));
  writer.field('max_entries', String(info.maxEntries));
  if (details.memlock !== undefined) writer.field('bytes_memlock', String(BigInt.asIntN(64, BigInt(/^-?\d+/.exec(details.memlock)?.[0] ?? '0'))));
  if (details.ownerProgramType !== undefined) {
    const name = bpftoolProgramTypeName(details.ownerProgramType);
    if (name) writer.stringField('owner_prog_type', name);
    else writer.field('owner_prog_type', String(details.ownerProgramType));
  }
  if (details.ownerJited !== undefined) writer.field('owner_jited', String(details.ownerJited));
  writer.field('frozen', String(details.frozen));
  if (info.btfId) writer.field('btf_id', String(info.btfId));
  if (details.pinned) {
    writer.name('pinned');
    writer.startArray();
    for (const path of details.pinned) writer.string(path);
    writer.endArray();
  }
  if (details.owners && details.owners.length > 0) {
    writer.name('pids');
    writer.startArray();
    for (const owner of details.owners) {
      writer.startObject();
      writer.field('pid', String(owner.pid));
      writer.stringField('comm', owner.comm);
      writer.endObject();
    }
    writer.endArray();
  }
  writer.endObject();
}

/** One map as `map show id N` prints it: text, or one JSON object. */
export function formatMap(details: MapDetails, mode: MapOutputMode = { json: false, pretty: false }): string {
  return formatMaps([details], mode, true);
}

/**
 * `map show`/`map list`: `single` prints one JSON object rather than an array (bpftool's `show id N`
 * and `show pinned P`; a name matching several maps prints an array).
 */
export function formatMaps(maps: readonly MapDetails[], mode: MapOutputMode, single = false): string {
  if (!mode.json) return maps.map(formatMapText).join('');
  const writer = new JsonWriter(mode.pretty);
  if (single && maps.length === 1) {
    writeMapJson(writer, maps[0]!);
  } else {
    writer.startArray();
    for (const details of maps) writeMapJson(writer, details);
    writer.endArray();
  }
  return `${writer.text}\n`;
}

/** bpftool's do_dump_btf: `{"key": ..., "value": ...}` or per CPU `"values": [{"cpu": N, "value": ...}]`. */
function writeDumpBtf(writer: JsonWriter, info: MapInfo, btf: Btf, entry: MapEntry, plainText: boolean): void {
  const value = entry.value!;
  const typeId = mapValueTypeId(info);
  writer.startObject();
  let ok = true;
  if (info.btfKeyTypeId) {
    writer.name('key');
    ok = writeBtfValue(writer, btf, info.btfKeyTypeId, entry.key, plainText);
  }
  if (ok) {
    if (!isPerCpuType(info.type)) {
      writer.name('value');
      writeBtfValue(writer, btf, typeId, value, plainText);
    } else {
      writer.name('values');
      writer.startArray();
      const step = roundUp8(info.valueSize);
      for (let cpu = 0; cpu < possibleCpuCount(); cpu++) {
        writer.startObject();
        writer.field('cpu', String(cpu));
        writer.name('value');
        const done = writeBtfValue(writer, btf, typeId, value.subarray(cpu * step, cpu * step + info.valueSize), plainText);
        writer.endObject();
        if (!done) break;
      }
      writer.endArray();
    }
  }
  writer.endObject();
}

/** bpftool's print_entry_json. */
function writeEntryJson(writer: JsonWriter, info: MapInfo, btf: Btf | undefined, entry: MapEntry): void {
  const value = entry.value!;
  writer.startObject();
  writer.name('key');
  writeHexJson(writer, entry.key);
  if (!isPerCpuType(info.type)) {
    writer.name('value');
    writeHexJson(writer, value.subarray(0, info.valueSize));
  } else {
    const step = roundUp8(info.valueSize);
    writer.name('values');
    writer.startArray();
    for (let cpu = 0; cpu < possibleCpuCount(); cpu++) {
      writer.startObject();
      writer.field('cpu', String(cpu));
      writer.name('value');
      writeHexJson(writer, value.subarray(cpu * step, cpu * step + info.valueSize));
      writer.endObject();
    }
    writer.endArray();
  }
  if (btf) {
    writer.name('formatted');
    writeDumpBtf(writer, info, btf, entry, false);
  }
  writer.endObject();
}

/** bpftool's print_entry_plain: hex lines. */
function entryPlainText(info: MapInfo, entry: MapEntry): string {
  const value = entry.value!;
  if (!isPerCpuType(info.type)) {
    const breakNames = info.keySize > 16 || info.valueSize > 16;
    const singleLine = info.keySize + info.valueSize <= 24 && !breakNames;
    let out = '';
    if (info.keySize) out += `key:${breakNames ? '\n' : ' '}${hexText(entry.key)}${singleLine ? '  ' : '\n'}`;
    if (info.valueSize) out += `value:${breakNames ? '\n' : ' '}${hexText(value.subarray(0, info.valueSize))}`;
    return `${out}\n`;
  }
  let out = '';
  if (info.keySize) out += `key:\n${hexText(entry.key)}\n`;
  if (info.valueSize) {
    const step = roundUp8(info.valueSize);
    for (let cpu = 0; cpu < possibleCpuCount(); cpu++) {
      out += `value (CPU ${String(cpu).padStart(2, '0')}):${info.valueSize > 16 ? '\n' : ' '}${hexText(value.subarray(cpu * step, cpu * step + info.valueSize))}\n`;
    }
  }
  return out;
}

/** bpftool's print_entry_error, plain form. */
function entryErrorText(info: MapInfo, entry: MapEntry): string {
  const errno = entry.errno!;
  const message = errno === Errno.ENOENT ? '<no entry>' : errno === Errno.ENOSPC && info.type === MapType.ReuseportSockarray ? '<cannot read>' : strerror(errno);
  const breakNames = info.keySize > 16 || message.length > 16;
  const singleLine = info.keySize + message.length <= 24 && !breakNames;
  return `key:${breakNames ? '\n' : ' '}${hexText(entry.key)}${singleLine ? '  ' : '\n'}value:${breakNames ? '\n' : ' '}${message}\n`;
}

function writeEntryErrorJson(writer: JsonWriter, entry: MapEntry): void {
  writer.startObject();
  writer.name('key');
  writeHexJson(writer, entry.key);
  writer.name('value');
  writer.startObject();
  writer.stringField('error', strerror(entry.errno!));
  writer.endObject();
  writer.endObject();
}

/**
 * `map dump` of one or more maps (several when a name matches several), as bpftool prints it: hex
 * lines and `Found N elements` without BTF; in plain mode, when every map has a BTF id, bpftool's
 * BTF-formatted text; with -j, hex arrays plus `formatted`.
 */
export function formatDump(dumps: readonly MapDump[], mode: MapOutputMode): string {
  const plainBtf = !mode.json && dumps.every((dump) => dump.info.btfId !== 0);
  const several = dumps.length > 1;
  if (!mode.json && !plainBtf) {
    return dumps.map((dump, i) => {
      let out = several ? headerText(dump.info) : '';
      let found = 0;
      for (const entry of dump.entries) {
        if (entry.value) {
          out += entryPlainText(dump.info, entry);
          found++;
        } else {
          out += entryErrorText(dump.info, entry);
        }
      }
      out += `Found ${found} element${found !== 1 ? 's' : ''}\n`;
      return i !== dumps.length - 1 ? `${out}\n` : out;
    }).join('');
  }
  const writer = new JsonWriter(mode.json ? mode.pretty : true);
  if (several) writer.startArray();
  for (const dump of dumps) {
    if (several) {
      writer.startObject();
      writeHeaderJson(writer, dump.info);
      writer.name('elements');
    }
    writer.startArray();
    for (const entry of dump.entries) {
      if (!entry.value) {
        if (mode.json) writeEntryErrorJson(writer, entry);
        else writer.raw(entryErrorText(dump.info, entry));
      } else if (mode.json) {
        writeEntryJson(writer, dump.info, dump.btf, entry);
      } else if (dump.btf) {
        writeDumpBtf(writer, dump.info, dump.btf, entry, true);
      } else {
        writer.raw(entryPlainText(dump.info, entry));
      }
    }
    writer.endArray();
    if (several) writer.endObject();
  }
  if (several) writer.endArray();
  return `${writer.text}\n`;
}

/** `map lookup` of a found element: JSON entry, BTF-formatted text, or hex lines. */
export function formatLookup(info: MapInfo, btf: Btf | undefined, entry: MapEntry, mode: MapOutputMode): string {
  if (mode.json) {
    const writer = new JsonWriter(mode.pretty);
    writeEntryJson(writer, info, btf, entry);
    return `${writer.text}\n`;
  }
  if (btf) {
    const writer = new JsonWriter(true);
    writeDumpBtf(writer, info, btf, entry, true);
    return `${writer.text}\n`;
  }
  return entryPlainText(info, entry);
}

/** `map lookup` of an absent key: bpftool's `Not found` text, or JSON null. */
export function formatLookupMiss(key: Uint8Array, mode: MapOutputMode): string {
  return mode.json ? 'null\n' : `key:\n${hexText(key)}\n\nNot found\n`;
}

/** `map getnext`: the key given (or None) and the next one. */
export function formatGetNext(key: Uint8Array | undefined, next: Uint8Array, mode: MapOutputMode): string {
  if (mode.json) {
    const writer = new JsonWriter(mode.pretty);
    writer.startObject();
    writer.name('key');
    if (key) writeHexJson(writer, key);
    else writer.value('null');
    writer.name('next_key');
    writeHexJson(writer, next);
    writer.endObject();
    return `${writer.text}\n`;
  }
  return `${key ? `key:\n${hexText(key)}\n` : 'key: None\n'}next key:\n${hexText(next)}\n`;
}

/** What update, delete, pin, freeze and create print: nothing, or JSON null. */
export function formatDone(mode: MapOutputMode): string {
  return mode.json ? 'null\n' : '';
}
