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
	// Counters reads a live driver's cumulative counters; nil for a
	// capture, which carries none.
	Counters func() (DropCounters, error)
	// EBPF is reported in the drop alert (ebpf_enabled).
	EBPF bool
}

// DropCounters are a driver's cumulative event and loss counters, with
// Falco's split of buffer losses.
type DropCounters struct {
	Events     uint64 // events written
	Buffer     [DropCategories]uint64
	ScratchMap uint64 // events too large for the scratch area
}

// Buffer loss categories, in the order of Falco's n_drops_buffer_* fields.
const (
	DropCloneFork = iota
	DropExecve
	DropConnect
	DropOpen
	DropDirFile
	DropOtherInterest
	DropClose
	DropProc
	DropCategories
)

// Drops is every loss.
func (c DropCounters) Drops() uint64 {
	n := c.ScratchMap
	for _, b := range c.Buffer {
		n += b
	}
	return n
}

func (c DropCounters) sub(o DropCounters) DropCounters {
	d := DropCounters{Events: c.Events - o.Events, ScratchMap: c.ScratchMap - o.ScratchMap}
	for i := range c.Buffer {
		d.Buffer[i] = c.Buffer[i] - o.Buffer[i]
	}
	return d
}

// DefaultDropConfig is Falco's default (falco.yaml).
func DefaultDropConfig() DropConfig {
	return DropConfig{Threshold: .1, Actions: []string{"log", "alert"}, Rate: .03333, MaxBurst: 1}
}

// dropMonitor reproduces Falco's syscall event drop manager: a check at
// most once per second of event time of the driver's counters (a capture
// carries none, so only simulated drops are ever found there).
type dropMonitor struct {
	cfg       DropConfig
	last      DropCounters
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
	delta DropCounters
	ebpf  bool
}

const dropRule = "Falco internal: syscall event drop"

var dropFields = []string{
	"ebpf_enabled", "n_drops", "n_drops_bug", "n_drops_buffer_clone_fork_exit", "n_drops_buffer_close_exit",
	"n_drops_buffer_connect_exit", "n_drops_buffer_dir_file_exit", "n_drops_buffer_execve_exit",
	"n_drops_buffer_open_exit", "n_drops_buffer_other_interest_exit", "n_drops_buffer_proc_exit",
	"n_drops_buffer_total", "n_drops_page_faults", "n_drops_scratch_map", "n_evts",
}

func (d *dropAlert) fieldValue(k string) string {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	b := d.delta.Buffer
	switch k {
	case "ebpf_enabled":
		if d.ebpf {
			return "1"
		}
		return "0"
	case "n_drops":
		return u(d.drops)
	case "n_drops_buffer_clone_fork_exit":
		return u(b[DropCloneFork])
	case "n_drops_buffer_close_exit":
		return u(b[DropClose])
	case "n_drops_buffer_connect_exit":
		return u(b[DropConnect])
	case "n_drops_buffer_dir_file_exit":
		return u(b[DropDirFile])
	case "n_drops_buffer_execve_exit":
		return u(b[DropExecve])
	case "n_drops_buffer_open_exit":
		return u(b[DropOpen])
	case "n_drops_buffer_other_interest_exit":
		return u(b[DropOtherInterest])
	case "n_drops_buffer_proc_exit":
		return u(b[DropProc])
	case "n_drops_buffer_total":
		return u(d.delta.Drops() - d.delta.ScratchMap)
	case "n_drops_scratch_map":
		return u(d.delta.ScratchMap)
	case "n_evts":
		return u(d.delta.Events + d.delta.Drops())
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
	var delta DropCounters
	if m.cfg.Counters != nil {
		if now, err := m.cfg.Counters(); err == nil {
			delta = now.sub(m.last)
			m.last = now
		}
	}
	drops := delta.Drops()
	if m.cfg.SimulateDrops {
		drops++
	}
	if drops == 0 {
		return nil, false
	}
	// Falco's ratio: the driver's event count includes the dropped ones.
	// Without driver counters (a capture) it is infinite.
	if seen := delta.Events + delta.Drops(); seen > 0 && float64(drops)/float64(seen) <= m.cfg.Threshold {
		return nil, false
	}
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
	a := &dropAlert{ts: ts, drops: drops, delta: delta, ebpf: m.cfg.EBPF}
	if m.log != nil {
		m.log(a.message())
	}
	if !m.alert {
		return nil, m.exit
	}
	return a, m.exit
}
