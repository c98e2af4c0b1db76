/**
 * What `generate.ts` reads from kernel BTF: which enums become which constant objects, and which
 * struct/union members each layout object lists. The export names and keys are the ones the rest of
 * tsbpf imports from `sys/abi.ts`; changing a key here changes the ABI every caller sees.
 */

/** An enum found by its own name, or (anonymous enums) by one enumerator it holds. */
export type EnumSource = { readonly name: string } | { readonly containing: string };

export interface EnumSpec {
  readonly exportName: string;
  readonly comment: string;
  readonly source: EnumSource;
  /** Stripped from each enumerator name; the first prefix that matches wins, so list longer ones first. */
  readonly prefixes: readonly string[];
  /** Only these enumerators (by kernel name), when the export is a slice of a larger enum. */
  readonly only?: readonly string[];
  /** Sentinels the kernel counts with rather than passes (`PERF_TYPE_MAX`); `__*` names are always skipped. */
  readonly skip?: readonly string[];
}

/** Where the members of a layout live inside its C type. */
export type LayoutScope =
  /** The type itself (`struct bpf_prog_info`). */
  | { readonly kind: 'whole' }
  /** The anonymous struct member of the union that holds this member (a command's attributes in `union bpf_attr`). */
  | { readonly kind: 'anonymous'; readonly anchor: string }
  /** A named member (`union bpf_attr`'s `test`, `info`, `link_create`...). */
  | { readonly kind: 'named'; readonly member: string };

/** A member by name (looked for through anonymous structs and unions too), or the first anonymous union. */
export type MemberRef = string | { readonly anonymousUnion: true };

/** How a layout's size entry is computed. */
export type SizeRule =
  /** sizeof the whole C type. */
  | { readonly kind: 'sizeof' }
  /**
   * The end of one member: how many bytes tsbpf passes. Newer members after it are left out on purpose,
   * so an older kernel (which accepts a shorter attr as long as its unknown tail is zero) still takes it.
   */
  | { readonly kind: 'through'; readonly member: string };

export interface LayoutSpec {
  readonly exportName: string;
  readonly comment: string;
  readonly type: { readonly kind: 'struct' | 'union'; readonly name: string };
  readonly scope: LayoutScope;
  /** Key in the output → member; a plain string key names the member of the same name. */
  readonly members: readonly (string | readonly [key: string, member: MemberRef])[];
  /** The key the size goes under (`size`, or `total` where `size` is a member) and how it is computed. */
  readonly sizeKey: string;
  readonly size: SizeRule;
}

const PERF = 'include/uapi/linux/perf_event.h';

export const ENUMS: readonly EnumSpec[] = [
  { exportName: 'BpfCommand', comment: '`enum bpf_cmd`.', source: { name: 'bpf_cmd' }, prefixes: ['BPF_'] },
  { exportName: 'MapTypeId', comment: '`enum bpf_map_type`.', source: { name: 'bpf_map_type' }, prefixes: ['BPF_MAP_TYPE_'] },
  { exportName: 'RingbufHeader', comment: 'The BPF ring buffer record header: the anonymous enum holding BPF_RINGBUF_BUSY_BIT, DISCARD_BIT, HDR_SZ.', source: { containing: 'BPF_RINGBUF_BUSY_BIT' }, prefixes: ['BPF_RINGBUF_'] },
  { exportName: 'PerfRecordType', comment: `\`enum perf_event_type\`: the records of a perf ring (${PERF}).`, source: { name: 'perf_event_type' }, prefixes: ['PERF_RECORD_'] },
  { exportName: 'ProgramTypeId', comment: '`enum bpf_prog_type`.', source: { name: 'bpf_prog_type' }, prefixes: ['BPF_PROG_TYPE_'] },
  { exportName: 'AttachTypeId', comment: '`enum bpf_attach_type`.', source: { name: 'bpf_attach_type' }, prefixes: ['BPF_'] },
  { exportName: 'LinkTypeId', comment: '`enum bpf_link_type`.', source: { name: 'bpf_link_type' }, prefixes: ['BPF_LINK_TYPE_'] },
  { exportName: 'StatsType', comment: '`enum bpf_stats_type`.', source: { name: 'bpf_stats_type' }, prefixes: ['BPF_STATS_'] },
  {
    exportName: 'UpdateFlags', comment: 'Flags of BPF_MAP_UPDATE_ELEM and the batch commands (the anonymous enum holding BPF_ANY).',
    source: { containing: 'BPF_ANY' }, prefixes: ['BPF_F_', 'BPF_'],
  },
  {
    exportName: 'MapFlags', comment: '`map_flags` of BPF_MAP_CREATE (the anonymous enum holding BPF_F_NO_PREALLOC).',
    source: { containing: 'BPF_F_NO_PREALLOC' }, prefixes: ['BPF_F_'],
  },
  {
    exportName: 'FileFlags', comment: '`file_flags` of BPF_OBJ_GET and `open_flags` of the *_GET_FD_BY_ID commands (from the map-flags enum).',
    source: { containing: 'BPF_F_NO_PREALLOC' }, prefixes: ['BPF_F_'], only: ['BPF_F_RDONLY', 'BPF_F_WRONLY'],
  },
  { exportName: 'PerfType', comment: `\`enum perf_type_id\` (${PERF}).`, source: { name: 'perf_type_id' }, prefixes: ['PERF_TYPE_'], skip: ['PERF_TYPE_MAX'] },
  {
    exportName: 'PerfSoftwareEvent', comment: `\`enum perf_sw_ids\` (${PERF}).`, source: { name: 'perf_sw_ids' },
    prefixes: ['PERF_COUNT_SW_'], skip: ['PERF_COUNT_SW_MAX'],
  },
];

