// Package agent owns Kestrel's main job: watching the host live. It seeds
// the state from a snapshot of the running system, loads the eBPF probe
// with the syscall selection the rules and the state need, and feeds the
// probe's records through the same pipeline a capture replay uses, until
// it is told to stop.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/metrics"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/probe"
	"github.com/kestrel-project/kestrel/internal/procfs"
	"github.com/kestrel-project/kestrel/internal/state"
)

// Snapshot is the running system's state before events flow.
type Snapshot struct {
	Threads    []state.ThreadInfo
	Users      []state.UserInfo
	Groups     []state.GroupInfo
	Interfaces []state.InterfaceInfo
}

// Config is what the agent needs.
type Config struct {
	Pipeline pipeline.Config
	// Syscalls is the selection to capture (internal/selection).
	Syscalls event.SyscallSet
	Probe    probe.Options
	// Seed returns the system's state; nil starts from an empty state.
	Seed func() (*Snapshot, error)
	// Unsupported receives the selected syscalls the probe cannot capture.
	Unsupported func(event.SyscallSet)
	// Ready is called once the probe is attached and capturing.
	Ready func()
	// Metrics, when set, reports the probe's counters and rule matches.
	Metrics *metrics.Metrics
	// Reload receives new rules while the agent runs: the probe's syscall
	// selection is updated in place (no restart, no events lost) and the
	// rules apply from the next event on.
	Reload <-chan Rules
	// Containers, when set, looks up the metadata of the containers the
	// events reveal; Run starts and stops it. Its answers enter the event
	// stream as Falco's "container" async events.
	Containers *container.Manager
	// ContainerApplied, when set, is told of each container update as it
	// enters the event stream, and ContainerNoticed of each container the
	// stream met without metadata (metrics, latency measurements).
	ContainerApplied func(container.Update)
	ContainerNoticed func(container.Request)
}

// Rules are a ruleset and the syscalls it needs captured.
type Rules struct {
	Ruleset  *engine.Ruleset
	Syscalls event.SyscallSet
	// Format, when set, is the alert form from now on (json_output and
	// its options changed); nil keeps the current one.
	Format *pipeline.AlertFormat
	// Done, if set, receives the outcome of the reload.
	Done chan<- error
}

// Result is what a run saw.
type Result struct {
	Stats    *pipeline.Stats
	Counters probe.Counters
	// DecodeErrors counts records the probe wrote that did not decode
	// (a probe bug); they are skipped.
	DecodeErrors uint64
	// Containers are the container manager's counters (nil without one).
	Containers *container.Stats
}

