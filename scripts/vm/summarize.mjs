// Host side of a guest run: reads RESULTS/summary.json, guest.json and exit-code (written by the guest),
// prints the failures, the skips with their reasons and the timings, ends with the closing count line,
// and exits non-zero when a test failed or the guest left no complete results.
//
//   node scripts/vm/summarize.mjs RESULTS KERNEL [HOST_SECONDS]
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [results, kernel, hostSeconds] = process.argv.slice(2);
const read = (name) => (existsSync(join(results, name)) ? readFileSync(join(results, name), 'utf8') : undefined);
const summaryText = read('summary.json');
const guestText = read('guest.json');
const exitCode = read('exit-code')?.trim();

let summary;
try {
  summary = summaryText ? JSON.parse(summaryText) : undefined;
} catch {
  summary = undefined;
}
if (!summary || exitCode === undefined) {
  console.log(`vm ${kernel}: the guest left no complete results in ${results} (console.log there says how far it got)`);
  console.log('vm: 0 passed, 1 failed');
  process.exit(1);
}
const guest = guestText ? JSON.parse(guestText) : {};
const where = (test) => (test.file ? ` (${relative(process.cwd(), test.file)})` : '');

const failed = summary.tests.filter((t) => t.outcome === 'failed' && !(t.kind === 'suite' && t.error?.match(/^\d+ subtests? failed$/)));
const skipped = summary.tests.filter((t) => t.outcome === 'skipped');
console.log(`\nvm ${kernel} (${guest.kernel ?? '?'}): boot ${guest.bootSeconds ?? '?'} s, suite ${guest.suiteSeconds ?? '?'} s${hostSeconds ? `, ${hostSeconds} s on the host in all` : ''}; results in ${results}`);
if (skipped.length) {
  console.log(`skipped in the guest (${skipped.length}):`);
  for (const test of skipped) console.log(`  - ${test.name}${where(test)}: ${test.reason ?? '(no reason given)'}`);
}
if (failed.length) {
  console.log(`failed in the guest (${failed.length}):`);
  for (const test of failed) console.log(`  x ${test.name}${where(test)}: ${(test.error ?? '').split('\n')[0]}`);
}
const bad = summary.failed > 0 || summary.failedSuites > 0 || exitCode !== '0';
if (exitCode !== '0' && summary.failed === 0) console.log(`node's test runner exited with ${exitCode} in the guest`);
console.log(`vm: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
process.exit(bad ? 1 : 0);
