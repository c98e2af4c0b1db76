/**
 * The C dumper against its oracle, `bpftool btf dump file F format c` (bpftool 7.1 / libbpf 1.1):
 *  - hand-made BTF (encoded here, so bpftool reads the same types we format) for what clang 14
 *    can't produce: 64-bit and signed enums, duplicate enumerators, va_list typedefs, deep nesting;
 *  - our own BPF C programs compiled by clang (bitfields, packing, padding, qualifiers, function
 *    pointers, type tags, forward declarations, and name clashes via `bpftool gen object`);
 *  - this kernel's vmlinux, and Debian 6.1's vmlinux and modules (split BTF) when
 *    scripts/fetch-kernel-btf.sh has fetched them.
 * Each oracle comparison skips, saying why, when its tool or input is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseElf } from '../elf/index.js';
import { formatBtfAsC, formatBtfAsCBytes } from './dump-c.js';
import { BtfKind, type BtfSource, type BtfType } from './types.js';

const hasTool = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const HAVE_BPFTOOL = hasTool('bpftool');
const HAVE_CLANG = hasTool('clang');
const NO_BPFTOOL = HAVE_BPFTOOL ? false : 'bpftool is not installed';

/**
 * The BTF parser (btf.ts) is written concurrently; imported by a computed specifier so this file
 * compiles before it lands, and the tests that need it skip until then.
 */
interface BtfParser { parse(bytes: Uint8Array, options?: { base?: BtfSource }): BtfSource }
const btfModule = './btf.js';
const Btf: BtfParser | undefined = await import(btfModule).then(
  (module: { Btf?: BtfParser; parseBtf?: BtfParser['parse'] }) => module.Btf ?? (module.parseBtf ? { parse: module.parseBtf } : undefined),
  () => undefined,
);
const NO_PARSER = Btf ? false : 'src/btf/btf.ts (the BTF parser) is not there yet';

const work = mkdtempSync(join(tmpdir(), 'tsbpf-dump-c-'));
after(() => rmSync(work, { recursive: true, force: true }));

function bpftoolFormatC(file: string, base?: string): string {
  const args = ['btf', 'dump', 'file', file, ...(base ? ['-B', base] : []), 'format', 'c'];
  return execFileSync('bpftool', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** Compares line by line first, so a failure shows the first differing line rather than 3 MB. */
function assertSameText(ours: string, theirs: string, what: string): void {
  if (ours === theirs) return;
  const a = ours.split('\n');
  const b = theirs.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) assert.fail(`${what}: line ${i + 1} differs\n  ours:    ${JSON.stringify(a[i])}\n  bpftool: ${JSON.stringify(b[i])}`);
  }
  assert.fail(`${what}: outputs differ`);
}

// ---------------------------------------------------------------------------------------------
// Hand-made BTF: an in-memory BtfSource, and the same types encoded as raw BTF for bpftool.

type Draft = BtfType extends infer T ? (T extends BtfType ? Omit<T, 'id'> : never) : never;

function memorySource(drafts: readonly Draft[]): BtfSource {
  const types: BtfType[] = [{ id: 0, kind: BtfKind.Void, name: '' }, ...drafts.map((t, i) => ({ ...t, id: i + 1 }) as BtfType)];
  return {
    typeCount: types.length,
    firstTypeId: 1,
    type: (id) => {
      const t = types[id];
      if (!t) throw new RangeError(`no type ${id}`);
      return t;
    },
    string: () => '',
  };
}

