package load

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestListReferences: a list item naming a list is expanded only if that
// list was defined before this list was last touched (E.1, E.2).
func TestListReferences(t *testing.T) {
	l, rs := load(t, `
- list: a
  items: [x]
- list: b
  items: [a, y]
- list: c
  items: [d, z]
- list: d
  items: [w]
- list: e
  items: [d]
- list: e
  items: [v]
  override:
    items: append
`+ruleYAML("r", "evt.type = open and proc.name in (b, c, e)"))
	wantOK(t, last(rs))
	for name, want := range map[string][]string{
		"a": {"x"}, "b": {"x", "y"}, "c": {"d", "z"}, "d": {"w"},
		// e was touched again after d was defined: d is now visible to it.
		"e": {"w", "v"},
	} {
		if got := list(t, l, name).Items; !reflect.DeepEqual(got, want) {
			t.Errorf("list %s = %q, want %q", name, got, want)
		}
	}
	// Substitution into the condition is textual and runs list by list in
	// definition order, so c's literal "d" is replaced by d's items when d's
	// turn comes.
	wantCondition(t, rule(t, l, "r").Condition, "evt.type = open and proc.name in (x, y, w, z, w, v)")
}

// TestListSubstitution covers the textual quirks of §2.6 / E.2.
func TestListSubstitution(t *testing.T) {
	lists := `
- list: two
  items: [a, b]
- list: empty
  items: []
- list: spaced
  items: [my app, "other one"]
- list: cat
  items: [dog]
- list: single
  items: [bash]
`
	tests := []struct {
		name, cond, want string
	}{
		{"list among literals", "evt.type = open and proc.name in (x, two)", "evt.type = open and proc.name in (x, a, b)"},
		{"empty list last drops the left comma", "evt.type = open and proc.name in (x, empty)", "evt.type = open and proc.name in (x)"},
		{"empty list first drops the right comma", "evt.type = open and proc.name in (empty, x)", "evt.type = open and proc.name in (x)"},
		{"empty list alone", "evt.type = open and not proc.name in (empty)", "evt.type = open and not proc.name in ()"},
		{"items with spaces are quoted", "evt.type = open and proc.name in (spaced)", `evt.type = open and proc.name in ("my app", "other one")`},
		{"a value equal to a list name is replaced", "evt.type = open and proc.name = cat", "evt.type = open and proc.name = dog"},
		{"even inside a quoted string", `evt.type = open and proc.cmdline contains "x cat y"`, `evt.type = open and proc.cmdline contains "x dog y"`},
		{"not inside a longer word", "evt.type = open and proc.name = cats", "evt.type = open and proc.name = cats"},
		{"bare in with a single item", "evt.type = open and proc.name in single", "evt.type = open and proc.name in bash"},
		{"undefined list is a literal", "evt.type = open and proc.name in (nolist)", "evt.type = open and proc.name in (nolist)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, rs := load(t, lists+ruleYAML("r", tc.cond, "  warn_evttypes: false"))
			wantSuccess(t, last(rs))
			wantCondition(t, rule(t, l, "r").Condition, tc.want)
		})
	}
	// A bare "in" with several items is a parse error, as in Falco.
	_, rs := load(t, lists+ruleYAML("r", "evt.type = open and proc.name in two"))
	if last(rs).OK() || last(rs).Errors[0].Code() != "LOAD_ERR_COMPILE_CONDITION" {
		t.Errorf("bare in with a multi-item list: %s", describe(last(rs)))
	}
}

