import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exit, loadMapFd, mov64Imm, Register } from '../asm/index.js';
import { BpfError, ClosedError } from '../errors.js';
import { mapTypeName } from '../maps/map-types.js';
import { AttachType } from '../programs/attach-types.js';
import { Program } from '../programs/program.js';
import { ProgramType } from '../programs/program-types.js';
import { abi, bpf, closeRawFd, FileDescriptor } from '../sys/index.js';
import { bpftoolJson, kernelIds } from '../test-support/kernel.js';
import {
  BtfObject, btfIds, btfInfoById, enableStats, LinkHandle, linkIds, linkInfo, mapIds, mapInfo, mapInfoById,
  programIds, programInfoById, programInstructions,
} from './index.js';

function withMap<T>(name: string, body: (fd: number) => T): T {
  const fd = bpf.mapCreate({ type: abi.MapTypeId.HASH, keySize: 4, valueSize: 8, maxEntries: 16, flags: abi.MapFlags.NO_PREALLOC, name });
  try {
    return body(fd);
  } finally {
    closeRawFd(fd);
  }
}

test('map info matches bpftool, by fd and by id', () => {
  withMap('info_test_map', (fd) => {
    const ours = mapInfo(fd);
    const theirs = bpftoolJson<{ id: number; type: string; name: string; flags: number; bytes_key: number; bytes_value: number; max_entries: number }>('map', 'show', 'id', String(ours.id));
    assert.equal(theirs.type, mapTypeName(ours.type));
    assert.equal(theirs.name, ours.name);
    assert.equal(ours.name, 'info_test_map');
    assert.equal(theirs.flags, ours.flags);
    assert.equal(theirs.bytes_key, ours.keySize);
    assert.equal(theirs.bytes_value, ours.valueSize);
    assert.equal(theirs.max_entries, ours.maxEntries);
    assert.deepEqual(mapInfoById(ours.id), ours);
  });
});

test('next-id iteration lists what bpftool lists', () => {
  withMap('ids_test_map', () => {
    using program = Program.load({ type: ProgramType.SocketFilter, instructions: [mov64Imm(Register.R0, 0), exit()] });
    assert.deepEqual(new Set(programIds()), kernelIds('prog'));
    assert.deepEqual(new Set(mapIds()), kernelIds('map'));
    assert.deepEqual(new Set(btfIds()), new Set(bpftoolJson<{ id: number }[]>('btf', 'list').map((btf) => btf.id)));
    assert.ok([...programIds()].includes(program.id));
    const ids = [...programIds()];
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ascending');
  });
});

