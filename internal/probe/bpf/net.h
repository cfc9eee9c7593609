/* Kestrel's probe: sockets. Addresses given by the caller come from user
 * memory (the sockaddr parameters); the tuples of a connection come from
 * the kernel's socket, which is what the connection really is. */
#ifndef KESTREL_NET_H
#define KESTREL_NET_H

#include "record.h"

#define K_AF_UNIX 1
#define K_AF_INET 2
#define K_AF_INET6 10
#define MAX_UNIX_PATH 108

enum { OUTBOUND, INBOUND };

/* Snap length of I/O buffers (falco_libs.snaplen). */
const volatile __u32 snaplen = 80;

static __always_inline __u16 k_ntohs(__u16 v) { return __builtin_bswap16(v); }

static __always_inline struct socket *fd_socket(long fd)
{
	struct file *f = NULL;
	if (fd < 0)
		return NULL;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	/* A socket file's private data is its struct socket; check the
	 * inode is a socket first (S_IFSOCK). */
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & 0170000) != 0140000)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* A sockaddr the caller passed, as a PT_SOCKADDR parameter: family, then
 * address and port (host order) or the unix path. */
static __always_inline void rec_sockaddr_user(struct rec *r, const void *uaddr, long len)
{
	if (!uaddr || len < 2) {
		rec_empty(r);
		return;
	}
	__u16 family = 0;
	bpf_probe_read_user(&family, sizeof(family), uaddr);
	__u32 p = r->pos;
	switch (family) {
	case K_AF_INET: {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		r->buf[p & EVENT_MASK] = PPM_SOCKET_FAMILIES_AF_INET;
		*(__u32 *)&r->buf[(p + 1) & EVENT_MASK] = sin.sin_addr.s_addr;
		*(__u16 *)&r->buf[(p + 5) & EVENT_MASK] = k_ntohs(sin.sin_port);
		rec_len(r, 7);
		return;
	}
	case K_AF_INET6: {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		r->buf[p & EVENT_MASK] = PPM_SOCKET_FAMILIES_AF_INET6;
		__builtin_memcpy(&r->buf[(p + 1) & EVENT_MASK], &sin6.sin6_addr, 16);
		*(__u16 *)&r->buf[(p + 17) & EVENT_MASK] = k_ntohs(sin6.sin6_port);
		rec_len(r, 19);
		return;
	}
	case K_AF_UNIX: {
		const char *path = (const char *)uaddr + 2;
		char first = 0;
		bpf_probe_read_user(&first, 1, path);
		if (first == 0)
			path++; /* an abstract address: skip its leading NUL */
		r->buf[p & EVENT_MASK] = PPM_SOCKET_FAMILIES_AF_UNIX;
		long l = bpf_probe_read_user_str(&r->buf[(p + 1) & EVENT_MASK], MAX_UNIX_PATH, path);
		rec_len(r, 1 + (l > 0 ? (__u32)l & 255 : 0));
		return;
	}
	}
	rec_empty(r);
}

/* The tuple of a connected socket as a PT_SOCKTUPLE parameter: source
 * then destination, the local end first for outbound connections and
 * the remote end first for inbound ones, as the libraries expect. uaddr
 * fills in the remote end when the kernel has none (unconnected UDP). */
