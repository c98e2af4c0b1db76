/**
 * BTF as a C header: the output of `bpftool btf dump file F format c` (bpftool 7.1, libbpf 1.1),
 * byte for byte, for vmlinux, module (split) BTF and BPF objects.
 *
 * Two passes per requested type, as libbpf's btf_dump does:
 *  1. ordering: a depth-first walk that queues every named definition the type needs, dependencies
 *     first. A dependency reached through a pointer is "weak" (a forward declaration will do), one
 *     embedded by value is "strong" (the full definition must come first). Anonymous types are
 *     written inline where used, so they pass strong dependencies through to their user.
 *  2. emission: each queued type is printed, after any forward declarations that pointer cycles
 *     require. State is kept across requests, so each type is printed once however often it is
 *     needed.
 * Declarators (pointers, arrays, function prototypes, qualifiers) are written by dump-c-declarator
 * logic below; layout questions (packing, padding) by dump-c-layout and dump-c-padding.
 */
import { BtfDumpError, MAX_DUMP_DEPTH } from './dump-c-error.js';
import { type FlatBtf, flatten } from './dump-c-flat.js';
import { CLayout, pointerSizeOf } from './dump-c-layout.js';
import { NameTable } from './dump-c-names.js';
import { PaddingWriter } from './dump-c-padding.js';
import { ByteWriter } from './dump-c-writer.js';
import { BtfKind, type BtfSource } from './types.js';

export interface FormatCOptions {
  /**
   * Types to dump (with everything they need), in this order; every type when absent, as
   * `bpftool btf dump ... format c` does. For split BTF "every type" includes the base's.
   */
  readonly rootTypeIds?: readonly number[];
}

export { BtfDumpError } from './dump-c-error.js';

const HEADER = '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n'
  + '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n'
  + '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n'
  + '#endif\n\n';
const FOOTER = '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';

/** The C header bpftool prints for `btf`. */
export function formatBtfAsC(btf: BtfSource, options: FormatCOptions = {}): string {
  return new TextDecoder().decode(formatBtfAsCBytes(btf, options));
}

/** formatBtfAsC's output as UTF-8 bytes, ready for a file or stdout (the CLI's fast path). */
export function formatBtfAsCBytes(btf: BtfSource, options: FormatCOptions = {}): Uint8Array {
  const out = new ByteWriter(btf.typeCount * 24 + 4096);
  const dumper = new CDumper(flatten(btf), out);
  out.text(HEADER);
  if (options.rootTypeIds) {
    for (const id of options.rootTypeIds) dumper.dumpType(id);
  } else {
    dumper.dumpAll();
  }
  out.text(FOOTER);
  return out.result();
}

/** Kinds (a bit each) that order() marks ordered and nothing else: no definition, no dependency. */
const SILENT_KINDS = (1 << BtfKind.Func) | (1 << BtfKind.Var) | (1 << BtfKind.Datasec) | (1 << BtfKind.DeclTag);

// Ordering and emission states per type id (0 is "not yet" for both).
const ORDERING = 1, ORDERED = 2;
const NOT_EMITTED = 0, EMITTING = 1, EMITTED = 2;

/**
 * Bit positions inside a struct are C `int`s in libbpf's dumper: a member at or past bit 2^31 (or a
 * struct of 2^28 bytes or more) overflows them and bpftool prints negative paddings, so such a
 * layout is refused rather than imitated.
 */
const MAX_BIT_POSITION = 0x7fffffff;
/**
 * The widest gap one padding run may fill: 2 MiB (2^24 bits, as far as a kind_flag member offset
 * reaches), 262 144 `long: 64;` lines. vmlinux's widest gap is 4 KiB (511 lines, page-aligned
 * members); a wider one is a malformed offset or size, and filling it line by line is how a few
 * flipped bits made hundreds of megabytes of output.
 */
const MAX_PADDING_BITS = 1 << 24;

