package probe

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/event"
)

var atFDCWD = unix.AT_FDCWD // a variable: -100 does not convert to uintptr as a constant

// rawPath calls a path syscall directly (x/sys/unix uses the *at forms).
func rawPath(t *testing.T, nr uintptr, path string, a1, a2 uintptr) uintptr {
	t.Helper()
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, errno := unix.Syscall(nr, uintptr(unsafe.Pointer(p)), a1, a2)
	if errno != 0 {
		t.Fatalf("syscall %d %s: %v", nr, path, errno)
	}
	return r
}

// raw2 calls a two-path syscall directly.
func raw2(t *testing.T, nr uintptr, a, b string) {
	t.Helper()
	pa, _ := unix.BytePtrFromString(a)
	pb, _ := unix.BytePtrFromString(b)
	if _, _, errno := unix.Syscall(nr, uintptr(unsafe.Pointer(pa)), uintptr(unsafe.Pointer(pb)), 0); errno != 0 {
		t.Fatalf("syscall %d %s %s: %v", nr, a, b, errno)
	}
}

// syscallCase performs one real syscall and names the exit event it must
// produce and strings its evt.args must contain.
type syscallCase struct {
	name  string
	event uint16
	do    func(t *testing.T, dir string)
	want  []string
}

// TestSyscallFillers performs real syscalls in this process (traced: the
// probe excludes another pid) and checks each exit event as Kestrel
// renders its arguments, the way Falco's evt.args shows them.
func TestSyscallFillers(t *testing.T) {
	dir, err := os.MkdirTemp("", "kestrel-probe-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	at := func(n string) string { return filepath.Join(dir, n) }
	touch := func(t *testing.T, n string) {
		if err := os.WriteFile(at(n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []syscallCase{
		{"open", event.OpenX, func(t *testing.T, d string) {
			fd := rawPath(t, unix.SYS_OPEN, at("o1"), unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, 0o640)
			unix.Close(int(fd))
		}, []string{"name=" + at("o1"), "flags=", "O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED", "mode=0640"}},
		{"openat2", event.Openat2X, func(t *testing.T, d string) {
			fd, err := unix.Openat2(unix.AT_FDCWD, at("o1"), &unix.OpenHow{Flags: unix.O_RDONLY, Resolve: unix.RESOLVE_NO_SYMLINKS})
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)
		}, []string{"dirfd=-100(AT_FDCWD)", "name=" + at("o1"), "resolve=8(RESOLVE_NO_SYMLINKS)"}},
		{"creat", event.CreatX, func(t *testing.T, d string) {
			fd := rawPath(t, unix.SYS_CREAT, at("c1"), 0o600, 0)
			unix.Close(int(fd))
		}, []string{"name=" + at("c1"), "mode=0600"}},
		{"symlink", event.SymlinkX, func(t *testing.T, d string) {
			raw2(t, unix.SYS_SYMLINK, "/etc/shadow", at("s1"))
		}, []string{"res=0", "target=/etc/shadow", "linkpath=" + at("s1")}},
		{"symlinkat", event.SymlinkatX, func(t *testing.T, d string) {
			if err := unix.Symlinkat("/etc/passwd", unix.AT_FDCWD, at("s2")); err != nil {
				t.Fatal(err)
			}
		}, []string{"target=/etc/passwd", "linkdirfd=-100(AT_FDCWD)", "linkpath=" + at("s2")}},
		{"link", event.LinkX2, func(t *testing.T, d string) {
			touch(t, "l0")
			raw2(t, unix.SYS_LINK, at("l0"), at("l1"))
		}, []string{"res=0", "oldpath=" + at("l0"), "newpath=" + at("l1")}},
		{"linkat", event.LinkatX2, func(t *testing.T, d string) {
			if err := unix.Linkat(unix.AT_FDCWD, at("l0"), unix.AT_FDCWD, at("l2"), unix.AT_SYMLINK_FOLLOW); err != nil {
				t.Fatal(err)
			}
		}, []string{"oldpath=" + at("l0"), "newpath=" + at("l2"), "flags=1024(AT_SYMLINK_FOLLOW)"}},
		{"unlink", event.UnlinkX2, func(t *testing.T, d string) {
			p, _ := unix.BytePtrFromString(at("missing"))
			_, _, _ = unix.Syscall(unix.SYS_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0)
		}, []string{"res=-2(ENOENT)", "path=" + at("missing")}},
		{"unlinkat", event.UnlinkatX2, func(t *testing.T, d string) {
			if err := unix.Mkdir(at("d0"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := unix.Unlinkat(unix.AT_FDCWD, at("d0"), unix.AT_REMOVEDIR); err != nil {
				t.Fatal(err)
			}
		}, []string{"res=0", "name=" + at("d0"), "flags=512(AT_REMOVEDIR)"}},
		{"rename", event.RenameX, func(t *testing.T, d string) {
			touch(t, "r0")
			raw2(t, unix.SYS_RENAME, at("r0"), at("r1"))
		}, []string{"oldpath=" + at("r0"), "newpath=" + at("r1")}},
		{"renameat2", event.Renameat2X, func(t *testing.T, d string) {
			if err := unix.Renameat2(unix.AT_FDCWD, at("r1"), unix.AT_FDCWD, at("r2"), unix.RENAME_NOREPLACE); err != nil {
				t.Fatal(err)
			}
		}, []string{"oldpath=" + at("r1"), "newpath=" + at("r2"), "flags=1(RENAME_NOREPLACE)"}},
		{"mkdir", event.MkdirX2, func(t *testing.T, d string) {
			rawPath(t, unix.SYS_MKDIR, at("m1"), 0o750, 0)
		}, []string{"res=0", "path=" + at("m1"), "mode=1E8"}},
		{"mkdirat", event.MkdiratX, func(t *testing.T, d string) {
			if err := unix.Mkdirat(unix.AT_FDCWD, at("m2"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, []string{"dirfd=-100(AT_FDCWD)", "path=" + at("m2")}},
		{"rmdir", event.RmdirX2, func(t *testing.T, d string) {
			rawPath(t, unix.SYS_RMDIR, at("m2"), 0, 0)
		}, []string{"res=0", "path=" + at("m2")}},
		{"chmod", event.ChmodX, func(t *testing.T, d string) {
			rawPath(t, unix.SYS_CHMOD, at("l0"), 0o4755, 0)
		}, []string{"filename=" + at("l0"), "S_ISUID"}},
		{"fchmodat", event.FchmodatX, func(t *testing.T, d string) {
			if err := unix.Fchmodat(unix.AT_FDCWD, at("l0"), 0o600, 0); err != nil {
				t.Fatal(err)
			}
		}, []string{"filename=" + at("l0"), "mode=0600(S_IWUSR|S_IRUSR)"}},
		// A generic syscall (no event of its own): the generic exit event
		// names it, so rules can select it by evt.type.
		{"fchmodat2", event.GenericX, func(t *testing.T, d string) {
			p, _ := unix.BytePtrFromString(at("l0"))
			const sysFchmodat2 = 452
			if _, _, errno := unix.Syscall6(sysFchmodat2, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)), 0o700, 0, 0, 0); errno != 0 {
				t.Fatalf("fchmodat2: %v", errno)
			}
		}, []string{"type=fchmodat2", "nativeID=452"}},
		{"memfd_create", event.MemfdCreateX, func(t *testing.T, d string) {
			fd, err := unix.MemfdCreate("kestrel-memfd", unix.MFD_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)
		}, []string{"name=kestrel-memfd", "flags=1(MFD_CLOEXEC)"}},
		{"init_module", event.InitModuleX, func(t *testing.T, d string) {
			img := []byte("not a kernel module")
			args, _ := unix.BytePtrFromString("kestrel=1")
			_, _, _ = unix.Syscall(unix.SYS_INIT_MODULE, uintptr(unsafe.Pointer(&img[0])), uintptr(len(img)),
				uintptr(unsafe.Pointer(args)))
		}, []string{"length=19", "uargs=kestrel=1"}},
		{"finit_module", event.FinitModuleX, func(t *testing.T, d string) {
			_ = unix.FinitModule(1000, "kestrel=2", 0)
		}, []string{"fd=1000", "uargs=kestrel=2"}},
		{"mount", event.MountX, func(t *testing.T, d string) {
			_ = unix.Mount("none", at("no-such-dir"), "tmpfs", unix.MS_NOEXEC, "")
		}, []string{"res=-2(ENOENT)", "dev=none", "dir=" + at("no-such-dir"), "type=tmpfs", "flags=8(NOEXEC)"}},
		{"dup3", event.Dup3X, func(t *testing.T, d string) {
			if err := unix.Dup3(0, 900, unix.O_CLOEXEC); err != nil {
				t.Fatal(err)
			}
			unix.Close(900)
		}, []string{"oldfd=0", "newfd=900", "flags=4096(O_CLOEXEC)"}},
		{"ptrace", event.PtraceX, func(t *testing.T, d string) {
			// PTRACE_ATTACH to a pid that does not exist fails with ESRCH.
			_, _, _ = unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_ATTACH, 999999999, 0, 0, 0, 0)
		}, []string{"res=-3(ESRCH)", "request=11(PTRACE_ATTACH)", "pid=999999999"}},
		{"chown", event.ChownX, func(t *testing.T, d string) {
			rawPath(t, unix.SYS_CHOWN, at("l0"), 1234, 5678)
		}, []string{"res=0", "path=" + at("l0"), "uid=1234", "gid=5678"}},
		{"fchownat", event.FchownatX, func(t *testing.T, d string) {
			if err := unix.Fchownat(unix.AT_FDCWD, at("l0"), 0, 0, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				t.Fatal(err)
			}
		}, []string{"pathname=" + at("l0"), "flags=1024(AT_SYMLINK_NOFOLLOW)"}},
		{"setuid", event.SetuidX, func(t *testing.T, d string) {
			_, _, _ = unix.RawSyscall(unix.SYS_SETUID, uintptr(os.Geteuid()), 0, 0)
		}, []string{"res=0", "uid=0"}},
		{"fcntl", event.FcntlX, func(t *testing.T, d string) {
			fd, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 700)
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)
		}, []string{"fd=0", "cmd=26(F_DUPFD_CLOEXEC)"}},
		{"eventfd2", event.Eventfd2X, func(t *testing.T, d string) {
			fd, err := unix.Eventfd(7, unix.EFD_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)
		}, []string{"initval=7", "flags=4096(O_CLOEXEC)"}},
		{"prlimit64", event.PrlimitX, func(t *testing.T, d string) {
			var old unix.Rlimit
			if err := unix.Prlimit(0, unix.RLIMIT_NOFILE, nil, &old); err != nil {
				t.Fatal(err)
			}
		}, []string{"res=0", "resource=7(RLIMIT_NOFILE)"}},
		{"socketpair", event.SocketpairX, func(t *testing.T, d string) {
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(fds[0])
			unix.Close(fds[1])
		}, []string{"res=0", "domain=1(AF_LOCAL|AF_UNIX)"}},
		{"unshare", event.UnshareX, func(t *testing.T, d string) {
			// an invalid flag: EINVAL, the namespaces of the test stay
			_, _, _ = unix.RawSyscall(unix.SYS_UNSHARE, 0x80000000|unix.CLONE_NEWUTS, 0, 0)
		}, []string{"flags=", "CLONE_NEWUTS"}},
		{"setns", event.SetnsX, func(t *testing.T, d string) {
			_, _, _ = unix.RawSyscall(unix.SYS_SETNS, 9999, unix.CLONE_NEWNET, 0)
		}, []string{"res=-9(EBADF)", "fd=9999", "CLONE_NEWNET"}},
		{"bpf", event.BpfX2, func(t *testing.T, d string) {
			_, _, _ = unix.Syscall(unix.SYS_BPF, 0 /* BPF_MAP_CREATE */, 0, 0)
		}, []string{"cmd=0(BPF_MAP_CREATE)"}},
		{"write", event.WriteX, func(t *testing.T, d string) {
			f, err := os.Create(at("io"))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = unix.Write(int(f.Fd()), []byte("kestrel-io"))
			f.Close()
		}, []string{"res=10", "data=kestrel-io", "size=10"}},
		{"read", event.ReadX, func(t *testing.T, d string) {
			f, err := os.Open(at("io"))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			_, _ = unix.Read(int(f.Fd()), buf)
			f.Close()
		}, []string{"res=10", "data=kestrel-io", "size=64"}},
		{"writev", event.WritevX, func(t *testing.T, d string) {
			f, err := os.Create(at("iov"))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = unix.Writev(int(f.Fd()), [][]byte{[]byte("kestrel-"), []byte("vec")})
			f.Close()
		}, []string{"res=11", "data=kestrel-", "size=11"}},
		{"pread64", event.PreadX, func(t *testing.T, d string) {
			f, err := os.Open(at("io"))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 3)
			_, _ = unix.Pread(int(f.Fd()), buf, 8)
			f.Close()
		}, []string{"res=2", "data=io", "pos=8"}},
		{"execveat", event.ExecveatX, func(t *testing.T, d string) {
			path, _ := unix.BytePtrFromString(at("no-such-binary"))
			argv := []*byte{path, nil}
			_, _, _ = unix.Syscall6(unix.SYS_EXECVEAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(path)),
				uintptr(unsafe.Pointer(&argv[0])), 0, 0, 0)
		}, []string{"res=-2(ENOENT)", "exe=" + at("no-such-binary")}},
		{"pipe2", event.Pipe2X, func(t *testing.T, d string) {
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_NONBLOCK); err != nil {
				t.Fatal(err)
			}
			unix.Close(p[0])
			unix.Close(p[1])
		}, []string{"res=0", "flags=64(O_NONBLOCK)"}},
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
	}
	// Trace this process: exclude pid 1 instead.
	p := needProbe(t, Options{RingBytes: 4 << 20, ExcludeTgid: 1})
	if unsupported, err := p.SetSyscalls(syscallsNamed(t, names...)); err != nil || !unsupported.IsEmpty() {
		t.Fatalf("SetSyscalls: %v, unsupported %v", err, unsupported)
	}
	for _, c := range cases {
		c.do(t, dir)
	}
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return true })
	for _, c := range cases {
		var seen []string
		found := false
		for _, r := range recs {
			if r.Type() != c.event {
				continue
			}
			args := event.Args(r, nil, event.RenderOptions{})
			if c.event == event.GenericX {
				// evt.args is empty for generic events, as in libsinsp.
				args = fmt.Sprintf("type=%s nativeID=%d", event.TypeName(r), event.U16(r.Param(1)))
			}
			seen = append(seen, args)
			ok := true
			for _, w := range c.want {
				if !strings.Contains(args, w) {
					ok = false
				}
			}
			if ok {
				found = true
				if r.NParams() != len(event.Lookup(c.event).Params) {
					t.Errorf("%s: %d params, want %d", c.name, r.NParams(), len(event.Lookup(c.event).Params))
				}
			}
		}
		if !found {
			t.Errorf("%s: no event with %q; seen:\n%s", c.name, c.want, strings.Join(seen, "\n"))
		}
	}
}

