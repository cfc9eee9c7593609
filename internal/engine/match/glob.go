package match

import "strings"

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
// pattern is matched the way glibc would match it. In particular an
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
	// gsBracket: precomputed outcome per subject byte, or nil when the
	// pattern was too large to precompute it (then it is evaluated while
	// matching, with the same code).
	br *bracketTable
}

// bracketTable is the precomputed outcome of a bracket step: for subject
// byte b, conts[idx[b]] is the offset at which matching resumes, -1 when b
// is rejected. conts[0] is always -1.
type bracketTable struct {
	idx   [256]uint8
	conts []int32
}

// bracketBudget bounds the work spent precomputing bracket tables (in
// pattern bytes scanned). It is far beyond what any pattern libsinsp
// accepts needs (right-hand side values are limited to 255 bytes there);
// it only keeps adversarial megabyte patterns from making compilation
// quadratic.
const bracketBudget = 1 << 25

// CompileGlob compiles the right-hand side of a glob condition (fnmatch
// with flags 0). The only error is a NUL byte in the pattern (see
// [CheckValue]).
func CompileGlob(pattern string) (*Glob, error) {
	return compileGlob(pattern, false)
}

// CompileIGlob compiles the right-hand side of an iglob condition
// (fnmatch with FNM_CASEFOLD, ASCII folding). The only error is a NUL byte
// in the pattern (see [CheckValue]).
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
		g.literal, g.pieces = true, pieces
		return g, nil
	}
	g.precomputeBrackets()
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
// from the start of the pattern, within bracketBudget.
func (g *Glob) precomputeBrackets() {
	seen := make([]bool, len(g.steps))
	queue := []int{0}
	seen[0] = true
	push := func(i int) {
		if i >= 0 && !seen[i] {
			seen[i] = true
			queue = append(queue, i)
		}
	}
	budget := bracketBudget
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		st := &g.steps[i]
		switch st.kind {
		case gsByte, gsAny, gsStar:
			push(int(st.next))
		case gsBracket:
			cost := 2 * 255 * (len(g.pattern) - i + 1)
			if cost > budget {
				// Evaluated at match time instead; its continuations are
				// unknown here, so stop precomputing altogether.
				return
			}
			budget -= cost
			st.br = g.bracketTable(i)
			for _, c := range st.br.conts {
				push(int(c))
			}
		}
	}
}

// bracketTable evaluates the bracket at offset open for every byte.
func (g *Glob) bracketTable(open int) *bracketTable {
	t := &bracketTable{conts: []int32{-1}}
	for b := 1; b < 256; b++ { // a subject never contains NUL
		next := int32(bracketNext(g.pattern, open, byte(b), g.fold))
		k := 0
		for k < len(t.conts) && t.conts[k] != next {
			k++
		}
		if k == len(t.conts) {
			t.conts = append(t.conts, next)
		}
		t.idx[b] = uint8(k)
	}
	return t
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
