package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kestrel-project/kestrel/internal/agent"
	"github.com/kestrel-project/kestrel/internal/config"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/probe"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
	"github.com/kestrel-project/kestrel/internal/selection"
	"github.com/kestrel-project/kestrel/internal/sources"
)

// newCaptureCommand is `kestrel capture -w FILE [--duration D] [filter]`.
func newCaptureCommand(stdout, stderr io.Writer) *cobra.Command {
	var path string
	var duration time.Duration
	var compat bool
	cmd := &cobra.Command{
		Use:   "capture -w FILE.scap [--duration D] [filter]",
		Short: "Record live events to a capture file (replay it with kestrel replay or sysdig -r)",
		Long: `Record this host's events through the eBPF probe into a capture file, until
SIGINT or SIGTERM or the duration passes: first the running processes,
their files and the users, then every syscall the probe captures, or only
the events a filter (Falco's condition syntax) matches. Containers met are
looked up in the runtimes and written as Falco's container events, so the
replay knows their names, images and labels. A name ending in .gz
is compressed. --sysdig-compat writes the process list in the older layout
Debian's sysdig 0.29 reads.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if path == "" {
				return &exitError{code: 1, msg: "capture needs -w FILE"}
			}
			// capture takes no configuration: warnings and errors on stderr.
			log, closeLog := newLogger(config.Logging{Level: slog.LevelWarn, Stderr: true}, stderr)
			defer closeLog()
			cfg := agent.CaptureConfig{Path: path, SysdigCompat: compat, Seed: seedFromProc,
				Containers: containerManager(container.DefaultEngineConfig(), log),
				Syscalls:   selection.StateSet().Union(probe.SupportedSyscalls()),
				Unsupported: func(s event.SyscallSet) {
					log.Warn("the probe cannot capture these syscalls yet", "syscalls", strings.Join(selection.Names(s), ","))
				}}
			if len(args) > 0 {
				text := strings.Join(args, " ")
				expr, err := lang.Parse(text)
				if err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("filter %q: %v", text, err)}
				}
				src := sources.Syscall(nil, nil)
				comp := engine.NewCompiler(src.Fields, src.Binder, src.EventTypes)
				cond, _, err := comp.Compile(expr)
				if err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("filter %q: %v", text, err)}
				}
				cfg.Filter, cfg.Compiler = cond, comp
			}
			ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			if duration > 0 {
				var stop context.CancelFunc
				ctx, stop = context.WithTimeout(ctx, duration)
				defer stop()
			}
			res, err := agent.Capture(ctx, cfg)
			if res != nil {
				fmt.Fprintf(stderr, "Captured %d events to %s (%d more for the state only; %d seen, %d lost in the kernel)\n",
					res.Written, path, res.StateOnly, res.Events, res.Counters.Drops())
			}
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "write", "w", "", "capture file to write")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after this long (for example 10s; 0: until SIGINT or SIGTERM)")
	cmd.Flags().BoolVar(&compat, "sysdig-compat", false, "write the layout sysdig 0.29 reads")
	return cmd
}
