/* Kestrel's probe: syscall exit events for the rules and the state.
 *
 * One program runs at every syscall exit (tp_btf/sys_exit). It returns at
 * once unless the syscall is in the `interesting` map (the selection the
 * rules and the state need) and the caller is not Kestrel itself; then it
 * tail-calls the syscall's filler, which reads the arguments from the
 * saved registers and writes one record in the current scap layout.
 * Process lifecycle comes from the sched_process_exit tracepoint.
 */
#include "record.h"
#include "task.h"
#include "net.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Native syscall numbers (x86_64) -> 1 when the syscall is captured. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NATIVE_SYSCALLS);
	__type(key, __u32);
	__type(value, __u8);
} interesting SEC(".maps");

/* i386 syscall number -> x86_64 number + 1 (0: none), for 32-bit
 * processes on this 64-bit kernel. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NATIVE_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} ia32_map SEC(".maps");

/* Native syscall number -> its exit filler. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, NATIVE_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} exit_fillers SEC(".maps");

static __always_inline int traced(void)
{
	return (bpf_get_current_pid_tgid() >> 32) != self_tgid;
}

#define NR_IA32_SOCKETCALL 102

/* The x86_64 syscall a call of i386's socketcall multiplexer stands for
 * (0: one the probe does not report; send and recv take fewer arguments
 * than sendto and recvfrom, whose fillers would read past them). */
static __always_inline __u32 socketcall_to_64(__u32 call)
{
	switch (call) {
	case 1: return 41;   /* socket */
	case 2: return 49;   /* bind */
	case 3: return 42;   /* connect */
	case 4: return 50;   /* listen */
	case 5: return 43;   /* accept */
	case 8: return 53;   /* socketpair */
	case 11: return 44;  /* sendto */
	case 12: return 45;  /* recvfrom */
	case 13: return 48;  /* shutdown */
	case 15: return 55;  /* getsockopt */
	case 16: return 46;  /* sendmsg */
	case 17: return 47;  /* recvmsg */
	case 18: return 288; /* accept4 */
	case 19: return 299; /* recvmmsg */
	case 20: return 307; /* sendmmsg */
	}
	return 0;
}

/* Native syscall number -> libscap's syscall code (ppm_sc), for the
 * generic event's ID parameter. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NATIVE_SYSCALLS);
	__type(key, __u32);
	__type(value, __u16);
} syscall_codes SEC(".maps");

/* The x86_64 number of the syscall that is exiting (an i386 call of a
 * 32-bit process translated), or NATIVE_SYSCALLS when there is none. */
static __always_inline __u32 native_nr(struct pt_regs *regs)
{
	__u32 nr = (__u32)regs->orig_ax;
	if (nr >= NATIVE_SYSCALLS)
		return NATIVE_SYSCALLS;
	if (in_compat()) {
		if (nr == NR_IA32_SOCKETCALL) {
			nr = socketcall_to_64((__u32)regs->bx);
			return nr == 0 ? NATIVE_SYSCALLS : nr;
		}
		__u32 *x = bpf_map_lookup_elem(&ia32_map, &nr);
		if (!x || *x == 0 || *x > NATIVE_SYSCALLS)
			return NATIVE_SYSCALLS;
		nr = *x - 1;
	}
	return nr;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = native_nr(regs);
	if (nr >= NATIVE_SYSCALLS)
		return 0;
	__u8 *on = bpf_map_lookup_elem(&interesting, &nr);
	if (!on || !*on || !traced())
		return 0;
	bpf_tail_call(ctx, &exit_fillers, nr);
	return 0;
}

/* Linux open flags (x86_64 values) */
#define K_O_WRONLY 01
#define K_O_RDWR 02
#define K_O_CREAT 0100
#define K_O_EXCL 0200
#define K_O_TRUNC 01000
#define K_O_APPEND 02000
#define K_O_NONBLOCK 04000
#define K_O_DSYNC 010000
#define K_O_DIRECT 040000
#define K_O_LARGEFILE 0100000
#define K_O_DIRECTORY 0200000
#define K_O_CLOEXEC 02000000
#define K_O_SYNC (04000000 | K_O_DSYNC)
#define K_O_TMPFILE (020000000 | K_O_DIRECTORY)
#define K_FMODE_CREATED (1 << 20)
#define K_AT_FDCWD -100

/* The libraries' open_flags_to_scap, quirks included: O_SYNC and
 * O_TMPFILE are tested with any of their bits, so O_DSYNC also reports
 * O_SYNC and O_DIRECTORY also reports O_TMPFILE, as Falco's drivers do. */
static __always_inline __u32 open_flags_to_scap(__u32 flags)
{
	__u32 res;
	switch (flags & (K_O_WRONLY | K_O_RDWR)) {
	case K_O_WRONLY:
		res = PPM_FILE_O_WRONLY;
		break;
	case K_O_RDWR:
		res = PPM_FILE_O_RDWR;
		break;
	default:
		res = PPM_FILE_O_RDONLY;
	}
	if (flags & K_O_CREAT)
		res |= PPM_FILE_O_CREAT;
	if (flags & K_O_TMPFILE)
		res |= PPM_FILE_O_TMPFILE;
	if (flags & K_O_APPEND)
		res |= PPM_FILE_O_APPEND;
	if (flags & K_O_DSYNC)
		res |= PPM_FILE_O_DSYNC;
	if (flags & K_O_EXCL)
		res |= PPM_FILE_O_EXCL;
	if (flags & K_O_NONBLOCK)
		res |= PPM_FILE_O_NONBLOCK;
	if (flags & K_O_SYNC)
		res |= PPM_FILE_O_SYNC;
	if (flags & K_O_TRUNC)
		res |= PPM_FILE_O_TRUNC;
	if (flags & K_O_DIRECT)
		res |= PPM_FILE_O_DIRECT;
	if (flags & K_O_DIRECTORY)
		res |= PPM_FILE_O_DIRECTORY;
	if (flags & K_O_LARGEFILE)
		res |= PPM_FILE_O_LARGEFILE;
	if (flags & K_O_CLOEXEC)
		res |= PPM_FILE_O_CLOEXEC;
	return res;
}

/* The mode only means something when a file may be created; the PPM_S_*
 * bits are the POSIX ones. */
static __always_inline __u32 open_mode_to_scap(__u32 flags, __u32 mode)
{
	if (!(flags & (K_O_CREAT | K_O_TMPFILE)))
		return 0;
	return mode & 07777;
}

/* The file behind fd in the current task, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	if ((unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* What the open family reports about the file it opened: its flags with
 * O_F_CREATED when this call created it and FD_UPPER_LAYER or
 * FD_LOWER_LAYER when it is on an overlay (inode_overlay_layer, task.h),
 * its device and inode. */
struct opened {
	__u32 flags;
	__u32 dev;
	__u64 ino;
	int layer; /* enum k_ovl_layer */
};

static __always_inline struct opened opened_file(long fd, __u32 kflags)
{
	struct opened o = {.flags = open_flags_to_scap(kflags)};
	struct file *f = fd_file(fd);
	if (f) {
		if (BPF_CORE_READ(f, f_mode) & K_FMODE_CREATED)
			o.flags |= PPM_FILE_O_F_CREATED;
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		struct super_block *sb = BPF_CORE_READ(inode, i_sb);
		o.dev = encode_dev(BPF_CORE_READ(sb, s_dev));
		o.ino = BPF_CORE_READ(inode, i_ino);
		o.layer = inode_overlay_layer(inode, BPF_CORE_READ(sb, s_magic));
		if (o.layer == K_OVL_UPPER)
			o.flags |= PPM_FILE_FD_UPPER_LAYER;
		else if (o.layer == K_OVL_LOWER)
			o.flags |= PPM_FILE_FD_LOWER_LAYER;
	}
	return o;
}

/* The syscall's arguments: the x86_64 registers, or the i386 ones for a
 * 32-bit process. */
