package state

import (
	"iter"
	"net/netip"
	"strings"

	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/event"
)

// Thread flags (the PPM_CL_* values of the event format). The clone flags
// come from the driver; the ones marked "state" are set by this package,
// as libsinsp sets them.
const (
	CloneFiles        uint32 = 1 << 0
	CloneFS           uint32 = 1 << 1
	CloneIO           uint32 = 1 << 2
	CloneNewIPC       uint32 = 1 << 3
	CloneNewNet       uint32 = 1 << 4
	CloneNewNS        uint32 = 1 << 5
	CloneNewPID       uint32 = 1 << 6
	CloneNewUTS       uint32 = 1 << 7
	CloneParent       uint32 = 1 << 8
	CloneParentSetTID uint32 = 1 << 9
	ClonePtrace       uint32 = 1 << 10
	CloneSighand      uint32 = 1 << 11
	CloneSysVSem      uint32 = 1 << 12
	CloneThread       uint32 = 1 << 13
	CloneUntraced     uint32 = 1 << 14
	CloneVM           uint32 = 1 << 15
	CloneInverted     uint32 = 1 << 16 // state: the child's clone exit came before the parent's
	NameChanged       uint32 = 1 << 17 // state: comm changed (by execve)
	Closed            uint32 = 1 << 18 // state: the thread has exited (procexit seen)
	Active            uint32 = 1 << 19 // state: set from the snapshot and by execve
	CloneNewUser      uint32 = 1 << 20
	ClonePipeSrc      uint32 = 1 << 21 // state: dup'ed an fd onto stdout (shell pipe source)
	ClonePipeDst      uint32 = 1 << 22 // state: dup'ed an fd onto stdin (shell pipe destination)
	CloneChildClear   uint32 = 1 << 23
	CloneChildSetTID  uint32 = 1 << 24
	CloneSetTLS       uint32 = 1 << 25
	CloneStopped      uint32 = 1 << 26
	CloneVfork        uint32 = 1 << 27
	CloneNewCgroup    uint32 = 1 << 28
	ChildInPidNS      uint32 = 1 << 29 // the thread is not in the init pid namespace
	IsMainThread      uint32 = 1 << 30 // libsinsp-only (Windows); kept across execve, never set here
)

// Executable flags of the execve exit "flags" parameter (PPM_EXE_*).
const (
	ExeWritableFlag   uint32 = 1 << 0
	ExeUpperLayerFlag uint32 = 1 << 1
	ExeFromMemfdFlag  uint32 = 1 << 2
	ExeLowerLayerFlag uint32 = 1 << 3
)