// Run watches the host until ctx is done, then returns what it saw. The
// probe is loaded before Run returns an error for a machine that cannot
// run it.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	var snap *Snapshot
	if cfg.Seed != nil {
		s, err := cfg.Seed()
		if err != nil {
			return nil, fmt.Errorf("reading the system's state: %w", err)
		}
		snap = s
	}
	p, err := probe.Load(cfg.Probe)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	unsupported, err := p.SetSyscalls(cfg.Syscalls)
	if err != nil {
		return nil, err
	}
	if cfg.Unsupported != nil && !unsupported.IsEmpty() {
		cfg.Unsupported(unsupported)
	}
	src := &liveSource{probe: p, snap: snap}
	pcfg := cfg.Pipeline
	if cfg.Containers != nil {
		mctx, stopManager := context.WithCancel(ctx)
		cfg.Containers.Start(mctx)
		defer func() {
			stopManager()
			cfg.Containers.Stop()
		}()
		pcfg.State.OnNewContainer = cfg.Containers.Request
		if cfg.ContainerNoticed != nil {
			pcfg.State.OnNewContainer = func(r container.Request) bool {
				cfg.ContainerNoticed(r)
				return cfg.Containers.Request(r)
			}
		}
		src.updates = cfg.Containers.Updates()
		src.onUpdate = cfg.ContainerApplied
	}
	rules := &atomic.Pointer[engine.Ruleset]{}
	rules.Store(pcfg.Ruleset)
	pcfg.Rules = rules
	format := pcfg.Format
	if format == nil {
		format = &atomic.Pointer[pipeline.AlertFormat]{}
		format.Store(&pipeline.AlertFormat{Alerts: pcfg.Alerts, JSON: pcfg.JSON})
		pcfg.Format = format
	}
	if cfg.Reload != nil {
		reloadCtx, stopReload := context.WithCancel(ctx)
		defer stopReload()
		go func() {
			for {
				select {
				case <-reloadCtx.Done():
					return
				case r := <-cfg.Reload:
					unsupported, err := p.SetSyscalls(r.Syscalls)
					if err == nil {
						rules.Store(r.Ruleset)
						if r.Format != nil {
							format.Store(r.Format)
						}
						if cfg.Unsupported != nil && !unsupported.IsEmpty() {
							cfg.Unsupported(unsupported)
						}
					}
					if r.Done != nil {
						r.Done <- err
					}
				}
			}
		}()
	}
	pcfg.Drops.EBPF = true
	pcfg.Drops.Counters = func() (pipeline.DropCounters, error) {
		c, err := p.Counters()
		return dropCounters(c), err
	}
	if cfg.Metrics != nil {
		m := cfg.Metrics
		cfg.Metrics.SetDriver(func() (metrics.DriverCounters, error) {
			c, err := p.Counters()
			if err != nil {
				return metrics.DriverCounters{}, err
			}
			return driverCounters(c, src.decodeErrors.Load()), nil
		})
		defer m.SetDriver(nil)
		prev := pcfg.OnMatch
		pcfg.OnMatch = func(r *engine.Rule) {
			m.RuleMatched(r.Name, r.Priority.String(), r.Source, r.Tags)
			if prev != nil {
				prev(r)
			}
		}
	}
	stop := context.AfterFunc(ctx, p.Stop)
	defer stop()
	if cfg.Ready != nil {
		cfg.Ready()
	}
	stats, err := pipeline.Run(pcfg, src)
	res := &Result{Stats: stats, DecodeErrors: src.decodeErrors.Load()}
	if cfg.Containers != nil {
		cs := cfg.Containers.Stats()
		res.Containers = &cs
	}
	res.Counters, _ = p.Counters()
	return res, err
}

// dropCounters maps the probe's loss categories to Falco's.
func dropCounters(c probe.Counters) pipeline.DropCounters {
	d := pipeline.DropCounters{Events: c.Events, ScratchMap: c.DropsScratch + c.DropsNoRing}
	d.Buffer[pipeline.DropCloneFork] = c.DropsRing[probe.CategoryCloneFork]
	d.Buffer[pipeline.DropExecve] = c.DropsRing[probe.CategoryExecve]
	d.Buffer[pipeline.DropConnect] = c.DropsRing[probe.CategoryConnect]
	d.Buffer[pipeline.DropOpen] = c.DropsRing[probe.CategoryOpen]
	d.Buffer[pipeline.DropDirFile] = c.DropsRing[probe.CategoryDirFile]
	d.Buffer[pipeline.DropOtherInterest] = c.DropsRing[probe.CategoryOther]
	d.Buffer[pipeline.DropClose] = c.DropsRing[probe.CategoryClose]
	d.Buffer[pipeline.DropProc] = c.DropsRing[probe.CategoryProcExit]
	return d
}

// driverCounters maps the probe's counters to the metrics' form.
func driverCounters(c probe.Counters, decodeErrors uint64) metrics.DriverCounters {
	d := metrics.DriverCounters{Events: c.Events, DropsScratch: c.DropsScratch, DropsNoRing: c.DropsNoRing,
		DropsBuffer: map[string]uint64{}, DecodeErrors: decodeErrors}
	for i, n := range c.DropsRing {
		d.DropsBuffer[probe.CategoryNames[i]] = n
	}
	for _, pc := range c.PerCPU {
		d.PerCPU = append(d.PerCPU, metrics.CPUCounters{Events: pc.Events, Drops: pc.DropsRing})
	}
	return d
}

