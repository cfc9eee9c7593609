package probe

import (
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/kestrel-project/kestrel/internal/event"
)

// fillerProgs maps syscall names (libscap's) to their exit programs. A
// selected syscall without one cannot be captured yet (SetSyscalls
// reports it). execve and execveat successes come from the
// sched_process_exec program; their fillers report failures.
var fillerProgs = map[string]func(*kestrelObjects) *ebpf.Program{
	"close":             func(o *kestrelObjects) *ebpf.Program { return o.CloseX },
	"openat":            func(o *kestrelObjects) *ebpf.Program { return o.OpenatX },
	"execve":            func(o *kestrelObjects) *ebpf.Program { return o.ExecveX },
	"execveat":          func(o *kestrelObjects) *ebpf.Program { return o.ExecveatX },
	"clone":             func(o *kestrelObjects) *ebpf.Program { return o.CloneX },
	"clone3":            func(o *kestrelObjects) *ebpf.Program { return o.Clone3X },
	"fork":              func(o *kestrelObjects) *ebpf.Program { return o.ForkX },
	"vfork":             func(o *kestrelObjects) *ebpf.Program { return o.VforkX },
	"open":              func(o *kestrelObjects) *ebpf.Program { return o.OpenX },
	"creat":             func(o *kestrelObjects) *ebpf.Program { return o.CreatX },
	"openat2":           func(o *kestrelObjects) *ebpf.Program { return o.Openat2X },
	"symlink":           func(o *kestrelObjects) *ebpf.Program { return o.SymlinkX },
	"symlinkat":         func(o *kestrelObjects) *ebpf.Program { return o.SymlinkatX },
	"link":              func(o *kestrelObjects) *ebpf.Program { return o.LinkX },
	"linkat":            func(o *kestrelObjects) *ebpf.Program { return o.LinkatX },
	"unlink":            func(o *kestrelObjects) *ebpf.Program { return o.UnlinkX },
	"unlinkat":          func(o *kestrelObjects) *ebpf.Program { return o.UnlinkatX },
	"rename":            func(o *kestrelObjects) *ebpf.Program { return o.RenameX },
	"renameat":          func(o *kestrelObjects) *ebpf.Program { return o.RenameatX },
	"renameat2":         func(o *kestrelObjects) *ebpf.Program { return o.Renameat2X },
	"mkdir":             func(o *kestrelObjects) *ebpf.Program { return o.MkdirX },
	"mkdirat":           func(o *kestrelObjects) *ebpf.Program { return o.MkdiratX },
	"rmdir":             func(o *kestrelObjects) *ebpf.Program { return o.RmdirX },
	"chmod":             func(o *kestrelObjects) *ebpf.Program { return o.ChmodX },
	"fchmod":            func(o *kestrelObjects) *ebpf.Program { return o.FchmodX },
	"fchmodat":          func(o *kestrelObjects) *ebpf.Program { return o.FchmodatX },
	"chdir":             func(o *kestrelObjects) *ebpf.Program { return o.ChdirX },
	"fchdir":            func(o *kestrelObjects) *ebpf.Program { return o.FchdirX },
	"chroot":            func(o *kestrelObjects) *ebpf.Program { return o.ChrootX },
	"mount":             func(o *kestrelObjects) *ebpf.Program { return o.MountX },
	"umount2":           func(o *kestrelObjects) *ebpf.Program { return o.Umount2X },
	"memfd_create":      func(o *kestrelObjects) *ebpf.Program { return o.MemfdCreateX },
	"setuid":            func(o *kestrelObjects) *ebpf.Program { return o.SetuidX },
	"setgid":            func(o *kestrelObjects) *ebpf.Program { return o.SetgidX },
	"setresuid":         func(o *kestrelObjects) *ebpf.Program { return o.SetresuidX },
	"setresgid":         func(o *kestrelObjects) *ebpf.Program { return o.SetresgidX },
	"setsid":            func(o *kestrelObjects) *ebpf.Program { return o.SetsidX },
	"init_module":       func(o *kestrelObjects) *ebpf.Program { return o.InitModuleX },
	"finit_module":      func(o *kestrelObjects) *ebpf.Program { return o.FinitModuleX },
	"dup":               func(o *kestrelObjects) *ebpf.Program { return o.DupX },
	"dup2":              func(o *kestrelObjects) *ebpf.Program { return o.Dup2X },
	"dup3":              func(o *kestrelObjects) *ebpf.Program { return o.Dup3X },
	"pipe":              func(o *kestrelObjects) *ebpf.Program { return o.PipeX },
	"ptrace":            func(o *kestrelObjects) *ebpf.Program { return o.PtraceX },
	"socket":            func(o *kestrelObjects) *ebpf.Program { return o.SocketX },
	"bind":              func(o *kestrelObjects) *ebpf.Program { return o.BindX },
	"connect":           func(o *kestrelObjects) *ebpf.Program { return o.ConnectX },
	"accept":            func(o *kestrelObjects) *ebpf.Program { return o.AcceptX },
	"accept4":           func(o *kestrelObjects) *ebpf.Program { return o.Accept4X },
	"listen":            func(o *kestrelObjects) *ebpf.Program { return o.ListenX },
	"sendto":            func(o *kestrelObjects) *ebpf.Program { return o.SendtoX },
	"recvfrom":          func(o *kestrelObjects) *ebpf.Program { return o.RecvfromX },
	"shutdown":          func(o *kestrelObjects) *ebpf.Program { return o.ShutdownX },
	"chown":             func(o *kestrelObjects) *ebpf.Program { return o.ChownX },
	"lchown":            func(o *kestrelObjects) *ebpf.Program { return o.LchownX },
	"fchown":            func(o *kestrelObjects) *ebpf.Program { return o.FchownX },
	"fchownat":          func(o *kestrelObjects) *ebpf.Program { return o.FchownatX },
	"setreuid":          func(o *kestrelObjects) *ebpf.Program { return o.SetreuidX },
	"setregid":          func(o *kestrelObjects) *ebpf.Program { return o.SetregidX },
	"setpgid":           func(o *kestrelObjects) *ebpf.Program { return o.SetpgidX },
	"capset":            func(o *kestrelObjects) *ebpf.Program { return o.CapsetX },
	"fcntl":             func(o *kestrelObjects) *ebpf.Program { return o.FcntlX },
	"eventfd":           func(o *kestrelObjects) *ebpf.Program { return o.EventfdX },
	"eventfd2":          func(o *kestrelObjects) *ebpf.Program { return o.Eventfd2X },
	"signalfd":          func(o *kestrelObjects) *ebpf.Program { return o.SignalfdX },
	"signalfd4":         func(o *kestrelObjects) *ebpf.Program { return o.Signalfd4X },
	"inotify_init":      func(o *kestrelObjects) *ebpf.Program { return o.InotifyInitX },
	"inotify_init1":     func(o *kestrelObjects) *ebpf.Program { return o.InotifyInit1X },
	"timerfd_create":    func(o *kestrelObjects) *ebpf.Program { return o.TimerfdCreateX },
	"epoll_create":      func(o *kestrelObjects) *ebpf.Program { return o.EpollCreateX },
	"epoll_create1":     func(o *kestrelObjects) *ebpf.Program { return o.EpollCreate1X },
	"userfaultfd":       func(o *kestrelObjects) *ebpf.Program { return o.UserfaultfdX },
	"prctl":             func(o *kestrelObjects) *ebpf.Program { return o.PrctlX },
	"setrlimit":         func(o *kestrelObjects) *ebpf.Program { return o.SetrlimitX },
	"prlimit64":         func(o *kestrelObjects) *ebpf.Program { return o.Prlimit64X },
	"close_range":       func(o *kestrelObjects) *ebpf.Program { return o.CloseRangeX },
	"pidfd_open":        func(o *kestrelObjects) *ebpf.Program { return o.PidfdOpenX },
	"pidfd_getfd":       func(o *kestrelObjects) *ebpf.Program { return o.PidfdGetfdX },
	"socketpair":        func(o *kestrelObjects) *ebpf.Program { return o.SocketpairX },
	"sendmsg":           func(o *kestrelObjects) *ebpf.Program { return o.SendmsgX },
	"recvmsg":           func(o *kestrelObjects) *ebpf.Program { return o.RecvmsgX },
	"getsockopt":        func(o *kestrelObjects) *ebpf.Program { return o.GetsockoptX },
	"io_uring_setup":    func(o *kestrelObjects) *ebpf.Program { return o.IoUringSetupX },
	"open_by_handle_at": func(o *kestrelObjects) *ebpf.Program { return o.OpenByHandleAtX },
	"unshare":           func(o *kestrelObjects) *ebpf.Program { return o.UnshareX },
	"setns":             func(o *kestrelObjects) *ebpf.Program { return o.SetnsX },
	"bpf":               func(o *kestrelObjects) *ebpf.Program { return o.BpfX },
	"sendmmsg":          func(o *kestrelObjects) *ebpf.Program { return o.SendmmsgX },
	"recvmmsg":          func(o *kestrelObjects) *ebpf.Program { return o.RecvmmsgX },
	"read":              func(o *kestrelObjects) *ebpf.Program { return o.ReadX },
	"write":             func(o *kestrelObjects) *ebpf.Program { return o.WriteX },
	"pread64":           func(o *kestrelObjects) *ebpf.Program { return o.Pread64X },
	"pwrite64":          func(o *kestrelObjects) *ebpf.Program { return o.Pwrite64X },
	"readv":             func(o *kestrelObjects) *ebpf.Program { return o.ReadvX },
	"writev":            func(o *kestrelObjects) *ebpf.Program { return o.WritevX },
	"preadv":            func(o *kestrelObjects) *ebpf.Program { return o.PreadvX },
	"pwritev":           func(o *kestrelObjects) *ebpf.Program { return o.PwritevX },
	"sendfile":          func(o *kestrelObjects) *ebpf.Program { return o.SendfileX },
	"pipe2":             func(o *kestrelObjects) *ebpf.Program { return o.Pipe2X },
}