/** Raw little-endian BTF for `drafts` (ids from 1), as include/uapi/linux/btf.h lays it out. */
function encodeBtf(drafts: readonly Draft[]): Uint8Array {
  const strings: number[] = [0];
  const offsets = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let at = offsets.get(s);
    if (at === undefined) {
      at = strings.length;
      offsets.set(s, at);
      strings.push(...new TextEncoder().encode(s), 0);
    }
    return at;
  };
  const words: number[] = [];
  const record = (name: string, kind: number, vlen: number, kflag: boolean, sizeOrType: number): void => {
    words.push(str(name), ((kflag ? 1 : 0) << 31 | kind << 24 | vlen) >>> 0, sizeOrType >>> 0);
  };
  for (const t of drafts) {
    switch (t.kind) {
      case BtfKind.Int:
        record(t.name, t.kind, 0, false, t.size);
        words.push((t.encoding << 24 | t.bitOffset << 16 | t.bits) >>> 0);
        break;
      case BtfKind.Pointer: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const: case BtfKind.Restrict: case BtfKind.TypeTag:
        record(t.name, t.kind, 0, false, t.target);
        break;
      case BtfKind.Array:
        record(t.name, t.kind, 0, false, 0);
        words.push(t.elementType, t.indexType, t.count);
        break;
      case BtfKind.Struct: case BtfKind.Union:
        record(t.name, t.kind, t.members.length, t.kindFlag, t.size);
        for (const m of t.members) words.push(str(m.name), m.type, t.kindFlag ? (m.bitfieldSize << 24 | m.bitOffset) >>> 0 : m.bitOffset);
        break;
      case BtfKind.Enum:
        record(t.name, t.kind, t.values.length, t.signed, t.size);
        for (const v of t.values) words.push(str(v.name), v.value >>> 0);
        break;
      case BtfKind.Enum64:
        record(t.name, t.kind, t.values.length, t.signed, t.size);
        for (const v of t.values) {
          const bits = BigInt.asUintN(64, v.value);
          words.push(str(v.name), Number(bits & 0xffffffffn), Number(bits >> 32n));
        }
        break;
      case BtfKind.Fwd:
        record(t.name, t.kind, 0, t.union, 0);
        break;
      case BtfKind.Func:
        record(t.name, t.kind, t.linkage, false, t.proto);
        break;
      case BtfKind.FuncProto:
        record(t.name, t.kind, t.parameters.length, false, t.returnType);
        for (const p of t.parameters) words.push(str(p.name), p.type);
        break;
      case BtfKind.Var:
        record(t.name, t.kind, 0, false, t.type);
        words.push(t.linkage);
        break;
      case BtfKind.Float:
        record(t.name, t.kind, 0, false, t.size);
        break;
      case BtfKind.DeclTag:
        record(t.name, t.kind, 0, false, t.target);
        words.push(t.componentIndex >>> 0);
        break;
      default:
        throw new Error(`encodeBtf: kind ${t.kind} not needed by these tests`);
    }
  }
  const typeBytes = words.length * 4;
  const bytes = new Uint8Array(24 + typeBytes + strings.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, true);
  view.setUint8(2, 1);
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, typeBytes, true);
  view.setUint32(16, typeBytes, true);
  view.setUint32(20, strings.length, true);
  words.forEach((word, i) => view.setUint32(24 + i * 4, word, true));
  bytes.set(strings, 24 + typeBytes);
  return bytes;
}

const int = (name: string, size: number, signed: boolean): Draft =>
  ({ kind: BtfKind.Int, name, size, encoding: signed ? 1 : 0, bitOffset: 0, bits: size * 8 });
const member = (name: string, type: number, bitOffset: number, bitfieldSize = 0) => ({ name, type, bitOffset, bitfieldSize });

