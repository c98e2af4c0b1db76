/**
 * The on-disk layout of raw BTF (include/uapi/linux/btf.h), shared by the parser, the writer and the
 * edits: header fields, record sizes and how many bytes of kind-specific data follow each type record.
 */
import { BtfKind } from './types.js';

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** struct btf_header: magic, version, flags, hdr_len, type_off, type_len, str_off, str_len. */
export const HEADER_SIZE = 24;
/** struct btf_type: name_off, info, size/type. */
export const TYPE_RECORD_SIZE = 12;
/** Highest kind this reader knows. */
export const MAX_KIND = BtfKind.Enum64;

/**
 * Bytes of kind-specific data after a type record with `vlen` entries, or -1 for an unknown kind.
 * The parser's walk inlines the same table for speed; keep the two in step.
 */
export function trailingSize(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKind.Int: case BtfKind.Var: case BtfKind.DeclTag: return 4;
    case BtfKind.Array: return 12;
    case BtfKind.Struct: case BtfKind.Union: case BtfKind.Datasec: case BtfKind.Enum64: return vlen * 12;
    case BtfKind.Enum: case BtfKind.FuncProto: return vlen * 8;
    case BtfKind.Pointer: case BtfKind.Fwd: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const:
    case BtfKind.Restrict: case BtfKind.Func: case BtfKind.Float: case BtfKind.TypeTag: return 0;
    default: return -1;
  }
}