/** `enum bpf_func_id` becomes HELPER_NAMES, indexed by id, each name without its BPF_FUNC_ prefix. */
export const HELPERS = { exportName: 'HELPER_NAMES', enumName: 'bpf_func_id', prefix: 'BPF_FUNC_' } as const;

const BPF_ATTR = { kind: 'union', name: 'bpf_attr' } as const;

export const LAYOUTS: readonly LayoutSpec[] = [
  {
    exportName: 'MapCreateAttr', comment: 'BPF_MAP_CREATE.', type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'map_type' },
    members: ['map_type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'inner_map_fd', 'numa_node', 'map_name',
      'map_ifindex', 'btf_fd', 'btf_key_type_id', 'btf_value_type_id', 'btf_vmlinux_value_type_id', 'map_extra',
      'value_type_btf_obj_fd', 'map_token_fd'],
    sizeKey: 'size', size: { kind: 'through', member: 'map_extra' },
  },
  {
    exportName: 'MapElemAttr', comment: 'BPF_MAP_*_ELEM and BPF_MAP_GET_NEXT_KEY.', type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'key' },
    members: ['map_fd', 'key', 'value', 'next_key', 'flags'], sizeKey: 'size', size: { kind: 'through', member: 'flags' },
  },
  {
    exportName: 'MapBatchAttr', comment: 'BPF_MAP_*_BATCH.', type: BPF_ATTR, scope: { kind: 'named', member: 'batch' },
    members: ['in_batch', 'out_batch', 'keys', 'values', 'count', 'map_fd', 'elem_flags', 'flags'],
    sizeKey: 'size', size: { kind: 'through', member: 'flags' },
  },
  {
    exportName: 'ProgLoadAttr', comment: 'BPF_PROG_LOAD.', type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'prog_type' },
    members: ['prog_type', 'insn_cnt', 'insns', 'license', 'log_level', 'log_size', 'log_buf', 'kern_version', 'prog_flags',
      'prog_name', 'prog_ifindex', 'expected_attach_type', 'prog_btf_fd', 'func_info_rec_size', 'func_info', 'func_info_cnt',
      'line_info_rec_size', 'line_info', 'line_info_cnt', 'attach_btf_id', 'attach_prog_fd', 'attach_btf_obj_fd',
      'core_relo_cnt', 'fd_array', 'core_relos', 'core_relo_rec_size', 'log_true_size', 'prog_token_fd', 'fd_array_cnt'],
    sizeKey: 'size', size: { kind: 'through', member: 'log_true_size' },
  },
  {
    exportName: 'ObjPinAttr', comment: 'BPF_OBJ_PIN and BPF_OBJ_GET.', type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'pathname' },
    members: ['pathname', 'bpf_fd', 'file_flags', 'path_fd'], sizeKey: 'size', size: { kind: 'through', member: 'file_flags' },
  },
  {
    exportName: 'ProgAttachAttr', comment: 'BPF_PROG_ATTACH and BPF_PROG_DETACH.', type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'attach_bpf_fd' },
    members: ['target_fd', 'attach_bpf_fd', 'attach_type', 'attach_flags', 'replace_bpf_fd', 'relative_fd', 'expected_revision'],
    sizeKey: 'size', size: { kind: 'through', member: 'replace_bpf_fd' },
  },
  {
    exportName: 'TestRunAttr', comment: 'BPF_PROG_TEST_RUN.', type: BPF_ATTR, scope: { kind: 'named', member: 'test' },
    members: ['prog_fd', 'retval', 'data_size_in', 'data_size_out', 'data_in', 'data_out', 'repeat', 'duration', 'ctx_size_in',
      'ctx_size_out', 'ctx_in', 'ctx_out', 'flags', 'cpu', 'batch_size'],
    sizeKey: 'size', size: { kind: 'through', member: 'batch_size' },
  },
  {
    exportName: 'GetIdAttr', comment: 'BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID (`id` is the prog_id/map_id/btf_id/link_id union).',
    type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'start_id' },
    members: ['start_id', ['id', 'prog_id'], 'next_id', 'open_flags'], sizeKey: 'size', size: { kind: 'through', member: 'open_flags' },
  },
  {
    exportName: 'InfoAttr', comment: 'BPF_OBJ_GET_INFO_BY_FD.', type: BPF_ATTR, scope: { kind: 'named', member: 'info' },
    members: ['bpf_fd', 'info_len', 'info'], sizeKey: 'size', size: { kind: 'through', member: 'info' },
  },
  {
    exportName: 'BtfLoadAttr', comment: 'BPF_BTF_LOAD.', type: BPF_ATTR, scope: { kind: 'anonymous', anchor: 'btf_log_buf' },
    members: ['btf', 'btf_log_buf', 'btf_size', 'btf_log_size', 'btf_log_level', 'btf_log_true_size', 'btf_flags', 'btf_token_fd'],
    sizeKey: 'size', size: { kind: 'through', member: 'btf_log_level' },
  },
  {
    exportName: 'EnableStatsAttr', comment: 'BPF_ENABLE_STATS.', type: BPF_ATTR, scope: { kind: 'named', member: 'enable_stats' },
    members: ['type'], sizeKey: 'size', size: { kind: 'through', member: 'type' },
  },
  {
    exportName: 'ProgBindMapAttr', comment: 'BPF_PROG_BIND_MAP.', type: BPF_ATTR, scope: { kind: 'named', member: 'prog_bind_map' },
    members: ['prog_fd', 'map_fd', 'flags'], sizeKey: 'size', size: { kind: 'through', member: 'flags' },
  },
  {
    exportName: 'LinkCreateAttr', comment: 'BPF_LINK_CREATE: the common head, target_btf_id, and the per-link-type members (the size covers every one).', type: BPF_ATTR, scope: { kind: 'named', member: 'link_create' },
    members: ['prog_fd', 'target_fd', 'attach_type', 'flags', 'target_btf_id', 'iter_info', 'iter_info_len',
      ['perf_event_bpf_cookie', 'perf_event.bpf_cookie'], ['tracing_cookie', 'tracing.cookie'],
      ['kprobe_multi_flags', 'kprobe_multi.flags'], ['kprobe_multi_cnt', 'kprobe_multi.cnt'], ['kprobe_multi_syms', 'kprobe_multi.syms'],
      ['kprobe_multi_addrs', 'kprobe_multi.addrs'], ['kprobe_multi_cookies', 'kprobe_multi.cookies'],
      ['netfilter_pf', 'netfilter.pf'], ['netfilter_hooknum', 'netfilter.hooknum'], ['netfilter_priority', 'netfilter.priority'], ['netfilter_flags', 'netfilter.flags'],
      ['tcx_relative_fd', 'tcx.relative_fd'], ['tcx_expected_revision', 'tcx.expected_revision'],
      ['uprobe_multi_path', 'uprobe_multi.path'], ['uprobe_multi_offsets', 'uprobe_multi.offsets'], ['uprobe_multi_ref_ctr_offsets', 'uprobe_multi.ref_ctr_offsets'],
      ['uprobe_multi_cookies', 'uprobe_multi.cookies'], ['uprobe_multi_cnt', 'uprobe_multi.cnt'], ['uprobe_multi_flags', 'uprobe_multi.flags'], ['uprobe_multi_pid', 'uprobe_multi.pid']],
    sizeKey: 'size', size: { kind: 'through', member: 'uprobe_multi.pid' },
  },
  {
    exportName: 'RawTracepointOpenAttr', comment: 'BPF_RAW_TRACEPOINT_OPEN.', type: BPF_ATTR, scope: { kind: 'named', member: 'raw_tracepoint' },
    members: ['name', 'prog_fd'], sizeKey: 'size', size: { kind: 'through', member: 'prog_fd' },
  },
  {
    exportName: 'ProgQueryAttr', comment: 'BPF_PROG_QUERY.', type: BPF_ATTR, scope: { kind: 'named', member: 'query' },
    members: ['target_fd', 'attach_type', 'query_flags', 'attach_flags', 'prog_ids', 'prog_cnt', 'prog_attach_flags'],
    sizeKey: 'size', size: { kind: 'through', member: 'prog_attach_flags' },
  },
  {
    exportName: 'TaskFdQueryAttr', comment: 'BPF_TASK_FD_QUERY.', type: BPF_ATTR, scope: { kind: 'named', member: 'task_fd_query' },
    members: ['pid', 'fd', 'flags', 'buf_len', 'buf', 'prog_id', 'fd_type', 'probe_offset', 'probe_addr'],
    sizeKey: 'size', size: { kind: 'through', member: 'probe_addr' },
  },
  {
    exportName: 'LinkUpdateAttr', comment: 'BPF_LINK_UPDATE.', type: BPF_ATTR, scope: { kind: 'named', member: 'link_update' },
    members: ['link_fd', 'new_prog_fd', 'flags', 'old_prog_fd'], sizeKey: 'size', size: { kind: 'through', member: 'old_prog_fd' },
  },
  {
    exportName: 'IterCreateAttr', comment: 'BPF_ITER_CREATE.', type: BPF_ATTR, scope: { kind: 'named', member: 'iter_create' },
    members: ['link_fd', 'flags'], sizeKey: 'size', size: { kind: 'through', member: 'flags' },
  },
  {
    exportName: 'LinkDetachAttr', comment: 'BPF_LINK_DETACH.', type: BPF_ATTR, scope: { kind: 'named', member: 'link_detach' },
    members: ['link_fd'], sizeKey: 'size', size: { kind: 'through', member: 'link_fd' },
  },
  {
    exportName: 'ProgInfoLayout', comment: '`struct bpf_prog_info`: offsets and total size. `gpl_compatible:1` is a bitfield: its entry is the byte holding its bit 0.',
    type: { kind: 'struct', name: 'bpf_prog_info' }, scope: { kind: 'whole' },
    members: ['type', 'id', 'tag', 'jited_prog_len', 'xlated_prog_len', 'jited_prog_insns', 'xlated_prog_insns', 'load_time',
      'created_by_uid', 'nr_map_ids', 'map_ids', 'name', 'ifindex', 'gpl_compatible', 'netns_dev', 'netns_ino', 'nr_jited_ksyms',
      'nr_jited_func_lens', 'jited_ksyms', 'jited_func_lens', 'btf_id', 'func_info_rec_size', 'func_info', 'nr_func_info',
      'nr_line_info', 'line_info', 'jited_line_info', 'nr_jited_line_info', 'line_info_rec_size', 'jited_line_info_rec_size',
      'nr_prog_tags', 'prog_tags', 'run_time_ns', 'run_cnt', 'recursion_misses', 'verified_insns', 'attach_btf_obj_id', 'attach_btf_id'],
    sizeKey: 'size', size: { kind: 'sizeof' },
  },
  {
    exportName: 'MapInfoLayout', comment: '`struct bpf_map_info`.', type: { kind: 'struct', name: 'bpf_map_info' }, scope: { kind: 'whole' },
    members: ['type', 'id', 'key_size', 'value_size', 'max_entries', 'map_flags', 'name', 'ifindex', 'btf_vmlinux_value_type_id',
      'netns_dev', 'netns_ino', 'btf_id', 'btf_key_type_id', 'btf_value_type_id', 'btf_vmlinux_id', 'map_extra', 'hash', 'hash_size'],
    sizeKey: 'size', size: { kind: 'sizeof' },
  },
  {
    exportName: 'BtfInfoLayout', comment: '`struct bpf_btf_info`.', type: { kind: 'struct', name: 'bpf_btf_info' }, scope: { kind: 'whole' },
    members: ['btf', 'btf_size', 'id', 'name', 'name_len', 'kernel_btf'], sizeKey: 'size', size: { kind: 'sizeof' },
  },
  {
    exportName: 'LinkInfoLayout', comment: '`struct bpf_link_info`: the common head and where the per-type union starts.',
    type: { kind: 'struct', name: 'bpf_link_info' }, scope: { kind: 'whole' },
    members: ['type', 'id', 'prog_id', ['union', { anonymousUnion: true }]], sizeKey: 'size', size: { kind: 'sizeof' },
  },
  {
    exportName: 'PerfEventAttrLayout',
    comment: `\`struct perf_event_attr\` (${PERF}). \`flags\` is the byte holding the first bitfield (\`disabled\`); \`total\` is PERF_ATTR_SIZE_VER8, the end of config3.`,
    type: { kind: 'struct', name: 'perf_event_attr' }, scope: { kind: 'whole' },
    members: ['type', 'size', 'config', 'sample_period', 'sample_freq', 'sample_type', 'read_format', ['flags', 'disabled'],
      'wakeup_events', 'wakeup_watermark', 'bp_type', 'config1', 'config2'],
    sizeKey: 'total', size: { kind: 'through', member: 'config3' },
  },
  {
    exportName: 'PerfMmapPageLayout', comment: `\`struct perf_event_mmap_page\` (${PERF}): the perf ring's control page; the reader publishes data_tail.`,
    type: { kind: 'struct', name: 'perf_event_mmap_page' }, scope: { kind: 'whole' },
    members: ['data_head', 'data_tail', 'data_offset', 'data_size'], sizeKey: 'size', size: { kind: 'sizeof' },
  },
  {
    exportName: 'PerfEventHeaderLayout', comment: `\`struct perf_event_header\` (${PERF}): the head of every record in a perf ring.`,
    type: { kind: 'struct', name: 'perf_event_header' }, scope: { kind: 'whole' },
    members: ['type', 'misc', 'size'], sizeKey: 'total', size: { kind: 'sizeof' },
  },
];

