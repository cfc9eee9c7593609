package load

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestYAMLValidateMessages covers every LOAD_ERR_YAML_VALIDATE message of
// research note C.2, with Kestrel's 1-based positions.
func TestYAMLValidateMessages(t *testing.T) {
	root := "rules content rules.yaml:1:1"
	tests := []struct {
		name, yaml, msg string
		chain           []string
	}{
		{"document is a scalar", "just text\n", "Rules content is not yaml", []string{root}},
		{"document is a map", "rule: x\ndesc: y\n", "Rules content is not yaml array of objects", []string{root}},
		{"element is a scalar", "- just text\n", "Unexpected element type. Each element should be a yaml associative array.",
			[]string{root, "rules content item rules.yaml:1:3"}},
		{"element is a sequence", "- macro: m\n  condition: evt.type = open\n- [a, b]\n", "Unexpected element type. Each element should be a yaml associative array.",
			[]string{root, "rules content item rules.yaml:3:3"}},
		{"missing key", "- rule: no output rule\n  desc: d\n  condition: evt.type=open\n  priority: INFO\n", "Item has no mapping for key 'output'",
			[]string{root, "rule 'no output rule' rules.yaml:1:3"}},
		{"missing name value", "- rule:\n  desc: d\n", "Mapping for key 'rule' is empty",
			[]string{root, "rule rules.yaml:1:3"}},
		{"empty mapping", "- rule: r\n  desc: d\n  condition:\n  output: o\n  priority: INFO\n", "Mapping for key 'condition' is empty",
			[]string{root, "rule 'r' rules.yaml:1:3"}},
		{"null mapping", "- macro: m\n  condition: ~\n", "Mapping for key 'condition' is empty",
			[]string{root, "macro 'm' rules.yaml:1:3"}},
		{"non-scalar", "- rule: r\n  desc: d\n  condition: [evt.type = open]\n  output: o\n  priority: INFO\n", "Value is not a scalar value",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'condition' rules.yaml:3:14"}},
		{"non-scalar name", "- list: [a]\n  items: []\n", "Value is not a scalar value",
			[]string{root, "list rules.yaml:1:3", "value for 'list' rules.yaml:1:9"}},
		{"empty value", "- rule: r\n  desc: \"\"\n  condition: evt.type = open\n  output: o\n  priority: INFO\n", "Value must be non-empty",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'desc' rules.yaml:2:9"}},
		{"bool", ruleYAML("r", "evt.type = open", "  enabled: maybe"), "Can't decode YAML scalar value",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'enabled' rules.yaml:6:12"}},
		{"bool is not 1", ruleYAML("r", "evt.type = open", "  warn_evttypes: 1"), "Can't decode YAML scalar value",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'warn_evttypes' rules.yaml:6:18"}},
		{"bool on append", "- macro: m\n  condition: x\n  append: sometimes\n", "Can't decode YAML scalar value",
			[]string{root, "macro 'm' rules.yaml:1:3", "value for 'append' rules.yaml:3:11"}},
		{"uint", ruleYAML("r", "evt.type = open", `  capture_duration: "not_a_number"`), "Can't decode YAML scalar value",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'capture_duration' rules.yaml:6:21"}},
		{"negative uint", ruleYAML("r", "evt.type = open", "  capture_duration: -1"), "Can't decode YAML scalar value",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'capture_duration' rules.yaml:6:21"}},
		{"items missing", "- list: l\n", "Item has no mapping for key 'items'", []string{root, "list 'l' rules.yaml:1:3"}},
		{"items not a sequence", "- list: l\n  items: a\n", "Value is not a sequence",
			[]string{root, "list 'l' rules.yaml:1:3", "value for 'items' rules.yaml:2:10"}},
		{"items a mapping", "- list: l\n  items: {a: b}\n", "Value is not a sequence",
			[]string{root, "list 'l' rules.yaml:1:3", "value for 'items' rules.yaml:2:10"}},
		{"tags not a sequence", ruleYAML("r", "evt.type = open", "  tags: network"), "Value is not a sequence",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'tags' rules.yaml:6:9"}},
		{"non-scalar element", "- list: l\n  items: [a, [b]]\n", "sequence value is not scalar",
			[]string{root, "list 'l' rules.yaml:1:3", "value for 'items' rules.yaml:2:10", "list item rules.yaml:2:14"}},
		{"null element", "- list: l\n  items:\n    - a\n    - ~\n", "sequence value is not scalar",
			[]string{root, "list 'l' rules.yaml:1:3", "value for 'items' rules.yaml:3:5", "list item rules.yaml:4:7"}},
		{"non-scalar tag", ruleYAML("r", "evt.type = open", "  tags: [a, {b: c}]"), "sequence value is not scalar",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'tags' rules.yaml:6:9", "list item rules.yaml:6:13"}},
		{"invalid priority", "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: LOUD\n", "Invalid priority",
			[]string{root, "rule 'r' rules.yaml:1:3", "rule priority rules.yaml:5:13"}},
		{"invalid priority on override", ruleYAML("r", "evt.type = open") + "- rule: r\n  priority: LOUD\n  override:\n    priority: replace\n", "Invalid priority",
			[]string{root, "rule 'r' rules.yaml:6:3", "rule priority rules.yaml:7:13"}},
		{"null source on a definition", ruleYAML("r", "evt.type = open", "  source:"), "Mapping for key 'source' is empty",
			[]string{root, "rule 'r' rules.yaml:1:3"}},
		{"empty source on a definition", ruleYAML("r", "evt.type = open", `  source: ""`), "Value must be non-empty",
			[]string{root, "rule 'r' rules.yaml:1:3", "value for 'source' rules.yaml:6:11"}},
		{"enabled-only form without enabled", ruleYAML("r", "evt.type = open") + "- rule: r\n  tags: [x]\n", "Item has no mapping for key 'enabled'",
			[]string{root, "rule 'r' rules.yaml:6:3"}},
		{"override not a mapping", "- list: l\n  items: [a]\n  override: [items]\n", "Value of override must be a mapping",
			[]string{root, "list 'l' rules.yaml:1:3", "overrides rules.yaml:1:3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			e := wantError(t, last(rs), "LOAD_ERR_YAML_VALIDATE", tc.msg)
			wantChain(t, e, tc.chain...)
		})
	}
}

// TestDuplicateKeys: yaml-cpp accepts duplicate keys and lookups see the
// first one (research note C.1); Kestrel does the same.
func TestDuplicateKeys(t *testing.T) {
	l, rs := load(t, "- rule: r\n  desc: first\n  desc: second\n  condition: evt.type = open\n  output: o\n  priority: INFO\n")
	wantOK(t, last(rs))
	if d := rule(t, l, "r").Desc; d != "first" {
		t.Errorf("desc %q", d)
	}
}

// TestNullItemsIsNotASequence: yaml-cpp's null is not a sequence, so a
// list with "items:" and nothing else is invalid in Falco; "items: []" is
// the empty list.
func TestNullItemsIsNotASequence(t *testing.T) {
	_, rs := load(t, "- list: l\n  items:\n- list: m\n  items: []\n")
	e := wantError(t, last(rs), "LOAD_ERR_YAML_VALIDATE", "Value is not a sequence")
	if l := e.Ctx.last(); l.ItemType != ItemValueFor || l.ItemName != "items" {
		t.Errorf("context %q", chain(e.Ctx))
	}
	_, rs = load(t, "- list: m\n  items: []\n")
	wantWarningCodes(t, last(rs), "LOAD_UNUSED_LIST")
}

// TestNullOverrideIsNoOverride: yaml-cpp iterates a null override as an
// empty map, so the item is a plain (re)definition.
func TestNullOverrideIsNoOverride(t *testing.T) {
	l, rs := load(t, "- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n"+ruleYAML("r", "evt.type = open and proc.name in (l)"))
	wantOK(t, last(rs))
	if got := list(t, l, "l").Items; len(got) != 1 || got[0] != "b" {
		t.Errorf("items %q", got)
	}
}

// TestScalarForms: the scalar conversions of yaml-cpp (C.2 item 5).
func TestScalarForms(t *testing.T) {
	for _, v := range []string{"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y", `"true"`} {
		l, rs := load(t, ruleYAML("r", "evt.type = open", "  enabled: false")+"- rule: r\n  enabled: "+v+"\n  override:\n    enabled: replace\n")
		wantOK(t, last(rs))
		if !rule(t, l, "r").Enabled {
			t.Errorf("%s is not true", v)
		}
	}
	for _, v := range []string{"tRue", "1", "0", "yep"} {
		_, rs := load(t, ruleYAML("r", "evt.type = open", "  enabled: "+v))
		wantError(t, last(rs), "LOAD_ERR_YAML_VALIDATE", "Can't decode YAML scalar value")
	}
	for v, want := range map[string]uint64{"15000": 15000, "+7": 7, "0x10": 16, "010": 8, `"42 "`: 42} {
		l, rs := load(t, ruleYAML("r", "evt.type = open", "  capture_duration: "+v))
		wantOK(t, last(rs))
		if got := rule(t, l, "r").CaptureDur; got != want {
			t.Errorf("capture_duration %s = %d, want %d", v, got, want)
		}
	}
	for _, p := range []string{"emergency", "ALERT", "Critical", "error", "warning", "NOTICE", "informational", "info", "INFO", "debug"} {
		_, rs := load(t, "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: "+p+"\n")
		wantOK(t, last(rs))
	}
}

// TestYAMLParseError: invalid YAML is LOAD_ERR_YAML_PARSE at the line the
// parser names. The messages are the YAML library's (yaml-cpp's differ).
func TestYAMLParseError(t *testing.T) {
	tests := []struct {
		name, yaml string
		line       int
		msg        string
	}{
		// yaml.v3 names the line where the flow sequence started.
		{"unclosed flow", "- list: l\n  items: [a, b\n- macro: m\n", 1, "line 1: did not find expected ',' or ']'"},
		{"bad indentation", "- rule: r\n  desc: d\n condition: x\n", 2, "line 2: did not find expected '-' indicator"},
		{"tab", "- rule: r\n\tdesc: d\n", 2, "line 2: found a tab character that violates indentation"},
		{"missing colon", "- a: b\n  c\n", 2, "line 2: could not find expected ':'"},
		{"unterminated quote", "- list: x\n  items: \"abc\n", 2, "line 2: found unexpected end of stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			r := last(rs)
			if r.OK() || len(r.Errors) != 1 || r.Errors[0].Code() != "LOAD_ERR_YAML_PARSE" || r.Errors[0].Msg != tc.msg {
				t.Fatalf("got %s", describe(r))
			}
			e := r.Errors[0]
			if len(e.Ctx.Locations) != 2 || e.Ctx.Locations[1].ItemType != ItemValueFor || e.Ctx.Locations[1].Pos.Line != tc.line {
				t.Errorf("context %q, want line %d", chain(e.Ctx), tc.line)
			}
		})
	}
}

// TestCompileOutputErrors covers LOAD_ERR_COMPILE_OUTPUT.
func TestCompileOutputErrors(t *testing.T) {
	tests := []struct{ output, msg string }{
		{"o %", "invalid formatting syntax: formatting cannot end with a %"},
		{"o %proc.nosuch", "unknown filter: unexpected token after '"},
	}
	for _, tc := range tests {
		t.Run(tc.output, func(t *testing.T) {
			_, rs := load(t, "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: "+tc.output+"\n  priority: INFO\n")
			e := wantError(t, last(rs), "LOAD_ERR_COMPILE_OUTPUT", tc.msg)
			wantChain(t, e, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:1:3", "rule output rules.yaml:4:11")
		})
	}
	// A longer name with a valid prefix is the prefix followed by text.
	l, rs := load(t, "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: \"  x %proc.namex  \"\n  priority: INFO\n")
	wantOK(t, last(rs))
	if o := rule(t, l, "r").OutputText; o != "x %proc.namex" {
		t.Errorf("output %q (trimmed as Falco does)", o)
	}
}

// TestCompileConditionPositions: parse and compile errors point at the
// byte of the file where the problem is, for every scalar style. These are
// Kestrel's 1-based positions (Falco mixes 0-based marks and parser
// offsets, see research note D.4).
func TestCompileConditionPositions(t *testing.T) {
	const unexpected = "unexpected token after 'open', expecting 'or', 'and'"
	tests := []struct {
		name, yaml, msg string
		chain           []string
	}{
		{"plain", "- rule: r\n  desc: d\n  condition: evt.type = open xx\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'evt.type = open xx' rules.yaml:3:30"}},
		{"double quoted", "- rule: r\n  desc: d\n  condition: \"evt.type = open xx\"\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'evt.type = open xx' rules.yaml:3:31"}},
		{"double quoted with escapes", "- rule: r\n  desc: d\n  condition: \"proc.name = \\\"a\\\" and evt.type = open xx\"\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = \"a\" a...' rules.yaml:3:53"}},
		{"double quoted with a tab escape", "- rule: r\n  desc: d\n  condition: \"proc.name = \\\"a\\tb\\\" and evt.type = open xx\"\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = \"a\tb\"...' rules.yaml:3:56"}},
		{"double quoted with unicode escapes", "- rule: r\n  desc: d\n  condition: \"proc.name = \\x41\\u00e9\\U0001F600 and evt.type = open xx\"\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = A\u00e9\xf0\x9f...' rules.yaml:3:68"}}, // cut at 17 bytes, as Falco does
		{"double quoted with an escaped line break", "- rule: r\n  desc: d\n  condition: \"proc.name = a and \\\n    evt.type = open xx\"\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = a and...' rules.yaml:4:21"}},
		{"double quoted with a newline escape", "- rule: r\n  desc: d\n  condition: \"proc.name = a\\nb and evt.type = open\"\n  output: o\n  priority: INFO\n",
			"unexpected token after 'a', expecting 'or', 'and'",
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = a b a...' rules.yaml:3:30"}},
		{"single quoted with a doubled quote", "- rule: r\n  desc: d\n  condition: 'proc.name = ''a'' and evt.type = open xx'\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = 'a' a...' rules.yaml:3:53"}},
		{"single quoted", "- rule: r\n  desc: d\n  condition: 'evt.type = open xx'\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'evt.type = open xx' rules.yaml:3:31"}},
		{"folded", "- rule: r\n  desc: d\n  condition: >\n    proc.name = cat and\n    evt.type = open xx\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = cat a...' rules.yaml:5:21"}},
		{"literal", "- rule: r\n  desc: d\n  condition: |\n    proc.name = cat and\n    evt.type = open xx\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = cat a...' rules.yaml:5:21"}},
		{"plain multi-line", "- rule: r\n  desc: d\n  condition: proc.name = cat and\n    evt.type = open xx\n  output: o\n  priority: INFO\n", unexpected,
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'proc.name = cat a...' rules.yaml:4:21"}},
		{"in a macro", "- macro: m\n  condition: evt.type = open xx\n", unexpected,
			[]string{"macro 'm' rules.yaml:1:3", "macro condition rules.yaml:2:14", "condition expression 'evt.type = open xx' rules.yaml:2:30"}},
		{"in an appended condition", ruleYAML("r", "evt.type = open") + "- rule: r\n  condition: and proc.name = cat )\n  override:\n    condition: append\n",
			"unexpected token after 'cat', expecting 'or', 'and'",
			// The error is in the second item's text: Kestrel points there.
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'evt.type = open a...' rules.yaml:7:34"}},
		// Falco's substitution leaves " ", which is not the empty input.
		{"empty after substitution", "- list: nothing\n  items: []\n" + ruleYAML("r", "nothing"), "expected a '(' token, a field check, or an identifier",
			[]string{"rule 'r' rules.yaml:3:3", "rule condition rules.yaml:5:14", "condition expression ' ' rules.yaml:5:21"}},
		{"unknown field", ruleYAML("r", "evt.type = open and proc.nosuch = 1"), "filter_check called with nonexistent field proc.nosuch",
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'evt.type = open a...' rules.yaml:3:34"}},
		{"unknown field in a macro", "- macro: m\n  condition: proc.nosuch = 1\n" + ruleYAML("r", "evt.type = open and m"),
			"filter_check called with nonexistent field proc.nosuch",
			// Falco reports the macro's offset against the rule's text;
			// Kestrel points at the macro's own line.
			[]string{"rule 'r' rules.yaml:3:3", "rule condition rules.yaml:5:14", "condition expression 'evt.type = open a...' rules.yaml:2:14"}},
		{"unknown event type", ruleYAML("r", "evt.type in (open, nosuch)"), "unknown event type nosuch",
			[]string{"rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14", "condition expression 'evt.type in (open...' rules.yaml:3:14"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			r := last(rs)
			if len(r.Errors) != 1 {
				t.Fatalf("got %s", describe(r))
			}
			e := r.Errors[0]
			if e.Code() != "LOAD_ERR_COMPILE_CONDITION" || e.Msg != tc.msg {
				t.Fatalf("got %s", describe(r))
			}
			wantChain(t, e, append([]string{"rules content rules.yaml:1:1"}, tc.chain...)...)
		})
	}
}

// TestVerboseAndJSON renders the missing-output example of research note
// A.3 / B.1 with Kestrel's 1-based positions.
func TestVerboseAndJSON(t *testing.T) {
	l, rs := load(t, "- rule: no output rule\n  desc: d\n  condition: evt.type=open\n  priority: INFO\n")
	r := last(rs)
	want := `rules.yaml: Invalid
1 Errors:
In rules content: (rules.yaml:1:1)
    rule 'no output rule': (rules.yaml:1:3)
------
- rule: no output rule
  ^
------
LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file): Item has no mapping for key 'output'
`
	if got := r.Verbose(l.Contents()); got != want {
		t.Errorf("verbose:\n%s\nwant:\n%s", got, want)
	}
	if got := r.Summary(); got != "rules.yaml: Invalid\n 1 errors: [LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file)]" {
		t.Errorf("summary %q", got)
	}
	js, err := JSON(rs, l.Contents())
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"falco_load_results":[{"errors":[{"code":"LOAD_ERR_YAML_VALIDATE","codedesc":"Error validating internal structure of YAML file",` +
		`"context":{"locations":[{"item_name":"","item_type":"rules content","position":{"column":1,"line":1,"name":"rules.yaml","offset":0}},` +
		`{"item_name":"no output rule","item_type":"rule","position":{"column":3,"line":1,"name":"rules.yaml","offset":2}}],` +
		`"snippet":"- rule: no output rule\n  ^\n"},"message":"Item has no mapping for key 'output'"}],` +
		`"name":"rules.yaml","schema_valid":false,"schema_warnings":["Item has no mapping for key 'output'"],"successful":false,"warnings":[]}]}`
	if string(js) != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", js, wantJSON)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Error(err)
	}

	// OK file: just the status line.
	l, rs = load(t, ruleYAML("r", "evt.type = open"))
	if got := last(rs).Verbose(l.Contents()); got != "rules.yaml: Ok" {
		t.Errorf("ok verbose %q", got)
	}
}

// TestConditionSnippet: the snippet of a condition error shows the file
// line of the error with the caret under it.
func TestConditionSnippet(t *testing.T) {
	l, rs := load(t, "- rule: r\n  desc: d\n  condition: >\n    proc.name = cat and\n    evt.type = open xx\n  output: o\n  priority: INFO\n")
	r := last(rs)
	if len(r.Errors) != 1 {
		t.Fatal(describe(r))
	}
	got := r.Errors[0].Ctx.Snippet(l.Contents())
	want := "    evt.type = open xx\n                    ^\n"
	if got != want {
		t.Errorf("snippet:\n%q\nwant\n%q", got, want)
	}
	v := r.Verbose(l.Contents())
	if !strings.Contains(v, "    condition expression 'proc.name = cat a...': (rules.yaml:5:21)\n") {
		t.Errorf("verbose:\n%s", v)
	}
}

// TestSummaryWithWarnings renders the one-paragraph form with warnings.
func TestSummaryWithWarnings(t *testing.T) {
	l, rs := load(t, "- macro: m\n  condition: evt.type = open\n")
	r := last(rs)
	if got := r.Summary(); got != "rules.yaml: Ok, with warnings\n 1 warnings: [LOAD_UNUSED_MACRO (Unused macro)]" {
		t.Errorf("summary %q", got)
	}
	want := `rules.yaml: Ok, with warnings
1 Warnings:
In rules content: (rules.yaml:1:1)
    macro 'm': (rules.yaml:1:3)
------
- macro: m
  ^
------
LOAD_UNUSED_MACRO (Unused macro): Macro not referred to by any other rule/macro
`
	if got := r.Verbose(l.Contents()); got != want {
		t.Errorf("verbose:\n%s\nwant:\n%s", got, want)
	}
}

// TestSnippetLongLine: long lines are cut 80 bytes either side of the
// position, with "..." marking the cuts (Falco's context::snippet).
func TestSnippetLongLine(t *testing.T) {
	cond := "evt.type = open and " + strings.Repeat("proc.name = a and ", 10) + "proc.name = b xx and " + strings.Repeat("proc.name = c and ", 10) + "proc.name = d"
	l, rs := load(t, ruleYAML("r", cond))
	r := last(rs)
	if len(r.Errors) != 1 {
		t.Fatal(describe(r))
	}
	lines := strings.Split(r.Errors[0].Ctx.Snippet(l.Contents()), "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("snippet %q", lines)
	}
	if len(lines[0]) != 161 || !strings.HasPrefix(lines[0], "...") || !strings.HasSuffix(lines[0], "...") {
		t.Errorf("line %q (%d bytes)", lines[0], len(lines[0]))
	}
	if lines[1] != strings.Repeat(" ", 80)+"^" || lines[0][80:82] != "xx" {
		t.Errorf("caret %q under %q", lines[1], lines[0][80:])
	}
	// Unknown file and empty content.
	c := Context{}.with(ItemRulesContent, "", Position{Name: "other.yaml", Line: 1, Column: 1})
	if s := c.Snippet(l.Contents()); s != "<No context for file + other.yaml>\n" {
		t.Errorf("%q", s)
	}
	if s := c.Snippet(map[string][]byte{"other.yaml": nil}); s != "<No context available>\n" {
		t.Errorf("%q", s)
	}
}