// TestMacroVisibility covers E.4: macros only see earlier macros; rules
// see every macro collected so far.
func TestMacroVisibility(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		code  string
		msg   string
		chain []string
	}{
		{"macro uses a later macro", `
- macro: outer
  condition: evt.type = open and inner
- macro: inner
  condition: proc.name = cat
` + ruleYAML("r", "outer"), "LOAD_ERR_VALIDATE", "Undefined macro 'inner' used in filter.",
			[]string{"rules content rules.yaml:1:1", "macro 'outer' rules.yaml:2:3", "condition expression 'evt.type = open a...' rules.yaml:3:34"}},
		{"self reference defined once", `
- macro: m
  condition: evt.type = open or m
` + ruleYAML("r", "m"), "LOAD_ERR_VALIDATE", "Undefined macro 'm' used in filter.",
			[]string{"rules content rules.yaml:1:1", "macro 'm' rules.yaml:2:3", "condition expression 'evt.type = open or m' rules.yaml:3:33"}},
		{"self reference after an append", `
- macro: m
  condition: evt.type = open
- macro: m
  condition: or m
  override:
    condition: append
` + ruleYAML("r", "m"), "LOAD_ERR_VALIDATE", "reference loop in macro 'm'",
			[]string{"rules content rules.yaml:1:1", "macro 'm' rules.yaml:2:3", "condition expression 'evt.type = open or m' rules.yaml:5:17"}},
		{"a loop is reported before an earlier undefined macro", `
- macro: m
  condition: nosuch or evt.type = open
- macro: m
  condition: or m
  override:
    condition: append
` + ruleYAML("r", "m"), "LOAD_ERR_VALIDATE", "reference loop in macro 'm'",
			[]string{"rules content rules.yaml:1:1", "macro 'm' rules.yaml:2:3", "condition expression 'nosuch or evt.typ...' rules.yaml:5:17"}},
		{"cycle of two", `
- macro: a
  condition: b
- macro: b
  condition: a
` + ruleYAML("r", "a"), "LOAD_ERR_VALIDATE", "Undefined macro 'b' used in filter.",
			[]string{"rules content rules.yaml:1:1", "macro 'a' rules.yaml:2:3", "condition expression 'b' rules.yaml:3:14"}},
		{"rule uses an undefined macro", ruleYAML("r", "evt.type = open and nosuch"), "LOAD_ERR_VALIDATE", "Undefined macro 'nosuch' used in filter.",
			[]string{"rules content rules.yaml:1:1", "rule 'r' rules.yaml:1:3", "condition expression 'evt.type = open a...' rules.yaml:3:34"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			e := wantError(t, last(rs), tc.code, tc.msg)
			wantChain(t, e, tc.chain...)
		})
	}

	// An earlier macro becomes visible when the referring macro is redefined
	// or appended later.
	l, rs := load(t, `
- macro: outer
  condition: evt.type = open
- macro: inner
  condition: proc.name = cat
- macro: outer
  condition: and inner
  override:
    condition: append
`+ruleYAML("r", "outer"))
	wantOK(t, last(rs))
	wantCondition(t, rule(t, l, "r").Condition, "evt.type = open and proc.name = cat")

	// Rules see macros defined after them in the same file.
	l, rs = load(t, ruleYAML("r", "later and proc.name = cat")+`
- macro: later
  condition: evt.type = execve
`)
	wantOK(t, last(rs))
	wantCondition(t, rule(t, l, "r").Condition, "evt.type = execve and proc.name = cat")
}

// TestCrossFileVisibility: a file sees only itself and earlier files.
func TestCrossFileVisibility(t *testing.T) {
	_, rs := load(t,
		ruleYAML("r", "later_macro"),
		"- macro: later_macro\n  condition: evt.type = open\n")
	wantError(t, rs[0], "LOAD_ERR_VALIDATE", "Undefined macro 'later_macro' used in filter.")

	l, rs := load(t,
		"- macro: m\n  condition: evt.type = open\n- list: bins\n  items: [cat]\n",
		ruleYAML("r", "m and proc.name in (bins)"))
	// The first file alone leaves its items unused; the second uses them.
	wantWarningCodes(t, rs[0], "LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST")
	wantOK(t, rs[1])
	wantCondition(t, rule(t, l, "r").Condition, "evt.type = open and proc.name in (cat)")
}

// TestUnusedWarnings covers LOAD_UNUSED_MACRO and LOAD_UNUSED_LIST (E.4,
// E.5).
func TestUnusedWarnings(t *testing.T) {
	_, rs := load(t, `
- list: used_by_unused_macro
  items: [a]
- list: unused_list
  items: [b]
- list: used_by_list
  items: [c]
- list: referring
  items: [used_by_list]
- macro: helper
  condition: proc.name in (used_by_unused_macro)
- macro: unused_macro
  condition: helper and proc.name in (referring)
- macro: used
  condition: evt.type = open
`+ruleYAML("r", "used"))
	r := last(rs)
	wantSuccess(t, r)
	// Macros first, then lists, each in definition order.
	wantWarningCodes(t, r, "LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST")
	w := wantWarning(t, r, "LOAD_UNUSED_MACRO", "Macro not referred to by any other rule/macro")
	wantChain(t, w, "rules content rules.yaml:1:1", "macro 'unused_macro' rules.yaml:12:3")
	w = wantWarning(t, r, "LOAD_UNUSED_LIST", "List not referred to by any other rule/macro")
	wantChain(t, w, "rules content rules.yaml:1:1", "list 'unused_list' rules.yaml:4:3")
}

// TestMacroUsedByDisabledRule: disabled rules are compiled, so what they
// use is used.
func TestMacroUsedByDisabledRule(t *testing.T) {
	_, rs := load(t, "- macro: m\n  condition: evt.type = open\n- list: l\n  items: [a]\n"+
		ruleYAML("r", "m and proc.name in (l)", "  enabled: false"))
	wantOK(t, last(rs))
}

