/**
 * `tsbpf net attach ATTACH_TYPE PROG dev NAME [overwrite]` and `tsbpf net detach ATTACH_TYPE dev NAME`,
 * bpftool 7.1's: XDP over netlink, in the mode the attach type names (bpftool 7.1 has no tcx words). The
 * program stays attached after tsbpf exits, as with bpftool: a netlink attachment belongs to the device.
 */
import { InvalidArgumentError } from '../errors.js';
import { isPrefix, MapArgumentError, parseProgramSelector } from '../inspect/map-args.js';
import { openPrograms } from '../inspect/programs.js';
import { attachXdpLegacy, detachXdpLegacy, type XdpAttachMode } from '../link/xdp-netlink.js';
import { closeRawFd } from '../sys/index.js';
import { UsageError } from './cli-errors.js';
import type { OutputOptions } from './output.js';

/** bpftool's ATTACH_TYPE words, in its order (a word names the first type it is a prefix of), and their modes. */
const ATTACH_TYPES: readonly (readonly [string, XdpAttachMode | 'auto'])[] = [
  ['xdp', 'auto'], ['xdpgeneric', 'skb'], ['xdpdrv', 'driver'], ['xdpoffload', 'hw'],
];

function parseAttachType(word: string | undefined): { name: string; mode: XdpAttachMode | 'auto' } {
  const found = word === undefined ? undefined : ATTACH_TYPES.find(([name]) => isPrefix(word, name));
  if (!found) throw new UsageError(`invalid net attach/detach type: ${word ?? '(none)'}`, `use one of ${ATTACH_TYPES.map(([name]) => name).join(', ')}`);
  return { name: found[0], mode: found[1] };
}

/** `dev NAME`, then what follows. */
function parseDevice(words: readonly string[]): { device: string; rest: string[] } {
  const [keyword, device] = words;
  if (keyword === undefined || !isPrefix(keyword, 'dev') || keyword === '') throw new UsageError(`expected 'dev', got: '${keyword ?? ''}'`, 'e.g. tsbpf net attach xdp id 3 dev eth0');
  if (device === undefined) throw new UsageError('expected a device name after \'dev\'', 'e.g. tsbpf net attach xdp id 3 dev eth0');
  return { device, rest: words.slice(2) };
}

function finish(options: OutputOptions): void {
  if (options.json) process.stdout.write('null\n'); // bpftool's answer to -j
}

export function netAttachCommand(words: readonly string[], options: OutputOptions): void {
  const type = parseAttachType(words[0]);
  let program: ReturnType<typeof parseProgramSelector>;
  try {
    program = parseProgramSelector(words.slice(1));
  } catch (error) {
    if (error instanceof MapArgumentError) throw new UsageError(error.message, error.hint || 'PROG := id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME');
    throw error;
  }
  const { device, rest } = parseDevice(program.rest);
  let overwrite = false;
  if (rest.length > 0) {
    if (rest.length > 1 || rest[0] === '' || !isPrefix(rest[0]!, 'overwrite')) throw new UsageError(`expected 'overwrite', got: '${rest.join(' ')}'`, 'the only word after dev NAME is overwrite');
    overwrite = true;
  }
  const programs = openPrograms(program.selector);
  try {
    if (programs.length !== 1) throw new InvalidArgumentError(`the program selector matches ${programs.length} programs`, 'name one program (id N)');
    // Not closed: the attachment is the device's, and stays after this process (bpftool's semantics).
    attachXdpLegacy(programs[0]!, device, { mode: type.mode, replace: overwrite });
  } finally {
    for (const fd of programs) closeRawFd(fd);
  }
  finish(options);
}

export function netDetachCommand(words: readonly string[], options: OutputOptions): void {
  const type = parseAttachType(words[0]);
  const { device, rest } = parseDevice(words.slice(1));
  if (rest.length > 0) throw new UsageError(`unexpected '${rest.join(' ')}' after dev ${device}`, 'e.g. tsbpf net detach xdp dev eth0');
  detachXdpLegacy(device, { mode: type.mode });
  finish(options);
}
