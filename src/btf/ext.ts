/**
 * `.BTF.ext`: what clang says about the code beside the types in .BTF: where each function starts
 * (func_info), the source line of each instruction (line_info) and the CO-RE relocations. Layout from
 * the kernel's struct btf_ext_header and libbpf's reader: a header, then three blocks at offsets
 * relative to the header's end, each a u32 record size followed by per-section groups of
 * (sec_name_off, num_info, num_info records). Strings (section names, file names, source lines,
 * access strings) are offsets into the .BTF string table, resolved by the caller's `string` function
 * (BtfSource.string).
 */
import { BtfExtError } from './ext-error.js';
import {
  CORE_RELOCATION_KIND_NAMES, type BtfExtSection, type CoreRelocation, type FuncInfo, type LineInfo,
} from './ext-records.js';
import { INSTRUCTION_BYTES as INSTRUCTION_SIZE } from '../asm/instruction.js';

export { BtfExtError } from './ext-error.js';
export * from './ext-records.js';

export const BTF_EXT_MAGIC = 0xeb9f;
/** The header up to line_info_len; core_relo_off/len were added after. */
const MIN_HEADER_SIZE = 24;
const HEADER_WITH_CORE_SIZE = 32;
/** Smallest record sizes (a producer may write larger records; the known prefix is read). */
const FUNC_INFO_MIN_SIZE = 8;
const LINE_INFO_MIN_SIZE = 16;
const CORE_RELO_MIN_SIZE = 16;

export interface BtfExtHeader {
  readonly version: number;
  readonly flags: number;
  readonly headerLength: number;
  /** Offsets are relative to the end of the header, as stored. */
  readonly funcInfoOffset: number;
  readonly funcInfoLength: number;
  readonly lineInfoOffset: number;
  readonly lineInfoLength: number;
  /** 0 when the header is too short to have them. */
  readonly coreRelocationOffset: number;
  readonly coreRelocationLength: number;
}

export interface BtfExt {
  readonly littleEndian: boolean;
  readonly header: BtfExtHeader;
  /** Record sizes as stored (0 for an empty block). */
  readonly funcInfoRecordSize: number;
  readonly lineInfoRecordSize: number;
  readonly coreRelocationRecordSize: number;
  readonly funcInfo: readonly BtfExtSection<FuncInfo>[];
  readonly lineInfo: readonly BtfExtSection<LineInfo>[];
  readonly coreRelocations: readonly BtfExtSection<CoreRelocation>[];
}

/**
 * Parses a .BTF.ext section. The byte order is the magic's (0xeB9F). `string` resolves offsets
 * in the matching .BTF's string table; an offset it can't resolve should throw a TsbpfError.
 */
