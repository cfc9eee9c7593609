package load

import (
	"testing"
)

// exRule is a rule with condition evt.type = open followed by the given
// exceptions block (indented as a rule key).
func exRule(exceptions string) string {
	return `
- rule: r
  desc: d
  condition: evt.type = open
  output: o %proc.name
  priority: INFO
  exceptions:
` + exceptions
}

// TestExceptionConditionText checks the text Falco builds from exceptions
// (§1.6, E.3), before list substitution. Falco's builder writes " and "
// then " <field>", so cells after the first are preceded by two spaces
// (rule_loader_compiler.cpp, build_rule_exception_infos); the reference
// note's single-space example is a simplification.
func TestExceptionConditionText(t *testing.T) {
	tests := []struct {
		name       string
		exceptions string
		extra      string // more items before the rule (lists)
		want       string // Rule.RawCondition
		compiled   string // optional: the parsed, list-substituted condition
		warns      []string
	}{
		{"scalar field default comp in", `
    - name: e
      fields: proc.name
      values: [cat, "my app"]
`, "", `(evt.type = open) and not (proc.name in (cat, "my app"))`, "", nil},
		{"scalar field pmatch", `
    - name: e
      fields: fd.name
      comps: pmatch
      values: [/usr/bin/, /usr/local/bin/]
`, "", `(evt.type = open) and not (fd.name pmatch (/usr/bin/, /usr/local/bin/))`, "", nil},
		{"scalar field with a modifier comp", `
    - name: e
      fields: proc.name
      comps: startswith oneof
      values: [ssh, su]
`, "", `(evt.type = open) and not (proc.name startswith oneof (ssh, su))`, "", nil},
		{"list fields default comps", `
    - name: e
      fields: [proc.name, fd.name]
      values:
        - [nginx, /var/log/nginx]
`, "", `(evt.type = open) and not (( proc.name = nginx and  fd.name = /var/log/nginx))`, "", nil},
		{"list fields with comps, several rows, quoting", `
    - name: e
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [nginx, /var/log/nginx]
        - [apache, "/srv/a b"]
`, "", `(evt.type = open) and not (( proc.name = nginx and  fd.name startswith /var/log/nginx) or ( proc.name = apache and  fd.name startswith "/srv/a b"))`, "", nil},
		{"list-valued cell", `
    - name: e
      fields: [proc.name, fd.name]
      comps: [in, startswith]
      values:
        - [[cat, "my app"], /etc/]
`, "", `(evt.type = open) and not (( proc.name in (cat, "my app") and  fd.name startswith /etc/))`, "", nil},
		{"scalar cell with list operator is a list name", `
    - name: e
      fields: [proc.name]
      comps: [in]
      values:
        - [shells]
`, `
- list: shells
  items: [bash, zsh]
`, `(evt.type = open) and not (( proc.name in (shells)))`, `evt.type = open and not proc.name in (bash, zsh)`, nil},
		{"scalar cell already parenthesised", `
    - name: e
      fields: [proc.name]
      comps: [in]
      values:
        - ["(a, b)"]
`, "", `(evt.type = open) and not (( proc.name in (a, b)))`, "", nil},
		{"scalar cell with modifier comp is wrapped", `
    - name: e
      fields: [proc.name]
      comps: [startswith oneof]
      values:
        - [sshd]
`, "", `(evt.type = open) and not (( proc.name startswith oneof (sshd)))`, "", nil},
		{"modifier comp with list cell", `
    - name: e
      fields: [proc.name, fd.name]
      comps: [startswith oneof, startswith]
      values:
        - [[sshd, sudo], /etc/]
`, "", `(evt.type = open) and not (( proc.name startswith oneof (sshd, sudo) and  fd.name startswith /etc/))`, "", nil},
		{"comps whitespace is trimmed", `
    - name: e
      fields: [proc.name, fd.name]
      comps: ["  contains  ", "  startswith anyof  "]
      values:
        - [agent, [/etc/, /var/]]
`, "", `(evt.type = open) and not (( proc.name contains agent and  fd.name startswith anyof (/etc/, /var/)))`, "", nil},
		{"value with a quote is not quoted again", `
    - name: e
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - ['"curl 127.0.0.1"']
`, "", `(evt.type = open) and not (( proc.cmdline contains "curl 127.0.0.1"))`, "", nil},
		{"empty values add nothing", `
    - name: e
      fields: [proc.name]
      values: []
    - name: f
      fields: proc.name
`, "", `(evt.type = open)`, "", nil},
		{"several exceptions", `
    - name: a
      fields: proc.name
      values: [cat]
    - name: b
      fields: [fd.name]
      comps: [endswith]
      values: [[.log]]
`, "", `(evt.type = open) and not (proc.name in (cat)) and not (( fd.name endswith .log))`, "", nil},
		{"transformer field", `
    - name: e
      fields: [tolower(proc.name)]
      comps: [=]
      values: [[test]]
`, "", `(evt.type = open) and not (( tolower(proc.name) = test))`, "", nil},
		{"transformer field with a space", `
    - name: e
      fields: ["tolower( proc.name)"]
      comps: [=]
      values: [[test]]
`, "", `(evt.type = open) and not (( tolower( proc.name) = test))`, "", nil},
		{"value that is a field name warns", `
    - name: e
      fields: [proc.name]
      comps: [=]
      values: [[proc.pname]]
`, "", `(evt.type = open) and not (( proc.name = proc.pname))`, "", []string{"LOAD_COMPILE_CONDITION"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, rs := load(t, tc.extra+exRule(tc.exceptions))
			res := last(rs)
			wantSuccess(t, res)
			wantWarningCodes(t, res, tc.warns...)
			r := rule(t, l, "r")
			if r.RawCondition != tc.want {
				t.Errorf("condition:\n got  %s\n want %s", r.RawCondition, tc.want)
			}
			if tc.compiled != "" {
				wantCondition(t, r.Condition, tc.compiled)
			}
		})
	}
}