// TestUnusedWarningLocation: a redefinition moves the item's location, an
// append does not (E.5).
func TestUnusedWarningLocation(t *testing.T) {
	_, rs := load(t, `
- macro: redefined
  condition: evt.type = open
- macro: appended
  condition: evt.type = open
- macro: redefined
  condition: evt.type = close
- macro: appended
  condition: or evt.type = close
  override:
    condition: append
`)
	r := last(rs)
	wantWarningCodes(t, r, "LOAD_UNUSED_MACRO", "LOAD_UNUSED_MACRO")
	wantChain(t, r.Warnings[0], "rules content rules.yaml:1:1", "macro 'redefined' rules.yaml:6:3")
	wantChain(t, r.Warnings[1], "rules content rules.yaml:1:1", "macro 'appended' rules.yaml:4:3")
}

// TestUnusedMacroWithUnknownSourceRule: macros used only by a rule of an
// unknown source are unused, as that rule is never compiled.
func TestUnusedMacroWithUnknownSourceRule(t *testing.T) {
	_, rs := load(t, `
- macro: m
  condition: evt.type = open
`+ruleYAML("r", "m", "  source: nosuchsource"))
	wantWarningCodes(t, last(rs), "LOAD_UNKNOWN_SOURCE", "LOAD_UNUSED_MACRO")
}

// TestDocumentsAndNulls: several YAML documents, null documents and null
// items.
func TestDocumentsAndNulls(t *testing.T) {
	l, rs := load(t, `
- macro: m
  condition: evt.type = open
---
~
---
- ~
-
`+ruleYAML("r", "m")+`---
# only a comment
`)
	wantOK(t, last(rs))
	if n, m, li := l.Counts(); n != 1 || m != 1 || li != 0 {
		t.Errorf("counts %d/%d/%d", n, m, li)
	}

	for _, content := range []string{"", "# nothing\n", "---\n", "[]\n"} {
		_, rs := load(t, content)
		wantOK(t, last(rs))
	}
}

// TestLoadPath loads a directory's YAML files in alphabetical order and
// ignores other files.
func TestLoadPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// b uses a's macro: fine only if a is loaded first.
	write("b.yaml", ruleYAML("rb", "m_a"))
	write("a.yml", "- macro: m_a\n  condition: evt.type = open\n")
	write("c.txt", "not yaml: [")
	write("d.yaml.bak", "not yaml: [")
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("sub.yaml/z.yaml", "not yaml: [")
	// Symlinks to files are followed (Kubernetes ConfigMap volumes are
	// made of them); dangling ones are skipped.
	write("sub.yaml/c.yaml", ruleYAML("rc", "m_a"))
	if err := os.Symlink(filepath.Join(dir, "sub.yaml", "c.yaml"), filepath.Join(dir, "c.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere.yaml"), filepath.Join(dir, "dangling.yaml")); err != nil {
		t.Fatal(err)
	}

	l := newTestLoader(t)
	rs := l.LoadPath(dir)
	var names []string
	for _, r := range rs {
		names = append(names, filepath.Base(r.Name))
		wantSuccess(t, r)
	}
	wantWarningCodes(t, rs[0], "LOAD_UNUSED_MACRO") // a.yml alone
	wantOK(t, rs[1])
	if strings.Join(names, ",") != "a.yml,b.yaml,c.yaml" {
		t.Errorf("loaded %v", names)
	}

	// A single file, and a missing path.
	l = newTestLoader(t)
	rs = l.LoadPath(filepath.Join(dir, "a.yml"))
	if len(rs) != 1 || !rs[0].OK() {
		t.Errorf("single file: %v", rs)
	}
	missing := filepath.Join(dir, "missing.yaml")
	rs = l.LoadPath(missing)
	if len(rs) != 1 {
		t.Fatalf("missing: %d results", len(rs))
	}
	e := wantError(t, rs[0], "LOAD_ERR_FILE_READ", "Could not open file "+missing+" for reading: no such file or directory")
	wantChain(t, e, "rules content "+missing+":1:1")
	if l.OK() {
		t.Error("loader OK after a failed file")
	}
}