/** Deeper nesting is printed at this many tabs, as libbpf caps its indent string. */
const MAX_INDENT = 13;
function indent(level: number): number {
  return level > MAX_INDENT ? MAX_INDENT : level;
}

/**
 * Typedef targets that compilers other than the one that built the kernel may lack; they are
 * aliased to the standard type they stand for (GCC's Arm SIMD polynomial types).
 */
const MISSING_BASE_TYPES = new Map([
  ['__Poly8_t', 'unsigned char'], ['__Poly16_t', 'unsigned short'], ['__Poly64_t', 'unsigned long long'],
  ['__Poly128_t', 'unsigned __int128'],
]);


class CDumper {
  private readonly count: number;
  /** The records (see dump-c-flat.ts): type `id`'s fields are words[at[id] + k]. */
  private readonly words: Int32Array;
  private readonly at: Int32Array;
  private readonly orderState: Uint8Array;
  private readonly emitState: Uint8Array;
  private readonly forwardEmitted: Uint8Array;
  /** Types some other type refers to: an anonymous enum nobody refers to is a top-level definition. */
  private readonly referenced: Uint8Array;
  /** Definitions to print for the current request, in order (each type is queued at most once). */
  private readonly queue: Int32Array;
  private queueLength = 0;
  /**
   * Declarator chains: writeDeclaration pushes one on top of the shared stack and writeChain
   * consumes it from the top; `frameBase`/`frameCount` describe the chain being written (a nested
   * declaration, such as a parameter, saves and restores them).
   */
  private readonly stack: number[] = [];
  private stackTop = 0;
  private frameBase = 0;
  private frameCount = 0;
  private readonly names: NameTable;
  private readonly layout: CLayout;
  private readonly padding: PaddingWriter;
  /** Nesting of order(), emit() and writeDeclaration() calls, bounded by MAX_DUMP_DEPTH. */
  private depth = 0;

  constructor(flat: FlatBtf, private readonly out: ByteWriter) {
    const count = (this.count = flat.count);
    this.words = flat.words;
    this.at = flat.at;
    this.referenced = flat.referenced;
    this.queue = new Int32Array(count);
    this.orderState = new Uint8Array(count);
    this.emitState = new Uint8Array(count);
    this.forwardEmitted = new Uint8Array(count);
    this.orderState[0] = ORDERED;
    this.emitState[0] = EMITTED;
    this.names = new NameTable(flat);
    const pointerSize = pointerSizeOf(flat);
    this.layout = new CLayout(flat, pointerSize);
    this.padding = new PaddingWriter(pointerSize);
  }

  /** BtfKind of `id` (0 for void). */
  private kindOf(id: number): number {
    return (this.words[this.at[id]! + 1]! >>> 24) & 0x1f;
  }

  /** The size-or-type word: a size, a referenced type, a prototype's return type. */
  private sizeOrTypeOf(id: number): number {
    return this.words[this.at[id]! + 2]! >>> 0;
  }

  private vlenOf(id: number): number {
    return this.words[this.at[id]! + 1]! & 0xffff;
  }

  /** The type of member (3 words each) or parameter (2 words) `index`. */
  private memberTypeOf(id: number, index: number): number {
    return this.words[this.at[id]! + 3 + index * 3 + 1]!;
  }

  private parameterTypeOf(id: number, index: number): number {
    return this.words[this.at[id]! + 3 + index * 2 + 1]!;
  }

  private arrayElementTypeOf(id: number): number {
    return this.words[this.at[id]! + 3]!;
  }

  /**
   * Every type in id order. Functions, variables, data sections and decl tags (two thirds of
   * vmlinux's ids) print nothing at the top level: they are marked ordered, as order() would mark
   * them, without the calls, which a cold process pays for in the interpreter.
   */
  dumpAll(): void {
    const words = this.words;
    const at = this.at;
    const orderState = this.orderState;
    for (let id = 1, n = this.count; id < n; id++) {
      if ((SILENT_KINDS >>> ((words[at[id]! + 1]! >>> 24) & 0x1f)) & 1) {
        orderState[id] = ORDERED;
        continue;
      }
      this.dumpType(id);
    }
  }

