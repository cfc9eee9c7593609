// Package pipeline owns running rules over a stream of events, from a
// capture file or the live probe: it seeds and updates the state,
// evaluates the rules on the events Falco would evaluate them on, writes
// alerts in Falco's forms, watches for dropped events, and keeps the
// counts of the end-of-run summary.
package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/state"
)

// Config is what a replay needs.
type Config struct {
	// Capture is the path of the capture file.
	Capture string
	// Ruleset holds the enabled syscall rules, built with inspect.Binder.
	Ruleset *engine.Ruleset
	// Rules, when set, replaces Ruleset and may be swapped while the
	// pipeline runs (a rules reload): the new rules apply from the next
	// event on.
	Rules *atomic.Pointer[engine.Ruleset]
	// OnMatch, when set, is told of every rule match (metrics).
	OnMatch func(*engine.Rule)
	// Alerts are the options of the alert forms.
	Alerts alert.Options
	// JSON selects Falco's JSON alert form (json_output).
	JSON bool
	// Format, when set, replaces Alerts and JSON and may be swapped while
	// the pipeline runs (a configuration reload): alerts take the new
	// form from the next match on.
	Format *atomic.Pointer[AlertFormat]
	// Out receives one alert per line (unless Emit is set).
	Out io.Writer
	// Emit, when set, receives each formatted alert (text line or JSON
	// object, as json says) and internal message instead of Out: the alert
	// outputs, which queue them for their destinations without blocking.
	Emit func(line string, pri priority.Priority, rule string, json bool)
	// Buffered keeps alerts in a buffer flushed at the end
	// (buffered_outputs); by default each alert is flushed at once.
	Buffered bool
	// Drops configures syscall_event_drops.
	Drops DropConfig
	// State tunes the state tables.
	State state.Options
}

// AlertFormat is the form of the alerts: Falco's text or JSON
// (json_output) and the options of both.
type AlertFormat struct {
	Alerts alert.Options
	JSON   bool
}

// Stats are the counts of a replay, for the summary.
type Stats struct {
	Events      uint64 // records read from the capture
	Evaluated   uint64 // events the rules were evaluated on
	Alerts      uint64 // rule matches (Falco's "Events detected")
	ByPriority  map[priority.Priority]uint64
	ByRule      map[string]uint64
	ruleOrder   []string
	DropChecks  uint64 // syscall_event_drops checks that found drops
	DropActions uint64 // actions taken on them
	Elapsed     time.Duration
	State       state.Stats
	Reader      scap.Stats
}

// Source is a stream of events with the metadata that seeds the state.
type Source interface {
	// Next returns the next item: an event (valid until the next call) or
	// metadata. It returns io.EOF at the end, or another error.
	Next() (Item, error)
}

// Item is what a Source yields: an event, or metadata that seeds state.
type Item struct {
	Event *event.Record // nil for metadata
	CPU   uint16
	Flags uint32 // scap dump flags (FlagStateOnly...)

	Threads    []state.ThreadInfo
	Users      []state.UserInfo
	Groups     []state.GroupInfo
	Interfaces []state.InterfaceInfo
}

// RunCapture replays a capture file. It returns the stats and, for a
// capture that turns out corrupt or truncated, an error naming the offset
// and block, after every event before the damage was processed.
func RunCapture(cfg Config) (*Stats, error) {
	r, err := scap.Open(cfg.Capture)
	if err != nil {
		return &Stats{ByPriority: map[priority.Priority]uint64{}, ByRule: map[string]uint64{}}, err
	}
	defer r.Close()
	src := &captureSource{r: r}
	st, err := Run(cfg, src)
	st.Reader = r.Stats()
	return st, err
}

// captureSource adapts a capture reader.
type captureSource struct {
	r    *scap.Reader
	meta bool
}

func (c *captureSource) Next() (Item, error) {
	if !c.meta {
		c.meta = true
		snap, err := c.r.ReadMetadata()
		if snap != nil {
			return Item{Threads: snap.Threads, Users: snap.Users, Groups: snap.Groups, Interfaces: snap.Interfaces}, nil
		}
		if err != nil {
			return Item{}, err
		}
	}
	for {
		it, err := c.r.Next()
		if err != nil {
			return Item{}, err
		}
		switch it.Kind {
		case scap.KindThreads:
			return Item{Threads: it.Threads}, nil
		case scap.KindUsers:
			return Item{Users: it.Users, Groups: it.Groups}, nil
		case scap.KindInterfaces:
			return Item{Interfaces: it.Interfaces}, nil
		case scap.KindEvent:
			return Item{Event: it.Event, CPU: it.CPU, Flags: it.Flags}, nil
		}
	}
}

