/** The body of `tsbpf btf list|show [id N]`, loaded only when that command runs. */
import { btfDetails, listBtf } from '../inspect/btf.js';
import { btfJson, btfText } from '../inspect/btf-text.js';
import { parseObjectReference } from './inspect-arguments.js';
import type { OutputOptions } from './output.js';
import { toJson } from './output.js';

export function btfListOutput(words: readonly string[], options: OutputOptions): string {
  // Owners: bpftool prints `pids` for BTF objects too, but readOwners() (src/inspect/owners.ts) covers
  // programs, maps and links only; btfText/btfJson take an owner table once it has BTF objects.
  if (words.length > 0) {
    const reference = parseObjectReference(words, 'btf', false) as { id: number };
    const entry = btfDetails(reference.id);
    return options.json ? `${toJson(btfJson(entry), options.pretty)}\n` : btfText(entry);
  }
  const entries = listBtf();
  return options.json ? `${toJson(entries.map((entry) => btfJson(entry)), options.pretty)}\n` : entries.map((entry) => btfText(entry)).join('');
}
