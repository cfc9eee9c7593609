package pipeline

import (
	"strings"
	"testing"
)

// A live driver's counters: drops over the threshold in a second raise
// Falco's internal alert with the per-category deltas; drops under it or
// no new drops raise nothing; the token bucket limits the actions.
func TestDropMonitorLiveCounters(t *testing.T) {
	var now DropCounters
	m := newDropMonitor(DropConfig{Threshold: .1, Actions: []string{"alert"}, Rate: 1, MaxBurst: 1,
		Counters: func() (DropCounters, error) { return now, nil }, EBPF: true})
	sec := uint64(1e9)
	ts := 100 * sec
	if a, _ := m.check(ts); a != nil {
		t.Fatal("alert at the first check")
	}
	now.Events = 1000
	ts += 2 * sec
	if a, _ := m.check(ts); a != nil {
		t.Fatal("alert without drops")
	}
	now.Events += 950
	now.Buffer[DropOpen] += 30
	now.Buffer[DropExecve] += 20 // 50 of 1000 seen: 5%, under 10%
	ts += 2 * sec
	if a, _ := m.check(ts); a != nil {
		t.Fatal("alert under the threshold")
	}
	now.Events += 800
	now.Buffer[DropOpen] += 150
	now.ScratchMap += 50 // 200 of 1000: 20%
	ts += 2 * sec
	a, stop := m.check(ts)
	if a == nil || stop {
		t.Fatalf("no alert over the threshold (stop %v)", stop)
	}
	text := a.text(false, "h")
	for _, want := range []string{"Falco internal: syscall event drop. 200 system calls dropped in last second.",
		`ebpf_enabled="1"`, `n_drops="200"`, `n_drops_buffer_open_exit="150"`, `n_drops_buffer_total="150"`,
		`n_drops_scratch_map="50"`, `n_evts="1000"`, `n_drops_buffer_execve_exit="0"`} {
		if !strings.Contains(text, want) {
			t.Errorf("alert lacks %s: %s", want, text)
		}
	}
	// The next second's drops find the bucket empty (1 token per second,
	// refilled only by event time).
	now.Buffer[DropClose] += 500
	ts += sec / 2
	if a, _ := m.check(ts); a != nil {
		t.Fatal("checked twice within a second")
	}
	if m.detected != 1 || m.actions != 1 {
		t.Errorf("detected %d, actions %d", m.detected, m.actions)
	}
}
