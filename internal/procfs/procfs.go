// Package procfs owns the view of a running Linux system that Kestrel takes
// when it starts: it walks /proc (and the host's /etc and network
// interfaces) once and returns a snapshot in the types of internal/state,
// the way libscap's /proc scan seeds libsinsp's thread table before the
// first event arrives. It reads every thread of every process with the
// facts libscap keeps (identity, credentials, executable, arguments,
// environment, cgroups, namespaces' ids, limits, memory) and the open file
// descriptors of each process, with sockets resolved through the
// /proc/<pid>/net tables of the process's network namespace.
//
// The scan is read-only and best effort: a process that exits while it is
// being read is left out with a warning, as libscap drops it and lets the
// first event of the process fill the gap; only an unreadable /proc is an
// error. Memory is bounded by the Options and by libscap's own limits on
// each string (arguments and environment 4096 bytes, paths 1023).
package procfs

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// Options bound the scan.
type Options struct {
	// Root is the host's root directory as this process sees it: "" or "/"
	// for the real root, or a prefix such as "/host" when Kestrel runs in a
	// container with the host's filesystem mounted there (libscap's
	// HOST_ROOT). /proc is Root+"/proc", /etc/passwd Root+"/etc/passwd".
	Root string
	// Proc overrides the /proc directory (default Root+"/proc").
	Proc string
	// MaxThreads bounds the number of threads returned; 0 is unbounded.
	MaxThreads int
	// MaxFDsPerProcess bounds the fds read per process (libscap's
	// fd_lookup_limit); 0 is unbounded.
	MaxFDsPerProcess int
	// SkipFDs leaves the fd tables out.
	SkipFDs bool
}

// Snapshot is what the scan found.
type Snapshot struct {
	Machine state.MachineInfo
	// Threads holds every thread of every process, each process's main
	// thread first. The fds of a process are on its main thread only: the
	// threads of a process share one fd table, as libscap reads it once
	// for the thread group leader.
	Threads    []state.ThreadInfo
	Users      []state.UserInfo
	Groups     []state.GroupInfo
	Interfaces []state.InterfaceInfo
	// Warnings name processes that vanished mid-scan and files that could
	// not be read. They are never fatal; past 256 only their number is
	// kept.
	Warnings []string
}

// Errors of ScanProcess.
var (
	// ErrNotFound is returned for a pid with no process (it never existed
	// or it exited).
	ErrNotFound = errors.New("procfs: no such process")
	// ErrKernelThread is returned for a kernel thread or a zombie, which
	// libscap skips: it has neither a command line nor an executable.
	ErrKernelThread = errors.New("procfs: kernel thread or zombie")
)

// Limits of libscap (scap_limits.h and the kernel's TASK_COMM_LEN): the
// scan cuts strings where libscap cuts them so that a snapshot carries
// what a capture written by Falco would.
const (
	maxPathLen    = 1024 // SCAP_MAX_PATH_SIZE, with its NUL
	maxArgsLen    = 4096 // SCAP_MAX_ARGS_SIZE
	maxEnvLen     = 4096 // SCAP_MAX_ENV_SIZE
	maxCgroupsLen = 4096 // SCAP_MAX_CGROUPS_SIZE
	maxCommRead   = 16   // TASK_COMM_LEN: 15 characters and the newline
	maxCredLen    = 256  // MAX_CREDENTIALS_STR_LEN (user and group names)
)

// Bounds of the scan's own working memory.
const (
	maxWarnings = 256
	// maxSocketsPerNS bounds one network namespace's socket table.
	maxSocketsPerNS = 1 << 20
	// maxMounts bounds the mount id to device cache.
	maxMounts = 1 << 16
	// maxFileRead bounds any whole-file read (status, cgroup, limits...).
	maxFileRead = 1 << 16
)

// Scan reads the whole system.
func Scan(opts Options) (*Snapshot, error) {
	s, err := newScanner(opts)
	if err != nil {
		return nil, err
	}
	pids, err := s.listPids()
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{}
	snap.Machine = s.machineInfo()
	s.scanPids(pids, snap)
	snap.Users, snap.Groups = s.usersAndGroups()
	ifs, err := interfaces()
	if err != nil {
		s.warn("interfaces: %v", err)
	}
	snap.Interfaces = ifs
	snap.Warnings = s.takeWarnings()
	return snap, nil
}

// ScanProcess reads one process and its threads, for lazy lookups of a tid
// the state does not know. pid may be any thread id: the process that
// contains it is read (the fds are on its main thread). It fails with
// ErrNotFound when there is no such process and ErrKernelThread for a
// kernel thread or a zombie.
func ScanProcess(opts Options, pid int) ([]state.ThreadInfo, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("procfs: invalid pid %d", pid)
	}
	s, err := newScanner(opts)
	if err != nil {
		return nil, err
	}
	s.boot = cachedBootTime(s.proc)
	// A hidden thread id is reachable as /proc/<tid>: its Tgid names the
	// process.
	tgid, err := s.tgidOf(pid)
	if err != nil {
		return nil, err
	}
	var out []state.ThreadInfo
	if err := s.scanProcess(tgid, &out); err != nil {
		return nil, err
	}
	s.fillPidnsStart(out)
	return out, nil
}

