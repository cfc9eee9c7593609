package match

import (
	"errors"
	"strings"
	"testing"
)

// refElem is an element of a well-formed glob pattern, for refGlob.
type refElem struct {
	kind byte // 'l' literal, '?' any byte, '*' star, '[' bracket
	b    byte
	set  [256]bool
	neg  bool
}

// parseRefGlob parses patterns of a strict, well-formed subset of the
// fnmatch syntax, where glibc's behaviour is the textbook one: literals,
// '?', '*', '\' escapes, and terminated brackets whose members are plain
// bytes or ranges of plain bytes ('-' only last, ']' only first). It
// reports false for anything else.
func parseRefGlob(p string, fold bool) ([]refElem, bool) {
	f := func(c byte) byte { return foldIf(c, fold) }
	plain := func(c byte) bool { return c != '[' && c != '\\' && c != ']' && c != '-' && c != 0 }
	var out []refElem
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*', '?':
			out = append(out, refElem{kind: c})
		case '\\':
			if i+1 == len(p) {
				return nil, false
			}
			i++
			out = append(out, refElem{kind: 'l', b: f(p[i])})
		case '[':
			e := refElem{kind: '['}
			i++
			if i < len(p) && (p[i] == '!' || p[i] == '^') {
				e.neg = true
				i++
			}
			if i < len(p) && p[i] == ']' {
				e.set[']'] = true
				i++
			}
			for {
				if i >= len(p) {
					return nil, false
				}
				c := p[i]
				if c == ']' {
					break
				}
				if c == '-' && i+1 < len(p) && p[i+1] == ']' {
					e.set['-'] = true
					i++
					continue
				}
				if !plain(c) {
					return nil, false
				}
				if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
					d := p[i+2]
					if !plain(d) {
						return nil, false
					}
					for x := int(f(c)); x <= int(f(d)); x++ {
						e.set[x] = true
					}
					i += 3
					continue
				}
				e.set[f(c)] = true
				i++
			}
			out = append(out, e)
		default:
			out = append(out, refElem{kind: 'l', b: f(c)})
		}
	}
	return out, true
}

// refGlob is a textbook dynamic-programming matcher for parseRefGlob's
// output.
func refGlob(elems []refElem, s string, fold bool) bool {
	// ok[j] reports whether elems[:i] can match s[:j].
	ok := make([]bool, len(s)+1)
	ok[0] = true
	for _, e := range elems {
		next := make([]bool, len(s)+1)
		for j := 0; j <= len(s); j++ {
			if e.kind == '*' {
				next[j] = ok[j] || (j > 0 && next[j-1])
				continue
			}
			if j == 0 || !ok[j-1] {
				continue
			}
			b := foldIf(s[j-1], fold)
			switch e.kind {
			case '?':
				next[j] = true
			case 'l':
				next[j] = b == e.b
			case '[':
				next[j] = e.set[b] != e.neg
			}
		}
		ok = next
	}
	return ok[len(s)]
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]-'A' < 26 {
			return true
		}
	}
	return false
}

func FuzzGlob(f *testing.F) {
	for _, tc := range globTests {
		f.Add(tc.pattern, tc.subject)
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		g, err := CompileGlob(pattern)
		ig, ierr := CompileIGlob(pattern)
		if strings.IndexByte(pattern, 0) >= 0 {
			if err == nil || ierr == nil {
				t.Fatal("a pattern with a NUL byte must be refused")
			}
			return
		}
		if errors.Is(err, ErrGlobTooComplex) || errors.Is(ierr, ErrGlobTooComplex) {
			return
		}
		if err != nil || ierr != nil {
			t.Fatalf("unexpected errors %v, %v", err, ierr)
		}
		got, igot := g.Match(subject), ig.Match(subject)

		// Without upper-case letters on either side, folding changes
		// nothing.
		if !hasUpper(pattern) && !hasUpper(CString(subject)) && got != igot {
			t.Fatalf("glob %v but iglob %v", got, igot)
		}
		// Brackets evaluated while matching agree with precomputed ones,
		// and the fast path agrees with the general algorithm.
		for _, x := range []*Glob{g, ig} {
			slow := &Glob{pattern: x.pattern, fold: x.fold, steps: make([]globStep, len(x.pattern)+1)}
			for i := range slow.steps {
				slow.steps[i] = x.stepAt(i)
			}
			if want := x.Match(subject); slow.Match(subject) != want {
				t.Fatalf("fold=%v: general algorithm without tables disagrees (%v)", x.fold, want)
			}
		}
		// Well-formed patterns follow the textbook semantics.
		s := CString(subject)
		if elems, ok := parseRefGlob(pattern, false); ok {
			if want := refGlob(elems, s, false); got != want {
				t.Fatalf("glob %q matching %q = %v, reference %v", pattern, s, got, want)
			}
		}
		if elems, ok := parseRefGlob(pattern, true); ok {
			if want := refGlob(elems, s, true); igot != want {
				t.Fatalf("iglob %q matching %q = %v, reference %v", pattern, s, igot, want)
			}
		}
	})
}

// refPMatch is the definition of pmatch, without a trie.
func refPMatch(paths []string, value string) (bool, error) {
	split := func(p string) []string {
		var out []string
		for _, c := range strings.Split(p, "/") {
			if c != "" {
				out = append(out, c)
			}
		}
		return out
	}
	vc := split(TrimNUL(value))
next:
	for _, p := range paths {
		pc := split(p)
		if len(pc) > len(vc) {
			continue
		}
		for i, c := range pc {
			if isGlobComponent(c) {
				g, err := CompileGlob(c)
				if err != nil {
					return false, err
				}
				if !g.Match(CString(vc[i])) {
					continue next
				}
			} else if c != vc[i] {
				continue next
			}
		}
		return true, nil
	}
	return false, nil
}

func FuzzPMatch(f *testing.F) {
	f.Add("/var/run\n/etc", "/var/run/docker.sock")
	f.Add("/opt/a*/x\n/opt/*b/y", "/opt/ab/y")
	f.Add("/", "relative")
	f.Add("/home/*/.ssh", "//home//u/.ssh/")
	f.Fuzz(func(t *testing.T, list, value string) {
		paths := strings.Split(list, "\n")
		pm, err := CompilePMatch(paths)
		if strings.IndexByte(list, 0) >= 0 {
			if err == nil {
				t.Fatal("a path with a NUL byte must be refused")
			}
			return
		}
		if errors.Is(err, ErrGlobTooComplex) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want, err := refPMatch(paths, value)
		if err != nil {
			return
		}
		if got := pm.Match(value); got != want {
			t.Fatalf("pmatch %q against %q = %v, reference %v", paths, value, got, want)
		}
	})
}

func FuzzContainsFold(f *testing.F) {
	f.Add("Hello World", "WORLD")
	f.Add("caf\xc9", "CAF\xe9")
	f.Add("a\x00b", "b")
	f.Fuzz(func(t *testing.T, haystack, needle string) {
		h, n := CString(haystack), CString(needle)
		want := n == "" || naiveIndexFold(h, n) >= 0
		if got := ContainsFold(haystack, needle); got != want {
			t.Fatalf("ContainsFold(%q, %q) = %v, want %v", haystack, needle, got, want)
		}
	})
}
