package engine

import (
	"testing"
)

// Outcomes follow libsinsp's sinsp_filter_transformers/*.cpp,
// sinsp_filtercheck_multivalue_transformer.cpp and the cases of
// test/filter_transformer.ut.cpp.

func TestCaseTransformers(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.str": "NoT eXcItED", "t.str2": "not excited", "t.path": "/Usr/Bin", "t.list": []string{"HELLO", "wOrLd", "one_1234"},
	}), []evalCase{
		{"tolower(t.str) = 'not excited'", true},
		{"toupper(t.str) = 'NOT EXCITED'", true},
		{"tolower(t.str) = 'NoT eXcItED'", false},
		{"tolower(t.str) = tolower(t.str2)", true},
		{"toupper(t.str) = toupper(t.str2)", true},
		{"tolower(toupper(t.str)) = t.str2", false}, // bare value "t.str2", not a field
		{"tolower(toupper(t.str)) = val(t.str2)", true},
		{"t.str2 = tolower(t.str)", true},
		{"tolower(t.path) = /usr/bin", true},
		{"toupper(t.path) startswith /USR", true},
		{"tolower(t.list) in (hello, world, one_1234)", true},
		{"toupper(t.list) intersects (WORLD)", true},
		{"toupper(t.list) in (HELLO)", false},
		{"tolower(t.str) contains excited", true},
		{"toupper(t.str) icontains excited", true},
		{"tolower(t.str) exists", true},
	})
	// ASCII only, as C tolower/toupper in the C locale.
	runEval(t, ev(map[string]any{"t.str": "ÀÉÎ abc Straße"}), []evalCase{
		{"toupper(t.str) = 'ÀÉÎ ABC STRAßE'", true},
		{"tolower(t.str) = 'ÀÉÎ abc straße'", true},
	})
}

func TestBase64Transformer(t *testing.T) {
	cases := []struct {
		in   string
		want string // decoded value; "!" means the extraction fails
	}{
		{"aGVsbG8=", "hello"},
		{"aGVsbG8", "hello"},
		{"d29ybGQgIQ==", "world !"},
		{"d29ybGQgIQ", "world !"},
		{"d29ybGQgIQ=", "world !"},
		{"", ""},
		{"YQ", "a"},
		{"YQ=", "a"},
		{"YQ==", "a"},
		{"YWJj", "abc"},
		{"YWJj=", "abc"}, // one trailing '=' stripped, then a full quantum
		{"YQ===", "!"},   // at most two '=' are padding
		{"==", "!"},
		{"=", "!"},
		{"Y", "!"},      // a single char cannot encode a byte
		{"YR", "!"},     // trailing bits must be zero
		{"YWI", "ab"},   //
		{"YWJ", "!"},    // trailing bits must be zero
		{"YW\nJj", "!"}, // newlines are not skipped
		{"YW Jj", "!"},
		{"YWJj\x00", "abc"}, // trailing NULs of the input are ignored
		{"!!!!", "!"},
		{"-_-_", "!"}, // URL alphabet is not accepted
		{"+/+/", "\xfb\xff\xbf"},
	}
	for _, tc := range cases {
		e := ev(map[string]any{"t.str": tc.in})
		exists := eval(t, "b64(t.str) exists", e)
		if tc.want == "!" {
			if exists {
				t.Errorf("b64(%q): decoded, want an extraction failure", tc.in)
			}
			continue
		}
		if !exists {
			t.Errorf("b64(%q): extraction failed, want %q", tc.in, tc.want)
			continue
		}
		if !eval(t, "b64(t.str) = '"+tc.want+"'", e) {
			t.Errorf("b64(%q) != %q", tc.in, tc.want)
		}
	}
	// A decoded NUL ends the string for strcmp but not for set lookups.
	runEval(t, ev(map[string]any{"t.str": "YQBi"}), []evalCase{
		{"b64(t.str) = a", true},
		{"b64(t.str) in (a)", false},
		{"len(b64(t.str)) = 1", true},
	})
	// b64 on byte buffers and lists.
	runEval(t, ev(map[string]any{"t.buf": []byte("aGVsbG8=\x00\x00"), "t.list": []string{"YQ", "Yg=="}, "t.list2": []string{"YQ", "!"}}), []evalCase{
		{"b64(t.buf) contains hello", true},
		{"b64(t.buf) startswith hel", true},
		{"b64(t.list) in (a, b)", true},
		{"b64(t.list) in (a)", false},
		{"b64(t.list2) exists", false},
		{"b64(join('', t.list2)) exists", false},
		{"b64(join('', t.list)) exists", true},
		{"b64(concat('YWFh', 'LWJiYg')) = aaa-bbb", true},
	})
}

