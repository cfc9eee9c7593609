package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// FlushMarker lets a live test know the agent has handled every event of
// its actions: a rule alerts when a child opens the marker file, and once
// that alert is out every earlier event has been handled (the probe's
// records are merged in time order and the pipeline takes them one by
// one). Stopping the agent after a sleep instead could lose records still
// below the ring's wake-up threshold, or a lagging pipeline's backlog.
type FlushMarker struct {
	Path string // the marker file, under the test's temporary directory
}

// FlushRuleName is the name of the marker's rule.
const FlushRuleName = "kestrel test flush marker"

// NewFlushMarker creates the marker file.
func NewFlushMarker(t testing.TB) FlushMarker {
	t.Helper()
	m := FlushMarker{Path: filepath.Join(t.TempDir(), "kestrel-flush-marker")}
	if err := os.WriteFile(m.Path, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

// Condition is true for the child's open of the marker.
func (m FlushMarker) Condition() string {
	return `evt.type = openat and fd.name = "` + m.Path + `"`
}

// Rule is the marker's rule, in the rules language.
func (m FlushMarker) Rule() string {
	return fmt.Sprintf(`
- rule: %s
  desc: the live test harness's marker, opened by a child once the test's actions are done
  condition: %s
  output: flush marker %%fd.name
  priority: DEBUG
`, FlushRuleName, m.Condition())
}

// Open has a child open the marker (the agent ignores its own opens).
func (m FlushMarker) Open(t testing.TB) {
	t.Helper()
	if out, err := exec.Command("/bin/cat", m.Path).CombinedOutput(); err != nil {
		t.Fatalf("flush marker: %v %s", err, out)
	}
}

// Flush has a child open the marker and waits until the agent's JSON
// alerts (alerts returns them so far) hold the marker's.
func (m FlushMarker) Flush(t testing.TB, alerts func() string) {
	t.Helper()
	m.Open(t)
	WaitUntil(t, "flush marker alert (the agent is behind or lost events)", func() bool {
		return strings.Contains(alerts(), `"rule":"`+FlushRuleName+`"`)
	})
}
