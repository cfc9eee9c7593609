package match

import (
	"errors"
	"strings"
)

// Glob is a compiled fnmatch(3) pattern: the right-hand side of a glob or
// iglob condition.
//
// The semantics are those of glibc's fnmatch with flags 0 (glob) or
// FNM_CASEFOLD (iglob) in the "C" locale, which is how libsinsp evaluates
// these operators (sinsp_utils::glob_match in userspace/libsinsp/utils.cpp):
//
//   - '*' matches any run of bytes and '?' any single byte, '/' and a
//     leading '.' included (no FNM_PATHNAME, no FNM_PERIOD);
//   - "[...]" is a bracket expression: members, ranges "a-z" (by byte
//     value), negation with a leading '!' or '^', ']' as first member,
//     classes "[:alpha:]" (alnum alpha blank cntrl digit graph lower print
//     punct space upper xdigit, ASCII only), "[=c=]" and "[.c.]";
//   - '\' makes the next byte literal, inside brackets too;
//   - iglob folds ASCII letters only; bytes >= 0x80 match exactly.
//
// fnmatch never reports a malformed pattern, and neither does Glob: a
// malformed pattern is matched the way glibc would match it. In particular an
// unterminated '[' matches a literal '[', a pattern ending in a lone '\'
// matches nothing, and a bracket with an unknown class name ("[[:foo:]]")
// or a collating symbol longer than one byte matches nothing. See
// glob_bracket.go for the complete list.
//
// Matching follows glibc's algorithm: the text between two stars is
// matched at the first position where it fits and that choice is never
// revisited (for well-formed patterns this is the textbook answer, since
// every element consumes exactly one byte). It therefore runs in
// O(len(pattern) × len(subject)) time at worst, with no exponential
// backtracking on patterns like "*a*a*a*b". Match never allocates and is
// safe for concurrent use.
type Glob struct {
	pattern string
	fold    bool

	// Fast path, used when the pattern is only literal bytes and stars:
	// the literal pieces between the stars (folded for iglob).
	literal bool
	pieces  []string

	// General case: one step per pattern offset (only the offsets
	// reachable from 0 are ever used), plus len(pattern) for the end.
	steps []globStep
}

type globStepKind uint8

const (
	gsEnd     globStepKind = iota // end of the pattern
	gsByte                        // one literal byte (folded for iglob)
	gsAny                         // '?'
	gsStar                        // a run of '*' and '?' containing a '*'
	gsBracket                     // '[' (a bracket expression, or a literal '[')
	gsFail                        // a trailing '\', which fails whatever follows
)

type globStep struct {
	kind globStepKind
	b    byte  // gsByte: the byte to match
	skip int32 // gsStar: how many '?' the run contains
	next int32 // gsByte, gsAny, gsStar: offset of the following step
	// gsBracket: precomputed outcome per subject byte (nil for the
	// brackets matching cannot reach).
	br *bracketTable
}

// bracketTable is the precomputed outcome of a bracket step: for subject
// byte b, conts[idx[b]] is the offset at which matching resumes, -1 when b
// is rejected. conts[0] is always -1.
type bracketTable struct {
	idx   [256]uint8
	conts []int32
}

// bracketBudget bounds the work spent precomputing bracket tables, in
// pattern bytes examined (it takes ~150ms to exhaust). Only patterns full
// of unterminated '[' come near it, since each of those makes the rest of
// the pattern a bracket of its own. libsinsp limits right-hand side values
// to 255 bytes; the costliest such pattern we know ('[' alternating with
// 127 distinct bytes) needs a tenth of the budget, and a crude
// upper bound for any of them (255 byte classes × 255 brackets × 4 bytes
// examined per remaining pattern byte / 2) stays below it.
const bracketBudget = 1 << 25

