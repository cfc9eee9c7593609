package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/pipeline"
)

// newReplayCommand is `kestrel replay FILE`, the friendly form of
// -o engine.kind=replay -o engine.replay.capture_file=FILE.
func newReplayCommand(stdout, stderr io.Writer, opts *rootOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "replay FILE.scap",
		Short: "Run the rules over a capture file (Falco's or sysdig's .scap, plain or gzipped)",
		Long: `Run the rules (the embedded defaults, or -r files) over a capture file and
print alerts as the agent would, then a summary on stderr. Exits 0 at the end
of the capture, 1 if the file is missing or damaged (after the alerts of the
events before the damage).`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.overrides = append(opts.overrides, "engine.kind=replay", "engine.replay.capture_file="+args[0])
			return opts.run(stdout, stderr)
		},
	}
}

// alertFormat is the alert form the settings ask for.
func alertFormat(st *settings) pipeline.AlertFormat {
	return pipeline.AlertFormat{
		Alerts: alert.Options{
			TimeFormatISO8601:   st.outputs.TimeFormatISO8601,
			IncludeOutput:       st.outputs.IncludeOutput,
			IncludeOutputFields: st.outputs.IncludeOutputFields,
			IncludeTags:         st.outputs.IncludeTags,
			IncludeMessage:      st.outputs.IncludeMessage,
			Hostname:            alert.Hostname(),
		},
		JSON: st.engine.JSONOutput,
	}
}

// pipelineConfig is the pipeline's configuration from the settings.
func pipelineConfig(stdout io.Writer, st *settings, rs *engine.Ruleset) pipeline.Config {
	format := alertFormat(st)
	return pipeline.Config{
		Capture:  st.source.CaptureFile,
		Ruleset:  rs,
		Alerts:   format.Alerts,
		JSON:     format.JSON,
		Out:      stdout,
		Buffered: st.outputs.Buffered,
		Drops: pipeline.DropConfig{
			Threshold: st.drops.Threshold, Actions: st.drops.Actions, Rate: st.drops.Rate,
			MaxBurst: st.drops.MaxBurst, SimulateDrops: st.drops.SimulateDrops,
		},
	}
}

func runReplay(stdout, stderr io.Writer, st *settings, rs *engine.Ruleset) error {
	cfg := pipelineConfig(stdout, st, rs)
	outs, err := newLiveOutputs(stdout, st.dests, st.log)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	closeOutputs := withOutputs(&cfg, outs, stderr, st.log)
	stats, err := pipeline.RunCapture(cfg)
	closeOutputs()
	fmt.Fprint(stderr, stats.Summary())
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
}
