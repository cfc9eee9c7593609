package load

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/priority"
)

// Messages of reference §1.4 and research note C.2/C.3, as Falco words them.
const (
	msgAppendDeprecated = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
	msgEnabledOnly      = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace')."
	msgOverrideAppend   = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
	msgNoPrevList       = "List uses 'append' or 'override.items: append' but no list by that name already exists"
	msgNoPrevMacro      = "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"
	msgNoPrevRuleApp    = "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
	msgNoPrevRuleRepl   = "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"
	msgOtherSource      = "Rule has been re-defined with a different source"
)

const baseRule = `
- rule: r
  desc: base desc
  condition: evt.type = open
  output: base out %proc.name
  priority: INFO
  tags: [b, a]
`

// TestListAppendOverride covers list define/append/replace (§1.4 lists).
func TestListAppendOverride(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		items    []string
		warnings []string
	}{
		{"override append", `
- list: l
  items: [a, b]
- list: l
  items: [c]
  override:
    items: append
`, []string{"a", "b", "c"}, nil},
		{"legacy append", `
- list: l
  items: [a, b]
- list: l
  items: [c]
  append: true
`, []string{"a", "b", "c"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"legacy append false is a redefinition", `
- list: l
  items: [a, b]
- list: l
  items: [c]
  append: false
`, []string{"c"}, nil},
		{"override replace", `
- list: l
  items: [a, b]
- list: l
  items: [c]
  override:
    items: replace
`, []string{"c"}, nil},
		{"replace before definition defines", `
- list: l
  items: [c]
  override:
    items: replace
- list: l
  items: [d]
`, []string{"d"}, nil},
		{"redefinition replaces", `
- list: l
  items: [a, b]
- list: l
  items: [z]
`, []string{"z"}, nil},
		{"append empty", `
- list: l
  items: [a]
- list: l
  items: []
  override:
    items: append
`, []string{"a"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := tc.yaml + ruleYAML("use", "evt.type = open and proc.name in (l)")
			l, rs := load(t, y)
			r := last(rs)
			wantSuccess(t, r)
			wantWarningCodes(t, r, tc.warnings...)
			if got := list(t, l, "l").Items; !reflect.DeepEqual(got, tc.items) {
				t.Errorf("items = %q, want %q", got, tc.items)
			}
			if tc.warnings != nil {
				w := wantWarning(t, r, "LOAD_DEPRECATED_ITEM", msgAppendDeprecated)
				wantChain(t, w, "rules content rules.yaml:1:1", "list 'l' rules.yaml:4:3")
			}
		})
	}
}

// TestMacroAppendOverride covers macro define/append/replace (§1.4 macros):
// appends are joined with one space and not parenthesised.
func TestMacroAppendOverride(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the rule's condition with the macro expanded
		warn []string
	}{
		{"override append", `
- macro: m
  condition: evt.type = open or evt.type = close
- macro: m
  condition: and proc.name = cat
  override:
    condition: append
`, "evt.type = open or evt.type = close and proc.name = cat", nil},
		{"legacy append", `
- macro: m
  condition: evt.type in (open, openat)
- macro: m
  condition: or evt.type = openat2
  append: true
`, "evt.type in (open, openat) or evt.type = openat2", []string{"LOAD_DEPRECATED_ITEM"}},
		{"override replace", `
- macro: m
  condition: evt.type = open
- macro: m
  condition: evt.type = close
  override:
    condition: replace
`, "evt.type = close", nil},
		{"replace before definition defines", `
- macro: m
  condition: or evt.type = openat2
  override:
    condition: replace
- macro: m
  condition: evt.type in (open, openat)
`, "evt.type in (open, openat)", nil},
		{"redefinition", `
- macro: m
  condition: evt.type = open
- macro: m
  condition: evt.type = execve
`, "evt.type = execve", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, rs := load(t, tc.yaml+ruleYAML("use", "m"))
			r := last(rs)
			wantSuccess(t, r)
			wantWarningCodes(t, r, tc.warn...)
			wantCondition(t, rule(t, l, "use").Condition, tc.want)
		})
	}
}

