package match

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

type globTest struct {
	pattern, subject string
	glob, iglob      bool // expected results for glob and iglob
}

// globTests are expectations checked against glibc 2.36 (and re-checked by
// TestGlobTableAgainstOracle wherever a C compiler is available).
var globTests = []globTest{
	// Literals and the empty pattern.
	{"", "", true, true},
	{"", "a", false, false},
	{"abc", "abc", true, true},
	{"abc", "ABC", false, true},
	{"abc", "abcd", false, false},

	// '*' and '?' cross '/' and match a leading '.'.
	{"*", "", true, true},
	{"*", "/a/b", true, true},
	{"*", ".hidden", true, true},
	{"/etc/*", "/etc/shadow", true, true},
	{"/etc/*", "/etc/ssh/sshd_config", true, true},
	{"/etc/*", "/etc", false, false},
	{"/etc/*/conf", "/etc/a/b/conf", true, true},
	{"?", "/", true, true},
	{"?", "", false, false},
	{"a?c", "a/c", true, true},
	{"*.txt", ".txt", true, true},
	{"**", "", true, true},
	{"*?", "", false, false},
	{"*?", "a", true, true},
	{"?*?", "a", false, false},
	{"*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false, false},
	{"*a*a*a*a*a*a*a*b", strings.Repeat("a", 60) + "b", true, true},
	{"*/bin/*sh", "/usr/bin/bash", true, true},

	// Backslash escapes.
	{`\*`, "*", true, true},
	{`\*`, "a", false, false},
	{`\a`, "a", true, true},
	{`\A`, "a", false, true},
	{`a\`, "a", false, false}, // a trailing backslash never matches
	{`a\`, `a\`, false, false},
	{`*\`, `a\`, false, false},
	{`\\`, `\`, true, true},

	// Bracket expressions.
	{"[abc]", "b", true, true},
	{"[abc]", "d", false, false},
	{"[a-z]", "m", true, true},
	{"[a-z]", "M", false, true},
	{"[A-Z]", "m", false, true},
	{"[a-Z]", "m", false, true}, // empty range, unless folded to a-z
	{"[z-a]", "m", false, false},
	{"[!a]", "b", true, true},
	{"[!a]", "a", false, false},
	{"[!a]", "/", true, true},
	{"[!A]", "a", true, false},
	{"[^a]", "b", true, true},
	{"[^a]", "a", false, false},
	{"[]]", "]", true, true},
	{"[]a]", "a", true, true},
	{"[!]]", "]", false, false},
	{"[!]]", "a", true, true},
	{"[]-a]", "^", true, true},
	{"[]-a]", "b", false, false},
	{"[a-]", "-", true, true},
	{"[-a]", "-", true, true},
	{"[a-c-e]", "-", true, true},
	{"[a-c-e]", "d", false, false},
	{`[\]]`, "]", true, true},
	{`[\]]`, `\`, false, false},
	{`[a\-c]`, "-", true, true},
	{`[a\-c]`, "b", false, false},
	{`[\a-\c]`, "b", true, true},
	{"[\x80-\xff]", "\xe9", true, true},
	{"\xc9", "\xe9", false, false}, // no folding outside ASCII

	// Classes.
	{"[[:alpha:]]", "a", true, true},
	{"[[:alpha:]]", "1", false, false},
	{"[[:alpha:]]", "\xe9", false, false},
	{"[[:digit:][:alpha:]]", "5", true, true},
	{"[[:upper:]]", "A", true, true},
	{"[[:upper:]]", "a", false, false}, // classes test the unfolded byte
	{"[[:lower:]]", "A", false, false},
	{"[^[:upper:]]", "a", true, true},
	{"[[:space:]]", "\t", true, true},
	{"[[:xdigit:]]", "F", true, true},
	{"[[:punct:]]", "_", true, true},
	{"[[:alpha:]-z]", "-", true, true},
	{"[[:foo:]]", "a", false, false}, // unknown class: never matches
	{"[[:foo:]]", "[", false, false},
	{"[![:foo:]]", "a", false, false},
	{"[[:ALPHA:]]", "a", false, false},
	{"*[[:foo:]]", "a", false, false},
	{"[[=a=]]", "a", true, true},
	{"[[=a=]]", "A", false, false},
	{"[[=]=]]", "]", true, true},
	{"[[.a.]]", "a", true, true},
	{"[[.-.]]", "-", true, true},
	{"[[.].]]", "]", true, true},
	{"[[.ab.]]", "a", false, false}, // multi-byte collating symbols are errors
	{"[[.space.]]", " ", false, false},
	{"[a-[.z.]]", "m", true, true},

	// Unterminated brackets are literal '[' (glibc >= 2.34 semantics).
	{"[", "[", true, true},
	{"[a", "[a", true, true},
	{"[a", "a", false, false},
	{"[!", "[!", true, true},
	{"[]", "[]", true, true},
	{"[]", "]", false, false},
	{"[!]", "[!]", true, true},
	{"[[", "[[", true, true},
	{"[a-", "[a-", false, false},
	{"[[:alpha:]", "[[:alpha:]", false, false},
	{"[[:alpha", "[[:alpha", true, true},
	{"*[", "x[", true, true},
	{"a*[b", "aq[b", true, true},
	{`[\`, `[\`, false, false},
}

func TestGlobTable(t *testing.T) {
	for _, tc := range globTests {
		g := MustCompileGlob(tc.pattern)
		if got := g.Match(tc.subject); got != tc.glob {
			t.Errorf("glob %q matching %q = %v, want %v", tc.pattern, tc.subject, got, tc.glob)
		}
		ig := MustCompileIGlob(tc.pattern)
		if got := ig.Match(tc.subject); got != tc.iglob {
			t.Errorf("iglob %q matching %q = %v, want %v", tc.pattern, tc.subject, got, tc.iglob)
		}
	}
}

// TestGlobTableAgainstOracle makes sure the table itself tells the truth.
func TestGlobTableAgainstOracle(t *testing.T) {
	o := getOracle(t)
	var qs []oracleQuery
	for _, tc := range globTests {
		qs = append(qs, fnmatchQuery(tc.pattern, tc.subject, false), fnmatchQuery(tc.pattern, tc.subject, true))
	}
	res := o.run(t, qs)
	for i, tc := range globTests {
		if want := res[2*i] == 0; tc.glob != want {
			t.Errorf("table says glob %q matching %q is %v, glibc says %v", tc.pattern, tc.subject, tc.glob, want)
		}
		if want := res[2*i+1] == 0; tc.iglob != want {
			t.Errorf("table says iglob %q matching %q is %v, glibc says %v", tc.pattern, tc.subject, tc.iglob, want)
		}
	}
}

func TestGlobNUL(t *testing.T) {
	if _, err := CompileGlob("a\x00*"); !errors.Is(err, ErrNULValue) {
		t.Errorf("CompileGlob with NUL: err = %v", err)
	}
	if _, err := CompileIGlob("\x00"); !errors.Is(err, ErrNULValue) {
		t.Errorf("CompileIGlob with NUL: err = %v", err)
	}
	// The subject is a C string: it ends at its first NUL.
	g := MustCompileGlob("/bin/*sh")
	if !g.Match("/bin/bash\x00/tmp/evil") {
		t.Error("the subject should end at its first NUL")
	}
	if MustCompileGlob("a?").Match("a\x00") {
		t.Error(`"a?" should not match "a\x00": fnmatch sees "a"`)
	}
	if !MustCompileGlob("*").Match("\x00abc") {
		t.Error(`"*" should match anything`)
	}
}

// TestGlobClassNameLimit covers glibc's CHARCLASS_NAME_MAX in both bracket
// scanners.
func TestGlobClassNameLimit(t *testing.T) {
	o := getOracle(t)
	var cases []globCase
	var qs []oracleQuery
	for _, n := range []int{2045, 2046, 2047, 2048, 2049} {
		name := strings.Repeat("a", n)
		for _, p := range []string{"[[:" + name + ":]]", "[b[:" + name + ":]]", "[b[:" + name + "x]"} {
			for _, s := range []string{"b", "a", "["} {
				cases = append(cases, globCase{pattern: p, subject: s})
				qs = append(qs, fnmatchQuery(p, s, false))
			}
		}
	}
	for i, res := range o.run(t, qs) {
		cases[i].expected = res == 0
	}
	checkGlobCases(t, cases)
}

// TestGlobRuntimeBrackets checks that brackets evaluated while matching
// (patterns too large to precompute) behave like precomputed ones.
func TestGlobRuntimeBrackets(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 20000; i++ {
		p := randomPattern(r)
		fold := r.IntN(2) == 0
		pre, _ := compileGlob(p, fold)
		if pre.literal {
			continue
		}
		lazy, _ := compileGlob(p, fold)
		for k := range lazy.steps {
			lazy.steps[k].br = nil
		}
		for j := 0; j < 5; j++ {
			s := randomSubject(r, p)
			if a, b := pre.Match(s), lazy.Match(s); a != b {
				t.Fatalf("fold=%v %q matching %q: precomputed %v, evaluated %v", fold, p, s, a, b)
			}
		}
	}
}

// TestGlobComplexity checks the bounds on precomputation: every pattern of
// libsinsp's maximal length compiles, absurd ones are refused.
func TestGlobComplexity(t *testing.T) {
	var distinct strings.Builder
	for c := byte('!'); distinct.Len() < 255; c++ {
		if c == 0x7f {
			c = 0x80
		}
		if c != ']' && c != '\\' && c != '*' && c != '?' && c != '[' {
			distinct.WriteByte('[')
			distinct.WriteByte(c)
		}
	}
	for _, p := range []string{
		strings.Repeat("[", 255),
		strings.Repeat("[!", 127),
		strings.Repeat("[[:alpha:]", 25),
		distinct.String()[:255],
		strings.Repeat("[[.", 85),
	} {
		for _, fold := range []bool{false, true} {
			if _, err := compileGlob(p, fold); err != nil {
				t.Errorf("%q: %v", p, err)
			}
		}
	}
	if !MustCompileGlob(strings.Repeat("[", 255)).Match(strings.Repeat("[", 255)) {
		t.Error(`255 "[" should match themselves`)
	}
	if _, err := CompileGlob(strings.Repeat("[", 20000)); !errors.Is(err, ErrGlobTooComplex) {
		t.Errorf("huge pathological pattern: err = %v", err)
	}
	// Long patterns of well-formed brackets are cheap.
	if _, err := CompileGlob(strings.Repeat("[a-z]", 20000)); err != nil {
		t.Errorf("long well-formed pattern: %v", err)
	}
}

// TestGlobFastPath checks that the literal-pieces fast path agrees with the
// general algorithm.
func TestGlobFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	alphabet := "abAB*xX/."
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := r.IntN(8); n >= 0; n-- {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		p := b.String()
		for _, fold := range []bool{false, true} {
			fast, _ := compileGlob(p, fold)
			if !fast.literal {
				t.Fatalf("%q should use the fast path", p)
			}
			slow := &Glob{pattern: p, fold: fold, steps: make([]globStep, len(p)+1)}
			for k := range slow.steps {
				slow.steps[k] = slow.stepAt(k)
			}
			for j := 0; j < 4; j++ {
				s := randomSubject(r, p)
				if a, b := fast.Match(s), slow.Match(s); a != b {
					t.Fatalf("fold=%v %q matching %q: fast %v, general %v", fold, p, s, a, b)
				}
			}
		}
	}
}

func TestGlobAccessors(t *testing.T) {
	g := MustCompileIGlob("*.TXT")
	if g.String() != "*.TXT" || !g.CaseInsensitive() {
		t.Errorf("accessors: %q %v", g.String(), g.CaseInsensitive())
	}
	if MustCompileGlob("x").CaseInsensitive() {
		t.Error("glob should be case sensitive")
	}
}
