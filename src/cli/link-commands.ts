/** Bodies of the `tsbpf link` commands, loaded only when one runs. */
import { detachLink, linkDetails, listLinks, pinLink, pinnedLinkDetails } from '../inspect/links.js';
import { linkJson, linkText } from '../inspect/links-text.js';
import { readOwners } from '../inspect/owners.js';
import { readPinnedPaths } from '../inspect/pinned-paths.js';
import { UsageError } from './cli-errors.js';
import { parseObjectReference } from './inspect-arguments.js';
import type { OutputOptions } from './output.js';
import { toJson } from './output.js';

export function linkShowOutput(words: readonly string[], options: OutputOptions): string {
  if (words.length > 0) {
    const reference = parseObjectReference(words, 'link');
    const link = 'id' in reference ? linkDetails(reference.id) : pinnedLinkDetails(reference.pinned);
    const owners = readOwners().links;
    const paths = pinnedPaths(link.id, options);
    return options.json ? `${toJson(linkJson(link, owners, paths), options.pretty)}\n` : linkText(link, owners, paths);
  }
  const links = listLinks();
  // read after the listing, as bpftool builds its table before it: a link listed has had its chance to be held
  const owners = readOwners().links;
  const pins = options.bpffs ? readPinnedPaths('link') : undefined;
  const paths = (id: number) => (pins ? pins.get(id) ?? (pins.size ? [] : undefined) : undefined);
  return options.json
    ? `${toJson(links.map((link) => linkJson(link, owners, paths(link.id))), options.pretty)}\n`
    : links.map((link) => linkText(link, owners, paths(link.id))).join('');
}

/** With -f: where link `id` is pinned; an empty list when it isn't but some link is, undefined when none is (bpftool's rule). */
function pinnedPaths(id: number, options: OutputOptions): readonly string[] | undefined {
  if (!options.bpffs) return undefined;
  const pins = readPinnedPaths('link');
  return pins.get(id) ?? (pins.size ? [] : undefined);
}

/** bpftool prints `null` in JSON mode for commands that only act. */
function done(options: OutputOptions): string {
  return options.json ? 'null\n' : '';
}

export function linkPin(words: readonly string[], options: OutputOptions): string {
  if (words.length !== 3) throw new UsageError(`expected 'id N PATH' or 'pinned PATH PATH', got ${JSON.stringify(words.join(' '))}`, 'e.g. tsbpf link pin id 3 /sys/fs/bpf/my_link');
  pinLink(parseObjectReference(words.slice(0, 2), 'link'), words[2]!);
  return done(options);
}

export function linkDetach(words: readonly string[], options: OutputOptions): string {
  detachLink(parseObjectReference(words, 'link'));
  return done(options);
}
