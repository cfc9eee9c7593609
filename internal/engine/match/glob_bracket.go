package match

// This file evaluates fnmatch bracket expressions ("[...]") exactly the way
// glibc does, including for malformed expressions.
//
// glibc does not parse a bracket expression up front: it interprets it
// while looking at the subject byte, stops as soon as it knows the answer,
// and runs a second, slightly different scanner to skip the rest of the
// expression after a hit. Consequences that rule authors can observe, and
// that this file therefore reproduces, include:
//
//   - an unterminated "[" stands for a literal "[" (the pattern then goes
//     on right after it), also when the subject byte is '[' and the
//     would-be expression accepts it, so "[[" matches "[[" (this is glibc
//     2.36, the reference here; older releases, such as the 2.29 sources,
//     rejected a byte accepted by an unterminated expression instead);
//   - "]" right after "[" or "[!" is a member, not the terminator;
//   - an unknown class name ("[[:foo:]]") or a malformed collating symbol
//     rejects every subject byte, even inside "[!...]";
//   - a "[:" that is not followed by a lower-case name (letters a..y, glibc
//     stops at 'z') is an ordinary "[" member;
//   - backslash escapes the next byte, inside brackets too;
//   - with FNM_CASEFOLD, members and range ends are folded but character
//     classes, "[=c=]" and "[.c.]" are matched against the unfolded byte,
//     so "[[:upper:]]" never matches "a" even for iglob.
//
// The evaluation only ever depends on the pattern, the position of the
// "[" and the subject byte, which is what lets Glob precompute it into a
// 256-entry table per bracket at compile time.

// classNameMax is glibc's CHAR_CLASS_MAX_LENGTH, i.e. CHARCLASS_NAME_MAX
// from bits/posix2_lim.h: class names this long make the pattern fail.
const classNameMax = 2048

// patAt returns pat[k], or 0 past the end: glibc walks a NUL-terminated
// pattern and several of its decisions look one or two bytes ahead.
func patAt(pat string, k int) byte {
	if k < len(pat) {
		return pat[k]
	}
	return 0
}

// foldIf folds b when fold is set.
func foldIf(b byte, fold bool) byte {
	if fold {
		return lower(b)
	}
	return b
}

// bracketEval evaluates bracket expressions of one pattern, counting the
// pattern bytes it examines so that compilation can bound its work.
type bracketEval struct {
	pat  string
	fold bool
	work int
}

// bracketNext evaluates the bracket expression whose "[" is pat[open]
// against the subject byte b (never 0). It returns the pattern offset at
// which matching resumes after b has been consumed, or -1 when b does not
// match (glibc then returns FNM_NOMATCH from the current attempt).
func bracketNext(pat string, open int, b byte, fold bool) int {
	e := bracketEval{pat: pat, fold: fold}
	return e.next(open, b)
}

func (e *bracketEval) next(open int, b byte) int {
	pat, fold := e.pat, e.fold
	fb := foldIf(b, fold) // glibc's "fn"
	p := open + 1
	negated := false
	if c := patAt(pat, p); c == '!' || c == '^' {
		// '^' is a negation too unless POSIXLY_CORRECT is set in the
		// environment; we always take the default.
		negated = true
		p++
	}
	c := patAt(pat, p)
	p++
	for {
		e.work++
		// Each iteration consumes one element that starts with c; p points
		// just past c.
		var single byte // the element's byte when it can start a range
		normal, rangeable := false, false
		switch {
		case c == '\\':
			if patAt(pat, p) == 0 {
				return -1
			}
			single = foldIf(pat[p], fold)
			p++
			normal = true

		case c == '[' && patAt(pat, p) == ':':
			start := p
			k, n, named := p, 0, false
			for {
				if n == classNameMax {
					return -1
				}
				e.work++
				k++
				ch := patAt(pat, k)
				if ch == ':' && patAt(pat, k+1) == ']' {
					named = true
					break
				}
				if ch < 'a' || ch >= 'z' {
					break
				}
				n++
			}
			if !named {
				// Not a class after all: "[" is an ordinary member.
				p = start
				single = '['
				normal = true
				break
			}
			set, ok := classSet(pat[start+1 : start+1+n])
			if !ok {
				return -1
			}
			p = k + 2
			if set.has(b) { // classes test the unfolded byte
				return e.skip(open, p, b, negated)
			}
			c = patAt(pat, p)
			p++

		case c == '[' && patAt(pat, p) == '=':
			start := p
			sym := patAt(pat, p+1)
			if sym == 0 || patAt(pat, p+2) != '=' || patAt(pat, p+3) != ']' {
				p = start
				single = '['
				normal = true
				break
			}
			p += 4
			// The "C" locale has no collation rules: an equivalence class
			// is its single byte, compared unfolded.
			if b == sym {
				return e.skip(open, p, b, negated)
			}
			c = patAt(pat, p)
			p++

		case c == 0:
			// Unterminated: the "[" was an ordinary byte after all.
			if b == '[' {
				return open + 1
			}
			return -1

		case c == '[' && patAt(pat, p) == '.':
			start := p
			end, n := collatingEnd(pat, p)
			e.work += n
			if end < 0 {
				return -1
			}
			p = end
			isRange := patAt(pat, p) == '-' && patAt(pat, p+1) != 0
			// Without collation rules only one-byte names exist.
			if n != 1 {
				return -1
			}
			sym := pat[start+1]
			if !isRange && b == sym {
				return e.skip(open, p, b, negated)
			}
			single = sym
			c = patAt(pat, p)
			p++
			rangeable = true

		default:
			single = foldIf(c, fold)
			normal = true
		}

		if normal {
			isRange := patAt(pat, p) == '-' && patAt(pat, p+1) != 0 && patAt(pat, p+1) != ']'
			if !isRange && single == fb {
				return e.skip(open, p, b, negated)
			}
			c = patAt(pat, p)
			p++
			rangeable = true
		}

		if rangeable && c == '-' && patAt(pat, p) != ']' {
			hi := patAt(pat, p)
			p++
			if hi == '[' && patAt(pat, p) == '.' {
				start := p
				end, n := collatingEnd(pat, p)
				e.work += n
				if end < 0 || n != 1 {
					return -1
				}
				p = end
				hi = pat[start+1]
			} else {
				if hi == '\\' {
					hi = patAt(pat, p)
					p++
				}
				if hi == 0 {
					return -1
				}
				hi = foldIf(hi, fold)
			}
			// The "C" locale collates bytes by value.
			if single <= fb && fb <= hi {
				return e.skip(open, p, b, negated)
			}
			c = patAt(pat, p)
			p++
		}

		if c == ']' {
			break
		}
	}
	if !negated {
		return -1
	}
	return p
}