// TestMacroAppendNotParenthesised checks the precedence trap of §1.4: the
// appended text binds to the last operand of the original macro.
func TestMacroAppendNotParenthesised(t *testing.T) {
	l, rs := load(t, `
- macro: m
  condition: proc.name = a or proc.name = b
- macro: m
  condition: and fd.name = c
  override:
    condition: append
`+ruleYAML("use", "evt.type = open and m"))
	wantOK(t, last(rs))
	wantCondition(t, rule(t, l, "use").Condition, "evt.type = open and (proc.name = a or (proc.name = b and fd.name = c))")
}

// TestRuleAppendOverride covers rule appends and replaces (§1.4 rules).
func TestRuleAppendOverride(t *testing.T) {
	type want struct {
		cond, output, desc string
		prio               priority.Priority
		tags               []string
		enabled            bool
		warns              []string
	}
	tests := []struct {
		name string
		yaml string
		want want
	}{
		{"override append condition output desc", `
- rule: r
  desc: more
  condition: and proc.name = cat
  output: extra=%fd.name
  override:
    desc: append
    condition: append
    output: append
`, want{"evt.type = open and proc.name = cat", "base out %proc.name extra=%fd.name", "base desc more",
			priority.Informational, []string{"a", "b"}, true, nil}},
		{"legacy append only merges condition", `
- rule: r
  desc: ignored
  condition: and proc.name = cat
  output: ignored %fd.name
  priority: ERROR
  enabled: false
  append: true
`, want{"evt.type = open and proc.name = cat", "base out %proc.name", "base desc",
			priority.Informational, []string{"a", "b"}, true, []string{"LOAD_DEPRECATED_ITEM"}}},
		{"override replace", `
- rule: r
  desc: replaced
  condition: evt.type = close
  override:
    desc: replace
    condition: replace
`, want{"evt.type = close", "base out %proc.name", "replaced", priority.Informational, []string{"a", "b"}, true, nil}},
		{"append and replace at once", `
- rule: r
  desc: replaced
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: replace
`, want{"evt.type = open and proc.name = cat", "base out %proc.name", "replaced", priority.Warning, []string{"a", "b"}, true, nil}},
		{"tags union on append", `
- rule: r
  tags: [c, a]
  override:
    tags: append
`, want{"evt.type = open", "base out %proc.name", "base desc", priority.Informational, []string{"a", "b", "c"}, true, nil}},
		{"tags replace", `
- rule: r
  tags: [z]
  override:
    tags: replace
`, want{"evt.type = open", "base out %proc.name", "base desc", priority.Informational, []string{"z"}, true, nil}},
		{"enabled replace", `
- rule: r
  enabled: false
  override:
    enabled: replace
`, want{"evt.type = open", "base out %proc.name", "base desc", priority.Informational, []string{"a", "b"}, false, nil}},
		{"output replace", `
- rule: r
  output: "  new %fd.name  "
  override:
    output: replace
`, want{"evt.type = open", "  new %fd.name  ", "base desc", priority.Informational, []string{"a", "b"}, true, nil}},
		{"empty source on legacy append is no source", `
- rule: r
  condition: and proc.name = cat
  source:
  append: true
`, want{"evt.type = open and proc.name = cat", "base out %proc.name", "base desc",
			priority.Informational, []string{"a", "b"}, true, []string{"LOAD_DEPRECATED_ITEM"}}},
		{"empty string source on legacy append", `
- rule: r
  condition: and proc.name = cat
  source: ""
  append: true
`, want{"evt.type = open and proc.name = cat", "base out %proc.name", "base desc",
			priority.Informational, []string{"a", "b"}, true, []string{"LOAD_DEPRECATED_ITEM"}}},
		{"same source on override", `
- rule: r
  condition: and proc.name = cat
  source: syscall
  override:
    condition: append
`, want{"evt.type = open and proc.name = cat", "base out %proc.name", "base desc",
			priority.Informational, []string{"a", "b"}, true, nil}},
		{"full redefinition", `
- rule: r
  desc: new
  condition: proc.name = cat and evt.type = close
  output: new %fd.name
  priority: ERROR
  enabled: false
`, want{"proc.name = cat and evt.type = close", "new %fd.name", "new", priority.Error, []string{}, false, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, rs := load(t, baseRule+tc.yaml)
			res := last(rs)
			wantSuccess(t, res)
			wantWarningCodes(t, res, tc.want.warns...)
			r := rule(t, l, "r")
			if r.RawCondition != tc.want.cond {
				t.Errorf("condition = %q, want %q", r.RawCondition, tc.want.cond)
			}
			if r.OutputText != tc.want.output {
				t.Errorf("output = %q, want %q", r.OutputText, tc.want.output)
			}
			if r.Desc != tc.want.desc {
				t.Errorf("desc = %q, want %q", r.Desc, tc.want.desc)
			}
			if r.Priority != tc.want.prio {
				t.Errorf("priority = %v, want %v", r.Priority, tc.want.prio)
			}
			if strings.Join(r.Tags, ",") != strings.Join(tc.want.tags, ",") {
				t.Errorf("tags = %q, want %q", r.Tags, tc.want.tags)
			}
			if r.Enabled != tc.want.enabled {
				t.Errorf("enabled = %v, want %v", r.Enabled, tc.want.enabled)
			}
		})
	}
}

