package match

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestContainsFold(t *testing.T) {
	tests := []struct {
		haystack, needle string
		want             bool
	}{
		{"", "", true},
		{"abc", "", true},
		{"", "a", false},
		{"Hello World", "WORLD", true},
		{"Hello World", "lo w", true},
		{"Hello World", "world!", false},
		{"NETCAT", "netcat", true},
		{"/usr/bin/NC", "/nc", true},
		{"ÉCOLE", "école", false}, // bytes >= 0x80 compare exactly
		{"\xc9", "\xe9", false},
		{"caf\xc9", "CAF\xc9", true},
		{"a\x00b", "b", false},    // the haystack ends at its first NUL
		{"abc", "b\x00zzz", true}, // so does the needle
		{"aaaaaaaaab", "AAB", true},
		{"xAxAxAxAb", "aXb", false},
		{"@[`{", "@[`{", true}, // neighbours of the letters do not fold
		{"@", "`", false},
		{"[", "{", false},
		{strings.Repeat("x", 1000) + "NeEdLe", "needle", true},
		{strings.Repeat("n", 1000) + "e", "needle", false},
	}
	for _, tc := range tests {
		if got := ContainsFold(tc.haystack, tc.needle); got != tc.want {
			t.Errorf("ContainsFold(%q, %q) = %v, want %v", tc.haystack, tc.needle, got, tc.want)
		}
	}
}

// naiveIndexFold is the obvious quadratic strcasestr.
func naiveIndexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

func TestIndexFoldRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	alphabet := "aAbB@[`{\xe9\xc9-"
	gen := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 100000; i++ {
		s, n := gen(r.IntN(100)), gen(1+r.IntN(4))
		if got, want := indexFold(s, n), naiveIndexFold(s, n); got != want {
			t.Fatalf("indexFold(%q, %q) = %d, want %d", s, n, got, want)
		}
	}
}

func TestContainsFoldAgainstOracle(t *testing.T) {
	o := getOracle(t)
	r := rand.New(rand.NewPCG(33, 34))
	alphabet := "aAbBzZ@[`{\xe9\xc9\xff-"
	gen := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	var qs []oracleQuery
	for i := 0; i < 20000; i++ {
		qs = append(qs, oracleQuery{op: 's', a: gen(r.IntN(16)), b: gen(r.IntN(4))})
	}
	for i, res := range o.run(t, qs) {
		if got := ContainsFold(qs[i].a, qs[i].b); got != (res >= 0) {
			t.Fatalf("ContainsFold(%q, %q) = %v, strcasestr found %d", qs[i].a, qs[i].b, got, res)
		}
		if res >= 0 && qs[i].b != "" {
			if got := indexFold(qs[i].a, qs[i].b); got != res {
				t.Fatalf("indexFold(%q, %q) = %d, strcasestr found %d", qs[i].a, qs[i].b, got, res)
			}
		}
	}
}

func TestEqualFoldHasPrefixFold(t *testing.T) {
	if !EqualFold("Hello", "hELLO") || EqualFold("\xc9", "\xe9") || EqualFold("a", "ab") {
		t.Error("EqualFold")
	}
	if !HasPrefixFold("/USR/bin", "/usr") || HasPrefixFold("/us", "/usr") || HasPrefixFold("\xc9t\xc9", "\xe9") {
		t.Error("HasPrefixFold")
	}
}

func TestCStringHelpers(t *testing.T) {
	if CString("abc") != "abc" || CString("ab\x00c\x00") != "ab" || CString("\x00") != "" {
		t.Error("CString")
	}
	if TrimNUL("ab\x00c\x00\x00") != "ab\x00c" || TrimNUL("\x00\x00") != "" || TrimNUL("ab") != "ab" {
		t.Error("TrimNUL")
	}
	if CheckValue("ok") != nil || CheckValue("a\x00") != ErrNULValue {
		t.Error("CheckValue")
	}
	if ErrNULValue.Error() != `filter error: filter value cannot contain a NUL byte (\x00)` {
		t.Error("ErrNULValue text")
	}
}

func TestDecodeHex(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"", "", true},
		{"cafebabe", "\xca\xfe\xba\xbe", true},
		{"CAFEBABE", "\xca\xfe\xba\xbe", true},
		{"CaFeBaBe", "\xca\xfe\xba\xbe", true},
		{"00ff", "\x00\xff", true},
		{"0", "", false},
		{"abc", "", false},
		{"0x00", "", false},
		{"ca fe", "", false},
		{"zz", "", false},
		{"\x00\x00", "", false},
		{"café", "", false},
	}
	for _, tc := range tests {
		got, err := DecodeHex(tc.in)
		if tc.ok != (err == nil) || (err == nil && string(got) != tc.want) {
			t.Errorf("DecodeHex(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && err != ErrNotHex {
			t.Errorf("DecodeHex(%q) error %v", tc.in, err)
		}
	}
}
