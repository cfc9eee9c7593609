package procfs

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// Falco's PPM_O_* open flags (the file_flags table of the event format,
// internal/event FileFlags).
const (
	ppmORdonly   uint32 = 1 << 0
	ppmOWronly   uint32 = 1 << 1
	ppmORdwr     uint32 = ppmORdonly | ppmOWronly
	ppmOCreat    uint32 = 1 << 2
	ppmOAppend   uint32 = 1 << 3
	ppmODsync    uint32 = 1 << 4
	ppmOExcl     uint32 = 1 << 5
	ppmONonblock uint32 = 1 << 6
	ppmOSync     uint32 = 1 << 7
	ppmOTrunc    uint32 = 1 << 8
	ppmODirect   uint32 = 1 << 9
	ppmODir      uint32 = 1 << 10
	ppmOLarge    uint32 = 1 << 11
	ppmOCloexec  uint32 = 1 << 12
	ppmOTmpfile  uint32 = 1 << 13
)

// openFlagsToPPM converts the kernel's open flags (fdinfo's "flags", which
// include O_CLOEXEC when the fd is close-on-exec) to PPM_O_* values the
// way libscap's open_flags_to_scap does. Each composite flag is tested
// for any of its bits, as the C code does, so O_DSYNC alone also reads as
// O_SYNC and O_DIRECTORY also as O_TMPFILE; O_LARGEFILE is 0 in the
// userspace headers of 64-bit architectures and so never reported there.
func openFlagsToPPM(f uint64) uint32 {
	var r uint32
	switch f & (unix.O_RDONLY | unix.O_WRONLY | unix.O_RDWR) {
	case unix.O_WRONLY:
		r |= ppmOWronly
	case unix.O_RDWR:
		r |= ppmORdwr
	default:
		r |= ppmORdonly
	}
	for _, b := range openFlagBits {
		if f&b.os != 0 {
			r |= b.ppm
		}
	}
	return r
}

// openFlagBits pairs each kernel open flag with its PPM_O_* value.
var openFlagBits = []struct {
	os  uint64
	ppm uint32
}{
	{unix.O_CREAT, ppmOCreat},
	{unix.O_TMPFILE, ppmOTmpfile},
	{unix.O_APPEND, ppmOAppend},
	{unix.O_DSYNC, ppmODsync},
	{unix.O_EXCL, ppmOExcl},
	{unix.O_NONBLOCK, ppmONonblock},
	{unix.O_SYNC, ppmOSync},
	{unix.O_TRUNC, ppmOTrunc},
	{unix.O_DIRECT, ppmODirect},
	{unix.O_DIRECTORY, ppmODir},
	{unix.O_LARGEFILE, ppmOLarge},
	{unix.O_CLOEXEC, ppmOCloexec},
}

// readFDs reads the fd table of process pid (its main thread's directory
// is dir), at most MaxFDsPerProcess entries.
func (s *scanner) readFDs(dir, pid int) []state.FDInfo {
	fdDir, err := openat(dir, "fd", unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		if !gone(err) {
			s.warn("pid %d: cannot read fds: %v", pid, err)
		}
		return nil
	}
	defer unix.Close(fdDir)
	var nums []int
	if err := s.readDir(fdDir, func(name string) {
		if n, err := strconv.Atoi(name); err == nil && n >= 0 {
			nums = append(nums, n)
		}
	}); err != nil && !gone(err) {
		s.warn("pid %d: cannot list fds: %v", pid, err)
	}
	slices.Sort(nums)

	p := fdProc{s: s, dir: dir, pid: pid, netns: ^uint64(0)}
	var out []state.FDInfo
	limit := s.opts.MaxFDsPerProcess
	for _, n := range nums {
		if limit > 0 && len(out) >= limit {
			s.warn("pid %d: fd limit of %d reached", pid, limit)
			break
		}
		name := strconv.Itoa(n)
		var st unix.Stat_t
		if err := unix.Fstatat(fdDir, name, &st, 0); err != nil {
			if err == unix.EACCES || err == unix.EPERM {
				// Access to a process's fds is granted or refused
				// as a whole: the other fds would fail the same way.
				s.warn("pid %d: fds: %v", pid, err)
				break
			}
			continue // closed meanwhile, or a link that does not resolve
		}
		link, err := s.readLink(fdDir, name)
		if err != nil {
			continue
		}
		if fi, ok := p.classify(int64(n), &st, link); ok {
			out = append(out, fi)
		}
	}
	return out
}

// fdProc is the per-process context of an fd table read.
type fdProc struct {
	s     *scanner
	dir   int
	pid   int
	netns uint64     // ^0 until known
	tab   *sockTable // the namespace's sockets, once read
}