// TestRequiredEngineVersion covers the int and semver forms and errors.
func TestRequiredEngineVersion(t *testing.T) {
	tests := []struct {
		value string
		code  string // "" for success
		msg   string
	}{
		{"26", "", ""},
		{"0.26.0", "", ""},
		{`"0.26.0"`, "", ""},
		{"0x1A", "", ""}, // yaml-cpp reads hex: 0.26.0
		{"0.26.0-rc1", "", ""},
		{EngineVersion.String(), "", ""},
		{"seven", "LOAD_ERR_YAML_VALIDATE", `Unable to parse engine version 'seven' as a semver string. Expected "x.y.z" semver format.`},
		{"0.26", "LOAD_ERR_YAML_VALIDATE", `Unable to parse engine version '0.26' as a semver string. Expected "x.y.z" semver format.`},
		{"-1", "LOAD_ERR_YAML_VALIDATE", `Unable to parse engine version '-1' as a semver string. Expected "x.y.z" semver format.`},
		{"0.999.0", "LOAD_ERR_VALIDATE", "Rules require engine version 0.999.0, but engine version is " + EngineVersion.String()},
		{"9999", "LOAD_ERR_VALIDATE", "Rules require engine version 0.9999.0, but engine version is " + EngineVersion.String()},
		{"1.0.0", "LOAD_ERR_VALIDATE", "Rules require engine version 1.0.0, but engine version is " + EngineVersion.String()},
		{"", "LOAD_ERR_YAML_VALIDATE", "Mapping for key 'required_engine_version' is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			_, rs := load(t, "- required_engine_version: "+tc.value+"\n"+ruleYAML("r", "evt.type = close"))
			if tc.code == "" {
				wantOK(t, last(rs))
				return
			}
			e := wantError(t, last(rs), tc.code, tc.msg)
			wantChain(t, e, "rules content rules.yaml:1:1", "required_engine_version rules.yaml:1:3")
		})
	}

	// The highest requirement is remembered.
	l, _ := load(t, "- required_engine_version: 0.20.0\n- required_engine_version: 31\n- required_engine_version: 0.26.0\n")
	if v := l.RequiredEngineVersion(); v != "0.31.0" {
		t.Errorf("required engine version %s", v)
	}
	// Unknown keys next to it warn.
	_, rs := load(t, "- required_engine_version: 10\n  extra: 1\n")
	w := wantWarning(t, last(rs), "LOAD_UNKNOWN_KEY", "Unknown key 'extra'. The key will be ignored.")
	wantChain(t, w, "rules content rules.yaml:1:1", "required_engine_version rules.yaml:1:3")
	_, rs = load(t, "- required_plugin_versions: []\n  extra: 1\n")
	w = wantWarning(t, last(rs), "LOAD_UNKNOWN_KEY", "Unknown key 'extra'. The key will be ignored.")
	wantChain(t, w, "rules content rules.yaml:1:1", "required plugin versions rules.yaml:1:3")
}