// TestRuleReplaceOtherKeys checks the replaceable scalar keys.
func TestRuleReplaceOtherKeys(t *testing.T) {
	l, rs := load(t, baseRule+`
- rule: r
  capture: true
  capture_duration: 15000
  warn_evttypes: false
  skip-if-unknown-filter: true
  override:
    capture: replace
    capture_duration: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
`)
	wantOK(t, last(rs))
	r := rule(t, l, "r")
	if !r.Capture || r.CaptureDur != 15000 || r.WarnEvttypes || !r.SkipUnknown {
		t.Errorf("got capture=%v dur=%d warn_evttypes=%v skip=%v", r.Capture, r.CaptureDur, r.WarnEvttypes, r.SkipUnknown)
	}
}

// TestRedefinitionKeepsFirstPosition: a redefined rule keeps the slot of
// its first definition in evaluation order (E.1).
func TestRedefinitionKeepsFirstPosition(t *testing.T) {
	l, rs := load(t,
		ruleYAML("one", "evt.type = open")+ruleYAML("two", "evt.type = open")+ruleYAML("three", "evt.type = open"),
		ruleYAML("one", "evt.type = close")+ruleYAML("four", "evt.type = open"))
	for _, r := range rs {
		wantOK(t, r)
	}
	if got := strings.Join(ruleNames(l), ","); got != "one,two,three,four" {
		t.Errorf("order = %s", got)
	}
	if c := rule(t, l, "one").RawCondition; c != "evt.type = close" {
		t.Errorf("redefined condition = %q", c)
	}
	rules, macros, lists := l.Counts()
	if rules != 4 || macros != 0 || lists != 0 {
		t.Errorf("counts = %d/%d/%d", rules, macros, lists)
	}
}

// TestLegacyAppendIgnoresEnabled: with append: true, enabled is ignored.
func TestLegacyAppendIgnoresEnabled(t *testing.T) {
	l, rs := load(t, `
- rule: r
  desc: d
  condition: evt.type = close
  output: o
  priority: INFO
  enabled: false
- rule: r
  condition: and proc.name = cat
  append: true
  enabled: true
`)
	wantSuccess(t, last(rs))
	if rule(t, l, "r").Enabled {
		t.Error("append: true must not change enabled")
	}
}