// Thread is one thread of the monitored system, as libsinsp's
// sinsp_threadinfo keeps it. Process-wide facts (exe, args, env, cwd, fd
// table) are kept on every thread, as libsinsp does, but the authoritative
// copies of the working directory and the fd table are the main thread's:
// use CWD() and FDs(), not the raw fields.
//
// A *Thread returned by the Tables stays valid (readable) after the thread
// is removed from the table, but it is then no longer updated. Threads are
// only mutated from Tables.Process and Tables.Seed; readers on the same
// goroutine need no locking.
type Thread struct {
	Tid int64 // thread id (host pid namespace)
	Pid int64 // thread group id (the process id)
	// PTid is the parent: for a process, the tid of the thread that
	// created it; for a thread (CLONE_THREAD), its process's parent, as
	// libsinsp records it. When the parent exits it becomes the reaper's
	// tid (a live thread of the parent's process, else the nearest
	// child-subreaper or namespace init ancestor, else 0). Seeded threads
	// whose parent is not in the snapshot get 0. proc.ppid is the main
	// thread's PTid.
	PTid int64
	// ReaperTid is the tid of the thread that reaps this one's orphans when
	// known (0 unknown, -1 none); informative only.
	ReaperTid int64
	Sid       int64 // session id
	Pgid      int64 // process group id, host pid namespace (-1 unknown)
	VPgid     int64 // process group id, as seen in the thread's pid namespace
	VTid      int64 // tid in the thread's own pid namespace (-1 unknown)
	VPid      int64 // pid in the thread's own pid namespace (-1 unknown)

	Comm    string   // task name (proc.name), at most 15 bytes
	Exe     string   // argv[0] (proc.exe)
	ExePath string   // resolved executable path (proc.exepath); "" unknown
	Args    []string // argv[1:] (proc.args)
	Env     []string // KEY=VALUE (proc.env)
	// Cwd is this thread's copy of the working directory, always ending in
	// '/'. Only the main thread's copy is maintained: read CWD().
	Cwd     string
	Root    string // root directory (chroot), "" unknown
	FDLimit int64  // RLIMIT_NOFILE soft limit, 0 unknown
	// Flags are PPM_CL_* bits: the clone flags of the thread's creation plus
	// the state bits (CloneInverted, NameChanged, Closed, IsMainThread).
	Flags uint32

	UID      uint32 // effective uid (user.uid)
	GID      uint32 // effective gid (group.gid)
	LoginUID uint32 // audit login uid (user.loginuid), 0xffffffff unset

	CapPermitted   uint64
	CapEffective   uint64
	CapInheritable uint64

	// Executable inode data, from execve exits or the snapshot.
	ExeIno                        uint64
	ExeInoCtime                   uint64 // ns since the epoch
	ExeInoMtime                   uint64 // ns since the epoch
	ExeInoCtimeDurationCloneTs    uint64 // clone_ts - exe ctime, 0 if negative
	ExeInoCtimeDurationPidnsStart uint64 // exe ctime - pidns start, 0 if negative
	ExeWritable                   bool   // the exe is writable by the thread's user
	ExeUpperLayer                 bool   // the exe is in an overlayfs upper layer
	ExeLowerLayer                 bool   // the exe is in an overlayfs lower layer
	ExeFromMemfd                  bool   // the exe is a memfd (fileless)

	VMSizeKB, VMRSSKB, VMSwapKB uint32 // memory, from the last clone/execve
	PFMajor, PFMinor            uint64 // page faults, from the last clone/execve

	PidnsInitStartTs uint64 // start time of the pid namespace's init, ns
	CloneTs          uint64 // ns since the epoch: when the thread was created
	LastExecTs       uint64 // ns since the epoch: last successful execve, 0 none
	TTY              uint32 // controlling terminal device number, 0 none

	Cgroups []Cgroup // cgroup memberships (thread.cgroups)
	// ContainerID is the 12-character container id derived from the
	// cgroups, or "" for the host (the field layer renders "host").
	ContainerID string

	// FromSnapshot is true for threads seeded from a snapshot (process
	// list) rather than created by an event.
	FromSnapshot bool
	// Incomplete is true for a placeholder created for an unknown tid (no
	// snapshot entry and no clone seen), as libsinsp creates when /proc
	// cannot tell: Pid = Tid, PTid = -1, Comm and Exe "<NA>", UID, GID and
	// LoginUID 0xffffffff. Its execve fills it in and clears the flag.
	Incomplete bool
	// Dead is set by procexit; the thread is removed from the table when
	// the next event is processed (and its fd table when no thread of the
	// process remains).
	Dead bool
	// Children is the number of threads in the table whose parent link
	// is this thread (libsinsp's not-expired children count).
	Children int

	// LastEventTs is the timestamp of the last event of this thread.
	LastEventTs uint64
	// LastFD is libsinsp's m_lastevent_fd: set to the fd parameter by an
	// enter event (-1 if it has none) and used by the matching exit; set
	// by fd-creating exits to the new fd. Parsed.FDNum reports it.
	LastFD int64

	fdt      *FDTable // own fd table (shared per process; see FDs)
	tables   *Tables
	main     *Thread // cached main thread
	removed  bool    // removed from the table
	tg       *threadGroup
	children []*Thread // children (some may have left; Children counts the live)

	// The last enter event of this thread (old captures): its bytes and
	// type, kept to be matched with the following exit.
	enterBuf  []byte
	enterType uint16
	enterOK   bool
}