// TestRequiredPluginVersions covers parsing errors (C.2, C.3) and
// CheckPluginRequirements (A.4).
func TestRequiredPluginVersions(t *testing.T) {
	parse := []struct {
		name, yaml, code, msg string
		chain                 []string
	}{
		{"not a sequence", "- required_plugin_versions: container\n", "LOAD_ERR_YAML_VALIDATE", "Value of required_plugin_versions must be a sequence",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:1:29"}},
		{"entry not a mapping", "- required_plugin_versions:\n  - container\n", "LOAD_ERR_YAML_VALIDATE", "Plugin version must be a mapping",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry rules.yaml:2:5"}},
		{"entry without name", "- required_plugin_versions:\n  - version: 0.1.0\n", "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'name'",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry rules.yaml:2:5"}},
		{"entry without version", "- required_plugin_versions:\n  - name: p\n", "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'version'",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5"}},
		{"alternatives not a sequence", "- required_plugin_versions:\n  - name: p\n    version: 0.1.0\n    alternatives: q\n", "LOAD_ERR_YAML_VALIDATE",
			"Value of plugin version alternatives must be a sequence",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5"}},
		{"alternative not a mapping", "- required_plugin_versions:\n  - name: p\n    version: 0.1.0\n    alternatives: [q]\n", "LOAD_ERR_YAML_VALIDATE",
			"Plugin version alternative must be a mapping",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5",
				"required plugin versions alternative rules.yaml:4:20"}},
		{"alternative without version", "- required_plugin_versions:\n  - name: p\n    version: 0.1.0\n    alternatives:\n      - name: q\n", "LOAD_ERR_YAML_VALIDATE",
			"Item has no mapping for key 'version'",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5",
				"required plugin versions alternative 'q' rules.yaml:5:9"}},
		{"invalid version", "- required_plugin_versions:\n  - name: p\n    version: one\n", "LOAD_ERR_VALIDATE", "Invalid required version 'one' for plugin 'p'",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5"}},
		{"invalid alternative version", "- required_plugin_versions:\n  - name: p\n    version: 0.1.0\n    alternatives:\n      - name: q\n        version: 1.2\n",
			"LOAD_ERR_VALIDATE", "Invalid required version '1.2' for plugin 'q'",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5"}},
		{"duplicate alternative", "- required_plugin_versions:\n  - name: p\n    version: 0.1.0\n    alternatives:\n      - name: p\n        version: 0.4.0\n",
			"LOAD_ERR_VALIDATE", "Defined multiple alternative version requirements for plugin 'p'",
			[]string{"rules content rules.yaml:1:1", "required plugin versions rules.yaml:2:3", "required plugin versions entry 'p' rules.yaml:2:5"}},
	}
	for _, tc := range parse {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			e := wantError(t, last(rs), tc.code, tc.msg)
			wantChain(t, e, tc.chain...)
		})
	}

	check := []struct {
		name    string
		plugins map[string]string
		yaml    string
		err     string // "" when satisfied
	}{
		{"none required", nil, "", ""},
		{"exact", map[string]string{"k8saudit": "0.1.0"}, "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n", ""},
		{"newer minor", map[string]string{"k8saudit": "0.2.0"}, "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n", ""},
		{"alternative loaded", map[string]string{"k8saudit-other": "0.5.0"},
			"- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: k8saudit-other\n        version: 0.4.0\n", ""},
		{"not loaded", map[string]string{"json": "0.1.0"},
			"- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n",
			"Plugin requirement not satisfied, must load one of: k8saudit (>= 0.1.0), k8saudit-eks (>= 0.2.0)"},
		{"too old", map[string]string{"k8saudit": "0.1.0"}, "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.2.0\n",
			"Plugin 'k8saudit' version '0.1.0' is not compatible with required plugin version '0.2.0'"},
		{"other major", map[string]string{"k8saudit": "1.0.0"}, "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.2.0\n",
			"Plugin 'k8saudit' version '1.0.0' is not compatible with required plugin version '0.2.0'"},
		{"invalid loaded version", map[string]string{"k8saudit": "latest"}, "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.2.0\n",
			"Plugin 'k8saudit' has invalid version string 'latest'"},
		{"second of two requirements fails", map[string]string{"k8saudit": "0.1.0"},
			"- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n- required_plugin_versions:\n  - name: k8saudit\n    version: 0.2.0\n",
			"Plugin 'k8saudit' version '0.1.0' is not compatible with required plugin version '0.2.0'"},
		{"first matching alternative decides", map[string]string{"k8saudit": "0.1.0", "k8saudit-other": "0.9.0"},
			"- required_plugin_versions:\n  - name: k8saudit\n    version: 0.2.0\n    alternatives:\n      - name: k8saudit-other\n        version: 0.4.0\n",
			"Plugin 'k8saudit' version '0.1.0' is not compatible with required plugin version '0.2.0'"},
	}
	for _, tc := range check {
		t.Run(tc.name, func(t *testing.T) {
			l := New(testSources(t), Options{Plugins: tc.plugins})
			wantOK(t, l.LoadContent("rules.yaml", []byte(tc.yaml)))
			err := l.CheckPluginRequirements()
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

// TestUnknownItemsAndKeys covers LOAD_UNKNOWN_ITEM and LOAD_UNKNOWN_KEY.
func TestUnknownItemsAndKeys(t *testing.T) {
	_, rs := load(t, `
- something: else
- list: l
  items: [a]
  typo: x
- macro: m
  condition: proc.name in (l)
  priority: INFO
- rule: r
  desc: d
  condition: evt.type = open and m
  output: o
  priority: INFO
  typo_field: 1
  items: [x]
`)
	r := last(rs)
	wantSuccess(t, r)
	wantWarningCodes(t, r, "LOAD_UNKNOWN_ITEM", "LOAD_UNKNOWN_KEY", "LOAD_UNKNOWN_KEY", "LOAD_UNKNOWN_KEY", "LOAD_UNKNOWN_KEY")
	w := wantWarning(t, r, "LOAD_UNKNOWN_ITEM", "Unknown top level item")
	wantChain(t, w, "rules content rules.yaml:1:1", "rules content item rules.yaml:2:3")
	want := []struct{ msg, item string }{
		{"Unknown key 'typo'. The key will be ignored.", "list 'l' rules.yaml:3:3"},
		{"Unknown key 'priority'. The key will be ignored.", "macro 'm' rules.yaml:6:3"},
		{"Unknown key 'typo_field'. The key will be ignored.", "rule 'r' rules.yaml:9:3"},
		{"Unknown key 'items'. The key will be ignored.", "rule 'r' rules.yaml:9:3"},
	}
	for i, w := range want {
		m := r.Warnings[i+1]
		if m.Msg != w.msg {
			t.Errorf("warning %d: %q, want %q", i+1, m.Msg, w.msg)
		}
		wantChain(t, m, "rules content rules.yaml:1:1", w.item)
	}

	// Dispatch priority: an item with both list and macro keys is a list;
	// the macro's keys are unknown to it.
	l, rs := load(t, "- list: l\n  macro: m\n  items: [a]\n  condition: x\n")
	wantWarningCodes(t, last(rs), "LOAD_UNKNOWN_KEY", "LOAD_UNKNOWN_KEY", "LOAD_UNUSED_LIST")
	if _, m, li := l.Counts(); m != 0 || li != 1 {
		t.Errorf("macros %d lists %d", m, li)
	}
}

// TestInvalidNames covers LOAD_INVALID_MACRO_NAME and LOAD_INVALID_LIST_NAME.
func TestInvalidNames(t *testing.T) {
	_, rs := load(t, `
- macro: test-macro
  condition: evt.type = close
- list: test list
  items: [open, openat]
- macro: ok_macro2
  condition: evt.type = close
- list: ok-list.name/2
  items: [a]
`+ruleYAML("r", "evt.type in (test list) and ok_macro2 and proc.name in (ok-list.name/2)"))
	r := last(rs)
	wantSuccess(t, r)
	// test-macro cannot be referenced: the condition grammar has no such
	// identifier. The list works, by textual substitution.
	wantWarningCodes(t, r, "LOAD_INVALID_MACRO_NAME", "LOAD_INVALID_LIST_NAME", "LOAD_UNUSED_MACRO")
	w := wantWarning(t, r, "LOAD_INVALID_MACRO_NAME", "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)")
	wantChain(t, w, "rules content rules.yaml:1:1", "macro 'test-macro' rules.yaml:2:3")
	w = wantWarning(t, r, "LOAD_INVALID_LIST_NAME", `List has an invalid name. List names should match a regular expression: ([^()"'[:space:]=,]+)`)
	wantChain(t, w, "rules content rules.yaml:1:1", "list 'test list' rules.yaml:4:3")
}

// TestUnknownSource: a rule of an unknown source is skipped with a warning;
// appends to it are allowed and its exception comps are still checked.
func TestUnknownSource(t *testing.T) {
	l, rs := load(t, ruleYAML("r", "anything at all (", "  source: aws_cloudtrail")+`
- rule: r
  condition: and more
  override:
    condition: append
`+ruleYAML("ok", "evt.type = open"))
	r := last(rs)
	wantSuccess(t, r)
	wantWarningCodes(t, r, "LOAD_UNKNOWN_SOURCE")
	w := wantWarning(t, r, "LOAD_UNKNOWN_SOURCE", "Unknown source aws_cloudtrail, skipping")
	wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:1:3")
	if got := strings.Join(ruleNames(l), ","); got != "ok" {
		t.Errorf("compiled rules %s", got)
	}
	if n, _, _ := l.Counts(); n != 2 {
		t.Errorf("collected %d rules", n)
	}

	_, rs = load(t, ruleYAML("r", "x", "  source: nosuch", `  exceptions:
    - name: e
      fields: [a.b]
      comps: [nope]
      values: [[x]]`))
	wantError(t, last(rs), "LOAD_ERR_VALIDATE", "'nope' is not a supported comparison operator")
	_, rs = load(t, ruleYAML("r", "x", "  source: nosuch", `  exceptions:
    - name: e
      fields: [a.b]
      values: [[x]]`))
	wantSuccess(t, last(rs))
}

// TestPluginSourceRule: a rule of a second source compiles against that
// source's fields only.
func TestPluginSourceRule(t *testing.T) {
	l, rs := load(t, ruleYAML("ka", "ka.verb = GET and ka.user.name != admin", "  source: k8s_audit"))
	wantOK(t, last(rs))
	if r := rule(t, l, "ka"); r.Source != k8sAuditSource || r.Codes != nil {
		t.Errorf("source %q codes %v", r.Source, r.Codes)
	}
	_, rs = load(t, ruleYAML("ka", "proc.name = x", "  source: k8s_audit"))
	wantError(t, last(rs), "LOAD_ERR_COMPILE_CONDITION", "filter_check called with nonexistent field proc.name")
}

// TestSkipIfUnknownFilter turns unknown fields, event types and output
// fields into LOAD_UNKNOWN_FILTER and drops the rule (C.5, C.6).
func TestSkipIfUnknownFilter(t *testing.T) {
	tests := []struct {
		name, cond, output string
		msg                string
		errCode            string // without skip-if-unknown-filter
		ctxType            ItemType
	}{
		{"unknown field", "evt.type = open and proc.nosuch = x", "o", "filter_check called with nonexistent field proc.nosuch", "LOAD_ERR_COMPILE_CONDITION", ItemConditionExpression},
		{"unknown event type", "evt.type in (open, nosuchevent)", "o", "unknown event type nosuchevent", "LOAD_ERR_COMPILE_CONDITION", ItemConditionExpression},
		{"unknown output field", "evt.type = open", "o %proc.nosuch", "unknown filter: unexpected token after '", "LOAD_ERR_COMPILE_OUTPUT", ItemRuleOutput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			item := "- rule: r\n  desc: d\n  condition: " + tc.cond + "\n  output: " + tc.output + "\n  priority: INFO\n"
			l, rs := load(t, item+"  skip-if-unknown-filter: true\n"+ruleYAML("other", "evt.type = close"))
			r := last(rs)
			wantSuccess(t, r)
			wantWarningCodes(t, r, "LOAD_UNKNOWN_FILTER")
			w := r.Warnings[0]
			if !strings.HasPrefix(w.Msg, tc.msg) {
				t.Errorf("message %q, want prefix %q", w.Msg, tc.msg)
			}
			if w.Ctx.last().ItemType != tc.ctxType {
				t.Errorf("context %q", chain(w.Ctx))
			}
			if got := strings.Join(ruleNames(l), ","); got != "other" {
				t.Errorf("compiled %s", got)
			}

			_, rs = load(t, item)
			if r := last(rs); r.OK() || r.Errors[0].Code() != tc.errCode || !strings.HasPrefix(r.Errors[0].Msg, tc.msg) {
				t.Errorf("without skip: %s", describe(r))
			}
		})
	}
	// Other errors are not downgraded.
	_, rs := load(t, ruleYAML("r", "proc.pid = abc", "  skip-if-unknown-filter: true"))
	wantError(t, last(rs), "LOAD_ERR_COMPILE_CONDITION", "abc is not a valid number")
}

// TestEvttypeWarning covers LOAD_NO_EVTTYPE (E.6).
func TestEvttypeWarning(t *testing.T) {
	tests := []struct {
		name, yaml string
		warn       bool
	}{
		{"narrow", ruleYAML("r", "evt.type = close"), false},
		{"broad", ruleYAML("r", "proc.name = cat"), true},
		{"broad negation", ruleYAML("r", "evt.type != open"), true},
		{"broad but silenced", ruleYAML("r", "proc.name = cat", "  warn_evttypes: false"), false},
		{"silenced by override", ruleYAML("r", "proc.name = cat") + "- rule: r\n  warn_evttypes: false\n  override:\n    warn_evttypes: replace\n", false},
		{"unsatisfiable evt.num", ruleYAML("r", "evt.num = 0"), false},
		{"contradiction", ruleYAML("r", "evt.type = open and evt.type = close"), false},
		{"never_true macro", "- macro: never_true\n  condition: (evt.num=0)\n- macro: user_known\n  condition: (never_true)\n" +
			ruleYAML("a", "evt.type = open and not user_known") + ruleYAML("b", "never_true"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := load(t, tc.yaml)
			r := last(rs)
			wantSuccess(t, r)
			if !tc.warn {
				wantWarningCodes(t, r)
				return
			}
			wantWarningCodes(t, r, "LOAD_NO_EVTTYPE")
			w := wantWarning(t, r, "LOAD_NO_EVTTYPE", "Rule matches too many evt.type values. This has a significant performance penalty.")
			wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:1:3")
		})
	}
}

// TestUnsafeNACheck covers LOAD_UNSAFE_NA_CHECK on ka.* fields.
func TestUnsafeNACheck(t *testing.T) {
	tests := []struct {
		cond string
		warn bool
	}{
		{"ka.verb = <NA>", true},
		{"ka.verb != <NA>", true},
		{"ka.verb in (GET, <NA>)", true},
		{"ka.user.name = admin", false},
		{"ka.verb contains <NA>", false},
		{"ka.verb exists", false},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			_, rs := load(t, ruleYAML("r", tc.cond, "  source: k8s_audit"))
			r := last(rs)
			wantSuccess(t, r)
			if !tc.warn {
				wantWarningCodes(t, r)
				return
			}
			wantWarningCodes(t, r, "LOAD_UNSAFE_NA_CHECK")
			w := wantWarning(t, r, "LOAD_UNSAFE_NA_CHECK", "")
			wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14",
				"condition expression '"+exprName(tc.cond)+"' rules.yaml:3:14")
		})
	}
}

// TestDeprecatedFields covers deprecated fields in conditions and outputs
// and %container.info.
func TestDeprecatedFields(t *testing.T) {
	const dirDesc = "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false. The rule expression can be simplified by removing the condition on 'evt.dir'"
	const latDesc = "field is not available due to the drop of enter events."
	tests := []struct {
		name, cond, output string
		msgs               []string
	}{
		{"evt.dir in condition", "evt.type = close and evt.dir = <", "o", []string{dirDesc}},
		{"latency in condition", "evt.type = close and evt.latency > 10 and evt.dir = >", "o", []string{dirDesc, latDesc}},
		{"evt.dir in output", "evt.type = close", "o dir=%evt.dir", []string{"usage of deprecated field 'evt.dir' has been detected in the rule output"}},
		{"substring match in output", "evt.type = close", "o lat=%evt.latency.ns", []string{
			"usage of deprecated field 'evt.latency' has been detected in the rule output",
			"usage of deprecated field 'evt.latency.ns' has been detected in the rule output"}},
		{"container.info", "evt.type = close", "o %container.info x", []string{
			"%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			item := "- rule: r\n  desc: d\n  condition: " + tc.cond + "\n  output: " + tc.output + "\n  priority: INFO\n"
			_, rs := load(t, item)
			r := last(rs)
			wantSuccess(t, r)
			var got []string
			for _, w := range r.Warnings {
				if w.Code() != "LOAD_DEPRECATED_ITEM" {
					t.Errorf("unexpected %s", w.Code())
				}
				got = append(got, w.Msg)
			}
			if !reflect.DeepEqual(got, tc.msgs) {
				t.Errorf("warnings %q\nwant %q", got, tc.msgs)
			}
		})
	}
	// %container.info is removed from the output.
	l, rs := load(t, "- rule: r\n  desc: d\n  condition: evt.type = close\n  output: a %container.info b\n  priority: INFO\n")
	wantSuccess(t, last(rs))
	if o := rule(t, l, "r").OutputText; o != "a  b" {
		t.Errorf("output %q", o)
	}
	// Deprecated fields reached through a macro are reported on the rule.
	_, rs = load(t, "- macro: m\n  condition: evt.type in (execve, execveat) and evt.dir = <\n"+ruleYAML("r", ">\n    m and proc.name = bash"))
	w := wantWarning(t, last(rs), "LOAD_DEPRECATED_ITEM", dirDesc)
	wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:3:3", "rule condition rules.yaml:5:14",
		"condition expression 'm and proc.name =...' rules.yaml:5:14")
}

// TestCompileConditionHints covers LOAD_COMPILE_CONDITION warnings.
func TestCompileConditionHints(t *testing.T) {
	tests := []struct {
		cond, msg, at string
	}{
		{"evt.type = open and proc.name = proc.pname", "'proc.pname' may be a valid field misused as a const string value", "rules.yaml:3:46"},
		// Falco reports a list element's hint at the list.
		{"evt.type = open and proc.name in (a, fd.name)", "'fd.name' may be a valid field misused as a const string value", "rules.yaml:3:47"},
		{"evt.type = open and proc.name regex foo", "regex check with 'foo' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'", "rules.yaml:3:50"},
		{"evt.type = open and proc.name = \"toupper( proc.pname)\"", "'toupper( proc.pname)' may be a valid field transformer misused as a const string value", "rules.yaml:3:46"},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			_, rs := load(t, ruleYAML("r", tc.cond))
			r := last(rs)
			wantSuccess(t, r)
			wantWarningCodes(t, r, "LOAD_COMPILE_CONDITION")
			w := wantWarning(t, r, "LOAD_COMPILE_CONDITION", tc.msg)
			name := tc.cond[:17] + "..."
			wantChain(t, w, "rules content rules.yaml:1:1", "rule 'r' rules.yaml:1:3", "rule condition rules.yaml:3:14",
				"condition expression '"+name+"' "+tc.at)
		})
	}
}