// TestEnabledOnlyForm covers the deprecated standalone enabled form.
func TestEnabledOnlyForm(t *testing.T) {
	l, rs := load(t, baseRule+`
- rule: r
  enabled: false
`)
	r := last(rs)
	wantSuccess(t, r)
	w := wantWarning(t, r, "LOAD_DEPRECATED_ITEM", msgEnabledOnly)
	wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3")
	wantWarningCodes(t, r, "LOAD_DEPRECATED_ITEM")
	if rule(t, l, "r").Enabled {
		t.Error("rule still enabled")
	}

	_, rs = load(t, `
- rule: missing
  enabled: true
`)
	r = last(rs)
	e := wantError(t, r, "LOAD_ERR_VALIDATE", "Rule has 'enabled' key but no rule by that name already exists")
	wantChain(t, e, "rules content rules.yaml:1:1", "rule 'missing' rules.yaml:2:3")
	// The deprecation warning comes before the existence check.
	wantWarningCodes(t, r, "LOAD_DEPRECATED_ITEM")
}

// TestOverrideWithEnabledReplace: a valid override that also turns the rule on.
func TestOverrideWithEnabledReplace(t *testing.T) {
	l, rs := load(t, `
- rule: r
  desc: d
  condition: evt.type = close
  output: o
  priority: INFO
  enabled: false
- rule: r
  desc: correct override
  condition: and proc.name = cat
  enabled: true
  override:
    desc: replace
    condition: append
    enabled: replace
`)
	wantOK(t, last(rs))
	r := rule(t, l, "r")
	if !r.Enabled || r.RawCondition != "evt.type = close and proc.name = cat" || r.Desc != "correct override" {
		t.Errorf("got enabled=%v cond=%q desc=%q", r.Enabled, r.RawCondition, r.Desc)
	}
}

