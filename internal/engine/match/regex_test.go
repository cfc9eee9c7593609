package match

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestRegexTable(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "xabcx", false}, // anchored at both ends
		{"b", "abc", false},
		{".*b.*", "abc", true},
		{"a|ab", "ab", true},
		{"(a|ab)(c|bcd)", "abcd", true},
		{"[[:digit:]]+", "0123", true},
		{"[[:alpha:]]+", "abc1", false},
		{"a**", "aaa", true}, // POSIX: a repeated star
		{"a*?", "aaa", true}, // POSIX: (a*)? rather than non-greedy
		{"a{2,3}", "aaa", true},
		{"a{,2}", "a{,2}", true}, // not a repetition: literal
		{"[^a]", "\n", true},     // negated classes match newline (ClassNL)
		{".", "\n", false},       // '.' does not (dot_nl=false)
		{"a$", "a\n", false},     // '$' matches before "\n" but the match must reach the end
		{"a$\n", "a\n", true},
		{"^b", "b", true},
		{"a\n^b", "a\nb", true}, // '^' after a newline (one_line=false)
		{"a^b", "ab", false},
		{`\.`, ".", true},
		{`[\]]`, "]", true},
		{`\x41`, "A", true},
		{`\101`, "A", true}, // octal escapes are RE2 syntax too
		{"é", "é", true},
		{".", "é", true},
		{"..", "é", false},
		{"a.c", "a\xffc", true},     // invalid byte becomes one U+FFFD
		{"a.c", "a\xe2\x82c", true}, // truncated sequence: one U+FFFD
		{"a..c", "a\xe2\x82c", false},
		{"a\uFFFDc", "a\x80c", true},
		{"a.b", "a\x00b", true},      // embedded NUL kept
		{"ab", "ab\x00\x00", true},   // trailing NULs trimmed
		{"ab.", "ab\x00\x00", false}, // ... all of them
		{"/usr/s?bin/.*", "/usr/sbin/sshd", true},
		{"/usr/s?bin/.*", "/usr/local/sbin/sshd", false},
	}
	for _, tc := range tests {
		r, err := CompileRegex(tc.pattern)
		if err != nil {
			t.Errorf("CompileRegex(%q): %v", tc.pattern, err)
			continue
		}
		if got := r.Match(tc.value); got != tc.want {
			t.Errorf("regex %q matching %q = %v, want %v", tc.pattern, tc.value, got, tc.want)
		}
	}
}

