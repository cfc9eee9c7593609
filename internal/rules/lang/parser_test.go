package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// dump renders a tree with explicit structure so tests can assert shape,
// precedence and operand kinds.
func dump(e Expr) string {
	switch n := e.(type) {
	case *And:
		return "and(" + dumpAll(n.Children) + ")"
	case *Or:
		return "or(" + dumpAll(n.Children) + ")"
	case *Not:
		return "not(" + dump(n.Child) + ")"
	case *Identifier:
		return "id:" + n.Name
	case *Value:
		return "v:" + n.Value
	case *List:
		return "list[" + strings.Join(n.Values, "|") + "]"
	case *Field:
		if n.HasArg {
			return "f:" + n.Name + "[" + n.Arg + "]"
		}
		return "f:" + n.Name
	case *Transformer:
		s := n.Name + "(" + dumpAll(n.Args) + ")"
		if n.HasArg {
			s += "[" + n.Arg + "]"
		}
		return s
	case *TransformerList:
		return "tl(" + dumpAll(n.Items) + ")"
	case *UnaryCheck:
		return dump(n.Left) + " " + n.Op
	case *BinaryCheck:
		return dump(n.Left) + " " + n.Op + " " + dump(n.Right)
	}
	return "?"
}

func dumpAll(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = dump(e)
	}
	return strings.Join(parts, ", ")
}