func TestBasenameTransformer(t *testing.T) {
	for in, want := range map[string]string{
		"/home/ubuntu/hello.txt": "hello.txt",
		"/usr/local/bin/cat":     "cat",
		"/":                      "",
		"/hello/":                "",
		"hello":                  "hello",
		"":                       "",
		"a/b":                    "b",
	} {
		e := ev(map[string]any{"t.path": in, "t.str": in})
		if !eval(t, "basename(t.path) = '"+want+"'", e) || !eval(t, "basename(t.str) = '"+want+"'", e) {
			t.Errorf("basename(%q) != %q", in, want)
		}
	}
	runEval(t, ev(map[string]any{"t.path": "/tmp/file_to_run", "t.list": []string{"/a/b", "/c/d"}}), []evalCase{
		{"basename(t.path) = file_to_run", true},
		{"basename(t.path) = /tmp/file_to_run", false},
		{"toupper(basename(t.path)) = FILE_TO_RUN", true},
		{"basename(toupper(t.path)) = FILE_TO_RUN", true},
		{"basename(t.list) in (b, d)", true},
	})
}

func TestLenTransformer(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.str": "/home/ubuntu/hello.txt", "t.path": "/", "t.str2": "ab\x00cd",
		"t.buf": []byte{1, 2, 3, 0, 5, 6}, "t.list": []string{"a", "b"}, "t.list2": []string{},
		"t.ulist": []uint64{1, 2, 3, 4, 5}, "t.relpath": "",
	}), []evalCase{
		{"len(t.str) = 22", true},
		{"len(t.path) = 1", true},
		{"len(t.relpath) = 0", true},
		{"len(t.str2) = 2", true}, // strnlen
		{"len(t.buf) = 6", true},  // byte buffers count every byte
		{"len(t.list) = 2", true},
		{"len(t.list2) = 0", true},
		{"len(t.ulist) = 5", true},
		{"len(t.list) > 1", true},
		{"len(t.list) in (1, 2)", true},
		{"len(toupper(t.str)) = 22", true},
		{"len(basename(t.str)) = 9", true},
		{"len(t.str) = val(t.u64)", false},
		{"len(t.str) = len(t.str)", true},
		{"len(t.list) < len(t.ulist)", true},
	})
}

