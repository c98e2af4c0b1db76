/** feature probe kernel against bpftool 7.1's output on the same kernel. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { featureProbeKernel } from '../cli/feature.js';

type Sections = Record<string, Record<string, unknown>>;
const bpftool = (...args: string[]): string => execFileSync('bpftool', [...args, 'feature', 'probe', 'kernel'], { encoding: 'utf8', maxBuffer: 64 << 20 });

const BPFTOOL_SECTIONS = ['system_config', 'syscall_config', 'program_types', 'map_types', 'helpers', 'misc'];

test('JSON: every bpftool key and value, but have_tracing_prog_type, and the reasons after', () => {
  const theirs = JSON.parse(bpftool('-j')) as Sections;
  const ours = JSON.parse(featureProbeKernel({ json: true, pretty: false })) as Sections;
  assert.deepEqual(Object.keys(ours), [...BPFTOOL_SECTIONS, 'tsbpf_notes']);
  assert.deepEqual(Object.keys(theirs), BPFTOOL_SECTIONS);
  for (const section of BPFTOOL_SECTIONS) {
    assert.deepEqual(Object.keys(ours[section]!), Object.keys(theirs[section]!), `${section} keys in bpftool's order`);
    for (const key of Object.keys(theirs[section]!)) {
      if (key === 'have_tracing_prog_type') continue;
      assert.deepEqual(ours[section]![key], theirs[section]![key], `${section}.${key}`);
    }
  }
  // The deliberate difference: where bpftool's fentry probe is refused (this host), tp_btf and iter programs still load.
  assert.equal(ours.program_types!.have_tracing_prog_type, true);
  const notes = ours.tsbpf_notes as Record<string, Record<string, unknown>>;
  const reasons = notes.program_types!;
  if (theirs.program_types!.have_tracing_prog_type === false) {
    assert.match(String(reasons.tracing), /^tp_btf and iter load; fentry\/fexit\/fmod_ret refused \(EPERM\)$/);
    assert.match(String(reasons.lsm), /EPERM with an empty verifier log/);
    assert.match(String(reasons.ext), /EPERM with an empty verifier log/);
  }
  assert.match(String(reasons.lirc_mode2), /not built into this kernel.*EINVAL.*CONFIG_BPF_LIRC_MODE2 is not set/);
  // Every program type bpftool calls missing is explained.
  for (const [key, value] of Object.entries(theirs.program_types!)) {
    const name = key.replace(/^have_(.*)_prog_type$/, '$1');
    if (value === false && name !== 'tracing') assert.ok(reasons[name], `reason for ${name}`);
  }
  assert.ok((notes.allowed_helpers!.socket_filter_allowed_helpers as string[]).includes('bpf_map_lookup_elem'));
  assert.ok(!(notes.allowed_helpers!.socket_filter_allowed_helpers as string[]).includes('bpf_xdp_adjust_head'));
});

test('pretty JSON: bpftool\'s layout byte for byte, the tracing line aside, tsbpf_notes after', () => {
  const theirs = bpftool('-p');
  const ours = featureProbeKernel({ json: true, pretty: true });
  const notesAt = ours.indexOf(',\n    "tsbpf_notes": {');
  assert.ok(notesAt > 0);
  const bpftoolPart = `${ours.slice(0, notesAt)}\n}\n`;
  const withoutTracing = (text: string): string => text.replace(/"have_tracing_prog_type": (true|false)/, '"have_tracing_prog_type": X');
  assert.equal(withoutTracing(bpftoolPart), withoutTracing(theirs));
  assert.ok(ours.endsWith('\n    }\n}\n'));
});

test('text: bpftool\'s lines byte for byte, the tracing lines aside, reasons in a trailing section', () => {
  const theirs = bpftool().split('\n');
  const ours = featureProbeKernel({ json: false, pretty: false }).split('\n');
  const tracingLine = theirs.indexOf('eBPF program_type tracing is NOT available');
  if (tracingLine < 0) {
    // a kernel with trampolines: bpftool and tsbpf agree on every line
    const expected = theirs.slice(0, -1);
    assert.deepEqual(ours.slice(0, expected.length), expected);
    return;
  }
  assert.equal(ours[tracingLine], 'eBPF program_type tracing is available');
  // With tracing supported, bpftool's own logic would say it can't probe its helpers (libbpf refuses to).
  const helpersHeader = theirs.indexOf('eBPF helpers supported for program type tracing:');
  assert.equal(theirs[helpersHeader + 1], '\tProgram type not supported');
  assert.equal(ours[helpersHeader + 1], '\tCould not determine which helpers are available');
  const expected = theirs.slice(0, -1).map((line, i) => (i === tracingLine || i === helpersHeader + 1 ? ours[i] : line));
  assert.deepEqual(ours.slice(0, expected.length), expected);
  const added = ours.slice(expected.length).join('\n');
  assert.match(added, /^Explaining missing and partial features \(tsbpf\)\.\.\.$/m);
  assert.match(added, /^eBPF program_type tracing: tp_btf and iter load; fentry\/fexit\/fmod_ret refused \(EPERM\)$/m);
  for (const name of ['lsm', 'ext', 'lirc_mode2']) assert.match(added, new RegExp(`^eBPF program_type ${name}: .+$`, 'm'));
});
