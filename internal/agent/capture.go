package agent

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/probe"
	"github.com/kestrel-project/kestrel/internal/state"
)

// CaptureConfig is what Capture needs.
type CaptureConfig struct {
	// Path is the capture file; a name ending in .gz is compressed.
	Path string
	// SysdigCompat writes the process list in the layout readers built on
	// libraries before 0.10 (such as Debian's sysdig 0.29) understand.
	SysdigCompat bool
	// Filter keeps only the events it matches (all when nil); it is
	// compiled with Compiler, whose frames it evaluates on.
	Filter   engine.Cond
	Compiler *engine.Compiler
	Syscalls event.SyscallSet
	Probe    probe.Options
	Seed     func() (*Snapshot, error)
	Ready    func()
	// Unsupported receives the selected syscalls the probe cannot capture.
	Unsupported func(event.SyscallSet)
	// Containers, when set, looks up the containers the events reveal;
	// their metadata is written as the container plugin's async events,
	// so that a replay of the file (Kestrel's or Falco's) knows them.
	Containers *container.Manager
	// ContainerApplied, when set, is told of each container update as it
	// enters the event stream (before it is written), as Config's is in a
	// live run. Nothing in Kestrel sets it: tests wait on it for a
	// container's metadata to be in the file before acting in the
	// container, instead of sleeping.
	ContainerApplied func(container.Update)
}

// CaptureResult counts what a capture saw.
type CaptureResult struct {
	Events  uint64 // records read from the probe
	Written uint64 // events written (those the filter matched)
	// StateOnly counts events written only for the state (flagged so
	// that readers update their tables without showing them).
	StateOnly uint64
	Counters  probe.Counters
}

// Capture records live events to a capture file until ctx is done: the
// system's snapshot first (the process, fd, user and interface lists),
// then every event, or those the filter matches plus, flagged state-only,
// the events that change the state. The state is kept up to
// date with every event either way, so the filter sees what replay will.
func Capture(ctx context.Context, cfg CaptureConfig) (*CaptureResult, error) {
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
	w, err := scap.Create(cfg.Path, scap.WriterOptions{Gzip: len(cfg.Path) > 3 && cfg.Path[len(cfg.Path)-3:] == ".gz",
		LegacyLayout: cfg.SysdigCompat})
	if err != nil {
		return nil, err
	}
	src := &liveSource{probe: p}
	sopts := state.Options{}
	if cfg.Containers != nil {
		mctx, stopManager := context.WithCancel(ctx)
		cfg.Containers.Start(mctx)
		defer func() {
			stopManager()
			cfg.Containers.Stop()
		}()
		sopts.OnNewContainer = cfg.Containers.Request
		src.updates = cfg.Containers.Updates()
		src.onUpdate = cfg.ContainerApplied
	}
	in := inspect.New(sopts, "")
	if snap != nil {
		in.Seed(snap.Threads, snap.Users, snap.Groups)
		in.State.SetInterfaces(snap.Interfaces)
		werr := w.WriteSnapshot(&scap.Snapshot{Threads: snap.Threads, Users: snap.Users, Groups: snap.Groups,
			Interfaces: snap.Interfaces})
		if werr != nil {
			w.Close()
			return nil, werr
		}
	}
	if err := w.Begin(); err != nil {
		w.Close()
		return nil, err
	}
	unsupported, err := p.SetSyscalls(cfg.Syscalls)
	if err != nil {
		w.Close()
		return nil, err
	}
	if cfg.Unsupported != nil && !unsupported.IsEmpty() {
		cfg.Unsupported(unsupported)
	}
	stop := context.AfterFunc(ctx, p.Stop)
	defer stop()
	if cfg.Ready != nil {
		cfg.Ready()
	}
	res := &CaptureResult{}
	var frame *engine.Frame
	if cfg.Filter != nil {
		frame = cfg.Compiler.NewFrame()
	}
	src.seeded = true // the snapshot is written above
	for {
		it, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			w.Close()
			return res, err
		}
		rec, cpu, raw := it.Event, it.CPU, it.Event.Raw()
		res.Events++
		ev := in.Next(rec, cpu, 0)
		var flags uint32
		if frame != nil {
			frame.Reset(ev)
			if !cfg.Filter(frame) {
				// Events the state needs go in anyway, flagged state-only
				// as libsinsp's dumper does, so a reader knows the
				// processes and files of the events that matched.
				info := rec.Info()
				if info == nil || info.Flags&event.FlagModifiesState == 0 && info.Code != event.AsynceventE {
					continue
				}
				flags = scap.FlagStateOnly
			}
		}
		if err := w.WriteEvent(raw, cpu, flags); err != nil {
			w.Close()
			return res, err
		}
		if flags == 0 {
			res.Written++
		} else {
			res.StateOnly++
		}
	}
	res.Counters, _ = p.Counters()
	return res, w.Close()
}