// collatingEnd scans a "[." collating symbol whose '.' is pat[dot]. It
// returns the offset just past the closing ".]" and the length of the
// name, or -1 when the pattern ends first.
func collatingEnd(pat string, dot int) (end, n int) {
	k := dot
	for {
		k++
		ch := patAt(pat, k)
		if ch == '.' && patAt(pat, k+1) == ']' {
			return k + 2, n
		}
		if ch == 0 {
			return -1, 0
		}
		n++
	}
}

// skip is glibc's second scanner: b has been accepted by the
// element that ends just before p, and the rest of the expression is
// skipped to find where the pattern goes on. It is not the same grammar as
// next's (for instance a malformed "[=" fails here instead of being taken
// literally), hence the separate function.
func (e *bracketEval) skip(open, p int, b byte, negated bool) int {
	pat := e.pat
	for {
		e.work++
		c := patAt(pat, p)
		p++
		if c == ']' {
			break
		}
		switch {
		case c == 0:
			// Unterminated: "[" is a literal; only '[' itself matches it.
			if b == '[' {
				return open + 1
			}
			return -1
		case c == '\\':
			if patAt(pat, p) == 0 {
				return -1
			}
			p++
		case c == '[' && patAt(pat, p) == ':':
			start := p
			for n := 1; ; n++ {
				e.work++
				p++
				ch := patAt(pat, p)
				if n == classNameMax {
					return -1
				}
				if ch == ':' && patAt(pat, p+1) == ']' {
					break
				}
				if ch < 'a' || ch >= 'z' {
					// Not a class: resume right after the "[".
					p = start - 2
					break
				}
			}
			p += 2
		case c == '[' && patAt(pat, p) == '=':
			p++
			if patAt(pat, p) == 0 {
				return -1
			}
			p++
			if patAt(pat, p) != '=' || patAt(pat, p+1) != ']' {
				return -1
			}
			p += 2
		case c == '[' && patAt(pat, p) == '.':
			for {
				e.work++
				p++
				ch := patAt(pat, p)
				if ch == 0 {
					return -1
				}
				if ch == '.' && patAt(pat, p+1) == ']' {
					break
				}
			}
			p += 2
		}
	}
	if negated {
		return -1
	}
	return p
}

// byteSet is a set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }

func (s *byteSet) addRange(lo, hi int) {
	for c := lo; c <= hi; c++ {
		s.add(byte(c))
	}
}

// The twelve classes glibc knows in the "C" locale (wctype(3)); every other
// name, including names that other libcs accept, is invalid. All of them
// are ASCII-only in the "C" locale.
var posixClasses = func() map[string]*byteSet {
	var upper, lowerS, digit, space, blank, cntrl, punct, xdigit byteSet
	upper.addRange('A', 'Z')
	lowerS.addRange('a', 'z')
	digit.addRange('0', '9')
	space.addRange('\t', '\r')
	space.add(' ')
	blank.add('\t')
	blank.add(' ')
	cntrl.addRange(0, 0x1f)
	cntrl.add(0x7f)
	for c := 0x21; c <= 0x7e; c++ {
		b := byte(c)
		if !upper.has(b) && !lowerS.has(b) && !digit.has(b) {
			punct.add(b)
		}
	}
	xdigit = digit
	xdigit.addRange('a', 'f')
	xdigit.addRange('A', 'F')
	union := func(sets ...byteSet) *byteSet {
		var u byteSet
		for _, s := range sets {
			for i := range u {
				u[i] |= s[i]
			}
		}
		return &u
	}
	var graph, print byteSet
	graph.addRange(0x21, 0x7e)
	print.addRange(0x20, 0x7e)
	return map[string]*byteSet{
		"alpha":  union(upper, lowerS),
		"alnum":  union(upper, lowerS, digit),
		"upper":  &upper,
		"lower":  &lowerS,
		"digit":  &digit,
		"xdigit": &xdigit,
		"space":  &space,
		"blank":  &blank,
		"cntrl":  &cntrl,
		"punct":  &punct,
		"graph":  &graph,
		"print":  &print,
	}
}()

// classSet returns the members of the named class.
func classSet(name string) (*byteSet, bool) {
	s, ok := posixClasses[name]
	return s, ok
}