// scanner is the state of one scan: options, the scratch buffers every
// read reuses, and the caches that are shared between processes (socket
// tables per network namespace, mounts, cgroup controllers).
type scanner struct {
	opts Options
	root string // "" for the real root
	proc string

	boot   uint64 // boot time, ns since the epoch
	clkTck uint64

	buf     []byte // whole-file reads
	linkBuf []byte // readlink
	dirBuf  []byte // getdents
	groups  []uint32

	sockets  map[uint64]*sockTable // by network namespace inode
	mounts   map[uint64]*mountTable
	devByMnt map[uint64]uint32
	cg       *cgroupResolver
	// pidns records, per pid namespace inode, the start time of its init
	// (found during a full scan) so that every thread of the namespace
	// gets it.
	pidns     map[uint64]uint64
	threadNS  []uint64 // pid namespace inode of each returned thread
	threads   int
	truncated bool

	warnings []string
	dropped  int
}

func newScanner(opts Options) (*scanner, error) {
	root := strings.TrimRight(opts.Root, "/")
	proc := opts.Proc
	if proc == "" {
		proc = root + "/proc"
	}
	proc = strings.TrimRight(proc, "/")
	if proc == "" {
		proc = "/"
	}
	// The only fatal error: without /proc there is nothing to scan (and
	// an empty directory in its place would give an empty snapshot that
	// looks like a valid one).
	var sfs unix.Statfs_t
	if err := unix.Statfs(proc, &sfs); err != nil {
		return nil, fmt.Errorf("procfs: cannot read %s: %w", proc, err)
	}
	if sfs.Type != unix.PROC_SUPER_MAGIC {
		return nil, fmt.Errorf("procfs: %s is not a proc filesystem", proc)
	}
	s := &scanner{
		opts:     opts,
		root:     root,
		proc:     proc,
		clkTck:   userHZ(),
		buf:      make([]byte, maxFileRead),
		linkBuf:  make([]byte, maxPathLen-1),
		dirBuf:   make([]byte, 32<<10),
		sockets:  make(map[uint64]*sockTable),
		mounts:   make(map[uint64]*mountTable),
		devByMnt: make(map[uint64]uint32),
		pidns:    make(map[uint64]uint64),
	}
	s.cg = newCgroupResolver(s)
	return s, nil
}

// warn records a non-fatal problem; past maxWarnings only a count is
// kept, so a system with thousands of short-lived processes cannot grow
// the snapshot without bound.
func (s *scanner) warn(format string, args ...any) {
	if len(s.warnings) >= maxWarnings {
		s.dropped++
		return
	}
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
}

func (s *scanner) takeWarnings() []string {
	w := s.warnings
	if s.dropped > 0 {
		w = append(w, fmt.Sprintf("%d more warnings not shown", s.dropped))
	}
	return w
}

// listPids returns the numeric entries of /proc in increasing order.
func (s *scanner) listPids() ([]int, error) {
	fd, err := unix.Open(s.proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("procfs: cannot open %s: %w", s.proc, err)
	}
	defer unix.Close(fd)
	var pids []int
	err = s.readDir(fd, func(name string) {
		if n, ok := atoiPositive(name); ok {
			pids = append(pids, n)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("procfs: cannot list %s: %w", s.proc, err)
	}
	slices.Sort(pids)
	return pids, nil
}

// scanPids reads the given processes into snap; a process that cannot be
// read is a warning.
func (s *scanner) scanPids(pids []int, snap *Snapshot) {
	for _, pid := range pids {
		if s.full() {
			break
		}
		err := s.scanProcess(pid, &snap.Threads)
		switch {
		case err == nil, errors.Is(err, ErrKernelThread):
			// libscap skips kernel threads and zombies silently.
		case errors.Is(err, ErrNotFound):
			s.warn("pid %d: exited during the scan", pid)
		default:
			s.warn("pid %d: %v", pid, err)
		}
	}
	if s.truncated {
		s.warn("thread limit of %d reached: the remaining threads were not read", s.opts.MaxThreads)
	}
	s.fillPidnsStart(snap.Threads)
}

// full reports whether MaxThreads threads have been read.
func (s *scanner) full() bool {
	if s.opts.MaxThreads > 0 && s.threads >= s.opts.MaxThreads {
		s.truncated = true
		return true
	}
	return false
}

// tgidOf returns the process id of thread tid.
func (s *scanner) tgidOf(tid int) (int, error) {
	dir, err := s.openPidDir(tid)
	if err != nil {
		return 0, err
	}
	defer unix.Close(dir)
	b, err := s.readFile(dir, "status", maxFileRead)
	if err != nil {
		return 0, procErr(err)
	}
	var st status
	st.parse(b, s)
	if st.tgid <= 0 {
		return tid, nil
	}
	return int(st.tgid), nil
}

func (s *scanner) openPidDir(pid int) (int, error) {
	fd, err := unix.Open(s.proc+"/"+strconv.Itoa(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, procErr(err)
	}
	return fd, nil
}

// procErr maps the errors of a process that is gone to ErrNotFound.
func procErr(err error) error {
	if gone(err) {
		return fmt.Errorf("%w (%v)", ErrNotFound, err)
	}
	return err
}

// gone reports whether err says the process (or thread) no longer exists:
// its /proc entries disappear (ENOENT) or refuse to resolve (ESRCH).
func gone(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH)
}

func atoiPositive(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n > 0
}

// hostname is libscap's scap_gethostname: the SCAP_HOSTNAME environment
// variable wins over the kernel's name.
func hostname() string {
	if h, ok := os.LookupEnv("SCAP_HOSTNAME"); ok {
		return h
	}
	h, _ := os.Hostname()
	return h
}
