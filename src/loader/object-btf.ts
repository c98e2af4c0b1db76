/**
 * The object's BTF as the kernel gets it: clang's .BTF with libbpf's fix-ups (DATASEC sizes and
 * variable offsets from the ELF, the extern sections rewritten) written back out and loaded with
 * BTF_LOAD, whose log becomes the error when the kernel refuses it.
 */
import { fixDatasecs, type DatasecSymbol } from '../btf/edits.js';
import { MutableBtf } from '../btf/mutable.js';
import { writeBtf } from '../btf/writer.js';
import { BtfKind, FuncLinkage } from '../btf/types.js';
import { SymbolBinding, SymbolType, SymbolVisibility } from '../elf/index.js';
import { BpfError, Errno } from '../errors.js';
import { fixExternBtf } from '../object/externs.js';
import type { ObjectSpec } from '../object/object-spec.js';
import { bpf, FileDescriptor, NativeMemory } from '../sys/index.js';

const LOG_SIZE = 1 << 20;

/** The fixed-up BTF bytes of `spec` (undefined when the object has no BTF). Pure: no kernel access. */
export function objectBtfBytes(spec: ObjectSpec): Uint8Array | undefined {
  if (!spec.btf) return undefined;
  const btf = MutableBtf.from(spec.btf);
  const sectionSizes = new Map(spec.elf.sections.map((section) => [section.name, section.size]));
  const symbols = new Map<string, DatasecSymbol>();
  for (const symbol of spec.elf.symbols) {
    if (symbol.type !== SymbolType.Object || symbol.name === '') continue;
    const hidden = symbol.visibility === SymbolVisibility.Hidden || symbol.visibility === SymbolVisibility.Internal;
    symbols.set(symbol.name, { offset: Number(symbol.value), hidden });
  }
  // libbpf edits the extern sections first, then fixes every DATASEC from the ELF
  const kconfig = spec.maps.find((map) => map.kind === 'kconfig');
  fixExternBtf(btf, spec.externs, kconfig?.valueSize ?? 0);
  fixDatasecs(btf, { sectionSizes, symbols });
  markHiddenFunctionsStatic(btf, spec);
  return writeBtf(btf);
}

/**
 * A global function of hidden or internal visibility (usdt.bpf.h's `__weak __hidden` helpers) cannot
 * be called from outside the object, so libbpf gives it static linkage in the BTF it loads: the
 * verifier then checks it in each caller's context (a pointer argument may point at the caller's
 * stack) instead of on its own with only its prototype to go by.
 */
function markHiddenFunctionsStatic(btf: MutableBtf, spec: ObjectSpec): void {
  const hidden = new Set(spec.elf.symbols
    .filter((symbol) => symbol.type === SymbolType.Func && symbol.binding !== SymbolBinding.Local
      && (symbol.visibility === SymbolVisibility.Hidden || symbol.visibility === SymbolVisibility.Internal))
    .map((symbol) => symbol.name));
  if (hidden.size === 0) return;
  for (let id = btf.firstTypeId; id < btf.typeCount; id++) {
    const type = btf.type(id);
    if (type.kind === BtfKind.Func && type.linkage === FuncLinkage.Global && hidden.has(type.name)) btf.replace(id, { ...type, linkage: FuncLinkage.Static });
  }
}

/** BTF_LOAD of `bytes`; a refusal throws BpfError with the kernel's last log line. */
export function loadBtfBytes(bytes: Uint8Array, what: string): FileDescriptor {
  const memory = new NativeMemory(bytes.length);
  let log: NativeMemory | null = null;
  try {
    memory.bytes.set(bytes);
    let { result } = bpf.btfLoad(memory, bytes.length, null);
    if (result >= 0) return new FileDescriptor(result, `BTF of ${what}`);
    // retry with a log only to explain the refusal
    log = new NativeMemory(LOG_SIZE);
    ({ result } = bpf.btfLoad(memory, bytes.length, log));
    if (result >= 0) return new FileDescriptor(result, `BTF of ${what}`);
    const text = new TextDecoder().decode(log.bytes.subarray(0, Math.max(0, log.bytes.indexOf(0)))).trim();
    const last = text.split('\n').filter(Boolean).at(-1) ?? '';
    // EPERM/EACCES is about who asks, not the BTF: keep the default hint, which names the capabilities
    const refusedCaller = result === -Errno.EPERM || result === -Errno.EACCES;
    const hint = refusedCaller ? '' : 'the object\'s BTF uses something this kernel does not accept; rebuild with the clang that matches the kernel, or report it';
    throw new BpfError('BTF_LOAD', -result, hint, `${what}: ${refusedCaller ? 'loading the object\'s BTF was refused' : `the kernel refused the object's BTF${last ? `: ${last}` : ''}`}`);
  } finally {
    memory.free();
    log?.free();
  }
}
