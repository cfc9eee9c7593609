/* Kestrel's probe: building event records in the format internal/event
 * decodes (the current scap record: a 26-byte header, one length per
 * parameter, then the parameters).
 *
 * A record is assembled in a per-CPU scratch area and then copied into the
 * CPU's ring buffer in one bpf_ringbuf_output call: most records have
 * variable-length parameters (paths, argv), whose sizes are only known
 * once read, so a ring reservation of the right size cannot be made up
 * front. Every write into the scratch area is masked to the first half of
 * a buffer twice the record limit, which is what lets the verifier accept
 * writes at offsets it cannot otherwise bound.
 */
#ifndef KESTREL_RECORD_H
#define KESTREL_RECORD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "events_gen.h"

#define MAX_EVENT_SIZE (64 * 1024)
#define EVENT_MASK (MAX_EVENT_SIZE - 1)
#define MAX_PATH 4096
#define MAX_PARAMS 32
#define NATIVE_SYSCALLS 512

/* Loss categories, as Falco splits n_drops_buffer. */
enum drop_category {
	CAT_OTHER = 0,
	CAT_CLONE_FORK,
	CAT_EXECVE,
	CAT_CONNECT,
	CAT_OPEN,
	CAT_DIR_FILE,
	CAT_CLOSE,
	CAT_PROC_EXIT,
	CAT_COUNT,
};

/* Per-CPU counters, read by userspace (internal/probe Counters). */
struct counters {
	__u64 events;                  /* records written */
	__u64 drops_ring[CAT_COUNT];   /* ring buffer full */
	__u64 drops_scratch;           /* no scratch area or record over the limit */
	__u64 drops_no_ring;           /* no ring for this CPU */
};

/* Where a record being built stands, kept across the tail calls that
 * split a large event's programs (each must pass the verifier alone). */
struct rec_state {
	__u32 pos;
	__u32 idx;
	__u32 large;
	__u32 cat;
};

struct scratch {
	__u8 data[MAX_EVENT_SIZE * 2];
	struct rec_state st;
	__u64 clone_flags; /* the clone exit's flags, from stage A to C */
};

/* Configuration, set by the loader before the programs load. */
const volatile __u32 self_tgid = 0;       /* Kestrel's own process: never traced */
const volatile __u64 boot_time_ns = 0;    /* wall clock at boot, added to boot-relative time */
const volatile __u32 wakeup_bytes = 4096; /* wake the reader once this much is pending */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized to the number of CPUs by the loader */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counters);
} counters_map SEC(".maps");

struct ring_inner {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 64); /* resized by the loader */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* resized to the number of CPUs by the loader */
	__type(key, __u32);
	__array(values, struct ring_inner);
} rings SEC(".maps");

struct rec {
	struct scratch *s;
	__u8 *buf;
	__u32 pos;   /* next parameter byte */
	__u32 idx;   /* next parameter index */
	__u32 large; /* 4-byte parameter lengths */
	__u32 cat;
};

/* The device number as userspace sees it (the kernel's new_encode_dev). */
static __always_inline __u32 encode_dev(dev_t dev)
{
	__u32 major = dev >> 20, minor = dev & ((1U << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* A 32-bit process on this 64-bit kernel (TS_COMPAT): its syscall
 * numbers, registers and pointer-carrying structs are the i386 ones. */
static __always_inline int in_compat(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	return BPF_CORE_READ(t, thread_info.status) & 0x0002;
}

static __always_inline struct counters *my_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters_map, &zero);
}

static __always_inline int rec_begin(struct rec *r, __u16 type, __u32 nparams, __u32 large, __u32 cat)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &cpu);
	if (!s) {
		struct counters *c = my_counters();
		if (c)
			c->drops_scratch++;
		return 0;
	}
	r->s = s;
	r->buf = s->data;
	r->idx = 0;
	r->large = large;
	r->cat = cat;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	*(__u64 *)&r->buf[0] = bpf_ktime_get_boot_ns() + boot_time_ns;
	*(__u64 *)&r->buf[8] = (__u32)pid_tgid;
	*(__u16 *)&r->buf[20] = type;
	*(__u32 *)&r->buf[22] = nparams;
	r->pos = KESTREL_EVENT_HEADER_SIZE + nparams * (large ? 4 : 2);
	return 1;
}