// TestWarningsNotRepeatedAcrossFiles: Kestrel reports a compile warning
// once, with the file that introduced it (Falco repeats it in every later
// file's result); reader warnings of a file loaded twice are reported
// twice, as in Falco.
func TestWarningsNotRepeatedAcrossFiles(t *testing.T) {
	_, rs := load(t, ruleYAML("broad", "proc.name = cat"), ruleYAML("narrow", "evt.type = open"))
	wantWarningCodes(t, rs[0], "LOAD_NO_EVTTYPE")
	wantOK(t, rs[1])

	l := newTestLoader(t)
	content := []byte("- macro: x-y\n  condition: evt.type = open\n")
	r1 := l.LoadContent("same.yaml", content)
	r2 := l.LoadContent("same.yaml", content)
	wantWarningCodes(t, r1, "LOAD_INVALID_MACRO_NAME", "LOAD_UNUSED_MACRO")
	wantWarningCodes(t, r2, "LOAD_INVALID_MACRO_NAME")
}

// TestMacroErrorsComeFirst: lists and macros compile before any rule, so
// an unused macro's error beats an earlier rule's (C.8).
func TestMacroErrorsComeFirst(t *testing.T) {
	_, rs := load(t, ruleYAML("r", "evt.type = open and proc.nosuch = 1")+"- macro: bad\n  condition: evt.type = open and nosuchmacro\n")
	e := wantError(t, last(rs), "LOAD_ERR_VALIDATE", "Undefined macro 'nosuchmacro' used in filter.")
	wantChain(t, e, "rules content rules.yaml:1:1", "macro 'bad' rules.yaml:6:3", "condition expression 'evt.type = open a...' rules.yaml:7:34")
	// The output is checked before the condition.
	_, rs = load(t, "- rule: r\n  desc: d\n  condition: evt.type = open and (\n  output: o %\n  priority: INFO\n")
	wantError(t, last(rs), "LOAD_ERR_COMPILE_OUTPUT", "invalid formatting syntax: formatting cannot end with a %")
}