func TestJoinTransformer(t *testing.T) {
	e := ev(map[string]any{
		"t.str": "/tmp/file_to_run", "t.str2": "/tmp", "t.list": []string{"a", "b", "c"}, "t.list2": []string{},
		"t.u64": uint64(1), "t.i64": int64(-3), "t.dbl": 2.5,
	})
	runEval(t, e, []evalCase{
		{"join(t.str, (t.str, t.str2)) = /tmp/file_to_run/tmp/file_to_run/tmp", true},
		{`join("-", (t.str, t.str2)) = /tmp/file_to_run-/tmp`, true},
		{`join("-", ("aaa", "bbb")) = aaa-bbb`, true},
		{`join("->", ("aaa", "bbb")) = aaa->bbb`, true},
		{`join("->", ("aaa")) = aaa`, true},
		{`join("->", (t.str, "aaa")) = /tmp/file_to_run->aaa`, true},
		{`join("->", (t.str, "aaa", t.str2)) = /tmp/file_to_run->aaa->/tmp`, true},
		{`join("->", (toupper(t.str), "aaa")) = /TMP/FILE_TO_RUN->aaa`, true},
		{`join("->", ( "aaa", toupper(t.str))) = aaa->/TMP/FILE_TO_RUN`, true},
		{`join("-", (t.str2, join("->", ( "aaa", toupper(t.str))))) = /tmp-aaa->/TMP/FILE_TO_RUN`, true},
		{`join(",", ("aaa","bbb")) = "aaa,bbb"`, true},
		{`join(",", ("aaa","bbb")) = "aaa-bbb"`, false},
		{`join(",", (t.u64, t.u64)) = "1,1"`, true},
		{`join(",", (t.i64, t.u64)) = "-3,1"`, true},
		{`join(",", (t.dbl, t.u64)) = "2.5,1"`, true},
		{`join(",", ()) = ""`, true},
		{`join(",", ()) = ","`, false},
		{`join(",", t.list) = "a,b,c"`, true},
		{`join("", t.list) = abc`, true},
		{`join(",", t.list2) = ""`, true},
		{`join(",", (t.list, "d")) = "a,b,c,d"`, true},
		{`toupper(join("-", (t.str, t.str2))) = /TMP/FILE_TO_RUN-/TMP`, true},
		{`len(join("-", (t.str, t.str2))) = 21`, true},
		{`len(join("-", ("aaa", "bbb"))) = 7`, true},
		{`b64(join("W", ("YWFhL", "JiYg"))) = "aaa-bbb"`, true},
		{`toupper(tolower(join("-", (t.str, t.str2)))) = /TMP/FILE_TO_RUN-/TMP`, true},
		{`toupper(join("-", (t.str, t.str2))) contains /TMP`, true},
		{`len(join("-", (t.str, t.str2))) > 20`, true},
		{`len(join("-", (t.str, t.str2))) < 22`, true},
		{`t.str = join("", (t.str2, "/file_to_run"))`, true},
	})
}

func TestConcatTransformer(t *testing.T) {
	runEval(t, ev(map[string]any{"t.str": "/tmp/file_to_run", "t.str2": "/tmp"}), []evalCase{
		{"concat(t.str, t.str2) = /tmp/file_to_run/tmp", true},
		{`concat("aaa", "bbb") = aaabbb`, true},
		{`concat("aaa", "bbb", "ccc") = aaabbbccc`, true},
		{`concat(t.str, "aaa") = /tmp/file_to_runaaa`, true},
		{`concat(t.str, "aaa", t.str2) = /tmp/file_to_runaaa/tmp`, true},
		{`concat(toupper(t.str), "aaa") = /TMP/FILE_TO_RUNaaa`, true},
		{`concat("aaa", toupper(t.str)) = aaa/TMP/FILE_TO_RUN`, true},
		{`concat(t.str2, concat("aaa", toupper(t.str))) = /tmpaaa/TMP/FILE_TO_RUN`, true},
		{`concat("aaa", "bbb") = "aaa-bbb"`, false},
		{`toupper(concat(t.str, t.str2)) = /TMP/FILE_TO_RUN/TMP`, true},
		{`len(concat(t.str, t.str2)) = 20`, true},
		{`concat(t.str2, "/file_to_run") = val(t.str)`, true},
		{`t.str = concat(t.str2, "/file_to_run")`, true},
		{`concat(t.str2, "x") != concat(t.str2, "y")`, true},
	})
}

