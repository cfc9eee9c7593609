package procfs

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// These tests scan the real system: they start processes with known
// properties and check what the scan says about them.

const envMarker = "KESTREL_PROCFS_TEST=marker-4711"

// child is a sleeping process with known arguments, environment, working
// directory and open files.
type child struct {
	cmd     *exec.Cmd
	pid     int
	start   time.Time
	dir     string
	exePath string

	file     string // fd 3: O_RDWR|O_APPEND
	fileIno  uint64
	fileDev  uint64
	pipeIno  uint64 // fd 4: a pipe's write end
	lnPort   uint16 // fd 5: TCP listener on 127.0.0.1
	cliPort  uint16 // fd 6: connected TCP client to the listener
	unixPath string // fd 7: unix listener
	udpPort  uint16 // fd 8: UDP socket bound to 127.0.0.1
	ln6Port  uint16 // fd 9: TCP listener on [::1]
	// fd 10: the working directory, open
}

func startChild(t *testing.T) *child {
	t.Helper()
	c := &child{dir: t.TempDir()}
	dir, err := filepath.EvalSymlinks(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	var extra []*os.File
	closeLater := func(f *os.File) { t.Cleanup(func() { f.Close() }) }

	c.file = filepath.Join(c.dir, "data.log")
	f, err := os.OpenFile(c.file, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(f)
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	c.fileIno, c.fileDev = st.Ino, st.Dev
	extra = append(extra, f)

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(pr)
	closeLater(pw)
	if err := unix.Fstat(int(pw.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	c.pipeIno = st.Ino
	extra = append(extra, pw)

	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c.lnPort = uint16(ln.Addr().(*net.TCPAddr).Port)
	lnf, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(lnf)
	extra = append(extra, lnf)

	cli, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c.cliPort = uint16(cli.LocalAddr().(*net.TCPAddr).Port)
	clif, err := cli.File()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(clif)
	extra = append(extra, clif)

	c.unixPath = filepath.Join(c.dir, "ctl.sock")
	uln, err := net.ListenUnix("unix", &net.UnixAddr{Name: c.unixPath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uln.Close() })
	ulnf, err := uln.File()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(ulnf)
	extra = append(extra, ulnf)

	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udp.Close() })
	c.udpPort = uint16(udp.LocalAddr().(*net.UDPAddr).Port)
	udpf, err := udp.File()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(udpf)
	extra = append(extra, udpf)

	ln6, err := net.ListenTCP("tcp6", &net.TCPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatalf("IPv6 loopback: %v", err)
	}
	t.Cleanup(func() { ln6.Close() })
	c.ln6Port = uint16(ln6.Addr().(*net.TCPAddr).Port)
	ln6f, err := ln6.File()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(ln6f)
	extra = append(extra, ln6f)

	d, err := os.Open(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(d)
	extra = append(extra, d)

	c.cmd = exec.Command("sleep", "1000", "1")
	c.cmd.Env = []string{"PATH=/usr/bin:/bin", envMarker}
	c.cmd.Dir = c.dir
	c.cmd.ExtraFiles = extra
	c.start = time.Now()
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.pid = c.cmd.Process.Pid
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	if c.exePath, err = filepath.EvalSymlinks(c.cmd.Path); err != nil {
		t.Fatal(err)
	}
	waitExec(t, c.pid, c.exePath)
	return c
}

// waitExec waits until pid runs exe (it is briefly a copy of the test
// binary between fork and exec) with its arguments and environment in
// place (execve switches the executable before it copies them to the new
// stack, and /proc shows that moment). Every child of these tests has an
// environment.
func waitExec(t *testing.T, pid int, exe string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err == nil && strings.TrimSuffix(l, " (deleted)") == exe {
			c, err1 := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			e, err2 := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
			if err1 == nil && err2 == nil && len(c) > 0 && len(e) > 0 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, exe)
}

func findThread(t *testing.T, threads []state.ThreadInfo, tid int) state.ThreadInfo {
	t.Helper()
	for _, th := range threads {
		if th.Tid == int64(tid) {
			return th
		}
	}
	t.Fatalf("tid %d not in the scan (%d threads)", tid, len(threads))
	return state.ThreadInfo{}
}

func fdByNum(fds []state.FDInfo) map[int64]state.FDInfo {
	m := make(map[int64]state.FDInfo, len(fds))
	for _, f := range fds {
		m[f.FD] = f
	}
	return m
}

var lo4 = netip.MustParseAddr("127.0.0.1")

// checkChild asserts everything the scan should know about c.
func checkChild(t *testing.T, c *child, th state.ThreadInfo) {
	t.Helper()
	pid := int64(c.pid)
	if th.Tid != pid || th.Pid != pid {
		t.Errorf("tid/pid = %d/%d, want %d", th.Tid, th.Pid, pid)
	}
	if th.PTid != int64(os.Getpid()) {
		t.Errorf("ptid = %d, want the test's pid %d", th.PTid, os.Getpid())
	}
	if th.VPid != pid || th.VTid != pid {
		t.Errorf("vpid/vtid = %d/%d, want %d (host pid namespace)", th.VPid, th.VTid, pid)
	}
	if th.Comm != "sleep" || th.Exe != "sleep" {
		t.Errorf("comm/exe = %q/%q, want sleep/sleep", th.Comm, th.Exe)
	}
	if th.ExePath != c.exePath {
		t.Errorf("exepath = %q, want %q", th.ExePath, c.exePath)
	}
	if !slices.Equal(th.Args, []string{"1000", "1"}) {
		t.Errorf("args = %q", th.Args)
	}
	if !slices.Contains(th.Env, envMarker) || len(th.Env) != 2 {
		t.Errorf("env = %q, want it to hold %q", th.Env, envMarker)
	}
	if th.Cwd != c.dir {
		t.Errorf("cwd = %q, want %q", th.Cwd, c.dir)
	}
	if th.Root != "/" {
		t.Errorf("root = %q", th.Root)
	}
	if th.UID != 0 || th.GID != 0 {
		t.Errorf("uid/gid = %d/%d, want 0/0", th.UID, th.GID)
	}
	if th.Flags != 0 {
		t.Errorf("flags = %#x, want 0 for a main thread", th.Flags)
	}
	if th.Sid != int64(mustSid(t)) || th.Pgid != int64(unix.Getpgrp()) || th.VPgid != th.Pgid {
		t.Errorf("sid/pgid/vpgid = %d/%d/%d, want %d/%d/%d", th.Sid, th.Pgid, th.VPgid, mustSid(t), unix.Getpgrp(), unix.Getpgrp())
	}
	if len(th.Cgroups) == 0 {
		t.Errorf("no cgroups")
	}
	lo := uint64(c.start.Add(-2 * time.Second).UnixNano())
	hi := uint64(time.Now().Add(2 * time.Second).UnixNano())
	if th.CloneTs < lo || th.CloneTs > hi {
		t.Errorf("clone ts %d not within [%d, %d]", th.CloneTs, lo, hi)
	}
	if th.PidnsInitStartTs == 0 || th.PidnsInitStartTs > th.CloneTs {
		t.Errorf("pidns init start %d (clone ts %d)", th.PidnsInitStartTs, th.CloneTs)
	}
	var rl unix.Rlimit
	if err := unix.Prlimit(c.pid, unix.RLIMIT_NOFILE, nil, &rl); err != nil {
		t.Fatal(err)
	}
	if th.FDLimit != int64(rl.Cur) {
		t.Errorf("fd limit = %d, want %d", th.FDLimit, rl.Cur)
	}
	var st unix.Stat_t
	if err := unix.Stat(c.exePath, &st); err != nil {
		t.Fatal(err)
	}
	if th.ExeIno != st.Ino || th.ExeInoMtime != uint64(st.Mtim.Nano()) || th.ExeInoCtime != uint64(st.Ctim.Nano()) {
		t.Errorf("exe ino/mtime/ctime = %d/%d/%d, want %d/%d/%d", th.ExeIno, th.ExeInoMtime, th.ExeInoCtime, st.Ino, st.Mtim.Nano(), st.Ctim.Nano())
	}
	if !th.ExeWritable || th.ExeFromMemfd || th.ExeUpperLayer || th.ExeLowerLayer {
		t.Errorf("exe writable/memfd/upper/lower = %v/%v/%v/%v, want true/false/false/false",
			th.ExeWritable, th.ExeFromMemfd, th.ExeUpperLayer, th.ExeLowerLayer)
	}
	if th.VMSizeKB == 0 || th.VMRSSKB == 0 {
		t.Errorf("vm size/rss = %d/%d", th.VMSizeKB, th.VMRSSKB)
	}
	if th.PFMinor == 0 {
		t.Errorf("no minor page faults")
	}
	if b, err := os.ReadFile("/proc/self/loginuid"); err == nil {
		want, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
		if th.LoginUID != uint32(want) {
			t.Errorf("loginuid = %#x, want %#x", th.LoginUID, want)
		}
	}
	if th.CapEffective == 0 || th.CapPermitted == 0 {
		t.Errorf("caps eff/prm = %#x/%#x", th.CapEffective, th.CapPermitted)
	}

	fds := fdByNum(th.FDs)
	if f := fds[3]; f.Type != state.FDFileV2 || f.Name != c.file || f.Ino != c.fileIno ||
		f.OpenFlags != ppmORdwr|ppmOAppend || f.MountID == 0 ||
		f.Dev != encodeDev(uint64(unix.Major(c.fileDev)), uint64(unix.Minor(c.fileDev))) {
		t.Errorf("fd 3 = %+v, want the file %s (ino %d) O_RDWR|O_APPEND (%#x)", f, c.file, c.fileIno, ppmORdwr|ppmOAppend)
	}
	if f := fds[4]; f.Type != state.FDFifo || f.Name != fmt.Sprintf("pipe:[%d]", c.pipeIno) || f.Ino != c.pipeIno {
		t.Errorf("fd 4 = %+v, want pipe:[%d]", f, c.pipeIno)
	}
	if f := fds[5]; f.Type != state.FDIPv4ServSock || f.SrcAddr != lo4 || f.SrcPort != c.lnPort || f.L4Proto != state.L4TCP {
		t.Errorf("fd 5 = %+v, want a TCP server socket on 127.0.0.1:%d", f, c.lnPort)
	}
	if f := fds[6]; f.Type != state.FDIPv4Sock || f.SrcAddr != lo4 || f.SrcPort != c.cliPort ||
		f.DstAddr != lo4 || f.DstPort != c.lnPort || f.L4Proto != state.L4TCP {
		t.Errorf("fd 6 = %+v, want 127.0.0.1:%d->127.0.0.1:%d TCP", f, c.cliPort, c.lnPort)
	}
	if f := fds[7]; f.Type != state.FDUnixSock || f.Name != c.unixPath || f.Ino == 0 {
		t.Errorf("fd 7 = %+v, want the unix socket %s", f, c.unixPath)
	}
	if f := fds[8]; f.Type != state.FDIPv4ServSock || f.SrcAddr != lo4 || f.SrcPort != c.udpPort || f.L4Proto != state.L4UDP {
		t.Errorf("fd 8 = %+v, want a UDP socket bound to 127.0.0.1:%d", f, c.udpPort)
	}
	if f := fds[9]; f.Type != state.FDIPv6ServSock || f.SrcAddr != netip.IPv6Loopback() || f.SrcPort != c.ln6Port || f.L4Proto != state.L4TCP {
		t.Errorf("fd 9 = %+v, want a TCP server socket on [::1]:%d", f, c.ln6Port)
	}
	if f := fds[10]; f.Type != state.FDDirectory || f.Name != c.dir || f.Ino == 0 {
		t.Errorf("fd 10 = %+v, want the directory %s", f, c.dir)
	}
	// Past the fds given to it, the child has only what it inherited from
	// the test (fds the test's own parent left open).
	for _, f := range th.FDs {
		if f.FD <= 10 {
			continue
		}
		if _, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.FD)); err != nil {
			t.Errorf("unexpected fd %+v", f)
		}
	}
	if len(th.FDs) < 11 {
		t.Errorf("%d fds, want at least 0-10", len(th.FDs))
	}
}

func mustSid(t *testing.T) int {
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

func TestScanChild(t *testing.T) {
	c := startChild(t)
	snap, err := Scan(Options{})
	if err != nil {
		t.Fatal(err)
	}
	th := findThread(t, snap.Threads, c.pid)
	checkChild(t, c, th)

	// The child inherits the test's cgroups, so both read the same.
	self := findThread(t, snap.Threads, os.Getpid())
	if !slices.Equal(th.Cgroups, self.Cgroups) {
		t.Errorf("child cgroups %+v differ from the parent's %+v", th.Cgroups, self.Cgroups)
	}
	// Every thread of the scan belongs to a process whose main thread
	// came first, and only main threads have fds.
	seen := map[int64]bool{}
	for _, x := range snap.Threads {
		if x.Tid == x.Pid {
			seen[x.Pid] = true
			continue
		}
		if !seen[x.Pid] || len(x.FDs) != 0 || x.Flags != state.CloneThread|state.CloneFiles {
			t.Errorf("thread %d of %d: main seen %v, %d fds, flags %#x", x.Tid, x.Pid, seen[x.Pid], len(x.FDs), x.Flags)
		}
	}
}

func TestScanProcess(t *testing.T) {
	c := startChild(t)
	ths, err := ScanProcess(Options{}, c.pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(ths) != 1 {
		t.Fatalf("%d threads for a single-threaded sleep", len(ths))
	}
	checkChild(t, c, ths[0])
}

func TestScanProcessOfThreadID(t *testing.T) {
	tids := lockedThreads(t, 2)
	ths, err := ScanProcess(Options{SkipFDs: true}, tids[0])
	if err != nil {
		t.Fatal(err)
	}
	if ths[0].Tid != int64(os.Getpid()) {
		t.Errorf("first thread %d, want the main thread %d", ths[0].Tid, os.Getpid())
	}
	findThread(t, ths, tids[0])
}

// lockedThreads starts goroutines locked to their own OS threads until n
// of them are on threads other than the main one (so the test process has
// at least n+1 threads) and returns those tids.
func lockedThreads(t *testing.T, n int) []int {
	t.Helper()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	tids := make(chan int)
	var out []int
	for len(out) < n {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tids <- unix.Gettid()
			<-stop
		}()
		if tid := <-tids; tid != os.Getpid() {
			out = append(out, tid)
		}
	}
	return out
}

func TestThreadsShareMainFDs(t *testing.T) {
	tids := lockedThreads(t, 3)
	ths, err := ScanProcess(Options{}, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	main := ths[0]
	if main.Tid != int64(os.Getpid()) || main.Pid != main.Tid || len(main.FDs) == 0 {
		t.Fatalf("main thread %d/%d with %d fds", main.Tid, main.Pid, len(main.FDs))
	}
	for _, tid := range tids {
		th := findThread(t, ths, tid)
		if th.Pid != main.Pid || th.PTid != int64(os.Getppid()) || th.PTid != main.PTid {
			t.Errorf("thread %d: pid %d ptid %d, want %d %d", tid, th.Pid, th.PTid, main.Pid, os.Getppid())
		}
		if th.Flags != state.CloneThread|state.CloneFiles {
			t.Errorf("thread %d flags %#x, want CLONE_THREAD|CLONE_FILES", tid, th.Flags)
		}
		if len(th.FDs) != 0 {
			t.Errorf("thread %d has %d fds: they belong on the main thread", tid, len(th.FDs))
		}
		if th.VTid != int64(tid) || th.VPid != main.Pid {
			t.Errorf("thread %d vtid/vpid %d/%d", tid, th.VTid, th.VPid)
		}
		if !slices.Equal(th.Args, main.Args) || th.ExePath != main.ExePath || th.Cwd != main.Cwd {
			t.Errorf("thread %d does not share its process's image", tid)
		}
		if th.CloneTs < main.CloneTs {
			t.Errorf("thread %d started (%d) before its process (%d)", tid, th.CloneTs, main.CloneTs)
		}
	}
}

// TestAnonymousFDs opens one fd of each anonymous kind in the test
// process and checks how the scan classifies them.
func TestAnonymousFDs(t *testing.T) {
	want := map[int]state.FDType{}
	add := func(fd int, err error, typ state.FDType) {
		t.Helper()
		if err != nil {
			t.Fatalf("%v: %v", typ, err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		want[fd] = typ
	}
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	add(fd, err, state.FDEvent)
	fd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	add(fd, err, state.FDEventpoll)
	fd, err = unix.InotifyInit1(unix.IN_CLOEXEC)
	add(fd, err, state.FDInotify)
	var mask unix.Sigset_t
	fd, err = unix.Signalfd(-1, &mask, unix.SFD_CLOEXEC)
	add(fd, err, state.FDSignalfd)
	fd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	add(fd, err, state.FDTimerfd)
	fd, err = unix.PidfdOpen(os.Getpid(), 0)
	add(fd, err, state.FDPidfd)
	fd, err = unix.MemfdCreate("kestrel-anon", unix.MFD_CLOEXEC)
	add(fd, err, state.FDMemfd)
	nl, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err == nil {
		err = unix.Bind(nl, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	}
	add(nl, err, state.FDNetlink)

	ths, err := ScanProcess(Options{}, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	fds := fdByNum(ths[0].FDs)
	for fd, typ := range want {
		got, ok := fds[int64(fd)]
		if !ok || got.Type != typ {
			t.Errorf("fd %d = %+v, want type %d", fd, got, typ)
			continue
		}
		switch typ {
		case state.FDMemfd:
			if got.Name != "/memfd:kestrel-anon (deleted)" {
				t.Errorf("memfd name %q", got.Name)
			}
		default:
			if got.Name != "" {
				t.Errorf("fd %d (type %d) named %q: libscap drops anonymous names", fd, typ, got.Name)
			}
		}
	}
}

func TestUsersGroupsInterfacesMachine(t *testing.T) {
	snap, err := Scan(Options{SkipFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(snap.Users, func(u state.UserInfo) bool { return u.Name == "root" })
	if i < 0 || snap.Users[i].UID != 0 || snap.Users[i].GID != 0 || snap.Users[i].HomeDir != "/root" || snap.Users[i].Shell == "" {
		t.Errorf("root user missing or wrong: %+v", snap.Users)
	}
	if !slices.ContainsFunc(snap.Groups, func(g state.GroupInfo) bool { return g.Name == "root" && g.GID == 0 }) {
		t.Errorf("root group missing: %+v", snap.Groups)
	}
	if !slices.ContainsFunc(snap.Interfaces, func(i state.InterfaceInfo) bool {
		return i.Name == "lo" && i.Addr == lo4 && i.Netmask == netip.MustParseAddr("255.0.0.0")
	}) {
		t.Errorf("no lo 127.0.0.1/8 in %+v", snap.Interfaces)
	}
	for _, i := range snap.Interfaces {
		if i.Addr.Is4() != i.Netmask.Is4() || i.Addr.Is4() != i.Broadcast.Is4() {
			t.Errorf("interface %+v mixes families", i)
		}
	}
	m := snap.Machine
	host, _ := os.Hostname()
	if m.Hostname != host && os.Getenv("SCAP_HOSTNAME") == "" {
		t.Errorf("hostname %q, want %q", m.Hostname, host)
	}
	if m.NumCPUs == 0 || m.MemorySizeBytes < 1<<20 {
		t.Errorf("cpus %d, memory %d", m.NumCPUs, m.MemorySizeBytes)
	}
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	if strconv.FormatUint(m.MaxPid, 10) != strings.TrimSpace(string(b)) {
		t.Errorf("max pid %d, want %s", m.MaxPid, b)
	}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	boot := time.Now().Add(-time.Duration(si.Uptime) * time.Second)
	if d := time.Duration(int64(m.BootTsEpoch) - boot.UnixNano()); d < -3*time.Second || d > 3*time.Second {
		t.Errorf("boot time %v, uptime says %v", time.Unix(0, int64(m.BootTsEpoch)), boot)
	}
}

func TestBounds(t *testing.T) {
	snap, err := Scan(Options{MaxThreads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Threads) != 2 {
		t.Errorf("%d threads, want the limit of 2", len(snap.Threads))
	}
	if !slices.ContainsFunc(snap.Warnings, func(w string) bool { return strings.Contains(w, "thread limit") }) {
		t.Errorf("no warning about the thread limit: %q", snap.Warnings)
	}

	c := startChild(t)
	ths, err := ScanProcess(Options{MaxFDsPerProcess: 4}, c.pid)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ths[0].FDs); n != 4 {
		t.Errorf("%d fds, want the limit of 4", n)
	}
	ths, err = ScanProcess(Options{SkipFDs: true}, c.pid)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ths[0].FDs); n != 0 {
		t.Errorf("%d fds with SkipFDs", n)
	}
	tids := lockedThreads(t, 2)
	ths, err = ScanProcess(Options{MaxThreads: 2, SkipFDs: true}, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(ths) != 2 || len(tids) != 2 {
		t.Errorf("%d threads, want the limit of 2", len(ths))
	}
}

// TestLongStrings checks that arguments and environment are cut where
// libscap cuts them: 4096 bytes read, the last one turned into the NUL.
func TestLongStrings(t *testing.T) {
	// sleep adds up its arguments: long ones must still be numbers.
	long := "0." + strings.Repeat("0", 3000)
	args := []string{"1000", long, long}
	cmd := exec.Command("sleep", args...)
	cmd.Env = []string{"A=" + long, "B=" + long, envMarker}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	exe, _ := filepath.EvalSymlinks(cmd.Path)
	waitExec(t, cmd.Process.Pid, exe)
	ths, err := ScanProcess(Options{SkipFDs: true}, cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	th := ths[0]
	wantCmd := strings.Join(append([]string{"sleep"}, args...), "\x00")[:4095]
	gotCmd := strings.Join(append([]string{th.Exe}, th.Args...), "\x00")
	if gotCmd != wantCmd {
		t.Errorf("command line: got %d bytes, want the first 4095 (%d args)", len(gotCmd), len(th.Args))
	}
	wantEnv := strings.Join(cmd.Env, "\x00")[:4095]
	if got := strings.Join(th.Env, "\x00"); got != wantEnv {
		t.Errorf("environment: got %d bytes, want the first 4095", len(got))
	}
}

func TestVanishedProcess(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	if _, err := ScanProcess(Options{}, dead); !errors.Is(err, ErrNotFound) {
		t.Errorf("ScanProcess of exited pid %d: %v, want ErrNotFound", dead, err)
	}
	if _, err := Scan(Options{}); err != nil {
		t.Errorf("Scan: %v", err)
	}

	// A pid listed by the /proc walk that is gone when it is read is a
	// warning, and the walk goes on.
	s, err := newScanner(Options{SkipFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	snap := &Snapshot{}
	s.scanPids([]int{dead, os.Getpid()}, snap)
	snap.Warnings = s.takeWarnings()
	findThread(t, snap.Threads, os.Getpid())
	if !slices.ContainsFunc(snap.Warnings, func(w string) bool {
		return strings.Contains(w, strconv.Itoa(dead)) && strings.Contains(w, "exited")
	}) {
		t.Errorf("no warning for pid %d: %q", dead, snap.Warnings)
	}
}

// TestExitWhileRead reads a process whose /proc directory was opened
// before it exited: every read must fail as "gone", not as another
// process that took the pid.
func TestExitWhileRead(t *testing.T) {
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exe, _ := filepath.EvalSymlinks(cmd.Path)
	waitExec(t, cmd.Process.Pid, exe)
	s, err := newScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := s.openPidDir(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dir)
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := s.readShared(dir, cmd.Process.Pid); !errors.Is(err, ErrNotFound) {
		t.Errorf("readShared after exit: %v, want ErrNotFound", err)
	}
	if _, _, err := s.readThread(dir, int64(cmd.Process.Pid), &procShared{}); !gone(err) {
		t.Errorf("readThread after exit: %v, want a gone error", err)
	}
}

func TestUnreadableProc(t *testing.T) {
	if _, err := Scan(Options{Proc: "/nonexistent/proc"}); err == nil {
		t.Error("Scan of a missing /proc succeeded")
	}
	if _, err := Scan(Options{Proc: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not a proc") {
		t.Errorf("Scan of an empty directory as /proc: %v", err)
	}
	if _, err := ScanProcess(Options{Root: "/nonexistent"}, os.Getpid()); err == nil {
		t.Error("ScanProcess under a missing root succeeded")
	}
	if _, err := ScanProcess(Options{}, 0); err == nil {
		t.Error("ScanProcess(0) succeeded")
	}
}

// TestKernelThread: kthreadd (pid 2) has neither command line nor
// executable, and libscap leaves such threads out.
func TestKernelThread(t *testing.T) {
	if _, err := ScanProcess(Options{}, 2); !errors.Is(err, ErrKernelThread) {
		t.Errorf("ScanProcess(2): %v, want ErrKernelThread", err)
	}
	snap, err := Scan(Options{SkipFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	// The check below sees kernel threads (it would pass vacuously if
	// it did not).
	if !isKernelThread(t, 2, 2, "kthreadd") {
		t.Fatal("kthreadd (pid 2) is not seen as a kernel thread")
	}
	kthreads := 0
	for _, th := range snap.Threads {
		// Not "no child of kthreadd": the helpers the kernel starts
		// (usermode helpers, core dump pipes) are kthreadd's children
		// but run a program, and libscap lists them.
		if th.Pid == 2 || th.Tid == 2 || isKernelThread(t, th.Pid, th.Tid, th.Comm) {
			kthreads++
			if kthreads <= 5 {
				t.Errorf("kernel thread in the scan: tid %d pid %d ptid %d comm %q", th.Tid, th.Pid, th.PTid, th.Comm)
			}
		}
	}
	if kthreads > 5 {
		t.Errorf("%d kernel threads in the scan", kthreads)
	}
}

// pfKthread is the kernel's PF_KTHREAD task flag.
const pfKthread = 0x00200000

// isKernelThread reports whether the thread, read from /proc after the
// scan, has PF_KTHREAD set. A task never gains the flag (a helper the
// kernel starts loses it when it runs its program), so a thread of the
// scan that has it now had it then; a gone thread, or a tid another task
// took since (told by its name), is not one.
func isKernelThread(t *testing.T, pid, tid int64, comm string) bool {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return false
	}
	open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	if open < 0 || end < open {
		t.Fatalf("stat of tid %d: %q", tid, b)
	}
	// After the name: state ppid pgrp session tty_nr tpgid flags ...
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 7 {
		t.Fatalf("stat of tid %d: %q", tid, b)
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		t.Fatalf("stat of tid %d: flags %q: %v", tid, f[6], err)
	}
	return flags&pfKthread != 0 && string(b[open+1:end]) == comm
}

// TestPidNamespace starts a shell as the init of a new pid namespace with
// a sleep under it: both get their ids in the namespace, and the start
// time of the namespace's init.
func TestPidNamespace(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 1000 & wait")
	cmd.SysProcAttr = &unix.SysProcAttr{Cloneflags: unix.CLONE_NEWPID}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sh := cmd.Process.Pid
	sleeper := waitChildOf(t, sh, "sleep")

	snap, err := Scan(Options{SkipFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	init := findThread(t, snap.Threads, sh)
	sl := findThread(t, snap.Threads, sleeper)
	if init.VPid != 1 || init.VTid != 1 {
		t.Errorf("init vpid/vtid = %d/%d, want 1/1", init.VPid, init.VTid)
	}
	if sl.VPid != 2 || sl.VTid != 2 || sl.PTid != int64(sh) {
		t.Errorf("sleep vpid/vtid/ptid = %d/%d/%d, want 2/2/%d", sl.VPid, sl.VTid, sl.PTid, sh)
	}
	if init.PidnsInitStartTs != init.CloneTs || sl.PidnsInitStartTs != init.CloneTs {
		t.Errorf("pidns init start %d/%d, want the init's start %d", init.PidnsInitStartTs, sl.PidnsInitStartTs, init.CloneTs)
	}
	self := findThread(t, snap.Threads, os.Getpid())
	if self.PidnsInitStartTs == init.CloneTs || self.PidnsInitStartTs == 0 {
		t.Errorf("host pidns start %d", self.PidnsInitStartTs)
	}
}

// waitChildOf waits for a child of ppid named comm and returns its pid.
func waitChildOf(t *testing.T, ppid int, comm string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", ppid, ppid))
		if err == nil {
			for _, f := range strings.Fields(string(b)) {
				c, _ := os.ReadFile("/proc/" + f + "/comm")
				if strings.TrimSpace(string(c)) == comm {
					n, _ := strconv.Atoi(f)
					return n
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s under %d", comm, ppid)
	return 0
}

// TestSeedState feeds a scan to Kestrel's state tables, as the inspector
// does at startup, and reads the child back through them.
func TestSeedState(t *testing.T) {
	c := startChild(t)
	tids := lockedThreads(t, 1)
	snap, err := Scan(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab := state.New(state.Options{BootTsEpoch: snap.Machine.BootTsEpoch})
	tab.Seed(snap.Threads, snap.Users, snap.Groups)
	th := tab.Thread(int64(c.pid))
	if th == nil {
		t.Fatal("child not in the state")
	}
	// The child is in the test's cgroups, so in its container (if any).
	parent := tab.Thread(int64(os.Getpid()))
	if th.CWD() != c.dir+"/" || th.ContainerID != parent.ContainerID || th.Comm != "sleep" {
		t.Errorf("cwd %q container %q (parent's %q) comm %q", th.CWD(), th.ContainerID, parent.ContainerID, th.Comm)
	}
	fds := th.FDs()
	if f := fds.Get(3); f == nil || f.Name != c.file {
		t.Errorf("fd 3 = %+v", f)
	}
	want := fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", c.cliPort, c.lnPort)
	if f := fds.Get(6); f == nil || f.Name != want {
		t.Errorf("fd 6 = %+v, want %s", f, want)
	}
	// A thread of the test process reads its process's fd table.
	self := tab.Thread(int64(tids[0]))
	if self == nil || self.FDs().Len() == 0 || self.FDs() != parent.FDs() {
		t.Errorf("thread %d does not share the main thread's fds", tids[0])
	}
}
