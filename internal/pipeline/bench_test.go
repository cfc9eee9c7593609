package pipeline

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/rules/defaults"
)

// BenchmarkReplay replays run_as_user_0_container.scap (4143 events,
// decompressed beforehand so gzip is not timed) through Falco's stable
// rules, and through Kestrel's default rules, and reports the cost per
// event read: reading, state, field extraction and rule evaluation.
func BenchmarkReplay(b *testing.B) {
	b.Run("falco-stable", func(b *testing.B) {
		benchmarkReplay(b, ruleset(b, engine.MatchFirst, filepath.Join("..", "..", "..", "shared", "falco-rules", "falco_rules.yaml")))
	})
	b.Run("kestrel-defaults", func(b *testing.B) {
		var contents []string
		for _, f := range defaults.Files() {
			contents = append(contents, string(f.Content))
		}
		benchmarkReplay(b, ruleset(b, engine.MatchFirst, contents...))
	})
}

func benchmarkReplay(b *testing.B, rs *engine.Ruleset) {
	src := filepath.Join("..", "..", "..", "shared", "captures", "run_as_user_0_container.scap")
	f, err := os.Open(src)
	if err != nil {
		b.Skip("../shared not present")
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	plain := filepath.Join(b.TempDir(), "plain.scap")
	out, err := os.Create(plain)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, gz); err != nil {
		b.Fatal(err)
	}
	out.Close()
	cfg := Config{Capture: plain, Ruleset: rs, Out: io.Discard, Alerts: alert.Options{Hostname: "bench"}}
	var events uint64
	b.ResetTimer()
	for b.Loop() {
		st, err := RunCapture(cfg)
		if err != nil {
			b.Fatal(err)
		}
		events += st.Events
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}
