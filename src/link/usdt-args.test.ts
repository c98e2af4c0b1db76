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
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { kernelBtf } from '../loader/kernel-btf.js';
import { openObject } from '../loader/index.js';
import { encodeUsdtSpec, parseUsdtArgument, parseUsdtArguments, UsdtArgumentKind as Kind, USDT_ARGUMENT_SPEC_SIZE, USDT_SPEC_SIZE, X86_64_PT_REGS_OFFSETS } from './usdt-args.js';
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
  assert.throws(() => parseUsdtArgument('8@(%rax,%rbx,8)'), NotSupportedError, 'scaled index');
  assert.throws(() => parseUsdtArgument('1@%ah'), NotSupportedError, 'high byte register');
  assert.throws(() => parseUsdtArgument('8@%xmm0'), NotSupportedError);
  assert.throws(() => parseUsdtArgument('3@%eax'), InvalidArgumentError, 'size 3');
  assert.throws(() => parseUsdtArgument('%eax'), InvalidArgumentError, 'no size');
  assert.throws(() => parseUsdtArguments(Array(13).fill('4@$1').join(' ')), NotSupportedError, 'more than 12');
  assert.throws(() => parseUsdtArgument('4@$x'), NotSupportedError);
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