static __always_inline unsigned long sysarg(struct pt_regs *regs, int i)
{
	if (in_compat()) {
		if ((__u32)regs->orig_ax == 102) {
			/* socketcall: the arguments are an array of 32-bit
			 * words that the second register points to */
			__u32 v = 0;
			bpf_probe_read_user(&v, sizeof(v), (void *)(regs->cx + 4 * (unsigned long)i));
			return v;
		}
		switch (i) {
		case 0: return regs->bx;
		case 1: return regs->cx;
		case 2: return regs->dx;
		case 3: return regs->si;
		case 4: return regs->di;
		default: return regs->bp;
		}
	}
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

#define ARG0 sysarg(regs, 0)
#define ARG1 sysarg(regs, 1)
#define ARG2 sysarg(regs, 2)
#define ARG3 sysarg(regs, 3)
#define ARG4 sysarg(regs, 4)
#define ARG5 sysarg(regs, 5)

/* A filler: one record of event EVT from the syscall's result (ret) and
 * arguments (ARG0...). */
#define FILLER(name, EVT, cat)                                                   \
	static __always_inline void name##_params(struct rec *r, struct pt_regs *regs, long ret); \
	SEC("tp_btf/sys_exit")                                                   \
	int BPF_PROG(name, struct pt_regs *regs, long ret)                       \
	{                                                                        \
		struct rec r;                                                    \
		if (!rec_begin(&r, EVT, EVT##_NPARAMS, 0, cat))                  \
			return 0;                                                \
		name##_params(&r, regs, ret);                                    \
		rec_submit(&r);                                                  \
		return 0;                                                        \
	}                                                                        \
	static __always_inline void name##_params(struct rec *r, struct pt_regs *regs, long ret)

static __always_inline __s64 dirfd_arg(unsigned long v) { return (__s64)(__s32)v; }

FILLER(openat_x, PPME_SYSCALL_OPENAT_2_X, CAT_OPEN)
{
	struct opened o = opened_file(ret, (__u32)ARG2);
	rec_s64(r, ret);                                   /* fd */
	rec_s64(r, dirfd_arg(ARG0));                       /* dirfd */
	rec_user_str(r, (const char *)ARG1);               /* name */
	rec_u32(r, o.flags);                               /* flags */
	rec_u32(r, open_mode_to_scap((__u32)ARG2, (__u32)ARG3)); /* mode */
	rec_u32(r, o.dev);                                 /* dev */
	rec_u64(r, o.ino);                                 /* ino */
}

FILLER(open_x, PPME_SYSCALL_OPEN_X, CAT_OPEN)
{
	struct opened o = opened_file(ret, (__u32)ARG1);
	rec_s64(r, ret);                                   /* fd */
	rec_user_str(r, (const char *)ARG0);               /* name */
	rec_u32(r, o.flags);                               /* flags */
	rec_u32(r, open_mode_to_scap((__u32)ARG1, (__u32)ARG2)); /* mode */
	rec_u32(r, o.dev);                                 /* dev */
	rec_u64(r, o.ino);                                 /* ino */
}

FILLER(creat_x, PPME_SYSCALL_CREAT_X, CAT_OPEN)
{
	struct opened o = opened_file(ret, 0);
	rec_s64(r, ret);                                   /* fd */
	rec_user_str(r, (const char *)ARG0);               /* name */
	rec_u32(r, (__u32)ARG1 & 07777);                   /* mode */
	rec_u32(r, o.dev);                                 /* dev */
	rec_u64(r, o.ino);                                 /* ino */
	/* creat has no flags parameter: the layer bits have their own */
	rec_u16(r, o.layer == K_OVL_UPPER ? PPM_CREAT_FD_UPPER_LAYER_CREAT :
		   o.layer == K_OVL_LOWER ? PPM_CREAT_FD_LOWER_LAYER_CREAT : 0); /* creat_flags */
}

/* struct open_how of openat2 */
struct k_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

/* Linux RESOLVE_* bits to the PPM ones, which are numbered differently. */
static __always_inline __u32 openat2_resolve_to_scap(__u64 k)
{
	__u32 res = 0;
	if (k & 0x01) res |= PPM_OPENAT2_RESOLVE_NO_XDEV;
	if (k & 0x02) res |= PPM_OPENAT2_RESOLVE_NO_MAGICLINKS;
	if (k & 0x04) res |= PPM_OPENAT2_RESOLVE_NO_SYMLINKS;
	if (k & 0x08) res |= PPM_OPENAT2_RESOLVE_BENEATH;
	if (k & 0x10) res |= PPM_OPENAT2_RESOLVE_IN_ROOT;
	if (k & 0x20) res |= PPM_OPENAT2_RESOLVE_CACHED;
	return res;
}

FILLER(openat2_x, PPME_SYSCALL_OPENAT2_X, CAT_OPEN)
{
	struct k_open_how how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)ARG2);
	struct opened o = opened_file(ret, (__u32)how.flags);
	rec_s64(r, ret);                                   /* fd */
	rec_s64(r, dirfd_arg(ARG0));                       /* dirfd */
	rec_user_str(r, (const char *)ARG1);               /* name */
	rec_u32(r, o.flags);                               /* flags */
	rec_u32(r, open_mode_to_scap((__u32)how.flags, (__u32)how.mode)); /* mode */
	rec_u32(r, openat2_resolve_to_scap(how.resolve));  /* resolve */
	rec_u32(r, o.dev);                                 /* dev */
	rec_u64(r, o.ino);                                 /* ino */
}

SEC("tp_btf/sys_exit")
int BPF_PROG(close_x, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_begin(&r, PPME_SYSCALL_CLOSE_X, PPME_SYSCALL_CLOSE_X_NPARAMS, 0, CAT_CLOSE))
		return 0;
	rec_s64(&r, ret);                    /* res */
	rec_s64(&r, (__s64)(__s32)ARG0); /* fd */
	rec_submit(&r);
	return 0;
}

/* Syscalls without an event of their own (Falco's generic ones: madvise,
 * fchmodat2, ...): the generic exit event names the syscall, so evt.type
 * works; as in Falco, it carries no arguments. */
SEC("tp_btf/sys_exit")
int BPF_PROG(generic_x, struct pt_regs *regs, long ret)
{
	struct rec r;
	__u32 nr = native_nr(regs);
	__u16 *code = bpf_map_lookup_elem(&syscall_codes, &nr);
	if (!code)
		return 0;
	if (!rec_begin(&r, PPME_GENERIC_X, PPME_GENERIC_X_NPARAMS, 0, CAT_OTHER))
		return 0;
	rec_u16(&r, *code);      /* ID */
	rec_u16(&r, (__u16)nr);  /* nativeID */
	rec_submit(&r);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	if (!traced())
		return 0;
	struct rec r;
	if (!rec_begin(&r, PPME_PROCEXIT_1_E, PPME_PROCEXIT_1_E_NPARAMS, 0, CAT_PROC_EXIT))
		return 0;
	__s64 code = BPF_CORE_READ(task, exit_code);
	rec_s64(&r, code);                       /* status */
	rec_s64(&r, (code >> 8) & 0xff);         /* ret: the exit status */
	rec_u8(&r, code & 0x7f);                 /* sig: the terminating signal */
	rec_u8(&r, (code & 0x80) ? 1 : 0);       /* core */
	/* reaper_tid: only a task with children needs one (0 otherwise) */
	__s64 reaper = 0;
	if (BPF_CORE_READ(task, children.next) != &task->children)
		reaper = task_new_reaper(task);
	rec_s64(&r, reaper); /* reaper_tid */
	rec_submit(&r);
	return 0;
}

#define K_PF_KTHREAD 0x00200000
#define NR_EXECVE 59
#define NR_EXECVEAT 322
#define MAX_ARGV 32

static __always_inline int syscall_on(__u32 nr)
{
	__u8 *on = bpf_map_lookup_elem(&interesting, &nr);
	return on && *on;
}

/* Parameters 4 to 14 of the execve and clone exits: tid, pid, ptid, cwd
 * (empty: the state knows it, as with Falco's probe), fdlimit, page
 * faults, memory and comm. The cgroups (15) follow in their own stage. */
static __always_inline void rec_task_common(struct rec *r, struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	rec_s64(r, BPF_CORE_READ(task, pid));              /* tid */
	rec_s64(r, BPF_CORE_READ(task, tgid));             /* pid */
	rec_s64(r, BPF_CORE_READ(task, real_parent, pid)); /* ptid */
	rec_empty(r);                                      /* cwd */
	rec_u64(r, task_fdlimit(task));                    /* fdlimit */
	rec_u64(r, BPF_CORE_READ(task, maj_flt));          /* pgft_maj */
	rec_u64(r, BPF_CORE_READ(task, min_flt));          /* pgft_min */
	rec_u32(r, mm ? mm_vm_size_kb(mm) : 0);            /* vm_size */
	rec_u32(r, mm ? mm_rss_kb(mm) : 0);                /* vm_rss */
	rec_u32(r, mm ? mm_swap_kb(mm) : 0);               /* vm_swap */
	long l = bpf_probe_read_kernel_str(&r->buf[r->pos & EVENT_MASK], 16, task->comm);
	rec_len(r, l > 0 ? (__u32)l & 31 : 0);             /* comm */
}

/* exe and args from the process's argument area (after exec). */
static __always_inline void rec_exe_args_from_mm(struct rec *r, struct task_struct *task)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	long l = 0;
	if (start)
		l = bpf_probe_read_user_str(&r->buf[r->pos & EVENT_MASK], MAX_ARGS, (void *)start);
	if (l < 0)
		l = 0;
	rec_len(r, (__u32)l & (MAX_ARGS * 2 - 1)); /* exe: argv[0] */
	if (end > start + l)
		rec_user_bytes(r, start + l, end - start - l); /* args */
	else
		rec_empty(r);
}

/* Parameters 17 to 27 of the execve exit (after env): tty to uid. */
static __always_inline void rec_exec_identity(struct rec *r, struct task_struct *task)
{
	rec_u32(r, task_tty(task));                       /* tty */
	rec_s64(r, task_xid_vnr(task, K_PIDTYPE_PGID));   /* vpgid */
	rec_u32(r, task_loginuid(task));                  /* loginuid */
	struct file *exe = task_exe_file(task);
	struct inode *inode = exe ? BPF_CORE_READ(exe, f_inode) : NULL;
	__u32 flags = 0;
	if (exe && file_is_memfd(exe))
		flags |= PPM_EXE_FROM_MEMFD_BIT;
	int layer = inode ? inode_overlay_layer(inode, BPF_CORE_READ(inode, i_sb, s_magic)) : K_OVL_NONE;
	if (layer == K_OVL_UPPER)
		flags |= PPM_EXE_UPPER_LAYER_BIT;
	else if (layer == K_OVL_LOWER)
		flags |= PPM_EXE_LOWER_LAYER_BIT;
	if (exe_writable(task, inode))
		flags |= PPM_EXE_WRITABLE_BIT;
	rec_u32(r, flags);                                /* flags */
	rec_u64(r, task_caps(task, 0));                   /* cap_inheritable */
	rec_u64(r, task_caps(task, 1));                   /* cap_permitted */
	rec_u64(r, task_caps(task, 2));                   /* cap_effective */
	rec_u64(r, inode ? BPF_CORE_READ(inode, i_ino) : 0); /* exe_ino */
	rec_u64(r, inode_ctime_ns(inode));                /* exe_ino_ctime */
	rec_u64(r, inode_mtime_ns(inode));                /* exe_ino_mtime */
	rec_u32(r, task_euid(task));                      /* uid */
}

/* Parameters 28 to 30: trusted_exepath, pgid, gid. */
static __always_inline void rec_exec_path(struct rec *r, struct task_struct *task)
{
	struct file *exe = task_exe_file(task);
	if (exe)
		rec_path(r, &exe->f_path);                /* trusted_exepath */
	else
		rec_empty(r);
	rec_s64(r, task_xid_nr(task, K_PIDTYPE_PGID));    /* pgid */
	rec_u32(r, task_egid(task));                      /* gid */
}

/* Tail-call stages of the large events, by attach point. */
enum { TAIL_EXEC_FAIL_B, TAIL_EXEC_FAIL_C, TAIL_EXEC_FAIL_D, TAIL_EXEC_FAIL_E, TAIL_SYS_EXIT_COUNT };
enum { TAIL_EXEC_OK_B, TAIL_EXEC_OK_C, TAIL_EXEC_OK_D, TAIL_EXEC_OK_E, TAIL_EXEC_COUNT };

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} sys_exit_tails SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, TAIL_EXEC_COUNT);
	__type(key, __u32);
	__type(value, __u32);
} exec_tails SEC(".maps");

