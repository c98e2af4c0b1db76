/**
 * What the CO-RE engine refuses, and that it never crashes: ambiguous candidates (checked against
 * libbpf, which refuses the same relocation), malformed access strings, type ids out of range,
 * unknown kinds, instructions that do not hold clang's value, and random relocation records. Every
 * refusal is a CoreError naming the program, the instruction and the relocation, and leaves the
 * program's instructions untouched.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { slotIndexes, type Instruction } from '../../asm/instruction.js';
import { LOAD_IMM64_OPCODE } from '../../asm/opcodes.js';
import { Btf } from '../../btf/btf.js';
import { CoreRelocationKind, type CoreRelocation } from '../../btf/ext-records.js';
import { parseElf } from '../../elf/index.js';
import { corpus } from '../../test-support/corpus.js';
import { CoreCandidateCache, type CoreTarget } from './candidates.js';
import { CoreError } from './core-error.js';
import { readCoreObject, type CoreProgram } from './core-object.test-support.js';
import { oracleUnavailable } from './libbpf-oracle.test-support.js';
import { compareWithLibbpf } from './oracle-compare.test-support.js';
import { CORE_POISON_IMMEDIATE } from './patch.js';
import { relocateCore, type CoreSite } from './relocate.js';
import { compileTestObject, hostTarget } from './targets.test-support.js';

const AMBIGUOUS_TARGET = `
struct amb___a { int x; int a; } target_a;
struct amb___b { int a; } target_b;
char LICENSE[] SEC("license") = "GPL";`;

const AMBIGUOUS_LOCAL = `
struct amb { int a; } __attribute__((preserve_access_index));
__u64 out;
SEC("raw_tp/sys_enter") int read_amb(void *ctx) { struct amb *p = (void *)0x1000; out = bpf_core_field_offset(p->a); return 0; }
char LICENSE[] SEC("license") = "GPL";`;

test('ambiguous candidates that disagree: refused by tsbpf exactly where libbpf refuses', (t) => {
  const reason = oracleUnavailable();
  if (reason) return t.skip(reason);
  const targetPath = compileTestObject('ambiguous-target', AMBIGUOUS_TARGET);
  const localPath = compileTestObject('ambiguous-local', AMBIGUOUS_LOCAL);
  const target: CoreTarget = { name: 'custom', btf: Btf.parse(parseElf(new Uint8Array(readFileSync(targetPath))).sectionByName('.BTF')!.data) };
  const comparison = compareWithLibbpf(localPath, new Uint8Array(readFileSync(localPath)), [target], targetPath);
  assert.deepEqual(comparison.mismatches, []);
  const [site] = comparison.sites;
  assert.equal(site?.outcome, 'failed');
  assert.ok(site.error instanceof CoreError);
  assert.equal(site.error.program, 'read_amb');
  assert.equal(site.error.relocationKind, 'byte_off');
  assert.match(site.error.reason, /field offset ambiguity/);
  assert.match(site.error.message, /read_amb.*relo #0.*byte_off/);
  assert.ok(site.error.hint.length > 0);
});

/** core_task's first program, against this kernel, or why it can't be had. */
function taskProgram(): { program: CoreProgram; local: Btf; target: CoreTarget } | string {
  const built = corpus();
  if (typeof built === 'string') return built;
  const target = hostTarget();
  if (typeof target === 'string') return target;
  const object = readCoreObject(new Uint8Array(readFileSync(built.path('loader/core_task.bpf.o'))));
  return { program: object.programs.find((program) => program.name === 'task_fields')!, local: object.btf, target };
}

function copy(instructions: readonly Instruction[]): Instruction[] {
  return instructions.map((insn) => ({ ...insn }));
}

function withRelocation(site: CoreSite, change: Partial<CoreRelocation>): CoreSite {
  return { instructionIndex: site.instructionIndex, relocation: { ...site.relocation, ...change } };
}

