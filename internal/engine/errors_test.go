package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// TestOperatorTypeCompatibility reproduces flt_is_comparable
// (filter_compare.cpp), including its message quirks: bool fields report
// "numeric filters", list fields "not supported list filters" with no
// "for", and modifiers on addresses a message of their own. Every
// operator/type pair not listed as an error compiles.
func TestOperatorTypeCompatibility(t *testing.T) {
	src := testRegistry(t)
	const (
		num  = "filter error: '%s' operator not supported for numeric filters"
		str  = "filter error: '%s' operator not supported for string filters"
		buf  = "filter error: '%s' operator not supported for buffer filters"
		ipn  = "filter error: '%s' operator not supported for ip address and network filters"
		list = "filter error: '%s' operator not supported list filters"
	)
	// the operators, with a right-hand side valid for the field type
	type opCase struct{ op, num, str, buf, ip, net, list string }
	ops := []opCase{
		{"exists", "", "", "", "", "", ""},
		{"=", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"==", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"!=", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"<", "1", "1", "1", "1", "1", "1"},
		{"<=", "1", "1", "1", "1", "1", "1"},
		{">", "1", "1", "1", "1", "1", "1"},
		{">=", "1", "1", "1", "1", "1", "1"},
		{"contains", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"icontains", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"bcontains", "00", "00", "00", "00", "00", "00"},
		{"startswith", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"bstartswith", "00", "00", "00", "00", "00", "00"},
		{"endswith", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"glob", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"iglob", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"regex", "1", "x", "x", "1.2.3.4", "1.2.3.0/24", "x"},
		{"in", "(1)", "(x)", "(x)", "(1.2.3.4)", "(1.2.3.0/24)", "(x)"},
		{"intersects", "(1)", "(x)", "(x)", "(1.2.3.4)", "(1.2.3.0/24)", "(x)"},
		{"pmatch", "(1)", "(x)", "(x)", "(1.2.3.4)", "(1.2.3.0/24)", "(x)"},
	}
	numOK := map[string]bool{"exists": true, "=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "in": true, "intersects": true}
	boolOK := map[string]bool{"exists": true, "=": true, "==": true, "!=": true, "in": true, "intersects": true}
	strOK := map[string]bool{"bcontains": false, "bstartswith": false}
	bufOK := map[string]bool{"exists": true, "=": true, "==": true, "!=": true, "contains": true, "bcontains": true,
		"startswith": true, "bstartswith": true, "endswith": true, "in": true, "intersects": true}
	ipOK := boolOK
	listOK := map[string]bool{"exists": true, "in": true, "intersects": true}
	display := func(op string) string {
		if op == "==" {
			return "="
		}
		return op
	}
	check := func(field, op, rhs string, ok bool, format string) {
		t.Helper()
		cond := field + " " + op + " " + rhs
		want := ""
		if !ok {
			want = strings.Replace(format, "%s", display(op), 1)
		}
		if got := compileErr(t, src, nil, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
	for _, o := range ops {
		for _, f := range []string{"t.i8", "t.i16", "t.i32", "t.i64", "t.errno", "t.fd", "t.pid", "t.u8", "t.u16",
			"t.u32", "t.u64", "t.port", "t.reltime", "t.abstime", "t.mode", "t.flags8", "t.flags16", "t.flags32",
			"t.sigtype", "t.syscallid", "t.dbl"} {
			check(f, o.op, o.num, numOK[o.op], num)
		}
		boolRHS := o.num
		switch o.op {
		case "=", "==", "!=":
			boolRHS = "true"
		case "in", "intersects":
			boolRHS = "(true)"
		}
		check("t.bool", o.op, boolRHS, boolOK[o.op], num)
		for _, f := range []string{"t.str", "t.path", "t.relpath"} {
			ok, listed := strOK[o.op]
			check(f, o.op, o.str, ok || !listed, str)
		}
		check("t.buf", o.op, o.buf, bufOK[o.op], buf)
		for _, f := range []string{"t.ip", "t.ip4", "t.ip6"} {
			rhs := o.ip
			if f == "t.ip6" {
				rhs = strings.ReplaceAll(rhs, "1.2.3.4", "::1")
			}
			check(f, o.op, rhs, ipOK[o.op], ipn)
		}
		check("t.net", o.op, o.net, ipOK[o.op], ipn)
		for _, f := range []string{"t.list", "t.ulist", "t.rlist"} {
			rhs := o.list
			if f != "t.list" && strings.Contains(rhs, "x") {
				rhs = strings.ReplaceAll(rhs, "x", "1")
			}
			check(f, o.op, rhs, listOK[o.op], list)
		}
		check("t.iplist", o.op, o.ip, listOK[o.op], list)
		check("t.netlist", o.op, o.net, listOK[o.op], list)
		// list types libsinsp does not support at all
		for _, f := range []string{"t.ilist", "t.bufflist"} {
			typ := map[string]string{"t.ilist": "INT64", "t.bufflist": "BYTEBUF"}[f]
			want := ""
			if o.op != "exists" {
				want = "filter error: list filters are not supported for type '" + typ + "'"
			}
			cond := f + " " + o.op + " " + o.num
			if got := compileErr(t, src, nil, cond); got != want {
				t.Errorf("%s: got error %q, want %q", cond, got, want)
			}
		}
	}
}

func TestModifierCompatibility(t *testing.T) {
	src := testRegistry(t)
	for cond, want := range map[string]string{
		"t.ip == anyof (127.0.0.1)":          "",
		"t.ip == allof (127.0.0.1)":          "",
		"t.ip != anyof (127.0.0.1)":          "",
		"t.ip != allof (127.0.0.1)":          "",
		"t.ip contains anyof (127.0.0.1)":    "filter error: 'contains' with modifier not supported for ip address and network filters",
		"t.ip regex allof ('.*')":            "filter error: 'regex' with modifier not supported for ip address and network filters",
		"t.net == anyof (127.0.0.1/32)":      "",
		"t.net != allof (127.0.0.1/32)":      "",
		"t.net startswith allof (127.0.0.1)": "filter error: 'startswith' with modifier not supported for ip address and network filters",
		"t.i64 == anyof (1, 2)":              "",
		"t.i64 contains anyof (1, 2)":        "filter error: 'contains' operator not supported for numeric filters",
		"t.bool glob oneof (true)":           "filter error: 'glob' operator not supported for numeric filters",
		"t.buf icontains allof (a)":          "filter error: 'icontains' operator not supported for buffer filters",
		"t.str bcontains anyof (00)":         "filter error: 'bcontains' operator not supported for string filters",
		"t.list = anyof (a)":                 "filter error: '=' operator not supported list filters",
		"t.str == oneof (a)":                 "",
	} {
		if got := compileErr(t, src, nil, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
}

func TestValueErrors(t *testing.T) {
	src := testRegistry(t)
	const nul = `filter error: filter value cannot contain a NUL byte (\x00)`
	const hex = "filter error: bcontains and bstartswith operator support hex strings only"
	for cond, want := range map[string]string{
		// numbers: sscanf("%d%c") accepts decimal only
		"t.i64 = abc":            "abc is not a valid number",
		"t.i64 = 0x10":           "0x10 is not a valid number",
		"t.i64 > 0x10":           "0x10 is not a valid number",
		"t.u64 = 0x1F":           "0x1F is not a valid number",
		"t.i64 = 1.5":            "1.5 is not a valid number",
		"t.dbl = 1.0":            "1.0 is not a valid number",
		"t.u32 = ''":             " is not a valid number",
		"t.i64 = '5 '":           "5  is not a valid number",
		"t.i64 = '- 5'":          "- 5 is not a valid number",
		"t.u8 = 1e3":             "1e3 is not a valid number",
		"t.i64 in (1, x)":        "x is not a valid number",
		"t.ulist in (1, x)":      "x is not a valid number",
		"t.i64 = ' 5'":           "",
		"t.i64 = -5":             "",
		"t.i64 = +5":             "",
		"t.port = nosuchservice": "unrecognized protocol nosuchservice",
		"t.port = ''":            "",
		// booleans
		"t.bool = 1":           "filter error: unrecognized boolean value 1",
		"t.bool = TRUE":        "filter error: unrecognized boolean value TRUE",
		"t.bool in (true, no)": "filter error: unrecognized boolean value no",
		"t.blist in (yes)":     "filter error: unrecognized boolean value yes",
		// addresses
		"t.ip = 1.2.3":             "unrecognized IPv4 address 1.2.3",
		"t.ip = 1.2.3.256":         "unrecognized IPv4 address 1.2.3.256",
		"t.ip = 01.2.3.4":          "unrecognized IPv4 address 01.2.3.4",
		"t.ip = foo":               "unrecognized IPv6 address foo",
		"t.ip = 10.0.0.0/8":        "unrecognized IPv4 address 10.0.0.0/8",
		"t.ip = '::ffff:1.2.3.4'":  "unrecognized IPv4 address ::ffff:1.2.3.4",
		"t.ip = 'fe80::1%eth0'":    "unrecognized IPv6 address fe80::1%eth0",
		"t.ip4 = ::1":              "unrecognized IPv4 address ::1",
		"t.ip6 = 1.2.3.4":          "unrecognized IPv6 address 1.2.3.4",
		"t.ip6 = '::ffff:1.2.3.4'": "",
		"t.iplist in (::1, x.y)":   "unrecognized IPv4 address x.y",
		// networks
		"t.net = 10.0.0.1":               "unrecognized IP network 10.0.0.1",
		"t.net = 10.0.0/8":               "unrecognized IP address 10.0.0/8",
		"t.net = 10.0.0.0/33":            "invalid netmask 33",
		"t.net = 10.0.0.0/x":             "x is not a valid number",
		"t.net = 10.0.0.0/8/9":           "8/9 is not a valid number",
		"t.net = 10.0.0.0/-1":            "invalid netmask -1",
		"t.net = ::1":                    "invalid v6 netmask: ::1",
		"t.net = ::/0":                   "invalid v6 netmask 0",
		"t.net = ::/129":                 "invalid v6 netmask 129",
		"t.net = ::/256":                 "invalid v6 netmask 256",
		"t.net = ::/384":                 "", // 384 narrowed to 8 bits is 128
		"t.net = zz::/64":                "unrecognized IPv6 address zz::/64",
		"t.net = ::/64x":                 "64x is not a valid number",
		"t.net = 0.0.0.0/0":              "",
		"t.netlist in (::1/64, 1.2.3.4)": "unrecognized IP network 1.2.3.4",
		// NUL bytes (filter_nul_byte_value)
		`t.str = "\x00"`:             nul,
		`t.str contains "\x00"`:      nul,
		`t.str icontains "\x00"`:     nul,
		`t.str startswith "\x00"`:    nul,
		`t.str endswith "\x00"`:      nul,
		`t.str pmatch ("\x00")`:      nul,
		`t.str glob "\x00?"`:         nul,
		`t.str regex "\x00"`:         nul,
		`t.str in (a, "b\x00")`:      nul,
		`t.str = anyof (a, "b\x00")`: nul,
		`t.i64 = "1\x00"`:            nul,
		`t.bool = "true\x00"`:        nul,
		`t.ip = "1.2.3.4\x00"`:       nul,
		`t.net = "1.2.3.4/8\x00"`:    nul,
		`t.list in ("\x00")`:         nul,
		`t.buf = "\x00"`:             "",
		`t.buf contains "a\x00"`:     "",
		`t.buf bcontains "\x00"`:     hex,
		`t.buf bstartswith "\x00"`:   hex,
		// hex right-hand sides (supported_operators)
		"t.buf bcontains 12ab001fc5":     "",
		"t.buf bstartswith 48545450":     "",
		"t.buf bstartswith g":            hex,
		"t.buf bstartswith 123Z":         hex,
		"t.buf bstartswith abc_1":        hex,
		"t.buf bcontains abc":            hex,
		"t.buf bcontains '0x00'":         hex,
		"t.buf bcontains anyof (00, zz)": hex,
		// regex
		"t.str regex '('":   "invalid regex pattern: missing ): (",
		`t.str regex '\\d'`: `invalid regex pattern: invalid escape sequence: \d`,
		"t.str regex 'a**'": "",
	} {
		if got := compileErr(t, src, nil, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
}

func TestFieldErrors(t *testing.T) {
	src := testRegistry(t)
	for cond, want := range map[string]string{
		"t.nope = 1":              "filter_check called with nonexistent field t.nope",
		"t.nope[x] = 1":           "filter_check called with nonexistent field t.nope[x]",
		"tolower(t.nope) = 1":     "filter_check called with nonexistent field t.nope",
		"t.str = val(t.nope)":     "filter_check called with nonexistent field t.nope",
		"t.str[1] = x":            "filter_check called with nonexistent field t.str[1]",
		"join(',', (t.nope)) = x": "filter_check called with nonexistent field t.nope",
		"some_macro":              "filter error: unexpected identifier 'some_macro'",
		"t.str = x and other":     "filter error: unexpected identifier 'other'",
		"t.arg[k] = x":            "",
		"t.arg = x":               "",
		"t.filteronly = x":        "",
		"t.anc[2] = x":            "",
	} {
		if got := compileErr(t, src, nil, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
	// Unknown fields are flagged for skip-if-unknown-filter.
	e, _ := lang.Parse("t.nope = 1")
	_, _, err := NewCompiler(src, mapBinder{}, nil).Compile(e)
	var ce *Error
	if !errors.As(err, &ce) || !ce.Unknown {
		t.Errorf("unknown field: got %#v, want an *Error with Unknown set", err)
	}
}

func TestTransformerErrors(t *testing.T) {
	src := testRegistry(t)
	for cond, want := range map[string]string{
		"tolower(t.i64) = x":       "can't add field transformer: type 'INT64' is not supported by 'tolower' transformer applied on field 't.i64'",
		"toupper(t.bool) = x":      "can't add field transformer: type 'BOOL' is not supported by 'toupper' transformer applied on field 't.bool'",
		"toupper(t.buf) = x":       "can't add field transformer: type 'BYTEBUF' is not supported by 'toupper' transformer applied on field 't.buf'",
		"b64(t.u64) = x":           "can't add field transformer: type 'UINT64' is not supported by 'b64' transformer applied on field 't.u64'",
		"b64(t.path) = x":          "can't add field transformer: type 'FSPATH' is not supported by 'b64' transformer applied on field 't.path'",
		"b64(t.ulist) = x":         "can't add field transformer: type 'UINT64' is not supported by 'b64' transformer applied on list field 't.ulist'",
		"basename(t.buf) = x":      "can't add field transformer: type 'BYTEBUF' is not supported by 'basename' transformer applied on field 't.buf'",
		"basename(t.ip) = x":       "can't add field transformer: type 'IPADDR' is not supported by 'basename' transformer applied on field 't.ip'",
		"len(t.i64) = 1":           "can't add field transformer: type 'INT64' is not supported by 'len' transformer applied on field 't.i64'",
		"len(t.ip) = 1":            "can't add field transformer: type 'IPADDR' is not supported by 'len' transformer applied on field 't.ip'",
		"tolower(len(t.str)) = 1":  "can't add field transformer: type 'UINT64' is not supported by 'tolower' transformer applied on field 't.str'",
		"tolower(len(t.list)) = 1": "can't add field transformer: type 'UINT64' is not supported by 'tolower' transformer applied on field 't.list'",
		"len(t.ilist) = 1":         "", // len accepts a list of any type
		"len(t.ulist) = 1":         "",
		"len(t.path) = 1":          "",
		"len(t.relpath) = 1":       "",
		"b64(t.buf) = x":           "",
		"toupper(t.list) in (x)":   "",
		"basename(t.relpath) = x":  "",
		// NO_TRANSFORMER fields
		"tolower(t.notr) = x":  "field 't.notr' does not support transformers",
		"toupper(t.anc) = x":   "field 't.anc' does not support transformers",
		"len(t.anc[1]) = 1":    "field 't.anc' does not support transformers",
		"tolower(t.norhs) = x": "",
		// field arguments
		"toupper(t.str)[x] = foo":    "filter error: transformer 'toupper' does not support field arguments",
		"t.str = val(t.str2)[x]":     "filter error: transformer 'val' does not support field arguments",
		"len(t.list)[0] = 1":         "filter error: transformer 'len' does not support field arguments",
		"tolower(t.str, t.str2) = x": "unknown multivalue transformer",
		// join / concat / getopt (multivalue_transformer_join etc.)
		`join("-") = foo`:                              "join() requires exactly 2 arguments: separator and list",
		`join("-", "a", "b") = foo`:                    "join() requires exactly 2 arguments: separator and list",
		`join(t.list, ("a", "b")) = foo`:               "join() first argument (separator) must be a single value, not a list",
		`join(("a", "b"), ("a", "b")) = x`:             "join() first argument (separator) must be a single value, not a list",
		`join(("a", "b"), "a") = foo`:                  "join() first argument (separator) must be a single value, not a list",
		`join("a", "b") = foo`:                         "join() second argument must be a list",
		`join("a", t.str) = foo`:                       "join() second argument must be a list",
		`join(",", t.list)[x] = foo`:                   "transformer 'join' does not support field arguments",
		`concat("aaa") = foo`:                          "concat() requires at least 2 arguments",
		`concat(t.list, "a") = foo`:                    "concat() arguments must be strings",
		`concat(("a", "b"), "a") = foo`:                "concat() arguments must be strings",
		`concat("a", ("a", "b")) = foo`:                "concat() arguments must be strings",
		`concat(t.path, "a") = foo`:                    "concat() arguments must be strings",
		`concat(t.str, t.u64) = foo`:                   "concat() arguments must be strings",
		`concat(t.str, "a")[x] = foo`:                  "transformer 'concat' does not support field arguments",
		`getopt(("a")) intersects ("n")`:               "getopt() requires exactly 2 arguments: args list and optstring",
		`getopt(("a"), "n", "extra") intersects ("n")`: "getopt() requires exactly 2 arguments: args list and optstring",
		`getopt("not_a_list", "n") intersects ("n")`:   "getopt() first argument must be a list",
		`getopt(("-n"), ("n")) intersects ("n")`:       "getopt() second argument (optstring) must be a single value",
		`getopt(t.ulist, "n") intersects ("n")`:        "getopt() arguments must be strings",
		`getopt(("-n"), "n")[""] = n`:                  "getopt() field argument must be a single option character",
		`getopt(("-n"), "n")[nt] = n`:                  "getopt() field argument must be a single option character",
		`getopt(("-n"), "n")[n] = n`:                   "",
		`getopt(("-n"), "n") = n`:                      "filter error: '=' operator not supported list filters",
	} {
		if got := compileErr(t, src, nil, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
}

func TestFieldToFieldErrors(t *testing.T) {
	src := testRegistry(t)
	for cond, want := range map[string]string{
		"t.str = val(t.i64)":               "field 't.str' has type 'CHARBUF' while the right-hand side field 't.i64' has incompatible type 'INT64'",
		"t.str = val(t.path)":              "field 't.str' has type 'CHARBUF' while the right-hand side field 't.path' has incompatible type 'FSPATH'",
		"t.i32 = val(t.i64)":               "field 't.i32' has type 'INT32' while the right-hand side field 't.i64' has incompatible type 'INT64'",
		"t.list in val(t.str)":             "field 't.list' has type 'CHARBUF (list)' while the right-hand side field 't.str' has incompatible type 'CHARBUF'",
		"t.str in val(t.list)":             "field 't.str' has type 'CHARBUF' while the right-hand side field 't.list' has incompatible type 'CHARBUF (list)'",
		"tolower(t.str) = val(t.u64)":      "field 't.str' has type 'CHARBUF' while the right-hand side field 't.u64' has incompatible type 'UINT64'",
		"t.str = len(t.str2)":              "field 't.str' has type 'CHARBUF' while the right-hand side field 't.str2' has incompatible type 'UINT64'",
		"len(t.list) = val(t.str)":         "field 't.list' has type 'UINT64' while the right-hand side field 't.str' has incompatible type 'CHARBUF'",
		"t.u64 = concat(t.str, 'x')":       "field 't.u64' has type 'UINT64' while the right-hand side field 'NA' has incompatible type 'CHARBUF'",
		"basename(t.path) = val(t.str)":    "field 't.path' has type 'FSPATH' while the right-hand side field 't.str' has incompatible type 'CHARBUF'",
		"t.str regex val(t.str2)":          "operator 'REGEX' doesn't support right-hand side fields",
		"t.str pmatch val(t.str2)":         "operator 'PMATCH' doesn't support right-hand side fields",
		"t.str regex tolower(t.str2)":      "operator 'REGEX' doesn't support right-hand side fields",
		"t.net = val(t.ip)":                "field type 'IPNET' doesn't support right-hand side fields",
		"t.net = val(t.net2)":              "field type 'IPNET' doesn't support right-hand side fields",
		"t.norhs = val(t.str)":             "field 't.norhs' doesn't support right-hand side fields",
		"t.str = val(t.norhs)":             "field 't.norhs' can't be used as a right-hand side field",
		"t.anc = val(t.str)":               "field 't.anc' doesn't support right-hand side fields",
		"t.anc[1] = val(t.str)":            "field 't.anc' doesn't support right-hand side fields",
		"t.str = val(t.anc)":               "field 't.anc' can't be used as a right-hand side field",
		"t.i64 contains val(t.i64b)":       "filter error: 'contains' operator not supported for numeric filters",
		"t.str = val(t.str2)":              "",
		"t.str glob val(t.str2)":           "",
		"t.list intersects val(t.list2)":   "",
		"len(t.str) = val(t.u64)":          "",
		"t.u64 = len(t.str)":               "",
		"tolower(t.str) = toupper(t.str2)": "",
	} {
		if got := compileErr(t, src, nil, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
}

func TestEvtTypeValidation(t *testing.T) {
	src := syscallSource(t)
	et := event.NewResolver("myasync")
	for cond, want := range map[string]string{
		"evt.type = open":              "",
		"evt.type = foo":               "unknown event type foo",
		"evt.type in (open, foo)":      "unknown event type foo",
		"evt.type != foo":              "unknown event type foo",
		"evt.type contains foo":        "unknown event type foo",
		"evt.type = anyof (open, foo)": "unknown event type foo",
		"evt.type = syscall":           "",
		"evt.type = NA":                "",
		"evt.type = madvise":           "", // generic syscall name
		"evt.type = myasync":           "", // plugin async event name
		"syscall.type = foo":           "", // syscall.type values are not validated
		"evt.type = val(evt.source)":   "",
	} {
		if got := compileErr(t, src, et, cond); got != want {
			t.Errorf("%s: got error %q, want %q", cond, got, want)
		}
	}
	e, _ := lang.Parse("evt.type = foo")
	_, _, err := NewCompiler(src, nil, et).Compile(e)
	var ce *Error
	if !errors.As(err, &ce) || !ce.Unknown {
		t.Errorf("unknown event type: got %#v, want an *Error with Unknown set", err)
	}
}

// TestCompileHints: filter_compiler.ut.cpp compilation_warnings.
func TestCompileHints(t *testing.T) {
	src := syscallSource(t)
	for cond, n := range map[string]int{
		"evt.source = evt.plugininfo":               1,
		"evt.source = 'tolower(evt.plugininfo)'":    1,
		"evt.source regex syscall":                  1,
		"evt.source regex ^syscall$":                1,
		"evt.source regex ^syscall":                 1,
		"evt.source regex syscall$":                 1,
		"evt.source regex .*syscall":                1,
		"evt.source regex syscall.*":                1,
		"evt.source regex .*syscall.*":              1,
		"evt.source regex .+syscall":                1,
		"evt.source regex syscall.+":                1,
		"evt.source regex .+syscall.+":              1,
		"evt.source regex .?syscall":                1,
		"evt.source regex syscall.?":                1,
		"evt.source regex .?syscall.?":              1,
		"evt.source = unknown.field":                0,
		"evt.source = tolower":                      0,
		"evt.source = tolower(evt.plugininfo)":      0,
		"evt.source = 'tolow(evt.plugininfo)'":      0,
		"evt.source regex syscall.{1}":              0,
		`evt.source regex syscall\.*`:               0,
		"evt.source regex s.*l":                     0,
		"evt.source regex syscal[l]?":               0,
		"evt.source in (evt.plugininfo, proc.name)": 2,
		"evt.source = 'proc.aname[2]'":              1,
	} {
		e, err := lang.Parse(cond)
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		_, warns, err := NewCompiler(src, nil, nil).Compile(e)
		if err != nil {
			t.Errorf("%s: %v", cond, err)
			continue
		}
		if len(warns) != n {
			t.Errorf("%s: %d warnings %v, want %d", cond, len(warns), warns, n)
		}
	}
}
