#!/usr/bin/env node
/**
 * `npm run fuzz -- [--cases N] [--seed S] [--only K,K] [--slow-ms MS] [--vmlinux-weight W]`
 * Mutates the corpus objects (built by corpus/build.sh when missing), their .BTF sections on their
 * own, /bin/ls and /sys/kernel/btf/vmlinux, and runs the ELF, BTF and BTF.ext readers on each case,
 * and on parsed BTF the C dumper, the raw dump and the value decoders (src/fuzz/targets.ts). Exits 1 when any
 * case throws an untyped exception or runs over the time limit, printing how to replay it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { corpus } from '../test-support/corpus.js';
import { fuzz, type FuzzFailure } from './fuzz.js';
import { btfInput, btfSectionInputs, elfInput, type FuzzInput } from './inputs.js';

export function defaultInputs(vmlinuxWeight = 2): FuzzInput[] {
  const built = corpus();
  if (typeof built === 'string') throw new Error(built);
  const inputs = built.objects.map((name) => name.includes('.i386.')
    ? { name, kind: 'elf' as const, bytes: new Uint8Array(readFileSync(built.path(name))), structuralOffsets: [0, 4, 16, 20, 24, 28, 32], weight: 1 }
    : elfInput(name, new Uint8Array(readFileSync(built.path(name))), 10));
  inputs.push(...btfSectionInputs(built.bpfObjects.map((name) => ({ name, bytes: new Uint8Array(readFileSync(built.path(name))) })), 5));
  if (existsSync('/bin/ls')) inputs.push(elfInput('/bin/ls', new Uint8Array(readFileSync('/bin/ls')), 2));
  const vmlinux = '/sys/kernel/btf/vmlinux';
  if (vmlinuxWeight > 0 && existsSync(vmlinux)) inputs.push(btfInput(vmlinux, new Uint8Array(readFileSync(vmlinux)), vmlinuxWeight));
  return inputs;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string' },
      'slow-ms': { type: 'string', default: '1000' },
      'vmlinux-weight': { type: 'string', default: '2' },
    },
  });
  const seed = Number(values.seed);
  const cases = Number(values.cases);
  const inputs = defaultInputs(Number(values['vmlinux-weight']));
  const only = values.only?.split(',').map(Number);
  process.stdout.write(`fuzz: ${only ? `replaying case(s) ${only.join(',')}` : `${cases} cases`}, seed ${seed}, ${inputs.length} inputs\n`);
  const stats = await fuzz({
    inputs, cases, seed, only, slowMilliseconds: Number(values['slow-ms']), progressEvery: 10000,
    progress: (done, partial) => process.stdout.write(`  ${done} cases, ${partial.untyped.length} untyped, ${partial.slow.length} slow, ${(performance.now() / 1000).toFixed(0)} s\n`),
  });
  const report = (label: string, failures: FuzzFailure[]): void => {
    for (const failure of failures.slice(0, 10)) {
      process.stdout.write(`${label} case ${failure.caseIndex} (${failure.input}: ${failure.mutation}):\n  ${failure.problem.split('\n').slice(0, 6).join('\n  ')}\n  replay: npm run fuzz -- --seed ${seed} --only ${failure.caseIndex}\n`);
    }
    if (failures.length > 10) process.stdout.write(`... and ${failures.length - 10} more ${label} cases\n`);
  };
  report('UNTYPED', stats.untyped);
  report('SLOW', stats.slow);
  process.stdout.write(`fuzz: ${stats.cases} cases in ${(stats.milliseconds / 1000).toFixed(1)} s: ${stats.typedErrors} refused with typed errors, ${stats.accepted} accepted, `
    + `${stats.untyped.length} untyped exceptions, ${stats.slow.length} over ${values['slow-ms']} ms (slowest ${stats.slowestMilliseconds.toFixed(1)} ms); `
    + `BTF parser ${stats.btfParser ? 'exercised' : 'absent (src/btf/btf.ts not built yet), BTF blobs skipped'}\n`);
  return stats.untyped.length || stats.slow.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
