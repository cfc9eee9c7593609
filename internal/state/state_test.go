package state

import (
	"fmt"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

const (
	oCreat     = 1 << 2 // PPM_O_CREAT
	oRDONLY    = 1 << 0
	afInet     = 2
	afInet6    = 10
	afUnix     = 1
	sockStrm   = 1
	sockDgrm   = 2
	cloneFlags = CloneFiles | CloneFS | CloneSighand | CloneThread | CloneVM | CloneSysVSem | CloneSetTLS |
		CloneParentSetTID | CloneChildClear
)

func TestCloneExecOpenClose(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	bash := s.tabs.Thread(100)
	if bash == nil || bash.CWD() != "/home/u/" {
		t.Fatalf("seeded shell: %+v", bash)
	}

	// fork in the parent
	p := s.clone20(100, 200, 100, 1, 0, "bash", nil, "bash", []string{"cpu=/user.slice"})
	mustEq(t, "caller", p.Thread.Tid, int64(100))
	mustEq(t, "child tid", p.ChildTid, int64(200))
	child := s.tabs.Thread(200)
	if child == nil {
		t.Fatal("child not created")
	}
	mustEq(t, "child pid", child.Pid, int64(200))
	mustEq(t, "child ptid", child.PTid, int64(100))
	mustEq(t, "child cwd", child.CWD(), "/home/u/")
	mustEq(t, "child exepath", child.ExePath, "/usr/bin/bash")
	mustEq(t, "child fds", child.FDs().Len(), 3)
	if f := child.FD(1); f == nil || f.Flags&FDCloned == 0 || f.Name != "/dev/pts/0" {
		t.Errorf("inherited fd 1 = %s", fdString(f))
	}
	mustEq(t, "parent children", bash.Children, 1)
	if v, ok := child.EnvVar("HOME"); !ok || v != "/home/u" {
		t.Errorf("env HOME = %q %v", v, ok)
	}

	// the child's own clone exit, right after: nothing changes
	p = s.clone20(200, 0, 200, 100, 0, "bash", nil, "bash", nil)
	mustEq(t, "child clone thread", p.Thread, child)
	mustEq(t, "same child", s.tabs.Thread(200), child)

	// open with O_CLOEXEC, then exec
	p = s.ev(event.OpenatX2, 200, int64(3), int64(atFDCWD), "a/../b//c.txt", uint32(OCloexec|oRDONLY), uint32(0), uint32(0x803), uint64(77))
	if p.FD == nil || p.FD.Name != "/home/u/b/c.txt" || p.FD.NameRaw != "a/../b//c.txt" {
		t.Fatalf("openat fd = %s", fdString(p.FD))
	}
	mustEq(t, "fd.num", p.FDNum, int64(3))
	mustEq(t, "fd ino", p.FD.Ino, uint64(77))
	mustEq(t, "fd dev", p.FD.Dev, uint32(0x803))
	mustEq(t, "open name changed", p.FDNameChanged, true)

	p = s.execve19(200, 200, 100, "ls", []string{"-l", "/tmp"}, "ls", "/usr/bin/ls", []string{"A=1"})
	mustEq(t, "exec thread", p.Thread, child)
	mustEq(t, "comm", child.Comm, "ls")
	mustEq(t, "exe", child.Exe, "ls")
	mustEq(t, "exepath", child.ExePath, "/usr/bin/ls")
	mustEq(t, "cmdline", child.CmdLineWith(child.Comm), "ls -l /tmp")
	mustEq(t, "env", len(child.Env), 1)
	mustEq(t, "loginuid", child.LoginUID, uint32(1000))
	mustEq(t, "caps", child.CapEffective, uint64(0x1ff))
	mustEq(t, "exe ino", child.ExeIno, uint64(42))
	if child.FD(3) != nil {
		t.Error("O_CLOEXEC fd 3 survived execve")
	}
	mustEq(t, "fds after exec", child.FDs().Len(), 3)

	// open then close: the close event sees the fd, the next one does not
	p = s.ev(event.OpenX, 200, int64(4), "/etc/hosts", uint32(oRDONLY), uint32(0), uint32(0), uint64(0))
	mustEq(t, "open fd", fdString(p.FD), `4 file "/etc/hosts"`)
	p = s.ev(event.CloseX, 200, int64(0), int64(4))
	mustEq(t, "close fd", fdString(p.FD), `4 file "/etc/hosts"`)
	mustEq(t, "close fd.num", p.FDNum, int64(4))
	if child.FD(4) == nil {
		t.Error("fd removed before the close event finished")
	}
	s.ev(event.GetuidX, 200)
	if child.FD(4) != nil {
		t.Error("closed fd still in the table")
	}
	// a failed close keeps the fd
	s.ev(event.CloseX, 200, int64(-9), int64(1))
	s.ev(event.GetuidX, 200)
	if child.FD(1) == nil {
		t.Error("failed close removed the fd")
	}
}

func TestRelativePaths(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	th := s.tabs.Thread(100)
	p := s.ev(event.OpenatX2, 100, int64(5), int64(atFDCWD), "/etc", uint32(oDirectory), uint32(0), uint32(0), uint64(0))
	mustEq(t, "dir fd", fdString(p.FD), `5 directory "/etc"`)
	p = s.ev(event.OpenatX2, 100, int64(6), int64(5), "ssl/../passwd", uint32(0), uint32(0), uint32(0), uint64(0))
	mustEq(t, "dirfd relative", fdString(p.FD), `6 file "/etc/passwd"`)
	p = s.ev(event.OpenatX2, 100, int64(7), int64(42), "passwd", uint32(0), uint32(0), uint32(0), uint64(0))
	mustEq(t, "unknown dirfd", fdString(p.FD), `7 file "<UNKNOWN>passwd"`)
	p = s.ev(event.OpenatX2, 100, int64(8), int64(42), "/abs/./x", uint32(0), uint32(0), uint32(0), uint64(0))
	mustEq(t, "absolute ignores dirfd", fdString(p.FD), `8 file "/abs/x"`)
	p = s.ev(event.Openat2X, 100, int64(9), int64(atFDCWD), "../../etc/shadow", uint32(0), uint32(0), uint32(0), uint32(0), uint64(0))
	mustEq(t, "openat2 climbs out of cwd", fdString(p.FD), `9 file "/etc/shadow"`)

	s.ev(event.ChdirX, 100, int64(0), "../../tmp/")
	mustEq(t, "cwd after chdir", th.CWD(), "/tmp/")
	p = s.ev(event.OpenX, 100, int64(10), "x", uint32(0), uint32(0), uint32(0), uint64(0))
	mustEq(t, "open relative to new cwd", fdString(p.FD), `10 file "/tmp/x"`)
	s.ev(event.FchdirX, 100, int64(0), int64(5))
	mustEq(t, "cwd after fchdir", th.CWD(), "/etc/")
	p = s.ev(event.CreatX, 100, int64(11), "new", uint32(0o644), uint32(0), uint64(0), uint32(creatUpper))
	mustEq(t, "creat", fdString(p.FD), `11 file "/etc/new"`)
	mustEq(t, "creat upper layer", p.FD.Flags&FDOverlayUpper != 0, true)
	p = s.ev(event.OpenByHandleAtX, 100, int64(12), int64(5), uint32(0), "/mnt/h", uint32(0), uint64(0))
	mustEq(t, "open_by_handle_at", fdString(p.FD), `12 file "/mnt/h"`)
	// a failed open adds nothing
	p = s.ev(event.OpenX, 100, int64(-2), "nothere", uint32(0), uint32(0), uint32(0), uint64(0))
	if p.FD != nil || p.FDNum != -1 {
		t.Errorf("failed open: fd %s num %d", fdString(p.FD), p.FDNum)
	}
	s.ev(event.ChrootX, 100, int64(0), "jail")
	mustEq(t, "root", th.Root, "/etc/jail")
}

func TestSockets(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	th := s.tabs.Thread(100)

	p := s.ev(event.SocketX, 100, int64(3), uint32(afInet), uint32(sockStrm), uint32(0), uint32(0))
	mustEq(t, "socket", fdString(p.FD), `3 ipv4 ""`)
	mustEq(t, "l4", p.FD.L4Proto, L4TCP)
	mustEq(t, "l4 before role", p.FD.L4(), L4NA)
	p = s.ev(event.ConnectX, 100, int64(0), tuple4("10.0.0.1", 40000, "1.2.3.4", 80), int64(3), sockaddr4("1.2.3.4", 80))
	mustEq(t, "connect name", p.FD.Name, "10.0.0.1:40000->1.2.3.4:80")
	mustEq(t, "client", p.FD.RoleClient(), true)
	mustEq(t, "connected", p.FD.Connected(), true)
	mustEq(t, "cip", p.FD.ClientAddr.String(), "10.0.0.1")
	mustEq(t, "sport", p.FD.ServerPort, uint16(80))
	mustEq(t, "connect changed name", p.FDNameChanged, true)
	mustEq(t, "l4 with role", p.FD.L4(), L4TCP)

	// IPv6 client, and an IPv4-mapped one that becomes IPv4
	s.ev(event.SocketX, 100, int64(4), uint32(afInet6), uint32(sockStrm), uint32(6), uint32(0))
	p = s.ev(event.ConnectX, 100, int64(0), tuple6("2001:db8::1", 5555, "2001:db8::2", 443), int64(4), sockaddr6("2001:db8::2", 443))
	mustEq(t, "ipv6 name", p.FD.Name, "2001:db8::1:5555->2001:db8::2:443")
	mustEq(t, "ipv6 type", p.FD.Type, FDIPv6Sock)
	s.ev(event.SocketX, 100, int64(5), uint32(afInet6), uint32(sockStrm), uint32(0), uint32(0))
	p = s.ev(event.ConnectX, 100, int64(0), tuple6("::ffff:10.0.0.1", 5556, "::ffff:1.2.3.4", 80), int64(5), sockaddr6("::ffff:1.2.3.4", 80))
	mustEq(t, "mapped type", p.FD.Type, FDIPv4Sock)
	// libsinsp loses the L4 protocol here (its union views differ) and
	// names the socket "<unknown>".
	mustEq(t, "mapped name", p.FD.Name, "<unknown>")

	// unix client
	s.ev(event.SocketX, 100, int64(6), uint32(afUnix), uint32(sockStrm), uint32(0), uint32(0))
	p = s.ev(event.ConnectX, 100, int64(0), tupleUnix(0, 0xffff8880aabb, "/run/x.sock"), int64(6), sockaddrUnix("/run/x.sock"))
	mustEq(t, "unix name", p.FD.Name, "0->ffff8880aabb /run/x.sock")
	mustEq(t, "unix dst", p.FD.UnixDst, uint64(0xffff8880aabb))

	// a failed connect changes nothing but the fd stays
	s.ev(event.SocketX, 100, int64(7), uint32(afInet), uint32(sockStrm), uint32(0), uint32(0))
	p = s.ev(event.ConnectX, 100, int64(-111), tuple4("10.0.0.1", 40001, "1.2.3.4", 81), int64(7), sockaddr4("1.2.3.4", 81))
	mustEq(t, "failed connect name", p.FD.Name, "")

	// server: bind, listen, accept
	s.ev(event.SocketX, 100, int64(8), uint32(afInet6), uint32(sockStrm), uint32(0), uint32(0))
	p = s.ev(event.BindX, 100, int64(0), sockaddr6("::", 8080), int64(8))
	mustEq(t, "bind name", p.FD.Name, ":::8080")
	// libsinsp counts :: as an IPv4-mapped address.
	mustEq(t, "bind type", p.FD.Type, FDIPv4ServSock)
	mustEq(t, "server port", p.FD.ServerPort, uint16(8080))
	mustEq(t, "servsock l4", p.FD.L4(), L4TCP)
	p = s.ev(event.ListenX, 100, int64(0), int64(8), int32(128))
	mustEq(t, "listen fd", p.FDNum, int64(8))
	p = s.ev(event.Accept4X6, 100, int64(9), tuple6("2001:db8::9", 60000, "2001:db8::1", 8080), uint8(0), uint32(0), uint32(128), int32(OCloexec))
	mustEq(t, "accept name", p.FD.Name, "2001:db8::9:60000->2001:db8::1:8080")
	mustEq(t, "accept server", p.FD.RoleServer(), true)
	mustEq(t, "accept cloexec", p.FD.IsCloexec(), true)
	mustEq(t, "accept fd.num", p.FDNum, int64(9))

	// socketpair
	p = s.ev(event.SocketpairX, 100, int64(0), int64(10), int64(11), uint64(0xa), uint64(0xb), uint32(afUnix), uint32(sockStrm), uint32(0))
	mustEq(t, "socketpair", fdString(p.FD), `10 unix ""`)
	mustEq(t, "socketpair peer", th.FD(11).UnixDst, uint64(0xb))
}

func TestUDPTuples(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	s.ev(event.SocketX, 100, int64(3), uint32(afInet), uint32(sockDgrm), uint32(0), uint32(0))
	p := s.ev(event.SendtoX, 100, int64(30), []byte("q"), int64(3), uint32(30), tuple4("10.0.0.1", 5000, "8.8.8.8", 53))
	mustEq(t, "sendto name", p.FD.Name, "10.0.0.1:5000->8.8.8.8:53")
	mustEq(t, "guessed client", p.FD.RoleClient(), true)
	mustEq(t, "name changed", p.FDNameChanged, true)
	p = s.ev(event.RecvfromX, 100, int64(60), []byte("a"), tuple4("8.8.8.8", 53, "10.0.0.1", 5000), int64(3), uint32(512))
	mustEq(t, "reply keeps name", p.FD.Name, "10.0.0.1:5000->8.8.8.8:53")
	mustEq(t, "reply no change", p.FDNameChanged, false)
	p = s.ev(event.SendtoX, 100, int64(30), []byte("q"), int64(3), uint32(30), tuple4("10.0.0.1", 5000, "9.9.9.9", 53))
	// A datagram socket keeps its first peer (libsinsp never overwrites
	// the destination from a data transfer).
	mustEq(t, "new peer", p.FD.Name, "10.0.0.1:5000->8.8.8.8:53")
	// sendto on an fd the state never saw: a UDP socket is assumed
	p = s.ev(event.SendtoX, 100, int64(10), []byte("x"), int64(12), uint32(10), tuple4("10.0.0.1", 6000, "1.1.1.1", 53))
	mustEq(t, "inferred socket", fdString(p.FD), `12 ipv4 "10.0.0.1:6000->1.1.1.1:53"`)
	// a server answering: reads first, so it is the server end
	s.ev(event.SocketX, 100, int64(4), uint32(afInet), uint32(sockDgrm), uint32(0), uint32(0))
	s.ev(event.BindX, 100, int64(0), sockaddr4("0.0.0.0", 5353), int64(4))
	p = s.ev(event.RecvfromX, 100, int64(60), []byte("a"), tuple4("192.168.1.7", 41000, "192.168.1.2", 5353), int64(4), uint32(512))
	mustEq(t, "server role", p.FD.RoleServer(), true)
	// libsinsp reads the tuple of a bound socket through the server view's
	// bytes: the bound port and protocol become the "destination address".
	mustEq(t, "server name", p.FD.Name, "192.168.1.7:41000->233.20.3.0:5353")
}

func TestDupFcntlPipes(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	th := s.tabs.Thread(100)
	s.ev(event.OpenX, 100, int64(3), "/var/log/x", uint32(OCloexec), uint32(0), uint32(0), uint64(0))
	p := s.ev(event.Dup2X, 100, int64(1), int64(3), int64(1))
	mustEq(t, "dup2", fdString(p.FD), `1 file "/var/log/x"`)
	mustEq(t, "dup2 clears cloexec", p.FD.IsCloexec(), false)
	mustEq(t, "dup2 fd.num", p.FDNum, int64(1))
	mustEq(t, "pipe src flag", th.Flags&ClonePipeSrc != 0, true)
	p = s.ev(event.Dup3X, 100, int64(7), int64(3), int64(7), uint32(OCloexec))
	mustEq(t, "dup3 cloexec", p.FD.IsCloexec(), true)
	p = s.ev(event.DupX1, 100, int64(8), int64(3))
	mustEq(t, "dup", fdString(p.FD), `8 file "/var/log/x"`)
	p = s.ev(event.FcntlX, 100, int64(9), int64(3), uint8(fcntlDupFDCX), uint64(0))
	mustEq(t, "F_DUPFD_CLOEXEC", fdString(p.FD), `9 file "/var/log/x"`)
	mustEq(t, "F_DUPFD_CLOEXEC flag", p.FD.IsCloexec(), true)
	s.ev(event.FcntlX, 100, int64(0), int64(8), uint8(fcntlSetFD), uint64(1))
	mustEq(t, "F_SETFD", th.FD(8).IsCloexec(), true)
	s.ev(event.FcntlX, 100, int64(0), int64(8), uint8(fcntlSetFD), uint64(0))
	mustEq(t, "F_SETFD off", th.FD(8).IsCloexec(), false)

	p = s.ev(event.Pipe2X, 100, int64(0), int64(10), int64(11), uint64(9999), uint32(OCloexec))
	mustEq(t, "pipe event fd", fdString(p.FD), `11 pipe ""`)
	mustEq(t, "pipe ino", th.FD(10).Ino, uint64(9999))
	p = s.ev(event.Eventfd2X, 100, int64(12), uint16(0), uint64(0))
	mustEq(t, "eventfd", fdString(p.FD), `12 event ""`)
	p = s.ev(event.Signalfd4X, 100, int64(13), uint16(0), int64(-1), uint32(0))
	mustEq(t, "signalfd", fdString(p.FD), `13 signalfd ""`)
	p = s.ev(event.InotifyInit1X, 100, int64(14), uint16(0))
	mustEq(t, "inotify", fdString(p.FD), `14 inotify ""`)
	p = s.ev(event.TimerfdCreateX, 100, int64(15), uint8(0), uint8(0))
	mustEq(t, "timerfd", fdString(p.FD), `15 timerfd ""`)
	p = s.ev(event.EpollCreate1X, 100, int64(16), uint32(EpollCloexec))
	mustEq(t, "epoll cloexec", p.FD.IsCloexec(), true)
	p = s.ev(event.MemfdCreateX, 100, int64(17), "payload", uint32(MfdCloexec))
	mustEq(t, "memfd", fdString(p.FD), `17 memfd "payload"`)
	mustEq(t, "memfd cloexec", p.FD.IsCloexec(), true)
	p = s.ev(event.UserfaultfdX, 100, int64(18), uint32(0))
	mustEq(t, "userfaultfd", fdString(p.FD), `18 userfaultfd ""`)
	p = s.ev(event.IoUringSetupX, 100, int64(19), uint32(8), uint32(8), uint32(16), uint32(0), uint32(0), uint32(0), uint32(0))
	mustEq(t, "io_uring", fdString(p.FD), `19 io_uring ""`)
	p = s.ev(event.PidfdOpenX, 100, int64(20), int64(1), uint32(0))
	mustEq(t, "pidfd", fdString(p.FD), `20 pidfd "/proc/1"`)
	s.ev(event.CloseRangeX, 100, int64(0), uint32(10), uint32(12), uint32(0))
	if th.FD(10) != nil || th.FD(11) != nil || th.FD(12) != nil || th.FD(13) == nil {
		t.Errorf("close_range left the wrong fds")
	}
	s.ev(event.CloseRangeX, 100, int64(0), uint32(13), uint32(14), uint32(closeRangeCX))
	mustEq(t, "close_range cloexec", th.FD(13).IsCloexec(), true)
	s.execve19(100, 100, 1, "true", nil, "true", "/usr/bin/true", nil)
	if th.FD(13) != nil || th.FD(16) != nil || th.FD(17) != nil || th.FD(9) != nil || th.FD(8) == nil {
		t.Errorf("execve kept or dropped the wrong fds: %d left", th.FDs().Len())
	}
}

func TestThreadsShareFDs(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	s.clone20(100, 200, 100, 1, 0, "app", nil, "app", nil)
	s.execve19(200, 200, 100, "app", nil, "app", "/opt/app", nil)
	p := s.clone20(200, 201, 200, 100, cloneFlags, "app", nil, "app", nil)
	mustEq(t, "thread created", p.ChildTid, int64(201))
	th := s.tabs.Thread(201)
	main := s.tabs.Thread(200)
	mustEq(t, "thread pid", th.Pid, int64(200))
	mustEq(t, "thread ptid", th.PTid, int64(100))
	mustEq(t, "thread main", th.Main(), main)
	mustEq(t, "thread exepath", th.ExePath, "/opt/app")
	s.ev(event.OpenX, 201, int64(5), "/data", uint32(0), uint32(0), uint32(0), uint64(0))
	mustEq(t, "fd visible from main", fdString(main.FD(5)), `5 file "/data"`)
	s.ev(event.CloseX, 200, int64(0), int64(5))
	s.ev(event.GetuidX, 201)
	if th.FD(5) != nil {
		t.Error("close by main not seen by thread")
	}
	// the main thread exits first: it stays while the thread lives
	s.ev(event.ProcexitE1, 200, int64(0), int64(0), uint8(0), uint8(0), int64(0))
	s.ev(event.GetuidX, 201)
	if m := s.tabs.Thread(200); m == nil || !m.Dead {
		t.Fatal("dead main thread should stay while a thread lives")
	}
	mustEq(t, "cwd through dead main", th.CWD(), "/home/u/")
	s.ev(event.ProcexitE1, 201, int64(0), int64(0), uint8(0), uint8(0), int64(0))
	s.ev(event.GetuidX, 100)
	if s.tabs.Thread(200) != nil || s.tabs.Thread(201) != nil {
		t.Error("process not removed after its last thread")
	}
	mustEq(t, "children of bash", s.tabs.Thread(100).Children, 0)
}

func TestExitReparenting(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	s.clone20(100, 200, 100, 1, 0, "a", nil, "a", nil)
	s.clone20(200, 300, 200, 100, 0, "b", nil, "b", nil)
	c := s.tabs.Thread(300)
	mustEq(t, "grandchild parent", c.Parent().Tid, int64(200))
	var names []string
	for a := range c.Ancestors() {
		names = append(names, a.Comm)
	}
	mustEq(t, "ancestors", fmt.Sprint(names), "[a bash systemd]")
	mustEq(t, "ancestor 2", c.Ancestor(2).Comm, "bash")

	// 200 exits: its child goes to init (no subreaper in between)
	p := s.ev(event.ProcexitE1, 200, int64(0), int64(0), uint8(0), uint8(0), int64(0))
	mustEq(t, "procexit thread dead", p.Thread.Dead, true)
	if s.tabs.Thread(200) == nil {
		t.Fatal("thread removed before the next event")
	}
	s.ev(event.GetuidX, 300)
	if s.tabs.Thread(200) != nil {
		t.Fatal("exited thread not removed")
	}
	mustEq(t, "reparented to init", c.PTid, int64(1))

	// with a child subreaper, orphans go to it
	s.ev(event.PrctlX, 100, int64(0), uint32(36), "", int64(1))
	s.clone20(100, 400, 100, 1, 0, "x", nil, "x", nil)
	s.clone20(400, 500, 400, 100, 0, "y", nil, "y", nil)
	s.ev(event.ProcexitE1, 400, int64(0), int64(0), uint8(0), uint8(0), int64(0))
	s.ev(event.GetuidX, 500)
	mustEq(t, "reparented to subreaper", s.tabs.Thread(500).PTid, int64(100))

	// the kernel's reaper wins when it is known
	s.clone20(100, 600, 100, 1, 0, "x", nil, "x", nil)
	s.clone20(600, 700, 600, 100, 0, "y", nil, "y", nil)
	s.ev(event.ProcexitE1, 600, int64(0), int64(0), uint8(0), uint8(0), int64(1))
	s.ev(event.GetuidX, 700)
	mustEq(t, "reparented to kernel's reaper", s.tabs.Thread(700).PTid, int64(1))
	mustEq(t, "removed counter", s.tabs.Stats().ThreadsRemoved, uint64(3))
}

func TestChildCloneFirstAndLazyThreads(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	// the child reports first
	p := s.clone20(200, 0, 200, 100, 0, "bash", nil, "bash", nil)
	mustEq(t, "created", p.Created, true)
	child := p.Thread
	mustEq(t, "inverted", child.Flags&CloneInverted != 0, true)
	mustEq(t, "inherited fds", child.FDs().Len(), 3)
	mustEq(t, "parent", child.PTid, int64(100))
	s.clone20(100, 200, 100, 1, 0, "bash", nil, "bash", nil)
	mustEq(t, "parent's exit keeps child", s.tabs.Thread(200), child)

	// an unknown thread
	p = s.ev(event.GetuidX, 999)
	th := p.Thread
	if th == nil || !th.Incomplete || th.Comm != "<NA>" || th.Pid != 999 || th.PTid != -1 || th.UID != 0xffffffff {
		t.Fatalf("lazy thread = %+v", th)
	}
	mustEq(t, "lazy counter", s.tabs.Stats().ThreadsLazy, uint64(1))
	// its execve completes it
	s.execve19(999, 999, 100, "cat", []string{"f"}, "cat", "/usr/bin/cat", nil)
	mustEq(t, "completed", th.Incomplete, false)
	mustEq(t, "ptid", th.PTid, int64(100))
	mustEq(t, "comm", th.Comm, "cat")
	mustEq(t, "linked to parent", s.tabs.Thread(100).Children, 2)
}

func TestCredentials(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	th := s.tabs.Thread(100)
	s.ev(event.SetuidX, 100, int64(0), uint32(0))
	mustEq(t, "setuid", th.UID, uint32(0))
	s.ev(event.SetresuidX, 100, int64(0), uint32(0xffffffff), uint32(33), uint32(0xffffffff))
	mustEq(t, "setresuid", th.UID, uint32(33))
	s.ev(event.SetresuidX, 100, int64(0), uint32(0xffffffff), uint32(0xffffffff), uint32(0xffffffff))
	mustEq(t, "setresuid -1 unchanged", th.UID, uint32(33))
	s.ev(event.SetgidX, 100, int64(-1), uint32(5))
	mustEq(t, "failed setgid", th.GID, uint32(1000))
	s.ev(event.SetregidX, 100, int64(0), uint32(7), uint32(8))
	mustEq(t, "setregid", th.GID, uint32(8))
	s.ev(event.CapsetX, 100, int64(0), uint64(1), uint64(2), uint64(3))
	mustEq(t, "capset", th.CapEffective, uint64(3))
	s.ev(event.UnshareX, 100, int64(0), uint32(CloneNewUser))
	mustEq(t, "unshare userns caps", th.CapEffective, maxCaps)
	s.ev(event.SetsidX, 100, int64(100))
	mustEq(t, "sid", th.Sid, int64(100))
	s.ev(event.PrlimitX, 100, int64(0), int64(4096), int64(4096), int64(1024), int64(1024), int64(0), uint8(7))
	mustEq(t, "prlimit", th.FDLimit, int64(4096))
	if u := s.tabs.Users().Lookup(1000, ""); u == nil || u.Name != "u" {
		t.Errorf("user 1000 = %+v", u)
	}
	s.ev(event.UserAddedE, 0, uint32(2000), uint32(2000), "svc", "/srv", "/bin/false", "abcdef123456")
	if u := s.tabs.Users().Lookup(2000, "abcdef123456"); u == nil || u.Name != "svc" {
		t.Errorf("container user = %+v", u)
	}
	s.ev(event.GroupAddedE, 0, uint32(2000), "svc", "")
	if g := s.tabs.Groups().Lookup(2000, ""); g == nil || g.Name != "svc" {
		t.Errorf("group = %+v", g)
	}
}

// Old captures: enter and exit events, exits lacking what the enter had.
func TestOldEnterExit(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	th := s.tabs.Thread(100)
	// open: the old exit has only the fd
	p := s.ev(event.OpenE, 100, "/etc/motd", uint32(oRDONLY), uint32(0))
	mustEq(t, "open enter fd.num", p.FDNum, int64(-1))
	p = s.ev(event.OpenX, 100, int64(3))
	mustEq(t, "old open", fdString(p.FD), `3 file "/etc/motd"`)
	if p.Enter == nil || p.Enter.Type() != event.OpenE {
		t.Fatal("old exit without its enter")
	}
	// read: the fd comes from the enter
	p = s.ev(event.ReadE, 100, int64(3), uint32(100))
	mustEq(t, "read enter fd", fdString(p.FD), `3 file "/etc/motd"`)
	p = s.ev(event.ReadX, 100, int64(10), []byte("hello"))
	mustEq(t, "read exit fd", fdString(p.FD), `3 file "/etc/motd"`)
	mustEq(t, "read exit fd.num", p.FDNum, int64(3))
	// an exit without its enter gets fd 0, the default libscap's converter
	// gives the missing parameter...
	p = s.ev(event.ReadX, 100, int64(10), []byte("hello"))
	if p.Enter != nil || p.FDNum != 0 || fdString(p.FD) != `0 file "/dev/pts/0"` {
		t.Errorf("unmatched exit: fd %s num %d", fdString(p.FD), p.FDNum)
	}
	// ...except where the converter leaves it empty (fchdir, setns)
	p = s.ev(event.FchdirX, 100, int64(0))
	if p.FD != nil || p.FDNum != -1 {
		t.Errorf("unmatched fchdir exit: fd %s num %d", fdString(p.FD), p.FDNum)
	}
	// old socket + connect + close
	s.ev(event.SocketE, 100, uint32(afInet), uint32(sockStrm), uint32(0))
	p = s.ev(event.SocketX, 100, int64(4))
	mustEq(t, "old socket", fdString(p.FD), `4 ipv4 ""`)
	s.ev(event.ConnectE, 100, int64(4), sockaddr4("1.2.3.4", 80))
	p = s.ev(event.ConnectX, 100, int64(0), tuple4("10.0.0.1", 1234, "1.2.3.4", 80))
	mustEq(t, "old connect", p.FD.Name, "10.0.0.1:1234->1.2.3.4:80")
	s.ev(event.CloseE, 100, int64(4))
	p = s.ev(event.CloseX, 100, int64(0))
	mustEq(t, "old close", fdString(p.FD), `4 ipv4 "10.0.0.1:1234->1.2.3.4:80"`)
	s.ev(event.GetuidE, 100)
	if th.FD(4) != nil {
		t.Error("old close did not remove the fd")
	}
	// old openat: the exit has only the fd
	s.ev(event.OpenatE, 100, int64(atFDCWD), "rel", uint32(0), uint32(0))
	p = s.ev(event.OpenatX, 100, int64(5))
	mustEq(t, "old openat", fdString(p.FD), `5 file "/home/u/rel"`)
	// old dup: the old fd comes from the enter
	s.ev(event.DupE, 100, int64(5))
	p = s.ev(event.DupX, 100, int64(6))
	mustEq(t, "old dup", fdString(p.FD), `6 file "/home/u/rel"`)
	// old sendto: the tuple is in the enter
	s.ev(event.SocketE, 100, uint32(afInet), uint32(sockDgrm), uint32(0))
	s.ev(event.SocketX, 100, int64(7))
	s.ev(event.SendtoE, 100, int64(7), uint32(3), tuple4("10.0.0.1", 999, "8.8.4.4", 53))
	p = s.ev(event.SendtoX, 100, int64(3), []byte("abc"))
	mustEq(t, "old sendto", p.FD.Name, "10.0.0.1:999->8.8.4.4:53")
	// old setuid: the uid is in the enter
	s.ev(event.SetuidE, 100, uint32(0))
	s.ev(event.SetuidX, 100, int64(0))
	mustEq(t, "old setuid", th.UID, uint32(0))

	// old fork + execve (2014 layouts)
	s.ev(event.ForkX, 100, int64(200), "bash", []string{}, int64(100), int64(100), int64(1), "/home/u",
		int64(1024), uint64(0), uint64(0), uint32(0), uint32(0), uint32(0), uint32(0), uint32(1000), uint32(1000))
	child := s.tabs.Thread(200)
	if child == nil || child.PTid != 100 || child.Comm != "bash" {
		t.Fatalf("old fork child = %+v", child)
	}
	s.ev(event.ExecveE18, 200, "./script.sh")
	s.ev(event.ExecveX18, 200, int64(0), "/bin/sh", []string{"./script.sh"}, int64(200), int64(200), int64(100),
		"/home/u", uint64(1024), uint64(0), uint64(0), uint32(0), uint32(0), uint32(0), "script.sh", []string{"cpu=/"}, []string{"X=1"}, int32(0))
	mustEq(t, "old exec comm", child.Comm, "script.sh")
	mustEq(t, "old exepath from enter", child.ExePath, "/home/u/script.sh")
	mustEq(t, "old exec env", len(child.Env), 1)
}

func TestTableBound(t *testing.T) {
	s := newSim(t, Options{MaxThreads: 64})
	s.seedShell()
	for i := int64(0); i < 200; i++ {
		s.ev(event.GetuidX, 1000+i)
	}
	st := s.tabs.Stats()
	if st.Threads > 64 {
		t.Errorf("%d threads in a table of 64", st.Threads)
	}
	if st.ThreadsEvicted == 0 {
		t.Error("no eviction counted")
	}
	// the most recent threads are kept
	if s.tabs.Thread(1199) == nil {
		t.Error("the newest thread was evicted")
	}
	// dead threads go first
	s2 := newSim(t, Options{MaxThreads: 8})
	for i := int64(0); i < 7; i++ {
		s2.ev(event.GetuidX, 10+i)
	}
	s2.ev(event.GetuidX, 10) // refresh 10
	s2.tabs.Thread(11).markDead()
	s2.ev(event.GetuidX, 50)
	s2.ev(event.GetuidX, 51)
	if s2.tabs.Thread(11) != nil {
		t.Error("dead thread kept while live ones were evicted")
	}
	if s2.tabs.Thread(10) == nil {
		t.Error("a recently active thread was evicted")
	}

	// fd tables are bounded too
	s3 := newSim(t, Options{MaxFDsPerProcess: 4})
	s3.seedShell()
	for fd := int64(3); fd < 10; fd++ {
		s3.ev(event.OpenX, 100, fd, "/f", uint32(0), uint32(0), uint32(0), uint64(0))
	}
	mustEq(t, "fd table bound", s3.tabs.Thread(100).FDs().Len(), 4)
	mustEq(t, "fds dropped", s3.tabs.Stats().FDsDropped, uint64(6))
}

func TestPurge(t *testing.T) {
	s := newSim(t, Options{ThreadTimeoutNs: 10_000, PurgeIntervalNs: 5_000})
	s.ev(event.GetuidX, 10)
	for i := 0; i < 30; i++ {
		s.ev(event.GetuidX, 11)
	}
	if s.tabs.Thread(10) != nil {
		t.Error("inactive thread not purged")
	}
	if s.tabs.Stats().ThreadsPurged == 0 {
		t.Error("purge not counted")
	}
}

func TestSnapshotSockets(t *testing.T) {
	s := newSim(t, Options{})
	ip := func(a string) [4]byte { return netipMust(a).As4() }
	_ = ip
	s.tabs.Seed([]ThreadInfo{{Tid: 10, Pid: 10, PTid: 1, Comm: "nginx", FDs: []FDInfo{
		{FD: 3, Type: FDIPv4ServSock, SrcAddr: netipMust("0.0.0.0"), SrcPort: 80, L4Proto: L4TCP},
		{FD: 4, Type: FDIPv4Sock, SrcAddr: netipMust("10.0.0.2"), SrcPort: 80, DstAddr: netipMust("10.0.0.9"), DstPort: 5000, L4Proto: L4TCP},
		{FD: 5, Type: FDIPv4Sock, SrcAddr: netipMust("10.0.0.2"), SrcPort: 6000, DstAddr: netipMust("10.0.0.3"), DstPort: 5432, L4Proto: L4TCP},
		{FD: 6, Type: FDUnixSock, Name: "/run/nginx.sock", UnixSrc: 1, UnixDst: 2},
		{FD: 7, Type: FDFileV2, Name: "/var/log/nginx/access.log", OpenFlags: 1, Dev: 5},
	}}}, nil, nil)
	th := s.tabs.Thread(10)
	mustEq(t, "listening", th.FD(3).Name, "0.0.0.0:80")
	mustEq(t, "accepted conn reversed", th.FD(4).Name, "10.0.0.9:5000->10.0.0.2:80")
	mustEq(t, "accepted role", th.FD(4).RoleServer(), true)
	mustEq(t, "outgoing", th.FD(5).Name, "10.0.0.2:6000->10.0.0.3:5432")
	mustEq(t, "outgoing role", th.FD(5).RoleClient(), true)
	mustEq(t, "unix role", th.FD(6).RoleServer(), true)
	mustEq(t, "file dev", th.FD(7).Dev, uint32(5))
	mustEq(t, "from proc", th.FD(7).Flags&FDFromProc != 0, true)
	mustEq(t, "ppid of orphan in snapshot", th.PTid, int64(0))
}

func TestSetInterfacesPatchesTuples(t *testing.T) {
	s := newSim(t, Options{})
	s.seedShell()
	s.tabs.SetInterfaces([]InterfaceInfo{
		{Name: "lo", Addr: netipMust("127.0.0.1"), Netmask: netipMust("255.0.0.0")},
		{Name: "eth0", Addr: netipMust("192.168.1.2"), Netmask: netipMust("255.255.255.0")},
	})
	s.ev(event.SocketX, 100, int64(3), uint32(afInet), uint32(sockDgrm), uint32(0), uint32(0))
	p := s.ev(event.SendtoX, 100, int64(3), []byte("q"), int64(3), uint32(1), tuple4("0.0.0.0", 5000, "192.168.1.9", 53))
	mustEq(t, "patched source", p.FD.Name, "192.168.1.2:5000->192.168.1.9:53")
}