/* Saves the record's position before a tail call. */
static __always_inline void rec_save(struct rec *r)
{
	r->s->st.pos = r->pos;
	r->s->st.idx = r->idx;
	r->s->st.large = r->large;
	r->s->st.cat = r->cat;
}

/* Picks up a record a previous program of the same event saved. */
static __always_inline int rec_resume(struct rec *r)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &cpu);
	if (!s)
		return 0;
	r->s = s;
	r->buf = s->data;
	r->pos = s->st.pos;
	r->idx = s->st.idx;
	r->large = s->st.large;
	r->cat = s->st.cat;
	return 1;
}

/* Makes the verifier forget what it knows about the record's position
 * beyond its bound. After a loop that wrote a data-dependent amount,
 * every way out of the loop then leaves the same state, so the verifier
 * can prune instead of exploring each path through the rest of the
 * program (which otherwise grows past its limit). */
static __always_inline void rec_forget(struct rec *r)
{
	__u32 p = r->pos;
	asm volatile("%0 &= 0x1ffff" : "+r"(p));
	r->pos = p;
}

static __always_inline void rec_len(struct rec *r, __u32 len)
{
	__u32 idx = r->idx & (MAX_PARAMS - 1);
	if (r->large) {
		*(__u32 *)&r->buf[(KESTREL_EVENT_HEADER_SIZE + idx * 4) & EVENT_MASK] = len;
	} else {
		*(__u16 *)&r->buf[(KESTREL_EVENT_HEADER_SIZE + idx * 2) & EVENT_MASK] = (__u16)len;
	}
	r->idx++;
	r->pos += len;
}

static __always_inline void rec_u64(struct rec *r, __u64 v)
{
	*(__u64 *)&r->buf[r->pos & EVENT_MASK] = v;
	rec_len(r, 8);
}

static __always_inline void rec_s64(struct rec *r, __s64 v) { rec_u64(r, (__u64)v); }

static __always_inline void rec_u32(struct rec *r, __u32 v)
{
	*(__u32 *)&r->buf[r->pos & EVENT_MASK] = v;
	rec_len(r, 4);
}

static __always_inline void rec_u16(struct rec *r, __u16 v)
{
	*(__u16 *)&r->buf[r->pos & EVENT_MASK] = v;
	rec_len(r, 2);
}

static __always_inline void rec_u8(struct rec *r, __u8 v)
{
	r->buf[r->pos & EVENT_MASK] = v;
	rec_len(r, 1);
}

static __always_inline void rec_empty(struct rec *r) { rec_len(r, 0); }

/* A NUL-terminated string from user memory; a NULL pointer or an
 * unreadable one gives an empty parameter, as Falco's probe does. */
static __always_inline void rec_user_str(struct rec *r, const char *p)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_user_str(&r->buf[r->pos & EVENT_MASK], MAX_PATH, p);
	if (n < 0)
		n = 0;
	rec_len(r, (__u32)n & (MAX_PATH * 2 - 1));
	rec_forget(r);
}

/* Copies the record into this CPU's ring, waking the reader only once
 * wakeup_bytes are pending (batched wake-ups), and counts the outcome. */
static __always_inline void rec_submit(struct rec *r)
{
	struct counters *c = my_counters();
	__u32 total = r->pos;
	if (total > MAX_EVENT_SIZE) {
		if (c)
			c->drops_scratch++;
		return;
	}
	*(__u32 *)&r->buf[16] = total;
	__u32 cpu = bpf_get_smp_processor_id();
	void *ring = bpf_map_lookup_elem(&rings, &cpu);
	if (!ring) {
		if (c)
			c->drops_no_ring++;
		return;
	}
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + total >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	/* The mask changes nothing (total is at most MAX_EVENT_SIZE here) but
	 * gives the verifier a bound on the very register it checks; written
	 * in asm because clang drops a mask it can prove useless. */
	__u64 size = total;
	asm volatile("%0 &= 0x1ffff" : "+r"(size));
	if (bpf_ringbuf_output(ring, r->buf, size, flags) != 0) {
		if (c)
			c->drops_ring[r->cat & (CAT_COUNT - 1)]++;
		return;
	}
	if (c)
		c->events++;
}

#endif
