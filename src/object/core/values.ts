/**
 * The values a relocation puts into an instruction (libbpf's bpf_core_calc_relo): the value clang
 * compiled against the local type ("original", checked against the instruction before patching) and
 * the value for the target ("new"), both as unsigned 64-bit numbers, plus the memory-access sizes for
 * loads and stores of a field whose size differs between local and target.
 */
import { CoreRelocationKind } from '../../btf/ext-records.js';
import { BtfKind, type IntType } from '../../btf/types.js';
import { isAnyEnum, skipModifiers, sizeOf } from './btf-walk.js';
import { CoreHint, CoreProblem } from './core-error.js';
import { isEnumValueKind, isFieldKind, isTypeKind, type CoreSpec } from './spec.js';

export interface RelocationValues {
  originalValue: bigint;
  newValue: bigint;
  /** The instruction is replaced by a call to the invalid helper 0xbad2310. */
  poison: boolean;
  /** Whether the instruction must hold originalValue before it is patched. */
  validate: boolean;
  /** A load/store whose size would change, of types where that would read the wrong value: poisoned when patched. */
  failMemorySizeAdjust: boolean;
  /** Bytes of the accessed field, locally and in the target (0 when not a plain field offset). */
  originalSize: number;
  newSize: number;
}

interface FieldValue { value: bigint; size: number; typeId: number; validate: boolean }

const POISON = Symbol('poison');

const u32 = (value: number): bigint => BigInt.asUintN(32, BigInt(value));

/** bpf_core_calc_field_relo for one side; POISON when the field is missing and the kind can't say so. */
function fieldValue(kind: number, spec: CoreSpec | undefined, littleEndian: boolean): FieldValue | typeof POISON {
  if (kind === CoreRelocationKind.FieldExists) return { value: spec ? 1n : 0n, size: 0, typeId: 0, validate: true };
  if (!spec) return POISON;
  const btf = spec.btf;
  const accessor = spec.accessors[spec.accessors.length - 1]!;
  if (accessor.name === undefined) {
    // the access ends with an array index (or is the root itself)
    const size = sizeOf(btf, accessor.typeId);
    if (kind === CoreRelocationKind.FieldByteOffset) return { value: BigInt(Math.floor(spec.bitOffset / 8)), size, typeId: accessor.typeId, validate: true };
    if (kind === CoreRelocationKind.FieldByteSize) return { value: BigInt(size), size: 0, typeId: 0, validate: true };
    throw new CoreProblem('this relocation kind cannot be applied to an array access', CoreHint.malformed);
  }
  const fieldTypeId = skipModifiers(btf, btf.entryTypeOf(accessor.typeId, accessor.index));
  const fieldKind = btf.kindOf(fieldTypeId);
  const bitOffset = spec.bitOffset;
  let bitSize = btf.memberBitfieldSizeOf(accessor.typeId, accessor.index);
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOffset: number;
  if (bitfield) {
    byteSize = btf.sizeOrTypeOf(fieldTypeId);
    if (byteSize <= 0 || byteSize > 8) throw new CoreProblem(`bitfield of type [${fieldTypeId}] has size ${byteSize}`, CoreHint.malformed);
    byteOffset = Math.floor(Math.floor(bitOffset / 8) / byteSize) * byteSize;
    // the smallest load that holds the whole bitfield
    while (bitOffset + bitSize - byteOffset * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new CoreProblem('the bitfield cannot be read with one 64-bit load', CoreHint.unsupported);
      byteSize *= 2;
      byteOffset = Math.floor(Math.floor(bitOffset / 8) / byteSize) * byteSize;
    }
  } else {
    byteSize = sizeOf(btf, fieldTypeId);
    byteOffset = Math.floor(bitOffset / 8);
    bitSize = byteSize * 8;
  }
  // a bitfield's offset and size are the loader's choice, not clang's: only signedness and the right shift are checked
  switch (kind) {
    case CoreRelocationKind.FieldByteOffset:
      return { value: BigInt(byteOffset), size: bitfield ? 0 : byteSize, typeId: bitfield ? 0 : fieldTypeId, validate: !bitfield };
    case CoreRelocationKind.FieldByteSize:
      return { value: BigInt(byteSize), size: 0, typeId: 0, validate: !bitfield };
    case CoreRelocationKind.FieldSigned: {
      const signed = (isAnyEnum(fieldKind) && btf.kindFlagOf(fieldTypeId))
        || (fieldKind === BtfKind.Int && ((btf.type(fieldTypeId) as IntType).encoding & 1) !== 0);
      return { value: signed ? 1n : 0n, size: 0, typeId: 0, validate: true };
    }
    case CoreRelocationKind.FieldLshiftU64: {
      const shift = littleEndian ? 64 - (bitOffset + bitSize - byteOffset * 8) : (8 - byteSize) * 8 + (bitOffset - byteOffset * 8);
      return { value: u32(shift), size: 0, typeId: 0, validate: !bitfield };
    }
    case CoreRelocationKind.FieldRshiftU64:
      return { value: u32(64 - bitSize), size: 0, typeId: 0, validate: true };
    default:
      throw new CoreProblem(`unrecognized CO-RE relocation kind ${kind}`, CoreHint.malformed);
  }
}