test('malformed records are CoreErrors naming program, instruction and relocation; the program is left untouched', (t) => {
  const setup = taskProgram();
  if (typeof setup === 'string') return t.skip(setup);
  const { program, local, target } = setup;
  const good = program.sites[0]!;
  const field = program.sites.find((site) => site.relocation.kind === CoreRelocationKind.FieldByteOffset && site.relocation.accessString.split(':').length === 2)!;
  const cases: [string, CoreSite, RegExp][] = [
    ['empty access string', withRelocation(field, { accessString: '' }), /malformed access string/],
    ['leading colon', withRelocation(field, { accessString: ':0' }), /malformed access string/],
    ['doubled colon', withRelocation(field, { accessString: '0::1' }), /malformed access string/],
    ['trailing colon', withRelocation(field, { accessString: '0:' }), /malformed access string/],
    ['letters', withRelocation(field, { accessString: '0:x' }), /malformed access string/],
    ['negative index', withRelocation(field, { accessString: '0:-1' }), /out of range/],
    ['member past the struct', withRelocation(field, { accessString: '0:100000' }), /member 100000/],
    ['array index past the array', withRelocation(field, { accessString: `0:${field.relocation.accessString.split(':')[1]}:3` }), /unexpected kind|element 3/],
    ['too long', withRelocation(field, { accessString: Array(70).fill('0').join(':') }), /longer than 64/],
    ['type relocation with a field path', withRelocation(field, { kind: CoreRelocationKind.TypeSize, accessString: '0:1' }), /not "0"/],
    ['enum relocation on a struct', withRelocation(field, { kind: CoreRelocationKind.EnumvalValue, accessString: '0' }), /does not name an enumerator/],
    ['unknown kind', withRelocation(field, { kind: 13 }), /unknown relocation kind 13/],
    ['type id out of range', withRelocation(field, { typeId: 1_000_000 }), /out of range/],
    ['type id of an anonymous type', withRelocation(field, { typeId: anonymousStruct(local) }), /anonymous/],
    ['instruction index out of range', { ...good, instructionIndex: program.instructions.length + 5 }, /outside the program/],
    ['instruction that does not hold the local value', { ...field, instructionIndex: field.instructionIndex + 1 }, /unexpected insn|unrecognized insn|register operand/],
  ];
  for (const [label, bad, reason] of cases) {
    const instructions = copy(program.instructions);
    // the bad record comes after a good one, which must not be applied either
    assert.throws(
      () => relocateCore(instructions, [good, bad], local, [target], { programName: program.name }),
      (error: unknown) => {
        assert.ok(error instanceof CoreError, `${label}: ${String(error)}`);
        assert.equal(error.program, program.name, label);
        assert.equal(error.relocationIndex, 1, label);
        assert.equal(error.instructionIndex, bad.instructionIndex, label);
        assert.match(error.reason, reason, label);
        assert.ok(error.hint, label);
        return true;
      },
      label,
    );
    assert.deepEqual(instructions, program.instructions, `${label}: instructions changed`);
  }
});

function anonymousStruct(btf: Btf): number {
  for (let id = 1; id < btf.typeCount; id++) if (btf.kindOf(id) === 4 && btf.nameOf(id) === '') return id;
  return 0;
}

test('random relocation records never crash: each is applied or refused with a CoreError', (t) => {
  const setup = taskProgram();
  if (typeof setup === 'string') return t.skip(setup);
  const { program, local, target } = setup;
  let seed = 0x2545f491;
  const random = (n: number) => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const alphabet = '0123456789:::-+ x';
  let refused = 0;
  let applied = 0;
  const cache = new CoreCandidateCache();
  for (let i = 0; i < 3000; i++) {
    cache.beginLoad();
    const base = program.sites[random(program.sites.length)]!;
    const accessString = random(3) === 0
      ? Array.from({ length: 1 + random(8) }, () => alphabet[random(alphabet.length)]).join('')
      : base.relocation.accessString.split(':').map((part) => (random(4) === 0 ? String(random(200)) : part)).join(':');
    const relocation = { ...base.relocation, kind: random(15), typeId: random(4) === 0 ? random(local.typeCount + 10) : base.relocation.typeId, accessString };
    const site = { instructionIndex: random(5) === 0 ? random(program.instructions.length + 2) : base.instructionIndex, relocation };
    try {
      relocateCore(copy(program.instructions), [site], local, [target], { programName: program.name, cache });
      applied++;
    } catch (error) {
      assert.ok(error instanceof CoreError, `${JSON.stringify(relocation)}: ${String(error)}`);
      assert.doesNotMatch(error.reason, /internal failure/, JSON.stringify(relocation));
      refused++;
    }
  }
  assert.ok(refused > 100 && applied > 100, `refused ${refused}, applied ${applied}`);
});

test('a poisoned ld_imm64 becomes two poison calls: the slot layout is kept and later sites still land right', (t) => {
  const built = corpus();
  const target = hostTarget();
  if (typeof built === 'string' || typeof target === 'string') return t.skip(typeof built === 'string' ? built : target as string);
  const object = readCoreObject(new Uint8Array(readFileSync(built.path('loader/core_flavors.bpf.o'))));
  const program = object.programs.find((candidate) => candidate.name === 'missing')!;
  const instructions = copy(program.instructions);
  const outcomes = relocateCore(instructions, program.sites, object.btf, [target], { programName: program.name });
  const poisonedWide = program.sites.filter((site, i) => outcomes[i]!.result === 'poisoned' && program.instructions[site.instructionIndex]!.opcode === LOAD_IMM64_OPCODE);
  assert.ok(poisonedWide.length > 0, 'the object has a poisoned ld_imm64');
  assert.equal(instructions.length, program.instructions.length + poisonedWide.length);
  assert.equal(slotIndexes(instructions).at(-1), slotIndexes(program.instructions).at(-1));
  const before = slotIndexes(program.instructions);
  const after = slotIndexes(instructions);
  for (const [i, site] of program.sites.entries()) {
    const at = after.indexOf(before[site.instructionIndex]!);
    const insn = instructions[at]!;
    if (outcomes[i]!.result === 'poisoned') {
      assert.equal(insn.imm, CORE_POISON_IMMEDIATE);
      assert.equal(insn.opcode, 0x85);
    } else {
      assert.equal(insn.opcode, program.instructions[site.instructionIndex]!.opcode, outcomes[i]!.description);
    }
    assert.match(outcomes[i]!.description, /^prog 'missing': relo #\d+: <\w+> \[\d+\]/);
  }
});
