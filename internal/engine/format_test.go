package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Expectations follow libsinsp's eventformatter.cpp (set_format,
// formatter_visitor) and test/eventformatter.ut.cpp.

// tokenString renders compiled tokens compactly: literal text in quotes,
// fields as {expr|key|width}.
func tokenString(f *Format) string {
	var b strings.Builder
	for _, tok := range f.Tokens {
		if tok.Expr == nil {
			b.WriteString(`"` + tok.Text + `"`)
			continue
		}
		b.WriteString("{" + exprString(tok.Expr) + "|" + tok.Key)
		if tok.Width != 0 {
			b.WriteString("|" + string(rune('0'+tok.Width/10)) + string(rune('0'+tok.Width%10)))
		}
		b.WriteString("}")
	}
	return b.String()
}

func fieldKeys(f *Format, transformed bool) []string {
	var out []string
	for _, ff := range f.Fields {
		if !ff.Transformed || transformed {
			out = append(out, ff.Key)
		}
	}
	return out
}

func TestFormatTokens(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	for format, want := range map[string]string{
		"this is a sample output %proc.name %fd.type %proc.pid": `"this is a sample output "{proc.name|proc.name}" "{fd.type|fd.type}" "{proc.pid|proc.pid}`,
		"start %proc.name end":                             `"start "{proc.name|proc.name}" end"`,
		"*start %proc.name end":                            `"start "{proc.name|proc.name}" end"`,
		"start %2proc.name end":                            `"start "{proc.name|proc.name|02}" end"`,
		"start %10proc.name end":                           `"start "{proc.name|proc.name|10}" end"`,
		"start%proc.nameand%thread.tidend":                 `"start"{proc.name|proc.name}"and"{thread.tid|thread.tid}"end"`,
		"%proc.namex":                                      `{proc.name|proc.name}"x"`,
		"%proc.name.":                                      `{proc.name|proc.name}"."`,
		"(%proc.name)":                                     `"("{proc.name|proc.name}")"`,
		"%proc.name,%proc.pid":                             `{proc.name|proc.name}","{proc.pid|proc.pid}`,
		"start %proc.aname[0] end":                         `"start "{proc.aname[0]|proc.aname[0]}" end"`,
		"start%proc.aname[0]and%proc.apid[0]end":           `"start"{proc.aname[0]|proc.aname[0]}"and"{proc.apid[0]|proc.apid[0]}"end"`,
		"%evt.arg.flags":                                   `{evt.arg.flags|evt.arg.flags}`,
		"%evt.arg[1]":                                      `{evt.arg[1]|evt.arg[1]}`,
		"%proc.env[HOME]":                                  `{proc.env[HOME]|proc.env[HOME]}`,
		`%proc.env["A B"]`:                                 `{proc.env["A B"]|proc.env["A B"]}`,
		"start %toupper(proc.name) end":                    `"start "{toupper(proc.name)|}" end"`,
		"start %2toupper(proc.name) end":                   `"start "{toupper(proc.name)||02}" end"`,
		"start %toupper( proc.name) end":                   `"start "{toupper(proc.name)|}" end"`,
		"start %toupper(proc.name ) end":                   `"start "{toupper(proc.name)|}" end"`,
		"start %toupper( tolower( proc.name ) ) end":       `"start "{toupper(tolower(proc.name))|}" end"`,
		`start %join("->", (proc.name, evt.arg.path)) end`: `"start "{join(->,(proc.name,evt.arg.path))|}" end"`,
		"start end":                                        `"start end"`,
		"100%% %proc.name":                                 "", // "%%" is not an escape: "% " starts a token
	} {
		f, err := c.CompileFormat(format)
		if want == "" {
			if err == nil {
				t.Errorf("%q: compiled to %s, want an error", format, tokenString(f))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", format, err)
			continue
		}
		if got := tokenString(f); got != want {
			t.Errorf("%q:\n got %s\nwant %s", format, got, want)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	for format, want := range map[string]string{
		"":                      "empty formatting token",
		"start %proc.name %":    "invalid formatting syntax: formatting cannot end with a %",
		"%":                     "invalid formatting syntax: formatting cannot end with a %",
		"start %10":             "invalid formatting syntax: formatting cannot end with a number",
		"start %some.field end": "unknown filter: ",
		"start %a end":          "unknown filter: ",
		"start % end":           "unknown filter: ",
		"start %some_transformer(proc.aname) end": "unknown filter: ",
		"start %val(proc.aname) end":              "unknown filter: ",
		"start %(proc.aname) end":                 "unknown filter: ",
		"start %toupper(proc.aname":               "unknown filter: ",
		"start %toupper(tolower)":                 "unknown filter: ",
		"start %toupper(tolower(proc.aname":       "unknown filter: ",
		"start %toupper(val(proc.aname))":         "unknown filter: ",
		"start %touper(":                          "unknown filter: ",
		"start %(":                                "unknown filter: ",
		"start %toupper(evt.num) end":             "unknown filter: ",
		"start %toupper (proc.name) end":          "unknown filter: ",
	} {
		_, err := c.CompileFormat(format)
		if err == nil {
			t.Errorf("%q: compiled, want error %q", format, want)
			continue
		}
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %q, want %q...", format, err, want)
		}
		var ce *Error
		if strings.HasPrefix(want, "unknown filter") && (!errors.As(err, &ce) || !ce.Unknown) {
			t.Errorf("%q: unknown-filter error not flagged Unknown", format)
		}
	}
}

// TestFormatFields: the output-field keys (formatter_visitor's resolution
// tokens), as in eventformatter.ut.cpp with resolve_transformed_fields on
// (all) and off (Falco's default).
func TestFormatFields(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	for _, tc := range []struct {
		format   string
		all, off []string
	}{
		{"start %proc.name %thread.tid end", []string{"proc.name", "thread.tid"}, nil},
		{"start %toupper(proc.name) end", []string{"proc.name", "toupper(proc.name)"}, []string{"proc.name"}},
		{"start %toupper(evt.arg[1]) end", []string{"evt.arg[1]", "toupper(evt.arg[1])"}, []string{"evt.arg[1]"}},
		{"start %tolower(toupper(proc.name)) end", []string{"proc.name", "tolower(toupper(proc.name))"}, []string{"proc.name"}},
		{"start %toupper(proc.name) %toupper(evt.arg.path) end",
			[]string{"proc.name", "toupper(proc.name)", "evt.arg.path", "toupper(evt.arg.path)"},
			[]string{"proc.name", "evt.arg.path"}},
		{`start %join("->", (proc.name, evt.arg.path)) end`,
			[]string{"proc.name", "evt.arg.path", "join(->,(proc.name,evt.arg.path))"},
			[]string{"proc.name", "evt.arg.path"}},
		{"start %concat(proc.name, evt.arg.path) end",
			[]string{"proc.name", "evt.arg.path", "concat(proc.name,evt.arg.path)"},
			[]string{"proc.name", "evt.arg.path"}},
		{"start %toupper(concat(proc.name, evt.arg.path)) end",
			[]string{"proc.name", "evt.arg.path", "toupper(concat(proc.name,evt.arg.path))"},
			[]string{"proc.name", "evt.arg.path"}},
		{"start %concat(toupper(proc.name), evt.arg.path) end",
			[]string{"proc.name", "toupper(proc.name)", "evt.arg.path", "concat(toupper(proc.name),evt.arg.path)"},
			[]string{"proc.name", "evt.arg.path"}},
		{`%concat(toupper(proc.name), "x y")`,
			[]string{"proc.name", `concat(toupper(proc.name),"x y")`}, []string{"proc.name"}},
		{"%proc.name %proc.name", []string{"proc.name", "proc.name"}, nil},
	} {
		f, err := c.CompileFormat(tc.format)
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		if got := fieldKeys(f, true); !slices.Equal(got, tc.all) {
			t.Errorf("%q: fields %q, want %q", tc.format, got, tc.all)
		}
		off := tc.off
		if off == nil {
			off = tc.all
		}
		if got := fieldKeys(f, false); !slices.Equal(got, off) {
			t.Errorf("%q: untransformed fields %q, want %q", tc.format, got, off)
		}
	}
}

func TestFormatValues(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	f, err := c.CompileFormat("%proc.name %toupper(proc.name) %fd.name")
	if err != nil {
		t.Fatal(err)
	}
	fr := c.NewFrame()
	fr.Reset(&tev{code: event.OpenE, vals: map[string]any{"proc.name": "init"}, calls: map[string]int{}})
	var got []string
	for i := range f.Tokens {
		tok := &f.Tokens[i]
		if tok.Expr == nil {
			continue
		}
		v, ok := tok.Get(fr)
		if !ok {
			got = append(got, "<NA>")
			continue
		}
		got = append(got, v.Str)
	}
	if want := []string{"init", "INIT", "<NA>"}; !slices.Equal(got, want) {
		t.Errorf("values %q, want %q", got, want)
	}
	for i := range f.Fields {
		ff := &f.Fields[i]
		v, ok := ff.Get(fr)
		if ff.Key == "proc.name" && (!ok || v.Str != "init") {
			t.Errorf("field %s: %v %v", ff.Key, v, ok)
		}
	}
	lit := FormatToken{Text: "x"}
	if _, ok := lit.Get(fr); ok {
		t.Error("literal token has a value")
	}
}

func TestEscapeStr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":                    "abc",
		"":                       "",
		"a b":                    `"a b"`,
		"a=b":                    `"a=b"`,
		`a"b`:                    `"a\"b"`,
		`a\b`:                    `"a\\b"`,
		"a'b":                    `"a'b"`,
		"a\tb\nc":                `"a\tb\nc"`,
		"->":                     "->",
		"app.kubernetes.io/name": "app.kubernetes.io/name",
	} {
		if got := escapeStr(in); got != want {
			t.Errorf("escapeStr(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestFormatFilterOnlyFields: libsinsp (0.20 and later) compiles formats in
// filter mode, so a filter-only field is accepted in an output and prints
// <NA> (it never extracts there).
func TestFormatFilterOnlyFields(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	for _, format := range []string{"start %fd.ip end", "start %fd.net end"} {
		f, err := c.CompileFormat(format)
		if err != nil {
			t.Fatalf("%q: %v", format, err)
		}
		if len(f.Tokens) != 3 || f.Tokens[1].Expr == nil {
			t.Errorf("%q: tokens = %+v", format, f.Tokens)
		}
	}
}