// TestSocketFillers: a TCP connection on loopback (socket, bind, listen,
// connect, accept4) and a UDP datagram (sendto, recvfrom), with the
// tuples taken from the kernel's sockets.
func TestSocketFillers(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 4 << 20, ExcludeTgid: 1})
	if unsupported, err := p.SetSyscalls(syscallsNamed(t, "socket", "bind", "listen", "connect", "accept", "accept4",
		"sendto", "recvfrom", "sendmsg", "recvmsg")); err != nil || !unsupported.IsEmpty() {
		t.Fatalf("SetSyscalls: %v, unsupported %v", err, unsupported)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lport := ln.Addr().(*net.TCPAddr).Port
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cport := c.LocalAddr().(*net.TCPAddr).Port
	(<-accepted).Close()
	c.Close()

	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s)
	uport := u.LocalAddr().(*net.UDPAddr).Port
	if err := unix.Sendto(s, []byte("kestrel-udp"), 0, &unix.SockaddrInet4{Port: uport, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, _, err := u.ReadFromUDP(buf); err != nil {
		t.Fatal(err)
	}

	// sendmsg and recvmsg: Go's WriteMsgUDP and ReadMsgUDP
	if _, _, err := u.WriteMsgUDP([]byte("kestrel-msg"), nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: uport}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, err := u.ReadMsgUDP(buf, make([]byte, 64)); err != nil {
		t.Fatal(err)
	}

	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return true })
	tuple := fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", cport, lport)
	wants := []struct {
		name string
		code uint16
		want []string
	}{
		{"listen", event.ListenX, []string{"res=0", "backlog="}},
		{"bind", event.BindX, []string{"res=0", "addr=127.0.0.1:0"}},
		{"connect", event.ConnectX, []string{"tuple=" + tuple, fmt.Sprintf("addr=127.0.0.1:%d", lport)}},
		{"accept4", event.Accept4X6, []string{"tuple=" + tuple, "queuemax="}},
		{"socket", event.SocketX, []string{"domain=2(AF_INET)"}},
		{"sendto", event.SendtoX, []string{"res=11", "data=kestrel-udp", fmt.Sprintf("->127.0.0.1:%d", uport)}},
		{"sendmsg", event.SendmsgX, []string{"res=11", "data=kestrel-msg", "size=11", fmt.Sprintf("->127.0.0.1:%d", uport)}},
		{"recvmsg", event.RecvmsgX, []string{"res=11", "data=kestrel-msg"}},
	}
	for _, w := range wants {
		var seen []string
		found := false
		for _, r := range recs {
			if r.Type() != w.code {
				continue
			}
			args := event.Args(r, nil, event.RenderOptions{})
			seen = append(seen, args)
			all := true
			for _, s := range w.want {
				all = all && strings.Contains(args, s)
			}
			found = found || all
		}
		if !found {
			t.Errorf("%s: no event with %q; seen:\n%s", w.name, w.want, strings.Join(seen, "\n"))
		}
	}
}

