package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kestrel-project/kestrel/internal/config"
	"github.com/kestrel-project/kestrel/internal/output"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/priority"
)

// openOutputs builds the alert destinations the configuration enables.
// Syslog is skipped quietly when the machine has no /dev/log (containers,
// minimal hosts); any other destination that cannot be set up is an error
// naming it.
func openOutputs(stdout io.Writer, d config.Destinations, log *slog.Logger) (*output.Outputs, error) {
	var sinks []output.Sink
	if d.Stdout {
		sinks = append(sinks, output.NewStdout(stdout))
	}
	if d.Syslog {
		if _, err := os.Stat("/dev/log"); err == nil {
			s, err := output.NewSyslog("kestrel")
			if err != nil {
				log.Warn("syslog_output disabled", "error", err)
			} else {
				sinks = append(sinks, s)
			}
		}
	}
	if d.File.Enabled {
		s, err := output.NewFile(d.File.Filename, d.File.KeepAlive)
		if err != nil {
			return nil, fmt.Errorf("file_output: %w", err)
		}
		sinks = append(sinks, s)
	}
	if d.Program.Enabled {
		sinks = append(sinks, output.NewProgram(d.Program.Program, d.Program.KeepAlive))
	}
	if d.HTTP.Enabled {
		h := d.HTTP
		s, err := output.NewHTTP(output.HTTPConfig{URL: h.URL, UserAgent: h.UserAgent, Insecure: h.Insecure,
			CACert: h.CACert, CABundle: h.CABundle, CAPath: h.CAPath, MTLS: h.MTLS, ClientCert: h.ClientCert,
			ClientKey: h.ClientKey, Headers: h.CustomHeaders, Compress: h.CompressUploads})
		if err != nil {
			return nil, fmt.Errorf("http_output: %w", err)
		}
		sinks = append(sinks, s)
	}
	return output.New(sinks, d.QueueCapacity, log.With("component", "outputs")), nil
}

// liveOutputs holds the destinations in force; a configuration reload
// replaces them. Replaced sets are kept, closed, for their counters: the
// exported counters and the exit summary add them up by output name, so
// they never go back (reloads that change the outputs are rare, and a
// closed set is a few small structs).
type liveOutputs struct {
	stdout io.Writer
	log    *slog.Logger

	mu    sync.RWMutex // write-held only to swap the set in force; Emit read-holds it
	dests config.Destinations
	sets  []*output.Outputs // every set opened, the one in force last
}

func newLiveOutputs(stdout io.Writer, d config.Destinations, log *slog.Logger) (*liveOutputs, error) {
	outs, err := openOutputs(stdout, d, log)
	if err != nil {
		return nil, err
	}
	return &liveOutputs{stdout: stdout, log: log, dests: d, sets: []*output.Outputs{outs}}, nil
}

// inForce is the set in force; the caller holds mu.
func (l *liveOutputs) inForce() *output.Outputs { return l.sets[len(l.sets)-1] }

// Emit hands m to the destinations in force; a message emitted while they
// are being replaced goes to the old set, which drains it.
func (l *liveOutputs) Emit(m output.Message) {
	l.mu.RLock()
	l.inForce().Emit(m)
	l.mu.RUnlock()
}

func (l *liveOutputs) Reopen() {
	l.mu.RLock()
	l.inForce().Reopen()
	l.mu.RUnlock()
}

// Replace puts the destinations d in force if they differ from the
// current ones, then drains the old set (up to drain) and closes it. It
// reports whether anything changed. When a new destination cannot be set
// up, the current ones stay and the error names it.
func (l *liveOutputs) Replace(d config.Destinations, drain time.Duration) (bool, error) {
	l.mu.RLock()
	same := reflect.DeepEqual(d, l.dests)
	l.mu.RUnlock()
	if same {
		return false, nil
	}
	next, err := openOutputs(l.stdout, d, l.log)
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	old := l.inForce()
	l.sets, l.dests = append(l.sets, next), d
	l.mu.Unlock()
	if err := old.Close(drain); err != nil {
		l.log.Error("replaced outputs not drained", "error", err)
	}
	return true, nil
}

// Names are the names of the outputs in force.
func (l *liveOutputs) Names() []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var names []string
	for _, s := range l.inForce().Stats() {
		names = append(names, s.Name)
	}
	return names
}

// Stats returns the counters of every output name ever in force, the
// replaced sets' included, in the order the names first appeared.
func (l *liveOutputs) Stats() []output.Stats {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []output.Stats
	for _, o := range l.sets {
		for _, s := range o.Stats() {
			i := slices.IndexFunc(out, func(t output.Stats) bool { return t.Name == s.Name })
			if i < 0 {
				out = append(out, s)
				continue
			}
			out[i].Sent += s.Sent
			out[i].Failed += s.Failed
			out[i].Dropped += s.Dropped
			out[i].Queued += s.Queued
		}
	}
	return out
}

// Close drains and closes the destinations in force.
func (l *liveOutputs) Close(drain time.Duration) error {
	l.mu.RLock()
	cur := l.inForce()
	l.mu.RUnlock()
	return cur.Close(drain)
}

// withOutputs routes the pipeline's alerts to the destinations, reopens
// files and restarts kept-alive programs on SIGUSR1 (log rotation), and
// returns the function that drains and closes them.
func withOutputs(cfg *pipeline.Config, outs *liveOutputs, stderr io.Writer, log *slog.Logger) func() {
	cfg.Emit = func(line string, pri priority.Priority, rule string, json bool) {
		outs.Emit(output.Message{Line: []byte(line), Priority: pri, Rule: rule, JSON: json})
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-usr1:
				outs.Reopen()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(usr1)
		close(done)
		if err := outs.Close(5 * time.Second); err != nil {
			log.Error("outputs not drained", "error", err)
		}
		var parts []string
		for _, s := range outs.Stats() {
			parts = append(parts, fmt.Sprintf("%s %d sent, %d failed, %d dropped", s.Name, s.Sent, s.Failed, s.Dropped))
		}
		if len(parts) > 0 {
			fmt.Fprintf(stderr, "Outputs: %s\n", strings.Join(parts, "; "))
		}
	}
}
