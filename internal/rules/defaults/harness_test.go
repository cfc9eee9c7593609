package defaults_test

// The harness of the default rules' tests: each rule is fired by a real
// action while the agent runs live with the embedded rules, and a benign
// look-alike of the action must not fire it. Test files per ATT&CK area
// (defaults_<area>_test.go) use these helpers only.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

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
// matching (rule_matching: all) so that each rule's own test sees it, and
// after them the extra rules files' contents (the harness's own).
func defaultRuleset(t *testing.T, extra ...string) (*engine.Ruleset, *load.Loader) {
	t.Helper()
	l := sources.NewLoader(sources.DefaultOptions())
	for _, f := range defaults.Files() {
		if res := l.LoadContent(f.Name, f.Content); !res.OK() || len(res.Warnings) > 0 {
			t.Fatalf("%s:\n%s", f.Name, res.Verbose(l.Contents()))
		}
	}
	for i, c := range extra {
		if res := l.LoadContent(fmt.Sprintf("harness%d.yaml", i), []byte(c)); !res.OK() {
			t.Fatalf("harness rules:\n%s", res.Verbose(l.Contents()))
		}
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchAll)
	return rs, l
}

// liveRun is the agent running for a test, handed to the test's action.
type liveRun struct {
	t       *testing.T
	out     *testutil.Buffer
	marker  testutil.FlushMarker
	mu      sync.Mutex
	applied []container.Update // in the order they entered the event stream
}

func (r *liveRun) containerApplied(u container.Update) {
	r.mu.Lock()
	r.applied = append(r.applied, u)
	r.mu.Unlock()
}

func (r *liveRun) hasMetadata(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.applied {
		if u.Info != nil && u.Info.ID == container.ShortID(id) && !u.Removed {
			return true
		}
	}
	return false
}

// waitContainers waits until the metadata of each container (full or
// short id) has entered the event stream, ahead of the events that
// follow: they see it.
func (r *liveRun) waitContainers(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		testutil.WaitUntil(r.t, "metadata of container "+container.ShortID(id)+" in the event stream",
			func() bool { return r.hasMetadata(id) })
	}
}

// flush waits until the agent has handled every event of the actions
// done so far (see testutil.FlushMarker).
func (r *liveRun) flush() {
	r.t.Helper()
	r.marker.Flush(r.t, r.out.String)
}

// fire runs the agent with the default rules (and, with withDocker, the
// Docker container manager) around action and returns its alerts, once
// the agent has processed every event of the action.
func fire(t *testing.T, withDocker bool, action func(*liveRun)) []firedAlert {
	t.Helper()
	marker := testutil.NewFlushMarker(t)
	rs, _ := defaultRuleset(t, marker.Rule())
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
	lr := &liveRun{t: t, out: &testutil.Buffer{}, marker: marker}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	type done struct{ err error }
	fin := make(chan done, 1)
	go func() {
		_, err := agent.Run(ctx, agent.Config{
			Pipeline: pipeline.Config{Ruleset: rs, Out: lr.out, JSON: true,
				Alerts: alert.Options{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, Hostname: "defaults-test"}},
			Syscalls:         selection.Select(sc, selection.Config{}).Selected,
			Seed:             agent.ProcSnapshot,
			Containers:       mgr,
			ContainerApplied: lr.containerApplied,
			Ready:            func() { close(ready) },
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
	action(lr)
	lr.flush()
	cancel()
	if d := <-fin; d.err != nil {
		t.Fatalf("agent: %v", d.err)
	}
	var as []firedAlert
	for _, l := range strings.Split(lr.out.String(), "\n") {
		var a firedAlert
		if json.Unmarshal([]byte(l), &a) == nil && a.Rule != "" {
			as = append(as, a)
		}
	}
	return as
}

// waitListening waits until a TCP socket listens on port in the network
// namespace of process pid (0: this test's, the host's): a client started
// earlier would be refused.
func waitListening(t *testing.T, pid, port int) {
	t.Helper()
	testutil.WaitUntil(t, fmt.Sprintf("listener on port %d", port), func() bool { return testutil.Listening(pid, port) })
}

// containerPid is the host pid of a container's first process.
func containerPid(t *testing.T, id string) int {
	t.Helper()
	b, err := exec.Command("docker", "inspect", "-f", "{{.State.Pid}}", id).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", id, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid == 0 {
		t.Fatalf("docker inspect %s: pid %q", id, b)
	}
	return pid
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
