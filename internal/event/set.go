package event

import (
	"math/bits"
	"strconv"
	"strings"
)

// setWords is the number of 64-bit words needed for both code spaces.
const setWords = (max(MaxCode, MaxSyscall) + 63) / 64

// words is the storage shared by Set and SyscallSet.
type words [setWords]uint64

func (w *words) add(c uint16)      { w[c>>6] |= 1 << (c & 63) }
func (w *words) remove(c uint16)   { w[c>>6] &^= 1 << (c & 63) }
func (w *words) has(c uint16) bool { return w[c>>6]&(1<<(c&63)) != 0 }

func (w *words) count() int {
	n := 0
	for _, x := range w {
		n += bits.OnesCount64(x)
	}
	return n
}

func (w *words) empty() bool {
	for _, x := range w {
		if x != 0 {
			return false
		}
	}
	return true
}

func (w *words) forEach(fn func(uint16)) {
	for i, x := range w {
		for x != 0 {
			b := bits.TrailingZeros64(x)
			fn(uint16(i*64 + b))
			x &= x - 1
		}
	}
}

func (w *words) appendTo(dst []uint16) []uint16 {
	for i, x := range w {
		for x != 0 {
			b := bits.TrailingZeros64(x)
			dst = append(dst, uint16(i*64+b))
			x &= x - 1
		}
	}
	return dst
}

func (w *words) format(name func(uint16) string) string {
	var sb strings.Builder
	sb.WriteByte('{')
	first := true
	w.forEach(func(c uint16) {
		if !first {
			sb.WriteString(", ")
		}
		first = false
		sb.WriteString(strconv.Itoa(int(c)))
		if n := name(c); n != "" {
			sb.WriteByte('(')
			sb.WriteString(n)
			sb.WriteByte(')')
		}
	})
	sb.WriteByte('}')
	return sb.String()
}

// Set is a set of event codes, stored as a fixed-size bitset. The zero value
// is the empty set. Sets are values: copying one copies its contents, and
// == compares contents. No method allocates except Slice and String.
type Set struct{ w words }

// allEvents holds every code from 0 to MaxCode-1, which is what libsinsp's
// all_event_set contains (placeholder codes included).
var allEvents = func() Set {
	var s Set
	for c := uint16(0); c < MaxCode; c++ {
		s.w.add(c)
	}
	return s
}()

// AllCodes returns the set of every event code (0 through MaxCode-1).
func AllCodes() Set { return allEvents }

// SetOf returns the set of the given codes; codes out of range are ignored.
func SetOf(codes ...uint16) Set {
	var s Set
	for _, c := range codes {
		s.Add(c)
	}
	return s
}

// Add inserts code; codes out of range are ignored.
func (s *Set) Add(code uint16) {
	if code < MaxCode {
		s.w.add(code)
	}
}

// Remove deletes code.
func (s *Set) Remove(code uint16) {
	if code < MaxCode {
		s.w.remove(code)
	}
}

// Has reports whether code is in the set.
func (s Set) Has(code uint16) bool { return code < MaxCode && s.w.has(code) }

// Union returns s ∪ o.
func (s Set) Union(o Set) Set {
	for i := range s.w {
		s.w[i] |= o.w[i]
	}
	return s
}

// Intersect returns s ∩ o.
func (s Set) Intersect(o Set) Set {
	for i := range s.w {
		s.w[i] &= o.w[i]
	}
	return s
}

// Diff returns the codes of s that are not in o.
func (s Set) Diff(o Set) Set {
	for i := range s.w {
		s.w[i] &^= o.w[i]
	}
	return s
}

// Complement returns AllCodes() minus s, which is how libsinsp negates a set
// of event codes.
func (s Set) Complement() Set { return allEvents.Diff(s) }

// Count returns the number of codes in the set.
func (s Set) Count() int { return s.w.count() }

// IsEmpty reports whether the set has no codes.
func (s Set) IsEmpty() bool { return s.w.empty() }

// ForEach calls fn for every code, in increasing order.
func (s Set) ForEach(fn func(code uint16)) { s.w.forEach(fn) }

// AppendTo appends the codes, in increasing order, to dst.
func (s Set) AppendTo(dst []uint16) []uint16 { return s.w.appendTo(dst) }