// TestExceptionFieldMisusedWarning pins the hint's message.
func TestExceptionFieldMisusedWarning(t *testing.T) {
	_, rs := load(t, exRule(`
    - name: e
      fields: [proc.name]
      comps: [=]
      values: [[proc.pname]]
`))
	w := wantWarning(t, last(rs), "LOAD_COMPILE_CONDITION", "'proc.pname' may be a valid field misused as a const string value")
	// The hint points into the generated text, attributed to the rule's
	// condition.
	if n := len(w.Ctx.Locations); n != 4 || w.Ctx.Locations[2].ItemType != ItemRuleCondition ||
		w.Ctx.Locations[3].ItemType != ItemConditionExpression {
		t.Errorf("context: %q", chain(w.Ctx))
	}
}

// TestExceptionValidation covers exception shape errors (C.2, C.3, C.4).
func TestExceptionValidation(t *testing.T) {
	ruleChain := []string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3", "exception 'e' rules.yaml:9:7"}
	tests := []struct {
		name       string
		exceptions string
		code, msg  string
		chain      []string
	}{
		{"comps length", `
    - name: e
      fields: [proc.name, fd.name]
      comps: [=]
      values: [[a, b]]
`, "LOAD_ERR_VALIDATE", "Fields and comps lists must have equal length", ruleChain},
		{"unknown operator", `
    - name: e
      fields: [proc.name]
      comps: [frobulate]
      values: [[a]]
`, "LOAD_ERR_VALIDATE", "'frobulate' is not a supported comparison operator", ruleChain},
		{"unknown modifier base", `
    - name: e
      fields: [proc.name]
      comps: [frobulate oneof]
      values: [[[a]]]
`, "LOAD_ERR_VALIDATE", "'frobulate oneof' is not a supported comparison operator", ruleChain},
		{"in oneof rejected", `
    - name: e
      fields: [proc.name]
      comps: [in oneof]
      values: [[[a]]]
`, "LOAD_ERR_VALIDATE", "'in oneof' is not a supported comparison operator", ruleChain},
		{"numeric with modifier rejected", `
    - name: e
      fields: [proc.pid]
      comps: [">= oneof"]
      values: [[[1000]]]
`, "LOAD_ERR_VALIDATE", "'>= oneof' is not a supported comparison operator", ruleChain},
		{"bare modifier rejected", `
    - name: e
      fields: [proc.name]
      comps: [oneof]
      values: [[[a]]]
`, "LOAD_ERR_VALIDATE", "'oneof' is not a supported comparison operator", ruleChain},
		{"invalid field in list", `
    - name: e
      fields: [proc.name, proc.nope]
      values: [[a, b]]
`, "LOAD_ERR_VALIDATE", "'proc.nope' is not a supported filter field", ruleChain},
		{"invalid scalar field", `
    - name: e
      fields: proc.nope
      values: [a]
`, "LOAD_ERR_VALIDATE", "'proc.nope' is not a supported filter field", ruleChain},
		{"fields and comps must both be strings", `
    - name: e
      fields: proc.name
      comps: [in]
      values: [a]
`, "LOAD_ERR_VALIDATE", "Fields and comps must both be strings", ruleChain},
		{"single field comp must be a list operator", `
    - name: e
      fields: proc.name
      comps: "="
      values: [a]
`, "LOAD_ERR_VALIDATE", "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)", ruleChain},
		{"single field with bad modifier", `
    - name: e
      fields: proc.name
      comps: frobulate oneof
      values: [a]
`, "LOAD_ERR_VALIDATE", "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)", ruleChain},
		{"values row length", `
    - name: e
      fields: [proc.name, fd.name]
      values: [[a]]
`, "LOAD_ERR_VALIDATE", "Fields and values lists must have equal length", ruleChain},
		{"scalar field with list value", `
    - name: e
      fields: proc.name
      values: [[a, b]]
`, "LOAD_ERR_VALIDATE", "Expected values array to contain a list of strings", ruleChain},
		{"fields required", `
    - name: e
      values: [a]
`, "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'fields'", ruleChain},
		{"fields non-empty", `
    - name: e
      fields: ""
      values: [a]
`, "LOAD_ERR_YAML_VALIDATE", "Value must be non-empty",
			append(append([]string(nil), ruleChain...), "value for 'fields' rules.yaml:10:15")},
		{"name required", `
    - fields: proc.name
      values: [a]
`, "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'name'",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3", "exceptions rules.yaml:9:5", "exception rules.yaml:9:7"}},
		{"exception must be a mapping", `
    - just a string
`, "LOAD_ERR_YAML_VALIDATE", "Rule exception must be a mapping",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3", "exceptions rules.yaml:9:5", "exception rules.yaml:9:7"}},
		{"exceptions must be a sequence", `
    name: e
`, "LOAD_ERR_YAML_VALIDATE", "Rule exceptions must be a sequence",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3", "exceptions rules.yaml:9:5"}},
		{"values must be a sequence", `
    - name: e
      fields: proc.name
      values: cat
`, "LOAD_ERR_YAML_VALIDATE", "Rule exception values must be a sequence",
			append(append([]string(nil), ruleChain...), "exception values rules.yaml:11:15")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, exRule(tc.exceptions))
			e := wantError(t, last(rs), tc.code, tc.msg)
			wantChain(t, e, tc.chain...)
		})
	}
}

// TestExceptionDuplicateName warns once per earlier duplicate.
func TestExceptionDuplicateName(t *testing.T) {
	_, rs := load(t, exRule(`
    - name: e
      fields: [proc.cmdline]
      comps: [contains]
      values: [[curl]]
    - name: e
      fields: [proc.cmdline]
      comps: [endswith]
      values: [[wget]]
    - name: e
      fields: proc.name
      values: [cat]
`))
	r := last(rs)
	wantSuccess(t, r)
	wantWarningCodes(t, r, "LOAD_EXCEPTION_NAME_NOT_UNIQUE", "LOAD_EXCEPTION_NAME_NOT_UNIQUE", "LOAD_EXCEPTION_NAME_NOT_UNIQUE")
	w := wantWarning(t, r, "LOAD_EXCEPTION_NAME_NOT_UNIQUE", "Multiple definitions of exception 'e' in the same rule")
	wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:2:3", "exception 'e' rules.yaml:13:7")
}

// TestExceptionAppend covers exception merging on append (§1.4).
func TestExceptionAppend(t *testing.T) {
	base := exRule(`
    - name: e
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [cat, /etc/]
`)
	tests := []struct {
		name   string
		update string
		want   string // RawCondition, when the load succeeds
		code   string // error code, when it fails
		msg    string
		warns  []string
	}{
		{"existing name gets values", `
- rule: r
  exceptions:
    - name: e
      values:
        - [dog, /var/]
  override:
    exceptions: append
`, `(evt.type = open) and not (( proc.name = cat and  fd.name startswith /etc/) or ( proc.name = dog and  fd.name startswith /var/))`, "", "", nil},
		{"existing name via legacy append", `
- rule: r
  exceptions:
    - name: e
      values:
        - [dog, /var/]
  append: true
`, `(evt.type = open) and not (( proc.name = cat and  fd.name startswith /etc/) or ( proc.name = dog and  fd.name startswith /var/))`, "", "", []string{"LOAD_DEPRECATED_ITEM"}},
		{"new name added", `
- rule: r
  exceptions:
    - name: f
      fields: proc.name
      values: [bash]
  override:
    exceptions: append
`, `(evt.type = open) and not (( proc.name = cat and  fd.name startswith /etc/)) and not (proc.name in (bash))`, "", "", nil},
		{"condition and exceptions appended together", `
- rule: r
  condition: and proc.name != x
  exceptions:
    - name: f
      fields: proc.name
      values: [bash]
  override:
    condition: append
    exceptions: append
`, `(evt.type = open and proc.name != x) and not (( proc.name = cat and  fd.name startswith /etc/)) and not (proc.name in (bash))`, "", "", nil},
		{"exceptions replaced", `
- rule: r
  exceptions:
    - name: f
      fields: proc.name
      values: [bash]
  override:
    exceptions: replace
`, `(evt.type = open) and not (proc.name in (bash))`, "", "", nil},
		// Falco does not validate replaced exceptions (their comps stay
		// unset, and list fields then index an empty vector); Kestrel
		// validates them as definitions.
		{"replaced list-field exceptions get default comps", `
- rule: r
  exceptions:
    - name: f
      fields: [proc.name, fd.name]
      values: [[bash, /tmp]]
  override:
    exceptions: replace
`, `(evt.type = open) and not (( proc.name = bash and  fd.name = /tmp))`, "", "", nil},
		{"replaced exceptions are validated", `
- rule: r
  exceptions:
    - name: f
      fields: [proc.name]
      comps: [nope]
      values: [[bash]]
  override:
    exceptions: replace
`, "", "LOAD_ERR_VALIDATE", "'nope' is not a supported comparison operator", nil},
		{"no values warns", `
- rule: r
  exceptions:
    - name: e
      value: [dog, /var/]
  override:
    exceptions: append
`, `(evt.type = open) and not (( proc.name = cat and  fd.name startswith /etc/))`, "", "", []string{"LOAD_APPEND_NO_VALUES"}},
		{"new name needs fields", `
- rule: r
  exceptions:
    - name: f
      values: [bash]
  override:
    exceptions: append
`, "", "LOAD_ERR_VALIDATE", "Rule exception must have fields property with a list of fields", nil},
		{"new name needs values", `
- rule: r
  exceptions:
    - name: f
      fields: proc.name
  override:
    exceptions: append
`, "", "LOAD_ERR_VALIDATE", "Rule exception must have values property with a list of values", []string{"LOAD_APPEND_NO_VALUES"}},
		{"new name is validated", `
- rule: r
  exceptions:
    - name: f
      fields: [proc.name]
      comps: [nope]
      values: [[a]]
  override:
    exceptions: append
`, "", "LOAD_ERR_VALIDATE", "'nope' is not a supported comparison operator", nil},
		{"existing name cannot get fields", `
- rule: r
  exceptions:
    - name: e
      fields: [proc.name, fd.name]
      values: [[a, b]]
  override:
    exceptions: append
`, "", "LOAD_ERR_VALIDATE", "Can not append exception fields to existing exception, only values", nil},
		{"existing name cannot get comps", `
- rule: r
  exceptions:
    - name: e
      comps: [=, =]
      values: [[a, b]]
  override:
    exceptions: append
`, "", "LOAD_ERR_VALIDATE", "Can not append exception comps to existing exception, only values", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, rs := load(t, base+tc.update)
			res := last(rs)
			if tc.code != "" {
				e := wantError(t, res, tc.code, tc.msg)
				exName := e.Ctx.last().ItemName // 'e' or 'f' per case
				wantChain(t, e, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:15:3", "exception '"+exName+"' rules.yaml:17:7")
				wantWarningCodes(t, res, tc.warns...)
				return
			}
			wantSuccess(t, res)
			wantWarningCodes(t, res, tc.warns...)
			if got := rule(t, l, "r").RawCondition; got != tc.want {
				t.Errorf("condition:\n got  %s\n want %s", got, tc.want)
			}
			if tc.warns != nil && tc.warns[0] == "LOAD_APPEND_NO_VALUES" {
				w := wantWarning(t, res, "LOAD_APPEND_NO_VALUES", "Overriding/appending exception with no values")
				wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:15:3", "exception 'e' rules.yaml:17:7")
			}
		})
	}
}
