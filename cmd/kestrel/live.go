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
	"github.com/kestrel-project/kestrel/internal/config"
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.ctx = cmd.Context()
			return opts.run(stdout, stderr)
		},
	}
}

// reloaded is what a reload read: the rules and their syscall selection,
// and the settings, whose alert format, outputs and web server are put in
// force too.
type reloaded struct {
	ruleset  *engine.Ruleset
	syscalls selection.Result
	settings *settings
}

// runLive is the main job: the agent until a signal or -M seconds.
func runLive(ctx context.Context, stdout, stderr io.Writer, st *settings, rs *engine.Ruleset, sel selection.Result, duration time.Duration,
	reload func() (*reloaded, error), watch []string) error {
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, duration)
		defer stop()
	}
	log := st.log
	// The metrics are kept even while the web server is off, so that a
	// reload that turns it on serves counters from the start.
	m := metrics.New(Version)
	m.RulesInForce(len(rs.Rules()))
	web := &webServer{metrics: m, log: log}
	if err := web.apply(st.web); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer web.close()
	outs, err := newLiveOutputs(stdout, st.dests, log)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	pcfg := pipelineConfig(stdout, st, rs)
	closeOutputs := withOutputs(&pcfg, outs, stderr, log)
	m.SetOutputs(func() []metrics.OutputCounters {
		var out []metrics.OutputCounters
		for _, s := range outs.Stats() {
			out = append(out, metrics.OutputCounters{Name: s.Name, Sent: s.Sent, Failed: s.Failed, Dropped: s.Dropped, Queued: s.Queued})
		}
		return out
	})
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
	reloading.Go(func() {
		ctx := reloadCtx
		for {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				log.Info("rules or configuration files changed: reloading the rules")
			case <-hup:
			}
			r, err := reload()
			m.RulesReloaded(err == nil)
			if err != nil {
				log.Error("rules not reloaded, the previous ones stay in force", "error", err)
				continue
			}
			m.RulesInForce(len(r.ruleset.Rules()))
			applyDestinations(outs, web, r.settings, log)
			format := alertFormat(r.settings)
			select {
			case reloads <- agent.Rules{Ruleset: r.ruleset, Syscalls: r.syscalls.Selected, Format: &format}:
			case <-ctx.Done():
				return
			}
		}
	})
	stopReloading := func() {
		stopReloads()
		reloading.Wait()
	}
	defer stopReloading()
	containers := containerManager(st.engines, log)
	res, err := agent.Run(ctx, agent.Config{
		Containers: containers,
		Reload:     reloads,
		Metrics:    m,
		Pipeline:   pcfg,
		Syscalls:   sel.Selected,
		Seed:       seedFromProc,
		Ready: func() {
			log.Info("watching this host live", "probe", "eBPF", "syscalls", sel.Selected.Count())
		},
		Unsupported: func(s event.SyscallSet) {
			log.Warn("the probe cannot capture these selected syscalls yet", "syscalls", strings.Join(selection.Names(s), ","))
		},
	})
	stopReloading() // no reload may replace the outputs while they close
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

// applyDestinations puts a reloaded configuration's outputs and web server
// in force; what cannot be set up is logged and the previous one stays.
func applyDestinations(outs *liveOutputs, web *webServer, st *settings, log *slog.Logger) {
	if changed, err := outs.Replace(st.dests, 5*time.Second); err != nil {
		log.Error("outputs not changed, the previous ones stay in force", "error", err)
	} else if changed {
		log.Info("outputs changed", "outputs", strings.Join(outs.Names(), ","))
	}
	if err := web.apply(st.web); err != nil {
		log.Error("web server not changed", "error", err)
	}
}

// webServer runs the web server (health, versions, metrics) the
// configuration asks for; a reload that changes webserver replaces it.
type webServer struct {
	metrics *metrics.Metrics
	log     *slog.Logger
	cfg     config.Webserver
	applied bool
	srv     *metrics.Server
}

// apply serves cfg unless it is already in force. The old server stops
// first (the new one usually wants its port); when the new one cannot
// start, the old configuration is served again and the error returned.
func (w *webServer) apply(cfg config.Webserver) error {
	if w.applied && cfg == w.cfg {
		return nil
	}
	prev, hadPrev := w.cfg, w.applied
	w.close()
	err := w.serve(cfg)
	if err != nil && hadPrev {
		if perr := w.serve(prev); perr != nil {
			w.log.Error("the previous web server cannot start again", "error", perr)
		}
	}
	return err
}

func (w *webServer) serve(cfg config.Webserver) error {
	w.cfg, w.applied = cfg, true
	if !cfg.Enabled {
		return nil
	}
	srv, err := metrics.Serve(metrics.ServerConfig{
		Address:  net.JoinHostPort(cfg.ListenAddress, strconv.Itoa(cfg.ListenPort)),
		Healthz:  cfg.HealthzEndpoint,
		Metrics:  cfg.PrometheusMetrics && cfg.MetricsEnabled,
		Versions: versionsInfo(),
	}, w.metrics)
	if err != nil {
		return err
	}
	w.srv = srv
	what := "health at " + cfg.HealthzEndpoint + ", versions at /versions"
	if cfg.PrometheusMetrics && cfg.MetricsEnabled {
		what += ", Prometheus metrics at /metrics"
	}
	w.log.Info("web server listening", "address", srv.Addr.String(), "serving", what)
	return nil
}

func (w *webServer) close() {
	if w.srv != nil {
		if err := w.srv.Close(); err != nil {
			w.log.Warn("web server stopped with an error", "error", err)
		}
		w.srv = nil
	}
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
