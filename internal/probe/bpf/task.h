/* Kestrel's probe: what the process-lifecycle events say about a task
 * (ids, limits, memory, tty, credentials, executable, cgroups, paths),
 * read from the kernel's structures with CO-RE so one object fits every
 * kernel with BTF. */
#ifndef KESTREL_TASK_H
#define KESTREL_TASK_H

#include "record.h"

#define MAX_PATH_DEPTH 64 /* a power of two, for the index mask */
#define MAX_NAME 256
#define MAX_ARGS 4096
#define MAX_CGROUP_DEPTH 8 /* a power of two, for the index mask */
#define K_RLIMIT_NOFILE 7
#define K_PAGE_SHIFT_KB 2 /* pages of 4 KiB to KiB */
#define K_MINORBITS 20

enum k_pid_type { K_PIDTYPE_PID = 0, K_PIDTYPE_TGID, K_PIDTYPE_PGID, K_PIDTYPE_SID };

/* Flags of the execve exit's flags parameter (PPM_EXE_*). */
#define PPM_EXE_WRITABLE_BIT 1
#define PPM_EXE_UPPER_LAYER_BIT 2
#define PPM_EXE_FROM_MEMFD_BIT 4
#define PPM_EXE_LOWER_LAYER_BIT 8

/* Kernels before 6.3 kept capabilities as two 32-bit words. */
struct kernel_cap_struct___old {
	__u32 cap[2];
} __attribute__((preserve_access_index));

/* Kernels before 6.2 kept rss counters in struct mm_rss_stat. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* Kernels before 6.15 called kernfs_node.__parent parent. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* Kernels from 6.11 keep inode times as separate seconds and nanoseconds;
 * 6.6 to 6.10 as __i_ctime; before as i_ctime and i_mtime. */
struct inode___v6_11 {
	time64_t i_ctime_sec;
	__u32 i_ctime_nsec;
	time64_t i_mtime_sec;
	__u32 i_mtime_nsec;
} __attribute__((preserve_access_index));
struct inode___v6_6 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));
struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

static __always_inline struct pid *task_pid_struct(struct task_struct *task, int type)
{
	if (type == K_PIDTYPE_PID)
		return BPF_CORE_READ(task, thread_pid);
	return BPF_CORE_READ(task, signal, pids[type]);
}

/* The id in the initial pid namespace. */
static __always_inline __s64 task_xid_nr(struct task_struct *task, int type)
{
	struct pid *p = task_pid_struct(task, type);
	if (!p)
		return 0;
	return BPF_CORE_READ(p, numbers[0].nr);
}

/* The id as the task's own pid namespace sees it. */
static __always_inline __s64 task_xid_vnr(struct task_struct *task, int type)
{
	struct pid *p = task_pid_struct(task, type);
	if (!p)
		return 0;
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), (void *)p + bpf_core_field_offset(struct pid, numbers) +
							 (level & 31) * sizeof(struct upid));
	return up.nr;
}

static __always_inline __u64 task_fdlimit(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, rlim[K_RLIMIT_NOFILE].rlim_cur);
}

static __always_inline __u32 mm_vm_size_kb(struct mm_struct *mm)
{
	return BPF_CORE_READ(mm, total_vm) << K_PAGE_SHIFT_KB;
}

static __always_inline __s64 mm_counter(struct mm_struct *mm, int i)
{
	__s64 v = 0;
	if (bpf_core_type_exists(struct mm_rss_stat)) {
		struct mm_struct___old *old = (void *)mm;
		BPF_CORE_READ_INTO(&v, old, rss_stat.count[i].counter);
	} else {
		BPF_CORE_READ_INTO(&v, mm, rss_stat[i].count);
	}
	return v < 0 ? 0 : v;
}

/* MM_FILEPAGES 0, MM_ANONPAGES 1, MM_SWAPENTS 2, MM_SHMEMPAGES 3 */
static __always_inline __u32 mm_rss_kb(struct mm_struct *mm)
{
	return (mm_counter(mm, 0) + mm_counter(mm, 1) + mm_counter(mm, 3)) << K_PAGE_SHIFT_KB;
}

