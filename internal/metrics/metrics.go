// Package metrics owns what Kestrel reports about itself to Prometheus and
// the web server that serves it: /metrics (Falco's metric names where a
// Falco metric exists: falcosecurity_scap_* for the driver's event and
// loss counters, falcosecurity_falco_rules_matches_total for rule
// matches) and the health endpoint orchestrators probe.
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DriverCounters are the driver's cumulative counters at one instant.
type DriverCounters struct {
	Events       uint64            // events written
	DropsBuffer  map[string]uint64 // ring full, by Falco's category name (clone_fork, execve...)
	DropsScratch uint64            // over the size limit or no scratch area
	DropsNoRing  uint64            // no ring buffer for the CPU
	PerCPU       []CPUCounters
	DecodeErrors uint64
}

// CPUCounters are one CPU's counters.
type CPUCounters struct {
	Events, Drops uint64
}

// Metrics is Kestrel's registry.
type Metrics struct {
	Registry *prometheus.Registry
	matches  *prometheus.CounterVec

	mu      sync.Mutex
	driver  func() (DriverCounters, error)
	outputs func() []OutputCounters
	rules   rulesMetrics
}

// New returns the registry with Kestrel's metrics and Go's process
// metrics.
func New(version string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), rules: newRulesMetrics()}
	m.matches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "falcosecurity_falco_rules_matches_total",
		Help: "Events that matched a rule.",
	}, []string{"rule_name", "priority", "source", "tags"})
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "falcosecurity_falco_version_info", Help: "Kestrel's version.",
		ConstLabels: prometheus.Labels{"version": version, "implementation": "kestrel"},
	})
	info.Set(1)
	started := time.Now()
	uptime := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "falcosecurity_falco_duration_sec",
		Help: "Seconds since Kestrel started."}, func() float64 { return time.Since(started).Seconds() })
	m.Registry.MustRegister(m.matches, info, driverCollector{m}, outputsCollector{m}, m.rules.loaded, m.rules.reloads, uptime,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return m
}

// RuleMatched counts one match; safe from any goroutine.
func (m *Metrics) RuleMatched(rule, priority, source string, tags []string) {
	m.matches.WithLabelValues(rule, priority, source, strings.Join(tags, ",")).Inc()
}

// SetDriver sets the function the driver's counters are read with at
// each scrape (nil: none yet).
func (m *Metrics) SetDriver(f func() (DriverCounters, error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.driver = f
}

type driverCollector struct{ m *Metrics }

var (
	descEvents  = prometheus.NewDesc("falcosecurity_scap_n_evts_total", "Events the driver saw, lost ones included.", nil, nil)
	descDrops   = prometheus.NewDesc("falcosecurity_scap_n_drops_total", "Events the driver lost.", nil, nil)
	descBuffer  = prometheus.NewDesc("falcosecurity_scap_n_drops_buffer_total", "Events lost because a ring buffer was full, by category.", []string{"category"}, nil)
	descScratch = prometheus.NewDesc("falcosecurity_scap_n_drops_scratch_map_total", "Events lost because they did not fit the scratch area.", nil, nil)
	descCPUEvts = prometheus.NewDesc("falcosecurity_scap_n_evts_cpu_total", "Events written, by CPU.", []string{"cpu"}, nil)
	descCPUDrop = prometheus.NewDesc("falcosecurity_scap_n_drops_cpu_total", "Events lost, by CPU.", []string{"cpu"}, nil)
	descDecode  = prometheus.NewDesc("kestrel_decode_errors_total", "Records from the driver that did not decode (skipped).", nil, nil)
	// descDropped puts every place an event can be lost under one name,
	// so one alert covers them all: the kernel's ring full, a record too
	// large for the scratch area, a CPU without a ring, and a record the
	// reader could not decode.
	descDropped = prometheus.NewDesc("kestrel_events_dropped_total", "Events lost, by reason (ring_buffer_full, too_large, no_ring_buffer, decode_error).", []string{"reason"}, nil)
)

func (c driverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEvents, descDrops, descBuffer, descScratch, descCPUEvts, descCPUDrop, descDecode, descDropped} {
		ch <- d
	}
}

func (c driverCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	f := c.m.driver
	c.m.mu.Unlock()
	if f == nil {
		return
	}
	d, err := f()
	if err != nil {
		return
	}
	var ringFull uint64
	for cat, n := range d.DropsBuffer {
		ringFull += n
		ch <- prometheus.MustNewConstMetric(descBuffer, prometheus.CounterValue, float64(n), cat)
	}
	// Falco counts a CPU without a ring among the scratch map's losses.
	drops := ringFull + d.DropsScratch + d.DropsNoRing
	ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(d.Events+drops))
	ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(drops))
	ch <- prometheus.MustNewConstMetric(descScratch, prometheus.CounterValue, float64(d.DropsScratch+d.DropsNoRing))
	ch <- prometheus.MustNewConstMetric(descDecode, prometheus.CounterValue, float64(d.DecodeErrors))
	for _, r := range []struct {
		reason string
		n      uint64
	}{{"ring_buffer_full", ringFull}, {"too_large", d.DropsScratch}, {"no_ring_buffer", d.DropsNoRing}, {"decode_error", d.DecodeErrors}} {
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(r.n), r.reason)
	}
	for i, cpu := range d.PerCPU {
		ch <- prometheus.MustNewConstMetric(descCPUEvts, prometheus.CounterValue, float64(cpu.Events), strconv.Itoa(i))
		ch <- prometheus.MustNewConstMetric(descCPUDrop, prometheus.CounterValue, float64(cpu.Drops), strconv.Itoa(i))
	}
}

// ServerConfig configures the web server.
type ServerConfig struct {
	Address string // host:port
	Healthz string // health endpoint path
	Metrics bool   // serve /metrics
	// Versions, when set, is served as JSON at /versions (Falco's
	// versions_info: the engine and component versions).
	Versions map[string]any
}

// Server is the running web server.
type Server struct {
	srv  *http.Server
	Addr net.Addr // the address it listens on (the port chosen for :0)
	done chan error
}

// Serve starts the web server; the listening socket is open when it
// returns, so a port already in use is an error here.
func Serve(cfg ServerConfig, m *Metrics) (*Server, error) {
	mux := http.NewServeMux()
	healthz := cfg.Healthz
	if healthz == "" {
		healthz = "/healthz"
	}
	mux.HandleFunc(healthz, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "ok"}`)
	})
	if cfg.Versions != nil {
		body, err := json.Marshal(cfg.Versions)
		if err != nil {
			return nil, fmt.Errorf("web server: /versions: %w", err)
		}
		mux.HandleFunc("/versions", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		})
	}
	if cfg.Metrics && m != nil {
		mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	}
	ln, err := net.Listen("tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("web server on %s: %w", cfg.Address, err)
	}
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, Addr: ln.Addr(), done: make(chan error, 1)}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
