/**
 * USDT argument specs: every x86-64 operand form parsed; the encoding's layout checked against the
 * `struct __bpf_usdt_spec` that clang compiled from usdt.bpf.h (the object's BTF), and the pt_regs
 * offsets against the running kernel's BTF.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Btf } from '../btf/btf.js';
import { findTypeByCName } from '../btf/value-decoder.js';
import type { CompositeType } from '../btf/types.js';
import { InvalidArgumentError } from '../errors.js';
import { kernelBtf } from '../loader/kernel-btf.js';
import { openObject } from '../loader/index.js';
import { encodeUsdtSpec, parseUsdtArgument, parseUsdtArguments, usdtArchitectureOf, UsdtArgumentError, UsdtArgumentKind as Kind, USDT_ARGUMENT_SPEC_SIZE, USDT_SPEC_SIZE, X86_64_PT_REGS_OFFSETS } from './usdt-args.js';
import { ElfMachine } from '../elf/index.js';
import { usdtFixtures } from './usdt-test-fixtures.js';

test('each operand form: register (64/32/16/8-bit names), memory, constant; signed and unsigned sizes', () => {
  const [edi, rsi, dl, cx, r9d, stack, rbp, constant, hex, bare] = parseUsdtArguments('-4@%edi -8@%rsi 1@%dl -2@%cx 4@%r9d -8@-8(%rsp) 8@16(%rbp) -4@$-5 8@$0x10 2@(%rax)');
  assert.deepEqual(edi, { kind: Kind.Register, value: 0n, registerOffset: 112, register: 'edi', size: 4, signed: true });
  assert.deepEqual([rsi!.registerOffset, rsi!.size, rsi!.signed], [104, 8, true]);
  assert.deepEqual([dl!.registerOffset, dl!.size, dl!.signed], [96, 1, false]);
  assert.deepEqual([cx!.registerOffset, cx!.size, cx!.signed], [88, 2, true]);
  assert.deepEqual([r9d!.registerOffset, r9d!.size], [64, 4]);
  assert.deepEqual(stack, { kind: Kind.RegisterDereference, value: -8n, registerOffset: 152, register: 'rsp', size: 8, signed: true });
  assert.deepEqual([rbp!.kind, rbp!.value, rbp!.registerOffset, rbp!.signed], [Kind.RegisterDereference, 16n, 32, false]);
  assert.deepEqual(constant, { kind: Kind.Constant, value: -5n, registerOffset: 0, register: '', size: 4, signed: true });
  assert.equal(hex!.value, 16n);
  assert.deepEqual([bare!.kind, bare!.value, bare!.registerOffset], [Kind.RegisterDereference, 0n, 80]);
  assert.deepEqual(parseUsdtArguments(''), []);
  assert.deepEqual(parseUsdtArguments('  '), []);
});

test('operands usdt.bpf.h cannot read are refused with typed errors', () => {
  assert.throws(() => parseUsdtArgument('8@(%rax,%rbx,8)'), UsdtArgumentError, 'scaled index');
  assert.throws(() => parseUsdtArgument('1@%ah'), UsdtArgumentError, 'high byte register');
  assert.throws(() => parseUsdtArgument('8@%xmm0'), UsdtArgumentError);
  assert.throws(() => parseUsdtArgument('3@%eax'), InvalidArgumentError, 'size 3');
  assert.throws(() => parseUsdtArgument('%eax'), InvalidArgumentError, 'no size');
  assert.throws(() => parseUsdtArguments(Array(13).fill('4@$1').join(' ')), UsdtArgumentError, 'more than 12');
  assert.throws(() => parseUsdtArgument('4@$x'), UsdtArgumentError);
});

test('arm64 operands (gcc/clang aarch64 notes): xN and sp in user_pt_regs, [reg, off] and [reg] memory, bare constants', () => {
  const [x0, x30, stack, bare, constant, hash] = parseUsdtArguments('-4@x0 8@x30 -8@[sp, 96] 4@[x1] -4@-5 8@[x29, #-16]', 'aarch64');
  assert.deepEqual(x0, { kind: Kind.Register, value: 0n, registerOffset: 0, register: 'x0', size: 4, signed: true });
  assert.deepEqual([x30!.registerOffset, x30!.size], [240, 8]);
  assert.deepEqual(stack, { kind: Kind.RegisterDereference, value: 96n, registerOffset: 248, register: 'sp', size: 8, signed: true });
  assert.deepEqual([bare!.kind, bare!.value, bare!.registerOffset], [Kind.RegisterDereference, 0n, 8]);
  assert.deepEqual(constant, { kind: Kind.Constant, value: -5n, registerOffset: 0, register: '', size: 4, signed: true });
  assert.deepEqual([hash!.value, hash!.registerOffset], [-16n, 29 * 8]);
  assert.throws(() => parseUsdtArgument('4@w0', 'aarch64'), UsdtArgumentError, '32-bit view names are not in the table');
  assert.throws(() => parseUsdtArgument('8@[x1, x2]', 'aarch64'), UsdtArgumentError, 'register offset');
  assert.throws(() => parseUsdtArgument('-4@%edi', 'aarch64'), UsdtArgumentError, 'x86 syntax on arm64');
});

test('riscv64 operands: ABI register names at user_regs_struct offsets, OFF(reg) memory, bare constants', () => {
  const [a0, a7, frame, s11, fp, constant] = parseUsdtArguments('-8@a0 4@a7 -8@-88(s0) 8@s11 4@(fp) 2@0x10', 'riscv64');
  assert.deepEqual(a0, { kind: Kind.Register, value: 0n, registerOffset: 80, register: 'a0', size: 8, signed: true });
  assert.equal(a7!.registerOffset, 136);
  assert.deepEqual(frame, { kind: Kind.RegisterDereference, value: -88n, registerOffset: 64, register: 's0', size: 8, signed: true });
  assert.equal(s11!.registerOffset, 216);
  assert.deepEqual([fp!.kind, fp!.registerOffset], [Kind.RegisterDereference, 64]);
  assert.deepEqual([constant!.kind, constant!.value], [Kind.Constant, 16n]);
  assert.throws(() => parseUsdtArgument('8@x5', 'riscv64'), UsdtArgumentError, 'numeric register names');
});

test('s390x operands: %rN in the gprs after args and the PSW, OFF(%rN) memory, bare constants', () => {
  const [r0, r15, stack, constant] = parseUsdtArguments('-8@%r0 8@%r15 -2@-28(%r15) 4@71', 's390x');
  assert.deepEqual(r0, { kind: Kind.Register, value: 0n, registerOffset: 24, register: 'r0', size: 8, signed: true });
  assert.equal(r15!.registerOffset, 24 + 15 * 8);
  assert.deepEqual(stack, { kind: Kind.RegisterDereference, value: -28n, registerOffset: 144, register: 'r15', size: 2, signed: true });
  assert.deepEqual([constant!.kind, constant!.value], [Kind.Constant, 71n]);
  assert.throws(() => parseUsdtArgument('8@%r16', 's390x'), UsdtArgumentError);
  // s390x is big-endian: its spec map holds the encoding in that order
  const view = new DataView(encodeUsdtSpec([r0!], 7n, false).buffer);
  assert.deepEqual([view.getUint32(8, false), view.getInt16(12, false), view.getBigUint64(192, false), view.getInt16(200, false)], [Kind.Register, 24, 7n, 1]);
});

test('the architecture comes from the file\'s e_machine; others are refused, typed', () => {
  assert.equal(usdtArchitectureOf(ElfMachine.X86_64), 'x86_64');
  assert.equal(usdtArchitectureOf(ElfMachine.AArch64), 'aarch64');
  assert.equal(usdtArchitectureOf(ElfMachine.RiscV), 'riscv64');
  assert.equal(usdtArchitectureOf(ElfMachine.S390), 's390x');
  assert.throws(() => usdtArchitectureOf(ElfMachine.I386, '/usr/lib/i386/libfoo.so'), (error: unknown) =>
    error instanceof UsdtArgumentError && /libfoo\.so \(ELF machine 3\)/.test(error.message));
});

test('the encoding: per argument value, kind, pt_regs offset, signedness and the bits to shift out', () => {
  const bytes = encodeUsdtSpec(parseUsdtArguments('-4@%edi 1@-8(%rsp) 8@$-1'), 0x1122334455667788n);
  assert.equal(bytes.length, USDT_SPEC_SIZE);
  const view = new DataView(bytes.buffer);
  const argument = (index: number) => {
    const at = index * USDT_ARGUMENT_SPEC_SIZE;
    return [view.getBigUint64(at, true), view.getUint32(at + 8, true), view.getInt16(at + 12, true), view.getUint8(at + 14), view.getUint8(at + 15)];
  };
  assert.deepEqual(argument(0), [0n, Kind.Register, 112, 1, 32]);
  assert.deepEqual(argument(1), [0xfffffffffffffff8n, Kind.RegisterDereference, 152, 0, 56]);
  assert.deepEqual(argument(2), [0xffffffffffffffffn, Kind.Constant, 0, 0, 0]);
  assert.deepEqual(argument(3), [0n, 0, 0, 0, 0], 'unused slots stay zero');
  assert.equal(view.getBigUint64(192, true), 0x1122334455667788n);
  assert.equal(view.getInt16(200, true), 3);
});

const fixtures = usdtFixtures();

test('the layout matches struct __bpf_usdt_spec as clang compiled usdt.bpf.h', { skip: typeof fixtures === 'string' ? fixtures : false }, async () => {
  if (typeof fixtures === 'string') return;
  const btf = (await openObject(fixtures.object)).btf!;
  const offsets = (name: string) => {
    const type = btf.type(findTypeByCName(btf, `struct ${name}`)) as CompositeType;
    return { size: type.size, ...Object.fromEntries(type.members.map((member) => [member.name, member.bitOffset / 8])) };
  };
  assert.deepEqual(offsets('__bpf_usdt_arg_spec'), { size: USDT_ARGUMENT_SPEC_SIZE, val_off: 0, arg_type: 8, reg_off: 12, arg_signed: 14, arg_bitshift: 15 });
  assert.deepEqual(offsets('__bpf_usdt_spec'), { size: USDT_SPEC_SIZE, args: 0, usdt_cookie: 192, arg_cnt: 200 });
  const kinds = btf.type(findTypeByCName(btf, 'enum __bpf_usdt_arg_type')) as unknown as { values: { name: string; value: number }[] };
  assert.deepEqual(kinds.values.map((v) => [v.name, v.value]), [['BPF_USDT_ARG_CONST', Kind.Constant], ['BPF_USDT_ARG_REG', Kind.Register], ['BPF_USDT_ARG_REG_DEREF', Kind.RegisterDereference]]);
});

test('the pt_regs offsets match the running kernel\'s struct pt_regs', { skip: existsSync('/sys/kernel/btf/vmlinux') ? false : 'no /sys/kernel/btf/vmlinux' }, () => {
  const btf: Btf = kernelBtf();
  const regs = btf.type(findTypeByCName(btf, 'struct pt_regs')) as CompositeType;
  const kernel = Object.fromEntries(regs.members.map((member) => [member.name, member.bitOffset / 8]));
  for (const [name, offset] of Object.entries(X86_64_PT_REGS_OFFSETS)) {
    // the kernel names them without the r of the 64-bit name: ax, bp, ip, sp; r8..r15 as they are
    const kernelName = /^r\d+$/.test(name) ? name : name.slice(1);
    assert.equal(kernel[kernelName], offset, `${name} (${kernelName})`);
  }
});
