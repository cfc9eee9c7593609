package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kestrel-project/kestrel/internal/agent"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/container/runtimes"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/metrics"
	"github.com/kestrel-project/kestrel/internal/selection"
)

// newRunCommand is `kestrel run`, the explicit name of the main job.
func newRunCommand(stdout, stderr io.Writer, opts *rootOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Watch this host live through the eBPF probe (the default command)",
		Long: `Load the rules (the embedded defaults, or -r files), watch this host's
syscalls through Kestrel's eBPF probe and print alerts until SIGINT or
SIGTERM (or -M seconds), then print the summary on stderr and exit 0.
Needs root (or CAP_BPF and CAP_PERFMON), a kernel of 5.8 or later and BTF.`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error { return opts.run(stdout, stderr) },
	}
}

// runLive is the main job: the agent until a signal or -M seconds.
func runLive(stdout, stderr io.Writer, st *settings, rs *engine.Ruleset, sel selection.Result, duration time.Duration,
	reload func() (*engine.Ruleset, selection.Result, error), watch []string) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, duration)
		defer stop()
	}
	log := st.log
	var m *metrics.Metrics
	if st.web.Enabled {
		m = metrics.New(Version)
		m.RulesInForce(len(rs.Rules()))
		srv, err := metrics.Serve(metrics.ServerConfig{
			Address:  net.JoinHostPort(st.web.ListenAddress, strconv.Itoa(st.web.ListenPort)),
			Healthz:  st.web.HealthzEndpoint,
			Metrics:  st.web.PrometheusMetrics && st.web.MetricsEnabled,
			Versions: versionsInfo(),
		}, m)
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		defer srv.Close()
		what := "health at " + st.web.HealthzEndpoint + ", versions at /versions"
		if st.web.PrometheusMetrics && st.web.MetricsEnabled {
			what += ", Prometheus metrics at /metrics"
		}
		log.Info("web server listening", "address", srv.Addr.String(), "serving", what)
	}
	reloads := make(chan agent.Rules)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var changed <-chan struct{}
	if st.watch && len(watch) > 0 {
		c, err := watchFiles(ctx, watch, 300*time.Millisecond, log)
		if err != nil {
			log.Warn("files are not watched (SIGHUP still reloads)", "error", err)
		}
		changed = c
	}
	reloadCtx, stopReloads := context.WithCancel(ctx)
	var reloading sync.WaitGroup
	reloading.Add(1)
	defer func() {
		stopReloads()
		reloading.Wait()
	}()
	go func() {
		defer reloading.Done()
		ctx := reloadCtx
		for {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				log.Info("rules or configuration files changed: reloading the rules")
			case <-hup:
			}
			rs, sel, err := reload()
			if m != nil {
				m.RulesReloaded(err == nil)
				if err == nil {
					m.RulesInForce(len(rs.Rules()))
				}
			}
			if err != nil {
				log.Error("rules not reloaded, the previous ones stay in force", "error", err)
				continue
			}
			select {
			case reloads <- agent.Rules{Ruleset: rs, Syscalls: sel.Selected}:
			case <-ctx.Done():
				return
			}
		}
	}()
	containers := containerManager(st.engines, log)
	pcfg := pipelineConfig(stdout, st, rs)
	outs, err := openOutputs(stdout, st.dests, log)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	closeOutputs := withOutputs(&pcfg, outs, st.engine.JSONOutput, stderr, log)
	if m != nil {
		m.SetOutputs(func() []metrics.OutputCounters {
			var out []metrics.OutputCounters
			for _, s := range outs.Stats() {
				out = append(out, metrics.OutputCounters{Name: s.Name, Sent: s.Sent, Failed: s.Failed, Dropped: s.Dropped, Queued: s.Queued})
			}
			return out
		})
	}
	res, err := agent.Run(ctx, agent.Config{
		Containers: containers,
		Reload:     reloads,
		Metrics:    m,
		Pipeline:   pcfg,
		Syscalls:   sel.Selected,
		Seed:       seedFromProc,
		Unsupported: func(s event.SyscallSet) {
			log.Warn("the probe cannot capture these selected syscalls yet", "syscalls", strings.Join(selection.Names(s), ","))
		},
	})
	closeOutputs()
	if res == nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	fmt.Fprint(stderr, res.Stats.Summary())
	fmt.Fprint(stderr, res.Summary())
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
}

// containerManager connects the container runtimes the configuration
// enables; nil when none is reachable (container.* then stays missing,
// container.id still works).
func containerManager(cfg container.EngineConfig, log *slog.Logger) *container.Manager {
	rts, errs := runtimes.Open(cfg)
	for _, err := range errs {
		log.Warn("container runtime", "error", err)
	}
	if len(rts) == 0 {
		return nil
	}
	names := make([]string, len(rts))
	for i, rt := range rts {
		names[i] = rt.Name()
	}
	log.Info("container runtimes connected", "runtimes", strings.Join(names, ","))
	return container.NewManager(rts, container.ManagerOptions{Logger: log.With("component", "containers")})
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
