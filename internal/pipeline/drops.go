package pipeline

import (
	"sort"
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/priority"
)

// DropConfig is syscall_event_drops.
type DropConfig struct {
	Threshold float64  // ratio of dropped to seen events that counts as a drop
	Actions   []string // ignore, log, alert, exit
	Rate      float64  // tokens per second of the action rate limit
	MaxBurst  float64  // bucket size
	// SimulateDrops adds one fake drop per check, for testing the actions.
	SimulateDrops bool
}

// DefaultDropConfig is Falco's default (falco.yaml).
func DefaultDropConfig() DropConfig {
	return DropConfig{Threshold: .1, Actions: []string{"log", "alert"}, Rate: .03333, MaxBurst: 1}
}

// dropMonitor reproduces Falco's syscall event drop manager in replay: a
// check at most once per second of event time; a capture carries no driver
// counters, so only simulated drops are ever found.
type dropMonitor struct {
	cfg       DropConfig
	nextCheck uint64
	started   bool
	tokens    float64
	lastSeen  uint64
	detected  uint64
	actions   uint64
	alert     bool
	exit      bool
	// Log receives the log action's message; nil drops it (Falco logs it
	// at debug level, invisible by default).
	log func(string)
}

func newDropMonitor(cfg DropConfig) *dropMonitor {
	m := &dropMonitor{cfg: cfg, tokens: cfg.MaxBurst}
	for _, a := range cfg.Actions {
		switch a {
		case "alert":
			m.alert = true
		case "exit":
			m.exit = true
		}
	}
	if cfg.SimulateDrops {
		m.cfg.Threshold = 0
	}
	return m
}

// dropAlert is Falco's internal "syscall event drop" message.
type dropAlert struct {
	ts    uint64
	drops uint64
}

const dropRule = "Falco internal: syscall event drop"

var dropFields = []string{
	"ebpf_enabled", "n_drops", "n_drops_bug", "n_drops_buffer_clone_fork_exit", "n_drops_buffer_close_exit",
	"n_drops_buffer_connect_exit", "n_drops_buffer_dir_file_exit", "n_drops_buffer_execve_exit",
	"n_drops_buffer_open_exit", "n_drops_buffer_other_interest_exit", "n_drops_buffer_proc_exit",
	"n_drops_buffer_total", "n_drops_page_faults", "n_drops_scratch_map", "n_evts",
}

func (d *dropAlert) fieldValue(k string) string {
	if k == "n_drops" {
		return strconv.FormatUint(d.drops, 10)
	}
	return "0"
}

func (d *dropAlert) message() string {
	return dropRule + ". " + strconv.FormatUint(d.drops, 10) + " system calls dropped in last second."
}

// text renders the internal alert as Falco does: in text, the message
// followed by the fields as k="v" in key order; in JSON, an object with
// source "internal" and string-valued output_fields.
func (d *dropAlert) text(json bool, hostname string) string {
	keys := append([]string(nil), dropFields...)
	sort.Strings(keys)
	if !json {
		var b strings.Builder
		b.WriteString(alert.TimeOfDay(d.ts))
		b.WriteString(": Debug ")
		b.WriteString(d.message())
		b.WriteString(" (")
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k + `="` + d.fieldValue(k) + `"`)
		}
		b.WriteByte(')')
		return b.String()
	}
	a := &alert.Alert{Ts: d.ts, Rule: dropRule, Priority: priority.Debug, Source: "internal",
		Hostname: hostname, Output: d.message()}
	for _, k := range keys {
		a.Fields = append(a.Fields, alert.Field{Key: k, Value: d.fieldValue(k)})
	}
	return string(a.JSON(alert.Options{IncludeOutput: true, IncludeOutputFields: true}))
}

// check runs at most once per second of event time and returns the alert
// to emit, if any, and whether the exit action asks to stop.
func (m *dropMonitor) check(ts uint64) (*dropAlert, bool) {
	if !m.started {
		m.started = true
		m.nextCheck = ts + 1e9
		m.lastSeen = ts
		return nil, false
	}
	if m.nextCheck >= ts {
		return nil, false
	}
	m.nextCheck = ts + 1e9
	var drops uint64
	if m.cfg.SimulateDrops {
		drops++
	}
	if drops == 0 {
		return nil, false
	}
	// No events are counted by a capture's (absent) driver stats, so any
	// drop is over the threshold, as in Falco.
	m.detected++
	if ts > m.lastSeen {
		m.tokens += m.cfg.Rate * float64(ts-m.lastSeen) / 1e9
	}
	m.lastSeen = ts
	if m.tokens > m.cfg.MaxBurst {
		m.tokens = m.cfg.MaxBurst
	}
	if m.tokens < 1 {
		return nil, false
	}
	m.tokens--
	m.actions++
	a := &dropAlert{ts: ts, drops: drops}
	if m.log != nil {
		m.log(a.message())
	}
	if !m.alert {
		return nil, m.exit
	}
	return a, m.exit
}
