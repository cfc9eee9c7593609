package defaults_test

// The harness of the default rules' tests: each rule is fired by a real
// action while the agent runs live with the embedded rules, and a benign
// look-alike of the action must not fire it. Test files per ATT&CK area
// (defaults_<area>_test.go) use these helpers only.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/agent"
	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/container/runtimes"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/defaults"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/selection"
	"github.com/kestrel-project/kestrel/internal/sources"
	"github.com/kestrel-project/kestrel/internal/testutil"
)

// firedAlert is one alert of a live run.
type firedAlert struct {
	Rule         string         `json:"rule"`
	Priority     string         `json:"priority"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Tags         []string       `json:"tags"`
}

// defaultRuleset loads the embedded rules as the CLI does, every rule
// matching (rule_matching: all) so that each rule's own test sees it.
func defaultRuleset(t *testing.T) (*engine.Ruleset, *load.Loader) {
	t.Helper()
	l := sources.NewLoader(sources.DefaultOptions())
	for _, f := range defaults.Files() {
		if res := l.LoadContent(f.Name, f.Content); !res.OK() || len(res.Warnings) > 0 {
			t.Fatalf("%s:\n%s", f.Name, res.Verbose(l.Contents()))
		}
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchAll)
	return rs, l
}

// fire runs the agent with the default rules (and, with withDocker, the
// Docker container manager) around action and returns its alerts.
func fire(t *testing.T, withDocker bool, action func()) []firedAlert {
	t.Helper()
	rs, _ := defaultRuleset(t)
	var sc event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			sc.Add(c)
		}
	}
	var mgr *container.Manager
	if withDocker {
		rts, errs := runtimes.Open(container.EngineConfig{
			Docker: container.SocketEngine{Enabled: true, Sockets: []string{"/var/run/docker.sock"}}})
		if len(errs) > 0 || len(rts) == 0 {
			t.Fatalf("docker: %v", errs)
		}
		mgr = container.NewManager(rts, container.ManagerOptions{})
	}
	out := &testutil.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	type done struct{ err error }
	fin := make(chan done, 1)
	go func() {
		_, err := agent.Run(ctx, agent.Config{
			Pipeline: pipeline.Config{Ruleset: rs, Out: out, JSON: true,
				Alerts: alert.Options{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, Hostname: "defaults-test"}},
			Syscalls:   selection.Select(sc, selection.Config{}).Selected,
			Seed:       agent.ProcSnapshot,
			Containers: mgr,
			Ready:      func() { close(ready) },
		})
		fin <- done{err}
	}()
	select {
	case <-ready:
	case d := <-fin:
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatalf("agent: %v", d.err)
		}
		t.Skipf("probe unavailable: %v", d.err)
	}
	action()
	time.Sleep(500 * time.Millisecond)
	cancel()
	if d := <-fin; d.err != nil {
		t.Fatalf("agent: %v", d.err)
	}
	var as []firedAlert
	for _, l := range strings.Split(out.String(), "\n") {
		var a firedAlert
		if json.Unmarshal([]byte(l), &a) == nil && a.Rule != "" {
			as = append(as, a)
		}
	}
	return as
}

// run runs a shell command, failing the test if it cannot start; its
// exit status is ignored (many attacks fail and are still detected).
func run(t *testing.T, script string) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	_ = cmd.Wait()
}

// fired returns the alerts of rule whose output fields satisfy match.
func fired(as []firedAlert, rule string, match func(firedAlert) bool) []firedAlert {
	var out []firedAlert
	for _, a := range as {
		if a.Rule == rule && (match == nil || match(a)) {
			out = append(out, a)
		}
	}
	return out
}

// procIs matches alerts whose process name or command line contains s.
func procIs(s string) func(firedAlert) bool {
	return func(a firedAlert) bool {
		name, _ := a.OutputFields["proc.name"].(string)
		cmd, _ := a.OutputFields["proc.cmdline"].(string)
		return name == s || strings.Contains(cmd, s)
	}
}

// TestDefaultRulesLoadCleanly: every default rule loads without warnings,
// has a description, output, priority and MITRE tags.
func TestDefaultRulesLoadCleanly(t *testing.T) {
	_, l := defaultRuleset(t)
	for _, r := range l.Rules() {
		mitre := false
		for _, tag := range r.Tags {
			if strings.HasPrefix(tag, "mitre_") {
				mitre = true
			}
		}
		if r.Desc == "" || r.OutputText == "" || !mitre {
			t.Errorf("rule %q lacks a description, an output or a mitre_ tag", r.Name)
		}
	}
}
