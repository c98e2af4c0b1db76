// SPDX-License-Identifier: GPL-2.0
/*
 * Types that are built into this kernel but live in modules on Debian 6.1 (btrfs, xfs): the CO-RE
 * module tests relocate this against 6.1's vmlinux BTF, where they have no candidate, and the
 * modules' split BTF, where they do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

__u64 out[8];

SEC("raw_tp/sys_enter")
int module_types(void *ctx)
{
  struct btrfs_inode *inode = (void *)bpf_get_current_task();

  out[0] = (__u64)BPF_CORE_READ(inode, root);
  out[1] = BPF_CORE_READ(inode, outstanding_extents);
  out[2] = bpf_core_type_size(struct btrfs_inode);
  out[3] = bpf_core_type_id_kernel(struct btrfs_inode);
  out[4] = bpf_core_type_exists(struct xfs_inode);
  out[5] = bpf_core_field_exists(inode->vfs_inode);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
