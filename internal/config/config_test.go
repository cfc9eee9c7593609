package config

import (
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/priority"
)

func TestOverrides(t *testing.T) {
	tree, err := Parse("falco.yaml", []byte(`
priority: notice
rules_files:
  - /etc/falco/falco_rules.yaml
rules:
  - disable:
      rule: "*"
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{
		"priority=warning",
		"rules[].enable.tag=network",
		"rules[].enable.rule=Read sensitive file*",
		"rules_files[1]=/tmp/extra.yaml",
		`rules[]={"disable": {"tag": "sandbox"}}`,
		"json_output=true",
		"engine.kind=replay",
	} {
		if err := tree.Override(o); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
	}
	e, err := tree.EngineSettings()
	if err != nil {
		t.Fatal(err)
	}
	if e.Priority != priority.Warning || !e.JSONOutput {
		t.Errorf("settings = %+v", e)
	}
	if strings.Join(e.RulesFiles, ",") != "/etc/falco/falco_rules.yaml,/tmp/extra.yaml" {
		t.Errorf("rules_files = %v", e.RulesFiles)
	}
	want := []Selection{
		{Enable: false, Rule: "*"},
		{Enable: true, Tag: "network"},
		{Enable: true, Rule: "Read sensitive file*"},
		{Enable: false, Tag: "sandbox"},
	}
	if len(e.Selections) != len(want) {
		t.Fatalf("selections = %+v", e.Selections)
	}
	for i := range want {
		if e.Selections[i] != want[i] {
			t.Errorf("selection %d = %+v, want %+v", i, e.Selections[i], want[i])
		}
	}
	if n := tree.Get("engine.kind"); n == nil || n.Value != "replay" {
		t.Errorf("engine.kind = %v", n)
	}
}

func TestOverrideErrors(t *testing.T) {
	tree := Empty()
	for _, c := range []struct{ opt, msg string }{
		{"novalue", `Error parsing config option "novalue". Must be of the form key=val or key.subkey=val`},
		{"a[x]=1", `Config error at key "a[x]": invalid index 'x'`},
		{"a[=1", `Config error at key "a[": unterminated '['`},
		{"list[5]=1", "index 5 is past the end of 'list' (0 items)"},
		{"a..b=1", `Config error at key "a..b": empty key segment`},
	} {
		err := tree.Override(c.opt)
		if err == nil || err.Error() != c.msg {
			t.Errorf("%s: err = %v, want %q", c.opt, err, c.msg)
		}
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, c := range []struct{ doc, msg string }{
		{"priority: loud", `Unknown priority "loud"--must be one of emergency, alert, critical, error, warning, notice, informational, debug`},
		{"rule_matching: best", `Unknown rule matching strategy "best"--must be one of first, all`},
		{"rules: [{enable: {}}]", "rules[0]: needs a 'rule' or a 'tag'"},
		{"rules: [{toggle: {rule: x}}]", "rules[0]: each entry needs an 'enable' or 'disable' mapping with 'rule' and/or 'tag'"},
		{"json_output: maybe", "json_output: 'maybe' is not a boolean"},
	} {
		tree, err := Parse("c.yaml", []byte(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tree.EngineSettings()
		if err == nil || err.Error() != c.msg {
			t.Errorf("%s: err = %v, want %q", c.doc, err, c.msg)
		}
	}
	if _, err := Parse("c.yaml", []byte("- a\n- b\n")); err == nil {
		t.Error("a sequence document must be refused")
	}
}

func TestEscapedKeys(t *testing.T) {
	tree := Empty()
	if err := tree.Override(`static_fields.a\.b=1`); err != nil {
		t.Fatal(err)
	}
	n := tree.Get("static_fields")
	if n == nil || len(n.Content) != 2 || n.Content[0].Value != "a.b" {
		t.Fatalf("static_fields = %+v", n)
	}
}