/** bpf_core_calc_type_relo for one side: absent targets give 0. */
function typeValue(kind: number, spec: CoreSpec | undefined): { value: bigint; validate: boolean } {
  if (!spec) return { value: 0n, validate: true };
  switch (kind) {
    case CoreRelocationKind.TypeIdTarget:
      // ids move when objects are linked, so clang's value is not checked
      return { value: BigInt(spec.rootTypeId), validate: false };
    case CoreRelocationKind.TypeExists: case CoreRelocationKind.TypeMatches:
      return { value: 1n, validate: true };
    case CoreRelocationKind.TypeSize:
      return { value: BigInt(sizeOf(spec.btf, spec.rootTypeId)), validate: true };
    default:
      throw new CoreProblem(`unrecognized CO-RE relocation kind ${kind}`, CoreHint.malformed);
  }
}

/** bpf_core_calc_enumval_relo for one side; a 32-bit enumerator's value is sign-extended, as libbpf reads it. */
function enumValue(kind: number, spec: CoreSpec | undefined): bigint | typeof POISON {
  if (kind === CoreRelocationKind.EnumvalExists) return spec ? 1n : 0n;
  if (!spec) return POISON;
  const accessor = spec.accessors[0]!;
  if (spec.btf.kindOf(accessor.typeId) === BtfKind.Enum) return BigInt.asUintN(64, BigInt(spec.btf.enumValueOf(accessor.typeId, accessor.index) | 0));
  return BigInt.asUintN(64, spec.btf.enum64ValueOf(accessor.typeId, accessor.index));
}

/**
 * Both sides of one relocation against one candidate (`target` undefined: no candidate matched).
 * `littleEndian` is the BPF target's byte order, which decides the bitfield left shift.
 */
export function relocationValues(kind: number, local: CoreSpec, target: CoreSpec | undefined, littleEndian: boolean): RelocationValues {
  const values: RelocationValues = {
    originalValue: 0n, newValue: 0n, poison: false, validate: true, failMemorySizeAdjust: false, originalSize: 0, newSize: 0,
  };
  if (isFieldKind(kind)) {
    const original = fieldValue(kind, local, littleEndian);
    if (original === POISON) return { ...values, poison: true };
    values.originalValue = original.value;
    values.originalSize = original.size;
    values.validate = original.validate;
    const next = fieldValue(kind, target, littleEndian);
    if (next === POISON) return { ...values, poison: true };
    values.newValue = next.value;
    values.newSize = next.size;
    if (values.originalSize !== values.newSize && target) {
      // resizing the access is only safe for pointers and unsigned integers (zero extension keeps the value)
      const localKind = local.btf.kindOf(original.typeId);
      const targetKind = target.btf.kindOf(next.typeId);
      const unsigned = (spec: CoreSpec, id: number) => (spec.btf.type(id) as IntType).encoding !== 1;
      const safe = (localKind === BtfKind.Pointer && targetKind === BtfKind.Pointer)
        || (localKind === BtfKind.Int && targetKind === BtfKind.Int && unsigned(local, original.typeId) && unsigned(target, next.typeId));
      values.failMemorySizeAdjust = !safe;
    }
    return values;
  }
  if (isTypeKind(kind)) {
    const original = typeValue(kind, local);
    values.originalValue = original.value;
    values.validate = original.validate;
    values.newValue = typeValue(kind, target).value;
    return values;
  }
  if (isEnumValueKind(kind)) {
    const original = enumValue(kind, local);
    if (original === POISON) return { ...values, poison: true };
    values.originalValue = original;
    const next = enumValue(kind, target);
    if (next === POISON) return { ...values, poison: true };
    values.newValue = next;
    return values;
  }
  throw new CoreProblem(`unrecognized CO-RE relocation kind ${kind}`, CoreHint.malformed);
}
