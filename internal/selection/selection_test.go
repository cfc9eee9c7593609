package selection

import (
	"slices"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Expected sets computed from libs (event_table.c, syscall_table64.c and
// scap_ppm_sc.c compiled on x86_64, as Falco 0.44.0 pins them).
const libsStateSet = "open close creat chdir mount dup pipe fcntl chroot dup2 setsid setrlimit fchdir prctl capset " +
	"setreuid setregid setresuid setresgid setuid setgid epoll_create inotify_init openat signalfd timerfd_create " +
	"eventfd signalfd4 eventfd2 epoll_create1 dup3 pipe2 inotify_init1 prlimit64 socket bind connect accept " +
	"socketpair sendto recvfrom shutdown getsockopt sendmsg sendmmsg recvmsg recvmmsg accept4 fcntl64 umount fork " +
	"vfork setuid32 setgid32 setresuid32 setresgid32 userfaultfd openat2 umount2 execve execveat clone clone3 " +
	"open_by_handle_at io_uring_setup memfd_create pidfd_getfd pidfd_open close_range sched_process_exit"

func syscallNames(s event.SyscallSet) []string {
	var out []string
	s.ForEach(func(c uint16) { out = append(out, event.SyscallName(c)) })
	slices.Sort(out)
	return out
}

func sorted(list string) []string {
	f := strings.Fields(list)
	slices.Sort(f)
	return f
}

func TestLibsinspSets(t *testing.T) {
	if got, want := syscallNames(StateSet()), sorted(libsStateSet); !slices.Equal(got, want) {
		t.Errorf("state set:\n got %v\nwant %v", got, want)
	}
	if got, want := syscallNames(IOSet()), sorted("read write readv writev sendfile preadv pwritev sendto recvfrom "+
		"sendmsg sendmmsg recvmsg recvmmsg sendfile64 pread64 pwrite64 recv send"); !slices.Equal(got, want) {
		t.Errorf("io set:\n got %v\nwant %v", got, want)
	}
	ignored := IgnoredSet()
	if got, want := syscallNames(ignored), sorted("read write readv writev sendfile preadv pwritev sendfile64 pread64 "+
		"pwrite64 recv send"); !slices.Equal(got, want) {
		t.Errorf("ignored set:\n got %v\nwant %v", got, want)
	}
	// falco -i prints the event names of the ignored set.
	if got := strings.Join(Names(ignored), ", "); got != "pread, preadv, pwrite, pwritev, read, readv, recv, send, sendfile, write, writev" {
		t.Errorf("ignored names: %s", got)
	}
}

func TestRepairSet(t *testing.T) {
	base := sorted("clone clone3 fork vfork execve execveat fchdir chdir chroot capset setgid setgid32 setpgid " +
		"setresgid setresgid32 setresuid setresuid32 setsid setuid setuid32 prctl sched_process_exit")
	if got := syscallNames(RepairSet(event.SyscallSet{})); !slices.Equal(got, base) {
		t.Errorf("repair of nothing: %v", got)
	}
	got := syscallNames(RepairSet(event.SyscallsForNames("connect", "accept")))
	for _, want := range []string{"socket", "getsockopt", "close", "bind", "connect", "accept", "accept4"} {
		if !slices.Contains(got, want) {
			t.Errorf("repair of connect/accept lacks %s: %v", want, got)
		}
	}
	got = syscallNames(RepairSet(event.SyscallsForNames("openat")))
	if !slices.Contains(got, "close") || slices.Contains(got, "socket") {
		t.Errorf("repair of openat: %v", got)
	}
}

func TestSelect(t *testing.T) {
	rules := event.SyscallsForNames("execve", "openat", "write")
	res := Select(rules, Config{})
	if !res.Selected.Has(sc(t, "execve")) || !res.Selected.Has(sc(t, "clone")) || res.Selected.Has(sc(t, "write")) ||
		!res.Selected.Has(sc(t, "sched_process_exit")) {
		t.Errorf("default selection %v", syscallNames(res.Selected))
	}
	if got := Names(res.Unsupported); !slices.Equal(got, []string{"write"}) {
		t.Errorf("unsupported %v", got)
	}
	if w := UnsupportedWarning(res.Unsupported); !strings.HasPrefix(w, "Loaded rules match syscalls that are not activated") ||
		!strings.Contains(w, "warning (unsupported-evttype): write\nIf syscalls in rules include high volume syscalls") {
		t.Errorf("warning %q", w)
	}

	res = Select(rules, Config{All: true})
	if !res.Unsupported.IsEmpty() || !res.Selected.Has(sc(t, "write")) || UnsupportedWarning(res.Unsupported) != "" {
		t.Errorf("all: unsupported %v", Names(res.Unsupported))
	}

	// A custom set replaces the state set; negatives remove, even rules'.
	res = Select(rules, Config{CustomSet: []string{"clone", "!openat", "nosuch", "!alsonot"}, All: true})
	if res.Selected.Has(sc(t, "openat")) || res.Selected.Has(sc(t, "close")) || !res.Selected.Has(sc(t, "clone")) {
		t.Errorf("custom: %v", syscallNames(res.Selected))
	}
	if got := Names(res.Unsupported); !slices.Equal(got, []string{"openat"}) {
		t.Errorf("custom unsupported %v", got)
	}
	if !slices.Equal(res.Warnings, []string{
		"Invalid (positive) syscall names: warning (base_syscalls override): nosuch",
		"Invalid (negative) syscall names: warning (base_syscalls override): alsonot"}) {
		t.Errorf("warnings %q", res.Warnings)
	}

	// repair without a custom set: only what the rules need.
	res = Select(event.SyscallsForNames("openat"), Config{Repair: true})
	if res.Selected.Has(sc(t, "socket")) || !res.Selected.Has(sc(t, "close")) || !res.Selected.Has(sc(t, "execve")) {
		t.Errorf("repair: %v", syscallNames(res.Selected))
	}
}

func sc(t *testing.T, name string) uint16 {
	t.Helper()
	c, ok := event.SyscallByName(name)
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	return c
}