// TestGetoptTransformer reproduces the getopt cases of
// filter_transformer.ut.cpp (multivalue_transformer_getopt).
func TestGetoptTransformer(t *testing.T) {
	runEval(t, ev(map[string]any{"t.list": []string{"-n", "-t", "hello", "file"}, "t.str": "nt:"}), []evalCase{
		{`getopt(("-n",""), "n") intersects ("n")`, true},
		{`getopt(("-t", "hello"), "t:") intersects ("t", "hello")`, true},
		{`getopt(("-nt", "hello"), "nt:") intersects ("n", "t", "hello")`, true},
		{`getopt(("-thello"), "t:") intersects ("t", "hello")`, true},
		{`getopt(("-n", "-t", "hello"), "nt:") intersects ("n", "t", "hello")`, true},
		{`getopt(("-n"), "n") intersects ("t")`, false},
		{`getopt(("-n", "--", "-t"), "nt:") intersects ("n")`, true},
		{`getopt(("-n", "--", "-t"), "nt:") intersects ("t")`, false},
		{`getopt(("-x", "-n"), "n") intersects ("?", "n")`, true},
		{`getopt(("-x", "-n"), "n") intersects ("x")`, false},
		{`getopt(("-l", "-p", "8080", "-e", "/bin/sh"), "lp:e:") intersects ("l", "p", "e", "8080", "/bin/sh")`, true},
		{`getopt(("-lpe", "/bin/sh"), "lp:e:") intersects ("l","p","e")`, true},
		{`getopt(("-lpe", "/bin/sh"), "lpe:") intersects ("/bin/sh")`, true},
		{`getopt(("-n", "-t"), "") intersects ("n")`, false},
		{`getopt(("-n", "-t"), "") intersects ("t")`, false},
		{`getopt((""), "n") intersects ("n")`, false},
		{`getopt(("arg1", "arg2", "arg3"), "n") intersects ("n")`, false},
		{`getopt(("arg1", "-n", "arg2"), "n") intersects ("n")`, false},
		{`getopt(("-", "-n"), "n") intersects ("n")`, false},
		{`getopt(("-"), "n") intersects ("n")`, false},
		{`getopt(("-t"), "t:") intersects ("")`, true},
		{`getopt(("-t"), "t:") intersects ("?")`, false},
		{`getopt(("-t"), "t:") intersects ("t")`, false},
		{`getopt(("-t"), ":t:") intersects ("")`, true},
		{`getopt(("-t"), ":t:") intersects (":")`, false},
		{`getopt(("-n", "--", "--"), "n") intersects ("n")`, true},
		{`getopt(("--", "-n"), "n") intersects ("n")`, false},
		{`getopt(("-nat", "hello"), "na:t") intersects ("n", "a", "t")`, true},
		{`getopt(("-abcvalue"), "abc:") intersects ("a", "b", "c", "value")`, true},
		{`getopt(("-abc", "value"), "abc:") intersects ("a", "b", "c", "value")`, true},
		{`getopt(("-n", "-n", "-n"), "n") intersects ("n")`, true},
		{`getopt(("-t", "val1", "-t", "val2"), "t:") intersects ("t", "val1", "val2")`, true},
		{`getopt(("-p8080"), "p:") intersects ("p", "8080")`, true},
		{`getopt(("-t", "-123"), "t:") intersects ("t", "-123")`, true},
		{`getopt(("-t", ""), "t:") intersects ("t", "")`, true},
		{`getopt(("-xzf", "file.tar.gz"), "xzf:") intersects ("x", "z", "f", "file.tar.gz")`, true},
		{`getopt(("-rn", "pattern", "/path"), "rn") intersects ("r", "n")`, true},
		{`getopt(("regular_file", "-f", "another_file"), "f:") intersects ("f", "another_file")`, false},
		{`getopt(("-f", "another_file", "regular_file"), "f:") intersects ("f", "another_file")`, true},
		{`getopt(("-t", " "), "t:") intersects ("t", " ")`, true},
		{`getopt(("", "-n", ""), "n") intersects ("n")`, false},
		{`getopt(("-@", "-+"), "@+") intersects ("@", "+")`, true},
		{`getopt(("-nx"), "n") intersects ("n", "?")`, true},
		{`getopt(("--exec"), "e:") intersects ("?")`, false},
		{`getopt(("--exec"), "e:") intersects ("e")`, false},
		{`getopt(("--exec", "-n"), "n") intersects ("n")`, true},
		{`getopt(("-n", "file", "-t"), "nt") intersects ("n")`, true},
		{`getopt(("-n", "file", "-t"), "nt") intersects ("t")`, false},
		// the exact result list, through in (subset) both ways
		{`getopt(("-nx", "-t", "v", "rest"), "nt:") in ("n", "?", "t", "v")`, true},
		{`getopt(("-nx", "-t", "v", "rest"), "nt:") in ("n", "?", "t")`, false},
		{`len(getopt(("-nx", "-t", "v", "rest"), "nt:")) = 4`, true},
		{`len(getopt(("-t"), "t:")) = 1`, true},
		{`join(",", getopt(("-ab", "-c", "x"), "abc:")) = "a,b,c,x"`, true},
		// selector mode: the value of the last occurrence
		{`getopt(("-n", "-t", "hello"), "nt:")[t] = hello`, true},
		{`getopt(("-n", "-t", "hello"), "nt:")[t] = n`, false},
		{`getopt(("-n", "-t", "hello"), "nt:")[n] = n`, true},
		{`getopt(("-t", "v1", "-t", "v2"), "t:")[t] = v2`, true},
		{`getopt(("-t?"), "t:")[t] = ?`, true},
		{`getopt(("-t:"), ":t:")[t] = :`, true},
		{`getopt(("-t"), "t:")[t] != ""`, false},
		{`getopt(("-t"), "t:")[t] = ""`, true},
		{`getopt(("-t"), "t:")[t] = ?`, false},
		{`getopt(("-t"), ":t:")[t] = :`, false},
		{`getopt(("-n"), "nt:")[t] != ""`, false},
		{`getopt(("-n"), "nt:")[t] exists`, false},
		{`getopt(("-t", "v1", "-t"), "t:")[t] = v1`, false},
		{`getopt(("-t", "v1", "-t"), "t:")[t] = ""`, true},
		// fields as argv and optstring
		{`getopt(t.list, "nt:")[t] = hello`, true},
		{`getopt(t.list, t.str)[t] = hello`, true},
		{`getopt(t.list, t.str) in (n, t, hello)`, true},
		{`getopt(t.list, "n") in (n, "?")`, true},
		{`toupper(getopt(t.list, "nt:")[t]) = HELLO`, true},
	})
}

