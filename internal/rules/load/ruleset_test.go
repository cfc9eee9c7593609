package load

import (
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/priority"
)

func TestMatchesWildcard(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "anything", true},
		{"**", "anything", true},
		{"*", "", true},
		{"no star", "no star", true},
		{"", "", true},
		{"hello*world", "hello new world", true},
		{"hello*world*", "hello new world yes", true},
		{"*hello*world", "come on hello this world", true},
		{"*hello*****world", "come on hello this world", true},
		{"Terminal*", "Terminal shell in container", true},
		{"*shell*", "Terminal shell in container", true},
		{"no star", "", false},
		{"", "no star", false},
		{"star", "no star", false},
		{"hello*world", "hello new thing", false},
		{"hello*world", "hello new world yes", false},
		{"*hello*world", "come on hello this world yes", false},
		{"*hello*world*", "come on hello this yes", false},
		// Greedy and non-backtracking: the first "ab" is taken, the rest
		// ("ab") must then be empty.
		{"*ab", "abab", false},
		{"*ab", "xab", true},
		{"*.yaml", "/a.yaml.d/b.yaml", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "abcbc", false},
		{"Terminal*", "terminal shell", false},
	}
	for _, tc := range tests {
		if got := MatchesWildcard(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchesWildcard(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

const rulesetRules = `
- rule: sev error
  desc: d
  condition: evt.type = open and proc.name = a
  output: o
  priority: ERROR
  tags: [process, t1]
- rule: sev warning
  desc: d
  condition: evt.type = open and proc.name = b
  output: o
  priority: WARNING
  tags: [network]
- rule: off by default
  desc: d
  condition: evt.type = open and proc.name = c
  output: o
  priority: CRITICAL
  enabled: false
  tags: [process]
- rule: sev info
  desc: d
  condition: evt.type = open and proc.name = d
  output: o
  priority: INFO
  tags: [process]
- rule: sev debug
  desc: d
  condition: evt.type in (open, close) and proc.name = e
  output: o
  priority: DEBUG
- rule: ka rule
  desc: d
  condition: ka.verb = GET
  output: o
  priority: ERROR
  source: k8s_audit
- rule: lost rule
  desc: d
  condition: whatever
  output: o
  priority: ERROR
  source: nosuchsource
`

func names(rs []*Rule) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

func engineNames(rs []*engine.Rule) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

// TestRuleset covers priority thresholds and selections (§1.5, G.1, G.2).
func TestRuleset(t *testing.T) {
	l, rs := load(t, rulesetRules)
	wantSuccess(t, last(rs))
	tests := []struct {
		name string
		min  priority.Priority
		sel  []Selection
		want string
	}{
		{"all, debug threshold", priority.Debug, nil, "sev error,sev warning,sev info,sev debug"},
		{"warning threshold", priority.Warning, nil, "sev error,sev warning"},
		{"emergency threshold", priority.Emergency, nil, ""},
		{"enable a disabled rule goes last", priority.Debug, []Selection{{Enable: true, Rule: "off by default"}},
			"sev error,sev warning,sev info,sev debug,off by default"},
		{"disable by wildcard", priority.Debug, []Selection{{Rule: "sev *"}}, ""},
		{"disable by exact name", priority.Debug, []Selection{{Rule: "sev info"}}, "sev error,sev warning,sev debug"},
		{"wildcard with two stars", priority.Debug, []Selection{{Rule: "*e*g"}}, "sev error,sev info"},
		{"disable by tag", priority.Debug, []Selection{{Tag: "process"}}, "sev warning,sev debug"},
		{"tag is exact", priority.Debug, []Selection{{Tag: "proc"}}, "sev error,sev warning,sev info,sev debug"},
		{"selections apply in order", priority.Debug, []Selection{{Rule: "*"}, {Enable: true, Tag: "process"}},
			"sev error,off by default,sev info"},
		{"disable then enable moves to the end", priority.Debug, []Selection{{Rule: "sev error"}, {Enable: true, Rule: "sev error"}},
			"sev warning,sev info,sev debug,sev error"},
		{"rule and tag in one selection", priority.Debug, []Selection{{Rule: "sev warning", Tag: "process"}}, "sev debug"},
		{"below the threshold cannot be enabled", priority.Warning, []Selection{{Enable: true, Rule: "*"}},
			"sev error,sev warning,off by default"},
		{"enabling an enabled rule keeps its place", priority.Debug, []Selection{{Enable: true, Rule: "sev error"}},
			"sev error,sev warning,sev info,sev debug"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, order := l.Ruleset(fields.SyscallSource, tc.min, tc.sel, engine.MatchFirst)
			if set == nil {
				t.Fatal("no ruleset")
			}
			if got := names(order); got != tc.want {
				t.Errorf("enabled %q, want %q", got, tc.want)
			}
			if got := engineNames(set.Rules()); got != tc.want {
				t.Errorf("ruleset %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRulesetBuckets: bucket order follows enable order, and every syscall
// rule is also in the async event bucket (H).
func TestRulesetBuckets(t *testing.T) {
	l, rs := load(t, rulesetRules)
	wantSuccess(t, last(rs))
	set, _ := l.Ruleset(fields.SyscallSource, priority.Debug, []Selection{{Enable: true, Rule: "off by default"}}, engine.MatchAll)
	res := event.NewResolver()
	open := res.CodesForName("open")
	closeCodes := res.CodesForName("close")
	var openCode, closeCode uint16
	found := false
	for c := uint16(0); c < event.MaxCode; c++ {
		if open.Has(c) && !found {
			openCode, found = c, true
		}
		if closeCodes.Has(c) {
			closeCode = c
		}
	}
	if got := engineNames(set.Bucket(openCode)); got != "sev error,sev warning,sev info,sev debug,off by default" {
		t.Errorf("open bucket %q", got)
	}
	if got := engineNames(set.Bucket(closeCode)); got != "sev debug" {
		t.Errorf("close bucket %q", got)
	}
	if got := engineNames(set.Bucket(uint16(event.AsyncEventCode))); got != "sev error,sev warning,sev info,sev debug,off by default" {
		t.Errorf("async bucket %q", got)
	}

	// The plugin source gets its own ruleset; unknown sources none.
	ka, order := l.Ruleset(k8sAuditSource, priority.Debug, nil, engine.MatchFirst)
	if ka == nil || names(order) != "ka rule" || engineNames(ka.Bucket(0)) != "ka rule" {
		t.Errorf("k8s_audit ruleset %q", names(order))
	}
	if set, _ := l.Ruleset("nosuchsource", priority.Debug, nil, engine.MatchFirst); set != nil {
		t.Error("ruleset for an unknown source")
	}
}

// TestRulesetAfterFailure: a failed compile leaves no ruleset.
func TestRulesetAfterFailure(t *testing.T) {
	l, _ := load(t, ruleYAML("r", "evt.type = open and nosuchmacro"))
	if set, order := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchFirst); set != nil || order != nil {
		t.Error("ruleset after a failed load")
	}
	if len(l.Rules()) != 0 {
		t.Error("rules after a failed load")
	}
}

// TestSelectionWildcardNoBacktracking: "*ab" does not select "abab".
func TestSelectionWildcardNoBacktracking(t *testing.T) {
	l, rs := load(t, ruleYAML("abab", "evt.type = open")+ruleYAML("xab", "evt.type = open"))
	wantOK(t, last(rs))
	_, order := l.Ruleset(fields.SyscallSource, priority.Debug, []Selection{{Rule: "*ab"}}, engine.MatchFirst)
	if got := names(order); got != "abab" {
		t.Errorf("enabled %q, want abab", got)
	}
}

// TestAppendOutput covers append_output formats by rule, tag and source.
func TestAppendOutput(t *testing.T) {
	l := New(testSources(t), Options{AppendOutput: []AppendOutput{
		{Format: "extra 1", Tags: []string{"tag1"}},
		{Format: "extra 2", Rule: "another_rule"},
		{Format: "extra 3", Tags: []string{"tag1", "tag2"}},
		{Format: "extra 4", Source: k8sAuditSource},
		{Rule: "legit_rule", Fields: map[string]string{"my_field": "hello %evt.num"}},
	}})
	r := l.LoadContent("rules.yaml", []byte(`
- rule: legit_rule
  desc: d
  condition: evt.type=open
  output: out 1
  priority: INFO
  tags: [tag1]
- rule: another_rule
  desc: d
  condition: evt.type=open
  output: out 2
  priority: INFO
  tags: [tag1]
- rule: a_third_rule
  desc: d
  condition: evt.type=open
  output: out 3
  priority: INFO
  tags: [tag2, tag1]
`))
	wantOK(t, r)
	for name, want := range map[string]string{
		"legit_rule":   "out 1 extra 1",
		"another_rule": "out 2 extra 1 extra 2",
		"a_third_rule": "out 3 extra 1 extra 3",
	} {
		if got := rule(t, l, name).OutputText; got != want {
			t.Errorf("%s output %q, want %q", name, got, want)
		}
	}
	if f := rule(t, l, "legit_rule").ExtraFields; len(f) != 1 || f["my_field"] == nil {
		t.Errorf("extra fields %v", f)
	}
	if f := rule(t, l, "another_rule").ExtraFields; len(f) != 0 {
		t.Errorf("extra fields %v", f)
	}
}