// A 32-bit (i386) process on this 64-bit kernel: its syscall numbers and
// argument registers differ, and the probe maps them.
func TestIA32Process(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(`package main

import "syscall"

func main() {
	fd, err := syscall.Open("/etc/hostname", syscall.O_RDONLY, 0)
	if err != nil {
		panic(err)
	}
	syscall.Close(fd)
	syscall.Mkdir(`+"`"+`KDIR`+"`"+`, 0o700)
	// i386 reaches socket and connect through the socketcall multiplexer
	s, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		panic(err)
	}
	if err := syscall.Connect(s, &syscall.SockaddrInet4{Port: KPORT, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		panic(err)
	}
	syscall.Close(s)
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	mk := filepath.Join(dir, "made-by-ia32")
	b, _ := os.ReadFile(src)
	prog := strings.Replace(string(b), "KDIR", mk, 1)
	prog = strings.Replace(prog, "KPORT", strconv.Itoa(port), 1)
	os.WriteFile(src, []byte(prog), 0o644)
	bin := filepath.Join(dir, "ia32")
	build := exec.Command("go", "build", "-o", bin, src)
	build.Env = append(os.Environ(), "GOARCH=386", "CGO_ENABLED=0", "GOFLAGS=")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building an i386 program: %v\n%s", err, out)
	}
	p := needProbe(t, Options{RingBytes: 16 << 20})
	if _, err := p.SetSyscalls(syscallsNamed(t, "open", "openat", "close", "mkdir", "mkdirat", "socket", "connect")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the i386 program (needs CONFIG_IA32_EMULATION): %v %s", err, out)
	}
	pid := int64(cmd.Process.Pid)
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return true })
	var opened, made, socketMade, connected bool
	tuple := fmt.Sprintf("->127.0.0.1:%d", port)
	for _, r := range recs {
		if r.Tid() != pid && !isThreadOf(r.Tid(), pid) {
			continue
		}
		args := event.Args(r, nil, event.RenderOptions{})
		switch r.Type() {
		case event.OpenatX2, event.OpenX:
			if strings.Contains(args, "name=/etc/hostname") && strings.Contains(args, "O_RDONLY)") {
				opened = true
			}
		case event.MkdirX2, event.MkdiratX:
			if strings.Contains(args, "path="+mk) {
				made = true
			}
		case event.SocketX:
			if strings.Contains(args, "domain=2(AF_INET)") && strings.Contains(args, "type=1") {
				socketMade = true
			}
		case event.ConnectX:
			if strings.Contains(args, "res=0") && strings.Contains(args, tuple) {
				connected = true
			}
		}
	}
	if !opened || !made || !socketMade || !connected {
		for _, r := range recs {
			if r.Tid() == pid || isThreadOf(r.Tid(), pid) {
				t.Logf("%d %s", r.Type(), event.Args(r, nil, event.RenderOptions{}))
			}
		}
		t.Fatalf("i386 open seen %v, mkdir seen %v, socket seen %v, connect seen %v", opened, made, socketMade, connected)
	}
}

// isThreadOf: the Go runtime of the child may make the call on another
// thread; its threads share the child's tgid, which the record does not
// carry, so accept the tids just above the pid.
func isThreadOf(tid, pid int64) bool { return tid > pid && tid < pid+64 }