// IsMain reports whether the thread is its process's main thread.
func (t *Thread) IsMain() bool { return t.Tid == t.Pid }

// Main returns the process's main thread (the thread whose tid is the
// pid), or nil when it is not in the table.
func (t *Thread) Main() *Thread {
	if t.Tid == t.Pid {
		return t
	}
	if m := t.main; m != nil && !m.removed && m.Tid == t.Pid {
		return m
	}
	if t.tables == nil {
		return nil
	}
	m := t.tables.threads[t.Pid]
	t.main = m
	return m
}

// Parent returns the parent thread (by PTid), or nil when it is not in the
// table.
func (t *Thread) Parent() *Thread {
	if t.tables == nil || t.PTid <= 0 || t.PTid == t.Tid {
		return nil
	}
	return t.tables.threads[t.PTid]
}

// maxAncestors bounds ancestor walks (libsinsp stops on loops too).
const maxAncestors = 1024

// Ancestors yields the parent, the grandparent and so on, as long as they
// are in the table. It stops on a loop in the parent chain.
func (t *Thread) Ancestors() iter.Seq[*Thread] {
	return func(yield func(*Thread) bool) {
		cur := t
		for i := 0; i < maxAncestors; i++ {
			p := cur.Parent()
			if p == nil || p == t {
				return
			}
			if !yield(p) {
				return
			}
			cur = p
		}
	}
}

// Ancestor returns the ancestor n levels up (0 is t itself, 1 the parent),
// or nil.
func (t *Thread) Ancestor(n int) *Thread {
	cur := t
	for i := 0; i < n && cur != nil; i++ {
		p := cur.Parent()
		if p == t {
			return nil
		}
		cur = p
	}
	return cur
}

// CWD returns the process's working directory (the main thread's),
// always ending in '/'; "./" if unknown, as libsinsp does.
func (t *Thread) CWD() string {
	if m := t.Main(); m != nil {
		return m.Cwd
	}
	return "./"
}

// FDs returns the fd table the thread uses: the main thread's when the
// thread was created with CLONE_FILES, its own otherwise. It may be nil
// for a CLONE_FILES thread whose main thread is not in the table.
func (t *Thread) FDs() *FDTable {
	if t.Flags&CloneFiles == 0 {
		return t.ownFDs()
	}
	m := t.Main()
	if m == nil {
		return nil
	}
	return m.ownFDs()
}

func (t *Thread) ownFDs() *FDTable {
	if t.fdt == nil {
		t.fdt = newFDTable()
	}
	return t.fdt
}

// FD returns the open fd n of the thread's process, or nil.
func (t *Thread) FD(n int64) *FD {
	if n < 0 {
		return nil
	}
	if tab := t.FDs(); tab != nil {
		return tab.Get(n)
	}
	return nil
}

// getFD is FD for the parsers: like libsinsp's lookup, it records the
// fd's current name as its old name, so that a change made by the event
// being parsed can be detected.
func (t *Thread) getFD(n int64) *FD {
	f := t.FD(n)
	if f != nil {
		f.OldName = f.Name
	}
	return f
}

// CmdLine returns proc.cmdline: the task name followed by the arguments,
// space-separated.
func (t *Thread) CmdLine() string { return t.CmdLineWith(t.Comm) }

// ExeLine returns proc.exeline: argv[0] followed by the arguments.
func (t *Thread) ExeLine() string { return t.CmdLineWith(t.Exe) }

// CmdLineWith returns head followed by the arguments, space-separated, as
// libsinsp builds proc.cmdline (head = Comm) and proc.exeline (head = Exe).
func (t *Thread) CmdLineWith(head string) string {
	if len(t.Args) == 0 {
		return head
	}
	var b strings.Builder
	n := len(head)
	for _, a := range t.Args {
		n += 1 + len(a)
	}
	b.Grow(n)
	b.WriteString(head)
	for _, a := range t.Args {
		b.WriteByte(' ')
		b.WriteString(a)
	}
	return b.String()
}