static __always_inline void rec_socktuple(struct rec *r, long fd, int dir, const void *uaddr)
{
	struct socket *sock = fd_socket(fd);
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (!sk) {
		rec_empty(r);
		return;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u32 p = r->pos;
	if (family == K_AF_INET) {
		struct inet_sock *inet = (struct inet_sock *)sk;
		__u32 lip = BPF_CORE_READ(inet, inet_saddr);
		__u16 lport = k_ntohs(BPF_CORE_READ(inet, inet_sport));
		__u32 rip = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 rport = k_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (rport == 0 && uaddr) {
			struct sockaddr_in sin = {};
			bpf_probe_read_user(&sin, sizeof(sin), uaddr);
			rip = sin.sin_addr.s_addr;
			rport = k_ntohs(sin.sin_port);
		}
		r->buf[p & EVENT_MASK] = PPM_SOCKET_FAMILIES_AF_INET;
		*(__u32 *)&r->buf[(p + 1) & EVENT_MASK] = dir == OUTBOUND ? lip : rip;
		*(__u16 *)&r->buf[(p + 5) & EVENT_MASK] = dir == OUTBOUND ? lport : rport;
		*(__u32 *)&r->buf[(p + 7) & EVENT_MASK] = dir == OUTBOUND ? rip : lip;
		*(__u16 *)&r->buf[(p + 11) & EVENT_MASK] = dir == OUTBOUND ? rport : lport;
		rec_len(r, 13);
		return;
	}
	if (family == K_AF_INET6) {
		struct inet_sock *inet = (struct inet_sock *)sk;
		struct in6_addr lip = {}, rip = {};
		BPF_CORE_READ_INTO(&lip, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&rip, sk, __sk_common.skc_v6_daddr);
		__u16 lport = k_ntohs(BPF_CORE_READ(inet, inet_sport));
		__u16 rport = k_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (rport == 0 && uaddr) {
			struct sockaddr_in6 sin6 = {};
			bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
			__builtin_memcpy(&rip, &sin6.sin6_addr, 16);
			rport = k_ntohs(sin6.sin6_port);
		}
		r->buf[p & EVENT_MASK] = PPM_SOCKET_FAMILIES_AF_INET6;
		__builtin_memcpy(&r->buf[(p + 1) & EVENT_MASK], dir == OUTBOUND ? &lip : &rip, 16);
		*(__u16 *)&r->buf[(p + 17) & EVENT_MASK] = dir == OUTBOUND ? lport : rport;
		__builtin_memcpy(&r->buf[(p + 19) & EVENT_MASK], dir == OUTBOUND ? &rip : &lip, 16);
		*(__u16 *)&r->buf[(p + 35) & EVENT_MASK] = dir == OUTBOUND ? rport : lport;
		rec_len(r, 37);
		return;
	}
	if (family == K_AF_UNIX) {
		struct unix_sock *local = (struct unix_sock *)sk;
		struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(local, peer);
		r->buf[p & EVENT_MASK] = PPM_SOCKET_FAMILIES_AF_UNIX;
		*(__u64 *)&r->buf[(p + 1) & EVENT_MASK] = (__u64)(dir == OUTBOUND ? peer : local);
		*(__u64 *)&r->buf[(p + 9) & EVENT_MASK] = (__u64)(dir == OUTBOUND ? local : peer);
		struct unix_sock *named = dir == OUTBOUND ? peer : local;
		char path[MAX_UNIX_PATH] = {};
		long l = 0;
		if (named) {
			struct unix_address *ua = BPF_CORE_READ(named, addr);
			if (ua)
				bpf_probe_read_kernel(path, sizeof(path), (void *)ua + bpf_core_field_offset(struct unix_address, name) + 2);
		} else if (uaddr && dir == OUTBOUND) {
			bpf_probe_read_user(path, sizeof(path), uaddr + 2);
		}
		const char *start = path[0] == 0 ? path + 1 : path;
		l = bpf_probe_read_kernel_str(&r->buf[(p + 17) & EVENT_MASK], MAX_UNIX_PATH, start);
		rec_len(r, 17 + (l > 0 ? (__u32)l & 255 : 1));
		if (l <= 0)
			r->buf[(p + 17) & EVENT_MASK] = 0;
		return;
	}
	rec_empty(r);
}

/* Up to snaplen bytes of a user buffer as a PT_BYTEBUF parameter. */
static __always_inline void rec_user_buf(struct rec *r, const void *ubuf, long len)
{
	if (!ubuf || len <= 0) {
		rec_empty(r);
		return;
	}
	__u32 n = len > snaplen ? snaplen : (__u32)len;
	n &= 0xffff;
	if (n == 0 || bpf_probe_read_user(&r->buf[r->pos & EVENT_MASK], n & 0xffff, ubuf) != 0) {
		rec_empty(r);
		return;
	}
	rec_len(r, n);
	rec_forget(r);
}

#endif
