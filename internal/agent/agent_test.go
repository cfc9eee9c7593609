package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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

// appliedUpdates records the container updates in the order they enter the
// event stream (Config.ContainerApplied), for tests to wait on.
type appliedUpdates struct {
	mu  sync.Mutex
	log []container.Update
}

func (a *appliedUpdates) add(u container.Update) {
	a.mu.Lock()
	a.log = append(a.log, u)
	a.mu.Unlock()
}

// seen reports whether an update for the container (full or short id),
// its removal when removed, has entered the event stream.
func (a *appliedUpdates) seen(id string, removed bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.log {
		if u.Info != nil && u.Info.ID == container.ShortID(id) && u.Removed == removed {
			return true
		}
	}
	return false
}

// live returns the ids whose last update in the stream is not a removal:
// the containers the state has metadata for.
func (a *appliedUpdates) live() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := map[string]bool{}
	for _, u := range a.log {
		switch {
		case u.Info == nil || u.Info.ID == "":
		case u.Removed:
			delete(ids, u.Info.ID)
		default:
			ids[u.Info.ID] = true
		}
	}
	return ids
}

// liveRun is an agent running for a test, handed to the test's action.
type liveRun struct {
	t       *testing.T
	out     *testutil.Buffer
	applied *appliedUpdates
	marker  testutil.FlushMarker
}

// waitContainers waits until the metadata of each container (full or
// short id) has entered the event stream: the events that follow see it.
func (r *liveRun) waitContainers(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		testutil.WaitUntil(r.t, "metadata of container "+container.ShortID(id)+" in the event stream",
			func() bool { return r.applied.seen(id, false) })
	}
}

// waitRemoved waits until the removal of each container has entered the
// event stream.
func (r *liveRun) waitRemoved(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		testutil.WaitUntil(r.t, "removal of container "+container.ShortID(id)+" in the event stream",
			func() bool { return r.applied.seen(id, true) })
	}
}

// flush waits until the agent has handled every event of the actions
// done so far (see testutil.FlushMarker).
func (r *liveRun) flush() {
	r.t.Helper()
	r.marker.Flush(r.t, r.out.String)
}

// harnessOptions are Falco's loading options plus the pids of the
// alerting process and its ancestors as output field test.lineage, so
// that tests can tell their own processes' alerts from those of tests
// running at the same time.
func harnessOptions() load.Options {
	o := sources.DefaultOptions()
	o.AppendOutput = append(o.AppendOutput, load.AppendOutput{Fields: map[string]string{
		"test.lineage": "%proc.pid %proc.ppid %proc.apid[2] %proc.apid[3] %proc.apid[4] %proc.apid[5]"}})
	return o
}

// lineage is what test.lineage names: the alerting process's pid, its
// parent's, then further ancestors'.
func lineage(a liveAlert) []string {
	s, _ := a.OutputFields["test.lineage"].(string)
	return strings.Fields(s)
}

// childOf reports whether the alerting process's parent is pid.
func childOf(a liveAlert, pid int) bool {
	l := lineage(a)
	return len(l) > 1 && l[1] == strconv.Itoa(pid)
}

// under reports whether the alerting process is pid or one of its
// descendants.
func under(a liveAlert, pid int) bool {
	for _, p := range lineage(a) {
		if p == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

// runAgent starts the agent with Falco's stable rules, runs action once
// it is capturing, and returns its alerts and result.
func runAgent(t *testing.T, action func(*liveRun)) (string, *Result) {
	t.Helper()
	return runAgentWith(t, nil, action, falcoRules(t))
}

// runAgentWith runs the agent with the rules (files, or YAML contents)
// and, when set, a container manager; action runs once it is capturing,
// and the agent stops once it has processed every event of the action.
func runAgentWith(t *testing.T, containers *container.Manager, action func(*liveRun), rules ...string) (string, *Result) {
	t.Helper()
	marker := testutil.NewFlushMarker(t)
	rs := loadRulesWith(t, harnessOptions(), append(rules, marker.Rule())...)
	var syscalls event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			syscalls.Add(c)
		}
	}
	sel := selection.Select(syscalls, selection.Config{})
	run := &liveRun{t: t, out: &testutil.Buffer{}, applied: &appliedUpdates{}, marker: marker}
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
			Pipeline: pipeline.Config{Ruleset: rs, Out: run.out, JSON: true,
				Alerts: alert.Options{IncludeOutput: true, IncludeOutputFields: true, Hostname: "agent-test"}},
			Syscalls:         sel.Selected,
			Seed:             ProcSnapshot,
			Ready:            func() { close(ready) },
			Containers:       containers,
			ContainerApplied: run.applied.add,
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
	action(run)
	run.flush()
	cancel()
	d := <-fin
	if d.err != nil {
		t.Fatalf("agent: %v", d.err)
	}
	return run.out.String(), d.res
}

