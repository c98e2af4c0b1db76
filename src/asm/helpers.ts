/**
 * Helper names for disassembly. The kernel's own list is `enum bpf_func_id` in its BTF; a newer kernel
 * has helpers our built-in table (generated from this machine's kernel) lacks, so a disassembler takes a
 * `HelperNameLookup` and callers with kernel BTF build one from the enum.
 */
import { HELPER_NAMES } from '../sys/abi.js';

/** A helper's bare name (`map_lookup_elem`) by id, or undefined when unknown. */
export type HelperNameLookup = (id: number) => string | undefined;

/** The table built into tsbpf (`HELPER_NAMES`, from this project's kernel ABI file). */
export const builtinHelperName: HelperNameLookup = (id) => (Number.isInteger(id) && id >= 0 ? HELPER_NAMES[id] : undefined);

/** The values of a BTF enum, structurally (a `Btf`'s EnumType fits), so this file needs no BTF reader. */
export interface EnumLike {
  readonly values: readonly { readonly name: string; readonly value: number | bigint }[];
}

const PREFIX = 'BPF_FUNC_';

/**
 * Names from the kernel's `enum bpf_func_id` (`BPF_FUNC_map_lookup_elem = 1` → `map_lookup_elem`);
 * ids the enum lacks fall back to the built-in table. `__BPF_FUNC_MAX_ID` is not a helper and is skipped.
 */
export function helperNamesFromEnum(funcIds: EnumLike): HelperNameLookup {
  const names = new Map<number, string>();
  for (const { name, value } of funcIds.values) {
    if (name.startsWith(PREFIX)) names.set(Number(value), name.slice(PREFIX.length));
  }
  return (id) => names.get(id) ?? builtinHelperName(id);
}
