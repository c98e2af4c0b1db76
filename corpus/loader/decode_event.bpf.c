// SPDX-License-Identifier: GPL-2.0
/*
 * Feature: an event struct of the shape tools send through ring buffers (integers of every size, a
 * comm string, an enum, a nested struct, an array, a bitfield), filled with known values by a socket
 * filter so the BTF decoder's output can be compared with the object a user would write by hand.
 * libbpf 1.1 via bpftool prog loadall: loads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

enum event_kind { EVENT_OPEN = 1, EVENT_CLOSE = 2 };

struct event {
  __u32 pid;
  __s32 ret;
  __u64 ts_ns;
  char comm[16];
  enum event_kind kind;
  struct {
    __u16 port;
    __u8 proto;
  } endpoint;
  __u32 sizes[3];
  __u8 flags : 3;
  __u8 level : 5;
  __s8 delta;
  bool ok;
};

struct event last_event;

SEC("socket")
int fill_event(struct __sk_buff *skb)
{
  last_event.pid = 4242;
  last_event.ret = -2;
  last_event.ts_ns = 0x1122334455667788ULL;
  __builtin_memcpy(last_event.comm, "opensnoop", 10);
  last_event.kind = EVENT_CLOSE;
  last_event.endpoint.port = 8080;
  last_event.endpoint.proto = 6;
  last_event.sizes[0] = skb->len;
  last_event.sizes[2] = 7;
  last_event.flags = 5;
  last_event.level = 17;
  last_event.delta = -3;
  last_event.ok = true;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
