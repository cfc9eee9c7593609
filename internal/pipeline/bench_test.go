package pipeline

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kestrel-project/kestrel/internal/alert"
	"github.com/kestrel-project/kestrel/internal/engine"
)

// BenchmarkReplay replays run_as_user_0_container.scap (4143 events,
// decompressed beforehand so gzip is not timed) through Falco's stable
// rules and reports the cost per event read: reading, state, field
// extraction and rule evaluation.
func BenchmarkReplay(b *testing.B) {
	src := filepath.Join("..", "..", "..", "shared", "captures", "run_as_user_0_container.scap")
	rulesFile := filepath.Join("..", "..", "..", "shared", "falco-rules", "falco_rules.yaml")
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
	rs := ruleset(b, engine.MatchFirst, rulesFile)
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
