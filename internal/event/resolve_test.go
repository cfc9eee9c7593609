package event

import (
	"slices"
	"testing"
)

func TestSyscallTable(t *testing.T) {
	if MaxSyscall != 454 || len(Syscalls()) != MaxSyscall {
		t.Fatalf("syscall table size %d", len(Syscalls()))
	}
	named, generic, native := 0, 0, 0
	for i, s := range Syscalls() {
		if int(s.Code) != i {
			t.Fatalf("syscall entry %d has code %d", i, s.Code)
		}
		if s.Name != "" {
			named++
			if c, ok := SyscallByName(s.Name); !ok || c != s.Code {
				t.Errorf("SyscallByName(%q) = %d, %v", s.Name, c, ok)
			}
		}
		if s.Generic {
			generic++
			if s.Events != nil {
				t.Errorf("%s: generic with events %v", s.Name, s.Events)
			}
		}
		if s.NativeX86_64 >= 0 {
			native++
			n := NativeX86_64(int(s.NativeX86_64))
			if n == nil || n.Syscall != s.Code {
				t.Errorf("%s: native %d maps back to %+v", s.Name, s.NativeX86_64, n)
			}
			if SyscallFromNativeX86_64(int(s.NativeX86_64)) != s.Code {
				t.Errorf("%s: SyscallFromNativeX86_64", s.Name)
			}
			if s.Generic != (n.Flags&UFUsed == 0) {
				t.Errorf("%s: generic %v but native flags %v", s.Name, s.Generic, n.Flags)
			}
			if s.Generic && (n.Enter != GenericE || n.Exit != GenericX) {
				t.Errorf("%s: generic native events %d/%d", s.Name, n.Enter, n.Exit)
			}
			if !s.Generic && !slices.Contains(s.Events, n.Exit) {
				t.Errorf("%s: native exit %d not among %v", s.Name, n.Exit, s.Events)
			}
		}
	}
	if named != 453 || generic != 272 || native != 373 || len(GenericSyscalls()) != 272 {
		t.Errorf("named %d generic %d native %d", named, generic, native)
	}
	if SyscallName(0) != "unknown" || SyscallName(382) != "" || SyscallName(MaxSyscall) != "" || LookupSyscall(MaxSyscall) != nil {
		t.Error("special syscall names")
	}
	for _, c := range []struct {
		code   uint16
		want   uint16
		name   string
		native int16
		events []uint16
	}{
		{ScOpen, 5, "open", 2, []uint16{OpenE, OpenX}},
		{ScMprotect, 75, "mprotect", 10, []uint16{MprotectE, MprotectX}},
		{ScConnect, 243, "connect", 42, []uint16{ConnectE, ConnectX}},
		{ScOpenat, 197, "openat", 257, []uint16{OpenatE, OpenatX, OpenatE2, OpenatX2}},
		{ScMadvise, 139, "madvise", 28, nil},
		{ScSocketcall, 277, "socketcall", -1, nil},
		{ScNewselect, 283, "_newselect", -1, nil},
		{ScSchedProcessExit, 396, "sched_process_exit", -1, []uint16{ProcexitE, ProcexitE1}},
	} {
		s := LookupSyscall(c.code)
		if c.code != c.want || s.Name != c.name || s.NativeX86_64 != c.native || !slices.Equal(s.Events, c.events) {
			t.Errorf("syscall %d: %+v", c.want, s)
		}
	}
	if !LookupSyscall(ScMadvise).Generic || LookupSyscall(ScMprotect).Generic {
		t.Error("madvise is generic, mprotect is not")
	}
	if n := NativeX86_64(59); n.Syscall != ScExecve || n.Enter != ExecveE19 || n.Exit != ExecveX19 ||
		n.Flags != UFUsed|UFNeverDrop {
		t.Errorf("x86_64 execve: %+v", n)
	}
	if NativeX86_64(-1) != nil || NativeX86_64(NativeTableSize) != nil || SyscallFromNativeX86_64(9999) != 0 {
		t.Error("native out of range")
	}
	if _, ok := SyscallByName(""); ok {
		t.Error(`SyscallByName("") must fail`)
	}
	if got := SyscallsForEvent(GetrlimitX); !slices.Equal(got, []uint16{ScGetrlimit, ScUgetrlimit}) {
		t.Errorf("getrlimit syscalls: %v", got)
	}
	if SyscallsForEvent(ContainerE) != nil || len(SyscallsForEvent(GenericE)) != 272 {
		t.Error("SyscallsForEvent")
	}
}