func TestTransformerCaching(t *testing.T) {
	// The same transformer expression is computed once per event.
	e := ev(map[string]any{"t.str": "AbC"})
	cc, c := compileT(t, "tolower(t.str) = abc and tolower(t.str) != x and toupper(t.str) = ABC")
	f := c.NewFrame()
	f.Reset(e)
	if !cc(f) {
		t.Fatal("want true")
	}
	if n := e.calls["t.str"]; n != 1 {
		t.Errorf("t.str extracted %d times, want 1", n)
	}
}

// TestConstantTransformerArguments: quoted strings inside transformers are
// libsinsp's rawstring_check (a CHARBUF value that always extracts), so
// transformers apply to them on either side of a check.
func TestConstantTransformerArguments(t *testing.T) {
	runEval(t, ev(map[string]any{"t.str": "abc"}), []evalCase{
		{`tolower("ABC") = abc`, true},
		{`toupper("abc") != ABC`, false},
		{`t.str = tolower("ABC")`, true},
		{`t.str = tolower(toupper("aBc"))`, true},
		{`len("abc") = 3`, true},
		{`len(t.str) = len("xyz")`, true},
		{`basename("/a/b") = b`, true},
		{`b64("YWJj") = abc`, true},
		{`t.str = b64("YWJj")`, true},
		{`b64("!!") exists`, false}, // invalid base64 never extracts
		{`t.str != b64("!!")`, false},
		{`toupper(("a", "b")) in (A, B)`, true},
		{`len(("a", "b")) = 2`, true},
		{`len(()) = 0`, true},
		{`toupper(()) in (A)`, true},
		{`concat(tolower("A"), "bc") = val(t.str)`, true},
		{`join(",", toupper(("a", "b"))) = "A,B"`, true},
		{`tolower("X") exists`, true},
	})
}
