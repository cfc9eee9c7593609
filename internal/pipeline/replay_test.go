package pipeline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/sources"
)

func shared(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			t.Fatalf("%s not found", p)
		}
		t.Skip("../shared not present")
	}
	return p
}

// ruleset compiles rules files (paths or YAML contents) for replay.
func ruleset(t testing.TB, matching engine.Matching, files ...string) *engine.Ruleset {
	t.Helper()
	l := sources.NewLoader(sources.DefaultOptions())
	for i, f := range files {
		var res *load.Result
		if strings.Contains(f, "\n") {
			res = l.LoadContent("rules"+string(rune('0'+i))+".yaml", []byte(f))
		} else {
			res = l.LoadFile(f)
		}
		if !res.OK() {
			t.Fatal(res.Verbose(l.Contents()))
		}
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, matching)
	return rs
}

const curlRules = `
- rule: curl run
  desc: curl was executed
  condition: evt.type in (execve, execveat) and proc.name = curl
  output: curl run (cmdline=%proc.cmdline parent=%proc.pname pid=%proc.pid user_uid=%user.uid)
  priority: NOTICE
  tags: [test]
- rule: linker cache read
  desc: the dynamic linker cache was opened
  condition: evt.type in (open, openat, openat2) and fd.name = /etc/ld.so.cache
  output: ld cache opened (proc=%proc.name fd=%fd.num)
  priority: INFO
`

func run(t *testing.T, cfg Config) (*Stats, string) {
	t.Helper()
	var out bytes.Buffer
	cfg.Out = &out
	if cfg.Alerts.Hostname == "" {
		cfg.Alerts = alert.Options{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, Hostname: "replay-test"}
	}
	st, err := RunCapture(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st, out.String()
}

func TestReplayAlerts(t *testing.T) {
	capture := shared(t, "captures", "curl_google.scap")
	st, out := run(t, Config{Capture: capture, Ruleset: ruleset(t, engine.MatchFirst, curlRules)})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if st.ByRule["curl run"] != 1 {
		t.Fatalf("curl run fired %d times:\n%s", st.ByRule["curl run"], out)
	}
	if !strings.Contains(lines[0], ": Notice curl run (cmdline=curl -6 http://www.google.com parent=bash pid=17497 user_uid=") ||
		!strings.HasSuffix(lines[0], "container_id=host container_name=host container_image_repository= container_image_tag= k8s_pod_name=<NA> k8s_ns_name=<NA>") {
		t.Errorf("alert line: %q", lines[0])
	}
	if st.ByRule["linker cache read"] == 0 || st.Alerts != uint64(len(lines)) {
		t.Errorf("stats %+v for %d lines", st, len(lines))
	}
	if st.Events != 1536 || st.Evaluated >= st.Events {
		t.Errorf("events read %d, evaluated %d", st.Events, st.Evaluated)
	}
	sum := st.Summary()
	for _, want := range []string{"Events detected: ", "Rule counts by severity:\n   NOTICE: 1\n   INFO: ",
		"Triggered rules by rule name:\n   curl run: 1\n", "Syscall event drop monitoring:\n   - event drop detected: 0 occurrences\n",
		"Events read: 1536"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestReplayJSON(t *testing.T) {
	capture := shared(t, "captures", "curl_google.scap")
	_, out := run(t, Config{Capture: capture, Ruleset: ruleset(t, engine.MatchFirst, curlRules), JSON: true})
	line := strings.SplitN(out, "\n", 2)[0]
	var doc struct {
		Hostname     string         `json:"hostname"`
		Output       string         `json:"output"`
		OutputFields map[string]any `json:"output_fields"`
		Priority     string         `json:"priority"`
		Rule         string         `json:"rule"`
		Source       string         `json:"source"`
		Tags         []string       `json:"tags"`
		Time         string         `json:"time"`
	}
	if err := json.Unmarshal([]byte(line), &doc); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if doc.Rule != "curl run" || doc.Priority != "Notice" || doc.Source != "syscall" || doc.Hostname != "replay-test" ||
		len(doc.Tags) != 1 || !strings.HasPrefix(doc.Time, "2018-08-17T") {
		t.Errorf("alert = %+v", doc)
	}
	if doc.OutputFields["proc.cmdline"] != "curl -6 http://www.google.com" || doc.OutputFields["proc.pid"] != float64(17497) ||
		doc.OutputFields["container.id"] != "host" || doc.OutputFields["container.image.repository"] != "" ||
		doc.OutputFields["k8s.pod.name"] != nil {
		t.Errorf("output_fields = %v", doc.OutputFields)
	}
	if _, ok := doc.OutputFields["evt.time"]; !ok {
		t.Error("evt.time missing from output_fields")
	}
}

// TestReplayTruncated: a capture cut short reports where, after the
// alerts of every intact event.
func TestReplayTruncated(t *testing.T) {
	capture := shared(t, "captures", "sample.scap")
	data, err := os.ReadFile(capture)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.scap")
	if err := os.WriteFile(cut, data[:len(data)-len(data)/20], 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st, err := RunCapture(Config{Capture: cut, Ruleset: ruleset(t, engine.MatchFirst, `
- rule: any event
  desc: every event
  condition: evt.num > 0
  output: event %evt.num
  priority: DEBUG
  warn_evttypes: false
`), Out: &out, Alerts: alert.Options{Hostname: "h"}})
	if err == nil || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("err = %v", err)
	}
	if st.Events == 0 || st.Alerts == 0 || uint64(strings.Count(out.String(), "\n")) != st.Alerts {
		t.Errorf("events %d, alerts %d, lines %d", st.Events, st.Alerts, strings.Count(out.String(), "\n"))
	}
}

func TestReplayMissingFile(t *testing.T) {
	var out bytes.Buffer
	_, err := RunCapture(Config{Capture: "/nonexistent.scap", Ruleset: ruleset(t, engine.MatchFirst, curlRules), Out: &out})
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("err = %v", err)
	}
}

// TestSimulatedDrops: with simulate_drops, one fake drop per second of
// event time is found, and the alert action is rate limited by the token
// bucket, as in Falco.
func TestSimulatedDrops(t *testing.T) {
	capture := shared(t, "captures", "run_as_user_0_container.scap")
	cfg := Config{Capture: capture, Ruleset: ruleset(t, engine.MatchFirst, curlRules),
		Drops: DropConfig{Threshold: .1, Actions: []string{"log", "alert"}, Rate: .03333, MaxBurst: 1, SimulateDrops: true}}
	st, out := run(t, cfg)
	if st.DropChecks == 0 || st.DropActions != 1 {
		t.Fatalf("drop checks %d, actions %d", st.DropChecks, st.DropActions)
	}
	if !strings.Contains(out, `: Debug Falco internal: syscall event drop. 1 system calls dropped in last second. (ebpf_enabled="0" n_drops="1" n_drops_buffer_clone_fork_exit="0"`) {
		t.Errorf("no drop alert:\n%s", out)
	}
	cfg.Drops.Actions = []string{"exit"}
	_, err := RunCapture(Config{Capture: capture, Ruleset: cfg.Ruleset, Drops: cfg.Drops, Out: &bytes.Buffer{}, Alerts: alert.Options{Hostname: "h"}})
	if err == nil || err.Error() != "Drop manager internal error" {
		t.Errorf("exit action: err = %v", err)
	}
}