/* A successful execve or execveat, seen once the new image is in place
 * (the arguments and environment are then read from the new process's
 * memory). Falco's probe does the same, and like it this reports
 * execveat successes as execve events. Three stages: res, exe, args;
 * the task; env, identity, filename. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!traced() || !(syscall_on(NR_EXECVE) || syscall_on(NR_EXECVEAT)))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (BPF_CORE_READ(task, flags) & K_PF_KTHREAD)
		return 0;
	struct rec r;
	if (!rec_begin(&r, PPME_SYSCALL_EXECVE_19_X, PPME_SYSCALL_EXECVE_19_X_NPARAMS, 0, CAT_EXECVE))
		return 0;
	rec_s64(&r, 0); /* res */
	rec_exe_args_from_mm(&r, task);
	rec_save(&r);
	bpf_tail_call(ctx, &exec_tails, TAIL_EXEC_OK_B);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_ok_b, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	rec_task_common(&r, bpf_get_current_task_btf());
	rec_save(&r);
	bpf_tail_call(ctx, &exec_tails, TAIL_EXEC_OK_C);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_ok_c, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	rec_cgroups(&r, bpf_get_current_task_btf());
	rec_save(&r);
	bpf_tail_call(ctx, &exec_tails, TAIL_EXEC_OK_D);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_ok_d, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned long env_start = BPF_CORE_READ(task, mm, env_start);
	unsigned long env_end = BPF_CORE_READ(task, mm, env_end);
	rec_user_bytes(&r, env_start, env_end - env_start); /* env */
	rec_exec_identity(&r, task);
	rec_save(&r);
	bpf_tail_call(ctx, &exec_tails, TAIL_EXEC_OK_E);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_ok_e, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	rec_exec_path(&r, bpf_get_current_task_btf());
	const char *filename = BPF_CORE_READ(bprm, filename);
	long l = bpf_probe_read_kernel_str(&r.buf[r.pos & EVENT_MASK], MAX_PATH, filename);
	rec_len(&r, l > 0 ? (__u32)l & (MAX_PATH * 2 - 1) : 0); /* filename */
	rec_submit(&r);
	return 0;
}

/* The i-th pointer of a user array of pointers, 4 bytes wide in a
 * 32-bit process. */
static __always_inline const void *user_ptr_at(const void *arr, int i, int compat)
{
	if (compat) {
		__u32 p = 0;
		bpf_probe_read_user(&p, sizeof(p), arr + i * 4);
		return (const void *)(unsigned long)p;
	}
	const void *p = NULL;
	bpf_probe_read_user(&p, sizeof(p), arr + i * 8);
	return p;
}

/* NUL-separated strings from a user array of pointers (argv, envp),
 * skipping the first `skip`. */
static __always_inline void rec_user_strv(struct rec *r, const char *const *argv, int skip)
{
	__u32 start = r->pos;
	int compat = in_compat();
	if (argv) {
		for (int i = 0; i < MAX_ARGV; i++) {
			const char *a = user_ptr_at(argv, i, compat);
			if (!a)
				break;
			if (i < skip)
				continue;
			long l = bpf_probe_read_user_str(&r->buf[r->pos & EVENT_MASK], MAX_NAME, a);
			if (l <= 0)
				break;
			r->pos += l;
			if (r->pos - start > MAX_ARGS)
				break;
		}
	}
	__u32 len = r->pos - start;
	r->pos = start;
	rec_len(r, len & (MAX_EVENT_SIZE - 1));
	rec_forget(r);
}

static __always_inline int is_execveat(struct rec *r) { return *(__u16 *)&r->buf[20] == PPME_SYSCALL_EXECVEAT_X; }

/* A failed execve or execveat: the old image is still in place, so the
 * arguments come from the syscall's argv. Successes are reported by
 * sched_process_exec. */