// EnvVar returns the value of the environment variable name and whether
// it is set.
func (t *Thread) EnvVar(name string) (string, bool) {
	for _, kv := range t.Env {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

// FD flags (libsinsp's sinsp_fdinfo flags, same bits).
const (
	FDFromProc          uint32 = 1 << 0  // the fd came from a snapshot
	FDRoleClient        uint32 = 1 << 2  // the socket is a connection's client end
	FDRoleServer        uint32 = 1 << 3  // the socket is a connection's server end
	FDSocketPipe        uint32 = 1 << 6  // unix socket used as a pipe
	FDSocketConnected   uint32 = 1 << 13 // connect succeeded / accepted
	FDCloned            uint32 = 1 << 14 // inherited by a clone (not opened by the process)
	FDConnectionPending uint32 = 1 << 15 // non-blocking connect in progress
	FDConnectionFailed  uint32 = 1 << 16 // connect failed
	FDOverlayUpper      uint32 = 1 << 17 // file in an overlayfs upper layer
	FDOverlayLower      uint32 = 1 << 18 // file in an overlayfs lower layer
)

// Open flags used by the state (PPM_O_* and friends).
const (
	OCloexec     uint32 = 1 << 12 // PPM_O_CLOEXEC
	EpollCloexec uint32 = 1 << 0  // PPM_EPOLL_CLOEXEC, for FDEventpoll
	MfdCloexec   uint32 = 1 << 0  // PPM_MFD_CLOEXEC, for FDMemfd
)

// FD is one open file descriptor, as libsinsp's sinsp_fdinfo keeps it.
type FD struct {
	Num  int64  // the fd number
	Type FDType // what it refers to (fd.type renders it; fd.typechar)
	// Name is exactly libsinsp's fd.name: the lexically normalised
	// absolute path for files and directories opened by events (relative
	// names resolved against the cwd or the dirfd's name, "<UNKNOWN>"
	// prefixed when the dirfd is unknown); "cip:cport->sip:sport" for
	// inet sockets once a tuple is known (IPv6 addresses unbracketed,
	// numeric ports; "<unknown>" for an inet socket whose L4 protocol is
	// not known); "ip:port" for sockets after bind; for unix sockets the
	// bound path, or "srchex->dsthex path" after connect/accept; the name
	// given for memfd_create ("NAME", no "memfd:" prefix) and
	// "/proc/PID" for pidfd_open; "" for sockets before any address, pipes,
	// eventfd, signalfd, timerfd, inotify, epoll, userfaultfd, io_uring
	// and bpf fds created by events. Fds from a snapshot keep the
	// snapshot's name (e.g. "anon_inode:[eventfd]", "pipe:[123]").
	Name string
	// NameRaw is the path as the event gave it, before resolution against
	// the cwd or dirfd (fd.nameraw); "" when no path was given.
	NameRaw string
	// OldName is Name as it was when the current event started; the event
	// changed the name when they differ (see Parsed.FDNameChanged).
	OldName string

	OpenFlags uint32 // PPM_O_* flags of open* (or the CLOEXEC bits of other creators)
	Mode      uint32 // creation mode of open*/creat
	Dev       uint32 // device number of the file (fd.dev)
	MountID   uint32
	Ino       uint64 // inode number (fd.ino), also the pipe/socket inode
	Flags     uint32 // FD* flags above

	// The socket fields below are read-only views, refreshed by the
	// parsers from the socket data libsinsp keeps (a union whose views
	// alias each other; its quirks are reproduced).
	//
	// Inet sockets (FDIPv4Sock, FDIPv6Sock): libsinsp's tuple. Client is
	// the tuple's source side (fd.cip/fd.cport), Server its destination
	// side (fd.sip/fd.sport); which one is local follows the role
	// (RoleClient: Client is local). Server sockets (FDIPv4ServSock,
	// FDIPv6ServSock): only ServerAddr/ServerPort are set, with the bound
	// address. IPv4 addresses are 4-byte netip.Addr values, IPv6 16-byte.
	ClientAddr, ServerAddr netip.Addr
	ClientPort, ServerPort uint16
	// L4Proto is the stored L4 protocol of the socket (L4TCP, L4UDP, ...);
	// fd.l4proto renders L4(), which applies libsinsp's rules.
	L4Proto uint8

	// Unix sockets: kernel addresses of this end and the peer.
	UnixSrc, UnixDst uint64

	// Pid of the process a pidfd refers to.
	Pid int64

	sock sockUnion
}

// L4 returns the L4 protocol as libsinsp's fd.l4proto reports it: raw
// for raw sockets, L4NA for inet sockets without a role yet and for
// non-inet fds, the stored protocol otherwise.
func (f *FD) L4() uint8 {
	switch f.Type {
	case FDIPv4Sock, FDIPv6Sock:
		if f.L4Proto == L4Raw {
			return L4Raw
		}
		if f.Flags&(FDRoleClient|FDRoleServer) == 0 {
			return L4NA
		}
		return f.L4Proto
	case FDIPv4ServSock, FDIPv6ServSock:
		return f.L4Proto
	}
	return L4NA
}

// IsSocket reports whether the fd is a socket of any kind.
func (f *FD) IsSocket() bool {
	switch f.Type {
	case FDIPv4Sock, FDIPv6Sock, FDIPv4ServSock, FDIPv6ServSock, FDUnixSock, FDNetlink:
		return true
	}
	return false
}

// IsInet reports whether the fd is an IPv4 or IPv6 socket (tuple or server).
func (f *FD) IsInet() bool {
	switch f.Type {
	case FDIPv4Sock, FDIPv6Sock, FDIPv4ServSock, FDIPv6ServSock:
		return true
	}
	return false
}

// RoleClient reports whether the socket is a connection's client end.
func (f *FD) RoleClient() bool { return f.Flags&FDRoleClient != 0 }

// RoleServer reports whether the socket is a connection's server end.
func (f *FD) RoleServer() bool { return f.Flags&FDRoleServer != 0 }

// Connected reports whether the socket is connected.
func (f *FD) Connected() bool { return f.Flags&FDSocketConnected != 0 }

// IsCloexec reports whether the fd is closed by a successful execve.
func (f *FD) IsCloexec() bool {
	if f.OpenFlags&OCloexec != 0 {
		return true
	}
	switch f.Type {
	case FDEventpoll:
		return f.OpenFlags&EpollCloexec != 0
	case FDMemfd:
		return f.OpenFlags&MfdCloexec != 0
	}
	return false
}

// TypeChar returns libsinsp's one-character fd type (fd.typechar).
func (f *FD) TypeChar() byte { return TypeChar(f.Type) }

// TypeChar returns libsinsp's one-character code of an fd type.
func TypeChar(t FDType) byte {
	switch t {
	case FDFile, FDFileV2:
		return 'f'
	case FDDirectory:
		return 'd'
	case FDIPv4Sock, FDIPv4ServSock:
		return '4'
	case FDIPv6Sock, FDIPv6ServSock:
		return '6'
	case FDFifo:
		return 'p'
	case FDUnixSock:
		return 'u'
	case FDEvent:
		return 'e'
	case FDSignalfd:
		return 's'
	case FDEventpoll:
		return 'l'
	case FDInotify:
		return 'i'
	case FDTimerfd:
		return 't'
	case FDNetlink:
		return 'n'
	case FDBPF:
		return 'b'
	case FDUserfaultfd:
		return 'u'
	case FDIOUring:
		return 'r'
	case FDMemfd:
		return 'm'
	case FDPidfd:
		return 'P'
	}
	return 'o'
}

// TypeName returns libsinsp's name of an fd type, as fd.type renders it
// ("file", "directory", "ipv4", "ipv6", "unix", "pipe", "event",
// "signalfd", "eventpoll", "inotify", "timerfd", "netlink", "bpf",
// "userfaultfd", "io_uring", "memfd", "pidfd"; "<NA>" otherwise).
func TypeName(t FDType) string {
	switch t {
	case FDFile, FDFileV2:
		return "file"
	case FDDirectory:
		return "directory"
	case FDIPv4Sock, FDIPv4ServSock:
		return "ipv4"
	case FDIPv6Sock, FDIPv6ServSock:
		return "ipv6"
	case FDUnixSock:
		return "unix"
	case FDFifo:
		return "pipe"
	case FDEvent:
		return "event"
	case FDSignalfd:
		return "signalfd"
	case FDEventpoll:
		return "eventpoll"
	case FDInotify:
		return "inotify"
	case FDTimerfd:
		return "timerfd"
	case FDNetlink:
		return "netlink"
	case FDBPF:
		return "bpf"
	case FDUserfaultfd:
		return "userfaultfd"
	case FDIOUring:
		return "io_uring"
	case FDMemfd:
		return "memfd"
	case FDPidfd:
		return "pidfd"
	}
	return "<NA>"
}

// FDTable is the fd table of one process, shared by the threads that
// share it (CLONE_FILES).
type FDTable struct {
	m map[int64]*FD
}

func newFDTable() *FDTable { return &FDTable{m: make(map[int64]*FD)} }

// Get returns fd n, or nil.
func (t *FDTable) Get(n int64) *FD {
	if t == nil {
		return nil
	}
	return t.m[n]
}

// Len returns the number of open fds.
func (t *FDTable) Len() int {
	if t == nil {
		return 0
	}
	return len(t.m)
}

// All yields the open fds, in no particular order.
func (t *FDTable) All() iter.Seq2[int64, *FD] {
	return func(yield func(int64, *FD) bool) {
		if t == nil {
			return
		}
		for n, f := range t.m {
			if !yield(n, f) {
				return
			}
		}
	}
}

// Parsed is what Tables.Process learned about one event, for the field
// layer. It is owned by the Tables and overwritten by the next call.
type Parsed struct {
	// Thread is the thread that produced the event (never nil for events
	// with a valid tid; created lazily, Incomplete, when unknown). For a
	// clone exit in the parent it is the parent, in the child the child.
	Thread *Thread
	// Container is, for a container event, the container it announced or
	// removed (what container.* fields show for that event); nil
	// otherwise.
	Container *container.Info
	// FDNum is libsinsp's "last event fd" (fd.num) for events flagged as
	// using, creating or destroying an fd: the event's fd parameter (for
	// old exits lacking it, the enter event's), or the fd the event
	// created (open*, socket, accept, dup's new fd, pipe's second fd...);
	// -1 when the event names none (an enter of an fd creator, a failed
	// creation). It is -1 too for events without those flags, which the
	// field layer renders as <NA>.
	FDNum int64
	// FD is the fd FDNum names in the thread's table, or nil. For close it
	// is the fd as it was before removal (no longer in the table).
	FD *FD
	// FDNameChanged is true when this event changed the name of FD (e.g.
	// a UDP socket's tuple set by sendto/recvfrom, or connect).
	FDNameChanged bool
	// Enter is, for an exit event of an old capture, the matching enter
	// event of the same thread (same syscall, immediately preceding on
	// that thread); nil otherwise. It is a view over a buffer owned by the
	// thread, valid until the thread's next event.
	Enter *event.Record
	// Created is true when this event created Thread (a clone child
	// reporting itself, or a placeholder for an unknown tid).
	Created bool
	// ChildTid is the new thread of a clone/fork exit (in either the
	// parent or the child), 0 otherwise.
	ChildTid int64

	enterRec event.Record
}

// UserTable maps user ids to users, per container ("" = host).
type UserTable struct {
	m map[userKey]*UserInfo
}

type userKey struct {
	container string
	id        uint32
}

// Lookup returns the user with this uid in the container (or the host for
// ""), or nil when unknown.
func (u *UserTable) Lookup(uid uint32, containerID string) *UserInfo {
	if u == nil {
		return nil
	}
	return u.m[userKey{containerID, uid}]
}

// Add inserts or replaces a user.
func (u *UserTable) Add(info UserInfo) {
	if u.m == nil {
		u.m = make(map[userKey]*UserInfo)
	}
	i := info
	u.m[userKey{info.ContainerID, info.UID}] = &i
}

// Remove deletes a user.
func (u *UserTable) Remove(uid uint32, containerID string) {
	delete(u.m, userKey{containerID, uid})
}

// Len returns the number of users of all containers.
func (u *UserTable) Len() int { return len(u.m) }

// GroupTable maps group ids to groups, per container ("" = host).
type GroupTable struct {
	m map[userKey]*GroupInfo
}

// Lookup returns the group with this gid in the container (or the host
// for ""), or nil when unknown.
func (g *GroupTable) Lookup(gid uint32, containerID string) *GroupInfo {
	if g == nil {
		return nil
	}
	return g.m[userKey{containerID, gid}]
}

// Add inserts or replaces a group.
func (g *GroupTable) Add(info GroupInfo) {
	if g.m == nil {
		g.m = make(map[userKey]*GroupInfo)
	}
	i := info
	g.m[userKey{info.ContainerID, info.GID}] = &i
}

// Remove deletes a group.
func (g *GroupTable) Remove(gid uint32, containerID string) {
	delete(g.m, userKey{containerID, gid})
}

// Len returns the number of groups of all containers.
func (g *GroupTable) Len() int { return len(g.m) }

// Options configure the Tables.
type Options struct {
	// MaxThreads bounds the thread table (default 262144, libsinsp's).
	// When full, dead threads are dropped first, then the least recently
	// active ones; Stats counts the drops.
	MaxThreads int
	// MaxFDsPerProcess bounds each fd table (default 4096, libsinsp's
	// max fd table size); further fds are not tracked and counted.
	MaxFDsPerProcess int
	// ThreadTimeoutNs: threads without events for this long are purged
	// by Purge, which Process runs every PurgeIntervalNs of event time
	// (default 0: never; replays keep every thread).
	ThreadTimeoutNs uint64
	// BootTsEpoch is the machine's boot time (ns since the epoch), from
	// the capture's machine info or the host; it dates the pid namespace
	// of threads created by events (PidnsInitStartTs).
	BootTsEpoch uint64
	// PurgeIntervalNs is the period of the automatic purge (default
	// 5 minutes, libsinsp's), used when ThreadTimeoutNs is set.
	PurgeIntervalNs uint64
	// MaxContainers bounds the container metadata table (default
	// DefaultMaxContainers).
	MaxContainers int
	// OnNewContainer is called, once per id until its metadata arrives,
	// when a thread turns out to belong to a container the table has no
	// metadata for. It runs on the event path: it must not block (the
	// container manager queues the request). It returns false when the
	// request could not be queued; the id is then announced again by the
	// container's next new thread.
	OnNewContainer func(container.Request) bool
}

// Stats are the state's counters.
type Stats struct {
	Threads        int    // threads in the table
	ThreadsCreated uint64 // threads added by events (clone or lazy)
	ThreadsLazy    uint64 // threads created for unknown tids
	ThreadsRemoved uint64 // threads removed after procexit
	ThreadsEvicted uint64 // threads dropped because the table was full
	ThreadsPurged  uint64 // threads dropped by Purge for inactivity
	FDsDropped     uint64 // fds not tracked because a table was full
	// Containers is the number of containers with metadata.
	Containers int
	// ContainersEvicted counts containers forgotten because the
	// container table was full; ContainerEventErrors container events
	// whose payload did not decode.
	ContainersEvicted    uint64
	ContainerEventErrors uint64
	FDLookupsMissing     uint64 // events naming an fd the table did not have
}

// NumThreads is the number of live threads of the thread's process
// (libsinsp's get_num_threads), 0 for a thread that belongs to no known
// process (a placeholder with an unknown pid or parent).
func (t *Thread) NumThreads() uint64 {
	if t.tg == nil || t.Tid < 0 || t.Pid < 0 || t.PTid < 0 {
		return 0
	}
	return uint64(t.tg.alive)
}