// TestOverrideErrors covers every override error message of §1.4 / C.2 /
// C.3 with its context chain.
func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		code  string
		msg   string
		chain []string
		warns []string
	}{
		{"override with append true", baseRule + `
- rule: r
  condition: and proc.name = cat
  append: true
  override:
    condition: append
`, "LOAD_ERR_YAML_VALIDATE", msgOverrideAppend,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"override with append true on a list", `
- list: l
  items: [a]
- list: l
  items: [b]
  append: true
  override:
    items: append
`, "LOAD_ERR_YAML_VALIDATE", msgOverrideAppend,
			[]string{"rules content rules.yaml:1:1", "list 'l' rules.yaml:4:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"override with append true on a macro", `
- macro: m
  condition: evt.type = open
- macro: m
  condition: or evt.type = close
  append: true
  override:
    condition: replace
`, "LOAD_ERR_YAML_VALIDATE", msgOverrideAppend,
			[]string{"rules content rules.yaml:1:1", "macro 'm' rules.yaml:4:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"priority cannot be appended", baseRule + `
- rule: r
  desc: x
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: append
`, "LOAD_ERR_YAML_VALIDATE", "Key 'priority' cannot be appended to, use 'replace' instead",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "overrides 'priority' rules.yaml:16:5"}, nil},
		{"enabled cannot be appended", baseRule + `
- rule: r
  enabled: false
  override:
    enabled: append
`, "LOAD_ERR_YAML_VALIDATE", "Key 'enabled' cannot be appended to, use 'replace' instead",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "overrides 'enabled' rules.yaml:12:5"}, nil},
		{"source cannot be replaced", baseRule + `
- rule: r
  source: syscall
  override:
    source: replace
`, "LOAD_ERR_YAML_VALIDATE", "Key 'source' cannot be replaced",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "overrides 'source' rules.yaml:12:5"}, nil},
		{"rule name cannot be appended", baseRule + `
- rule: r
  override:
    rule: append
`, "LOAD_ERR_YAML_VALIDATE", "Key 'rule' cannot be appended to, use 'replace' instead",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "overrides 'rule' rules.yaml:11:5"}, nil},
		{"invalid verb on appendable key", baseRule + `
- rule: r
  condition: and proc.name = cat
  override:
    condition: prepend
`, "LOAD_ERR_YAML_VALIDATE", "Invalid override operation for key 'condition': 'prepend'. Allowed values are: append replace ",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "value for 'condition' rules.yaml:12:16"}, nil},
		{"invalid verb on replace-only key", baseRule + `
- rule: r
  priority: ERROR
  override:
    priority: merge
`, "LOAD_ERR_YAML_VALIDATE", "Invalid override operation for key 'priority': 'merge'. Allowed values are: replace ",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "value for 'priority' rules.yaml:12:15"}, nil},
		{"invalid verb on unknown key", baseRule + `
- rule: r
  override:
    nothing: merge
`, "LOAD_ERR_YAML_VALIDATE", "Invalid override operation for key 'nothing': 'merge'. Allowed values are: ",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides rules.yaml:9:3", "value for 'nothing' rules.yaml:11:14"}, nil},
		{"invalid verb on a list", `
- list: l
  items: [a]
  override:
    items: add
`, "LOAD_ERR_YAML_VALIDATE", "Invalid override operation for key 'items': 'add'. Allowed values are: append replace ",
			[]string{"rules content rules.yaml:1:1", "list 'l' rules.yaml:2:3", "overrides rules.yaml:2:3", "value for 'items' rules.yaml:5:12"}, nil},
		{"list key cannot be appended", `
- list: l
  items: [a]
  override:
    list: append
`, "LOAD_ERR_YAML_VALIDATE", "Key 'list' cannot be appended to, use 'replace' instead",
			[]string{"rules content rules.yaml:1:1", "list 'l' rules.yaml:2:3", "overrides rules.yaml:2:3", "overrides 'list' rules.yaml:5:5"}, nil},
		{"append listed but key absent", baseRule + `
- rule: r
  desc: x
  override:
    desc: replace
    condition: append
`, "LOAD_ERR_YAML_VALIDATE", "An append override for 'condition' was specified but 'condition' is not defined",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3"}, nil},
		{"replace listed but key absent", baseRule + `
- rule: r
  desc: x
  condition: and proc.name = cat
  override:
    desc: replace
    condition: append
    enabled: replace
`, "LOAD_ERR_YAML_VALIDATE", "An replace override for 'enabled' was specified but 'enabled' is not defined",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3"}, nil},
		{"key present but not listed", baseRule + `
- rule: r
  desc: x
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
`, "LOAD_ERR_YAML_VALIDATE", "Unexpected key 'priority': no corresponding entry under 'override' is defined.",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "overrides 'priority' rules.yaml:12:13"}, nil},
		{"rule append target missing", `
- rule: r
  condition: and proc.name = cat
  override:
    condition: append
` + ruleYAML("r", "evt.type = open"), "LOAD_ERR_VALIDATE", msgNoPrevRuleApp,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3"}, nil},
		{"rule legacy append target missing", `
- rule: r
  condition: and proc.name = cat
  append: true
`, "LOAD_ERR_VALIDATE", msgNoPrevRuleApp,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"rule replace target missing", `
- rule: r
  condition: proc.name = cat
  override:
    condition: replace
`, "LOAD_ERR_VALIDATE", msgNoPrevRuleRepl,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3"}, nil},
		{"macro append target missing", `
- macro: m
  condition: or evt.type = openat2
  override:
    condition: append
`, "LOAD_ERR_VALIDATE", msgNoPrevMacro,
			[]string{"rules content rules.yaml:1:1", "macro 'm' rules.yaml:2:3"}, nil},
		{"macro legacy append target missing", `
- macro: m
  condition: or evt.type = openat2
  append: true
`, "LOAD_ERR_VALIDATE", msgNoPrevMacro,
			[]string{"rules content rules.yaml:1:1", "macro 'm' rules.yaml:2:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"list append target missing", `
- list: l
  items: [a]
  override:
    items: append
`, "LOAD_ERR_VALIDATE", msgNoPrevList,
			[]string{"rules content rules.yaml:1:1", "list 'l' rules.yaml:2:3"}, nil},
		{"list legacy append target missing", `
- list: l
  items: [a]
  append: true
`, "LOAD_ERR_VALIDATE", msgNoPrevList,
			[]string{"rules content rules.yaml:1:1", "list 'l' rules.yaml:2:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"legacy append with nothing to append", baseRule + `
- rule: r
  append: true
`, "LOAD_ERR_VALIDATE", "Appended rule must have exceptions or condition property",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"redefinition with a different source", `
- rule: r
  desc: d
  condition: ka.verb = GET
  output: o
  priority: INFO
  source: k8s_audit
` + ruleYAML("r", "evt.type = open", "  source: syscall"), "LOAD_ERR_VALIDATE", msgOtherSource,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:8:3"}, nil},
		{"legacy append with a different source", `
- rule: r
  desc: d
  condition: ka.verb = GET
  output: o
  priority: INFO
  source: k8s_audit
- rule: r
  condition: and proc.name = cat
  source: syscall
  append: true
`, "LOAD_ERR_VALIDATE", msgOtherSource,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:8:3"}, []string{"LOAD_DEPRECATED_ITEM"}},
		{"override replace with a different source", `
- rule: r
  desc: d
  condition: ka.verb = GET
  output: o
  priority: INFO
  source: k8s_audit
- rule: r
  condition: proc.name = cat
  source: syscall
  override:
    condition: replace
`, "LOAD_ERR_VALIDATE", msgOtherSource,
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:8:3"}, nil},
		{"replace exceptions needs fields", baseRule + `
- rule: r
  exceptions:
    - name: e
      values: [id]
  override:
    exceptions: replace
`, "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'fields'",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:9:3", "exception 'e' rules.yaml:11:7"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			r := last(rs)
			e := wantError(t, r, tc.code, tc.msg)
			wantChain(t, e, tc.chain...)
			wantWarningCodes(t, r, tc.warns...)
		})
	}
}

// TestOverrideSourceChangeWithoutCondition: the source is only compared
// when the condition is overridden, as in Falco.
func TestOverrideSourceChangeWithoutCondition(t *testing.T) {
	l, rs := load(t, baseRule+`
- rule: r
  desc: x
  source: k8s_audit
  override:
    desc: replace
`)
	wantOK(t, last(rs))
	if r := rule(t, l, "r"); r.Desc != "x" || r.Source != "syscall" {
		t.Errorf("desc=%q source=%q", r.Desc, r.Source)
	}
}

// TestOverrideUnexpectedKeyFirstAlphabetically: with several unlisted keys,
// Falco reports the alphabetically first one (a std::set).
func TestOverrideUnexpectedKeyFirstAlphabetically(t *testing.T) {
	_, rs := load(t, baseRule+`
- rule: r
  tags: [x]
  priority: WARNING
  desc: y
  output: z
  override:
    output: append
`)
	wantError(t, last(rs), "LOAD_ERR_YAML_VALIDATE", "Unexpected key 'desc': no corresponding entry under 'override' is defined.")
}

// TestOverrideAcrossFiles: overrides apply to items of earlier files.
func TestOverrideAcrossFiles(t *testing.T) {
	l, rs := load(t,
		`
- list: bins
  items: [cat]
- macro: m
  condition: evt.type = open
`+ruleYAML("r", "m and proc.name in (bins)"),
		`
- list: bins
  items: [dog]
  override:
    items: append
- macro: m
  condition: or evt.type = close
  override:
    condition: append
- rule: r
  condition: and not user.name = root
  override:
    condition: append
`)
	for _, r := range rs {
		wantOK(t, r)
	}
	r := rule(t, l, "r")
	if r.RawCondition != "m and proc.name in (bins) and not user.name = root" {
		t.Errorf("raw condition = %q", r.RawCondition)
	}
	wantCondition(t, r.Condition, "(evt.type = open or evt.type = close) and proc.name in (cat, dog) and not user.name = root")
}
