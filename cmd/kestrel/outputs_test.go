package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/config"
	"github.com/kestrel-project/kestrel/internal/output"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/testutil"
)

// A reload replaces the destinations: alerts before it reach the old
// set, alerts after it the new one, and the counters of an output kept
// across the swap (stdout here) go on from where they were. Destinations
// that cannot be set up leave the current ones in force.
func TestLiveOutputsReplace(t *testing.T) {
	var stdout testutil.Buffer
	log := slog.New(slog.DiscardHandler)
	outs, err := newLiveOutputs(&stdout, config.Destinations{Stdout: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	emit := func(line string) {
		outs.Emit(output.Message{Line: []byte(line), Priority: priority.Warning, Rule: "r"})
	}
	emit("one")
	emit("two")

	dir := t.TempDir()
	file := filepath.Join(dir, "alerts")
	withFile := config.Destinations{Stdout: true, File: config.FileDestination{Enabled: true, Filename: file}}
	if changed, err := outs.Replace(withFile, 5*time.Second); err != nil || !changed {
		t.Fatalf("replace: changed %v, %v", changed, err)
	}
	if changed, err := outs.Replace(withFile, 5*time.Second); err != nil || changed {
		t.Fatalf("the same destinations again: changed %v, %v", changed, err)
	}
	emit("three")

	broken := config.Destinations{File: config.FileDestination{Enabled: true, Filename: filepath.Join(dir, "no", "such", "dir", "alerts")}}
	if changed, err := outs.Replace(broken, 5*time.Second); err == nil || changed || !strings.Contains(err.Error(), "file_output") {
		t.Fatalf("a file output in a missing directory: changed %v, error %v", changed, err)
	}
	emit("four") // still to stdout and the file

	if err := outs.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != "one\ntwo\nthree\nfour\n" {
		t.Errorf("stdout got %q", got)
	}
	if b, _ := os.ReadFile(file); string(b) != "three\nfour\n" {
		t.Errorf("the file got %q", b)
	}
	want := []output.Stats{{Name: "stdout", Sent: 4}, {Name: "file", Sent: 2}}
	got := outs.Stats()
	if len(got) != len(want) {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stats %+v, want %+v", got[i], want[i])
		}
	}
}
