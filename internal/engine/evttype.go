package engine

import (
	"errors"
	"math/bits"

	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// CodeSet is a set of event codes.
type CodeSet []uint64

func newCodeSet(max int) CodeSet { return make(CodeSet, (max+63)/64) }

func allCodes(max int) CodeSet {
	s := newCodeSet(max)
	for i := 0; i < max; i++ {
		s[i>>6] |= 1 << (uint(i) & 63)
	}
	return s
}

// Add inserts a code.
func (s CodeSet) Add(code uint16) {
	if int(code>>6) < len(s) {
		s[code>>6] |= 1 << (code & 63)
	}
}

// Has reports whether code is in the set.
func (s CodeSet) Has(code uint16) bool {
	i := int(code >> 6)
	return i < len(s) && s[i]&(1<<(code&63)) != 0
}

// Len is the number of codes in the set.
func (s CodeSet) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// Codes lists the codes in ascending order.
func (s CodeSet) Codes() []uint16 {
	var out []uint16
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, uint16(i*64+b))
			w &^= 1 << uint(b)
		}
	}
	return out
}

func (s CodeSet) intersect(o CodeSet) CodeSet {
	r := make(CodeSet, len(s))
	for i := range s {
		r[i] = s[i] & o[i]
	}
	return r
}

func (s CodeSet) union(o CodeSet) CodeSet {
	r := make(CodeSet, len(s))
	for i := range s {
		r[i] = s[i] | o[i]
	}
	return r
}

func (s CodeSet) diff(o CodeSet) CodeSet {
	r := make(CodeSet, len(s))
	for i := range s {
		r[i] = s[i] &^ o[i]
	}
	return r
}

// EventCodes derives the set of event codes for which a condition (with
// macros expanded) can be true, the way libsinsp does: evt.type checks give
// explicit sets, and/or intersect/union, negation is pushed down to the
// leaves by De Morgan's laws and complements only sets that came from
// evt.type values, other checks match every code, and checks that the
// evt.num >= 1 invariant decides (the never_true idiom `evt.num = 0`) give
// the empty or the full set. The walk keeps libsinsp's visitor state,
// quirks included, so rules land in the same buckets as in Falco.
func EventCodes(e lang.Expr, et EventTypes) (CodeSet, error) {
	max := et.Max()
	return visitCodes(e, allCodes(max), func(names []string) CodeSet {
		s := newCodeSet(max)
		for _, n := range names {
			codes, _ := et.Codes(n)
			for _, c := range codes {
				s.Add(c)
			}
		}
		return s
	})
}

// SyscallTypes maps evt.type names to syscall codes, for the syscall set a
// condition needs (what the driver must capture).
type SyscallTypes interface {
	// SyscallCodes returns the syscall codes "evt.type in (names)" selects
	// (libsinsp's event_names_to_sc_set).
	SyscallCodes(names []string) []uint16
	// AllSyscallCodes lists every assigned syscall code, the universe
	// negation complements against.
	AllSyscallCodes() []uint16
	// MaxSyscall is one past the largest syscall code.
	MaxSyscall() int
}

// SyscallCodes derives the set of syscall codes a condition needs, with the
// same walk as EventCodes over syscall codes instead of event codes, as
// libsinsp's ppm_sc_codes does (Falco builds its driver's syscall set from
// it).
func SyscallCodes(e lang.Expr, st SyscallTypes) (CodeSet, error) {
	max := st.MaxSyscall()
	universe := newCodeSet(max)
	for _, c := range st.AllSyscallCodes() {
		universe.Add(c)
	}
	return visitCodes(e, universe, func(names []string) CodeSet {
		s := newCodeSet(max)
		for _, c := range st.SyscallCodes(names) {
			s.Add(c)
		}
		return s
	})
}

func visitCodes(e lang.Expr, universe CodeSet, resolve func([]string) CodeSet) (CodeSet, error) {
	v := &codeVisitor{universe: universe, resolve: resolve}
	v.visit(e)
	if v.err != "" {
		return nil, errors.New(v.err)
	}
	return v.codes, nil
}

type codeVisitor struct {
	universe CodeSet
	resolve  func(names []string) CodeSet

	isEvtTypeField  bool
	isFieldOrTransf bool
	insideNegation  bool
	hasCodes        bool
	codes           CodeSet
	err             string
}

func (v *codeVisitor) all() CodeSet   { return append(CodeSet(nil), v.universe...) }
func (v *codeVisitor) empty() CodeSet { return make(CodeSet, len(v.universe)) }

func (v *codeVisitor) invert(s CodeSet) CodeSet {
	if v.hasCodes {
		return v.all().diff(s)
	}
	return s
}

func (v *codeVisitor) tryInvert(s CodeSet) CodeSet {
	if v.insideNegation {
		return v.invert(s)
	}
	return s
}

func (v *codeVisitor) names(names []string) CodeSet { return v.resolve(names) }