/** Types clang 14 never writes, and corner cases of the ordering and naming rules. */
const HAND_MADE: readonly Draft[] = [
  /* 1 */ int('int', 4, true),
  /* 2 */ int('long unsigned int', 8, false),
  /* 3 */ { kind: BtfKind.Enum64, name: 'big', size: 8, signed: false, values: [{ name: 'BIG_A', value: 1n << 40n }, { name: 'BIG_B', value: 0xffffffffffffffffn }] },
  /* 4 */ { kind: BtfKind.Enum64, name: 'sbig', size: 8, signed: true, values: [{ name: 'SA', value: -(1n << 40n) }, { name: 'SB', value: 5n }] },
  /* 5 */ { kind: BtfKind.Enum, name: 'sgn', size: 4, signed: true, values: [{ name: 'NEG', value: -1 }, { name: 'TWO', value: 2 }] },
  /* 6 */ { kind: BtfKind.Enum, name: '', size: 4, signed: false, values: [{ name: 'TOP_X', value: 1 }] },
  /* 7 */ { kind: BtfKind.Enum, name: 'dupe', size: 1, signed: false, values: [{ name: 'SA', value: 3 }, { name: 'NEG', value: 0xffffffff }] },
  /* 8 */ {
    kind: BtfKind.Struct, name: 'holder', size: 48, kindFlag: true,
    members: [member('a', 3, 0), member('b', 4, 64), member('c', 5, 128, 3), member('d', 9, 160), member('e', 14, 192), member('f', 2, 320, 7)],
  },
  /* 9 */ { kind: BtfKind.Enum, name: '', size: 4, signed: false, values: [{ name: 'INLINE', value: 0 }] },
  /* 10 */ { kind: BtfKind.Typedef, name: '__builtin_va_list', target: 11 },
  /* 11 */ { kind: BtfKind.Pointer, name: '', target: 0 },
  /* 12 */ { kind: BtfKind.Typedef, name: '__gnuc_va_list', target: 0 },
  /* 13 */ { kind: BtfKind.Typedef, name: 'va_user', target: 10 },
  /* 14 */ { kind: BtfKind.Struct, name: '', size: 16, kindFlag: false, members: [member('next', 15, 0), member('deep', 16, 64)] },
  /* 15 */ { kind: BtfKind.Pointer, name: '', target: 8 },
  /* 16 */ { kind: BtfKind.Union, name: '', size: 8, kindFlag: false, members: [member('u', 17, 0), member('v', 2, 0)] },
  /* 17 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('w', 18, 0)] },
  /* 18 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('x', 19, 0)] },
  /* 19 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('y', 20, 0)] },
  /* 20 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('z', 21, 0)] },
  /* 21 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l6', 22, 0)] },
  /* 22 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l7', 23, 0)] },
  /* 23 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l8', 24, 0)] },
  /* 24 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l9', 25, 0)] },
  /* 25 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l10', 26, 0)] },
  /* 26 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l11', 27, 0)] },
  /* 27 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l12', 28, 0)] },
  /* 28 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l13', 29, 0)] },
  /* 29 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l14', 30, 0)] },
  /* 30 */ { kind: BtfKind.Struct, name: '', size: 8, kindFlag: false, members: [member('l15', 2, 0)] },
  /* 31 */ { kind: BtfKind.Fwd, name: 'fwd_union', union: true },
  /* 32 */ { kind: BtfKind.Fwd, name: 'fwd_struct', union: false },
  /* 33 */ { kind: BtfKind.FuncProto, name: '', returnType: 1, parameters: [{ name: 'h', type: 15 }, { name: '', type: 0 }] },
  /* 34 */ { kind: BtfKind.Func, name: 'handler', proto: 33, linkage: 1 },
  /* 35 */ { kind: BtfKind.Var, name: 'counter', type: 1, linkage: 1 },
  /* 36 */ { kind: BtfKind.DeclTag, name: 'tagged', target: 8, componentIndex: 1, attribute: false },
  /* 37 */ { kind: BtfKind.Float, name: 'double', size: 8 },
  /* 38 */ { kind: BtfKind.Typedef, name: 'holder', target: 8 },
  /* 39 */ { kind: BtfKind.Struct, name: 'holder', size: 8, kindFlag: false, members: [member('d', 37, 0)] },
  /* 40 */ { kind: BtfKind.Typedef, name: 'fn_t', target: 41 },
  /* 41 */ { kind: BtfKind.Pointer, name: '', target: 33 },
  /* 42 */ { kind: BtfKind.Enum, name: '', size: 8, signed: true, values: [{ name: 'SB', value: -7 }] },
  /* 43 */ { kind: BtfKind.Enum, name: 'empty_enum', size: 4, signed: false, values: [] },
  /* 44 */ { kind: BtfKind.Enum, name: 'empty_enum', size: 4, signed: false, values: [] },
];