// Run evaluates the rules over a source until it ends (io.EOF, which is
// not an error) or fails.
func Run(cfg Config, src Source) (*Stats, error) {
	start := time.Now()
	st := &Stats{ByPriority: map[priority.Priority]uint64{}, ByRule: map[string]uint64{}}
	w := bufio.NewWriter(cfg.Out)
	defer w.Flush()
	in := inspect.New(cfg.State, cfg.Alerts.Hostname)
	rs := cfg.Ruleset
	if cfg.Rules != nil {
		rs = cfg.Rules.Load()
	}
	frame := rs.NewFrame()
	drops := newDropMonitor(cfg.Drops)
	matches := make([]*engine.Rule, 0, 8)

	var err error
	for {
		var it Item
		it, err = src.Next()
		if err != nil {
			break
		}
		if it.Event == nil {
			if it.Threads != nil || it.Users != nil || it.Groups != nil {
				in.Seed(it.Threads, it.Users, it.Groups)
			}
			if it.Interfaces != nil {
				in.State.SetInterfaces(it.Interfaces)
			}
			continue
		}
		st.Events++
		ev := in.Next(it.Event, it.CPU, it.Flags)
		if !reachesRules(it.Event, it.Flags) {
			continue
		}
		st.Evaluated++
		msg, stop := drops.check(ev.Ts())
		if msg != nil {
			format := cfg.format()
			line := msg.text(format.JSON, format.Alerts.Hostname)
			if cfg.Emit != nil {
				cfg.Emit(line, priority.Debug, dropRule, format.JSON)
			} else {
				writeLine(w, cfg, line)
			}
		}
		if stop {
			err = errors.New("Drop manager internal error")
			break
		}
		if cfg.Rules != nil {
			if now := cfg.Rules.Load(); now != rs {
				rs, frame = now, now.NewFrame()
			}
		}
		matches = rs.Match(frame, ev, matches[:0])
		if len(matches) == 0 {
			continue
		}
		format := cfg.format()
		for _, rule := range matches {
			a := alert.New(rule, frame, ev.Ts(), format.Alerts)
			line := a.Text()
			if format.JSON {
				line = string(a.JSON(format.Alerts))
			}
			if cfg.Emit != nil {
				cfg.Emit(line, rule.Priority, rule.Name, format.JSON)
			} else {
				writeLine(w, cfg, line)
			}
			st.count(rule)
			if cfg.OnMatch != nil {
				cfg.OnMatch(rule)
			}
		}
	}
	st.DropChecks, st.DropActions = drops.detected, drops.actions
	st.State = in.State.Stats()
	st.Elapsed = time.Since(start)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return st, err
}

// format is the alert form in force.
func (cfg *Config) format() AlertFormat {
	if cfg.Format != nil {
		return *cfg.Format.Load()
	}
	return AlertFormat{Alerts: cfg.Alerts, JSON: cfg.JSON}
}

func writeLine(w *bufio.Writer, cfg Config, line string) {
	w.WriteString(line)
	w.WriteByte('\n')
	if !cfg.Buffered {
		w.Flush()
	}
}

func (st *Stats) count(r *engine.Rule) {
	st.Alerts++
	st.ByPriority[r.Priority]++
	if st.ByRule[r.Name] == 0 {
		st.ruleOrder = append(st.ruleOrder, r.Name)
	}
	st.ByRule[r.Name]++
}

// reachesRules tells whether Falco (libs 0.22 and later) evaluates rules on
// an event of a capture: syscall enter events of old captures are consumed
// by the capture converter or filtered after parsing, and events flagged
// state-only are parsed but never returned. Every event still updates the
// state.
func reachesRules(rec *event.Record, flags uint32) bool {
	if flags&scap.FlagStateOnly != 0 {
		return false
	}
	info := rec.Info()
	if info == nil {
		return false
	}
	if event.IsEnter(info.Code) && info.Category&event.CategorySyscall != 0 {
		return false
	}
	return !info.IsUnused()
}

// Summary renders the end-of-run summary: Falco's match counts (its
// "Events detected" block, with rules in the order they first fired),
// the drop monitoring block, and what was read and how long it took.
func (st *Stats) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Events detected: %d\n", st.Alerts)
	b.WriteString("Rule counts by severity:\n")
	prios := make([]priority.Priority, 0, len(st.ByPriority))
	for p := range st.ByPriority {
		prios = append(prios, p)
	}
	sort.Slice(prios, func(i, j int) bool { return prios[i] < prios[j] })
	for _, p := range prios {
		fmt.Fprintf(&b, "   %s: %d\n", p.ShortName(), st.ByPriority[p])
	}
	b.WriteString("Triggered rules by rule name:\n")
	for _, name := range st.ruleOrder {
		fmt.Fprintf(&b, "   %s: %d\n", name, st.ByRule[name])
	}
	b.WriteString("Syscall event drop monitoring:\n")
	fmt.Fprintf(&b, "   - event drop detected: %d occurrences\n", st.DropChecks)
	fmt.Fprintf(&b, "   - num times actions taken: %d\n", st.DropActions)
	secs := st.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(st.Events) / secs
	}
	fmt.Fprintf(&b, "Events read: %d (rules evaluated on %d), elapsed time: %.3fs, %.0f events/s\n", st.Events, st.Evaluated, secs, rate)
	return b.String()
}