func (v *codeVisitor) conjunction(children []lang.Expr) {
	types := v.all()
	for _, c := range children {
		v.visit(c)
		types = types.intersect(v.codes)
	}
	v.codes = types
	v.isEvtTypeField = false
}

func (v *codeVisitor) disjunction(children []lang.Expr) {
	types := v.empty()
	for _, c := range children {
		v.visit(c)
		types = types.union(v.codes)
	}
	v.codes = types
	v.isEvtTypeField = false
}

func (v *codeVisitor) visit(e lang.Expr) {
	switch n := e.(type) {
	case *lang.And:
		if v.insideNegation {
			v.disjunction(n.Children)
		} else {
			v.conjunction(n.Children)
		}
	case *lang.Or:
		if v.insideNegation {
			v.conjunction(n.Children)
		} else {
			v.disjunction(n.Children)
		}
	case *lang.Not:
		v.codes = v.empty()
		saved := v.insideNegation
		v.insideNegation = !v.insideNegation
		v.visit(n.Child)
		v.insideNegation = saved
		v.isEvtTypeField = false
	case *lang.BinaryCheck:
		v.binary(n)
	case *lang.UnaryCheck:
		v.visit(n.Left)
		v.hasCodes = v.isEvtTypeField && n.Op == "exists"
		v.codes = v.tryInvert(v.all())
		v.isEvtTypeField = false
	case *lang.Identifier:
		v.hasCodes = false
		v.isEvtTypeField = false
		v.codes = v.tryInvert(v.all())
	case *lang.Value:
		v.hasCodes = true
		v.codes = v.tryInvert(v.names([]string{n.Value}))
		v.isEvtTypeField = false
	case *lang.List:
		v.hasCodes = true
		v.codes = v.tryInvert(v.names(n.Values))
		v.isEvtTypeField = false
	case *lang.TransformerList:
		for _, c := range n.Items {
			v.visit(c)
		}
	case *lang.Field:
		v.hasCodes = false
		v.isFieldOrTransf = true
		v.isEvtTypeField = (n.Name == "evt.type" || n.Name == "syscall.type") && !n.HasArg
		v.codes = v.tryInvert(v.all())
	case *lang.Transformer:
		for _, c := range n.Args {
			v.visit(c)
			if v.isEvtTypeField && v.err == "" {
				v.err = "event code search does not support `evt.type` checks with transformers"
			}
		}
		v.isFieldOrTransf = true
	}
}

func (v *codeVisitor) binary(n *lang.BinaryCheck) {
	v.hasCodes = false
	switch evtNumInvariant(n) {
	case invariantEmpty:
		v.codes = v.empty()
		v.hasCodes = true
		v.isEvtTypeField = false
		v.codes = v.tryInvert(v.codes)
		return
	case invariantAll:
		v.codes = v.all()
		v.hasCodes = true
		v.isEvtTypeField = false
		v.codes = v.tryInvert(v.codes)
		return
	}
	if n.Op == "==" || n.Op == "=" || n.Op == "!=" || n.Op == "in" {
		v.visit(n.Left)
		if v.isEvtTypeField {
			v.isFieldOrTransf = false
			v.visit(n.Right)
			if v.isFieldOrTransf && v.err == "" {
				v.err = "right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search"
			}
			if n.Op == "!=" {
				v.codes = v.invert(v.codes)
			}
			v.isEvtTypeField = false
			return
		}
	}
	v.codes = v.tryInvert(v.all())
	v.isEvtTypeField = false
}

type invariant int

const (
	invariantUnknown invariant = iota
	invariantEmpty
	invariantAll
)

// evtNumInvariant decides checks on evt.num, whose values start at 1.
func evtNumInvariant(n *lang.BinaryCheck) invariant {
	f, ok := n.Left.(*lang.Field)
	if !ok || f.Name != "evt.num" || f.HasArg {
		return invariantUnknown
	}
	if n.Op == "in" {
		l, ok := n.Right.(*lang.List)
		if !ok {
			return invariantUnknown
		}
		for _, s := range l.Values {
			if u, ok := scanU64(s); !ok || u != 0 {
				return invariantUnknown
			}
		}
		return invariantEmpty
	}
	val, ok := n.Right.(*lang.Value)
	if !ok {
		return invariantUnknown
	}
	u, ok := scanU64(val.Value)
	if !ok {
		return invariantUnknown
	}
	switch n.Op {
	case "=", "==":
		if u == 0 {
			return invariantEmpty
		}
	case "!=":
		if u == 0 {
			return invariantAll
		}
	case "<":
		if u <= 1 {
			return invariantEmpty
		}
	case "<=":
		if u == 0 {
			return invariantEmpty
		}
	case ">":
		if u == 0 {
			return invariantAll
		}
	case ">=":
		if u <= 1 {
			return invariantAll
		}
	}
	return invariantUnknown
}

// scanU64 is sinsp_numparser::tryparseu64.
func scanU64(s string) (uint64, bool) { return scanUnsigned(s) }
