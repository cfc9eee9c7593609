package agent

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/metrics"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/selection"
	"github.com/kestrel-project/kestrel/internal/sources"
	"github.com/kestrel-project/kestrel/internal/state"
	"github.com/kestrel-project/kestrel/internal/testutil"
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
	l := sources.NewLoader(sources.DefaultOptions())
	if res := l.LoadFile(file); !res.OK() {
		t.Fatal(res.Verbose(l.Contents()))
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchAll)
	return rs
}

// runAgent starts the agent with Falco's stable rules, runs action once
// it is capturing, and returns its alerts and result.
func runAgent(t *testing.T, action func()) (string, *Result) {
	t.Helper()
	return runAgentWith(t, loadRuleset(t, falcoRules(t)), nil, action)
}

// runAgentWith runs the agent with rs and, when set, a container manager.
func runAgentWith(t *testing.T, rs *engine.Ruleset, containers *container.Manager, action func()) (string, *Result) {
	t.Helper()
	var syscalls event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			syscalls.Add(c)
		}
	}
	sel := selection.Select(syscalls, selection.Config{})
	out := &testutil.Buffer{}
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
			Syscalls:   sel.Selected,
			Seed:       ProcSnapshot,
			Ready:      func() { close(ready) },
			Containers: containers,
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

// A live capture with a filter: the snapshot and the matching events
// land in a file that Kestrel's reader reads back (and Debian's sysdig,
// when present, in the layout it knows).
func TestCaptureLive(t *testing.T) {
	for _, compat := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "live.scap")
		if !compat {
			path += ".gz"
		}
		src, _ := fields.NewDefault().Source(fields.SyscallSource)
		comp := engine.NewCompiler(src, inspect.Binder{}, event.NewResolver())
		expr, err := lang.Parse("proc.name = cat and evt.type = openat")
		if err != nil {
			t.Fatal(err)
		}
		cond, _, err := comp.Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		fin := make(chan error, 1)
		var res *CaptureResult
		go func() {
			var err error
			res, err = Capture(ctx, CaptureConfig{Path: path, SysdigCompat: compat, Filter: cond, Compiler: comp,
				Syscalls: syscallSet(t, "openat", "close", "execve", "clone"), Ready: func() { close(ready) },
				Seed: func() (*Snapshot, error) {
					return &Snapshot{Threads: []state.ThreadInfo{{Tid: 1, Pid: 1, Comm: "init", Exe: "/sbin/init"}}}, nil
				}})
			fin <- err
		}()
		select {
		case <-ready:
		case err := <-fin:
			if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
		if err := exec.Command("/bin/cat", "/etc/hostname").Run(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		cancel()
		if err := <-fin; err != nil {
			t.Fatal(err)
		}
		if res.Written == 0 || res.Written >= res.Events {
			t.Fatalf("written %d of %d events", res.Written, res.Events)
		}
		r, err := scap.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := r.ReadMetadata()
		if err != nil || snap == nil || len(snap.Threads) != 1 || snap.Threads[0].Comm != "init" {
			t.Fatalf("snapshot %+v, %v", snap, err)
		}
		var n uint64
		sawHostname := false
		for {
			it, err := r.Next()
			if err != nil {
				break
			}
			if it.Kind != scap.KindEvent || it.Flags&scap.FlagStateOnly != 0 {
				continue
			}
			n++
			if it.Event.Type() != event.OpenatX2 {
				t.Errorf("event type %d passed the filter", it.Event.Type())
			}
			if event.CString(it.Event.Param(2)) == "/etc/hostname" {
				sawHostname = true
			}
		}
		r.Close()
		if n != res.Written || !sawHostname {
			t.Errorf("read %d events (written %d), /etc/hostname seen %v", n, res.Written, sawHostname)
		}
		if compat {
			if _, err := exec.LookPath("sysdig"); err == nil {
				out, err := exec.Command("sysdig", "-r", path, "-p", "%proc.name %evt.type %fd.name", "fd.name=/etc/hostname").CombinedOutput()
				if err != nil || !strings.Contains(string(out), "cat openat /etc/hostname") || strings.Contains(string(out), "<NA>") {
					t.Errorf("sysdig -r: %v\n%s", err, out)
				}
			} else if os.Getenv("KESTREL_REQUIRE_SYSDIG") != "" {
				t.Error("sysdig not installed")
			}
		}
	}
}