// ErrGlobTooComplex is returned for patterns whose bracket expressions
// would take too long to precompute (see bracketBudget): thousands of
// unterminated '[' in one pattern. fnmatch would accept them, but libsinsp
// refuses right-hand side values this long anyway ("filter parameter too
// long").
var ErrGlobTooComplex = errors.New("glob pattern too complex: too many unterminated '[' bracket expressions")

// CompileGlob compiles the right-hand side of a glob condition (fnmatch
// with flags 0). The pattern may not contain a NUL byte (see [CheckValue]);
// the only other error is [ErrGlobTooComplex].
func CompileGlob(pattern string) (*Glob, error) {
	return compileGlob(pattern, false)
}

// CompileIGlob compiles the right-hand side of an iglob condition
// (fnmatch with FNM_CASEFOLD, ASCII folding). The errors are those of
// [CompileGlob].
func CompileIGlob(pattern string) (*Glob, error) {
	return compileGlob(pattern, true)
}

// MustCompileGlob is CompileGlob for patterns known to be valid; it panics
// on error.
func MustCompileGlob(pattern string) *Glob {
	g, err := CompileGlob(pattern)
	if err != nil {
		panic(err)
	}
	return g
}

// MustCompileIGlob is CompileIGlob for patterns known to be valid; it
// panics on error.
func MustCompileIGlob(pattern string) *Glob {
	g, err := CompileIGlob(pattern)
	if err != nil {
		panic(err)
	}
	return g
}

// String returns the pattern the Glob was compiled from.
func (g *Glob) String() string { return g.pattern }

// CaseInsensitive reports whether g was compiled for iglob.
func (g *Glob) CaseInsensitive() bool { return g.fold }

func compileGlob(pattern string, fold bool) (*Glob, error) {
	if err := CheckValue(pattern); err != nil {
		return nil, err
	}
	g := &Glob{pattern: pattern, fold: fold}
	g.steps = make([]globStep, len(pattern)+1)
	for i := range g.steps {
		g.steps[i] = g.stepAt(i)
	}
	if pieces, ok := g.literalPieces(); ok {
		g.literal, g.pieces, g.steps = true, pieces, nil
		return g, nil
	}
	if !g.precomputeBrackets() {
		return nil, ErrGlobTooComplex
	}
	return g, nil
}

// stepAt decodes the pattern element starting at offset i, the way the
// main loop of glibc's fnmatch does.
func (g *Glob) stepAt(i int) globStep {
	pat := g.pattern
	if i == len(pat) {
		return globStep{kind: gsEnd}
	}
	switch c := pat[i]; c {
	case '?':
		return globStep{kind: gsAny, next: int32(i + 1)}
	case '\\':
		if i+1 == len(pat) {
			return globStep{kind: gsFail}
		}
		return globStep{kind: gsByte, b: foldIf(pat[i+1], g.fold), next: int32(i + 2)}
	case '*':
		j, q := i+1, 0
		for ; j < len(pat) && (pat[j] == '*' || pat[j] == '?'); j++ {
			if pat[j] == '?' {
				q++
			}
		}
		return globStep{kind: gsStar, skip: int32(q), next: int32(j)}
	case '[':
		return globStep{kind: gsBracket}
	default:
		return globStep{kind: gsByte, b: foldIf(c, g.fold), next: int32(i + 1)}
	}
}

// literalPieces splits a pattern made only of literal bytes and stars
// into the pieces between the stars.
func (g *Glob) literalPieces() ([]string, bool) {
	var pieces []string
	var cur []byte
	for pi := 0; ; {
		st := &g.steps[pi]
		switch st.kind {
		case gsByte:
			cur = append(cur, st.b)
			pi = int(st.next)
		case gsStar:
			if st.skip != 0 {
				return nil, false
			}
			pieces = append(pieces, string(cur))
			cur = cur[:0]
			pi = int(st.next)
		case gsEnd:
			return append(pieces, string(cur)), true
		default:
			return nil, false
		}
	}
}