// Slice returns the codes in increasing order.
func (s Set) Slice() []uint16 { return s.w.appendTo(make([]uint16, 0, s.Count())) }

// String renders the set as "{2(open), 3(open)}".
func (s Set) String() string { return s.w.format(Name) }

// SyscallSet is a set of syscall codes, stored as a fixed-size bitset. The
// zero value is the empty set. It behaves like Set.
type SyscallSet struct{ w words }

// allSyscallCodes holds what libsinsp's all_sc_set contains: every syscall
// code except 0 ("unknown") and the unassigned codes.
var allSyscallCodes = func() SyscallSet {
	var s SyscallSet
	for c := uint16(1); c < MaxSyscall; c++ {
		if syscalls[c].Name != "" {
			s.w.add(c)
		}
	}
	return s
}()

// AllSyscalls returns the set of every assigned syscall code except
// "unknown" (code 0).
func AllSyscalls() SyscallSet { return allSyscallCodes }

// SyscallSetOf returns the set of the given codes; codes out of range are
// ignored.
func SyscallSetOf(codes ...uint16) SyscallSet {
	var s SyscallSet
	for _, c := range codes {
		s.Add(c)
	}
	return s
}

// Add inserts code; codes out of range are ignored.
func (s *SyscallSet) Add(code uint16) {
	if code < MaxSyscall {
		s.w.add(code)
	}
}

// Remove deletes code.
func (s *SyscallSet) Remove(code uint16) {
	if code < MaxSyscall {
		s.w.remove(code)
	}
}

// Has reports whether code is in the set.
func (s SyscallSet) Has(code uint16) bool { return code < MaxSyscall && s.w.has(code) }

// Union returns s ∪ o.
func (s SyscallSet) Union(o SyscallSet) SyscallSet {
	for i := range s.w {
		s.w[i] |= o.w[i]
	}
	return s
}

// Intersect returns s ∩ o.
func (s SyscallSet) Intersect(o SyscallSet) SyscallSet {
	for i := range s.w {
		s.w[i] &= o.w[i]
	}
	return s
}

// Diff returns the codes of s that are not in o.
func (s SyscallSet) Diff(o SyscallSet) SyscallSet {
	for i := range s.w {
		s.w[i] &^= o.w[i]
	}
	return s
}

// Complement returns AllSyscalls() minus s, which is how libsinsp negates a
// set of syscall codes.
func (s SyscallSet) Complement() SyscallSet { return allSyscallCodes.Diff(s) }

// Count returns the number of codes in the set.
func (s SyscallSet) Count() int { return s.w.count() }

// IsEmpty reports whether the set has no codes.
func (s SyscallSet) IsEmpty() bool { return s.w.empty() }

// ForEach calls fn for every code, in increasing order.
func (s SyscallSet) ForEach(fn func(code uint16)) { s.w.forEach(fn) }

// AppendTo appends the codes, in increasing order, to dst.
func (s SyscallSet) AppendTo(dst []uint16) []uint16 { return s.w.appendTo(dst) }

// Slice returns the codes in increasing order.
func (s SyscallSet) Slice() []uint16 {
	return s.w.appendTo(make([]uint16, 0, s.Count()))
}

// String renders the set as "{5(open), 197(openat)}".
func (s SyscallSet) String() string { return s.w.format(SyscallName) }

// Events returns the event codes that report the syscalls of s, the way
// libscap maps syscall codes to events: every event (all versions, both
// directions) whose syscall list meets s, plus GenericE and GenericX when s
// holds a generic syscall.
func (s SyscallSet) Events() Set {
	var out Set
	for c := uint16(0); c < MaxCode; c++ {
		for _, sc := range SyscallsForEvent(c) {
			if s.Has(sc) {
				out.w.add(c)
				break
			}
		}
	}
	return out
}

// Syscalls returns the syscall codes reported by the events of s, the way
// libscap maps events to syscall codes (GenericE/GenericX bring in every
// generic syscall).
func (s Set) Syscalls() SyscallSet {
	var out SyscallSet
	s.ForEach(func(c uint16) {
		for _, sc := range SyscallsForEvent(c) {
			out.w.add(sc)
		}
	})
	return out
}
