package event

import (
	"slices"
	"testing"
)

func TestSetBasics(t *testing.T) {
	var s Set
	if !s.IsEmpty() || s.Count() != 0 || s.Has(0) {
		t.Fatal("zero Set must be empty")
	}
	s.Add(OpenE)
	s.Add(OpenX)
	s.Add(MaxCode - 1)
	s.Add(MaxCode) // out of range: ignored
	s.Add(0xffff)  // out of range: ignored
	if s.Count() != 3 || !s.Has(OpenE) || !s.Has(MaxCode-1) || s.Has(MaxCode) || s.Has(CloseE) {
		t.Fatalf("after Add: %v", s)
	}
	s.Remove(MaxCode - 1)
	s.Remove(MaxCode) // no-op
	if s != SetOf(OpenE, OpenX) {
		t.Fatalf("after Remove: %v", s)
	}
	if got := s.String(); got != "{2(open), 3(open)}" {
		t.Errorf("String = %q", got)
	}
	if got := (Set{}).String(); got != "{}" {
		t.Errorf("empty String = %q", got)
	}
}

func TestSetAlgebra(t *testing.T) {
	a := SetOf(0, 2, 3, 64, 200, 453)
	b := SetOf(3, 4, 64, 300)
	if got := a.Union(b).Slice(); !slices.Equal(got, []uint16{0, 2, 3, 4, 64, 200, 300, 453}) {
		t.Errorf("Union = %v", got)
	}
	if got := a.Intersect(b).Slice(); !slices.Equal(got, []uint16{3, 64}) {
		t.Errorf("Intersect = %v", got)
	}
	if got := a.Diff(b).Slice(); !slices.Equal(got, []uint16{0, 2, 200, 453}) {
		t.Errorf("Diff = %v", got)
	}
	// The operations work on copies.
	if a.Count() != 6 || b.Count() != 4 {
		t.Error("operands were modified")
	}
	c := a.Complement()
	if c.Count() != MaxCode-6 || c.Has(2) || !c.Has(1) || c.Has(MaxCode) {
		t.Errorf("Complement: %d codes", c.Count())
	}
	if c.Complement() != a || c.Union(a) != AllCodes() || !c.Intersect(a).IsEmpty() {
		t.Error("complement laws")
	}
	if AllCodes().Count() != MaxCode || (Set{}).Complement() != AllCodes() || !AllCodes().Complement().IsEmpty() {
		t.Error("AllCodes")
	}
	var seen []uint16
	a.ForEach(func(code uint16) { seen = append(seen, code) })
	if !slices.Equal(seen, a.Slice()) || !slices.Equal(a.AppendTo([]uint16{9}), append([]uint16{9}, seen...)) {
		t.Errorf("ForEach/AppendTo: %v", seen)
	}
}

func TestSyscallSet(t *testing.T) {
	all := AllSyscalls()
	if all.Count() != 452 || all.Has(0) || all.Has(382) || !all.Has(ScOpen) {
		t.Fatalf("AllSyscalls: %d codes", all.Count())
	}
	s := SyscallSetOf(ScOpen, ScMadvise, MaxSyscall)
	if s.Count() != 2 || s.Complement().Count() != 450 || s.Complement().Complement() != s {
		t.Errorf("SyscallSet complement: %v", s)
	}
	if got := s.String(); got != "{5(open), 139(madvise)}" {
		t.Errorf("String = %q", got)
	}
	if got := s.Events(); got != SetOf(GenericE, GenericX, OpenE, OpenX) {
		t.Errorf("Events = %v", got)
	}
	if got := SetOf(OpenE, GetrlimitX).Syscalls(); got != SyscallSetOf(ScOpen, ScGetrlimit, ScUgetrlimit) {
		t.Errorf("Syscalls = %v", got)
	}
	if got := SetOf(GenericX).Syscalls(); got.Count() != 272 || !got.Has(ScMadvise) {
		t.Errorf("generic Syscalls: %d", got.Count())
	}
	u := SyscallSetOf(ScOpen).Union(SyscallSetOf(ScClose))
	u.Remove(ScOpen)
	if u != SyscallSetOf(ScClose) || !u.Intersect(SyscallSetOf(ScOpen)).IsEmpty() ||
		u.Diff(u).Count() != 0 || !slices.Equal(u.AppendTo(nil), []uint16{ScClose}) {
		t.Errorf("SyscallSet ops: %v", u)
	}
	n := 0
	all.ForEach(func(uint16) { n++ })
	if n != 452 || !slices.Equal(all.Slice()[:2], []uint16{1, 2}) {
		t.Error("SyscallSet ForEach/Slice")
	}
}