static __always_inline __u32 mm_swap_kb(struct mm_struct *mm) { return mm_counter(mm, 2) << K_PAGE_SHIFT_KB; }

static __always_inline __u32 task_tty(struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor_start = BPF_CORE_READ(tty, driver, minor_start);
	dev_t dev = ((dev_t)major << K_MINORBITS | minor_start) + index;
	return encode_dev(dev);
}

static __always_inline __u32 task_loginuid(struct task_struct *task)
{
	if (bpf_core_field_exists(task->loginuid))
		return BPF_CORE_READ(task, loginuid.val);
	return 0xffffffff;
}

/* which: 0 inheritable, 1 permitted, 2 effective. The PPM_CAP_* bits are
 * the kernel's. */
static __always_inline __u64 task_caps(struct task_struct *task, int which)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	kernel_cap_t c = {};
	if (which == 0)
		BPF_CORE_READ_INTO(&c, cred, cap_inheritable);
	else if (which == 1)
		BPF_CORE_READ_INTO(&c, cred, cap_permitted);
	else
		BPF_CORE_READ_INTO(&c, cred, cap_effective);
	if (bpf_core_field_exists(((struct kernel_cap_struct___old *)0)->cap)) {
		struct kernel_cap_struct___old *old = (void *)&c;
		return ((__u64)old->cap[1] << 32) | old->cap[0];
	}
	__u64 v = 0;
	__builtin_memcpy(&v, &c, sizeof(v));
	return v;
}

static __always_inline __u32 task_euid(struct task_struct *task) { return BPF_CORE_READ(task, cred, euid.val); }
static __always_inline __u32 task_egid(struct task_struct *task) { return BPF_CORE_READ(task, cred, egid.val); }

static __always_inline struct file *task_exe_file(struct task_struct *task)
{
	return BPF_CORE_READ(task, mm, exe_file);
}

static __always_inline __u64 inode_ctime_ns(struct inode *inode)
{
	if (!inode)
		return 0;
	if (bpf_core_field_exists(((struct inode___v6_11 *)0)->i_ctime_sec)) {
		struct inode___v6_11 *i = (void *)inode;
		return BPF_CORE_READ(i, i_ctime_sec) * 1000000000ULL + BPF_CORE_READ(i, i_ctime_nsec);
	}
	struct timespec64 ts = {};
	if (bpf_core_field_exists(((struct inode___v6_6 *)0)->__i_ctime))
		BPF_CORE_READ_INTO(&ts, (struct inode___v6_6 *)inode, __i_ctime);
	else
		BPF_CORE_READ_INTO(&ts, (struct inode___old *)inode, i_ctime);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __always_inline __u64 inode_mtime_ns(struct inode *inode)
{
	if (!inode)
		return 0;
	if (bpf_core_field_exists(((struct inode___v6_11 *)0)->i_mtime_sec)) {
		struct inode___v6_11 *i = (void *)inode;
		return BPF_CORE_READ(i, i_mtime_sec) * 1000000000ULL + BPF_CORE_READ(i, i_mtime_nsec);
	}
	struct timespec64 ts = {};
	if (bpf_core_field_exists(((struct inode___v6_6 *)0)->__i_mtime))
		BPF_CORE_READ_INTO(&ts, (struct inode___v6_6 *)inode, __i_mtime);
	else
		BPF_CORE_READ_INTO(&ts, (struct inode___old *)inode, i_mtime);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Whether the task may write its executable, as the kernel's permission
 * check decides (the owner, group or other class bits, then
 * CAP_DAC_OVERRIDE), on a writable, non-immutable file system; the
 * supplementary groups and user namespaces are not considered. */
static __always_inline int exe_writable(struct task_struct *task, struct inode *inode)
{
	if (!inode)
		return 0;
	if (BPF_CORE_READ(inode, i_sb, s_flags) & 1) /* SB_RDONLY */
		return 0;
	if (BPF_CORE_READ(inode, i_flags) & 8) /* S_IMMUTABLE */
		return 0;
	umode_t mode = BPF_CORE_READ(inode, i_mode);
	const struct cred *c = BPF_CORE_READ(task, cred);
	__u32 fsuid = BPF_CORE_READ(c, fsuid.val), fsgid = BPF_CORE_READ(c, fsgid.val);
	int allowed;
	if (fsuid == BPF_CORE_READ(inode, i_uid.val))
		allowed = mode & 0200;
	else if (fsgid == BPF_CORE_READ(inode, i_gid.val))
		allowed = mode & 0020;
	else
		allowed = mode & 0002;
	if (allowed)
		return 1;
	return (task_caps(task, 2) >> 1) & 1; /* CAP_DAC_OVERRIDE */
}

/* An executable run from a memfd: its dentry is its own parent and is
 * named "memfd:...". */
static __always_inline int file_is_memfd(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (!d || BPF_CORE_READ(d, d_parent) != d)
		return 0;
	char name[7] = {};
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name)) != sizeof(name))
		return 0;
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':';
}