export function parseBtfExt(bytes: Uint8Array, string: (offset: number) => string): BtfExt {
  if (bytes.length < 4) throw new BtfExtError(0, `${bytes.length} bytes is too short for a .BTF.ext header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian: boolean;
  if (view.getUint16(0, true) === BTF_EXT_MAGIC) littleEndian = true;
  else if (view.getUint16(0, false) === BTF_EXT_MAGIC) littleEndian = false;
  else throw new BtfExtError(0, `bad magic 0x${view.getUint16(0, true).toString(16)} (expected 0xeb9f in either byte order)`, 'pass the bytes of the .BTF.ext section');
  const version = bytes[2]!;
  if (version !== 1) throw new BtfExtError(2, `unsupported .BTF.ext version ${version} (only 1 exists)`);
  const u32 = (offset: number, what: string): number => {
    if (offset + 4 > bytes.length) throw new BtfExtError(offset, `${what} runs past the end of the ${bytes.length}-byte section`);
    return view.getUint32(offset, littleEndian);
  };
  const headerLength = u32(4, 'hdr_len');
  if (headerLength < MIN_HEADER_SIZE) throw new BtfExtError(4, `hdr_len ${headerLength} is shorter than the ${MIN_HEADER_SIZE}-byte minimum header`);
  if (headerLength > bytes.length) throw new BtfExtError(4, `hdr_len ${headerLength} runs past the end of the ${bytes.length}-byte section`);
  const hasCore = headerLength >= HEADER_WITH_CORE_SIZE;
  const header: BtfExtHeader = {
    version,
    flags: bytes[3]!,
    headerLength,
    funcInfoOffset: u32(8, 'func_info_off'),
    funcInfoLength: u32(12, 'func_info_len'),
    lineInfoOffset: u32(16, 'line_info_off'),
    lineInfoLength: u32(20, 'line_info_len'),
    coreRelocationOffset: hasCore ? u32(24, 'core_relo_off') : 0,
    coreRelocationLength: hasCore ? u32(28, 'core_relo_len') : 0,
  };

  const context: BlockContext = { bytes, u32, string, headerLength };
  const funcInfo = readBlock(context, 'func_info', 8, header.funcInfoOffset, header.funcInfoLength, FUNC_INFO_MIN_SIZE, (at): FuncInfo => {
    const insnOffset = u32(at, 'func_info insn_off');
    return { insnOffset, instruction: insnOffset / INSTRUCTION_SIZE, typeId: u32(at + 4, 'func_info type_id') };
  });
  const lineInfo = readBlock(context, 'line_info', 16, header.lineInfoOffset, header.lineInfoLength, LINE_INFO_MIN_SIZE, (at): LineInfo => {
    const insnOffset = u32(at, 'line_info insn_off');
    const fileNameOffset = u32(at + 4, 'line_info file_name_off');
    const lineOffset = u32(at + 8, 'line_info line_off');
    const lineColumn = u32(at + 12, 'line_info line_col');
    return {
      insnOffset,
      instruction: insnOffset / INSTRUCTION_SIZE,
      fileNameOffset,
      fileName: resolve(context, fileNameOffset, at + 4, 'file name'),
      lineOffset,
      lineText: resolve(context, lineOffset, at + 8, 'source line'),
      lineColumn,
      line: lineColumn >>> 10,
      column: lineColumn & 0x3ff,
    };
  });
  const coreRelocations = hasCore
    ? readBlock(context, 'core_relo', 24, header.coreRelocationOffset, header.coreRelocationLength, CORE_RELO_MIN_SIZE, (at): CoreRelocation => {
        const insnOffset = u32(at, 'core_relo insn_off');
        const accessStringOffset = u32(at + 8, 'core_relo access_str_off');
        const kind = u32(at + 12, 'core_relo kind');
        return {
          insnOffset,
          instruction: insnOffset / INSTRUCTION_SIZE,
          typeId: u32(at + 4, 'core_relo type_id'),
          accessStringOffset,
          accessString: resolve(context, accessStringOffset, at + 8, 'access string'),
          kind,
          kindName: CORE_RELOCATION_KIND_NAMES[kind] ?? `unknown (${kind})`,
        };
      })
    : [];
  return {
    littleEndian,
    header,
    funcInfoRecordSize: header.funcInfoLength ? u32(headerLength + header.funcInfoOffset, 'func_info rec_size') : 0,
    lineInfoRecordSize: header.lineInfoLength ? u32(headerLength + header.lineInfoOffset, 'line_info rec_size') : 0,
    coreRelocationRecordSize: header.coreRelocationLength ? u32(headerLength + header.coreRelocationOffset, 'core_relo rec_size') : 0,
    funcInfo,
    lineInfo,
    coreRelocations,
  };
}

interface BlockContext {
  readonly bytes: Uint8Array;
  readonly u32: (offset: number, what: string) => number;
  readonly string: (offset: number) => string;
  readonly headerLength: number;
}

/** A string through the caller's resolver; an empty result for a nonzero offset is kept as ''. */
function resolve(context: BlockContext, offset: number, fieldAt: number, what: string): string {
  const text = context.string(offset);
  if (typeof text !== 'string') throw new BtfExtError(fieldAt, `the ${what} at string offset ${offset} did not resolve`);
  return text;
}

/**
 * One of the three blocks: `rec_size`, then groups of (sec_name_off, num_info, records) until the
 * block's end. `offsetField` is where the header stores the block's offset, for error messages.
 */
function readBlock<Record>(
  context: BlockContext,
  name: string,
  offsetField: number,
  offset: number,
  length: number,
  minimumRecordSize: number,
  readRecord: (at: number) => Record,
): BtfExtSection<Record>[] {
  if (length === 0) return [];
  const { bytes, u32, headerLength } = context;
  // Both sums stay far below 2^53, so plain addition cannot overflow.
  const start = headerLength + offset;
  const end = start + length;
  if (start > bytes.length || end > bytes.length) {
    throw new BtfExtError(offsetField, `the ${name} block (offset ${offset}, length ${length} after the header) runs past the end of the ${bytes.length}-byte section`);
  }
  if (length < 4) throw new BtfExtError(start, `the ${name} block is ${length} bytes, too short for its record size`);
  const recordSize = u32(start, `${name} rec_size`);
  if (recordSize < minimumRecordSize || recordSize % 4 !== 0) {
    throw new BtfExtError(start, `${name} record size ${recordSize} is invalid (at least ${minimumRecordSize} and a multiple of 4)`);
  }
  const sections: BtfExtSection<Record>[] = [];
  let at = start + 4;
  while (at < end) {
    if (end - at < 8) throw new BtfExtError(at, `${name} section header is cut short by the end of the block`);
    const sectionNameOffset = u32(at, `${name} sec_name_off`);
    const count = u32(at + 4, `${name} num_info`);
    if (count === 0) throw new BtfExtError(at + 4, `${name} section group has num_info 0`);
    const recordsAt = at + 8;
    if (count > (end - recordsAt) / recordSize) {
      throw new BtfExtError(at + 4, `${name} section group of ${count} records of ${recordSize} bytes runs past the end of the block`);
    }
    const section = resolve(context, sectionNameOffset, at, 'section name');
    const records: Record[] = new Array<Record>(count);
    for (let index = 0; index < count; index++) {
      const recordAt = recordsAt + index * recordSize;
      // Every record starts with insn_off, a byte offset of an 8-byte instruction.
      const insnOffset = u32(recordAt, `${name} insn_off`);
      if (insnOffset % INSTRUCTION_SIZE !== 0) throw new BtfExtError(recordAt, `${name} insn_off ${insnOffset} is not a multiple of the ${INSTRUCTION_SIZE}-byte instruction size`);
      records[index] = readRecord(recordAt);
    }
    sections.push({ sectionNameOffset, section, records });
    at = recordsAt + count * recordSize;
  }
  return sections;
}
