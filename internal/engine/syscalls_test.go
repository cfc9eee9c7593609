package engine

import (
	"slices"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// The syscall-code walk over libsinsp's filter_ppm_codes.ut.cpp cases
// (the testdata_sc_set variant), plus generic syscalls, which only the
// syscall walk can tell apart.
func syscallsOf(t *testing.T, cond string) []uint16 {
	t.Helper()
	e, err := lang.Parse(cond)
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	s, err := SyscallCodes(e, resolver)
	if err != nil {
		t.Fatalf("%s: %v", cond, err)
	}
	return s.Codes()
}

func TestSyscallCodes(t *testing.T) {
	sc := func(names ...string) []uint16 {
		var out []uint16
		for _, n := range names {
			c, ok := event.SyscallByName(n)
			if !ok {
				t.Fatalf("no syscall %s", n)
			}
			out = append(out, c)
		}
		slices.Sort(out)
		return out
	}
	all := event.AllSyscalls()
	without := func(names ...string) []uint16 {
		s := all
		for _, c := range sc(names...) {
			s.Remove(c)
		}
		return s.Slice()
	}
	cases := []struct {
		cond string
		want []uint16
	}{
		{"evt.type=openat", sc("openat")},
		{"not evt.type != openat", sc("openat")},
		{"not not not not evt.type = openat", sc("openat")},
		{"evt.type=openat and not (evt.type=close and proc.name=nginx)", sc("openat")},
		{"evt.type!=openat", without("openat")},
		{"evt.type=close or evt.type!=openat", without("openat")},
		{"evt.type in (openat, close)", sc("close", "openat")},
		{"evt.type=openat or evt.type=close", sc("close", "openat")},
		{"evt.type in (open, accept)", sc("open", "accept", "accept4")},
		{"evt.type=madvise", sc("madvise")}, // a generic syscall: its own code, not every generic one
		{"proc.name=nginx", all.Slice()},
		{"not proc.name=nginx", all.Slice()},
		{"evt.num=0", nil},
		{"evt.type=openat and evt.num=0", nil},
	}
	for _, c := range cases {
		if got := syscallsOf(t, c.cond); !slices.Equal(got, c.want) {
			t.Errorf("%s: %d syscalls %v, want %d %v", c.cond, len(got), short(got), len(c.want), short(c.want))
		}
	}
}
