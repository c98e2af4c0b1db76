/** `bpftool cgroup show` and `cgroup tree` text and JSON (bpftool 7.1's columns). */
import { AttachFlags } from '../sys/abi.js';
import type { CgroupAttachments, CgroupProgram } from './cgroups.js';
import { attachTypeName } from './links-text.js';

const pad = (text: string, width: number) => text.padEnd(width);

export function attachFlagsText(flags: number): string {
  if (flags === AttachFlags.ALLOW_MULTI) return 'multi';
  if (flags === AttachFlags.ALLOW_OVERRIDE) return 'override';
  if (flags === 0) return '';
  return `unknown(${flags.toString(16)})`;
}

export function cgroupHeader(effective: boolean): string {
  return effective ? `${pad('ID', 8)} ${pad('AttachType', 15)} ${pad('Name', 15)}\n` : `${pad('ID', 8)} ${pad('AttachType', 15)} ${pad('AttachFlags', 15)} ${pad('Name', 15)}\n`;
}

export function cgroupProgramText(program: CgroupProgram, level: number, effective: boolean): string {
  const type = attachTypeName(program.attachType);
  let line = `${level > 0 ? '    ' : ''}${pad(String(program.id), 8)} ${type !== undefined ? pad(type, 15) : `type ${pad(String(program.attachType), 10)}`}`;
  line += effective ? ` ${pad(program.name, 15)}` : ` ${pad(attachFlagsText(program.attachFlags), 15)} ${pad(program.name, 15)}`;
  if (program.attachBtfName !== undefined) line += ` ${pad(program.attachBtfName, 15)}`;
  else if (program.attachBtfId !== 0) line += ` attach_btf_obj_id=${program.attachBtfObjectId} attach_btf_id=${program.attachBtfId}`;
  return `${line}\n`;
}

export function cgroupProgramJson(program: CgroupProgram, effective: boolean): Record<string, unknown> {
  return {
    id: program.id,
    attach_type: attachTypeName(program.attachType) ?? program.attachType,
    ...(effective ? {} : { attach_flags: attachFlagsText(program.attachFlags) }),
    name: program.name,
    ...(program.attachBtfName !== undefined ? { attach_btf_name: program.attachBtfName } : {}),
    attach_btf_obj_id: program.attachBtfObjectId,
    attach_btf_id: program.attachBtfId,
  };
}

/** `cgroup show`: the header and one line per program, or nothing for a cgroup without programs. */
export function cgroupShowText(attachments: CgroupAttachments | undefined, effective: boolean): string {
  if (!attachments) return '';
  return cgroupHeader(effective) + attachments.programs.map((program) => cgroupProgramText(program, 0, effective)).join('');
}

export function cgroupTreeText(tree: readonly CgroupAttachments[], effective: boolean): string {
  let text = `CgroupPath\n${cgroupHeader(effective)}`;
  for (const cgroup of tree) text += `${cgroup.path}\n${cgroup.programs.map((program) => cgroupProgramText(program, cgroup.level, effective)).join('')}`;
  return text;
}

export function cgroupTreeJson(tree: readonly CgroupAttachments[], effective: boolean): Record<string, unknown>[] {
  return tree.map((cgroup) => ({ cgroup: cgroup.path, programs: cgroup.programs.map((program) => cgroupProgramJson(program, effective)) }));
}