/* Overlayfs layers: where a file of an overlay mount (a container's root
 * file system under Docker's overlay2 driver) comes from, as Falco's
 * drivers decide it for PPM_EXE_{UPPER,LOWER}_LAYER and
 * PPM_FD_{UPPER,LOWER}_LAYER.
 *
 * A file is on an overlay when its inode's super block has overlayfs's
 * magic. The inode is then the vfs_inode member of overlayfs's own struct
 * ovl_inode (fs/overlayfs/ovl_entry.h), whose __upperdentry member is the
 * file's dentry in the upper (writable) layer: set when the file was
 * created in the container or copied up there (by an open for writing or
 * a change of its metadata), NULL while the file only exists in a lower
 * (image) layer. Upper means an upper dentry with an inode; every other
 * overlay file is lower.
 *
 * struct ovl_inode is private to overlayfs, and overlayfs may be a module
 * (its types then live in the module's BTF, and only if the module was
 * loaded when the probe was). So:
 *  - when the kernel's BTF (vmlinux or a loaded module's; cilium/ebpf
 *    relocates against both) has struct ovl_inode, CO-RE gives the exact
 *    distance from vfs_inode to __upperdentry;
 *  - otherwise the probe assumes what libs' drivers assume: __upperdentry
 *    immediately follows vfs_inode, so it lies sizeof(struct inode) after
 *    the inode. struct ovl_inode has been laid out so since 4.13, which
 *    introduced it (5.4's and 6.18's are; Kestrel needs 5.8 or later);
 *    before 4.13 the upper dentry hung off dentry->d_fsdata instead. Were
 *    a future kernel to reorder the struct, the read would stay safe
 *    (bpf_probe_read_kernel of a wrong address fails harmlessly) but the
 *    answer could be wrong. The tests check the assumption against the
 *    running kernel's BTF, run the probe both ways, and load it against
 *    BTF without struct ovl_inode.
 * Falco's semantics: a file on no overlay is neither upper nor lower. */
#define K_OVERLAYFS_SUPER_MAGIC 0x794c7630

enum k_ovl_layer { K_OVL_NONE = 0, K_OVL_UPPER, K_OVL_LOWER };

