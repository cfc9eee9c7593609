package event

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"testing"
)

// TestRenderFixtures loads every sysdig fixture (regenerating them with
// -render.update). Where sysdig is installed it also checks that the
// fixtures are what sysdig prints today.
func TestRenderFixtures(t *testing.T) {
	for _, c := range renderCaptures {
		for _, v := range renderVariants {
			if recs := loadFixture(t, c, v); len(recs) == 0 {
				t.Errorf("%s %s: empty fixture", c, v.name)
			}
		}
	}
	if *renderUpdate {
		return
	}
	if _, err := exec.LookPath("sysdig"); err != nil {
		t.Log("sysdig not installed: fixtures not re-checked")
		return
	}
	if testing.Short() {
		t.Skip("short mode: fixtures not re-checked against sysdig")
	}
	for _, c := range renderCaptures {
		for _, v := range renderVariants {
			live, err := runSysdig(c, v)
			if err != nil {
				t.Fatalf("sysdig on %s: %v", c, err)
			}
			raw, err := os.ReadFile(fixturePath(c, v))
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			stored, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(live, stored) {
				t.Errorf("%s: fixture differs from sysdig's output; regenerate with -render.update", fixturePath(c, v))
			}
		}
	}
}
