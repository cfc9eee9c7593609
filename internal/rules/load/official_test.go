package load

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedRules is the folder of upstream Falco rule files, relative to this
// package.
const sharedRules = "../../../../shared/falco-rules"

// sharedFile returns the path of an upstream rules file, skipping the test
// when it is absent (unless KESTREL_REQUIRE_SHARED is set).
func sharedFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedRules, name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			t.Fatalf("shared rules file missing: %v", err)
		}
		t.Skipf("shared rules file missing: %v", err)
	}
	return p
}

var officialFiles = []struct {
	name                 string
	rules, macros, lists int
	disabled             int
}{
	{"falco_rules.yaml", 25, 87, 49, 0},
	{"falco-incubating_rules.yaml", 31, 82, 54, 0},
	{"falco-sandbox_rules.yaml", 37, 183, 60, 12},
}

func disabledRules(l *Loader) int {
	n := 0
	for _, r := range l.Rules() {
		if !r.Enabled {
			n++
		}
	}
	return n
}

// TestOfficialRulesTogether loads the three official files in order, as
// Falco's default configuration does (research note E.7).
func TestOfficialRulesTogether(t *testing.T) {
	var paths []string
	for _, f := range officialFiles {
		paths = append(paths, sharedFile(t, f.name))
	}
	l := newTestLoader(t)
	for _, p := range paths {
		wantOK(t, l.LoadFile(p))
	}
	if err := l.CheckPluginRequirements(); err != nil {
		t.Errorf("plugin requirements: %v", err)
	}
	rules, macros, lists := l.Counts()
	if rules != 93 || macros != 315 || lists != 118 {
		t.Errorf("counts %d/%d/%d, want 93/315/118", rules, macros, lists)
	}
	if n := len(l.Rules()); n != 93 {
		t.Errorf("%d compiled rules", n)
	}
	if n := disabledRules(l); n != 12 {
		t.Errorf("%d disabled rules, want 12", n)
	}
	for _, r := range l.Rules() {
		if r.Source != "syscall" {
			t.Errorf("rule %q has source %q", r.Name, r.Source)
		}
	}
	if v := l.RequiredEngineVersion(); v != "0.57.0" {
		t.Errorf("required engine version %s", v)
	}
	for _, m := range l.Macros() {
		if !m.Used {
			t.Errorf("macro %s unused", m.Name)
		}
	}
	for _, li := range l.Lists() {
		if !li.Used {
			t.Errorf("list %s unused", li.Name)
		}
	}
}

// TestOfficialRulesAlone loads each official file into a fresh loader.
func TestOfficialRulesAlone(t *testing.T) {
	for _, f := range officialFiles {
		t.Run(f.name, func(t *testing.T) {
			l := newTestLoader(t)
			wantOK(t, l.LoadFile(sharedFile(t, f.name)))
			rules, macros, lists := l.Counts()
			if rules != f.rules || macros != f.macros || lists != f.lists {
				t.Errorf("counts %d/%d/%d, want %d/%d/%d", rules, macros, lists, f.rules, f.macros, f.lists)
			}
			if n := disabledRules(l); n != f.disabled {
				t.Errorf("%d disabled rules, want %d", n, f.disabled)
			}
			if err := l.CheckPluginRequirements(); err != nil {
				t.Errorf("plugin requirements: %v", err)
			}
			// Without the container plugin the requirement fails, as in
			// Falco with load_plugins: [].
			bare := New(testSources(t), Options{})
			bare.LoadFile(sharedFile(t, f.name))
			if err := bare.CheckPluginRequirements(); err == nil || err.Error() != "Plugin requirement not satisfied, must load one of: container (>= 0.4.0)" {
				t.Errorf("without plugins: %v", err)
			}
		})
	}
}

// TestArchivedApplicationRules: the archived application_rules.yaml holds
// only macros, 12 of which no other macro uses (research note E.7 control).
func TestArchivedApplicationRules(t *testing.T) {
	l := newTestLoader(t)
	r := l.LoadFile(sharedFile(t, "application_rules.yaml"))
	wantSuccess(t, r)
	unused := findWarnings(r, "LOAD_UNUSED_MACRO")
	if len(unused) != 12 || len(r.Warnings) != 12 {
		t.Errorf("%d unused-macro warnings of %d, want 12:\n%s", len(unused), len(r.Warnings), describe(r))
	}
	if rules, macros, lists := l.Counts(); rules != 0 || macros != 21 || lists != 0 {
		t.Errorf("counts %d/%d/%d", rules, macros, lists)
	}
	if v := l.RequiredEngineVersion(); v != "0.2.0" {
		t.Errorf("required engine version %s", v)
	}
}
