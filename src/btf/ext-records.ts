/**
 * The records of .BTF.ext (include/uapi/linux/bpf.h's bpf_func_info, bpf_line_info and
 * bpf_core_relo) as tsbpf returns them, and the CO-RE relocation kinds (enum bpf_core_relo_kind).
 */

/** `struct bpf_func_info`: a function starts at this instruction and has this BTF FUNC type. */
export interface FuncInfo {
  /** insn_off as stored: a byte offset into the section in an object file (the kernel wants insn_off / 8). */
  readonly insnOffset: number;
  /** The instruction index (insnOffset / 8). */
  readonly instruction: number;
  /** The BTF_KIND_FUNC type id. */
  readonly typeId: number;
}

/** `struct bpf_line_info`: the source position of the instructions from this one on. */
export interface LineInfo {
  readonly insnOffset: number;
  readonly instruction: number;
  readonly fileNameOffset: number;
  /** The source file's path as clang recorded it. */
  readonly fileName: string;
  readonly lineOffset: number;
  /** The text of the source line (clang stores the whole line). */
  readonly lineText: string;
  /** line_col as stored: line << 10 | column. */
  readonly lineColumn: number;
  /** BPF_LINE_INFO_LINE_NUM: line_col >> 10, 1-based. */
  readonly line: number;
  /** BPF_LINE_INFO_LINE_COL: line_col & 0x3ff, 1-based (0 when unknown). */
  readonly column: number;
}

/** `enum bpf_core_relo_kind`. */
export const CoreRelocationKind = {
  FieldByteOffset: 0, FieldByteSize: 1, FieldExists: 2, FieldSigned: 3, FieldLshiftU64: 4, FieldRshiftU64: 5,
  TypeIdLocal: 6, TypeIdTarget: 7, TypeExists: 8, TypeSize: 9, EnumvalExists: 10, EnumvalValue: 11, TypeMatches: 12,
} as const;
export type CoreRelocationKind = (typeof CoreRelocationKind)[keyof typeof CoreRelocationKind];

/** The names libbpf prints for each kind (core_relo_kind_str). */
export const CORE_RELOCATION_KIND_NAMES: readonly string[] = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id', 'target_type_id',
  'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
];

/** `struct bpf_core_relo`: one CO-RE relocation against the instruction at insnOffset. */
export interface CoreRelocation {
  readonly insnOffset: number;
  readonly instruction: number;
  /** The local BTF type the access starts from (a struct, union, enum, or any type for type-based kinds). */
  readonly typeId: number;
  readonly accessStringOffset: number;
  /** The access path: "0:1:2" for field kinds (first index is the array index), "0" for type kinds, the enumerator index for enum kinds. */
  readonly accessString: string;
  /** CoreRelocationKind. */
  readonly kind: number;
  /** libbpf's name for the kind, or `unknown (N)`. */
  readonly kindName: string;
}

/** Records for one ELF section (a program's section, or .text for subprograms). */
export interface BtfExtSection<Record> {
  readonly sectionNameOffset: number;
  /** The ELF section name the records belong to. */
  readonly section: string;
  readonly records: readonly Record[];
}
