package agent

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/selection"
)

func falcoRules(t *testing.T) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "falco-rules", "falco_rules.yaml")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			t.Fatalf("%s not found", p)
		}
		t.Skip("../shared not present")
	}
	return p
}

func loadRuleset(t *testing.T, file string) *engine.Ruleset {
	t.Helper()
	reg := fields.NewDefault()
	src, _ := reg.Source(fields.SyscallSource)
	l := load.New([]*load.Source{{Name: fields.SyscallSource, Fields: src, Binder: inspect.Binder{},
		EventTypes: event.NewResolver(), AsyncCode: int(event.AsyncEventCode)}},
		load.Options{Plugins: map[string]string{"container": "0.7.0"}, AppendOutput: []load.AppendOutput{{Suggested: true}}})
	if res := l.LoadFile(file); !res.OK() {
		t.Fatal(res.Verbose(l.Contents()))
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchAll)
	return rs
}

// safeBuffer is written by the agent and read by the test.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runAgent starts the agent with Falco's stable rules, runs action once
// it is capturing, and returns its alerts and result.
func runAgent(t *testing.T, action func()) (string, *Result) {
	t.Helper()
	rs := loadRuleset(t, falcoRules(t))
	var syscalls event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			syscalls.Add(c)
		}
	}
	sel := selection.Select(syscalls, selection.Config{})
	out := &safeBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	type done struct {
		res *Result
		err error
	}
	fin := make(chan done, 1)
	go func() {
		res, err := Run(ctx, Config{
			Pipeline: pipeline.Config{Ruleset: rs, Out: out, JSON: true,
				Alerts: alert.Options{IncludeOutput: true, IncludeOutputFields: true, Hostname: "agent-test"}},
			Syscalls: sel.Selected,
			Ready:    func() { close(ready) },
		})
		fin <- done{res, err}
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
	time.Sleep(500 * time.Millisecond) // past the reader's poll interval
	cancel()
	d := <-fin
	if d.err != nil {
		t.Fatalf("agent: %v", d.err)
	}
	return out.String(), d.res
}

// Falco's "Read sensitive file untrusted" fires, live, on cat /etc/shadow.
func TestReadSensitiveFileLive(t *testing.T) {
	out, res := runAgent(t, func() {
		if err := exec.Command("/bin/sh", "-c", "cat /etc/shadow > /dev/null").Run(); err != nil {
			t.Fatal(err)
		}
	})
	if res.Counters.Events == 0 {
		t.Fatalf("no events: %+v", res.Counters)
	}
	var hit string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"rule":"Read sensitive file untrusted"`) && strings.Contains(line, `"proc.name":"cat"`) {
			hit = line
		}
	}
	if hit == "" {
		t.Fatalf("no alert for cat /etc/shadow; %d events, alerts:\n%s", res.Stats.Events, out)
	}
	for _, want := range []string{`"fd.name":"/etc/shadow"`, `"proc.cmdline":"cat /etc/shadow"`, `"proc.pname":"sh"`,
		`"proc.exepath":"/usr/bin/cat"`, `"user.uid":0`, `"priority":"Warning"`} {
		if !strings.Contains(hit, want) {
			t.Errorf("alert lacks %s: %s", want, hit)
		}
	}
}