static __always_inline int exec_fail_a(void *ctx, long ret, const char *const *argv, int at)
{
	if (ret == 0)
		return 0;
	struct rec r;
	__u16 type = at ? PPME_SYSCALL_EXECVEAT_X : PPME_SYSCALL_EXECVE_19_X;
	__u32 nparams = at ? PPME_SYSCALL_EXECVEAT_X_NPARAMS : PPME_SYSCALL_EXECVE_19_X_NPARAMS;
	if (!rec_begin(&r, type, nparams, 0, CAT_EXECVE))
		return 0;
	rec_s64(&r, ret); /* res */
	const char *exe = argv ? user_ptr_at(argv, 0, in_compat()) : NULL;
	rec_user_str(&r, exe);      /* exe */
	rec_user_strv(&r, argv, 1); /* args */
	rec_save(&r);
	bpf_tail_call(ctx, &sys_exit_tails, TAIL_EXEC_FAIL_B);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(execve_x, struct pt_regs *regs, long ret)
{
	return exec_fail_a(ctx, ret, (const char *const *)ARG1, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(execveat_x, struct pt_regs *regs, long ret)
{
	return exec_fail_a(ctx, ret, (const char *const *)ARG2, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(exec_fail_b, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	rec_task_common(&r, bpf_get_current_task_btf());
	rec_save(&r);
	bpf_tail_call(ctx, &sys_exit_tails, TAIL_EXEC_FAIL_C);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(exec_fail_c, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	rec_cgroups(&r, bpf_get_current_task_btf());
	rec_save(&r);
	bpf_tail_call(ctx, &sys_exit_tails, TAIL_EXEC_FAIL_D);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(exec_fail_d, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	int at = is_execveat(&r);
	rec_user_strv(&r, (const char *const *)(at ? ARG3 : ARG2), 0); /* env */
	rec_exec_identity(&r, bpf_get_current_task_btf());
	rec_save(&r);
	bpf_tail_call(ctx, &sys_exit_tails, TAIL_EXEC_FAIL_E);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(exec_fail_e, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	int at = is_execveat(&r);
	rec_exec_path(&r, bpf_get_current_task_btf());
	if (!at)
		rec_user_str(&r, (const char *)ARG0); /* filename */
	rec_submit(&r);
	return 0;
}

/* Linux clone flags */
#define K_CLONE_VM 0x00000100
#define K_CLONE_FS 0x00000200
#define K_CLONE_FILES 0x00000400
#define K_CLONE_SIGHAND 0x00000800
#define K_CLONE_PTRACE 0x00002000
#define K_CLONE_VFORK 0x00004000
#define K_CLONE_PARENT 0x00008000
#define K_CLONE_THREAD 0x00010000
#define K_CLONE_NEWNS 0x00020000
#define K_CLONE_SYSVSEM 0x00040000
#define K_CLONE_SETTLS 0x00080000
#define K_CLONE_PARENT_SETTID 0x00100000
#define K_CLONE_CHILD_CLEARTID 0x00200000
#define K_CLONE_UNTRACED 0x00800000
#define K_CLONE_CHILD_SETTID 0x01000000
#define K_CLONE_NEWCGROUP 0x02000000
#define K_CLONE_NEWUTS 0x04000000
#define K_CLONE_NEWIPC 0x08000000
#define K_CLONE_NEWUSER 0x10000000
#define K_CLONE_NEWPID 0x20000000
#define K_CLONE_NEWNET 0x40000000
#define K_CLONE_IO 0x80000000

/* The libraries' clone_flags_to_scap. */
static __always_inline __u32 clone_flags_plain(__u64 f)
{
	__u32 res = 0;
	if (f & K_CLONE_FILES) res |= PPM_CLONE_CLONE_FILES;
	if (f & K_CLONE_FS) res |= PPM_CLONE_CLONE_FS;
	if (f & K_CLONE_IO) res |= PPM_CLONE_CLONE_IO;
	if (f & K_CLONE_NEWIPC) res |= PPM_CLONE_CLONE_NEWIPC;
	if (f & K_CLONE_NEWNET) res |= PPM_CLONE_CLONE_NEWNET;
	if (f & K_CLONE_NEWNS) res |= PPM_CLONE_CLONE_NEWNS;
	if (f & K_CLONE_NEWPID) res |= PPM_CLONE_CLONE_NEWPID;
	if (f & K_CLONE_NEWUTS) res |= PPM_CLONE_CLONE_NEWUTS;
	if (f & K_CLONE_PARENT_SETTID) res |= PPM_CLONE_CLONE_PARENT_SETTID;
	if (f & K_CLONE_PARENT) res |= PPM_CLONE_CLONE_PARENT;
	if (f & K_CLONE_PTRACE) res |= PPM_CLONE_CLONE_PTRACE;
	if (f & K_CLONE_SIGHAND) res |= PPM_CLONE_CLONE_SIGHAND;
	if (f & K_CLONE_SYSVSEM) res |= PPM_CLONE_CLONE_SYSVSEM;
	if (f & K_CLONE_THREAD) res |= PPM_CLONE_CLONE_THREAD;
	if (f & K_CLONE_UNTRACED) res |= PPM_CLONE_CLONE_UNTRACED;
	if (f & K_CLONE_VM) res |= PPM_CLONE_CLONE_VM;
	if (f & K_CLONE_NEWUSER) res |= PPM_CLONE_CLONE_NEWUSER;
	if (f & K_CLONE_CHILD_CLEARTID) res |= PPM_CLONE_CLONE_CHILD_CLEARTID;
	if (f & K_CLONE_CHILD_SETTID) res |= PPM_CLONE_CLONE_CHILD_SETTID;
	if (f & K_CLONE_SETTLS) res |= PPM_CLONE_CLONE_SETTLS;
	if (f & K_CLONE_VFORK) res |= PPM_CLONE_CLONE_VFORK;
	if (f & K_CLONE_NEWCGROUP) res |= PPM_CLONE_CLONE_NEWCGROUP;
	return res;
}

/* clone_flags_plain plus the "child in a pid namespace" flag the clone
 * exits carry. */
static __always_inline __u32 clone_flags_to_scap(struct task_struct *task, __u64 f)
{
	__u32 res = clone_flags_plain(f);
	struct pid *p = task_pid_struct(task, K_PIDTYPE_PID);
	unsigned int level = BPF_CORE_READ(p, level);
	if (level != 0) {
		res |= PPM_CLONE_CLONE_CHILD_IN_PIDNS;
	} else {
		/* the parent of a child that will be in a new namespace */
		struct upid up = {};
		bpf_probe_read_kernel(&up, sizeof(up), (void *)p + bpf_core_field_offset(struct pid, numbers));
		if (BPF_CORE_READ(task, nsproxy, pid_ns_for_children) != up.ns)
			res |= PPM_CLONE_CLONE_CHILD_IN_PIDNS;
	}
	return res;
}

enum { TAIL_CLONE_B = TAIL_SYS_EXIT_COUNT, TAIL_CLONE_C, TAIL_SYS_EXIT_COUNT2 };

/* The clone family's exit, in the parent (res = the child's tid) and in
 * the child (res = 0): stage A writes res, exe, args and the task's
 * common fields, B the cgroups, C the rest. The flags are kept in the
 * scratch area for stage C. */
static __always_inline int clone_a(void *ctx, long ret, __u16 type, __u32 nparams, __u64 kflags)
{
	struct rec r;
	if (!rec_begin(&r, type, nparams, 0, CAT_CLONE_FORK))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	rec_s64(&r, ret); /* res */
	rec_exe_args_from_mm(&r, task);
	rec_task_common(&r, task);
	r.s->clone_flags = kflags;
	rec_save(&r);
	bpf_tail_call(ctx, &sys_exit_tails, TAIL_CLONE_B);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clone_x, struct pt_regs *regs, long ret)
{
	return clone_a(ctx, ret, PPME_SYSCALL_CLONE_20_X, PPME_SYSCALL_CLONE_20_X_NPARAMS, ARG0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clone3_x, struct pt_regs *regs, long ret)
{
	__u64 flags = 0;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)ARG0); /* clone_args.flags */
	return clone_a(ctx, ret, PPME_SYSCALL_CLONE3_X, PPME_SYSCALL_CLONE3_X_NPARAMS, flags);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(fork_x, struct pt_regs *regs, long ret)
{
	return clone_a(ctx, ret, PPME_SYSCALL_FORK_20_X, PPME_SYSCALL_FORK_20_X_NPARAMS, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vfork_x, struct pt_regs *regs, long ret)
{
	return clone_a(ctx, ret, PPME_SYSCALL_VFORK_20_X, PPME_SYSCALL_VFORK_20_X_NPARAMS, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clone_b, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	rec_cgroups(&r, bpf_get_current_task_btf());
	rec_save(&r);
	bpf_tail_call(ctx, &sys_exit_tails, TAIL_CLONE_C);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clone_c, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_resume(&r))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	rec_u32(&r, clone_flags_to_scap(task, r.s->clone_flags)); /* flags */
	rec_u32(&r, task_euid(task));                               /* uid */
	rec_u32(&r, task_egid(task));                               /* gid */
	rec_s64(&r, task_xid_vnr(task, K_PIDTYPE_PID));             /* vtid */
	rec_s64(&r, task_xid_vnr(task, K_PIDTYPE_TGID));            /* vpid */
	__u64 pidns_start = 0;
	if (ret == 0) {
		/* the child: when its pid namespace's init started */
		struct pid *p = task_pid_struct(task, K_PIDTYPE_TGID);
		unsigned int level = BPF_CORE_READ(p, level);
		struct upid up = {};
		bpf_probe_read_kernel(&up, sizeof(up), (void *)p + bpf_core_field_offset(struct pid, numbers) +
								 (level & 31) * sizeof(struct upid));
		pidns_start = BPF_CORE_READ(up.ns, child_reaper, start_time);
	}
	rec_u64(&r, pidns_start); /* pidns_init_start_ts */
	rec_submit(&r);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Files and directories                                              */

FILLER(symlink_x, PPME_SYSCALL_SYMLINK_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* target */
	rec_user_str(r, (const char *)ARG1); /* linkpath */
}

FILLER(symlinkat_x, PPME_SYSCALL_SYMLINKAT_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* target */
	rec_s64(r, dirfd_arg(ARG1));         /* linkdirfd */
	rec_user_str(r, (const char *)ARG2); /* linkpath */
}

FILLER(link_x, PPME_SYSCALL_LINK_2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* oldpath */
	rec_user_str(r, (const char *)ARG1); /* newpath */
}

FILLER(linkat_x, PPME_SYSCALL_LINKAT_2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* olddir */
	rec_user_str(r, (const char *)ARG1); /* oldpath */
	rec_s64(r, dirfd_arg(ARG2));         /* newdir */
	rec_user_str(r, (const char *)ARG3); /* newpath */
	rec_u32(r, (__u32)ARG4 & (PPM_LINKAT_AT_SYMLINK_FOLLOW | PPM_LINKAT_AT_EMPTY_PATH)); /* flags */
}

FILLER(unlink_x, PPME_SYSCALL_UNLINK_2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
}

FILLER(unlinkat_x, PPME_SYSCALL_UNLINKAT_2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* dirfd */
	rec_user_str(r, (const char *)ARG1); /* name */
	rec_u32(r, (__u32)ARG2 & PPM_UNLINKAT_AT_REMOVEDIR); /* flags */
}

FILLER(rename_x, PPME_SYSCALL_RENAME_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* oldpath */
	rec_user_str(r, (const char *)ARG1); /* newpath */
}

FILLER(renameat_x, PPME_SYSCALL_RENAMEAT_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* olddirfd */
	rec_user_str(r, (const char *)ARG1); /* oldpath */
	rec_s64(r, dirfd_arg(ARG2));         /* newdirfd */
	rec_user_str(r, (const char *)ARG3); /* newpath */
}

FILLER(renameat2_x, PPME_SYSCALL_RENAMEAT2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* olddirfd */
	rec_user_str(r, (const char *)ARG1); /* oldpath */
	rec_s64(r, dirfd_arg(ARG2));         /* newdirfd */
	rec_user_str(r, (const char *)ARG3); /* newpath */
	rec_u32(r, (__u32)ARG4 & 7);         /* flags (PPM values are the kernel's) */
}

FILLER(mkdir_x, PPME_SYSCALL_MKDIR_2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
	rec_u32(r, (__u32)ARG1);             /* mode */
}

FILLER(mkdirat_x, PPME_SYSCALL_MKDIRAT_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* dirfd */
	rec_user_str(r, (const char *)ARG1); /* path */
	rec_u32(r, (__u32)ARG2);             /* mode */
}

FILLER(rmdir_x, PPME_SYSCALL_RMDIR_2_X, CAT_DIR_FILE)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
}

FILLER(chmod_x, PPME_SYSCALL_CHMOD_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* filename */
	rec_u32(r, (__u32)ARG1 & 07777);     /* mode */
}

FILLER(fchmod_x, PPME_SYSCALL_FCHMOD_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, (__s32)ARG0);             /* fd */
	rec_u32(r, (__u32)ARG1 & 07777);     /* mode */
}

FILLER(fchmodat_x, PPME_SYSCALL_FCHMODAT_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* dirfd */
	rec_user_str(r, (const char *)ARG1); /* filename */
	rec_u32(r, (__u32)ARG2 & 07777);     /* mode */
}

FILLER(chdir_x, PPME_SYSCALL_CHDIR_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
}

FILLER(fchdir_x, PPME_SYSCALL_FCHDIR_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_s64(r, (__s32)ARG0); /* fd */
}

FILLER(chroot_x, PPME_SYSCALL_CHROOT_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
}

#define K_MS_MGC_MSK 0xffff0000
#define K_MS_MGC_VAL 0xC0ED0000

FILLER(mount_x, PPME_SYSCALL_MOUNT_X, CAT_OTHER)
{
	__u32 flags = (__u32)ARG3;
	if ((flags & K_MS_MGC_MSK) == K_MS_MGC_VAL)
		flags &= ~K_MS_MGC_MSK;
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* dev */
	rec_user_str(r, (const char *)ARG1); /* dir */
	rec_user_str(r, (const char *)ARG2); /* type */
	rec_u32(r, flags);                   /* flags (PPM values are the kernel's) */
}

FILLER(umount2_x, PPME_SYSCALL_UMOUNT2_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* name */
	rec_u32(r, (__u32)ARG1 & 0xf);       /* flags */
}

FILLER(memfd_create_x, PPME_SYSCALL_MEMFD_CREATE_X, CAT_OPEN)
{
	rec_s64(r, ret);                     /* fd */
	rec_user_str(r, (const char *)ARG0); /* name */
	rec_u32(r, (__u32)ARG1 & 7);         /* flags */
}

/* ------------------------------------------------------------------ */
/* Processes and credentials                                          */

FILLER(setuid_x, PPME_SYSCALL_SETUID_X, CAT_OTHER)
{
	rec_s64(r, ret);          /* res */
	rec_u32(r, (__u32)ARG0);  /* uid */
}

FILLER(setgid_x, PPME_SYSCALL_SETGID_X, CAT_OTHER)
{
	rec_s64(r, ret);          /* res */
	rec_u32(r, (__u32)ARG0);  /* gid */
}

FILLER(setresuid_x, PPME_SYSCALL_SETRESUID_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u32(r, (__u32)ARG0); /* ruid */
	rec_u32(r, (__u32)ARG1); /* euid */
	rec_u32(r, (__u32)ARG2); /* suid */
}

FILLER(setresgid_x, PPME_SYSCALL_SETRESGID_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u32(r, (__u32)ARG0); /* rgid */
	rec_u32(r, (__u32)ARG1); /* egid */
	rec_u32(r, (__u32)ARG2); /* sgid */
}

FILLER(setsid_x, PPME_SYSCALL_SETSID_X, CAT_OTHER)
{
	rec_s64(r, ret); /* res */
}

FILLER(init_module_x, PPME_SYSCALL_INIT_MODULE_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	__u64 len = ARG1;
	__u32 n = len > 4096 ? 4096 : (__u32)len;
	if (ARG0 && n > 0 && bpf_probe_read_user(&r->buf[r->pos & EVENT_MASK], n & 8191, (void *)ARG0) == 0)
		rec_len(r, n & 8191);        /* img: the first bytes, up to snaplen */
	else
		rec_empty(r);
	rec_forget(r);
	rec_u64(r, len);                     /* length */
	rec_user_str(r, (const char *)ARG2); /* uargs */
}

FILLER(finit_module_x, PPME_SYSCALL_FINIT_MODULE_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_s64(r, (__s32)ARG0);             /* fd */
	rec_user_str(r, (const char *)ARG1); /* uargs */
	rec_u32(r, (__u32)ARG2 & 7);         /* flags */
}

/* ------------------------------------------------------------------ */
/* File descriptors                                                   */

FILLER(dup_x, PPME_SYSCALL_DUP_1_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_s64(r, (__s32)ARG0); /* oldfd */
}

FILLER(dup2_x, PPME_SYSCALL_DUP2_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_s64(r, (__s32)ARG0); /* oldfd */
	rec_s64(r, (__s32)ARG1); /* newfd */
}

FILLER(dup3_x, PPME_SYSCALL_DUP3_X, CAT_OTHER)
{
	rec_s64(r, ret);                                 /* res */
	rec_s64(r, (__s32)ARG0);                         /* oldfd */
	rec_s64(r, (__s32)ARG1);                         /* newfd */
	rec_u32(r, ARG2 & K_O_CLOEXEC ? PPM_FILE_O_CLOEXEC : 0); /* flags */
}

static __always_inline void pipe_params(struct rec *r, long ret, int *ufds)
{
	int fds[2] = {-1, -1};
	if (ret == 0)
		bpf_probe_read_user(fds, sizeof(fds), ufds);
	rec_s64(r, ret);    /* res */
	rec_s64(r, fds[0]); /* fd1 */
	rec_s64(r, fds[1]); /* fd2 */
	struct file *f = fd_file(fds[0]);
	rec_u64(r, f ? BPF_CORE_READ(f, f_inode, i_ino) : 0); /* ino */
}

FILLER(pipe_x, PPME_SYSCALL_PIPE_X, CAT_OTHER)
{
	pipe_params(r, ret, (int *)ARG0);
}

FILLER(pipe2_x, PPME_SYSCALL_PIPE2_X, CAT_OTHER)
{
	pipe_params(r, ret, (int *)ARG0);
	rec_u32(r, open_flags_to_scap((__u32)ARG1) & ~PPM_FILE_O_RDONLY); /* flags */
}

/* ------------------------------------------------------------------ */
/* ptrace                                                             */

static __always_inline __u16 ptrace_request_to_scap(long req)
{
	switch (req) {
	case 0: return PPM_PTRACE_REQUESTS_PTRACE_TRACEME;
	case 1: return PPM_PTRACE_REQUESTS_PTRACE_PEEKTEXT;
	case 2: return PPM_PTRACE_REQUESTS_PTRACE_PEEKDATA;
	case 3: return PPM_PTRACE_REQUESTS_PTRACE_PEEKUSR;
	case 4: return PPM_PTRACE_REQUESTS_PTRACE_POKETEXT;
	case 5: return PPM_PTRACE_REQUESTS_PTRACE_POKEDATA;
	case 6: return PPM_PTRACE_REQUESTS_PTRACE_POKEUSR;
	case 7: return PPM_PTRACE_REQUESTS_PTRACE_CONT;
	case 8: return PPM_PTRACE_REQUESTS_PTRACE_KILL;
	case 9: return PPM_PTRACE_REQUESTS_PTRACE_SINGLESTEP;
	case 12: return PPM_PTRACE_REQUESTS_PTRACE_GETREGS;
	case 13: return PPM_PTRACE_REQUESTS_PTRACE_SETREGS;
	case 14: return PPM_PTRACE_REQUESTS_PTRACE_GETFPREGS;
	case 15: return PPM_PTRACE_REQUESTS_PTRACE_SETFPREGS;
	case 16: return PPM_PTRACE_REQUESTS_PTRACE_ATTACH;
	case 17: return PPM_PTRACE_REQUESTS_PTRACE_DETACH;
	case 18: return PPM_PTRACE_REQUESTS_PTRACE_GETFPXREGS;
	case 19: return PPM_PTRACE_REQUESTS_PTRACE_SETFPXREGS;
	case 21: return PPM_PTRACE_REQUESTS_PTRACE_OLDSETOPTIONS;
	case 24: return PPM_PTRACE_REQUESTS_PTRACE_SYSCALL;
	case 25: return PPM_PTRACE_REQUESTS_PTRACE_GET_THREAD_AREA;
	case 26: return PPM_PTRACE_REQUESTS_PTRACE_SET_THREAD_AREA;
	case 30: return PPM_PTRACE_REQUESTS_PTRACE_ARCH_PRCTL;
	case 31: return PPM_PTRACE_REQUESTS_PTRACE_SYSEMU;
	case 32: return PPM_PTRACE_REQUESTS_PTRACE_SYSEMU_SINGLESTEP;
	case 33: return PPM_PTRACE_REQUESTS_PTRACE_SINGLEBLOCK;
	case 0x4200: return PPM_PTRACE_REQUESTS_PTRACE_SETOPTIONS;
	case 0x4201: return PPM_PTRACE_REQUESTS_PTRACE_GETEVENTMSG;
	case 0x4202: return PPM_PTRACE_REQUESTS_PTRACE_GETSIGINFO;
	case 0x4203: return PPM_PTRACE_REQUESTS_PTRACE_SETSIGINFO;
	case 0x4204: return PPM_PTRACE_REQUESTS_PTRACE_GETREGSET;
	case 0x4205: return PPM_PTRACE_REQUESTS_PTRACE_SETREGSET;
	case 0x4206: return PPM_PTRACE_REQUESTS_PTRACE_SEIZE;
	case 0x4207: return PPM_PTRACE_REQUESTS_PTRACE_INTERRUPT;
	case 0x4208: return PPM_PTRACE_REQUESTS_PTRACE_LISTEN;
	case 0x4209: return PPM_PTRACE_REQUESTS_PTRACE_PEEKSIGINFO;
	case 0x420a: return PPM_PTRACE_REQUESTS_PTRACE_GETSIGMASK;
	case 0x420b: return PPM_PTRACE_REQUESTS_PTRACE_SETSIGMASK;
	}
	return PPM_PTRACE_REQUESTS_PTRACE_UNKNOWN;
}

#define PTRACE_IDX_UINT64 0
#define PTRACE_IDX_SIGTYPE 1

/* A PT_DYN parameter of the ptrace_dynamic_param table. */
static __always_inline void rec_ptrace_u64(struct rec *r, __u64 v)
{
	r->buf[r->pos & EVENT_MASK] = PTRACE_IDX_UINT64;
	*(__u64 *)&r->buf[(r->pos + 1) & EVENT_MASK] = v;
	rec_len(r, 9);
}

FILLER(ptrace_x, PPME_SYSCALL_PTRACE_X, CAT_OTHER)
{
	__u16 req = ptrace_request_to_scap((long)ARG0);
	rec_s64(r, ret);                             /* res */
	rec_ptrace_u64(r, ret < 0 ? 0 : ARG2);       /* addr */
	if (ret < 0) {
		rec_ptrace_u64(r, 0);                /* data */
	} else if (req == PPM_PTRACE_REQUESTS_PTRACE_PEEKTEXT || req == PPM_PTRACE_REQUESTS_PTRACE_PEEKDATA ||
		   req == PPM_PTRACE_REQUESTS_PTRACE_PEEKUSR) {
		__u64 v = 0;
		bpf_probe_read_user(&v, sizeof(v), (void *)ARG3);
		rec_ptrace_u64(r, v);                /* data: the word read */
	} else if (req == PPM_PTRACE_REQUESTS_PTRACE_CONT || req == PPM_PTRACE_REQUESTS_PTRACE_SINGLESTEP ||
		   req == PPM_PTRACE_REQUESTS_PTRACE_DETACH || req == PPM_PTRACE_REQUESTS_PTRACE_SYSCALL) {
		r->buf[r->pos & EVENT_MASK] = PTRACE_IDX_SIGTYPE;
		r->buf[(r->pos + 1) & EVENT_MASK] = (__u8)ARG3;
		rec_len(r, 2);                       /* data: the signal */
	} else {
		rec_ptrace_u64(r, ARG3);             /* data */
	}
	rec_u16(r, req);                             /* request */
	rec_s64(r, (__s32)ARG1);                     /* pid */
}

/* ------------------------------------------------------------------ */
/* Sockets                                                            */

#define K_SOCK_NONBLOCK 04000
#define K_SOCK_CLOEXEC 02000000
#define K_EINPROGRESS 115

FILLER(socket_x, PPME_SOCKET_SOCKET_X, CAT_OTHER)
{
	__u32 type = (__u32)ARG1;
	__u32 flags = 0;
	if (type & K_SOCK_NONBLOCK)
		flags |= PPM_FILE_O_NONBLOCK;
	if (type & K_SOCK_CLOEXEC)
		flags |= PPM_FILE_O_CLOEXEC;
	rec_s64(r, ret);          /* fd */
	rec_u32(r, (__u32)ARG0);  /* domain (PPM families are the kernel's) */
	rec_u32(r, type);         /* type */
	rec_u32(r, (__u32)ARG2);  /* proto */
	rec_u32(r, flags);        /* flags */
}

FILLER(bind_x, PPME_SOCKET_BIND_X, CAT_OTHER)
{
	rec_s64(r, ret);                                   /* res */
	rec_sockaddr_user(r, (const void *)ARG1, (long)ARG2); /* addr */
	rec_s64(r, (__s32)ARG0);                           /* fd */
}

FILLER(connect_x, PPME_SOCKET_CONNECT_X, CAT_CONNECT)
{
	long fd = (__s32)ARG0;
	rec_s64(r, ret); /* res */
	if (ret == 0 || ret == -K_EINPROGRESS)
		rec_socktuple(r, fd, OUTBOUND, (const void *)ARG1); /* tuple */
	else
		rec_empty(r);
	rec_s64(r, fd);                                    /* fd */
	rec_sockaddr_user(r, (const void *)ARG1, (long)ARG2); /* addr */
}

/* accept's backlog figures, from the listening socket. */
static __always_inline void rec_backlog(struct rec *r, long listen_fd)
{
	struct socket *sock = fd_socket(listen_fd);
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	__u32 len = 0, max = 0;
	if (sk) {
		len = BPF_CORE_READ(sk, sk_ack_backlog);
		max = BPF_CORE_READ(sk, sk_max_ack_backlog);
	}
	rec_u8(r, max ? (__u8)(len * 100 / max) : 0); /* queuepct */
	rec_u32(r, len);                               /* queuelen */
	rec_u32(r, max);                               /* queuemax */
}

FILLER(accept_x, PPME_SOCKET_ACCEPT_5_X, CAT_OTHER)
{
	rec_s64(r, ret); /* fd */
	if (ret >= 0)
		rec_socktuple(r, ret, INBOUND, NULL); /* tuple */
	else
		rec_empty(r);
	rec_backlog(r, (__s32)ARG0);
}

FILLER(accept4_x, PPME_SOCKET_ACCEPT4_6_X, CAT_OTHER)
{
	rec_s64(r, ret); /* fd */
	if (ret >= 0)
		rec_socktuple(r, ret, INBOUND, NULL); /* tuple */
	else
		rec_empty(r);
	rec_backlog(r, (__s32)ARG0);
	rec_u32(r, (__u32)ARG3); /* flags */
}

FILLER(listen_x, PPME_SOCKET_LISTEN_X, CAT_OTHER)
{
	rec_s64(r, ret);          /* res */
	rec_s64(r, (__s32)ARG0);  /* fd */
	rec_u32(r, (__u32)ARG1);  /* backlog */
}

FILLER(sendto_x, PPME_SOCKET_SENDTO_X, CAT_OTHER)
{
	long fd = (__s32)ARG0;
	rec_s64(r, ret);                                   /* res */
	rec_user_buf(r, (const void *)ARG1, ret > 0 ? ret : 0); /* data */
	rec_s64(r, fd);                                    /* fd */
	rec_u32(r, (__u32)ARG2);                           /* size */
	rec_socktuple(r, fd, OUTBOUND, (const void *)ARG4); /* tuple */
}

FILLER(recvfrom_x, PPME_SOCKET_RECVFROM_X, CAT_OTHER)
{
	long fd = (__s32)ARG0;
	rec_s64(r, ret);                                   /* res */
	rec_user_buf(r, (const void *)ARG1, ret > 0 ? ret : 0); /* data */
	rec_socktuple(r, fd, INBOUND, NULL);               /* tuple */
	rec_s64(r, fd);                                    /* fd */
	rec_u32(r, (__u32)ARG2);                           /* size */
}

FILLER(shutdown_x, PPME_SOCKET_SHUTDOWN_X, CAT_OTHER)
{
	rec_s64(r, ret);          /* res */
	rec_s64(r, (__s32)ARG0);  /* fd */
	rec_u8(r, ARG1 <= 2 ? (__u8)ARG1 : 0xff); /* how */
}

/* ------------------------------------------------------------------ */
/* Ownership, credentials, limits, fds the state tracks               */

FILLER(chown_x, PPME_SYSCALL_CHOWN_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
	rec_u32(r, (__u32)ARG1);             /* uid */
	rec_u32(r, (__u32)ARG2);             /* gid */
}

FILLER(lchown_x, PPME_SYSCALL_LCHOWN_X, CAT_OTHER)
{
	rec_s64(r, ret);                     /* res */
	rec_user_str(r, (const char *)ARG0); /* path */
	rec_u32(r, (__u32)ARG1);             /* uid */
	rec_u32(r, (__u32)ARG2);             /* gid */
}

FILLER(fchown_x, PPME_SYSCALL_FCHOWN_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_s64(r, (__s32)ARG0); /* fd */
	rec_u32(r, (__u32)ARG1); /* uid */
	rec_u32(r, (__u32)ARG2); /* gid */
}

FILLER(fchownat_x, PPME_SYSCALL_FCHOWNAT_X, CAT_OTHER)
{
	__u32 k = (__u32)ARG4, flags = 0;
	if (k & 0x100)
		flags |= PPM_FCHOWNAT_AT_SYMLINK_NOFOLLOW;
	if (k & 0x1000)
		flags |= PPM_FCHOWNAT_AT_EMPTY_PATH;
	rec_s64(r, ret);                     /* res */
	rec_s64(r, dirfd_arg(ARG0));         /* dirfd */
	rec_user_str(r, (const char *)ARG1); /* pathname */
	rec_u32(r, (__u32)ARG2);             /* uid */
	rec_u32(r, (__u32)ARG3);             /* gid */
	rec_u32(r, flags);                   /* flags */
}

FILLER(setreuid_x, PPME_SYSCALL_SETREUID_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u32(r, (__u32)ARG0); /* ruid */
	rec_u32(r, (__u32)ARG1); /* euid */
}

FILLER(setregid_x, PPME_SYSCALL_SETREGID_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u32(r, (__u32)ARG0); /* rgid */
	rec_u32(r, (__u32)ARG1); /* egid */
}

FILLER(setpgid_x, PPME_SYSCALL_SETPGID_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_s64(r, (__s32)ARG0); /* pid */
	rec_s64(r, (__s32)ARG1); /* pgid */
}

FILLER(capset_x, PPME_SYSCALL_CAPSET_X, CAT_OTHER)
{
	struct task_struct *task = bpf_get_current_task_btf();
	rec_s64(r, ret);               /* res */
	rec_u64(r, task_caps(task, 0)); /* cap_inheritable */
	rec_u64(r, task_caps(task, 1)); /* cap_permitted */
	rec_u64(r, task_caps(task, 2)); /* cap_effective */
}

static __always_inline __u8 fcntl_cmd_to_scap(__u32 cmd)
{
	switch (cmd) {
	case 0: return PPM_FCNTL_COMMANDS_F_DUPFD;
	case 1: return PPM_FCNTL_COMMANDS_F_GETFD;
	case 2: return PPM_FCNTL_COMMANDS_F_SETFD;
	case 3: return PPM_FCNTL_COMMANDS_F_GETFL;
	case 4: return PPM_FCNTL_COMMANDS_F_SETFL;
	case 5: return PPM_FCNTL_COMMANDS_F_GETLK;
	case 6: return PPM_FCNTL_COMMANDS_F_SETLK;
	case 7: return PPM_FCNTL_COMMANDS_F_SETLKW;
	case 8: return PPM_FCNTL_COMMANDS_F_SETOWN;
	case 9: return PPM_FCNTL_COMMANDS_F_GETOWN;
	case 10: return PPM_FCNTL_COMMANDS_F_SETSIG;
	case 11: return PPM_FCNTL_COMMANDS_F_GETSIG;
	case 15: return PPM_FCNTL_COMMANDS_F_SETOWN_EX;
	case 16: return PPM_FCNTL_COMMANDS_F_GETOWN_EX;
	case 36: return PPM_FCNTL_COMMANDS_F_OFD_GETLK;
	case 37: return PPM_FCNTL_COMMANDS_F_OFD_SETLK;
	case 38: return PPM_FCNTL_COMMANDS_F_OFD_SETLKW;
	case 1024: return PPM_FCNTL_COMMANDS_F_SETLEASE;
	case 1025: return PPM_FCNTL_COMMANDS_F_GETLEASE;
	case 1026: return PPM_FCNTL_COMMANDS_F_NOTIFY;
	case 1029: return PPM_FCNTL_COMMANDS_F_CANCELLK;
	case 1030: return PPM_FCNTL_COMMANDS_F_DUPFD_CLOEXEC;
	case 1031: return PPM_FCNTL_COMMANDS_F_SETPIPE_SZ;
	case 1032: return PPM_FCNTL_COMMANDS_F_GETPIPE_SZ;
	}
	return PPM_FCNTL_COMMANDS_UNKNOWN;
}

FILLER(fcntl_x, PPME_SYSCALL_FCNTL_X, CAT_OTHER)
{
	rec_s64(r, ret);                          /* res */
	rec_s64(r, (__s32)ARG0);                  /* fd */
	rec_u8(r, fcntl_cmd_to_scap((__u32)ARG1)); /* cmd */
	rec_u64(r, ARG2);                         /* arg */
}

/* SFD_/EFD_/IN_/TFD_/EPOLL_/UFFD_ flags share O_NONBLOCK and O_CLOEXEC. */
static __always_inline __u32 nonblock_cloexec(__u64 k)
{
	__u32 f = 0;
	if (k & K_O_NONBLOCK)
		f |= PPM_FILE_O_NONBLOCK;
	if (k & K_O_CLOEXEC)
		f |= PPM_FILE_O_CLOEXEC;
	return f;
}

FILLER(eventfd_x, PPME_SYSCALL_EVENTFD_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u64(r, ARG0);        /* initval */
	rec_u32(r, 0);           /* flags (none for eventfd) */
}

FILLER(eventfd2_x, PPME_SYSCALL_EVENTFD2_X, CAT_OTHER)
{
	rec_s64(r, ret);                          /* res */
	rec_u16(r, (__u16)nonblock_cloexec(ARG1)); /* flags */
	rec_u64(r, ARG0);                         /* initval */
}

FILLER(signalfd_x, PPME_SYSCALL_SIGNALFD_X, CAT_OTHER)
{
	__u32 mask = 0;
	bpf_probe_read_user(&mask, sizeof(mask), (void *)ARG1);
	rec_s64(r, ret);         /* res */
	rec_s64(r, (__s32)ARG0); /* fd */
	rec_u32(r, mask);        /* mask */
	rec_u8(r, 0);            /* flags */
}

FILLER(signalfd4_x, PPME_SYSCALL_SIGNALFD4_X, CAT_OTHER)
{
	__u32 mask = 0;
	bpf_probe_read_user(&mask, sizeof(mask), (void *)ARG1);
	rec_s64(r, ret);                          /* res */
	rec_u16(r, (__u16)nonblock_cloexec(ARG3)); /* flags */
	rec_s64(r, (__s32)ARG0);                  /* fd */
	rec_u32(r, mask);                         /* mask */
}

FILLER(inotify_init_x, PPME_SYSCALL_INOTIFY_INIT_X, CAT_OTHER)
{
	rec_s64(r, ret); /* res */
	rec_u8(r, 0);    /* flags */
}

FILLER(inotify_init1_x, PPME_SYSCALL_INOTIFY_INIT1_X, CAT_OTHER)
{
	rec_s64(r, ret);                          /* res */
	rec_u16(r, (__u16)nonblock_cloexec(ARG0)); /* flags */
}

FILLER(timerfd_create_x, PPME_SYSCALL_TIMERFD_CREATE_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u8(r, (__u8)ARG0);   /* clockid */
	rec_u8(r, (__u8)ARG1);   /* flags */
}

FILLER(epoll_create_x, PPME_SYSCALL_EPOLL_CREATE_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* res */
	rec_u32(r, (__u32)ARG0); /* size */
}

FILLER(epoll_create1_x, PPME_SYSCALL_EPOLL_CREATE1_X, CAT_OTHER)
{
	rec_s64(r, ret);                                   /* res */
	rec_u32(r, ARG0 & K_O_CLOEXEC ? PPM_EPOLL_CREATE1_EPOLL_CLOEXEC : 0); /* flags */
}

FILLER(userfaultfd_x, PPME_SYSCALL_USERFAULTFD_X, CAT_OTHER)
{
	rec_s64(r, ret);                  /* res */
	rec_u32(r, nonblock_cloexec(ARG0)); /* flags */
}

#define K_PR_SET_NAME 15
#define K_PR_GET_NAME 16

FILLER(prctl_x, PPME_SYSCALL_PRCTL_X, CAT_OTHER)
{
	__u32 option = (__u32)ARG0;
	rec_s64(r, ret);    /* res */
	rec_u32(r, option); /* option (PPM values are the kernel's) */
	if (option == K_PR_SET_NAME || option == K_PR_GET_NAME) {
		rec_user_str(r, (const char *)ARG1); /* arg2_str */
		rec_s64(r, 0);                       /* arg2_int */
	} else {
		rec_empty(r);                        /* arg2_str */
		__s64 v = (__s64)ARG1;
		/* the options that return through a pointer give its value */
		rec_s64(r, v);                       /* arg2_int */
	}
}

struct k_rlimit {
	__u64 cur;
	__u64 max;
};

FILLER(setrlimit_x, PPME_SYSCALL_SETRLIMIT_X, CAT_OTHER)
{
	struct k_rlimit l = {};
	if (in_compat()) {
		__u32 cl[2] = {}; /* struct compat_rlimit */
		bpf_probe_read_user(cl, sizeof(cl), (void *)ARG1);
		l.cur = cl[0] == 0xffffffff ? ~0ULL : cl[0];
		l.max = cl[1] == 0xffffffff ? ~0ULL : cl[1];
	} else {
		bpf_probe_read_user(&l, sizeof(l), (void *)ARG1);
	}
	rec_s64(r, ret);                    /* res */
	rec_s64(r, (__s64)l.cur);           /* cur */
	rec_s64(r, (__s64)l.max);           /* max */
	rec_u8(r, ARG0 <= 15 ? (__u8)ARG0 : 255); /* resource */
}

FILLER(prlimit64_x, PPME_SYSCALL_PRLIMIT_X, CAT_OTHER)
{
	struct k_rlimit nl = {}, ol = {};
	if (ARG2)
		bpf_probe_read_user(&nl, sizeof(nl), (void *)ARG2);
	if (ARG3 && ret == 0)
		bpf_probe_read_user(&ol, sizeof(ol), (void *)ARG3);
	rec_s64(r, ret);                    /* res */
	rec_s64(r, ARG2 ? (__s64)nl.cur : -1); /* newcur */
	rec_s64(r, ARG2 ? (__s64)nl.max : -1); /* newmax */
	rec_s64(r, ARG3 ? (__s64)ol.cur : -1); /* oldcur */
	rec_s64(r, ARG3 ? (__s64)ol.max : -1); /* oldmax */
	rec_s64(r, (__s32)ARG0);            /* pid */
	rec_u8(r, ARG1 <= 15 ? (__u8)ARG1 : 255); /* resource */
}

FILLER(close_range_x, PPME_SYSCALL_CLOSE_RANGE_X, CAT_CLOSE)
{
	rec_s64(r, ret);                 /* res */
	rec_u32(r, (__u32)ARG0);         /* first */
	rec_u32(r, (__u32)ARG1);         /* last */
	rec_u32(r, (__u32)ARG2 & 6);     /* flags (PPM values are the kernel's) */
}

FILLER(pidfd_open_x, PPME_SYSCALL_PIDFD_OPEN_X, CAT_OTHER)
{
	rec_s64(r, ret);                                        /* fd */
	rec_s64(r, (__s32)ARG0);                                /* pid */
	rec_u32(r, ARG1 & K_O_NONBLOCK ? PPM_PIDFD_OPEN_PIDFD_NONBLOCK : 0); /* flags */
}

FILLER(pidfd_getfd_x, PPME_SYSCALL_PIDFD_GETFD_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* fd */
	rec_s64(r, (__s32)ARG0); /* pid_fd */
	rec_s64(r, (__s32)ARG1); /* target_fd */
	rec_u32(r, (__u32)ARG2); /* flags */
}

FILLER(socketpair_x, PPME_SOCKET_SOCKETPAIR_X, CAT_OTHER)
{
	int fds[2] = {-1, -1};
	if (ret == 0)
		bpf_probe_read_user(fds, sizeof(fds), (void *)ARG3);
	struct socket *s0 = ret == 0 ? fd_socket(fds[0]) : NULL;
	struct sock *sk = s0 ? BPF_CORE_READ(s0, sk) : NULL;
	struct sock *peer = NULL;
	if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) == K_AF_UNIX)
		peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	rec_s64(r, ret);            /* res */
	rec_s64(r, fds[0]);         /* fd1 */
	rec_s64(r, fds[1]);         /* fd2 */
	rec_u64(r, (__u64)sk);      /* source */
	rec_u64(r, (__u64)peer);    /* peer */
	rec_u32(r, (__u32)ARG0);    /* domain */
	rec_u32(r, (__u32)ARG1);    /* type */
	rec_u32(r, (__u32)ARG2);    /* proto */
}

/* ------------------------------------------------------------------ */
/* Messages, sockopts, io_uring, handles                              */

#define MAX_CONTROL 512

/* sendmsg/recvmsg: the first buffer's bytes up to snaplen, the total
 * size of the buffers, the control data (SCM_RIGHTS passes fds). */
struct msg_view {
	void *name;
	void *iov0_base;
	__u64 iov0_len;
	__u64 total;
	void *control;
	__u64 controllen;
};

/* struct compat_msghdr of 32-bit processes */
struct k_compat_msghdr {
	__u32 name, namelen, iov, iovlen, control, controllen, flags;
};

static __always_inline struct msg_view read_msghdr(const void *umsg)
{
	struct msg_view v = {};
	if (!umsg)
		return v;
	if (in_compat()) {
		struct k_compat_msghdr cm = {};
		if (bpf_probe_read_user(&cm, sizeof(cm), umsg) != 0)
			return v;
		v.name = (void *)(unsigned long)cm.name;
		v.control = (void *)(unsigned long)cm.control;
		v.controllen = cm.controllen;
		__u32 ciov[2] = {};
		if (cm.iov && cm.iovlen > 0 && bpf_probe_read_user(ciov, sizeof(ciov), (void *)(unsigned long)cm.iov) == 0) {
			v.iov0_base = (void *)(unsigned long)ciov[0];
			v.iov0_len = ciov[1];
			v.total = ciov[1]; /* the first buffer only */
		}
		return v;
	}
	struct user_msghdr m = {};
	if (bpf_probe_read_user(&m, sizeof(m), umsg) != 0)
		return v;
	v.name = m.msg_name;
	v.control = m.msg_control;
	v.controllen = m.msg_controllen;
	struct iovec iov[8] = {};
	__u32 n = m.msg_iovlen > 8 ? 8 : (__u32)m.msg_iovlen;
	if (m.msg_iov && n > 0 && bpf_probe_read_user(iov, sizeof(iov[0]) * (n & 7 ? n & 7 : 8), m.msg_iov) == 0) {
		v.iov0_base = iov[0].iov_base;
		v.iov0_len = iov[0].iov_len;
		for (int i = 0; i < 8; i++)
			if (i < n)
				v.total += iov[i].iov_len;
	}
	return v;
}

FILLER(sendmsg_x, PPME_SOCKET_SENDMSG_X, CAT_OTHER)
{
	long fd = (__s32)ARG0;
	struct msg_view m = read_msghdr((const void *)ARG1);
	long n = ret > 0 ? (ret < (long)m.iov0_len ? ret : (long)m.iov0_len) : 0;
	rec_s64(r, ret);                             /* res */
	rec_user_buf(r, m.iov0_base, n);             /* data */
	rec_s64(r, fd);                              /* fd */
	rec_u32(r, (__u32)m.total);                  /* size */
	rec_socktuple(r, fd, OUTBOUND, m.name);      /* tuple */
}

FILLER(recvmsg_x, PPME_SOCKET_RECVMSG_X, CAT_OTHER)
{
	long fd = (__s32)ARG0;
	struct msg_view m = read_msghdr((const void *)ARG1);
	long n = ret > 0 ? (ret < (long)m.iov0_len ? ret : (long)m.iov0_len) : 0;
	rec_s64(r, ret);                             /* res */
	rec_u32(r, (__u32)m.total);                  /* size */
	rec_user_buf(r, m.iov0_base, n);             /* data */
	rec_socktuple(r, fd, INBOUND, NULL);         /* tuple */
	__u32 cl = m.controllen > MAX_CONTROL ? MAX_CONTROL : (__u32)m.controllen;
	if (ret >= 0 && m.control && cl > 0 &&
	    bpf_probe_read_user(&r->buf[r->pos & EVENT_MASK], cl & (MAX_CONTROL * 2 - 1), m.control) == 0)
		rec_len(r, cl & (MAX_CONTROL * 2 - 1)); /* msgcontrol */
	else
		rec_empty(r);
	rec_forget(r);
	rec_s64(r, fd);                              /* fd */
}

#define K_SOL_SOCKET 1
#define K_SO_ERROR 4

FILLER(getsockopt_x, PPME_SOCKET_GETSOCKOPT_X, CAT_OTHER)
{
	__u32 level = (__u32)ARG1, optname = (__u32)ARG2;
	__u32 optlen = 0;
	bpf_probe_read_user(&optlen, sizeof(optlen), (void *)ARG4);
	rec_s64(r, ret);                                                   /* res */
	rec_s64(r, (__s32)ARG0);                                           /* fd */
	rec_u8(r, level == K_SOL_SOCKET ? PPM_SOCKOPT_LEVELS_SOL_SOCKET : PPM_SOCKOPT_LEVELS_UNKNOWN); /* level */
	if (level == K_SOL_SOCKET && optname == K_SO_ERROR) {
		__s32 err = 0;
		bpf_probe_read_user(&err, sizeof(err), (void *)ARG3);
		rec_u8(r, PPM_SOCKOPT_OPTIONS_SO_ERROR);                   /* optname */
		r->buf[r->pos & EVENT_MASK] = 1;                           /* val: errno variant */
		*(__s64 *)&r->buf[(r->pos + 1) & EVENT_MASK] = -(__s64)err;
		rec_len(r, 9);
	} else {
		rec_u8(r, PPM_SOCKOPT_OPTIONS_UNKNOWN);                    /* optname */
		r->buf[r->pos & EVENT_MASK] = 0;                           /* val: raw bytes variant */
		__u32 n = optlen > 64 ? 64 : optlen;
		if (n > 0 && bpf_probe_read_user(&r->buf[(r->pos + 1) & EVENT_MASK], n & 127, (void *)ARG3) == 0)
			rec_len(r, 1 + (n & 127));
		else
			rec_len(r, 1);
	}
	rec_u32(r, optlen); /* optlen */
}

FILLER(io_uring_setup_x, PPME_SYSCALL_IO_URING_SETUP_X, CAT_OTHER)
{
	struct {
		__u32 sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features;
	} p = {};
	bpf_probe_read_user(&p, sizeof(p), (void *)ARG1);
	rec_s64(r, ret);              /* res */
	rec_u32(r, (__u32)ARG0);      /* entries */
	rec_u32(r, p.sq_entries);     /* sq_entries */
	rec_u32(r, p.cq_entries);     /* cq_entries */
	rec_u32(r, p.flags);          /* flags (PPM values are the kernel's for the ones it knows) */
	rec_u32(r, p.sq_thread_cpu);  /* sq_thread_cpu */
	rec_u32(r, p.sq_thread_idle); /* sq_thread_idle */
	rec_u32(r, p.features);       /* features */
}

FILLER(open_by_handle_at_x, PPME_SYSCALL_OPEN_BY_HANDLE_AT_X, CAT_OPEN)
{
	struct opened o = opened_file(ret, (__u32)ARG2);
	struct file *f = fd_file(ret);
	rec_s64(r, ret);                 /* fd */
	rec_s64(r, dirfd_arg(ARG0));     /* mountfd */
	rec_u32(r, o.flags);             /* flags */
	if (f)
		rec_path(r, &f->f_path); /* path: of the file opened */
	else
		rec_empty(r);
	rec_u32(r, o.dev);               /* dev */
	rec_u64(r, o.ino);               /* ino */
}

/* ------------------------------------------------------------------ */
/* Namespaces, bpf, batched messages                                  */

FILLER(unshare_x, PPME_SYSCALL_UNSHARE_X, CAT_OTHER)
{
	rec_s64(r, ret);                   /* res */
	rec_u32(r, clone_flags_plain(ARG0)); /* flags */
}

FILLER(setns_x, PPME_SYSCALL_SETNS_X, CAT_OTHER)
{
	rec_s64(r, ret);                   /* res */
	rec_s64(r, (__s32)ARG0);           /* fd */
	rec_u32(r, clone_flags_plain(ARG1)); /* nstype */
}

FILLER(bpf_x, PPME_SYSCALL_BPF_2_X, CAT_OTHER)
{
	rec_s64(r, ret);         /* fd */
	rec_u32(r, (__u32)ARG0); /* cmd (PPM values are the kernel's) */
}

/* sendmmsg/recvmmsg: the first message of the batch (Falco's probe emits
 * one event per message). */
FILLER(sendmmsg_x, PPME_SOCKET_SENDMMSG_X, CAT_OTHER)
{
	long fd = (__s32)ARG0;
	struct msg_view m = read_msghdr((const void *)ARG1);
	__u32 sent = 0;
	bpf_probe_read_user(&sent, sizeof(sent), (void *)ARG1 + sizeof(struct user_msghdr));
	long n = sent < m.iov0_len ? sent : (long)m.iov0_len;
	rec_s64(r, ret);                        /* res */
	rec_s64(r, fd);                         /* fd */
	rec_u32(r, (__u32)m.total);             /* size */
	rec_user_buf(r, m.iov0_base, ret > 0 ? n : 0); /* data */
	rec_socktuple(r, fd, OUTBOUND, m.name); /* tuple */
}

FILLER(recvmmsg_x, PPME_SOCKET_RECVMMSG_X, CAT_OTHER)
{
	long fd = (__s32)ARG0;
	struct msg_view m = read_msghdr((const void *)ARG1);
	__u32 got = 0;
	bpf_probe_read_user(&got, sizeof(got), (void *)ARG1 + sizeof(struct user_msghdr));
	long n = got < m.iov0_len ? got : (long)m.iov0_len;
	rec_s64(r, ret);                        /* res */
	rec_s64(r, fd);                         /* fd */
	rec_u32(r, (__u32)m.total);             /* size */
	rec_user_buf(r, m.iov0_base, ret > 0 ? n : 0); /* data */
	rec_socktuple(r, fd, INBOUND, NULL);    /* tuple */
	__u32 cl = m.controllen > MAX_CONTROL ? MAX_CONTROL : (__u32)m.controllen;
	if (ret > 0 && m.control && cl > 0 &&
	    bpf_probe_read_user(&r->buf[r->pos & EVENT_MASK], cl & (MAX_CONTROL * 2 - 1), m.control) == 0)
		rec_len(r, cl & (MAX_CONTROL * 2 - 1)); /* msgcontrol */
	else
		rec_empty(r);
	rec_forget(r);
}

/* ------------------------------------------------------------------ */
/* I/O (selected only with base_syscalls.all or by rules)             */

FILLER(read_x, PPME_SYSCALL_READ_X, CAT_OTHER)
{
	rec_s64(r, ret);                               /* res */
	rec_user_buf(r, (const void *)ARG1, ret);      /* data: what was read */
	rec_s64(r, (__s32)ARG0);                       /* fd */
	rec_u32(r, (__u32)ARG2);                       /* size */
}

FILLER(write_x, PPME_SYSCALL_WRITE_X, CAT_OTHER)
{
	rec_s64(r, ret);                                        /* res */
	rec_user_buf(r, (const void *)ARG1, ret > 0 ? ret : (long)ARG2); /* data */
	rec_s64(r, (__s32)ARG0);                                /* fd */
	rec_u32(r, (__u32)ARG2);                                /* size */
}

FILLER(pread64_x, PPME_SYSCALL_PREAD_X, CAT_OTHER)
{
	rec_s64(r, ret);                          /* res */
	rec_user_buf(r, (const void *)ARG1, ret); /* data */
	rec_s64(r, (__s32)ARG0);                  /* fd */
	rec_u32(r, (__u32)ARG2);                  /* size */
	rec_u64(r, ARG3);                         /* pos */
}

FILLER(pwrite64_x, PPME_SYSCALL_PWRITE_X, CAT_OTHER)
{
	rec_s64(r, ret);                                        /* res */
	rec_user_buf(r, (const void *)ARG1, ret > 0 ? ret : (long)ARG2); /* data */
	rec_s64(r, (__s32)ARG0);                                /* fd */
	rec_u32(r, (__u32)ARG2);                                /* size */
	rec_u64(r, ARG3);                                       /* pos */
}

/* The first iovec's bytes (up to snaplen) and the total size. */
static __always_inline void iov_view(const void *uiov, __u64 cnt, void **base0, __u64 *len0, __u64 *total)
{
	struct iovec iov[8] = {};
	__u32 n = cnt > 8 ? 8 : (__u32)cnt;
	*base0 = NULL;
	*len0 = 0;
	*total = 0;
	if (in_compat()) {
		/* struct compat_iovec: the first buffer only */
		__u32 ciov[2] = {};
		if (uiov && n > 0 && bpf_probe_read_user(ciov, sizeof(ciov), uiov) == 0) {
			*base0 = (void *)(unsigned long)ciov[0];
			*len0 = ciov[1];
			*total = ciov[1];
		}
		return;
	}
	if (!uiov || n == 0 || bpf_probe_read_user(iov, sizeof(iov[0]) * (n & 7 ? n & 7 : 8), uiov) != 0)
		return;
	*base0 = iov[0].iov_base;
	*len0 = iov[0].iov_len;
	for (int i = 0; i < 8; i++)
		if (i < n)
			*total += iov[i].iov_len;
}

FILLER(readv_x, PPME_SYSCALL_READV_X, CAT_OTHER)
{
	void *b; __u64 l, total;
	iov_view((const void *)ARG1, ARG2, &b, &l, &total);
	rec_s64(r, ret);                                  /* res */
	rec_u32(r, (__u32)total);                         /* size */
	rec_user_buf(r, b, ret > 0 ? (ret < (long)l ? ret : (long)l) : 0); /* data */
	rec_s64(r, (__s32)ARG0);                          /* fd */
}

FILLER(writev_x, PPME_SYSCALL_WRITEV_X, CAT_OTHER)
{
	void *b; __u64 l, total;
	iov_view((const void *)ARG1, ARG2, &b, &l, &total);
	rec_s64(r, ret);                 /* res */
	rec_user_buf(r, b, (long)l);     /* data */
	rec_s64(r, (__s32)ARG0);         /* fd */
	rec_u32(r, (__u32)total);        /* size */
}

FILLER(preadv_x, PPME_SYSCALL_PREADV_X, CAT_OTHER)
{
	void *b; __u64 l, total;
	iov_view((const void *)ARG1, ARG2, &b, &l, &total);
	rec_s64(r, ret);                                  /* res */
	rec_u32(r, (__u32)total);                         /* size */
	rec_user_buf(r, b, ret > 0 ? (ret < (long)l ? ret : (long)l) : 0); /* data */
	rec_s64(r, (__s32)ARG0);                          /* fd */
	rec_u64(r, ARG3);                                 /* pos */
}

FILLER(pwritev_x, PPME_SYSCALL_PWRITEV_X, CAT_OTHER)
{
	void *b; __u64 l, total;
	iov_view((const void *)ARG1, ARG2, &b, &l, &total);
	rec_s64(r, ret);             /* res */
	rec_user_buf(r, b, (long)l); /* data */
	rec_s64(r, (__s32)ARG0);     /* fd */
	rec_u32(r, (__u32)total);    /* size */
	rec_u64(r, ARG3);            /* pos */
}

FILLER(sendfile_x, PPME_SYSCALL_SENDFILE_X, CAT_OTHER)
{
	__u64 off = 0;
	if (ARG2)
		bpf_probe_read_user(&off, sizeof(off), (void *)ARG2);
	rec_s64(r, ret);         /* res */
	rec_u64(r, off);         /* offset (after the call) */
	rec_s64(r, (__s32)ARG0); /* out_fd */
	rec_s64(r, (__s32)ARG1); /* in_fd */
	rec_u64(r, ARG3);        /* size */
}