// fillers maps x86_64 syscall numbers to the exit programs: the
// syscall's own filler, or for Falco's generic syscalls (those with no
// event of their own) the generic one, so that every syscall a rule can
// name by evt.type is captured.
var fillers = func() map[int]func(*kestrelObjects) *ebpf.Program {
	m := map[int]func(*kestrelObjects) *ebpf.Program{}
	for _, sc := range event.GenericSyscalls() {
		if nr := event.LookupSyscall(sc).NativeX86_64; nr >= 0 && nr < nativeSyscalls {
			m[int(nr)] = func(o *kestrelObjects) *ebpf.Program { return o.GenericX }
		}
	}
	for name, prog := range fillerProgs {
		sc, ok := event.SyscallByName(name)
		if !ok || event.LookupSyscall(sc).NativeX86_64 < 0 {
			panic(fmt.Sprintf("probe: filler for %q, which is not an x86_64 syscall", name))
		}
		m[int(event.LookupSyscall(sc).NativeX86_64)] = prog
	}
	return m
}()

// SupportedSyscalls is every syscall the probe can capture.
func SupportedSyscalls() event.SyscallSet {
	var s event.SyscallSet
	for nr := range fillers {
		if n := event.NativeX86_64(nr); n != nil && n.Syscall != 0 {
			s.Add(n.Syscall)
		}
	}
	return s
}
