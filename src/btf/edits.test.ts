/** The loader's BTF edits on a clang object's BTF, checked through bpftool's raw dump of the result. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseElf } from '../elf/index.js';
import { Btf } from './btf.js';
import { fixDatasecs, sanitizeBtf } from './edits.js';
import { MutableBtf } from './mutable.js';
import { BtfKind } from './types.js';
import { writeBtf } from './writer.js';
import { formatBtfRaw } from './dump-raw.js';

const SOURCE = `
struct s { int a:3; int b:5; long c; };
enum e { A = -1, B = 2 };
enum big { HUGE = 0x100000000ULL };
int g = 1; int g2 = 3; static volatile const int r = 2; struct s sv; enum e ev; enum big eb;
__attribute__((btf_decl_tag("tag"))) int f(struct s *p, int __attribute__((btf_type_tag("user"))) *q) { return p->a + *q + r + g2; }
float fl;
`;

function compile(): { elf: ReturnType<typeof parseElf>; btf: Btf } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-edits-'));
  try {
    writeFileSync(join(dir, 'o.bpf.c'), SOURCE);
    execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-c', join(dir, 'o.bpf.c'), '-o', join(dir, 'o.bpf.o')]);
    const elf = parseElf(execFileSync('cat', [join(dir, 'o.bpf.o')]));
    return { elf, btf: Btf.parse(elf.sectionByName('.BTF')!.data) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('BTF edits', () => {
  const { elf, btf } = compile();

  test('fixDatasecs sets DATASEC sizes and VAR offsets from the ELF, sorted by offset', () => {
    const mutable = MutableBtf.from(btf);
    const sectionSizes = new Map(elf.sections.map((s) => [s.name, Number(s.size)] as const));
    const symbols = new Map(elf.symbols.filter((s) => s.name).map((s) => [s.name, Number(s.value)] as const));
    fixDatasecs(mutable, { sectionSizes, symbols });
    const parsed = Btf.parse(writeBtf(mutable));
    const data = parsed.findByName('.data', BtfKind.Datasec)[0]!;
    assert.ok(data.kind === BtfKind.Datasec);
    assert.equal(data.size, 8);
    assert.deepEqual(data.variables.map((v) => [parsed.type(v.type).name, v.offset]), [['g', symbols.get('g')], ['g2', symbols.get('g2')]].sort((a, b) => Number(a[1]) - Number(b[1])));
    const bss = parsed.findByName('.bss', BtfKind.Datasec)[0]!;
    assert.ok(bss.kind === BtfKind.Datasec && bss.size === sectionSizes.get('.bss'));
  });

  test('sanitizeBtf rewrites every kind an old kernel lacks into one it has', () => {
    const mutable = MutableBtf.from(btf);
    const changed = sanitizeBtf(mutable, { func: false, funcGlobal: false, datasec: false, qmarkDatasec: false, float: false, declTag: false, typeTag: false, enum64: false });
    assert.ok(changed > 0);
    const parsed = Btf.parse(writeBtf(mutable));
    const kinds = new Set([...parsed.types()].map((t) => t.kind));
    for (const gone of [BtfKind.Func, BtfKind.FuncProto, BtfKind.Var, BtfKind.Datasec, BtfKind.Float, BtfKind.DeclTag, BtfKind.TypeTag, BtfKind.Enum64]) {
      assert.ok(!kinds.has(gone), `kind ${gone} is still there`);
    }
    assert.ok(parsed.findByName('_data', BtfKind.Struct).length === 1);
    // clang 14 emits no ENUM64 (it came with clang 15); the placeholder appears only when one was there
    const hadEnum64 = [...btf.types()].some((t) => t.kind === BtfKind.Enum64);
    assert.equal(parsed.findByName('enum64_placeholder', BtfKind.Int).length, hadEnum64 ? 1 : 0);
    assert.ok([...parsed.types()].every((t) => t.kind !== BtfKind.Enum || !t.signed));
    // bpftool reads the result, so libbpf finds it well-formed
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-edits-'));
    try {
      writeFileSync(join(dir, 'out.btf'), writeBtf(mutable));
      assert.equal(execFileSync('bpftool', ['btf', 'dump', 'file', join(dir, 'out.btf')], { encoding: 'utf8' }), formatBtfRaw(parsed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sanitizeBtf with every feature present changes nothing', () => {
    const mutable = MutableBtf.from(btf);
    assert.equal(sanitizeBtf(mutable, { func: true, funcGlobal: true, datasec: true, qmarkDatasec: true, float: true, declTag: true, typeTag: true, enum64: true }), 0);
  });
});