// precomputeBrackets fills in the tables of the bracket steps reachable
// from the start of the pattern, which are the only ones matching can
// meet. It reports false when that exceeds bracketBudget.
func (g *Glob) precomputeBrackets() bool {
	seen := make([]bool, len(g.steps))
	queue := []int{0}
	seen[0] = true
	push := func(i int) {
		if i >= 0 && !seen[i] {
			seen[i] = true
			queue = append(queue, i)
		}
	}
	ev := bracketEval{pat: g.pattern, fold: g.fold}
	var classes *byteClasses
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		st := &g.steps[i]
		switch st.kind {
		case gsByte, gsAny, gsStar:
			push(int(st.next))
		case gsBracket:
			if classes == nil {
				classes = newByteClasses(g.pattern, g.fold)
			}
			st.br = ev.table(i, classes)
			if ev.work > bracketBudget {
				return false
			}
			for _, c := range st.br.conts {
				push(int(c))
			}
		}
	}
	return true
}

// table evaluates the bracket at offset open for every byte, once per
// class of bytes that the pattern cannot tell apart.
func (e *bracketEval) table(open int, classes *byteClasses) *bracketTable {
	t := &bracketTable{conts: []int32{-1}}
	var outcome [256]uint8
	for c, rep := range classes.rep {
		next := int32(e.next(open, rep))
		k := 0
		for k < len(t.conts) && t.conts[k] != next {
			k++
		}
		if k == len(t.conts) {
			t.conts = append(t.conts, next)
		}
		outcome[c] = uint8(k)
	}
	for b := 1; b < 256; b++ { // a subject never contains NUL
		t.idx[b] = outcome[classes.of[b]]
	}
	return t
}

// byteClasses partitions the subject bytes 1..255 into classes whose
// members every bracket expression of a pattern treats alike. Evaluating a
// bracket only ever compares the subject byte b with pattern bytes (raw b
// for "[=c=]", "[.c.]" and the literal '[' fallback; folded b for members
// and range bounds, with <= as well as ==) and tests its class
// memberships, so two bytes that compare the same way with every pattern
// byte and belong to the same classes give the same outcome. Patterns use
// few distinct bytes, so there are usually far fewer than 255 classes.
type byteClasses struct {
	of  [256]uint8 // class of each byte
	rep []byte     // one member of each class
}

func newByteClasses(pat string, fold bool) *byteClasses {
	var raw, pivots byteSet
	raw.add('[')
	pivots.add('[')
	for i := 0; i < len(pat); i++ {
		raw.add(pat[i])
		pivots.add(pat[i])
		pivots.add(lower(pat[i]))
	}
	// below[v] is the number of pivots smaller than v.
	var below [256]uint16
	for v, n := 1, uint16(0); v < 256; v++ {
		if pivots.has(byte(v - 1)) {
			n++
		}
		below[v] = n
	}
	bc := &byteClasses{}
	// A tiny open-addressing set of the signatures seen so far.
	var slots [512]uint64 // signature+1, 0 for empty
	var slotID [512]uint8
	for b := 1; b < 256; b++ {
		fb := foldIf(byte(b), fold)
		sig := uint64(below[fb])<<1 | boolBit(pivots.has(fb))
		raw9 := uint64(256) // not a pattern byte
		if raw.has(byte(b)) {
			raw9 = uint64(b)
		}
		sig = (sig<<9|raw9)<<12 | uint64(classMasks[b])
		h := (sig * 0x9E3779B97F4A7C15) >> 55 // 9 bits
		for slots[h] != 0 && slots[h] != sig+1 {
			h = (h + 1) & 511
		}
		if slots[h] == 0 {
			slots[h] = sig + 1
			slotID[h] = uint8(len(bc.rep))
			bc.rep = append(bc.rep, byte(b))
		}
		bc.of[b] = slotID[h]
	}
	return bc
}