func TestRegexErrors(t *testing.T) {
	tests := []struct{ pattern, msg string }{
		{`\d`, `invalid regex pattern: invalid escape sequence: \d`},
		{`\w+`, `invalid regex pattern: invalid escape sequence: \w`},
		{`\s`, `invalid regex pattern: invalid escape sequence: \s`},
		{`\b`, `invalid regex pattern: invalid escape sequence: \b`},
		{`\A`, `invalid regex pattern: invalid escape sequence: \A`},
		{`a\z`, `invalid regex pattern: invalid escape sequence: \z`},
		{`\pL`, `invalid regex pattern: invalid escape sequence: \p`},
		{`(?i)a`, `invalid regex pattern: no argument for repetition operator: ?`},
		{`(?:a)`, `invalid regex pattern: no argument for repetition operator: ?`},
		{`(a`, `invalid regex pattern: missing ): (a`},
		{`a)`, `invalid regex pattern: unexpected ): a)`},
		{`[a`, `invalid regex pattern: missing ]: [a`},
		{`[z-a]`, `invalid regex pattern: invalid character class range: z-a`},
		{`*a`, `invalid regex pattern: no argument for repetition operator: *`},
		{`a{1001}`, `invalid regex pattern: invalid repetition size: {1001}`},
		{`a\`, `invalid regex pattern: trailing \`},
		{"\xff", `invalid regex pattern: invalid UTF-8`},
		{`[[:foo:]]`, `invalid regex pattern: invalid character class range: [:foo:]`},
	}
	for _, tc := range tests {
		_, err := CompileRegex(tc.pattern)
		if err == nil {
			t.Errorf("CompileRegex(%q) succeeded", tc.pattern)
			continue
		}
		var re *RegexError
		if !errors.As(err, &re) {
			t.Errorf("CompileRegex(%q): %T is not a *RegexError", tc.pattern, err)
		}
		if err.Error() != tc.msg {
			t.Errorf("CompileRegex(%q) error %q, want %q", tc.pattern, err.Error(), tc.msg)
		}
	}
	if _, err := CompileRegex("a\x00"); !errors.Is(err, ErrNULValue) {
		t.Errorf("NUL: %v", err)
	}
	if MustCompileRegex("x+").String() != "x+" {
		t.Error("String()")
	}
}

func TestSanitizeUTF8(t *testing.T) {
	const r = "\uFFFD"
	tests := []struct{ in, out string }{
		{"", ""},
		{"plain", "plain"},
		{"héllo", "héllo"},
		{"\x80", r},
		{"\xc0\xaf", r + r},         // overlong lead, then stray continuation
		{"\xe0\x80\xaf", r + r + r}, // E0 needs A0..BF
		{"\xed\xa0\x80", r + r + r}, // surrogate
		{"\xe2\x82", r},             // truncated 3-byte: one maximal subpart
		{"\xe2\x82x", r + "x"},
		{"\xf0\x9f\x98", r},
		{"\xf0\x9f\x98x", r + "x"},
		{"\xf4\x90\x80\x80", r + r + r + r}, // above U+10FFFF
		{"\xf5", r},
		{"\xff\xfe", r + r},
		// The example of Unicode §3.9 (Table 3-8).
		{"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", "a" + r + r + r + "b" + r + "c" + r + r + "d"},
	}
	for _, tc := range tests {
		if got := string(SanitizeUTF8(nil, tc.in)); got != tc.out {
			t.Errorf("SanitizeUTF8(%q) = %q, want %q", tc.in, got, tc.out)
		}
	}
}

// The RE2 oracle is testdata/re2_oracle.cc, built at test time when a C++
// compiler and the RE2 headers are available (Debian: libre2-dev, the
// 2022-06-01 release being the one libsinsp bundles).
var (
	re2Once sync.Once
	re2Bin  string
	re2Err  error
)

func getRE2Oracle(t testing.TB) string {
	t.Helper()
	re2Once.Do(func() {
		cxx := os.Getenv("CXX")
		if cxx == "" {
			for _, c := range []string{"g++", "c++", "clang++"} {
				if p, err := exec.LookPath(c); err == nil {
					cxx = p
					break
				}
			}
		}
		if cxx == "" {
			re2Err = fmt.Errorf("no C++ compiler found")
			return
		}
		dir, err := os.MkdirTemp("", "match-re2")
		if err != nil {
			re2Err = err
			return
		}
		bin := filepath.Join(dir, "re2_oracle")
		out, err := exec.Command(cxx, "-O2", "-std=c++17", "-o", bin, filepath.Join("testdata", "re2_oracle.cc"), "-lre2").CombinedOutput()
		if err != nil {
			re2Err = fmt.Errorf("building the RE2 oracle (is libre2-dev installed?): %v\n%s", err, out)
			return
		}
		re2Bin = bin
	})
	if re2Err != nil {
		t.Skipf("RE2 oracle unavailable: %v", re2Err)
	}
	return re2Bin
}

// re2Result is RE2's verdict: an error text, or whether the value matched.
type re2Result struct {
	err   string
	match bool
}

func runRE2(t testing.TB, bin string, pairs [][2]string) []re2Result {
	t.Helper()
	var in bytes.Buffer
	for _, p := range pairs {
		fmt.Fprintf(&in, "%s %s\n", hexArg(p[0]), hexArg(p[1]))
	}
	cmd := exec.Command(bin)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("RE2 oracle: %v", err)
	}
	var res []re2Result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "E "); ok {
			text, _ := hex.DecodeString(e)
			res = append(res, re2Result{err: string(text)})
		} else {
			res = append(res, re2Result{match: line == "1"})
		}
	}
	if len(res) != len(pairs) {
		t.Fatalf("RE2 oracle answered %d of %d", len(res), len(pairs))
	}
	return res
}

var (
	// regexAtoms and regexOps build mostly valid patterns; regexRisky are
	// the constructs RE2's POSIX mode refuses or treats specially.
	regexAtoms = []string{
		"a", "b", "A", ".", "1", "-", ":", "\n", "é", `\x41`, `\.`, `\101`, `\n`, "[[:alpha:]]", "[^a]",
		"[a-z]", "[]a]", "[^]a]", "[a-]", `[\]]`, "(a|b)", "(a|)", "()", "^", "$", "\n", "\uFFFD", "[[:space:]]",
		"[^[:alpha:]]", "x",
	}
	regexOps   = []string{"*", "+", "?", "{2}", "{1,3}", "{0,}", "**", "*?", "+*", "|"}
	regexRisky = []string{
		"(", ")", "[", "]", `\`, "{", "}", ",", `\d`, `\w`, `\s`, `\b`, `\A`, `\z`, `\Q`, `\E`, `\C`, `\pL`,
		"(?:", "(?i)", "[[:foo:]]", "{,2}", "{2,1}", "x{1000}", "x{1001}", `\1`, `\0`, `[\d]`, "[z-a]", "[a-b-c]",
		"\xff",
	}
	regexSubjectBytes = []string{"a", "b", "A", "1", "\n", "é", ".", "-", "x", "]", "\xff", "\xe2\x82", "\uFFFD", "\x00", ":", " "}
)

func randomRegex(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(regexAtoms[r.IntN(len(regexAtoms))])
	for n := r.IntN(5); n > 0; n-- {
		switch k := r.IntN(20); {
		case k < 12:
			b.WriteString(regexAtoms[r.IntN(len(regexAtoms))])
		case k < 18:
			b.WriteString(regexOps[r.IntN(len(regexOps))])
		default:
			b.WriteString(regexRisky[r.IntN(len(regexRisky))])
		}
	}
	return b.String()
}

// randomRegexSubject draws from generic material and, half of the time,
// from the characters of the pattern itself, which matches more often.
func randomRegexSubject(r *rand.Rand, pattern string) string {
	var b strings.Builder
	own := []rune(pattern)
	for n := r.IntN(6); n > 0; n-- {
		if len(own) > 0 && r.IntN(2) == 0 {
			b.WriteRune(own[r.IntN(len(own))])
		} else {
			b.WriteString(regexSubjectBytes[r.IntN(len(regexSubjectBytes))])
		}
	}
	return b.String()
}

// checkRegexAgainst compares Regex with RE2 verdicts on the libsinsp view
// of each value (trailing NULs trimmed, UTF-8 sanitized).
func checkRegexAgainst(t *testing.T, pairs [][2]string, res []re2Result) {
	t.Helper()
	failures, argDiffs := 0, 0
	defer func() {
		if argDiffs > 0 {
			t.Logf("%d error messages differ from RE2's in their argument only", argDiffs)
		}
	}()
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		if failures++; failures > 30 {
			t.Fatal("too many failures")
		}
	}
	for i, p := range pairs {
		re, err := CompileRegex(p[0])
		want := res[i]
		switch {
		case want.err != "" && err == nil:
			fail("pattern %q: RE2 refuses it (%s), Regex accepts it", p[0], want.err)
		case want.err == "" && err != nil:
			fail("pattern %q: RE2 accepts it, Regex refuses it: %v", p[0], err)
		case want.err != "":
			if msg := "invalid regex pattern: " + want.err; err.Error() != msg {
				argDiffs++
				var rerr *RegexError
				if !errors.As(err, &rerr) || !strings.HasPrefix(want.err, rerr.Code) {
					fail("pattern %q: RE2 says %q, Regex says %q", p[0], want.err, err)
				} else if argDiffs <= 10 {
					t.Logf("pattern %q: RE2 says %q, Regex says %q", p[0], want.err, err)
				}
			}
		default:
			if got := re.Match(p[1]); got != want.match {
				fail("pattern %q matching %q: Regex %v, RE2 %v", p[0], p[1], got, want.match)
			}
		}
	}
}

// libsinspView is the value RE2 sees in libsinsp.
func libsinspView(v string) string { return string(SanitizeUTF8(nil, TrimNUL(v))) }

func TestRegexDifferential(t *testing.T) {
	bin := getRE2Oracle(t)
	seed := uint64(21)
	if v := os.Getenv("MATCH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	r := rand.New(rand.NewPCG(seed, 22))
	n := 30000
	if testing.Short() {
		n = 3000
	}
	var pairs, oraclePairs [][2]string
	for i := 0; i < n; i++ {
		p := randomRegex(r)
		for j := 0; j < 4; j++ {
			s := randomRegexSubject(r, p)
			pairs = append(pairs, [2]string{p, s})
			oraclePairs = append(oraclePairs, [2]string{p, libsinspView(s)})
		}
	}
	res := runRE2(t, bin, oraclePairs)
	matches, errs := 0, 0
	for _, x := range res {
		if x.match {
			matches++
		}
		if x.err != "" {
			errs++
		}
	}
	t.Logf("%d comparisons: %d matches, %d refused patterns", len(res), matches, errs)
	checkRegexAgainst(t, pairs, res)
}

const re2Record = "testdata/re2_regex.txt"

var updateRE2 = flag.Bool("update-re2", false, "regenerate testdata/re2_regex.txt with RE2")

// TestRegexRecorded replays RE2 verdicts recorded with the oracle.
// Regenerate with: go test -run TestRegexRecorded -update-re2
func TestRegexRecorded(t *testing.T) {
	if *updateRE2 {
		writeRE2Record(t)
	}
	data, err := os.ReadFile(re2Record)
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]string
	var res []re2Result
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.SplitN(line, " ", 3)
		if len(fs) != 3 {
			t.Fatalf("%s:%d: malformed line", re2Record, n+1)
		}
		p, err1 := unhexArg(fs[0])
		s, err2 := unhexArg(fs[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s:%d: malformed line", re2Record, n+1)
		}
		pairs = append(pairs, [2]string{p, s})
		switch {
		case strings.HasPrefix(fs[2], "E "):
			text, err := hex.DecodeString(fs[2][2:])
			if err != nil {
				t.Fatalf("%s:%d: malformed line", re2Record, n+1)
			}
			res = append(res, re2Result{err: string(text)})
		default:
			res = append(res, re2Result{match: fs[2] == "1"})
		}
	}
	if len(pairs) < 1000 {
		t.Fatalf("only %d recorded cases", len(pairs))
	}
	checkRegexAgainst(t, pairs, res)
}

func writeRE2Record(t *testing.T) {
	bin := getRE2Oracle(t)
	r := rand.New(rand.NewPCG(23, 24))
	var pairs, oraclePairs [][2]string
	for i := 0; i < 1500; i++ {
		p := randomRegex(r)
		for j := 0; j < 2; j++ {
			s := randomRegexSubject(r, p)
			pairs = append(pairs, [2]string{p, s})
			oraclePairs = append(oraclePairs, [2]string{p, libsinspView(s)})
		}
	}
	res := runRE2(t, bin, oraclePairs)
	var b strings.Builder
	b.WriteString("# RE2 2022-06-01 verdicts (RE2::POSIX, ANCHOR_BOTH) recorded by TestRegexRecorded -update-re2.\n")
	b.WriteString("# pattern-hex value-hex ('-' = empty; the value as Kestrel receives it) verdict (1, 0, or E <RE2 error text, hex>)\n")
	for i, p := range pairs {
		verdict := "0"
		switch {
		case res[i].err != "":
			verdict = "E " + hex.EncodeToString([]byte(res[i].err))
		case res[i].match:
			verdict = "1"
		}
		fmt.Fprintf(&b, "%s %s %s\n", hexArg(p[0]), hexArg(p[1]), verdict)
	}
	if err := os.WriteFile(filepath.FromSlash(re2Record), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