struct ovl_inode___kestrel {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

/* Set by tests only: ignore the kernel's struct ovl_inode and use the
 * layout assumption, so that path is verified and exercised too. */
const volatile __u32 ovl_assume_layout = 0;

/* The layer of a file's inode, given the magic of the inode's super block
 * (which the callers read anyway, with its device number). */
static __always_inline int inode_overlay_layer(struct inode *inode, unsigned long sb_magic)
{
	if (!inode || sb_magic != K_OVERLAYFS_SUPER_MAGIC)
		return K_OVL_NONE;
	unsigned long off;
	if (!ovl_assume_layout && bpf_core_field_exists(struct ovl_inode___kestrel, vfs_inode) &&
	    bpf_core_field_exists(struct ovl_inode___kestrel, __upperdentry))
		off = bpf_core_field_offset(struct ovl_inode___kestrel, __upperdentry) -
		      bpf_core_field_offset(struct ovl_inode___kestrel, vfs_inode);
	else
		off = bpf_core_type_size(struct inode);
	struct dentry *upper = NULL;
	bpf_probe_read_kernel(&upper, sizeof(upper), (void *)inode + off);
	if (upper && BPF_CORE_READ(upper, d_inode, i_ino) != 0)
		return K_OVL_UPPER;
	return K_OVL_LOWER;
}

#define PATH_TMP_LEN 8192 /* a power of two */
#define PATH_COMPONENTS 48

/* Per-CPU room where a path is written backwards, leaf first, before it
 * is copied into the record. */
struct path_tmp {
	char data[PATH_TMP_LEN * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_tmp);
} path_tmp_map SEC(".maps");

#define TMP_AT(off) ((off) & (PATH_TMP_LEN - 1))

/* Writes the absolute path of a struct path as a string parameter,
 * following mount points up to the root of the mount namespace, the way
 * d_path does (bpf_d_path is not allowed in these program types). Each
 * component is written right to left ending at the end of a scratch
 * area, so no list of components has to be kept; the loop is unrolled
 * and breaks early, which keeps the verifier's work small. A file with
 * no path in the tree (a memfd) gets its own name. */
static __always_inline void rec_path(struct rec *r, const struct path *path)
{
	__u32 zero = 0;
	struct path_tmp *tmp = bpf_map_lookup_elem(&path_tmp_map, &zero);
	struct dentry *d = BPF_CORE_READ(path, dentry);
	struct vfsmount *vfs = BPF_CORE_READ(path, mnt);
	if (!tmp || !d || !vfs) {
		rec_empty(r);
		return;
	}
	struct mount *mnt = container_of(vfs, struct mount, mnt);
	struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
	struct dentry *mnt_root = BPF_CORE_READ(vfs, mnt_root);
	__u32 off = PATH_TMP_LEN;
#pragma unroll
	for (int i = 0; i < PATH_COMPONENTS; i++) {
		struct dentry *up = BPF_CORE_READ(d, d_parent);
		if (d == mnt_root || d == up) {
			if (d != mnt_root || mnt == mnt_parent)
				break; /* the global root (or an unmounted tree) */
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		struct qstr name = {};
		BPF_CORE_READ_INTO(&name, d, d_name);
		if (name.len + 1 >= off)
			break;
		__u32 at = off - (name.len + 1);
		long l = bpf_probe_read_kernel_str(&tmp->data[TMP_AT(at)], MAX_NAME, name.name);
		if (l <= 1)
			break;
		/* the name's NUL becomes the '/' after it; then move before it */
		off -= 1;
		tmp->data[TMP_AT(off)] = '/';
		off -= l - 1;
		d = up;
	}
	if (off == PATH_TMP_LEN) {
		const unsigned char *own = BPF_CORE_READ(d, d_name.name);
		long l = bpf_probe_read_kernel_str(&r->buf[r->pos & EVENT_MASK], MAX_NAME, own);
		rec_len(r, l > 0 ? (__u32)l & (MAX_NAME * 2 - 1) : 0);
		return;
	}
	off -= 1;
	tmp->data[TMP_AT(off)] = '/';
	tmp->data[PATH_TMP_LEN - 1] = 0; /* the last '/' written ends the string */
	long l = bpf_probe_read_kernel_str(&r->buf[r->pos & EVENT_MASK], MAX_PATH, &tmp->data[TMP_AT(off)]);
	rec_len(r, l > 0 ? (__u32)l & (MAX_PATH * 2 - 1) : 0);
}

/* Bytes of user memory (NUL-separated strings such as argv and the
 * environment) as a parameter, at most max bytes, ending with a NUL. */
static __always_inline void rec_user_bytes(struct rec *r, unsigned long start, unsigned long len)
{
	if (!start || len == 0) {
		rec_empty(r);
		return;
	}
	if (len > MAX_ARGS)
		len = MAX_ARGS;
	__u32 n = len & (MAX_ARGS * 2 - 1);
	if (n == 0 || bpf_probe_read_user(&r->buf[r->pos & EVENT_MASK], n & (MAX_ARGS * 2 - 1), (void *)start) != 0) {
		rec_empty(r);
		return;
	}
	r->buf[(r->pos + n - 1) & EVENT_MASK] = 0;
	rec_len(r, n);
	rec_forget(r);
}

/* One "subsys=/path" entry of the cgroups parameter; returns its length. */
static __always_inline __u32 rec_cgroup_entry(struct rec *r, struct task_struct *task, int id)
{
	__u32 start = r->pos;
	const char *ss_name = BPF_CORE_READ(task, cgroups, subsys[id], ss, name);
	long l = bpf_probe_read_kernel_str(&r->buf[r->pos & EVENT_MASK], MAX_NAME, ss_name);
	if (l <= 1)
		return 0;
	r->pos += l - 1;
	r->buf[r->pos & EVENT_MASK] = '=';
	r->pos++;
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, subsys[id], cgroup, kn);
	const char *names[MAX_CGROUP_DEPTH] = {};
	int n = 0;
	for (int i = 0; i < MAX_CGROUP_DEPTH; i++) {
		if (!kn)
			break;
		names[i] = BPF_CORE_READ(kn, name);
		n++;
		if (bpf_core_field_exists(((struct kernfs_node___old *)0)->parent))
			kn = BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
		else
			kn = BPF_CORE_READ(kn, __parent);
	}
	/* The last name read is the root's (""), unless the path is deeper
	 * than MAX_CGROUP_DEPTH; the root itself is "/". */
	if (!kn && n > 0)
		n--;
	asm volatile("%0 &= 15" : "+r"(n));
	if (n == 0) {
		r->buf[r->pos & EVENT_MASK] = '/';
		r->pos++;
	}
	for (int i = 0; i < MAX_CGROUP_DEPTH; i++) {
		if (i >= n)
			break;
		r->buf[r->pos & EVENT_MASK] = '/';
		long m = bpf_probe_read_kernel_str(&r->buf[(r->pos + 1) & EVENT_MASK], MAX_NAME,
						   names[(n - 1 - i) & (MAX_CGROUP_DEPTH - 1)]);
		r->pos += m > 0 ? m : 1; /* '/' plus the name, without its NUL */
	}
	r->buf[r->pos & EVENT_MASK] = 0;
	r->pos++;
	__u32 len = r->pos - start;
	rec_forget(r);
	return len;
}

/* The cgroups parameter: the cpuset, cpu, cpuacct, io and memory entries
 * the kernel has, as Falco's probe writes them. */
static __always_inline void rec_cgroups(struct rec *r, struct task_struct *task)
{
	__u32 start = r->pos;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
		rec_cgroup_entry(r, task, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
		rec_cgroup_entry(r, task, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuacct_cgrp_id))
		rec_cgroup_entry(r, task, bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
		rec_cgroup_entry(r, task, bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		rec_cgroup_entry(r, task, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
	__u32 len = r->pos - start;
	r->pos = start;
	rec_len(r, len & (MAX_EVENT_SIZE - 1));
	rec_forget(r);
}

/* The thread that adopts the children of an exiting task, as the kernel's
 * find_new_reaper picks it (Falco's drivers report it in procexit so that
 * userspace reparents orphans correctly: a container runtime's shim is a
 * child subreaper set with prctl long before Kestrel starts, which no
 * event shows). Returns its tid (initial namespace), 0 when there is none
 * (the namespace's init is dying), or -1 when the walk was cut short by
 * its bounds (userspace then applies its own logic). The bounds are at
 * least those of Falco's modern probe (30 threads, 60 ancestors). */
#define K_PF_EXITING 0x00000004
#define K_SIGNAL_GROUP_EXIT 0x00000004 /* signal_struct.flags */
#define MAX_GROUP_THREADS 32
#define MAX_REAPER_HOPS 60

/* Before 6.4 the threads of a group were linked through task->thread_group. */
struct task_struct___old_threads {
	struct list_head thread_group;
} __attribute__((preserve_access_index));

/* A thread of t's group that is not exiting: its tid, 0 if none, -1 if
 * the group is larger than the walk's bound. */
static __always_inline __s64 alive_thread(struct task_struct *t)
{
	/* The kernel takes the first live thread of the list; any thread of
	 * the process adopts for the same process, and the group leader is
	 * the one userspace surely knows (a thread started after the /proc
	 * scan may not be in its table yet), so it comes first. */
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	if (leader && !(BPF_CORE_READ(leader, flags) & K_PF_EXITING))
		return BPF_CORE_READ(leader, pid);
	struct list_head *head, *pos;
	unsigned long link;
	if (bpf_core_field_exists(struct task_struct, thread_node)) {
		struct signal_struct *sig = BPF_CORE_READ(t, signal);
		head = (struct list_head *)((void *)sig + bpf_core_field_offset(struct signal_struct, thread_head));
		pos = BPF_CORE_READ(sig, thread_head.next);
		link = bpf_core_field_offset(struct task_struct, thread_node);
	} else {
		/* The old list is circular through every thread, t included. */
		struct task_struct___old_threads *o = (void *)t;
		link = bpf_core_field_offset(struct task_struct___old_threads, thread_group);
		head = (struct list_head *)((void *)t + link);
		if (!(BPF_CORE_READ(t, flags) & K_PF_EXITING))
			return BPF_CORE_READ(t, pid);
		pos = BPF_CORE_READ(o, thread_group.next);
	}
	for (int i = 0; i < MAX_GROUP_THREADS; i++) {
		if (pos == head)
			return 0;
		struct task_struct *th = (void *)pos - link;
		if (!(BPF_CORE_READ(th, flags) & K_PF_EXITING))
			return BPF_CORE_READ(th, pid);
		if (bpf_core_field_exists(struct task_struct, thread_node))
			pos = BPF_CORE_READ(th, thread_node.next);
		else
			pos = BPF_CORE_READ((struct task_struct___old_threads *)th, thread_group.next);
	}
	return -1;
}

static __always_inline __s64 task_new_reaper(struct task_struct *father)
{
	__s64 tid;
	struct signal_struct *sig = BPF_CORE_READ(father, signal);
	/* This runs at the exit tracepoint; the kernel picks the reaper later,
	 * in exit_notify, among the threads not exiting by then. In a group
	 * exit (exit_group, a fatal signal) every thread dies: a sibling alive
	 * here is usually exiting there, and the children end with the
	 * process's reaper after passing from thread to thread, so that one
	 * is reported at once. Naming the sibling made userspace move the
	 * children to it, and the sibling's own procexit, whose children list
	 * the kernel had not filled, reported none: CI saw a docker exec's
	 * process given to init instead of the shim (runc is a Go program
	 * whose forking thread is not its main one). */
	if (!(BPF_CORE_READ(sig, flags) & K_SIGNAL_GROUP_EXIT)) {
		tid = alive_thread(father);
		if (tid != 0)
			return tid;
	}
	struct pid *p = BPF_CORE_READ(father, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), (void *)p + bpf_core_field_offset(struct pid, numbers) +
						 (level & 31) * sizeof(struct upid));
	struct task_struct *ns_reaper = BPF_CORE_READ(up.ns, child_reaper);
	if (ns_reaper == father)
		return 0; /* the namespace's init dies: its processes go with it */
	__s64 ns_reaper_tid = BPF_CORE_READ(ns_reaper, pid);
	if (!BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper))
		return ns_reaper_tid;
	struct task_struct *anc = BPF_CORE_READ(father, real_parent);
	for (int i = 0; i < MAX_REAPER_HOPS; i++) {
		if (BPF_CORE_READ(anc, thread_pid, level) != level || anc == ns_reaper)
			return ns_reaper_tid;
		struct signal_struct *asig = BPF_CORE_READ(anc, signal);
		if (BPF_CORE_READ_BITFIELD_PROBED(asig, is_child_subreaper)) {
			tid = alive_thread(anc);
			if (tid != 0)
				return tid;
		}
		struct task_struct *next = BPF_CORE_READ(anc, real_parent);
		if (next == anc)
			return ns_reaper_tid; /* init_task, its own parent: the kernel stops there */
		anc = next;
	}
	return -1;
}

#endif
