/**
 * A minimal, read-only scan of raw BTF (the format of /sys/kernel/btf/vmlinux): enough to find a type
 * id by name and kind, which is all the tracing/lsm probes need for attach_btf_id. A stopgap until the
 * btf layer exists (objects issue); it walks every kind's trailing data so ids stay exact, and checks
 * every offset against the blob.
 *
 * Layout (include/uapi/linux/btf.h): a header (magic 0xeb9f, version, flags, hdr_len, then type and
 * string section offsets/lengths relative to the header's end), then `struct btf_type` records of 12
 * bytes each followed by kind-specific data, ids counting from 1 in order.
 */
import { readFileSync } from 'node:fs';
import { TsbpfError } from '../errors.js';

export const BtfKind = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

const BTF_MAGIC = 0xeb9f;
const HEADER_MIN = 24;
const TYPE_RECORD = 12;

/** Raw BTF that doesn't parse; `offset` is the byte where it went wrong. */
export class BtfScanError extends TsbpfError {
  constructor(readonly offset: number, what: string) {
    super(`bad BTF at byte ${offset}: ${what}`);
    this.name = 'BtfScanError';
  }
}

/** Bytes of kind-specific data after a type record with `vlen` entries. */
function trailingBytes(kind: number, vlen: number, at: number): number {
  switch (kind) {
    case BtfKind.INT: case BtfKind.VAR: case BtfKind.DECL_TAG: return 4;
    case BtfKind.ARRAY: return 12;
    case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.DATASEC: case BtfKind.ENUM64: return vlen * 12;
    case BtfKind.ENUM: case BtfKind.FUNC_PROTO: return vlen * 8;
    case BtfKind.PTR: case BtfKind.FWD: case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST:
    case BtfKind.RESTRICT: case BtfKind.FUNC: case BtfKind.FLOAT: case BtfKind.TYPE_TAG: return 0;
    default: throw new BtfScanError(at, `unknown kind ${kind}`);
  }
}

export interface BtfQuery {
  name: string;
  kind: BtfKind;
}

/**
 * Ids of the types named `name` with kind `kind`, one pass over the blob for all queries; a query
 * with no such type maps to 0 (BTF id 0 is void, never a named type). The first match wins.
 */
export function findBtfTypeIds(blob: Uint8Array, queries: readonly BtfQuery[]): number[] {
  if (blob.length < HEADER_MIN) throw new BtfScanError(0, `${blob.length} bytes is shorter than a BTF header`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const magic = view.getUint16(0, true);
  const little = magic === BTF_MAGIC;
  if (!little && view.getUint16(0, false) !== BTF_MAGIC) throw new BtfScanError(0, `magic 0x${magic.toString(16)} is not 0xeb9f`);
  const u32 = (at: number): number => view.getUint32(at, little);
  const headerLength = u32(4);
  if (headerLength < HEADER_MIN || headerLength > blob.length) throw new BtfScanError(4, `header length ${headerLength}`);
  const typeStart = headerLength + u32(8);
  const typeEnd = typeStart + u32(12);
  const stringStart = headerLength + u32(16);
  const stringEnd = stringStart + u32(20);
  if (typeEnd > blob.length || typeStart > typeEnd) throw new BtfScanError(8, 'type section outside the blob');
  if (stringEnd > blob.length || stringStart > stringEnd) throw new BtfScanError(16, 'string section outside the blob');

  const encoder = new TextEncoder();
  const wanted = queries.map((query) => ({ bytes: encoder.encode(query.name), kind: query.kind }));
  const found = queries.map(() => 0);
  let remaining = queries.length;
  /** Whether the NUL-terminated string at name offset `nameOffset` equals `bytes`. */
  const nameIs = (nameOffset: number, bytes: Uint8Array): boolean => {
    const at = stringStart + nameOffset;
    if (at + bytes.length >= stringEnd) return false;
    for (let i = 0; i < bytes.length; i++) if (blob[at + i] !== bytes[i]) return false;
    return blob[at + bytes.length] === 0;
  };

  let id = 1;
  for (let at = typeStart; at < typeEnd && remaining > 0; id++) {
    if (at + TYPE_RECORD > typeEnd) throw new BtfScanError(at, `type ${id} runs past the type section`);
    const nameOffset = u32(at);
    const info = u32(at + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const next = at + TYPE_RECORD + trailingBytes(kind, vlen, at);
    if (next > typeEnd) throw new BtfScanError(at, `type ${id} (kind ${kind}, vlen ${vlen}) runs past the type section`);
    if (nameOffset !== 0) {
      if (stringStart + nameOffset >= stringEnd) throw new BtfScanError(at, `type ${id} name offset ${nameOffset} is outside the string section`);
      for (let q = 0; q < wanted.length; q++) {
        const query = wanted[q]!;
        if (found[q] === 0 && query.kind === kind && nameIs(nameOffset, query.bytes)) {
          found[q] = id;
          remaining--;
        }
      }
    }
    at = next;
  }
  return found;
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
      vmlinux = readFileSync(VMLINUX_BTF_PATH);
    } catch {
      vmlinux = null;
    }
  }
  return vmlinux;
}