test('program info by id names its maps; xlated and jited bytes equal bpftool dumps', () => {
  withMap('insn_test_map', (mapFd) => {
    const instructions = [...loadMapFd(Register.R1, mapFd), mov64Imm(Register.R0, 0), exit()];
    using program = Program.load({ type: ProgramType.Xdp, instructions, name: 'dump_me' });
    const info = programInfoById(program.id);
    assert.equal(info.name, 'dump_me');
    assert.deepEqual(info.mapIds, [mapInfo(mapFd).id]);
    assert.ok(Math.abs(info.loadedAt.getTime() - Date.now()) < 5000, `loaded at ${info.loadedAt.toISOString()}`);
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-dump-'));
    try {
      const xlated = programInstructions(program.fd.value, 'xlated');
      const file = join(dir, 'xlated');
      execFileSync('bpftool', ['prog', 'dump', 'xlated', 'id', String(program.id), 'file', file]);
      assert.deepEqual(xlated, new Uint8Array(readFileSync(file)));
      assert.equal(xlated.length, info.xlatedProgramLength);
      // bpftool here lacks libbfd, so it can't dump jited code; compare the length it reports.
      const jited = programInstructions(program.fd.value, 'jited');
      assert.equal(jited.length, bpftoolJson<{ bytes_jited: number }>('prog', 'show', 'id', String(program.id)).bytes_jited);
      assert.ok(jited.some((byte) => byte !== 0));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

test('vmlinux BTF: info by id and by handle agree with bpftool', () => {
  const theirs = bpftoolJson<{ id: number; size: number; name?: string; kernel?: boolean }[]>('btf', 'list');
  const vmlinux = theirs.find((btf) => btf.name === 'vmlinux');
  assert.ok(vmlinux, 'bpftool lists vmlinux BTF');
  using btf = BtfObject.fromId(vmlinux.id);
  const info = btf.info();
  assert.deepEqual(info, { id: vmlinux.id, size: vmlinux.size, name: 'vmlinux', kernelBtf: true });
  assert.deepEqual(btfInfoById(vmlinux.id), info);
  const data = btf.data();
  assert.equal(data.length, vmlinux.size);
  assert.deepEqual(data.subarray(0, 2), new Uint8Array([0x9f, 0xeb]), 'BTF magic');
  btf.close();
  btf.close();
  assert.throws(() => btf.info(), ClosedError);
});

test('a link: iteration finds it, its info matches bpftool, the handle owns an fd', () => {
  const attachBtfId = Number(/^\[(\d+)\]/.exec(execSync(`bpftool btf dump file /sys/kernel/btf/vmlinux | grep -m1 "TYPEDEF 'btf_trace_sched_switch'"`, { encoding: 'utf8', maxBuffer: 64 << 20 }))![1]);
  using program = Program.load({ type: ProgramType.Tracing, expectedAttachType: AttachType.TraceRawTp, attachBtfId, instructions: [mov64Imm(Register.R0, 0), exit()], name: 'link_info' });
  using link = new LinkHandle(new FileDescriptor(bpf.linkCreate({ programFd: program.fd.value, targetFd: 0, attachType: abi.AttachTypeId.TRACE_RAW_TP }), 'test link'));
  const info = link.info();
  assert.equal(info.programId, program.id);
  // tp_btf programs attach through the raw tracepoint machinery, so their links are raw_tracepoint links.
  assert.equal(info.type, abi.LinkTypeId.RAW_TRACEPOINT);
  assert.ok([...linkIds()].includes(info.id));
  const theirs = bpftoolJson<{ id: number; type: string; prog_id: number }>('link', 'show', 'id', String(info.id));
  assert.equal(theirs.prog_id, info.programId);
  assert.equal(theirs.type, 'raw_tracepoint');
  using byId = LinkHandle.fromId(info.id);
  assert.deepEqual(linkInfo(byId.fd.value).programId, program.id);
  assert.equal(byId.id, info.id);
});

test('an unknown BTF or link id is a BpfError', () => {
  assert.throws(() => BtfObject.fromId(0x7ffffff0), BpfError);
  assert.throws(() => LinkHandle.fromId(0x7ffffff0), BpfError);
});

test('enableStats turns on run time and run count while held', () => {
  using program = Program.load({ type: ProgramType.SocketFilter, instructions: [mov64Imm(Register.R0, 0), exit()] });
  program.testRun({ data: new Uint8Array(64), repeat: 10 });
  assert.equal(program.info().runCount, 0n, 'no counting without stats');
  {
    using stats = enableStats();
    program.testRun({ data: new Uint8Array(64), repeat: 10 });
    const info = program.info();
    assert.ok(info.runCount >= 10n, `run count ${info.runCount}`);
    assert.ok(info.runTimeNs > 0n);
    const theirs = bpftoolJson<{ run_cnt?: number }>('prog', 'show', 'id', String(program.id));
    assert.equal(BigInt(theirs.run_cnt ?? 0), info.runCount);
    assert.equal(stats.closed, false);
  }
  const before = program.info().runCount;
  program.testRun({ data: new Uint8Array(64), repeat: 10 });
  assert.equal(program.info().runCount, before, 'counting stops when the handle closes');
});