// Falco's "Read sensitive file untrusted" fires, live, on cat /etc/shadow.
// Tests of other packages read /etc/shadow at the same time: only the
// alerts of the cat this test's shell started count.
func TestReadSensitiveFileLive(t *testing.T) {
	var shell int
	out, res := runAgent(t, func(*liveRun) {
		shell = shPid(t, "cat /etc/shadow > /dev/null")
	})
	if res.Counters.Events == 0 {
		t.Fatalf("no events: %+v", res.Counters)
	}
	var hits []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, `"rule":"Read sensitive file untrusted"`) {
			continue
		}
		var a liveAlert
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if a.OutputFields["proc.name"] == "cat" && childOf(a, shell) {
			hits = append(hits, line)
		}
	}
	if len(hits) != 1 {
		t.Fatalf("%d alerts for the cat /etc/shadow of shell %d, want 1; %d events, alerts:\n%s", len(hits), shell, res.Stats.Events, out)
	}
	for _, want := range []string{`"fd.name":"/etc/shadow"`, `"proc.cmdline":"cat /etc/shadow"`, `"proc.pname":"sh"`,
		`"proc.exepath":"/usr/bin/cat"`, `"user.uid":0`, `"priority":"Warning"`} {
		if !strings.Contains(hits[0], want) {
			t.Errorf("alert lacks %s: %s", want, hits[0])
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
		filter, flush := flushFilter(t, comp, cond)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ready := make(chan struct{})
		fin := make(chan error, 1)
		var res *CaptureResult
		go func() {
			var err error
			res, err = Capture(ctx, CaptureConfig{Path: path, SysdigCompat: compat, Filter: filter, Compiler: comp,
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
		flush()
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

// flushFilter wraps a capture's filter (nil: every event) for the test to
// know when the capture has handled every event of its actions: flush
// makes a child open a marker file, and waits until the filter has seen
// that open (events reach the filter in time order). The filter's verdict
// is inner's.
func flushFilter(t *testing.T, comp *engine.Compiler, inner engine.Cond) (engine.Cond, func()) {
	t.Helper()
	marker := testutil.NewFlushMarker(t)
	expr, err := lang.Parse(marker.Condition())
	if err != nil {
		t.Fatal(err)
	}
	isMarker, _, err := comp.Compile(expr)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	var once sync.Once
	filter := func(f *engine.Frame) bool {
		if isMarker(f) {
			once.Do(func() { close(seen) })
		}
		return inner == nil || inner(f)
	}
	flush := func() {
		t.Helper()
		marker.Open(t)
		select {
		case <-seen:
		case <-time.After(testutil.Deadline):
			t.Fatalf("the capture did not reach the flush marker within %v", testutil.Deadline)
		}
	}
	return filter, flush
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
	// The first rules' marker: once its alert is out, the agent has handled
	// every event before it under the first rules.
	marker := filepath.Join(dir, "kestrel-reload-marker")
	if err := os.WriteFile(marker, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("/bin/cat", marker).Run(); err != nil {
		t.Fatal(err)
	}
	testutil.WaitUntil(t, "alert for the marker under the first rules", func() bool { return strings.Contains(out.String(), "opened "+marker) })
	done := make(chan error, 1)
	reload <- Rules{Ruleset: rsB, Syscalls: scB, Done: done}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	link("after")
	// Events are handled in order: once the link made after the reload has
	// its alert, the one made before would have had its own.
	testutil.WaitUntil(t, "alert for the link made after the reload", func() bool {
		return strings.Contains(out.String(), "linked "+filepath.Join(dir, "after"))
	})
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
	// Files of this test only: tests of other packages cat files at the
	// same time, and the match count must be exactly this test's.
	dir := t.TempDir()
	marker, flush := filepath.Join(dir, "marker"), filepath.Join(dir, "flush")
	for _, p := range []string{marker, flush} {
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs, sc := contentRuleset(t, fmt.Sprintf(`
- rule: marker read
  desc: d
  condition: evt.type = openat and fd.name = "%s" and proc.name = cat
  output: read %%fd.name
  priority: NOTICE
  tags: [test]
- rule: flush read
  desc: opened after the marker, to know when the agent is past it
  condition: evt.type = openat and fd.name = "%s" and proc.name = cat
  output: read %%fd.name
  priority: NOTICE
`, marker, flush))
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
	for _, p := range []string{marker, flush} {
		if err := exec.Command("/bin/cat", p).Run(); err != nil {
			t.Fatal(err)
		}
	}
	scrape := func() string {
		resp, err := http.Get("http://" + srv.Addr.String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	// Once the flush file's match is counted, the marker's (an earlier
	// event) is final.
	var text string
	testutil.WaitUntil(t, "match of the flush rule on /metrics", func() bool {
		text = scrape()
		return strings.Contains(text, `rule_name="flush read"`)
	})
	cancel()
	if err := <-fin; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `falcosecurity_falco_rules_matches_total{priority="Notice",rule_name="marker read",source="syscall",tags="test"} 1`+"\n") {
		t.Errorf("the marker's match is not counted once:\n%s", text)
	}
	// The drop counter's value depends on the host's load: its presence is
	// what is checked.
	evts := regexp.MustCompile(`(?m)^falcosecurity_scap_n_evts_total (\d+)$`).FindStringSubmatch(text)
	if evts == nil || evts[1] == "0" || !regexp.MustCompile(`(?m)^falcosecurity_scap_n_drops_total \d+$`).MatchString(text) {
		t.Errorf("driver counters:\n%s", text)
	}
}