func syscallSet(t *testing.T, names ...string) event.SyscallSet {
	t.Helper()
	var s event.SyscallSet
	for _, n := range names {
		c, ok := event.SyscallByName(n)
		if !ok {
			t.Fatal(n)
		}
		s.Add(c)
	}
	return s
}

func contentRuleset(t *testing.T, rules string) (*engine.Ruleset, event.SyscallSet) {
	t.Helper()
	l := sources.NewLoader(load.Options{})
	if res := l.LoadContent("rules.yaml", []byte(rules)); !res.OK() {
		t.Fatal(res.Verbose(l.Contents()))
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchAll)
	var sc event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			sc.Add(c)
		}
	}
	return rs, selection.Select(sc, selection.Config{}).Selected
}

// A rules reload swaps the rules and updates the probe's syscall
// selection while events flow: symlinkat, selected by neither the first
// rules nor the state, is captured once the second rules need it.
func TestReloadRules(t *testing.T) {
	dir := t.TempDir()
	rsA, scA := contentRuleset(t, `
- rule: marker opened
  desc: d
  condition: evt.type = openat and fd.name endswith /kestrel-reload-marker
  output: opened %fd.name
  priority: NOTICE
`)
	rsB, scB := contentRuleset(t, `
- rule: marker linked
  desc: d
  condition: evt.type = symlinkat and evt.arg.target = /kestrel-reload-target
  output: linked %evt.arg.linkpath
  priority: NOTICE
`)
	symlink, _ := event.SyscallByName("symlinkat")
	if scA.Has(symlink) || !scB.Has(symlink) {
		t.Fatal("the test needs symlinkat selected by the second rules only")
	}
	out := &testutil.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	reload := make(chan Rules)
	fin := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Config{Pipeline: pipeline.Config{Ruleset: rsA, Out: out, Alerts: alert.Options{Hostname: "h"}},
			Syscalls: scA, Ready: func() { close(ready) }, Reload: reload})
		fin <- err
	}()
	select {
	case <-ready:
	case err := <-fin:
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	link := func(name string) { // from a child: Kestrel never traces its own process
		if out, err := exec.Command("/bin/ln", "-s", "/kestrel-reload-target", filepath.Join(dir, name)).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
	}
	link("before")
	time.Sleep(300 * time.Millisecond)
	done := make(chan error, 1)
	reload <- Rules{Ruleset: rsB, Syscalls: scB, Done: done}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	link("after")
	time.Sleep(500 * time.Millisecond)
	cancel()
	if err := <-fin; err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "linked "+filepath.Join(dir, "after")) || strings.Contains(got, "linked "+filepath.Join(dir, "before")) {
		t.Errorf("alerts after the reload:\n%s", got)
	}
}

// The probe's counters and the rule matches are on /metrics while the
// agent runs.
func TestMetricsLive(t *testing.T) {
	rs, sc := contentRuleset(t, `
- rule: hostname read
  desc: d
  condition: evt.type = openat and fd.name = /etc/hostname and proc.name = cat
  output: read %fd.name
  priority: NOTICE
  tags: [test]
`)
	m := metrics.New("test")
	srv, err := metrics.Serve(metrics.ServerConfig{Address: "127.0.0.1:0", Metrics: true}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	fin := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Config{Pipeline: pipeline.Config{Ruleset: rs, Out: io.Discard, Alerts: alert.Options{Hostname: "h"}},
			Syscalls: sc, Ready: func() { close(ready) }, Metrics: m})
		fin <- err
	}()
	select {
	case <-ready:
	case err := <-fin:
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err := exec.Command("/bin/cat", "/etc/hostname").Run(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	resp, err := http.Get("http://" + srv.Addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cancel()
	if err := <-fin; err != nil {
		t.Fatal(err)
	}
	text := string(body)
	if !strings.Contains(text, `falcosecurity_falco_rules_matches_total{priority="Notice",rule_name="hostname read",source="syscall",tags="test"} 1`) {
		t.Errorf("no rule match counted:\n%s", text)
	}
	if strings.Contains(text, "falcosecurity_scap_n_evts_total 0\n") || !strings.Contains(text, "falcosecurity_scap_n_drops_total 0") {
		t.Errorf("driver counters:\n%s", text)
	}
}