/** sizeof(union bpf_attr): every command's buffer is this large and zeroed beyond its members. */
export const ATTR_SIZE = { exportName: 'BPF_ATTR_SIZE', type: BPF_ATTR } as const;

/** Whole-type sizes exported as constants. */
export const SIZES: readonly { readonly exportName: string; readonly comment: string; readonly type: { readonly kind: 'struct' | 'union'; readonly name: string } }[] = [
  { exportName: 'INSTRUCTION_SIZE', comment: 'sizeof(struct bpf_insn).', type: { kind: 'struct', name: 'bpf_insn' } },
];

/**
 * One-bit bitfields that tsbpf sets through a single u64 word: each becomes `1n << bit`, the bit
 * counted from the first bitfield of the word (`perf_event_attr.flags` in PerfEventAttrLayout).
 */
export const BITFIELD_FLAGS: readonly {
  readonly exportName: string;
  readonly comment: string;
  readonly type: { readonly kind: 'struct' | 'union'; readonly name: string };
  readonly first: string;
  readonly members: readonly (readonly [key: string, member: string])[];
}[] = [
  {
    exportName: 'PerfAttrFlags', comment: `\`perf_event_attr\` bitfields after read_format, as bits of the u64 at PerfEventAttrLayout.flags (${PERF}).`,
    type: { kind: 'struct', name: 'perf_event_attr' }, first: 'disabled',
    members: [['DISABLED', 'disabled'], ['INHERIT', 'inherit'], ['EXCLUDE_KERNEL', 'exclude_kernel'], ['EXCLUDE_HV', 'exclude_hv'],
      ['FREQ', 'freq'], ['WATERMARK', 'watermark']],
  },
];

/** Single enumerators exported as constants, from enums too large to export whole. */
export const ENUM_VALUES: readonly { readonly exportName: string; readonly comment: string; readonly enumName: string; readonly enumerator: string }[] = [
  { exportName: 'PERF_SAMPLE_RAW', comment: `PERF_SAMPLE_RAW of \`enum perf_event_sample_format\` (${PERF}).`, enumName: 'perf_event_sample_format', enumerator: 'PERF_SAMPLE_RAW' },
];
