package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
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

// withOutputs routes the pipeline's alerts to the destinations, reopens
// files and restarts kept-alive programs on SIGUSR1 (log rotation), and
// returns the function that drains and closes them.
func withOutputs(cfg *pipeline.Config, outs *output.Outputs, jsonOut bool, stderr io.Writer, log *slog.Logger) func() {
	cfg.Emit = func(line string, pri priority.Priority, rule string) {
		outs.Emit(output.Message{Line: []byte(line), Priority: pri, Rule: rule, JSON: jsonOut})
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