describe('formatBtfAsC on hand-made BTF', () => {
  test('64-bit and signed enums, duplicates, va_list typedefs and deep nesting match bpftool', { skip: NO_BPFTOOL }, () => {
    const file = join(work, 'hand-made.btf');
    writeFileSync(file, encodeBtf(HAND_MADE));
    assertSameText(formatBtfAsC(memorySource(HAND_MADE)), bpftoolFormatC(file), 'hand-made BTF');
  });

  test('what the oracle printed, spelled out: enum value forms and numbered duplicates', () => {
    const text = formatBtfAsC(memorySource(HAND_MADE));
    assert.match(text, /\tBIG_B = 18446744073709551615ULL,\n/);
    assert.match(text, /\tSA = -1099511627776LL,\n/);
    assert.match(text, /\tNEG = -1,\n/);
    assert.match(text, /\tSA___2 = 3,\n\tNEG___2 = 4294967295,\n/);
    assert.match(text, /^struct holder___2 \{$/m);
    assert.match(text, /^typedef struct holder holder;$/m);
    assert.match(text, /^typedef __builtin_va_list __gnuc_va_list;$/m);
    assert.doesNotMatch(text, /typedef void \*__builtin_va_list/);
    // Anonymous enums nobody refers to are top-level definitions.
    assert.match(text, /^enum \{\n\tTOP_X = 1,\n\};$/m);
    // Indentation stops growing at 13 tabs.
    assert.match(text, /\n\t{13}long unsigned int l15;\n/);
  });

  test('bytes and text agree, and the output starts and ends like bpftool\'s', () => {
    const source = memorySource(HAND_MADE);
    const text = formatBtfAsC(source);
    assert.equal(new TextDecoder().decode(formatBtfAsCBytes(source)), text);
    assert.ok(text.startsWith('#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n'));
    assert.ok(text.endsWith('#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n'));
  });

  test('rootTypeIds dumps only those types and what they need', () => {
    const text = formatBtfAsC(memorySource(HAND_MADE), { rootTypeIds: [40] });
    assert.match(text, /^typedef int \(\*fn_t\)\(struct holder \*h, \.\.\.\);$/m);
    assert.doesNotMatch(text, /enum big/);
  });

  test('a cycle of types containing each other by value is an error naming the type', () => {
    const cyclic: Draft[] = [
      { kind: BtfKind.Struct, name: 'a', size: 4, kindFlag: false, members: [member('b', 2, 0)] },
      { kind: BtfKind.Struct, name: 'b', size: 4, kindFlag: false, members: [member('a', 1, 0)] },
    ];
    assert.throws(() => formatBtfAsC(memorySource(cyclic)), /cannot dump BTF type \[1\] as C: unsatisfiable type cycle/);
  });

  test('a reference to a missing type or a name outside the string table is a BtfError with the record\'s offset', { skip: NO_PARSER }, () => {
    // struct pair { int a; int b; } (type 2) at byte 24 + 16: its second member's type, then its name, broken
    const good = encodeBtf([int('int', 4, true), { kind: BtfKind.Struct, name: 'pair', size: 8, kindFlag: false, members: [member('a', 1, 0), member('b', 1, 32)] }]);
    const memberB = 24 + 16 + 12 + 12;
    const missingType = good.slice();
    new DataView(missingType.buffer).setUint32(memberB + 4, 99, true);
    const outsideName = good.slice();
    new DataView(outsideName.buffer).setUint32(memberB, 0x7fffffff, true);
    for (const [bytes, pattern] of [[missingType, /type 2 refers to type 99/], [outsideName, /type 2 has an entry name offset 2147483647 outside/]] as const) {
      assert.throws(() => formatBtfAsCBytes(Btf!.parse(bytes)), (error: unknown) => {
        assert.equal((error as Error).name, 'BtfError', String(error));
        assert.equal((error as { offset?: number }).offset, 24 + 16, String(error));
        assert.match((error as Error).message, pattern);
        return true;
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Our own BPF C programs.

const PROGRAMS: Record<string, string> = {
  'layout.bpf.c': `
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
struct bits { u8 a:1, b:3; u16 c:9; u32 d:20, :0; u64 e:33; int f:5; char g; long long h:40; u8 i:2; };
struct bits2 { int a:3; int :0; char b; unsigned long long c:7; unsigned long long d:60; short e:1; };
struct __attribute__((packed)) packed1 { char a; int b; short c; long d; };
struct __attribute__((packed)) packed2 { int a; char b; };
struct __attribute__((packed, aligned(2))) packed3 { char a; int b; };
struct holder { char x; struct packed2 p; int y; struct packed1 q[2]; };
struct __attribute__((aligned(16))) al16 { int a; };
struct over { char a; struct al16 b; char c; long d __attribute__((aligned(32))); char e; };
struct tail { long a; char b; };
struct gaps { char a; int b __attribute__((aligned(8))); char c __attribute__((aligned(64))); short d; };
struct empty {};
struct with_empty { int a; struct {} e; struct empty e2; int b; };
union u1 { int a; char b[7]; struct { short x, y; } s; long long l:40; };
struct anon { int kind; union { int i; float f; struct { char c1, c2; }; };
  struct { int deep; union { u8 b; u16 w; } inner; } named_anon; };
struct flex { int n; char data[]; };
struct zero { int n; long z[0]; };
struct bits g_bits; struct bits2 g_bits2; struct holder g_holder; struct over g_over; struct tail g_tail;
struct gaps g_gaps; struct with_empty g_we; union u1 g_u1; struct anon g_anon; struct flex *g_flex;
struct zero g_zero; struct packed3 g_p3;
__int128 g_i128; _Bool g_bool; double g_d; float g_f; long double g_ld;
int f(struct bits *b) { return b->a; }
`,
  'decls.bpf.c': `
struct node; typedef struct node node_t;
struct node { node_t *next; struct node *prev; struct other *o; int (*cmp)(const node_t *, const node_t *); };
struct other { struct node n; struct opaque *op; union fwd_u *fu; };
struct a; struct b { struct a *pa; }; struct a { struct b b; struct a *self; };
typedef struct { int x; } anon_t;
typedef union { int i; float f; } anon_u;
typedef enum { AE1, AE2 } anon_e;
typedef int (*handler_t)(void *ctx, ...);
typedef void (*voidfn_t)(void);
typedef int arr_t[4][5];
typedef const char *cstr;
typedef int (*(*fn_ret_fn_t)(int))(long);
struct fns { handler_t h; int (*arr[3])(int); void (*(*ptr_arr)[2])(char); char *(*ret_ptr)(void); fn_ret_fn_t r;
  int (*(*nested)(int (*)(int)))(int); };
struct quals { const int ci; volatile int vi; const volatile int cvi; int *restrict rp; const char *const cpc;
  volatile int *const vpc; const int carr[3]; const int *parr[2]; int (*pta)[10]; const struct node *cn; void * const *vpp; };
struct tags { int __attribute__((btf_type_tag("user"))) *up; int __attribute__((btf_type_tag("a"))) __attribute__((btf_type_tag("b"))) **pp;
  const int __attribute__((btf_type_tag("c"))) *cp; } __attribute__((btf_decl_tag("sdecl")));
struct dtag { int x __attribute__((btf_decl_tag("member"))); };
enum sgn { NEG = -5, ZERO = 0, POS = 7 };
enum uns { U0 = 0, UBIG = 0xffffffff };
enum e64 { E64A = 0x100000000ULL, E64B = 0xffffffffffffffffULL };
enum __attribute__((packed)) small { SM1 = 1, SM2 = 200 };
enum __attribute__((packed)) small16 { S16 = 1000 };
enum { TOP_A = 1, TOP_B = 2 } g_top;
struct uses { enum { INL_X, INL_Y } inl; enum sgn s; enum e64 e; enum small sm; enum small16 s16; anon_e ae; };
struct node g_node; struct other g_other; struct a g_a; anon_t g_at; anon_u g_au; struct fns g_fns; struct quals g_q;
struct tags g_tags; struct dtag g_dtag; enum uns g_uns; struct uses g_uses; arr_t g_arr; cstr g_cstr; voidfn_t g_vfn;
int __attribute__((btf_decl_tag("fdecl"))) fn(struct node *n, int x __attribute__((btf_decl_tag("param")))) { return n ? x : 0; }
`,
  // Two units defining different types under the same names; linked, they need ___2 suffixes.
  'clash1.bpf.c': `
struct dup { int a; }; typedef int dup_t; enum de { DE_A = 1, DE_B };
struct only1 { struct dup d; dup_t t; enum de e; }; struct only1 g1;
`,
  'clash2.bpf.c': `
struct dup { long b; char c; }; typedef long dup_t; enum de { DE_A = 5, DE_C };
struct only2 { struct dup d; dup_t t; enum de e; }; struct only2 g2;
`,
};

function compile(source: string, target: 'bpfel' | 'bpfeb'): string {
  const input = join(work, source);
  writeFileSync(input, PROGRAMS[source]!);
  const output = join(work, source.replace('.bpf.c', `.${target}.o`));
  execFileSync('clang', ['-g', '-O2', '-target', target, '-c', input, '-o', output], { stdio: ['ignore', 'ignore', 'inherit'] });
  return output;
}

function btfOfObject(file: string): BtfSource {
  const section = parseElf(new Uint8Array(readFileSync(file))).sectionByName('.BTF');
  assert.ok(section, `${file} has no .BTF section`);
  return Btf!.parse(section.data);
}

describe('formatBtfAsC on our BPF objects', () => {
  const skip = !HAVE_CLANG ? 'clang is not installed' : NO_PARSER || NO_BPFTOOL;
  for (const target of ['bpfel', 'bpfeb'] as const) {
    for (const source of ['layout.bpf.c', 'decls.bpf.c']) {
      test(`${source} (${target}) matches bpftool`, { skip }, () => {
        const object = compile(source, target);
        assertSameText(formatBtfAsC(btfOfObject(object)), bpftoolFormatC(object), `${source} ${target}`);
      });
    }
  }

  test('clashing names from two linked units are numbered as bpftool numbers them', { skip }, () => {
    const linked = join(work, 'clash.o');
    execFileSync('bpftool', ['gen', 'object', linked, compile('clash1.bpf.c', 'bpfel'), compile('clash2.bpf.c', 'bpfel')]);
    const text = formatBtfAsC(btfOfObject(linked));
    assertSameText(text, bpftoolFormatC(linked), 'linked clash.o');
    assert.match(text, /^struct dup___2 \{$/m);
    assert.match(text, /^\tDE_A___2 = 5,$/m);
  });
});

// ---------------------------------------------------------------------------------------------
// Kernel BTF.

const VMLINUX = '/sys/kernel/btf/vmlinux';
const FIXTURES = join(process.env.TSBPF_FIXTURES ?? '/var/cache/tsbpf-fixtures', 'kernel-btf');

describe('formatBtfAsC on kernel BTF', () => {
  test('this kernel\'s vmlinux matches bpftool byte for byte', { skip: !existsSync(VMLINUX) ? `${VMLINUX} is absent` : NO_PARSER || NO_BPFTOOL }, () => {
    const ours = formatBtfAsCBytes(Btf!.parse(new Uint8Array(readFileSync(VMLINUX))));
    const theirs = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], { maxBuffer: 256 << 20 });
    if (Buffer.compare(Buffer.from(ours), theirs) !== 0) {
      assertSameText(new TextDecoder().decode(ours), theirs.toString('utf8'), 'vmlinux');
    }
  });

  const baseFile = join(FIXTURES, 'vmlinux.btf');
  const noFixtures = existsSync(baseFile) ? NO_PARSER || NO_BPFTOOL : `no split-BTF fixtures at ${FIXTURES} (run scripts/fetch-kernel-btf.sh)`;

  test('Debian 6.1 vmlinux and a sample of its modules (split BTF) match bpftool', { skip: noFixtures }, () => {
    const baseBytes = new Uint8Array(readFileSync(baseFile));
    assertSameText(formatBtfAsC(Btf!.parse(baseBytes)), bpftoolFormatC(baseFile), 'Debian vmlinux');
    const modules = readdirSync(join(FIXTURES, 'modules')).filter((name) => name.endsWith('.btf')).sort();
    // Each module's header repeats all of vmlinux (bpftool dumps base types too), so by default a
    // spread-out sample; TSBPF_DUMP_C_ALL_MODULES=1 checks every one.
    const every = process.env.TSBPF_DUMP_C_ALL_MODULES === '1' ? 1 : Math.max(1, Math.floor(modules.length / 12));
    for (let i = 0; i < modules.length; i += every) {
      const file = join(FIXTURES, 'modules', modules[i]!);
      // A fresh base each time: split BTF must not depend on what an earlier dump touched.
      const btf = Btf!.parse(new Uint8Array(readFileSync(file)), { base: Btf!.parse(baseBytes) });
      assertSameText(formatBtfAsC(btf), bpftoolFormatC(file, baseFile), modules[i]!);
    }
  });
});
