/**
 * The ABI (generated from kernel BTF, and the hand-written defines) against the C compiler's view of the installed UAPI headers: every member
 * offset in abi.ts that /usr/include/linux/bpf.h (and perf_event.h) also has must agree. Members newer
 * than the installed headers are reported, not failed: the headers may be older than the kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as abi from './abi.js';

interface Layout { name: string; table: Record<string, number>; cType: string; prefix: string; aliases?: Record<string, string>; skip?: string[] }

const LAYOUTS: Layout[] = [
  { name: 'MapCreateAttr', table: abi.MapCreateAttr, cType: 'union bpf_attr', prefix: '' },
  { name: 'MapElemAttr', table: abi.MapElemAttr, cType: 'union bpf_attr', prefix: '' },
  { name: 'MapBatchAttr', table: abi.MapBatchAttr, cType: 'union bpf_attr', prefix: 'batch.' },
  { name: 'ProgLoadAttr', table: abi.ProgLoadAttr, cType: 'union bpf_attr', prefix: '' },
  { name: 'ObjPinAttr', table: abi.ObjPinAttr, cType: 'union bpf_attr', prefix: '' },
  { name: 'ProgAttachAttr', table: abi.ProgAttachAttr, cType: 'union bpf_attr', prefix: '' },
  { name: 'TestRunAttr', table: abi.TestRunAttr, cType: 'union bpf_attr', prefix: 'test.' },
  { name: 'GetIdAttr', table: abi.GetIdAttr, cType: 'union bpf_attr', prefix: '', aliases: { id: 'prog_id' } },
  { name: 'InfoAttr', table: abi.InfoAttr, cType: 'union bpf_attr', prefix: 'info.' },
  { name: 'BtfLoadAttr', table: abi.BtfLoadAttr, cType: 'union bpf_attr', prefix: '' },
  { name: 'EnableStatsAttr', table: abi.EnableStatsAttr, cType: 'union bpf_attr', prefix: 'enable_stats.' },
  { name: 'ProgBindMapAttr', table: abi.ProgBindMapAttr, cType: 'union bpf_attr', prefix: 'prog_bind_map.' },
  {
    name: 'LinkCreateAttr', table: abi.LinkCreateAttr, cType: 'union bpf_attr', prefix: 'link_create.',
    // per-link-type members are named `<type>_<member>` in the table, `<type>.<member>` in C
    aliases: Object.fromEntries(Object.keys(abi.LinkCreateAttr).filter((key) => /^(perf_event|tracing|kprobe_multi|netfilter|tcx|uprobe_multi)_/.test(key))
      .map((key) => [key, key.replace(/^(perf_event|tracing|kprobe_multi|netfilter|tcx|uprobe_multi)_/, '$1.')])),
  },
  { name: 'LinkUpdateAttr', table: abi.LinkUpdateAttr, cType: 'union bpf_attr', prefix: 'link_update.' },
  { name: 'IterCreateAttr', table: abi.IterCreateAttr, cType: 'union bpf_attr', prefix: 'iter_create.' },
  { name: 'RawTracepointOpenAttr', table: abi.RawTracepointOpenAttr, cType: 'union bpf_attr', prefix: 'raw_tracepoint.' },
  { name: 'ProgQueryAttr', table: abi.ProgQueryAttr, cType: 'union bpf_attr', prefix: 'query.' },
  { name: 'TaskFdQueryAttr', table: abi.TaskFdQueryAttr, cType: 'union bpf_attr', prefix: 'task_fd_query.' },
  { name: 'LinkDetachAttr', table: abi.LinkDetachAttr, cType: 'union bpf_attr', prefix: 'link_detach.' },
  { name: 'ProgInfoLayout', table: abi.ProgInfoLayout, cType: 'struct bpf_prog_info', prefix: '', skip: ['gpl_compatible'] },
  { name: 'MapInfoLayout', table: abi.MapInfoLayout, cType: 'struct bpf_map_info', prefix: '' },
  { name: 'BtfInfoLayout', table: abi.BtfInfoLayout, cType: 'struct bpf_btf_info', prefix: '' },
  { name: 'LinkInfoLayout', table: abi.LinkInfoLayout, cType: 'struct bpf_link_info', prefix: '', skip: ['union'] },
  { name: 'PerfEventAttrLayout', table: abi.PerfEventAttrLayout, cType: 'struct perf_event_attr', prefix: '', skip: ['flags', 'total'] },
];

interface Member { layout: string; key: string; cType: string; path: string; offset: number }

function members(): Member[] {
  return LAYOUTS.flatMap((layout) => Object.entries(layout.table)
    .filter(([key]) => key !== 'size' && !(layout.skip ?? []).includes(key))
    .map(([key, offset]) => ({ layout: layout.name, key, cType: layout.cType, path: layout.prefix + (layout.aliases?.[key] ?? key), offset })));
}

/** Compiles a program printing each member's offset; members the header lacks are dropped and retried. */
function headerOffsets(all: Member[]): { offsets: Map<Member, number>; missing: Member[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-abi-'));
  let present = all;
  const missing: Member[] = [];
  try {
    for (let pass = 0; pass < 20; pass++) {
      const lines = present.map((m) => `  printf("%lu\\n", (unsigned long)__builtin_offsetof(${m.cType}, ${m.path}));`);
      writeFileSync(join(dir, 'offsets.c'), `#include <stdio.h>\n#include <linux/bpf.h>\n#include <linux/perf_event.h>\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`);
      try {
        execFileSync('cc', ['-w', '-o', join(dir, 'offsets'), join(dir, 'offsets.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
        const unknown = new Set([...stderr.matchAll(/no member named ['‘](\w+)['’]/g)].map((m) => m[1]));
        if (unknown.size === 0) throw error;
        const drop = present.filter((m) => m.path.split('.').some((segment) => unknown.has(segment)));
        missing.push(...drop);
        present = present.filter((m) => !drop.includes(m));
        continue;
      }
      const printed = execFileSync(join(dir, 'offsets'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      return { offsets: new Map(present.map((m, i) => [m, printed[i]!])), missing };
    }
    throw new Error('too many members missing from the installed headers');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every ABI member offset matches the installed UAPI headers', (t) => {
  const { offsets, missing } = headerOffsets(members());
  assert.ok(offsets.size > 150, `only ${offsets.size} members compared`);
  for (const [member, offset] of offsets) {
    assert.equal(member.offset, offset, `${member.layout}.${member.key} is ${member.offset} in abi.ts, ${offset} in the header`);
  }
  if (missing.length) t.diagnostic(`newer than the installed headers, not compared: ${missing.map((m) => `${m.layout}.${m.key}`).join(', ')}`);
});

test('every attribute size covers the members the command writes', () => {
  for (const layout of LAYOUTS.filter((l) => l.cType === 'union bpf_attr')) {
    const size = layout.table.size!;
    assert.ok(size <= abi.BPF_ATTR_SIZE, `${layout.name}.size ${size} exceeds union bpf_attr`);
  }
});
