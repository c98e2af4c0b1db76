/* SPDX-License-Identifier: MIT */
/* What biolatency's BPF side keeps for its front end, which reads it through BTF, not from this file. */
#ifndef BIOLATENCY_H
#define BIOLATENCY_H

/* log2 slots of the latency (usecs or msecs); the last one also holds everything beyond it. */
#define MAX_SLOTS 27

/* The kernel's internal dev_t: major above 20 bits of minor (what /proc/partitions' numbers make). */
#define MINORBITS 20
#define MKDEV(major, minor) (((major) << MINORBITS) | (minor))

/*
 * The request's operation and flags (-F), in our own numbering: the kernel's REQ_OP_* values and
 * __REQ_* bits move between versions, so the BPF side maps them through CO-RE enum relocations and the
 * front end names these.
 */
enum biolat_op {
	BIOLAT_OP_UNKNOWN,
	BIOLAT_OP_READ,
	BIOLAT_OP_WRITE,
	BIOLAT_OP_FLUSH,
	BIOLAT_OP_DISCARD,
	BIOLAT_OP_SECURE_ERASE,
	BIOLAT_OP_ZONE_APPEND,
	BIOLAT_OP_WRITE_ZEROES,
	BIOLAT_OP_ZONE_OPEN,
	BIOLAT_OP_ZONE_CLOSE,
	BIOLAT_OP_ZONE_FINISH,
	BIOLAT_OP_ZONE_RESET,
	BIOLAT_OP_ZONE_RESET_ALL,
	BIOLAT_OP_DRV_IN,
	BIOLAT_OP_DRV_OUT,
};

enum biolat_flag {
	BIOLAT_FLAG_NOWAIT = 1 << 0,
	BIOLAT_FLAG_BACKGROUND = 1 << 1,
	BIOLAT_FLAG_RAHEAD = 1 << 2,
	BIOLAT_FLAG_PREFLUSH = 1 << 3,
	BIOLAT_FLAG_FUA = 1 << 4,
	BIOLAT_FLAG_INTEGRITY = 1 << 5,
	BIOLAT_FLAG_IDLE = 1 << 6,
	BIOLAT_FLAG_NOMERGE = 1 << 7,
	BIOLAT_FLAG_PRIO = 1 << 8,
	BIOLAT_FLAG_META = 1 << 9,
	BIOLAT_FLAG_SYNC = 1 << 10,
};

struct hist_key {
	__u32 dev;		/* -D: MKDEV of the disk, else 0 */
	enum biolat_op op;	/* -F, else BIOLAT_OP_UNKNOWN */
	__u32 flags;		/* -F: enum biolat_flag bits */
};

struct hist {
	__u32 slots[MAX_SLOTS];
};

#endif