// classMasks[b] has one bit per POSIX class that b belongs to.
var classMasks = func() (m [256]uint16) {
	bit := uint16(1)
	for _, s := range posixClasses {
		for b := 0; b < 256; b++ {
			if s.has(byte(b)) {
				m[b] |= bit
			}
		}
		bit <<= 1
	}
	return m
}()

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Match reports whether s matches the pattern. Like fnmatch, it only looks
// at s up to its first NUL byte.
func (g *Glob) Match(s string) bool {
	s = CString(s)
	if g.literal {
		return g.matchPieces(s)
	}
	return g.matchSteps(s)
}

// matchPieces matches a pattern of the form p0*p1*...*pn.
func (g *Glob) matchPieces(s string) bool {
	pieces := g.pieces
	first := pieces[0]
	if len(pieces) == 1 {
		if g.fold {
			return EqualFold(s, first)
		}
		return s == first
	}
	last := pieces[len(pieces)-1]
	if len(s) < len(first)+len(last) {
		return false
	}
	tail := s[len(s)-len(last):]
	if g.fold {
		if !hasPrefixLowered(s, first) || !hasPrefixLowered(tail, last) {
			return false
		}
	} else if !strings.HasPrefix(s, first) || tail != last {
		return false
	}
	// The middle pieces must appear in order, without overlapping, between
	// the first and the last one; taking each at its leftmost position is
	// optimal.
	rest := s[len(first) : len(s)-len(last)]
	for _, p := range pieces[1 : len(pieces)-1] {
		var i int
		if g.fold {
			i = indexFold(rest, p)
		} else {
			i = strings.Index(rest, p)
		}
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}

// Outcomes of walk.
const (
	walkFail = iota // the attempt failed
	walkDone        // the pattern and the subject ended together
	walkStar        // a star step was reached
)

// matchSteps is glibc's matching algorithm over the compiled steps.
func (g *Glob) matchSteps(s string) bool {
	res, pi, si := g.walk(s, 0, 0)
	for res == walkStar {
		st := &g.steps[pi]
		// Every '?' of the run needs a byte of its own.
		si += int(st.skip)
		if si > len(s) {
			return false
		}
		seg := int(st.next)
		first := &g.steps[seg]
		if first.kind == gsEnd {
			return true // trailing star: it takes the rest
		}
		// Find the first position from which the text up to the next star
		// (or the end of the pattern) matches, and commit to it.
		res = walkFail
		for n := si; n < len(s); n++ {
			if first.kind == gsByte && foldIf(s[n], g.fold) != first.b {
				continue
			}
			r, npi, nsi := g.walk(s, seg, n)
			if r == walkDone {
				return true
			}
			if r == walkStar {
				res, pi, si = r, npi, nsi
				break
			}
		}
	}
	return res == walkDone
}

// walk matches steps from offset pi against s from offset si until the
// pattern ends, a step fails or a star step is reached.
func (g *Glob) walk(s string, pi, si int) (res, npi, nsi int) {
	for {
		st := &g.steps[pi]
		switch st.kind {
		case gsEnd:
			if si == len(s) {
				return walkDone, pi, si
			}
			return walkFail, pi, si
		case gsByte:
			if si == len(s) || foldIf(s[si], g.fold) != st.b {
				return walkFail, pi, si
			}
			si++
			pi = int(st.next)
		case gsAny:
			if si == len(s) {
				return walkFail, pi, si
			}
			si++
			pi = int(st.next)
		case gsBracket:
			if si == len(s) {
				return walkFail, pi, si
			}
			var next int
			if st.br != nil {
				next = int(st.br.conts[st.br.idx[s[si]]])
			} else {
				// Not reachable from compiled patterns; kept so that a
				// table-less step is still evaluated correctly.
				next = bracketNext(g.pattern, pi, s[si], g.fold)
			}
			if next < 0 {
				return walkFail, pi, si
			}
			si++
			pi = next
		case gsStar:
			return walkStar, pi, si
		default: // gsFail
			return walkFail, pi, si
		}
	}
}