func TestCodesForName(t *testing.T) {
	for _, c := range []struct {
		name string
		want []uint16
	}{
		{"open", []uint16{OpenE, OpenX}},
		{"openat", []uint16{OpenatE, OpenatX, OpenatE2, OpenatX2}},
		{"execve", []uint16{ExecveE8, ExecveX8, ExecveE13, ExecveX13, ExecveE14, ExecveX14, ExecveE15, ExecveX15,
			ExecveE16, ExecveX16, ExecveE17, ExecveX17, ExecveE18, ExecveX18, ExecveE19, ExecveX19}},
		{"connect", []uint16{ConnectE, ConnectX}},
		// mprotect has its own event pair; it is not a generic syscall.
		{"mprotect", []uint16{MprotectE, MprotectX}},
		// Generic syscalls resolve to the generic pair.
		{"madvise", []uint16{GenericE, GenericX}},
		{"gettid", []uint16{GenericE, GenericX}},
		// Any syscall name that is not an event name does, too.
		{"pread64", []uint16{GenericE, GenericX}},
		{"unknown", []uint16{GenericE, GenericX}},
		{"", []uint16{GenericE, GenericX}},
		{"pread", []uint16{PreadE, PreadX}},
		{"accept", []uint16{AcceptE, AcceptX, Accept4E, Accept4X, AcceptE5, AcceptX5, Accept4E5, Accept4X5}},
		{"accept4", []uint16{Accept4E6, Accept4X6}},
		{"switch", []uint16{SchedswitchE1, SchedswitchE6}},
		{"container", []uint16{ContainerE, ContainerJsonE, ContainerJsonE2}},
		{"asyncevent", []uint16{AsyncEventCode}},
		// Codes 0 and 1 are not searched by name.
		{"syscall", nil},
		{"no_such_thing", nil},
	} {
		got := CodesForName(c.name).Slice()
		if !slices.Equal(got, c.want) {
			t.Errorf("CodesForName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
	if CodesForName("NA").Count() != 35 {
		t.Error(`"NA" matches every placeholder`)
	}
	got := CodesForNames("open", "madvise", "bogus")
	if want := SetOf(GenericE, GenericX, OpenE, OpenX); got != want {
		t.Errorf("CodesForNames = %v, want %v", got, want)
	}
}

func TestIsKnownName(t *testing.T) {
	for name, want := range map[string]bool{
		"open": true, "execve": true, "madvise": true, "pread64": true, "syscall": true, "NA": true,
		"unknown": true, "": true, "switch": true, "container": true,
		"no_such_thing": false, "Open": false, "myplugin_event": false,
	} {
		if IsKnownName(name) != want {
			t.Errorf("IsKnownName(%q) = %v", name, !want)
		}
	}
}

func TestResolverAsyncNames(t *testing.T) {
	r := NewResolver("myplugin_event", "container")
	if got := r.CodesForName("myplugin_event"); got != SetOf(AsyncEventCode) {
		t.Errorf("async name: %v", got)
	}
	if got := r.CodesForName("container"); got != SetOf(ContainerE, ContainerJsonE, ContainerJsonE2, AsyncEventCode) {
		t.Errorf("container with the container plugin: %v", got)
	}
	if !r.IsKnownName("myplugin_event") || IsKnownName("myplugin_event") {
		t.Error("IsKnownName with async names")
	}
	var nilResolver *Resolver
	if nilResolver.CodesForName("open") != SetOf(OpenE, OpenX) {
		t.Error("nil resolver")
	}
}

func TestSyscallsForNames(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  []uint16
	}{
		{[]string{"open"}, []uint16{ScOpen}},
		{[]string{"execve", "connect"}, []uint16{ScConnect, ScExecve}},
		{[]string{"accept"}, []uint16{ScAccept, ScAccept4}},
		{[]string{"madvise"}, []uint16{ScMadvise}},
		{[]string{"madvise", "gettid", "open"}, []uint16{ScOpen, ScMadvise, ScGettid}},
		{[]string{"pread64"}, nil},
		{[]string{"getrlimit"}, []uint16{ScGetrlimit, ScUgetrlimit}},
		{[]string{"switch"}, []uint16{ScSchedSwitch}},
		{[]string{"container"}, nil},
		{[]string{"bogus"}, nil},
	} {
		if got := SyscallsForNames(c.names...).Slice(); !slices.Equal(got, c.want) {
			t.Errorf("SyscallsForNames(%v) = %v, want %v", c.names, got, c.want)
		}
	}
}

func TestCodesForCheck(t *testing.T) {
	open := SetOf(OpenE, OpenX)
	for _, c := range []struct {
		op      string
		names   []string
		negated bool
		want    Set
		ok      bool
	}{
		{"=", []string{"open"}, false, open, true},
		{"==", []string{"open"}, false, open, true},
		{"in", []string{"open", "connect"}, false, SetOf(OpenE, OpenX, ConnectE, ConnectX), true},
		{"=", []string{"open"}, true, open.Complement(), true},
		{"!=", []string{"open"}, false, open.Complement(), true},
		{"!=", []string{"open"}, true, open, true},
		{"=", []string{"bogus"}, false, Set{}, true},
		{"!=", []string{"bogus"}, false, AllCodes(), true},
		{"exists", nil, false, AllCodes(), true},
		{"exists", nil, true, Set{}, true},
		{"contains", []string{"open"}, false, AllCodes(), false},
		{"pmatch", []string{"open"}, true, AllCodes(), false},
	} {
		got, ok := CodesForCheck(c.op, c.names, c.negated)
		if got != c.want || ok != c.ok {
			t.Errorf("CodesForCheck(%q, %v, %v) = %d codes, %v; want %d codes, %v",
				c.op, c.names, c.negated, got.Count(), ok, c.want.Count(), c.ok)
		}
	}
}

func TestSyscallsForCheck(t *testing.T) {
	open := SyscallSetOf(ScOpen)
	for _, c := range []struct {
		op      string
		negated bool
		want    SyscallSet
		ok      bool
	}{
		{"=", false, open, true},
		{"=", true, open.Complement(), true},
		{"!=", false, open.Complement(), true},
		{"!=", true, open, true},
		{"exists", true, SyscallSet{}, true},
		{"glob", false, AllSyscalls(), false},
	} {
		got, ok := SyscallsForCheck(c.op, []string{"open"}, c.negated)
		if got != c.want || ok != c.ok {
			t.Errorf("SyscallsForCheck(%q, open, %v) = %d codes, %v", c.op, c.negated, got.Count(), ok)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	names := []string{"open", "madvise", "execve"}
	var sink Set
	var sinkName string
	allocs := testing.AllocsPerRun(100, func() {
		sink = CodesForName("openat")
		sink = sink.Union(CodesForNames(names...))
		_ = SyscallsForNames(names...)
		sinkName = Name(ExecveX19)
		_ = Lookup(OpenX)
		_ = IsKnownName("connect")
		sink = sink.Complement().Intersect(AllCodes())
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
	_, _ = sink, sinkName
}

func BenchmarkCodesForName(b *testing.B) {
	for b.Loop() {
		_ = CodesForName("execve")
	}
}

func BenchmarkLookup(b *testing.B) {
	var n int
	for b.Loop() {
		n += len(Lookup(OpenatX2).Params)
	}
	_ = n
}