  dumpType(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.count) throw new BtfDumpError(id, 'no such type id');
    this.queueLength = 0;
    this.out.subject = id;
    this.order(id, false);
    const queue = this.queue;
    for (let i = 0; i < this.queueLength; i++) this.emit(queue[i]!, 0);
  }

  /**
   * Queues the named definitions `id` depends on, then `id` itself if it is one. Returns true when
   * the dependency is strong (the definition must precede its user), false when a forward
   * declaration suffices. Kinds whose answer depends on the path (qualifiers, arrays, prototypes)
   * are never marked ordered, so they are walked again from each user.
   */
  private order(id: number, throughPointer: boolean): boolean {
    if (++this.depth > MAX_DUMP_DEPTH) this.tooDeep(id);
    const strong = this.orderType(id, throughPointer);
    this.depth--;
    return strong;
  }

  private orderType(id: number, throughPointer: boolean): boolean {
    const state = this.orderState[id];
    if (state === ORDERED) return true;
    const kind = this.kindOf(id);
    if (state === ORDERING) {
      // A named struct can close a cycle through a pointer by a forward declaration; nothing else can.
      if ((kind === BtfKind.Struct || kind === BtfKind.Union) && throughPointer && !this.names.isAnonymous(id)) return false;
      throw new BtfDumpError(id, 'unsatisfiable type cycle');
    }
    switch (kind) {
      case BtfKind.Struct: case BtfKind.Union: {
        // Only embedded or anonymous (inline) composites need their members defined first.
        const named = !this.names.isAnonymous(id);
        if (throughPointer && named) return false;
        this.orderState[id] = ORDERING;
        for (let i = 0, n = this.vlenOf(id); i < n; i++) this.order(this.memberTypeOf(id, i), false);
        if (named) this.queue[this.queueLength++] = id;
        this.orderState[id] = ORDERED;
        return true;
      }
      case BtfKind.FuncProto: {
        let strong = this.order(this.sizeOrTypeOf(id), throughPointer);
        for (let i = 0, n = this.vlenOf(id); i < n; i++) if (this.order(this.parameterTypeOf(id, i), throughPointer)) strong = true;
        return strong;
      }
      case BtfKind.Pointer: {
        const strong = this.order(this.sizeOrTypeOf(id), true);
        this.orderState[id] = ORDERED;
        return strong;
      }
      case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        return this.order(this.sizeOrTypeOf(id), throughPointer);
      case BtfKind.Enum: case BtfKind.Enum64: case BtfKind.Fwd:
        if (!this.names.isAnonymous(id) || !this.referenced[id]) this.queue[this.queueLength++] = id;
        this.orderState[id] = ORDERED;
        return true;
      case BtfKind.Int: case BtfKind.Float:
      case BtfKind.Func: case BtfKind.Var: case BtfKind.Datasec: case BtfKind.DeclTag:
        // Functions, variables, data sections and decl tags are not part of a C header.
        this.orderState[id] = ORDERED;
        return false;
      default:
        break;
    }
    switch (kind) {
      case BtfKind.Array:
        return this.order(this.arrayElementTypeOf(id), false);
      case BtfKind.Typedef: {
        const strong = this.order(this.sizeOrTypeOf(id), throughPointer);
        // Like a struct, a typedef reached through a pointer to something weak can wait.
        if (throughPointer && !strong) return false;
        this.queue[this.queueLength++] = id;
        this.orderState[id] = ORDERED;
        return true;
      }
      default:
        this.orderState[id] = ORDERED;
        return false;
    }
  }

  /**
   * Prints `id` if it is a top-level definition (`container` 0), or what it needs when it is part
   * of the definition of `container` (a struct being printed, or a typedef).
   */
  private emit(id: number, container: number): void {
    if (++this.depth > MAX_DUMP_DEPTH) this.tooDeep(id);
    this.emitType(id, container);
    this.depth--;
  }

  private emitType(id: number, container: number): void {
    const state = this.emitState[id];
    if (state === EMITTED) return;
    const kind = this.kindOf(id);
    if (kind === BtfKind.Struct || kind === BtfKind.Union) {
      this.emitComposite(id, container, state);
      return;
    }
    // References and prototypes never change state: they pass emission on to what they refer to.
    if (kind === BtfKind.Pointer || kind === BtfKind.Volatile || kind === BtfKind.Const || kind === BtfKind.Restrict || kind === BtfKind.TypeTag) {
      if (state !== EMITTING) this.emit(this.sizeOrTypeOf(id), container);
      return;
    }
    if (kind === BtfKind.Enum || kind === BtfKind.Enum64) {
      if (state === EMITTING) return;
      if (container === 0) {
        this.writeEnum(id, 0);
        this.out.text(';\n\n');
      }
      this.emitState[id] = EMITTED;
      return;
    }
    if (kind === BtfKind.FuncProto) {
      if (state === EMITTING) return;
      this.emit(this.sizeOrTypeOf(id), container);
      for (let i = 0, n = this.vlenOf(id); i < n; i++) this.emit(this.parameterTypeOf(id, i), container);
      return;
    }
    const out = this.out;
    if (state === EMITTING) {
      // Reached again while being printed: a cycle, broken by a forward declaration.
      if (this.forwardEmitted[id]) return;
      if (kind === BtfKind.Typedef) {
        // A typedef doubles as its own forward declaration (usable through pointers).
        if (!this.isBuiltinVaList(id)) {
          this.writeTypedef(id, this.sizeOrTypeOf(id), 0);
          out.text(';\n\n');
        }
        this.forwardEmitted[id] = 1;
      }
      return;
    }
    switch (kind) {
      case BtfKind.Int: {
        // Counted in the tag namespace, as libbpf does, whether or not anything is printed.
        this.names.resolveTagName(id);
        const names = this.names;
        const offset = names.nameOffset(id);
        // only the few `__Poly*` names need a string for the lookup
        const alias = names.bytes[offset] === 0x5f && names.bytes[offset + 2] === 0x50 ? MISSING_BASE_TYPES.get(names.text(offset)) : undefined;
        if (alias !== undefined) {
          out.text(`typedef ${alias} `);
          names.writeTagName(out, id);
          out.text(';\n\n');
        }
        this.emitState[id] = EMITTED;
        break;
      }
      case BtfKind.Array:
        this.emit(this.arrayElementTypeOf(id), container);
        break;
      case BtfKind.Fwd:
        this.writeForward(id);
        out.text(';\n\n');
        this.emitState[id] = EMITTED;
        break;
      case BtfKind.Typedef:
        this.emitState[id] = EMITTING;
        this.emit(this.sizeOrTypeOf(id), id);
        if (!this.forwardEmitted[id] && !this.isBuiltinVaList(id)) {
          this.writeTypedef(id, this.sizeOrTypeOf(id), 0);
          out.text(';\n\n');
        }
        this.emitState[id] = EMITTED;
        break;
      default:
        break;
    }
  }

  /** emit() for a struct or union (`state` its emission state), read without decoding it. */
  private emitComposite(id: number, container: number, state: number): void {
    const out = this.out;
    const anonymous = this.names.isAnonymous(id);
    if (state === EMITTING) {
      // Reached again while being printed: a cycle, broken by a forward declaration.
      if (this.forwardEmitted[id] || id === container || anonymous) return;
      this.writeCompositeForward(id);
      out.text(';\n\n');
      this.forwardEmitted[id] = 1;
      return;
    }
    this.emitState[id] = EMITTING;
    const topLevel = container === 0;
    if (topLevel || anonymous) {
      // Its members will be spelled out, so whatever they need comes first.
      const inner = anonymous ? container : id;
      for (let i = 0, n = this.vlenOf(id); i < n; i++) this.emit(this.memberTypeOf(id, i), inner);
    } else if (!this.forwardEmitted[id] && id !== container) {
      this.writeCompositeForward(id);
      out.text(';\n\n');
      this.forwardEmitted[id] = 1;
    }
    if (topLevel) {
      this.writeComposite(id, 0);
      out.text(';\n\n');
      this.emitState[id] = EMITTED;
    } else {
      this.emitState[id] = NOT_EMITTED;
    }
  }

  /** `struct name` / `union name` (or the bare keyword for an anonymous one). */
  private writeCompositeForward(id: number): void {
    const out = this.out;
    out.text(this.kindOf(id) === BtfKind.Struct ? 'struct' : 'union');
    if (!this.names.isAnonymous(id)) {
      out.byte(SPACE);
      this.names.writeTagName(out, id);
    }
  }

  private writeComposite(id: number, level: number): void {
    const out = this.out;
    const layout = this.layout;
    const words = this.words;
    const record = this.at[id]!;
    const info = words[record + 1]!;
    const isStruct = ((info >>> 24) & 0x1f) === BtfKind.Struct;
    const bitfields = info < 0;
    const packed = isStruct && layout.isPacked(id);
    this.writeCompositeForward(id);
    out.text(' {');
    const memberIndent = indent(level + 1);
    let offset = 0;
    let previousWasBitfield = false;
    const n = info & 0xffff;
    for (let i = 0, m = record + 3; i < n; i++, m += 3) {
      // btf_member {name_off, type, offset}; with kind_flag, offset holds bitfield size << 24 | bit offset
      const type = words[m + 1]!;
      const rawOffset = words[m + 2]! >>> 0;
      const bits = bitfields ? rawOffset >>> 24 : 0;
      const bitOffset = bitfields ? rawOffset & 0xffffff : rawOffset;
      const memberAlign = packed ? 1 : layout.alignOf(type);
      if (bitOffset > MAX_BIT_POSITION || bitOffset - offset > MAX_PADDING_BITS) this.badLayout(id, i, offset, bitOffset);
      this.padding.write(out, offset, bitOffset, memberAlign, previousWasBitfield && bits !== 0, memberIndent);
      out.newlineIndent(memberIndent);
      this.writeDeclaration(type, words[m]!, level + 1);
      if (bits !== 0) {
        out.text(': ');
        out.unsigned(bits);
        offset = bitOffset + bits;
        previousWasBitfield = true;
      } else {
        const size = layout.sizeOf(type);
        offset = bitOffset + (size > 0 ? size * 8 : 0);
        previousWasBitfield = false;
        if (offset > MAX_BIT_POSITION) this.badLayout(id, i, bitOffset, offset);
      }
      out.byte(SEMICOLON);
    }
    const size = words[record + 2]! >>> 0;
    if (isStruct) {
      if (size * 8 > MAX_BIT_POSITION || size * 8 - offset > MAX_PADDING_BITS) this.badLayout(id, n, offset, size * 8);
      this.padding.write(out, offset, size * 8, layout.alignOf(id), false, memberIndent);
    }
    // An empty struct stays on one line.
    if (n !== 0 || size !== 0) out.newlineIndent(indent(level));
    out.byte(CLOSE_BRACE);
    if (packed) out.text(' __attribute__((packed))');
  }

  /** Says why member `index` of composite `id` (or its end, index = vlen) can't be laid out in C. */
  private badLayout(id: number, index: number, from: number, to: number): never {
    const where = index < this.vlenOf(id) ? `member ${index}` : 'the end of the struct';
    if (to > MAX_BIT_POSITION) throw new BtfDumpError(id, `${where} reaches bit ${to}, past the ${MAX_BIT_POSITION} bits C offsets (and libbpf's) can hold`);
    throw new BtfDumpError(id, `${where} is ${to - from} bits past the previous member, wider than the ${MAX_PADDING_BITS}-bit padding the dumper writes`);
  }

  /** An enum's definition, read in place (ENUM64 too: decoding one type would decode the whole string table). */
  private writeEnum(id: number, level: number): void {
    const out = this.out;
    const words = this.words;
    const names = this.names;
    const record = this.at[id]!;
    const info = words[record + 1]!;
    out.text('enum');
    if (!names.isAnonymous(id)) {
      out.byte(SPACE);
      names.writeTagName(out, id);
    }
    const n = info & 0xffff;
    if (n === 0) return;
    out.text(' {');
    const valueIndent = indent(level + 1);
    const signed = info < 0;
    if (((info >>> 24) & 0x1f) === BtfKind.Enum) {
      // btf_enum {name_off, val}
      for (let e = record + 3, end = e + n * 2; e < end; e += 2) {
        out.newlineIndent(valueIndent);
        names.writeEnumeratorName(out, words[e]!);
        out.text(' = ');
        const value = words[e + 1]!;
        out.integer(signed ? value : value >>> 0);
        out.byte(COMMA);
      }
    } else {
      // btf_enum64 {name_off, val_lo32, val_hi32}
      for (let e = record + 3, end = e + n * 3; e < end; e += 3) {
        out.newlineIndent(valueIndent);
        names.writeEnumeratorName(out, words[e]!);
        out.text(' = ');
        const low = words[e + 1]! >>> 0;
        const high = signed ? words[e + 2]! : words[e + 2]! >>> 0;
        // within ±2^53 a double holds the value exactly; beyond, BigInt
        if (high < 0x200000 && high >= -0x200000) out.integer(high * 0x100000000 + low);
        else out.text(String((BigInt(high) << 32n) | BigInt(low)));
        out.text(signed ? 'LL,' : 'ULL,');
      }
    }
    out.newlineIndent(indent(level));
    out.byte(CLOSE_BRACE);
  }

  private writeForward(id: number): void {
    this.out.text(this.words[this.at[id]! + 1]! < 0 ? 'union ' : 'struct ');
    this.names.writeTagName(this.out, id);
  }

  private writeTypedef(id: number, target: number, level: number): void {
    // Old GCC wrote this typedef with a void target; the builtin is what it means.
    // libbpf compares the resolved name: a second __gnuc_va_list (___2) is printed as it is
    if (target === 0 && this.names.equals(this.names.nameOffset(id), '__gnuc_va_list') && this.names.isFirstIdentifier(id)) {
      this.out.text('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.names.resolveIdentifierName(id);
    this.out.text('typedef ');
    // a negative name stands for the typedef's own (numbered) name, see writeName
    this.writeDeclaration(target, -id, level);
  }

  /**
   * Writes `type name` in C declarator syntax. The chain from `id` down to a named or base type is
   * pushed on the stack, then written from the base type back up (see writeChain).
   */
  private writeDeclaration(id: number, name: number, level: number): void {
    if (++this.depth > MAX_DUMP_DEPTH) this.tooDeep(id);
    const stack = this.stack;
    const base = this.stackTop;
    let top = base;
    for (;;) {
      stack[top++] = id;
      if (id === 0) break;
      if (top - base > MAX_DUMP_DEPTH) this.tooDeep(stack[base]!);
      const kind = this.kindOf(id);
      if (kind === BtfKind.Pointer || kind === BtfKind.Volatile || kind === BtfKind.Const
        || kind === BtfKind.Restrict || kind === BtfKind.TypeTag || kind === BtfKind.FuncProto) {
        // the target, or a prototype's return type
        id = this.sizeOrTypeOf(id);
      } else if (kind === BtfKind.Array) {
        id = this.arrayElementTypeOf(id);
      } else {
        break;
      }
    }
    // The common case, a single named or base type, needs no frame.
    if (top === base + 1) {
      this.writeSimple(stack[base]!, name, level);
      this.depth--;
      return;
    }
    const outerBase = this.frameBase;
    const outerCount = this.frameCount;
    this.stackTop = top;
    this.frameBase = base;
    this.frameCount = top - base;
    this.writeChain(name, level);
    this.frameBase = outerBase;
    this.frameCount = outerCount;
    this.stackTop = base;
    this.depth--;
  }

  private tooDeep(id: number): never {
    throw new BtfDumpError(id, `its types nest more than ${MAX_DUMP_DEPTH} deep (a reference loop?)`);
  }

  /** writeChain for a chain of one type (no pointers, qualifiers, arrays or prototypes). */
  private writeSimple(id: number, name: number, level: number): void {
    if (id === 0) {
      this.out.text('void');
      this.writeName(name, false);
      return;
    }
    if (!this.writeBaseType(id, level)) return;
    this.writeName(name, false);
  }

  /**
   * Writes a chain's base type: a named type, or an anonymous struct, union or enum spelled out
   * inline. Returns false for a kind that can't end a chain (nothing is written).
   */
  private writeBaseType(id: number, level: number): boolean {
    const kind = this.kindOf(id);
    if (kind === BtfKind.Struct || kind === BtfKind.Union) {
      if (this.names.isAnonymous(id)) this.writeComposite(id, level);
      else this.writeCompositeForward(id);
      return true;
    }
    if (kind === BtfKind.Enum || kind === BtfKind.Enum64) {
      if (this.names.isAnonymous(id)) {
        this.writeEnum(id, level);
      } else {
        this.out.text('enum ');
        this.names.writeTagName(this.out, id);
      }
      return true;
    }
    switch (kind) {
      case BtfKind.Int: case BtfKind.Float:
        this.names.write(this.out, this.names.nameOffset(id));
        return true;
      case BtfKind.Fwd:
        this.writeForward(id);
        return true;
      case BtfKind.Typedef:
        this.names.writeIdentifierName(this.out, id);
        return true;
      default:
        return false;
    }
  }

  /** Writes the qualifiers on top of the frame (they precede a base type: `const int`). */
  private writeLeadingQualifiers(): void {
    const stack = this.stack;
    while (this.frameCount > 0) {
      const kind = this.kindOf(stack[this.frameBase + this.frameCount - 1]!);
      if (kind === BtfKind.Volatile) this.out.text('volatile ');
      else if (kind === BtfKind.Const) this.out.text('const ');
      else if (kind === BtfKind.Restrict) this.out.text('restrict ');
      else return;
      this.frameCount--;
    }
  }

  /** Drops qualifiers that C can't express at this spot (GCC puts them on arrays and noreturn functions). */
  private dropQualifiers(): void {
    const stack = this.stack;
    while (this.frameCount > 0) {
      const kind = this.kindOf(stack[this.frameBase + this.frameCount - 1]!);
      if (kind !== BtfKind.Volatile && kind !== BtfKind.Const && kind !== BtfKind.Restrict && kind !== BtfKind.TypeTag) return;
      this.frameCount--;
    }
  }

  /**
   * Writes a declarator's name: `name` is an offset into the name table (a member's or parameter's
   * name), or minus a typedef's id for that typedef's numbered name.
   */
  private writeName(name: number, lastWasPointer: boolean): void {
    if (this.isEmptyName(name)) return;
    if (!lastWasPointer) this.out.byte(SPACE);
    if (name < 0) this.names.writeIdentifierName(this.out, -name);
    else this.names.write(this.out, name);
  }

  private isEmptyName(name: number): boolean {
    return name < 0 ? this.names.isEmptyIdentifier(-name) : this.names.bytes[name] === 0;
  }

  /**
   * Writes a declarator from its innermost (base) type outwards. Qualifiers after a pointer follow
   * it (`int * const p`); arrays and function prototypes wrap the rest of the chain in parentheses
   * so that `int (*handlers[4])(void)` comes out right.
   */
  private writeChain(name: number, level: number): void {
    const out = this.out;
    const stack = this.stack;
    let lastWasPointer = true;
    while (this.frameCount > 0) {
      const id = stack[this.frameBase + --this.frameCount]!;
      if (id === 0) {
        this.writeLeadingQualifiers();
        out.text('void');
        lastWasPointer = false;
        continue;
      }
      // The common links are handled by kind alone; only the rest need the decoded type.
      const kind = this.kindOf(id);
      switch (kind) {
        case BtfKind.Int: case BtfKind.Float: case BtfKind.Struct: case BtfKind.Union: case BtfKind.Enum:
        case BtfKind.Enum64: case BtfKind.Fwd: case BtfKind.Typedef:
          this.writeLeadingQualifiers();
          this.writeBaseType(id, level);
          lastWasPointer = false;
          continue;
        case BtfKind.Pointer:
          if (lastWasPointer) out.byte(STAR);
          else out.text(' *');
          lastWasPointer = true;
          continue;
        case BtfKind.Volatile: out.text(' volatile'); lastWasPointer = false; continue;
        case BtfKind.Const: out.text(' const'); lastWasPointer = false; continue;
        case BtfKind.Restrict: out.text(' restrict'); lastWasPointer = false; continue;
        case BtfKind.FuncProto: {
          this.dropQualifiers();
          if (this.frameCount > 0) {
            out.text(' (');
            this.writeChain(name, level);
            out.byte(CLOSE_PAREN);
          } else {
            this.writeName(name, lastWasPointer);
          }
          const words = this.words;
          const record = this.at[id]!;
          const n = words[record + 1]! & 0xffff;
          // Clang encodes `f(void)` as one unnamed void parameter; both forms print as (void).
          if (n === 0 || (n === 1 && words[record + 4] === 0)) {
            out.text('(void)');
            return;
          }
          out.byte(OPEN_PAREN);
          for (let i = 0; i < n; i++) {
            if (i > 0) out.text(', ');
            const type = words[record + 4 + i * 2]!;
            if (i === n - 1 && type === 0) {
              out.text('...');
              break;
            }
            this.writeDeclaration(type, words[record + 3 + i * 2]!, level);
          }
          out.byte(CLOSE_PAREN);
          return;
        }
        default:
          break;
      }
      switch (kind) {
        case BtfKind.TypeTag:
          this.writeLeadingQualifiers();
          out.text(' __attribute__((btf_type_tag("');
          this.names.write(out, this.names.nameOffset(id));
          out.text('")))');
          break;
        case BtfKind.Array: {
          this.dropQualifiers();
          if (this.frameCount === 0) {
            this.writeName(name, lastWasPointer);
            this.writeDimension(this.words[this.at[id]! + 5]! >>> 0);
            return;
          }
          // Consecutive dimensions need no parentheses between them: `int a[2][3]`.
          const multidimensional = this.kindOf(stack[this.frameBase + this.frameCount - 1]!) === BtfKind.Array;
          if (!this.isEmptyName(name) && !lastWasPointer) out.byte(SPACE);
          if (!multidimensional) out.byte(OPEN_PAREN);
          this.writeChain(name, level);
          if (!multidimensional) out.byte(CLOSE_PAREN);
          this.writeDimension(this.words[this.at[id]! + 5]! >>> 0);
          return;
        }
        default:
          return;
      }
      lastWasPointer = false;
    }
    this.writeName(name, lastWasPointer);
  }

  private isBuiltinVaList(id: number): boolean {
    return this.names.equals(this.names.nameOffset(id), '__builtin_va_list');
  }

  private writeDimension(count: number): void {
    this.out.byte(OPEN_BRACKET);
    this.out.unsigned(count);
    this.out.byte(CLOSE_BRACKET);
  }
}

const SPACE = 0x20, STAR = 0x2a, COMMA = 0x2c, SEMICOLON = 0x3b, OPEN_PAREN = 0x28, CLOSE_PAREN = 0x29;
const OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, CLOSE_BRACE = 0x7d;


