package scap

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

// The real captures under ../shared/captures (see its README).
type capture struct {
	file  string
	gzip  bool
	minor uint16
	// blocks is the number of event blocks in the file; shown is the
	// README's count, which is what sysdig prints (see sysdigShows).
	blocks, shown int
	comms         []string // comm names the process list must hold
}

var captures = []capture{
	{file: "sample.scap", minor: 2, blocks: 572, shown: 402, comms: []string{"sysdig", "containerd", "multipathd", "systemd-journal"}},
	{file: "curl_google.scap", gzip: true, minor: 0, blocks: 1536, shown: 1221, comms: []string{"systemd", "sshd", "bash"}},
	{file: "single_ipv6_conn.scap", gzip: true, minor: 2, blocks: 1728, shown: 28, comms: []string{"systemd"}},
	{file: "test_ipv6_client.scap", gzip: true, minor: 0, blocks: 326, shown: 68, comms: []string{"systemd"}},
	{file: "run_as_user_0_container.scap", gzip: true, minor: 2, blocks: 4143, shown: 3796, comms: []string{"systemd", "dockerd", "sshd"}},
}

// sharedDir returns the shared captures directory, skipping the test when
// it is absent unless KESTREL_REQUIRE_SHARED is set.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "captures")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			t.Fatalf("shared captures missing (%v) and KESTREL_REQUIRE_SHARED is set", err)
		}
		t.Skipf("shared captures not present: %v", err)
	}
	return dir
}

// sysdigPath returns sysdig's path, skipping when it is not installed
// unless KESTREL_REQUIRE_SYSDIG is set.
func sysdigPath(t testing.TB) string {
	t.Helper()
	const p = "/usr/bin/sysdig"
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SYSDIG") != "" {
			t.Fatalf("sysdig missing (%v) and KESTREL_REQUIRE_SYSDIG is set", err)
		}
		t.Skipf("sysdig not installed: %v", err)
	}
	return p
}

func runSysdig(t testing.TB, file, format string) []string {
	t.Helper()
	cmd := exec.Command(sysdigPath(t), "-r", file, "-p", format)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sysdig -r %s: %v\n%s", file, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// rawCapture returns the uncompressed bytes of a capture.
func rawCapture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// ev is a copied event item.
type ev struct {
	off   int64
	block uint32
	raw   []byte
	cpu   uint16
	flags uint32
}

// readResult is everything a reader returned.
type readResult struct {
	items  []Item // metadata items; event items with Event cleared
	events []ev
	snap   Snapshot
	stats  Stats
	err    error // the final error (io.EOF for a clean end)
}

func readAll(r *Reader) readResult {
	var res readResult
	for {
		it, err := r.Next()
		if err != nil {
			res.err = err
			break
		}
		if it.Kind == KindEvent {
			res.events = append(res.events, ev{off: it.Offset, block: it.Block,
				raw: bytes.Clone(it.Event.Raw()), cpu: it.CPU, flags: it.Flags})
			it.Event = nil
		}
		res.items = append(res.items, it)
	}
	res.snap = *r.Snapshot()
	res.stats = r.Stats()
	return res
}

func readFile(t testing.TB, path string) readResult {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	res := readAll(r)
	if res.err != io.EOF {
		t.Fatalf("read %s: %v", path, res.err)
	}
	return res
}

// sysdigShows reports whether sysdig 0.29.3 prints an event of this code:
// its libraries (March 2022) know codes below 336 only and skip the others
// without counting them; of those it reads, it counts every event in
// evt.num but does not print internal events (procinfo, scapevent) or the
// container metadata events it consumes.
func sysdigShows(code uint16) bool {
	if code >= sysdigMaxCode {
		return false
	}
	if event.Lookup(code).Category&event.CategoryInternal != 0 {
		return false
	}
	return code != event.ContainerJsonE && code != event.ContainerJsonE2
}

// sysdigMaxCode is PPM_EVENT_MAX of the libraries Debian's sysdig 0.29.3
// is built on (falcosecurity-libs 0.1.1dev+git20220316.e5c53d64).
const sysdigMaxCode = 336

func asFormatError(t testing.TB, err error) *FormatError {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FormatError", err, err)
	}
	return fe
}
