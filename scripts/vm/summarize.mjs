// Host side of a guest run: reads RESULTS/tests.jsonl, guest.json and exit-code (written by the guest),
// writes RESULTS/summary.json (counts, timings and every test's outcome), prints the failures, the
// skips with their reasons and the timings, ends with the closing count line, and exits non-zero when a
// test failed or the guest did not finish.
//
//   node scripts/vm/summarize.mjs RESULTS KERNEL HOST_SECONDS [PROBLEM]
//
// PROBLEM is the host's own finding about the guest (it hit the time limit, qemu failed), if any.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [results, kernel, hostSeconds, problem] = process.argv.slice(2);
const read = (name) => (existsSync(join(results, name)) ? readFileSync(join(results, name), 'utf8') : undefined);

const tests = [];
for (const line of (read('tests.jsonl') ?? '').split('\n')) {
  if (!line.trim()) continue;
  try {
    tests.push(JSON.parse(line));
  } catch {
    // the last line of a guest stopped mid-write
  }
}
let guest = {};
try {
  guest = JSON.parse(read('guest.json') ?? '{}');
} catch {
  guest = {};
}
const exitCode = read('exit-code')?.trim();
const finished = exitCode !== undefined && !problem;

const leaves = tests.filter((t) => t.kind === 'test');
const count = (what) => leaves.filter((t) => t.outcome === what).length;
// "N subtests failed" on a suite repeats its children; a suite failing by itself (a hook, a crashed
// file) is a failure of its own
const ownFailure = (t) => t.outcome === 'failed' && !(t.kind === 'suite' && /^\d+ subtests? failed$/.test(t.error ?? ''));
const failures = tests.filter(ownFailure);
const skipped = tests.filter((t) => t.outcome === 'skipped');
const summary = {
  kernel,
  guestKernel: guest.kernel,
  bootSeconds: guest.bootSeconds,
  suiteSeconds: guest.suiteSeconds,
  hostSeconds: Number(hostSeconds),
  finished,
  problem: problem || (exitCode === undefined ? 'the guest wrote no exit code' : undefined),
  nodeExit: exitCode === undefined ? undefined : Number(exitCode),
  passed: count('passed'),
  failed: count('failed'),
  skipped: count('skipped'),
  todo: count('todo'),
  failedSuites: tests.filter((t) => t.kind === 'suite' && ownFailure(t)).length,
  tests,
};
writeFileSync(join(results, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);

const where = (test) => (test.file ? ` (${relative(process.cwd(), test.file)})` : '');
console.log(`\nvm ${kernel} (${guest.kernel ?? '?'}): boot ${guest.bootSeconds ?? '?'} s, suite ${guest.suiteSeconds ?? '?'} s, ${hostSeconds} s on the host in all; results in ${results}`);
if (skipped.length) {
  console.log(`skipped in the guest (${skipped.length}):`);
  for (const test of skipped) console.log(`  - ${test.name}${where(test)}: ${test.reason ?? '(no reason given)'}`);
}
if (failures.length) {
  console.log(`failed in the guest (${failures.length}):`);
  for (const test of failures) console.log(`  x ${test.name}${where(test)}: ${(test.error ?? '').split('\n')[0]}`);
}
if (summary.problem) console.log(`vm ${kernel}: ${summary.problem}; console.log there says how far it got`);
else if (exitCode !== '0' && failures.length === 0) console.log(`vm ${kernel}: node's test runner exited with ${exitCode} in the guest`);
// a guest that did not finish counts as one failure, so the closing line never reads as green
const failedCount = summary.failed + summary.failedSuites + (finished ? 0 : 1);
console.log(`vm: ${summary.passed} passed, ${failedCount} failed, ${summary.skipped} skipped`);
process.exit(failedCount > 0 || exitCode !== '0' ? 1 : 0);
