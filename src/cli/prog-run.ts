/**
 * `tsbpf prog run OBJ --attach`: the learner's shortcut — load an object, attach every program its SEC
 * names place, print the events its ring buffers and perf buffers carry (decoded from BTF as `struct
 * event`, or the type given) until Ctrl-C or `--duration`, then detach and unload everything.
 */
import { InvalidArgumentError } from '../errors.js';
import { PerfBufferReader, RingBufferReader, type EventRecord } from '../events/index.js';
import { loadObject } from '../loader/index.js';
import { MapType } from '../maps/map-types.js';
import type { BtfDecoder } from '../btf/value-decoder.js';
import { toJson } from './output.js';

export interface RunOptions {
  attach: boolean;
  /** C type of the events (default `struct event` when the object has one). */
  event?: string;
  /** Seconds to run (default: until SIGINT/SIGTERM). */
  duration?: number;
  json: boolean;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export async function progRun(objectPath: string, options: RunOptions): Promise<void> {
  if (options.duration !== undefined && !(options.duration > 0)) throw new InvalidArgumentError(`--duration must be a positive number of seconds, got ${options.duration}`);
  using object = await loadObject(objectPath);
  const links = options.attach ? object.attachAll() : new Map();
  let decode: BtfDecoder | undefined;
  if (options.event) decode = object.decoder(options.event);
  else {
    try {
      decode = object.decoder('struct event');
    } catch {
      process.stderr.write('tsbpf: the object\'s BTF has no struct event: printing events as hex bytes (name the type with --event)\n');
    }
  }
  const print = (map: string) => (record: EventRecord) => {
    const value = decode ? decode(record.area, record.offset) : hex(record.bytes);
    process.stdout.write(options.json ? `${toJson({ map, event: value }, false)}\n` : `${map}: ${typeof value === 'string' ? value : toJson(value, false)}\n`);
  };
  const rings: { reader: RingBufferReader | PerfBufferReader; name: string }[] = [];
  try {
    for (const [name, map] of Object.entries(object.maps)) {
      if (map.type === MapType.RingBuf) rings.push({ reader: RingBufferReader.open(map), name });
      else if (map.type === MapType.PerfEventArray) rings.push({ reader: new PerfBufferReader(map), name });
    }
    process.stderr.write(`tsbpf: ${objectPath}: ${Object.keys(object.programs).length} programs loaded, ${links.size} attached (${[...links.keys()].join(', ') || 'none'}); `
      + `${rings.length ? `printing events from ${rings.map((r) => r.name).join(', ')}` : 'no ring or perf buffer to read'}; Ctrl-C to stop\n`);
    let stopped = false;
    const stop = () => { stopped = true; };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const deadline = options.duration !== undefined ? Date.now() + options.duration * 1000 : Infinity;
    while (!stopped && Date.now() < deadline) {
      if (rings.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      await Promise.all(rings.map(({ reader, name }) => reader.poll(100, print(name))));
    }
    for (const { reader, name } of rings) reader.consume(print(name));
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  } finally {
    for (const { reader } of rings) reader.close();
    for (const link of links.values()) link.close();
  }
}