// classify turns one fd into an FDInfo, following libscap's handle_file:
// the kind of file (from stat through the fd's magic link) decides, the
// link's text names it.
func (p *fdProc) classify(fd int64, st *unix.Stat_t, link string) (state.FDInfo, bool) {
	fi := state.FDInfo{FD: fd}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		// "pipe:[ino]" for a pipe, the path for a named FIFO. libscap
		// stats a named FIFO's path again in its own mount namespace
		// for the inode (and drops the fd when that fails); the fd's
		// own stat already has it.
		fi.Type = state.FDFifo
		fi.Ino = st.Ino
		fi.Name = link
	case unix.S_IFREG, unix.S_IFBLK, unix.S_IFCHR, unix.S_IFLNK:
		fi.Ino = st.Ino
		if strings.HasPrefix(link, "/memfd:") {
			fi.Type = state.FDMemfd
			fi.Name = link
			break
		}
		fi.Type = state.FDFileV2
		fi.Name = link
		var mnt uint64
		fi.OpenFlags, mnt = p.fdinfo(fd)
		fi.MountID = uint32(mnt)
		fi.Dev = p.s.devOf(p.dir, mnt)
	case unix.S_IFDIR:
		fi.Type = state.FDDirectory
		fi.Ino = st.Ino
		fi.Name = link
	case unix.S_IFSOCK:
		return p.socket(fi, link)
	default:
		// Anonymous inodes (eventfd, epoll, ...) have no file type. As in
		// libscap the name is dropped: it only repeats the kind.
		fi.Ino = st.Ino
		fi.Type = state.FDUnsupported
		if kind, ok := strings.CutPrefix(link, "anon_inode:"); ok {
			fi.Type = anonInodeType(kind)
		}
	}
	return fi, true
}

// anonInodeType maps the name of an anonymous inode to its fd type
// (libscap's classify_anon_inode_file).
func anonInodeType(name string) state.FDType {
	switch name {
	case "[eventfd]":
		return state.FDEvent
	case "[eventpoll]":
		return state.FDEventpoll
	case "inotify":
		return state.FDInotify
	case "[signalfd]":
		return state.FDSignalfd
	case "[timerfd]":
		return state.FDTimerfd
	case "[io_uring]":
		return state.FDIOUring
	case "[userfaultfd]":
		return state.FDUserfaultfd
	case "[pidfd]":
		return state.FDPidfd
	case "bpf-map", "bpf-prog", "bpf-link", "bpf_iter":
		return state.FDBPF
	}
	// [perf_event] and the rest: not supported, as in libscap.
	return state.FDUnsupported
}

// fdinfo reads the open flags (as PPM_O_* values) and the mount id of fd
// from /proc/<pid>/fdinfo/<fd>. Both are in its first lines.
func (p *fdProc) fdinfo(fd int64) (uint32, uint64) {
	b, err := p.s.readFile(p.dir, "fdinfo/"+strconv.FormatInt(fd, 10), 512)
	if err != nil {
		return 0, 0
	}
	var flags uint32
	var mnt uint64
	got := 0
	for len(b) > 0 && got < 2 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		if v, ok := bytes.CutPrefix(line, []byte("flags:")); ok {
			if f, ok := parseUint(trimSpace(v), 8); ok {
				flags = openFlagsToPPM(f)
			}
			got++
		} else if v, ok := bytes.CutPrefix(line, []byte("mnt_id:")); ok {
			mnt, _ = parseUint(trimSpace(v), 10)
			got++
		}
	}
	return flags, mnt
}

// socket resolves a socket fd through the socket tables of the process's
// network namespace. As in libscap, a socket missing from the tables (a
// family they do not list, or one created after they were read) is left
// out.
func (p *fdProc) socket(fi state.FDInfo, link string) (state.FDInfo, bool) {
	inner, ok := strings.CutPrefix(link, "socket:[")
	if !ok || !strings.HasSuffix(inner, "]") {
		fi.Type = state.FDUnsupported
		fi.Name = link
		return fi, true
	}
	ino, err := strconv.ParseUint(inner[:len(inner)-1], 10, 64)
	if err != nil {
		fi.Type = state.FDUnsupported
		fi.Name = link
		return fi, true
	}
	t := p.table()
	e, ok := t.m[ino]
	if !ok {
		return fi, false
	}
	fi.Ino = ino
	fi.Type = e.typ
	switch e.typ {
	case state.FDIPv4Sock, state.FDIPv6Sock:
		fi.SrcAddr, fi.SrcPort = e.src, e.sport
		fi.DstAddr, fi.DstPort = e.dst, e.dport
		fi.L4Proto = e.l4
	case state.FDIPv4ServSock, state.FDIPv6ServSock:
		fi.SrcAddr, fi.SrcPort = e.src, e.sport
		fi.L4Proto = e.l4
	case state.FDUnixSock:
		fi.UnixSrc = e.unixSrc
		fi.Name = e.name
	}
	return fi, true
}

// table returns the socket table of the process's network namespace,
// reading it the first time a socket of the namespace is met.
func (p *fdProc) table() *sockTable {
	if p.tab != nil {
		return p.tab
	}
	p.tab = p.readTable()
	return p.tab
}

func (p *fdProc) readTable() *sockTable {
	if p.netns == ^uint64(0) {
		var st unix.Stat_t
		p.netns = 0
		if err := unix.Fstatat(p.dir, "ns/net", &st, 0); err == nil {
			p.netns = st.Ino
		}
	}
	if t, ok := p.s.sockets[p.netns]; ok {
		return t
	}
	var t *sockTable
	var err error
	if p.netns != 0 {
		t, err = readSocketTables(p.dir, "net/")
	} else {
		// No namespace support: the host's tables (libscap does the same).
		t, err = readSocketTables(unix.AT_FDCWD, p.s.proc+"/net/")
	}
	if err != nil {
		p.s.warn("pid %d: socket tables: %v", p.pid, err)
		if len(t.m) == 0 {
			// Perhaps the process exited while its tables were read:
			// another process of the namespace will try again.
			return t
		}
	}
	p.s.sockets[p.netns] = t
	return t
}