func TestParseShapes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"proc.name = bash", "f:proc.name = v:bash"},
		{"proc.name=bash", "f:proc.name = v:bash"},
		{"proc.name==bash", "f:proc.name == v:bash"},
		{"proc.name!=bash", "f:proc.name != v:bash"},
		{"fd.num>=0", "f:fd.num >= v:0"},
		{"fd.num<=-1", "f:fd.num <= v:-1"},
		{"fd.num<0x10", "f:fd.num < v:0x10"},
		{"fd.num > 1.5e+3", "f:fd.num > v:1.5e+3"},
		{"a and b or c", "or(and(id:a, id:b), id:c)"},
		{"a or b and c", "or(id:a, and(id:b, id:c))"},
		{"not a and b", "and(not(id:a), id:b)"},
		{"not not a", "id:a"},
		{"not not not a", "not(id:a)"},
		{"not(a or b)", "not(or(id:a, id:b))"},
		{"not (a or b)", "not(or(id:a, id:b))"},
		{"a and(b or c)", "and(id:a, or(id:b, id:c))"},
		{"a or(b)", "or(id:a, id:b)"},
		{"((a))", "id:a"},
		{"  a  ", "id:a"},
		{"a\n\tand\r\nb", "and(id:a, id:b)"},
		{"proc.name exists", "f:proc.name exists"},
		{"not proc.pname exists", "not(f:proc.pname exists)"},
		{"proc.name in (bash, sh, 'zsh x')", "f:proc.name in list[bash|sh|zsh x]"},
		{"proc.name in(bash)", "f:proc.name in list[bash]"},
		{"proc.name in ()", "f:proc.name in list[]"},
		{"proc.name in ( )", "f:proc.name in list[]"},
		{"proc.name in shell_binaries", "f:proc.name in v:shell_binaries"},
		{"proc.name intersects (a)", "f:proc.name intersects list[a]"},
		{"fd.name pmatch (/etc, /var/run)", "f:fd.name pmatch list[/etc|/var/run]"},
		{"fd.name contains /etc", "f:fd.name contains v:/etc"},
		{"fd.name icontains ETC", "f:fd.name icontains v:ETC"},
		{"evt.buffer bcontains cafebabe", "f:evt.buffer bcontains v:cafebabe"},
		{"evt.buffer bstartswith 7f454c46", "f:evt.buffer bstartswith v:7f454c46"},
		{"fd.name startswith /etc", "f:fd.name startswith v:/etc"},
		{"fd.name endswith .conf", "f:fd.name endswith v:.conf"},
		{"fd.name glob '/etc/*'", "f:fd.name glob v:/etc/*"},
		{"fd.name glob /etc/*", "f:fd.name glob v:/etc/*"},
		{"fd.name iglob /ETC/*", "f:fd.name iglob v:/ETC/*"},
		{`proc.name regex "ba(sh|rk)"`, "f:proc.name regex v:ba(sh|rk)"},
		{"proc.pname in (runc:[0:PARENT], <NA>)", "f:proc.pname in list[runc:[0:PARENT]|<NA>]"},
		{"proc.aname[2] = sshd", "f:proc.aname[2] = v:sshd"},
		{"proc.env[HOME] = /root", "f:proc.env[HOME] = v:/root"},
		{`k8s.pod.label["app.kubernetes.io/name"] = web`, "f:k8s.pod.label[app.kubernetes.io/name] = v:web"},
		{"evt.arg.flags contains O_CREAT", "f:evt.arg.flags contains v:O_CREAT"},
		{"evt.arg[0] = 3", "f:evt.arg[0] = v:3"},
		{"tolower(proc.name) = bash", "tolower(f:proc.name) = v:bash"},
		{"toupper( proc.name ) = BASH", "toupper(f:proc.name) = v:BASH"},
		{"tolower(proc.name) = tolower(proc.pname)", "tolower(f:proc.name) = tolower(f:proc.pname)"},
		{"proc.name = val(proc.pname)", "f:proc.name = val(f:proc.pname)"},
		{"proc.name = val( proc.pname )", "f:proc.name = val(f:proc.pname)"},
		{"proc.aname[1] = val(proc.aname[2])", "f:proc.aname[1] = val(f:proc.aname[2])"},
		{"toupper(basename(proc.exepath)) = BASH", "toupper(basename(f:proc.exepath)) = v:BASH"},
		{"len(proc.args) > 10", "len(f:proc.args) > v:10"},
		{"b64(evt.buffer) contains x", "b64(f:evt.buffer) contains v:x"},
		{`join(",", (proc.name, proc.pname)) = "a,b"`, "join(v:,, tl(f:proc.name, f:proc.pname)) = v:a,b"},
		{`concat(proc.name, "-", proc.pname) = "a-b"`, "concat(f:proc.name, v:-, f:proc.pname) = v:a-b"},
		{`getopt(proc.args, "c:")[c] = x`, "getopt(f:proc.args, v:c:)[c] = v:x"},
		{"proc.name startswith anyof (ba, zs)", "f:proc.name startswith anyof list[ba|zs]"},
		{"proc.name = oneof (a, b)", "f:proc.name = oneof list[a|b]"},
		{"proc.name != allof (a, b)", "f:proc.name != allof list[a|b]"},
		{"proc.name contains allof my_list", "f:proc.name contains allof v:my_list"},
		// a modifier word not followed by a list is a plain value
		{"proc.name = oneof", "f:proc.name = v:oneof"},
		{"proc.name = oneof and a", "and(f:proc.name = v:oneof, id:a)"},
		{"proc.name contains anyof", "f:proc.name contains v:anyof"},
		// word operators need a blank; list operators do not
		{"proc.name in(a)", "f:proc.name in list[a]"},
		{`proc.cmdline contains "a \"b\" c"`, `f:proc.cmdline contains v:a "b" c`},
		{`proc.cmdline contains 'it\'s'`, "f:proc.cmdline contains v:it's"},
		{`proc.cmdline contains "\x41\t\/"`, "f:proc.cmdline contains v:A\t/"},
		{`proc.cmdline contains "a\ b"`, `f:proc.cmdline contains v:a\b`},
		{"evt.type=open", "f:evt.type = v:open"},
		{"a and not b", "and(id:a, not(id:b))"},
		{"a andnot", ""},
		{"notamacro", "id:notamacro"},
		{"not\va", "not(id:a)"},
	}
	for _, c := range cases {
		e, err := Parse(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want error", c.in, dump(e))
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := dump(e); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in, msg string
		col     int
	}{
		{"", "filter input string is empty", 1},
		{"a b", "unexpected token after 'a', expecting 'or', 'and'", 3},
		{"a andb", "expected blank or '(' after 'and'", 6},
		{"a orb", "expected blank or '(' after 'or'", 5},
		{"(a", "expected a ')' token", 3},
		{"proc.name", "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'", 10},
		{"proc.name containsx", "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'", 11},
		{"fd.num > abc", "expected a number value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 10},
		{"proc.name = ", "expected a string value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 13},
		{"proc.name in (a b)", "expected a ')' token", 17},
		{"proc.name in (a,)", "expected a string value", 17},
		{"proc.aname[", "expected a valid field argument: a quoted string or a bare string", 12},
		{"proc.aname[2", "expected a ']' token", 13},
		{`proc.name = "a\qb"`, "unsupported string escape sequence: \\q", 19},
		{`proc.name = 'a\"b'`, "invalid \\\" escape in '-quoted string", 19},
		{`proc.name = "a\'b"`, "invalid \\' escape in \"-quoted string", 19},
		{`proc.name = "\x4"`, "truncated hex char escape sequence", 18},
		{`proc.name = "\xzz"`, "invalid hex char escape sequence: zz", 19},
		{`proc.name = "abc`, "expected a string value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 13},
		{"proc.name = val(bash)", "expected a field within 'val' transformer", 17},
		{"=", "expected a '(' token, a field check, or an identifier", 1},
		{"a\nand\n)", "expected a '(' token, a field check, or an identifier", 1},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		pe, ok := err.(*Error)
		if !ok {
			t.Errorf("Parse(%q) error = %v, want parse error", c.in, err)
			continue
		}
		if pe.Msg != c.msg || pe.Pos.Col != c.col {
			t.Errorf("Parse(%q) = %q at col %d, want %q at col %d", c.in, pe.Msg, pe.Pos.Col, c.msg, c.col)
		}
	}
}

func TestParseErrorLine(t *testing.T) {
	_, err := Parse("a and\n  b and\n  (c")
	pe := err.(*Error)
	if pe.Pos.Line != 3 || pe.Pos.Col != 5 || pe.Pos.Idx != 18 {
		t.Fatalf("pos = %+v, want line 3 col 5 idx 18", pe.Pos)
	}
}

func TestQuirkEscapedBackslashBeforeQuote(t *testing.T) {
	// libsinsp closes a quoted string only on a delimiter whose previous
	// byte is not a backslash, even an escaped one: "a\\" does not end.
	if _, err := Parse(`proc.name = "a\\"`); err == nil {
		t.Fatal("want error: the string never closes")
	}
	// the first string runs to the quote before b, leaving `b"` behind
	_, err := Parse(`proc.name = "a\\" and x = "b"`)
	if err == nil || !strings.Contains(err.Error(), "unexpected token after") {
		t.Fatalf("err = %v", err)
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("(", 400) + "a" + strings.Repeat(")", 400)
	_, err := Parse(deep)
	if err == nil || !strings.Contains(err.Error(), "exceeded max depth limit of 1000") {
		t.Fatalf("err = %v", err)
	}
	ok := strings.Repeat("(", 50) + "a" + strings.Repeat(")", 50)
	if _, err := Parse(ok); err != nil {
		t.Fatal(err)
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, in := range []string{
		"a and (b or not c)",
		`proc.name in (bash, "a b", "x=y", "q\"uote")`,
		"not (a and b) or c",
		`k8s.pod.label["app.kubernetes.io/name"] = web`,
		"proc.aname[2] startswith anyof (a, b)",
		`join(",", (proc.name, proc.pname)) = "a,b"`,
		"proc.name = val(proc.pname)",
		"fd.num >= 0",
		`proc.cmdline contains "\t\n"`,
	} {
		e1, err := Parse(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		s := String(e1)
		e2, err := Parse(s)
		if err != nil {
			t.Fatalf("reparse %q (from %q): %v", s, in, err)
		}
		if dump(e1) != dump(e2) {
			t.Errorf("round trip %q -> %q: %s != %s", in, s, dump(e1), dump(e2))
		}
	}
}

// TestFalcoRuleConditionsParse parses every macro and rule condition of
// Falco's published rule files (lists are substituted later, by the
// loader; their names parse as bare values here).
func TestFalcoRuleConditionsParse(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "falco-rules")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			t.Fatalf("no rule files in %s", dir)
		}
		t.Skip("../shared not present")
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var items []map[string]any
		if err := yaml.Unmarshal(data, &items); err != nil {
			continue // not a rules file (e.g. the sample alerts)
		}
		for _, it := range items {
			c, ok := it["condition"].(string)
			if !ok {
				continue
			}
			if _, err := Parse(c); err != nil {
				t.Errorf("%s: %v: %v\n%s", filepath.Base(f), it["rule"], err, c)
			}
			n++
		}
	}
	if n < 450 {
		t.Fatalf("parsed only %d conditions", n)
	}
}
