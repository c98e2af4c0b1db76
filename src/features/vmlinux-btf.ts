/**
 * Type ids by name and kind in raw BTF (the format of /sys/kernel/btf/vmlinux): what the tracing/lsm
 * probes need for attach_btf_id. A thin shell over the btf layer's parser (src/btf/btf.ts), which
 * replaced the stopgap scanner that lived here; the names below stay for the probes' sake.
 */
import { readKernelBtfFile } from '../sys/index.js';
import { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';

/** BTF_KIND_* under the names the probes use (the btf layer's BtfKind has the same numbers). */
export const BtfKind = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

/** Raw BTF that doesn't parse; `offset` is the byte where it went wrong (the btf layer's BtfError). */
export const BtfScanError = BtfError;
export type BtfScanError = BtfError;

export interface BtfQuery {
  name: string;
  kind: BtfKind;
}

/** Parsed blobs, so repeated probes parse vmlinux once. */
const parsed = new WeakMap<Uint8Array, Btf>();

/**
 * Ids of the types named `name` with kind `kind` in `blob`; a query with no such type maps to 0
 * (BTF id 0 is void, never a named type). The first (lowest) id wins.
 */
export function findBtfTypeIds(blob: Uint8Array, queries: readonly BtfQuery[]): number[] {
  let btf = parsed.get(blob);
  if (!btf) {
    btf = Btf.parse(blob);
    parsed.set(blob, btf);
  }
  const source = btf;
  return queries.map((query) => source.findByName(query.name, query.kind)[0]?.id ?? 0);
}

/** The id of the type `name` of kind `kind` in `blob`, or 0. */
export function findBtfTypeId(blob: Uint8Array, name: string, kind: BtfKind): number {
  return findBtfTypeIds(blob, [{ name, kind }])[0]!;
}

export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

let vmlinux: Uint8Array | null | undefined;

/** The running kernel's BTF, read once; null when the kernel exposes none. */
export function vmlinuxBtf(): Uint8Array | null {
  if (vmlinux === undefined) {
    try {
      vmlinux = readKernelBtfFile(VMLINUX_BTF_PATH);
    } catch {
      vmlinux = null;
    }
  }
  return vmlinux;
}
