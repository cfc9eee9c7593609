// Package replay owns running rules over a capture file: it reads the
// capture, seeds and updates the state, evaluates the rules on the events
// Falco would evaluate them on, writes alerts in Falco's forms, and keeps
// the counts of the end-of-run summary.
package replay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
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
	// Alerts are the options of the alert forms.
	Alerts alert.Options
	// JSON selects Falco's JSON alert form (json_output).
	JSON bool
	// Out receives one alert per line.
	Out io.Writer
	// Buffered keeps alerts in a buffer flushed at the end
	// (buffered_outputs); by default each alert is flushed at once.
	Buffered bool
	// Drops configures syscall_event_drops.
	Drops DropConfig
	// State tunes the state tables.
	State state.Options
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

// Run replays the capture. It returns the stats and, for a capture that
// turns out corrupt or truncated, an error naming the offset and block,
// after every event before the damage was processed.
func Run(cfg Config) (*Stats, error) {
	start := time.Now()
	st := &Stats{ByPriority: map[priority.Priority]uint64{}, ByRule: map[string]uint64{}}
	r, err := scap.Open(cfg.Capture)
	if err != nil {
		return st, err
	}
	defer r.Close()

	w := bufio.NewWriter(cfg.Out)
	defer w.Flush()
	in := inspect.New(cfg.State, cfg.Alerts.Hostname)
	frame := cfg.Ruleset.NewFrame()
	drops := newDropMonitor(cfg.Drops)
	matches := make([]*engine.Rule, 0, 8)

	snap, err := r.ReadMetadata()
	if snap != nil {
		in.Seed(snap.Threads, snap.Users, snap.Groups)
		in.State.SetInterfaces(snap.Interfaces)
	}
	for err == nil {
		var it scap.Item
		it, err = r.Next()
		if err != nil {
			break
		}
		switch it.Kind {
		case scap.KindThreads:
			in.Seed(it.Threads, nil, nil)
			continue
		case scap.KindUsers:
			in.Seed(nil, it.Users, it.Groups)
			continue
		case scap.KindInterfaces:
			in.State.SetInterfaces(it.Interfaces)
			continue
		case scap.KindEvent:
		default:
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
			writeLine(w, cfg, msg.text(cfg.JSON, cfg.Alerts.Hostname))
		}
		if stop {
			err = errors.New("Drop manager internal error")
			break
		}
		matches = cfg.Ruleset.Match(frame, ev, matches[:0])
		for _, rule := range matches {
			a := alert.New(rule, frame, ev.Ts(), cfg.Alerts)
			if cfg.JSON {
				writeLine(w, cfg, string(a.JSON(cfg.Alerts)))
			} else {
				writeLine(w, cfg, a.Text())
			}
			st.count(rule)
		}
	}
	st.DropChecks, st.DropActions = drops.detected, drops.actions
	st.State = in.State.Stats()
	st.Reader = r.Stats()
	st.Elapsed = time.Since(start)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return st, err
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
