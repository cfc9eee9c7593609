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
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Native syscall numbers (x86_64) -> 1 when the syscall is captured. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NATIVE_SYSCALLS);
	__type(key, __u32);
	__type(value, __u8);
} interesting SEC(".maps");

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

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = (__u32)regs->orig_ax;
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

/* The device number as userspace sees it (the kernel's new_encode_dev). */
static __always_inline __u32 encode_dev(dev_t dev)
{
	__u32 major = dev >> 20, minor = dev & ((1U << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(openat_x, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_begin(&r, PPME_SYSCALL_OPENAT_2_X, PPME_SYSCALL_OPENAT_2_X_NPARAMS, 0, CAT_OPEN))
		return 0;
	__u32 flags = (__u32)regs->dx;
	__u32 dev = 0, sflags = open_flags_to_scap(flags);
	__u64 ino = 0;
	struct file *f = fd_file(ret);
	if (f) {
		if (BPF_CORE_READ(f, f_mode) & K_FMODE_CREATED)
			sflags |= PPM_FILE_O_F_CREATED;
		dev = encode_dev(BPF_CORE_READ(f, f_inode, i_sb, s_dev));
		ino = BPF_CORE_READ(f, f_inode, i_ino);
	}
	rec_s64(&r, ret);                          /* fd */
	rec_s64(&r, (__s64)(__s32)regs->di);       /* dirfd (AT_FDCWD is -100 in both) */
	rec_user_str(&r, (const char *)regs->si);  /* name */
	rec_u32(&r, sflags);                       /* flags */
	rec_u32(&r, open_mode_to_scap(flags, (__u32)regs->r10)); /* mode */
	rec_u32(&r, dev);                          /* dev */
	rec_u64(&r, ino);                          /* ino */
	rec_submit(&r);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(close_x, struct pt_regs *regs, long ret)
{
	struct rec r;
	if (!rec_begin(&r, PPME_SYSCALL_CLOSE_X, PPME_SYSCALL_CLOSE_X_NPARAMS, 0, CAT_CLOSE))
		return 0;
	rec_s64(&r, ret);                    /* res */
	rec_s64(&r, (__s64)(__s32)regs->di); /* fd */
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
	rec_s64(&r, 0);                          /* reaper_tid: filled in later */
	rec_submit(&r);
	return 0;
}
