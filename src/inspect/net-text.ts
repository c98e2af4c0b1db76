/**
 * `bpftool net list` text and JSON (bpftool 7.1: xdp, tc and flow_dissector sections; it has no tcx,
 * netfilter or netkit section, so neither does this text).
 */
import type { NetAttachments, TcFilterAttachment, XdpAttachment } from './net.js';

function xdpText(x: XdpAttachment): string {
  return `${x.devname}(${x.ifindex})${x.programs.map((p) => ` ${p.mode} id ${p.id}`).join('')}\n`;
}

function tcText(f: TcFilterAttachment): string {
  let line = `${f.devname !== '' ? f.devname : ''}(${f.ifindex}) ${f.kind}`;
  if (f.name !== undefined) line += ` ${f.name}`;
  if (f.id !== undefined) line += ` id ${f.id}`;
  if (f.actions) line += ` act [${f.actions.map((a) => `{${a.name ?? ''}${a.id !== undefined ? ` id ${a.id}` : ''}}`).join('')}] `;
  return `${line}\n`;
}

export function netText(n: NetAttachments): string {
  return `xdp:\n${n.xdp.map(xdpText).join('')}\ntc:\n${n.tc.map(tcText).join('')}\nflow_dissector:\n${n.flowDissector !== undefined && n.flowDissector > 0 ? `id ${n.flowDissector}` : ''}\n`;
}

function xdpJson(x: XdpAttachment): Record<string, unknown> {
  const head = { devname: x.devname, ifindex: x.ifindex };
  if (x.multi) return { ...head, multi_attachments: x.programs.map((p) => ({ mode: p.mode, id: p.id })) };
  const [only] = x.programs;
  return only ? { ...head, mode: only.mode, id: only.id } : head;
}

function tcJson(f: TcFilterAttachment): Record<string, unknown> {
  return {
    ...(f.devname !== '' ? { devname: f.devname } : {}),
    ifindex: f.ifindex,
    kind: f.kind,
    ...(f.name !== undefined ? { name: f.name } : {}),
    ...(f.id !== undefined ? { id: f.id } : {}),
    ...(f.actions ? { act: f.actions.map((a) => ({ ...(a.name !== undefined ? { name: a.name } : {}), ...(a.id !== undefined ? { id: a.id } : {}) })) } : {}),
  };
}

/**
 * bpftool's JSON, one object in an array. Where bpftool 7.1 writes a bare `"id": N` member inside the
 * flow_dissector array (not valid JSON), this writes the object `{"id": N}`.
 */
export function netJson(n: NetAttachments): Record<string, unknown>[] {
  return [{
    xdp: n.xdp.map(xdpJson),
    tc: n.tc.map(tcJson),
    flow_dissector: n.flowDissector !== undefined && n.flowDissector > 0 ? [{ id: n.flowDissector }] : [],
  }];
}