// liveSource yields the snapshot, then the probe's records, with the
// container manager's answers slipped in between as async events.
type liveSource struct {
	probe        *probe.Probe
	snap         *Snapshot
	seeded       bool
	rec          event.Record
	decodeErrors atomic.Uint64 // read by metrics scrapes

	updates  <-chan container.Update
	onUpdate func(container.Update)
	lastTs   uint64
	builder  event.Builder
	asyncRec event.Record
}

// containerEvent turns a manager update into the async event Falco's
// container plugin would inject: plugin id 0 (the syscall source), name
// "container" or "container_removed", the container's JSON as data,
// stamped with the time of the last event so the stream stays ordered.
func (s *liveSource) containerEvent(u container.Update) (pipeline.Item, bool) {
	name := state.AsyncContainerAdded
	if u.Removed {
		name = state.AsyncContainerRemoved
	}
	ts := s.lastTs
	if ts == 0 {
		ts = uint64(time.Now().UnixNano())
	}
	raw, err := s.builder.BuildValues(ts, 0, event.AsynceventE, uint32(0), name, u.Info.JSON())
	if err != nil || s.asyncRec.Parse(raw) != nil {
		s.decodeErrors.Add(1)
		return pipeline.Item{}, false
	}
	if s.onUpdate != nil {
		s.onUpdate(u)
	}
	return pipeline.Item{Event: &s.asyncRec}, true
}

func (s *liveSource) Next() (pipeline.Item, error) {
	if !s.seeded {
		s.seeded = true
		if s.snap != nil {
			return pipeline.Item{Threads: s.snap.Threads, Users: s.snap.Users, Groups: s.snap.Groups,
				Interfaces: s.snap.Interfaces}, nil
		}
	}
	for {
		select {
		case u := <-s.updates:
			if it, ok := s.containerEvent(u); ok {
				return it, nil
			}
		default:
		}
		raw, cpu, err := s.probe.Next()
		if errors.Is(err, probe.ErrClosed) {
			return pipeline.Item{}, io.EOF
		}
		if err != nil {
			return pipeline.Item{}, err
		}
		if err := s.rec.Parse(raw); err != nil {
			s.decodeErrors.Add(1)
			continue
		}
		s.lastTs = s.rec.Ts()
		return pipeline.Item{Event: &s.rec, CPU: uint16(cpu)}, nil
	}
}

// Summary renders the probe's part of the end-of-run summary.
func (r *Result) Summary() string {
	c := r.Counters
	s := fmt.Sprintf("Kernel events: %d written, %d lost", c.Events, c.Drops())
	if c.Drops() > 0 {
		s += " ("
		first := true
		for i, d := range c.DropsRing {
			if d == 0 {
				continue
			}
			if !first {
				s += ", "
			}
			first = false
			s += fmt.Sprintf("ring full %s: %d", probe.CategoryNames[i], d)
		}
		if c.DropsScratch > 0 {
			if !first {
				s += ", "
			}
			s += fmt.Sprintf("too large: %d", c.DropsScratch)
		}
		s += ")"
	}
	if r.DecodeErrors > 0 {
		s += fmt.Sprintf(", %d undecodable", r.DecodeErrors)
	}
	s += "\n"
	if c := r.Containers; c != nil {
		s += fmt.Sprintf("Containers: %d looked up (%d runtime calls, %d unknown to every runtime, %d errors, "+
			"%d requests refused by a full queue), %d started and %d removed seen from the runtimes\n",
			c.Found, c.Lookups, c.NotFound, c.LookupErrors, c.QueueFull, c.Started, c.Removed)
	}
	return s
}

// ProcSnapshot scans /proc: the seed of a live run.
func ProcSnapshot() (*Snapshot, error) {
	s, err := procfs.Scan(procfs.Options{})
	if err != nil {
		return nil, err
	}
	return &Snapshot{Threads: s.Threads, Users: s.Users, Groups: s.Groups, Interfaces: s.Interfaces}, nil
}
