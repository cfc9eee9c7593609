package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kestrel-project/kestrel/internal/testutil"
)

func kestrel(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// liveRun is the CLI running in the background (the live agent), whose
// output the test reads while it runs.
type liveRun struct {
	t              *testing.T
	stdout, stderr testutil.Buffer
	cancel         context.CancelFunc
	done           chan struct{} // closed when the CLI has returned code
	code           int
}

// kestrelInBackground starts the CLI with args; stop ends it. -M in args
// only bounds a run the test forgets to stop.
func kestrelInBackground(t *testing.T, args ...string) *liveRun {
	ctx, cancel := context.WithCancel(context.Background())
	r := &liveRun{t: t, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.code = runContext(ctx, args, &r.stdout, &r.stderr)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// waitLog waits until the agent's stderr holds want. A run that ends
// first fails the test, or skips it when the probe cannot run here and
// KESTREL_REQUIRE_PRIVILEGED is not set.
func (r *liveRun) waitLog(want string) {
	r.t.Helper()
	r.waitFor("stderr", &r.stderr, want)
}

// waitOut waits until the alerts printed on stdout hold want.
func (r *liveRun) waitOut(want string) {
	r.t.Helper()
	r.waitFor("stdout", &r.stdout, want)
}

func (r *liveRun) waitFor(what string, b *testutil.Buffer, want string) {
	r.t.Helper()
	testutil.WaitUntilDesc(r.t, func() string {
		return fmt.Sprintf("%q on %s:\n%s", want, what, r.stderr.String())
	}, func() bool {
		if strings.Contains(b.String(), want) {
			return true
		}
		select {
		case <-r.done:
			errOut := r.stderr.String()
			if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") == "" && strings.Contains(errOut, "the eBPF probe cannot run here") {
				r.t.Skip("probe unavailable")
			}
			r.t.Fatalf("kestrel ended (exit %d) before its %s showed %q:\n%s", r.code, what, want, errOut)
		default:
		}
		return false
	})
}

// ready waits until the agent watches the host live.
func (r *liveRun) ready() {
	r.t.Helper()
	r.waitLog(`msg="watching this host live"`)
}

// stop ends the run as SIGTERM would and returns its exit code and stderr.
func (r *liveRun) stop() (code int, stderr string) {
	r.cancel()
	<-r.done
	return r.code, r.stderr.String()
}

// webAddress is the address the web server listens on, from its log
// line (the tests ask for port 0, so that no other process can take the
// port between a test's choice and the agent's bind).
func (r *liveRun) webAddress() string {
	r.t.Helper()
	r.waitLog(`msg="web server listening" address=`)
	m := regexp.MustCompile(`msg="web server listening" address=(\S+)`).FindStringSubmatch(r.stderr.String())
	return m[1]
}

func sharedRules(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "falco-rules")
	if _, err := os.Stat(filepath.Join(dir, "falco_rules.yaml")); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			t.Fatalf("Falco rules not found in %s", dir)
		}
		t.Skip("../shared not present")
	}
	return dir
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The acceptance check: Falco's three rule files validate, in
// order, with 93 rules loaded.
func TestValidateFalcoRuleFiles(t *testing.T) {
	dir := sharedRules(t)
	files := []string{
		filepath.Join(dir, "falco_rules.yaml"),
		filepath.Join(dir, "falco-incubating_rules.yaml"),
		filepath.Join(dir, "falco-sandbox_rules.yaml"),
	}
	code, out, errOut := kestrel(t, append([]string{"rules", "validate"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range files {
		if !strings.Contains(out, f+": Ok\n") {
			t.Errorf("missing %q in:\n%s", f+": Ok", out)
		}
	}
	if !strings.Contains(out, "93 rules, 315 macros, 118 lists loaded from 3 files") {
		t.Errorf("counts missing from:\n%s", out)
	}
	if errOut != "" {
		t.Errorf("unexpected stderr: %s", errOut)
	}

	// The same through Falco's -V flags: stdout is Falco's, counts go to stderr.
	args := []string{}
	for _, f := range files {
		args = append(args, "-V", f)
	}
	code, out, errOut = kestrel(t, args...)
	if code != 0 || strings.Contains(out, "rules,") || !strings.Contains(errOut, "93 rules") {
		t.Fatalf("-V: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestValidateReportsPositionAndExits1(t *testing.T) {
	bad := writeFile(t, "bad.yaml", `- macro: m
  condition: proc.name = bash
- rule: r1
  desc: d
  condition: >
    evt.type = execve and
    m and proc.namex = foo
  output: "x %proc.name"
  priority: WARNING
`)
	code, out, errOut := kestrel(t, "-V", bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		bad + ": Invalid",
		"rule 'r1': (" + bad + ":3:3)",
		"condition expression 'evt.type = execve...': (" + bad + ":7:11)",
		"    m and proc.namex = foo\n          ^\n",
		"LOAD_ERR_COMPILE_CONDITION (Error compiling condition): filter_check called with nonexistent field proc.namex",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(errOut, "Error: "+bad+": Invalid") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestValidateJSON(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "- rule: no output rule\n  desc: d\n  condition: evt.type=open\n  priority: INFO\n")
	code, out, _ := kestrel(t, "rules", "validate", "--json", bad)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Results []struct {
			Name       string `json:"name"`
			Successful bool   `json:"successful"`
			Errors     []struct {
				Code     string `json:"code"`
				CodeDesc string `json:"codedesc"`
				Message  string `json:"message"`
				Context  struct {
					Locations []struct {
						ItemType string `json:"item_type"`
						ItemName string `json:"item_name"`
						Position struct {
							Line, Column, Offset int
							Name                 string
						} `json:"position"`
					} `json:"locations"`
					Snippet string `json:"snippet"`
				} `json:"context"`
			} `json:"errors"`
			Warnings []any `json:"warnings"`
		} `json:"falco_load_results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Results) != 1 || doc.Results[0].Successful || len(doc.Results[0].Errors) != 1 {
		t.Fatalf("unexpected: %s", out)
	}
	e := doc.Results[0].Errors[0]
	if e.Code != "LOAD_ERR_YAML_VALIDATE" || e.Message != "Item has no mapping for key 'output'" {
		t.Errorf("error = %+v", e)
	}
	locs := e.Context.Locations
	if len(locs) != 2 || locs[1].ItemType != "rule" || locs[1].ItemName != "no output rule" ||
		locs[1].Position.Line != 1 || locs[1].Position.Column != 3 || locs[1].Position.Offset != 2 {
		t.Errorf("locations = %+v", locs)
	}
	if e.Context.Snippet != "- rule: no output rule\n  ^\n" {
		t.Errorf("snippet = %q", e.Context.Snippet)
	}
	// Keys in Falco's (alphabetical) order.
	if !strings.HasPrefix(out, `{"falco_load_results":[{"errors":[{"code":`) {
		t.Errorf("key order: %s", out[:60])
	}
}

func TestValidateWarningsGoToStderr(t *testing.T) {
	f := writeFile(t, "warn.yaml", "- macro: unused_one\n  condition: evt.type = open\n")
	code, out, errOut := kestrel(t, "-V", f)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.TrimSpace(out) != f+": Ok, with warnings" {
		t.Errorf("stdout = %q", out)
	}
	if !strings.Contains(errOut, "LOAD_UNUSED_MACRO (Unused macro): Macro not referred to by any other rule/macro") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestMissingFile(t *testing.T) {
	code, out, _ := kestrel(t, "rules", "validate", "/nonexistent/rules.yaml")
	if code != 1 || !strings.Contains(out, "LOAD_ERR_FILE_READ") || !strings.Contains(out, "no such file or directory") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestPluginRequirement(t *testing.T) {
	f := writeFile(t, "p.yaml", "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.18.0\n")
	code, _, errOut := kestrel(t, "-V", f)
	if code != 1 || !strings.Contains(errOut, "Plugin requirement not satisfied, must load one of: k8saudit (>= 0.18.0)") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// The main job: the embedded rules, live, until stopped (SIGTERM's way),
// then the summary and exit 0 (on a machine that cannot run the probe the
// test is skipped unless KESTREL_REQUIRE_PRIVILEGED is set).
func TestDefaultRun(t *testing.T) {
	run := kestrelInBackground(t, "-M", "120")
	run.ready()
	code, errOut := run.stop()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`msg="rules loaded"`, "Events detected: ", "Syscall event drop monitoring:", "Kernel events: "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, _, errOut = kestrel(t, "--dry-run")
	if code != 0 {
		t.Fatalf("dry-run exit %d: %s", code, errOut)
	}
}

func TestBadFlagsAndValues(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"-o", "priority=bogus"},
		{"-o", "novalue"},
		{"-o", "rule_matching=some"},
		{"--list", "--format", "yaml"},
		{"--list=nosuchsource"},
		{"rules", "validate"},
		{"extra-arg"},
	} {
		code, _, errOut := kestrel(t, args...)
		if code == 0 || !strings.HasPrefix(errOut, "Error: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	_, _, errOut := kestrel(t, "-o", "priority=bogus")
	if !strings.Contains(errOut, `Unknown priority "bogus"--must be one of emergency, alert, critical, error, warning, notice, informational, debug`) {
		t.Errorf("priority message: %q", errOut)
	}
}

func TestFieldsListing(t *testing.T) {
	code, out, _ := kestrel(t, "fields")
	if code != 0 || !strings.Contains(out, "Field Class:                  process") || !strings.Contains(out, "proc.aname") {
		t.Fatalf("exit %d:\n%.500s", code, out)
	}
	// --list is the same listing.
	_, out2, _ := kestrel(t, "--list")
	if out2 != out {
		t.Error("--list differs from kestrel fields")
	}
	code, out, _ = kestrel(t, "fields", "--json")
	var doc struct {
		FieldClasses []struct {
			Name   string `json:"name"`
			Fields []struct {
				Name     string `json:"name"`
				Type     string `json:"type"`
				Argument *struct {
					Required bool     `json:"required"`
					Type     []string `json:"type"`
				} `json:"argument"`
			} `json:"fields"`
		} `json:"fieldclasses"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	n := 0
	found := false
	for _, c := range doc.FieldClasses {
		for _, f := range c.Fields {
			n++
			if f.Name == "proc.env" && f.Argument != nil && !f.Argument.Required {
				found = true
			}
		}
	}
	// 214 listed built-in fields minus deprecated ones, plus the container
	// plugin's listed fields.
	if n < 250 || !found {
		t.Errorf("listed %d fields, proc.env argument found: %v", n, found)
	}
	code, out, _ = kestrel(t, "fields", "-N")
	if code != 0 || !strings.Contains(out, "\nfd.name\n") {
		t.Errorf("names: exit %d", code)
	}
}

func TestDescribeRules(t *testing.T) {
	code, out, errOut := kestrel(t, "-L")
	if code != 0 || !strings.HasPrefix(out, "Rule                                               Description\n") ||
		!strings.Contains(out, "Shell spawned in a container") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	code, out, _ = kestrel(t, "-l", "Shell spawned in a container", "-o", "json_output=true")
	var doc struct {
		Rules []struct {
			Info struct {
				Name     string `json:"name"`
				Priority string `json:"priority"`
			} `json:"info"`
			Details struct {
				Events []string `json:"events"`
			} `json:"details"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Rules) != 1 {
		t.Fatalf("exit %d %v: %s", code, err, out)
	}
	r := doc.Rules[0]
	if r.Info.Priority != "Notice" || strings.Join(r.Details.Events, ",") != "asyncevent,execve,execveat" {
		t.Errorf("rule = %+v", r)
	}
	code, _, errOut = kestrel(t, "-l", "no such rule")
	if code != 1 || !strings.Contains(errOut, `Rule "no such rule" is not loaded`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestRuleSelectionOverrides(t *testing.T) {
	f := writeFile(t, "r.yaml", `- rule: a
  desc: a
  condition: evt.type = open
  output: a
  priority: WARNING
  tags: [net]
- rule: b
  desc: b
  condition: evt.type = open
  output: b
  priority: DEBUG
`)
	code, _, errOut := kestrel(t, "-r", f, "-o", "rules[].disable.tag=net", "-o", "priority=info", "--dry-run")
	if code != 0 || !strings.Contains(errOut, `msg="rules loaded" rules=2 enabled=0`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = kestrel(t, "-r", f, "--dry-run")
	if code != 0 || !strings.Contains(errOut, `msg="rules loaded" rules=2 enabled=2`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := kestrel(t, "--version")
	if code != 0 || !strings.Contains(out, "Engine:          0.62.0") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func sharedCapture(t *testing.T, name string) string {
	t.Helper()
	sharedRules(t)
	return filepath.Join("..", "..", "..", "shared", "captures", name)
}

const curlRule = `- rule: curl run
  desc: curl was executed
  condition: evt.type in (execve, execveat) and proc.name = curl
  output: curl run (cmdline=%proc.cmdline pid=%proc.pid)
  priority: NOTICE
  tags: [test, network]
`

func TestReplayCommand(t *testing.T) {
	capture := sharedCapture(t, "curl_google.scap")
	rules := writeFile(t, "curl.yaml", curlRule)

	code, out, errOut := kestrel(t, "replay", capture, "-r", rules)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, ": Notice curl run (cmdline=curl -6 http://www.google.com pid=17497)") {
		t.Errorf("stdout:\n%s", out)
	}
	for _, want := range []string{"Events detected: 1\n", "   NOTICE: 1\n", "   curl run: 1\n", "Events read: 1536"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}

	// Falco's own spelling of the same run gives the same alerts.
	code2, out2, _ := kestrel(t, "-r", rules, "-o", "engine.kind=replay", "-o", "engine.replay.capture_file="+capture)
	if code2 != 0 || out2 != out {
		t.Errorf("engine.kind=replay: exit %d, stdout %q, want %q", code2, out2, out)
	}

	// The priority threshold drops the Notice rule.
	code, out, errOut = kestrel(t, "replay", capture, "-r", rules, "-o", "priority=warning")
	if code != 0 || out != "" || !strings.Contains(errOut, "Events detected: 0") {
		t.Errorf("priority=warning: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
}

func TestReplayJSONOptions(t *testing.T) {
	capture := sharedCapture(t, "curl_google.scap")
	rules := writeFile(t, "curl.yaml", curlRule)
	t.Setenv("FALCO_HOSTNAME", "replay-host")
	code, out, errOut := kestrel(t, "replay", capture, "-r", rules, "-o", "json_output=true",
		"-o", "json_include_tags_property=false", "-o", "json_include_output_property=false", "-o", "time_format_iso_8601=true")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if doc["rule"] != "curl run" || doc["priority"] != "Notice" || doc["hostname"] != "replay-host" || doc["source"] != "syscall" {
		t.Errorf("alert: %v", doc)
	}
	if _, ok := doc["tags"]; ok {
		t.Error("tags present with json_include_tags_property=false")
	}
	if _, ok := doc["output"]; ok {
		t.Error("output present with json_include_output_property=false")
	}
	fields, _ := doc["output_fields"].(map[string]any)
	if fields["proc.pid"] != float64(17497) || fields["proc.cmdline"] != "curl -6 http://www.google.com" {
		t.Errorf("output_fields: %v", fields)
	}
	if tm, _ := doc["time"].(string); !strings.HasPrefix(tm, "2018-08-17T") || !strings.HasSuffix(tm, "Z") {
		t.Errorf("time %q", doc["time"])
	}
}

func TestReplayBadCaptures(t *testing.T) {
	rules := writeFile(t, "curl.yaml", curlRule)
	code, out, errOut := kestrel(t, "replay", "/nonexistent/x.scap", "-r", rules)
	if code != 1 || out != "" || !strings.Contains(errOut, "/nonexistent/x.scap") || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, stdout %q, stderr %s", code, out, errOut)
	}

	garbage := writeFile(t, "garbage.scap", strings.Repeat("not a capture\n", 100))
	code, _, errOut = kestrel(t, "replay", garbage, "-r", rules)
	if code != 1 || !strings.Contains(errOut, "garbage.scap") {
		t.Errorf("garbage: exit %d, stderr %s", code, errOut)
	}

	// A truncated capture: the alerts before the damage are printed, then
	// the error names the offset, and the exit code is 1.
	data, err := os.ReadFile(sharedCapture(t, "sample.scap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := writeFile(t, "cut.scap", string(data[:len(data)*9/10]))
	anyRule := writeFile(t, "any.yaml", `- rule: any
  desc: every event
  condition: evt.num > 0
  output: event %evt.num
  priority: DEBUG
  warn_evttypes: false
`)
	code, out, errOut = kestrel(t, "replay", cut, "-r", anyRule)
	if code != 1 || !strings.Contains(errOut, "offset") || strings.Count(out, "\n") < 100 {
		t.Errorf("truncated: exit %d, %d alerts, stderr %s", code, strings.Count(out, "\n"), errOut)
	}

	code, _, errOut = kestrel(t, "replay")
	if code == 0 || !strings.Contains(errOut, "arg") {
		t.Errorf("no file: exit %d, stderr %s", code, errOut)
	}
}

// base_syscalls in replay behaves as in Falco: the capture is not filtered
// (write events reach the rules either way), but without
// base_syscalls.all Falco warns that the rules' write syscalls are left
// out of the selection.
func TestReplayBaseSyscalls(t *testing.T) {
	capture := sharedCapture(t, "curl_google.scap")
	rules := writeFile(t, "write.yaml", `- rule: curl writes
  desc: curl writes output
  condition: evt.type = write and proc.name = curl
  output: curl wrote %evt.rawres bytes to fd %fd.num
  priority: NOTICE
`)
	// The text log format quotes the message: its newline shows as \n.
	const warning = `warning (unsupported-evttype): write\nIf syscalls in rules include high volume syscalls`
	code, out, errOut := kestrel(t, "replay", capture, "-r", rules)
	if code != 0 || !strings.Contains(errOut, warning) || !strings.Contains(out, "curl wrote ") {
		t.Fatalf("default: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	code, out2, errOut := kestrel(t, "replay", capture, "-r", rules, "-o", "base_syscalls.all=true")
	if code != 0 || strings.Contains(errOut, "unsupported-evttype") || out2 != out {
		t.Errorf("base_syscalls.all: exit %d, same alerts %v, stderr %s", code, out2 == out, errOut)
	}
	code, _, errOut = kestrel(t, "replay", capture, "-r", rules, "-o", "base_syscalls.all=true",
		"-o", "base_syscalls.custom_set[]=!write", "-o", "base_syscalls.custom_set[]=!nosuch")
	if code != 0 || !strings.Contains(errOut, warning) ||
		!strings.Contains(errOut, `Invalid (negative) syscall names: warning (base_syscalls override): nosuch"`) {
		t.Errorf("custom_set: exit %d, stderr %s", code, errOut)
	}
}

// TestMain lets the test binary run the CLI itself (for tests that need
// another user, such as the unprivileged start below).
func TestMain(m *testing.M) {
	if os.Getenv("KESTREL_TEST_RUN_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// Without privileges the live agent exits 1 with a sentence naming what
// is missing.
func TestUnprivilegedStart(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	// A copy of this test binary that nobody may run.
	dir, err := os.MkdirTemp("", "kestrel-cli-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "kestrel.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-M", "1", "-o", "webserver.enabled=false")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KESTREL_TEST_RUN_CLI=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "the eBPF probe cannot run here: it needs the capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run as root") {
		t.Errorf("message:\n%s", out)
	}
}

// rules list shows every loaded rule with what the configuration makes of
// it; rules describe shows one with its macros and lists expanded.
func TestRulesListAndDescribe(t *testing.T) {
	f := writeFile(t, "r.yaml", `- list: shells
  items: [sh, bash]
- macro: spawned
  condition: evt.type in (execve, execveat)
- rule: shell started
  desc: a shell ran
  condition: spawned and proc.name in (shells)
  output: shell (%proc.name)
  priority: NOTICE
  tags: [shell, mitre_execution]
- rule: noisy
  desc: opens
  condition: evt.type = openat
  output: open
  priority: DEBUG
  tags: [file]
`)
	code, out, errOut := kestrel(t, "rules", "list", "-r", f, "-o", "rules[].disable.tag=file")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") ||
		strings.Join(strings.Fields(lines[1]), " ") != "shell started Notice syscall true mitre_execution,shell" ||
		strings.Join(strings.Fields(lines[2]), " ") != "noisy Debug syscall false file" {
		t.Fatalf("rules list:\n%s", out)
	}
	code, out, _ = kestrel(t, "rules", "list", "--json", "-r", f)
	if code != 0 || !strings.Contains(out, `"name": "noisy"`) || !strings.Contains(out, `"enabled": true`) {
		t.Fatalf("rules list --json: %d\n%s", code, out)
	}
	code, out, errOut = kestrel(t, "rules", "describe", "shell started", "-r", f)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Condition:\n  spawned and proc.name in (shells)\n",
		"Expanded condition:\n  evt.type in (execve, execveat) and proc.name in (sh, bash)\n",
		"Enabled:     true", "Events:      asyncevent, execve, execveat",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = kestrel(t, "rules", "describe", "nope", "-r", f)
	if code != 1 || !strings.Contains(errOut, `Rule "nope" is not loaded`) {
		t.Errorf("unknown rule: exit %d: %s", code, errOut)
	}
	// The embedded defaults are listed when no -r is given.
	code, out, _ = kestrel(t, "rules", "list")
	if code != 0 || len(strings.Split(strings.TrimSpace(out), "\n")) < 2 {
		t.Errorf("embedded rules: exit %d\n%s", code, out)
	}
}

// A user's file loaded after the embedded defaults (named builtin:defaults
// on the command line or in rules_files) extends their lists and macros:
// the appended items reach the rules' expanded conditions, and its own
// rules use the defaults' macros. The same entry validates.
func TestUserRulesExtendDefaults(t *testing.T) {
	user := writeFile(t, "local.yaml", `- list: kestrel_sensitive_files
  items: [/etc/kestrel-test-secret]
  override:
    items: append
- macro: kestrel_expected_shell_parents
  condition: or proc.pname = kestrel-test-parent
  override:
    condition: append
- rule: my shell in a container
  desc: mine
  condition: kestrel_exec and kestrel_in_container and proc.name = zsh
  output: zsh (%proc.cmdline)
  priority: INFO
  tags: [mitre_execution]
`)
	code, out, errOut := kestrel(t, "rules", "describe", "Sensitive credential file read", "-r", "builtin:defaults", "-r", user)
	if code != 0 || !strings.Contains(out, "/etc/kestrel-test-secret") || !strings.Contains(out, "/etc/shadow") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = kestrel(t, "rules", "describe", "Shell spawned in a container", "-r", "builtin:defaults", "-r", user)
	if code != 0 || !strings.Contains(out, "proc.pname = kestrel-test-parent") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	// In rules_files, with the rule count of defaults + 1.
	cfg := writeFile(t, "kestrel.yaml", "rules_files:\n  - builtin:defaults\n  - "+user+"\n")
	code, out, _ = kestrel(t, "rules", "list", "-c", cfg)
	_, base, _ := kestrel(t, "rules", "list")
	if code != 0 || len(strings.Split(strings.TrimSpace(out), "\n")) != len(strings.Split(strings.TrimSpace(base), "\n"))+1 ||
		!strings.Contains(out, "my shell in a container") {
		t.Fatalf("rules_files with builtin:defaults: exit %d\n%s", code, out)
	}
	// Without the defaults, the user's file alone does not load.
	if code, _, errOut = kestrel(t, "rules", "list", "-r", user); code == 0 {
		t.Fatalf("the user's file loaded without the defaults it extends: %s", errOut)
	}
	if code, out, errOut = kestrel(t, "rules", "validate", "builtin:defaults", user); code != 0 || !strings.Contains(out, "local.yaml: Ok") {
		t.Fatalf("validate: exit %d: %s\n%s", code, out, errOut)
	}
}

// --support prints Falco's support dump: versions, system, the effective
// configuration and each rules file's content, with digests.
func TestSupportDump(t *testing.T) {
	content := "- rule: a\n  desc: a\n  condition: evt.type = openat\n  output: a\n  priority: INFO\n"
	f := writeFile(t, "r.yaml", content)
	code, out, errOut := kestrel(t, "--support", "-r", f, "-o", "priority=warning")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Version    string `json:"version"`
		EngineInfo struct {
			EngineVersionSemver string `json:"engine_version_semver"`
		} `json:"engine_info"`
		SystemInfo struct {
			Sysname string `json:"sysname"`
		} `json:"system_info"`
		Config     string `json:"config"`
		RulesFiles []struct {
			Name     string `json:"name"`
			SHA256   string `json:"sha256"`
			Variants []struct {
				Content string `json:"content"`
			} `json:"variants"`
		} `json:"rules_files"`
		KernelFeatures map[string]any `json:"kernel_features"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sum := sha256.Sum256([]byte(content))
	if doc.Version == "" || doc.EngineInfo.EngineVersionSemver == "" || doc.SystemInfo.Sysname != "Linux" ||
		!strings.Contains(doc.Config, "priority: warning") || len(doc.RulesFiles) != 1 ||
		doc.RulesFiles[0].Name != f || doc.RulesFiles[0].Variants[0].Content != content ||
		doc.RulesFiles[0].SHA256 != hex.EncodeToString(sum[:]) || doc.KernelFeatures["btf"] == nil {
		t.Fatalf("support dump: %+v", doc)
	}
}

// kestrel config default prints the embedded configuration, and that file
// works as -c.
func TestConfigDefault(t *testing.T) {
	code, out, _ := kestrel(t, "config", "default")
	if code != 0 || !strings.Contains(out, "rule_matching: first") || !strings.Contains(out, "name: container") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	f := writeFile(t, "kestrel.yaml", out)
	code, _, errOut := kestrel(t, "-c", f, "-o", "priority=warning", "--dry-run")
	if code != 0 || !strings.Contains(errOut, `msg="rules loaded"`) {
		t.Fatalf("-c the default file: exit %d: %s", code, errOut)
	}
}

// config_files in -c's file adds config.d files, merged before -o.
func TestConfigFilesFromCLI(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, "r.yaml", "- rule: a\n  desc: a\n  condition: evt.type = openat\n  output: a\n  priority: INFO\n")
	if err := os.MkdirAll(filepath.Join(dir, "config.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.d", "rules.yaml"), []byte("rules_files: ["+rules+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "kestrel.yaml")
	if err := os.WriteFile(main, []byte("config_files: ["+filepath.Join(dir, "config.d")+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := kestrel(t, "-c", main, "--dry-run")
	if code != 0 || !strings.Contains(errOut, `msg="rules loaded" rules=1 enabled=1 from=`+rules) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = kestrel(t, "-c", main, "-o", "priority=error", "--dry-run")
	if code != 0 || !strings.Contains(errOut, `msg="rules loaded" rules=1 enabled=0`) {
		t.Fatalf("-o after config_files: exit %d: %s", code, errOut)
	}
}

// The live agent reloads its rules when a rules file changes (without a
// signal), and keeps the previous rules when the new file is broken.
func TestReloadOnRulesFileChange(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	good := "- rule: a\n  desc: a\n  condition: evt.type = openat and proc.name = kestrel-nothing\n  output: a\n  priority: INFO\n"
	if err := os.WriteFile(rules, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	run := kestrelInBackground(t, "-r", rules, "-M", "120", "-o", "webserver.enabled=false", "-o", "syslog_output.enabled=false")
	run.ready()
	// An editor's save: write a new file and rename it over the old one.
	tmp := filepath.Join(dir, ".rules.yaml.swp")
	os.WriteFile(tmp, []byte(good+"- rule: b\n  desc: b\n  condition: evt.type = openat and proc.name = kestrel-nothing2\n  output: b\n  priority: INFO\n"), 0o644)
	if err := os.Rename(tmp, rules); err != nil {
		t.Fatal(err)
	}
	run.waitLog(`msg="rules reloaded" rules=2 enabled=2`)
	if err := os.WriteFile(rules, []byte("- rule: broken\n  condition: (\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run.waitLog(`level=ERROR msg="rules not reloaded, the previous ones stay in force"`)
	code, stderr := run.stop()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := `msg="rules or configuration files changed: reloading the rules"`; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// A change to the configuration file reloads it: the priority threshold
// applies to the reloaded rules at once, alerts turn to JSON, a new file
// output and the web server start, and a change to buffered_outputs is
// reported as waiting for a restart.
func TestReloadAppliesConfigChange(t *testing.T) {
	dir := t.TempDir()
	trigger := func(name string) string { return filepath.Join(dir, name) }
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte(`- rule: low
  desc: a
  condition: evt.type in (open, openat, openat2) and fd.name = `+trigger("low")+`
  output: kestrel-low-alert %fd.name
  priority: INFO
- rule: high
  desc: b
  condition: evt.type in (open, openat, openat2) and fd.name = `+trigger("high")+`
  output: kestrel-high-alert %fd.name
  priority: CRITICAL
`), 0o644)
	for _, n := range []string{"low", "high"} {
		os.WriteFile(trigger(n), nil, 0o644)
	}
	touch := func(n string) { // by another process: the agent ignores its own (this test's)
		if err := exec.Command("/bin/cat", trigger(n)).Run(); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "kestrel.yaml")
	if err := os.WriteFile(cfg, []byte("webserver:\n  enabled: false\nsyslog_output:\n  enabled: false\npriority: debug\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := kestrelInBackground(t, "-c", cfg, "-r", rules, "-M", "120")
	run.ready()
	touch("low")
	run.waitOut("kestrel-low-alert")

	alerts := filepath.Join(dir, "alerts")
	next := fmt.Sprintf(`webserver:
  enabled: true
  listen_address: 127.0.0.1
  listen_port: 0
syslog_output:
  enabled: false
priority: critical
json_output: true
buffered_outputs: true
file_output:
  enabled: true
  filename: %s
`, alerts)
	if err := os.WriteFile(cfg, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	run.waitLog(`msg="rules reloaded" rules=2 enabled=1`)
	run.waitLog(`msg="outputs changed" outputs=stdout,file`)
	addr := run.webAddress()
	touch("low")
	touch("high")
	testutil.WaitUntil(t, "the high alert in the new file output", func() bool {
		b, _ := os.ReadFile(alerts)
		return strings.Contains(string(b), "kestrel-high-alert")
	})
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("the web server the reload started: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", resp.Status)
	}
	code, stderr := run.stop()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(alerts)
	if strings.Contains(string(b), "kestrel-low-alert") || !strings.HasPrefix(string(b), `{"hostname":`) || !strings.Contains(string(b), `"rule":"high"`) {
		t.Errorf("the file output did not get the high alert alone, in JSON:\n%s", b)
	}
	out := run.stdout.String()
	if n := strings.Count(out, "kestrel-low-alert"); n != 1 || !strings.Contains(out, "Informational kestrel-low-alert") || !strings.Contains(out, `"rule":"high"`) {
		t.Errorf("stdout should hold the low alert as text before the reload and the high one as JSON after it:\n%s", out)
	}
	for _, want := range []string{`msg="rules loaded" rules=2 enabled=2`,
		`level=WARN msg="configuration changes that apply at the next start" keys=buffered_outputs`,
		"Outputs: stdout 2 sent, 0 failed, 0 dropped; file 1 sent, 0 failed, 0 dropped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// Alerts reach a file and an HTTP receiver on 127.0.0.1 in Falco's JSON
// form with http_output's headers; a dead receiver neither blocks the file
// output nor loses its alerts there, and its failures are counted.
func TestOutputsFileAndHTTP(t *testing.T) {
	capture := sharedCapture(t, "sample.scap")
	rules := writeFile(t, "r.yaml", `- rule: reads
  desc: every read
  condition: evt.type = read
  output: read (proc=%proc.name fd=%fd.num)
  priority: WARNING
  tags: [test]
`)
	var mu sync.Mutex
	var bodies []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			r.Header.Get("User-Agent") != "falcosecurity/falco" {
			t.Errorf("request %s %v", r.Method, r.Header)
		}
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer recv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "events.json")
	code, out, errOut := kestrel(t, "replay", capture, "-r", rules, "-o", "json_output=true",
		"-o", "syslog_output.enabled=false", "-o", "file_output.enabled=true", "-o", "file_output.filename="+file,
		"-o", "http_output.enabled=true", "-o", "http_output.url="+recv.URL+"/falco")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	stdoutAlerts := strings.Count(out, `"rule":"reads"`)
	fileBytes, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fileAlerts := strings.Count(string(fileBytes), `"rule":"reads"`)
	mu.Lock()
	httpAlerts := len(bodies)
	first := ""
	if httpAlerts > 0 {
		first = bodies[0]
	}
	mu.Unlock()
	if stdoutAlerts == 0 || fileAlerts != stdoutAlerts || httpAlerts != stdoutAlerts {
		t.Fatalf("alerts: stdout %d, file %d, http %d\n%s", stdoutAlerts, fileAlerts, httpAlerts, errOut)
	}
	var a struct {
		Rule         string         `json:"rule"`
		Priority     string         `json:"priority"`
		Output       string         `json:"output"`
		OutputFields map[string]any `json:"output_fields"`
		Source       string         `json:"source"`
		Time         string         `json:"time"`
	}
	if err := json.Unmarshal([]byte(first), &a); err != nil || a.Rule != "reads" || a.Priority != "Warning" ||
		a.Source != "syscall" || a.Time == "" || a.OutputFields["proc.name"] == nil {
		t.Fatalf("http body %q: %+v %v", first, a, err)
	}

	// A dead receiver: the file still gets every alert; the failures are counted.
	recv.Close()
	file2 := filepath.Join(dir, "events2.json")
	code, _, errOut = kestrel(t, "replay", capture, "-r", rules, "-o", "json_output=true",
		"-o", "syslog_output.enabled=false", "-o", "stdout_output.enabled=false", "-o", "file_output.enabled=true",
		"-o", "file_output.filename="+file2, "-o", "http_output.enabled=true", "-o", "http_output.url="+recv.URL+"/falco",
		"-o", "log_format=json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fileBytes, _ = os.ReadFile(file2)
	if got := strings.Count(string(fileBytes), `"rule":"reads"`); got != stdoutAlerts {
		t.Fatalf("file got %d of %d alerts with the receiver dead", got, stdoutAlerts)
	}
	if want := fmt.Sprintf("http 0 sent, %d failed, 0 dropped", stdoutAlerts); !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	// The failure is logged as structured JSON (log_format: json).
	if !strings.Contains(errOut, `"level":"ERROR","msg":"output failed","component":"outputs"`) {
		t.Errorf("no JSON log line for the failed output:\n%s", errOut)
	}
}

// A configuration off the schema is warned about with file, line and key,
// and still runs, as Falco does; kestrel config schema prints the schema.
func TestConfigSchemaWarnings(t *testing.T) {
	f := writeFile(t, "kestrel.yaml", "priority: warning\nwebserver:\n  listen_port: 8765\n  listen_adress: 127.0.0.1\n")
	code, _, errOut := kestrel(t, "-c", f, "--dry-run")
	if code != 0 || !strings.Contains(errOut, `level=WARN msg="configuration warning" warning="`+f+`:4: webserver.listen_adress: unknown key"`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ := kestrel(t, "config", "schema")
	if code != 0 || !json.Valid([]byte(out)) || !strings.Contains(out, `"http_output"`) {
		t.Fatalf("schema: exit %d\n%s", code, out)
	}
}

// append_output's match, extra_output and extra_fields reach the alerts of
// the rules they match, as in Falco.
func TestAppendOutput(t *testing.T) {
	capture := sharedCapture(t, "sample.scap")
	rules := writeFile(t, "r.yaml", `- rule: reads
  desc: every read
  condition: evt.type = read
  output: read (proc=%proc.name)
  priority: WARNING
  tags: [files]
- rule: writes
  desc: every write
  condition: evt.type = write
  output: write (proc=%proc.name)
  priority: WARNING
  tags: [other]
`)
	cfg := writeFile(t, "kestrel.yaml", `append_output:
  - match: {tags: [files]}
    extra_output: "cpu=%evt.cpu"
    extra_fields:
      - evt.num
      - team: "blue-%proc.name"
`)
	code, out, errOut := kestrel(t, "replay", capture, "-c", cfg, "-r", rules, "-o", "json_output=true",
		"-o", "syslog_output.enabled=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var reads, writes int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct {
			Rule         string         `json:"rule"`
			Output       string         `json:"output"`
			OutputFields map[string]any `json:"output_fields"`
		}
		if json.Unmarshal([]byte(l), &a) != nil {
			continue
		}
		switch a.Rule {
		case "reads":
			reads++
			team, _ := a.OutputFields["team"].(string)
			if !strings.Contains(a.Output, ") cpu=") || a.OutputFields["evt.num"] == nil || !strings.HasPrefix(team, "blue-") {
				t.Fatalf("read alert without the appended output: %s", l)
			}
		case "writes":
			writes++
			if strings.Contains(a.Output, "cpu=") || a.OutputFields["team"] != nil || strings.Contains(a.Output, "container_id=") {
				t.Fatalf("write alert got another rule's extras or the suggested fields: %s", l)
			}
		}
	}
	if reads == 0 || writes == 0 {
		t.Fatalf("%d read and %d write alerts:\n%s", reads, writes, errOut)
	}
}

// End to end: the live agent on the default configuration (printed by
// kestrel config default) with a file output, an HTTP receiver on
// 127.0.0.1 and metrics on; a real action raises a default rule, whose
// alert reaches the file, the receiver (Falco's JSON) and /metrics. Then
// with the receiver killed, the file output still gets every alert and
// the HTTP failures are counted.
func TestEndToEndDefaultConfig(t *testing.T) {
	_, def, _ := kestrel(t, "config", "default")
	cfg := writeFile(t, "kestrel.yaml", def)
	dir := t.TempDir()
	var mu sync.Mutex
	var bodies []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	shadowAlerts := func(s string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, `"rule":"Sensitive credential file read"`) && strings.Contains(l, `"fd.name":"/etc/shadow"`) {
				n++
			}
		}
		return n
	}
	runOnce := func(file, url string, during func(addr string)) (int, string) {
		run := kestrelInBackground(t, "-c", cfg, "-M", "120", "-o", "json_output=true",
			"-o", "syslog_output.enabled=false", "-o", "stdout_output.enabled=false",
			"-o", "file_output.enabled=true", "-o", "file_output.filename="+file,
			"-o", "http_output.enabled=true", "-o", "http_output.url="+url,
			"-o", "metrics.enabled=true", "-o", "webserver.prometheus_metrics_enabled=true",
			"-o", "webserver.listen_address=127.0.0.1", "-o", "webserver.listen_port=0")
		run.ready()
		addr := run.webAddress()
		if err := exec.Command("/bin/cat", "/etc/shadow").Run(); err != nil {
			t.Fatal(err)
		}
		testutil.WaitUntil(t, "the alert in the file output", func() bool {
			b, _ := os.ReadFile(file)
			return shadowAlerts(string(b)) > 0
		})
		if during != nil {
			during(addr)
		}
		return run.stop()
	}
	file := filepath.Join(dir, "events.json")
	var metricsBody string
	code, errOut := runOnce(file, recv.URL, func(addr string) {
		testutil.WaitUntil(t, "the alert at the HTTP receiver", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return shadowAlerts(strings.Join(bodies, "\n")) > 0
		})
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Errorf("/metrics: %v", err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metricsBody = string(b)
	})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fileBytes, _ := os.ReadFile(file)
	mu.Lock()
	httpShadow := shadowAlerts(strings.Join(bodies, "\n"))
	mu.Unlock()
	if shadowAlerts(string(fileBytes)) == 0 || httpShadow == 0 {
		t.Fatalf("the alert did not reach the file (%d) and the receiver (%d):\n%s", shadowAlerts(string(fileBytes)), httpShadow, errOut)
	}
	// The rules in force, as the start-up log counts them, are on /metrics.
	loaded := regexp.MustCompile(`msg="rules loaded" rules=[0-9]+ enabled=([0-9]+)`).FindStringSubmatch(errOut)
	if loaded == nil || loaded[1] == "0" {
		t.Fatalf("no rules loaded line: %s", errOut)
	}
	for _, want := range []string{`falcosecurity_falco_rules_matches_total{priority="Warning",rule_name="Sensitive credential file read"`,
		`kestrel_outputs_sent_total{output="http"}`, `kestrel_outputs_sent_total{output="file"}`, "kestrel_rules_enabled " + loaded[1] + "\n"} {
		if !strings.Contains(metricsBody, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The receiver killed: the file output keeps every alert, failures counted.
	recv.Close()
	file2 := filepath.Join(dir, "events2.json")
	code, errOut = runOnce(file2, recv.URL, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fileBytes, _ = os.ReadFile(file2)
	if shadowAlerts(string(fileBytes)) == 0 || !strings.Contains(errOut, "http 0 sent,") || strings.Contains(errOut, "http 0 sent, 0 failed") {
		t.Fatalf("with the receiver dead: file alerts %d\n%s", shadowAlerts(string(fileBytes)), errOut)
	}
}

// static_fields become static.NAME fields usable in conditions and
// appended to outputs (suggested), with ${ENV} expansion.
func TestStaticFields(t *testing.T) {
	t.Setenv("KESTREL_TEST_SITE", "lab")
	capture := sharedCapture(t, "sample.scap")
	rules := writeFile(t, "r.yaml", `- rule: reads
  desc: every read at the lab site
  condition: evt.type = read and static.site = lab-7
  output: read (proc=%proc.name site=%static.site)
  priority: WARNING
`)
	cfg := writeFile(t, "kestrel.yaml", "static_fields:\n  site: ${KESTREL_TEST_SITE}-7\n  owner: secops\n")
	code, out, errOut := kestrel(t, "replay", capture, "-c", cfg, "-r", rules, "-o", "json_output=true",
		"-o", "syslog_output.enabled=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"rule":"reads"`) {
			line = l
			break
		}
	}
	if !strings.Contains(line, "site=lab-7)") || !strings.Contains(line, "static_owner=secops") ||
		!strings.Contains(line, `"static.owner":"secops"`) {
		t.Fatalf("alert: %q\n%s", line, errOut)
	}
	// A condition on a static field that does not hold raises nothing.
	cfg2 := writeFile(t, "kestrel2.yaml", "static_fields:\n  site: elsewhere\n")
	code, out, _ = kestrel(t, "replay", capture, "-c", cfg2, "-r", rules, "-o", "syslog_output.enabled=false")
	if code != 0 || strings.Contains(out, "read (") {
		t.Fatalf("exit %d, alerts:\n%s", code, out)
	}
}
