package scap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/state"
)

// writeCapture writes what a reader returned: the snapshot's metadata,
// then every event with its CPU and flags.
func writeCapture(t testing.TB, path string, res readResult, opts WriterOptions) {
	t.Helper()
	w, err := Create(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSnapshot(&res.snap); err != nil {
		t.Fatal(err)
	}
	for _, e := range res.events {
		if err := w.WriteEvent(e.raw, e.cpu, e.flags); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func sameEvents(t testing.TB, got, want []ev) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].raw, want[i].raw) || got[i].cpu != want[i].cpu || got[i].flags != want[i].flags {
			t.Fatalf("event %d differs:\n got cpu %d flags %d %x\nwant cpu %d flags %d %x",
				i, got[i].cpu, got[i].flags, got[i].raw, want[i].cpu, want[i].flags, want[i].raw)
		}
	}
}

func sameSnapshot(t testing.TB, got, want Snapshot) {
	t.Helper()
	if !reflect.DeepEqual(got.Machine, want.Machine) {
		t.Errorf("machine %+v, want %+v", got.Machine, want.Machine)
	}
	if !reflect.DeepEqual(got.Users, want.Users) || !reflect.DeepEqual(got.Groups, want.Groups) {
		t.Errorf("users/groups differ")
	}
	if !reflect.DeepEqual(got.Interfaces, want.Interfaces) {
		t.Errorf("interfaces %+v, want %+v", got.Interfaces, want.Interfaces)
	}
	if len(got.Threads) != len(want.Threads) {
		t.Fatalf("%d threads, want %d", len(got.Threads), len(want.Threads))
	}
	for i := range want.Threads {
		if !reflect.DeepEqual(got.Threads[i], want.Threads[i]) {
			t.Errorf("thread %d:\n got %+v\nwant %+v", i, got.Threads[i], want.Threads[i])
		}
	}
}

// TestRoundTrip reads each capture, writes it in the current layout and
// reads that back: the same events byte for byte and the same metadata.
// Writing the result again gives the same bytes; and sysdig prints the
// same lines for the original and the copy.
func TestRoundTrip(t *testing.T) {
	dir := sharedDir(t)
	tmp := t.TempDir()
	for _, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			orig := filepath.Join(dir, c.file)
			want := readFile(t, orig)
			copy1 := filepath.Join(tmp, "1-"+c.file)
			writeCapture(t, copy1, want, WriterOptions{Gzip: c.gzip})
			got := readFile(t, copy1)
			if major, minor := mustVersion(t, copy1); major != 1 || minor != 2 {
				t.Errorf("written version %d.%d", major, minor)
			}
			sameEvents(t, got.events, want.events)
			sameSnapshot(t, got.snap, want.snap)
			if got.stats.OrphanFDs != 0 {
				t.Errorf("written file has %d orphan fds", got.stats.OrphanFDs)
			}

			copy2 := filepath.Join(tmp, "2-"+c.file)
			writeCapture(t, copy2, got, WriterOptions{})
			b1 := rawCapture(t, copy1)
			b2 := rawCapture(t, copy2)
			if !bytes.Equal(b1, b2) {
				t.Errorf("writing the copy again changed it (%d vs %d bytes)", len(b1), len(b2))
			}
			if c.minor == 2 {
				// Written by libscap's dumper in the current block layout:
				// our writer reproduces every block exactly, except where
				// the original's writer predates fields appended since:
				// process list entries without exe_from_memfd,
				// exe_lower_layer and pgid (all three files), regular
				// file fd entries without dev (single_ipv6_conn.scap).
				// The decoded values are equal (checked above).
				o := rawCapture(t, orig)
				bo, bc := scanBlocks(t, o), scanBlocks(t, b1)
				older := 0
				defer func() { t.Logf("%d of %d blocks identical to the original", len(bo)-1-older, len(bo)) }()
				if len(bo) != len(bc) {
					t.Fatalf("copy has %d blocks, the original %d", len(bc), len(bo))
				}
				for i := range bo {
					if bo[i].typ != bc[i].typ {
						t.Fatalf("block %d: %s in the copy, %s in the original", i, BlockName(bc[i].typ), BlockName(bo[i].typ))
					}
					if bo[i].typ == BlockPLV9 {
						continue
					}
					if bo[i].typ == BlockFDLV2 && bo[i].end-bo[i].off != bc[i].end-bc[i].off {
						older++
						continue
					}
					if x, y := o[bo[i].off:bo[i].end], b1[bc[i].off:bc[i].end]; !bytes.Equal(x, y) {
						t.Fatalf("block %d (%s at %d) differs at byte %d", i, BlockName(bo[i].typ), bo[i].off, firstDiff(x, y))
					}
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func mustVersion(t testing.TB, path string) (uint16, uint16) {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return r.Version()
}

// TestRoundTripSysdig compares what sysdig prints for each capture and for
// its copy written by Writer. For the version 1.0 captures the copy is
// version 1.2: sysdig upgrades the original's records itself and reads
// ours as they are, and must arrive at the same values.
func TestRoundTripSysdig(t *testing.T) {
	dir := sharedDir(t)
	sysdigPath(t)
	tmp := t.TempDir()
	const format = "*%evt.num %evt.type %evt.dir %proc.name %fd.name"
	for _, c := range captures {
		for _, legacy := range []bool{false, true} {
			name := c.file
			if legacy {
				name += "/legacy"
			}
			t.Run(name, func(t *testing.T) {
				orig := filepath.Join(dir, c.file)
				res := readFile(t, orig)
				copy1 := filepath.Join(tmp, strings.ReplaceAll(name, "/", "-"))
				writeCapture(t, copy1, res, WriterOptions{Gzip: c.gzip, LegacyLayout: legacy})
				want := runSysdig(t, orig, format)
				got := runSysdig(t, copy1, format)
				if len(got) != len(want) {
					t.Fatalf("sysdig printed %d lines for the copy, %d for the original", len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("line %d:\n copy %q\n orig %q", i, got[i], want[i])
					}
				}
				withFD := 0
				for _, l := range want {
					if !strings.HasSuffix(l, "<NA>") {
						withFD++
					}
				}
				t.Logf("%d lines identical, %d with an fd name", len(want), withFD)
			})
		}
	}
}

// TestLegacyLayoutLoginUID shows why LegacyLayout exists: sysdig 0.29.3
// predates the fields libs 0.10 inserted before loginuid, so it misreads
// loginuid in today's layout (as it does in captures Falco writes) and
// reads it right in the legacy one, which current readers still accept.
func TestLegacyLayoutLoginUID(t *testing.T) {
	dir := sharedDir(t)
	sysdigPath(t)
	res := readFile(t, filepath.Join(dir, "sample.scap"))
	tmp := t.TempDir()
	cur := filepath.Join(tmp, "current.scap")
	legacy := filepath.Join(tmp, "legacy.scap")
	writeCapture(t, cur, res, WriterOptions{})
	writeCapture(t, legacy, res, WriterOptions{LegacyLayout: true})

	const format = "*%thread.tid %user.loginuid"
	first := func(lines []string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, "2987 ") {
				return l
			}
		}
		return ""
	}
	if got := first(runSysdig(t, legacy, format)); got != "2987 1000" {
		t.Errorf("sysdig on the legacy layout: %q, want \"2987 1000\"", got)
	}
	if got := first(runSysdig(t, cur, format)); got == "2987 1000" {
		t.Logf("sysdig now reads loginuid of the current layout right: %q", got)
	}

	// Kestrel reads the legacy layout too: the fields it has keep their
	// values, the ones it lacks their defaults.
	back := readFile(t, legacy)
	sameEvents(t, back.events, res.events)
	for i, th := range back.snap.Threads {
		o := res.snap.Threads[i]
		if th.LoginUID != o.LoginUID || th.ExeWritable != o.ExeWritable || th.CapEffective != o.CapEffective ||
			th.CapPermitted != o.CapPermitted || th.CapInheritable != o.CapInheritable || th.Comm != o.Comm ||
			!slices.Equal(th.Args, o.Args) {
			t.Fatalf("thread %d: legacy layout lost a field:\n got %+v\nwant %+v", i, th, o)
		}
		if th.TTY != 0 || th.PidnsInitStartTs != 0 || th.ExeIno != 0 || th.Pgid != -1 {
			t.Fatalf("thread %d: legacy layout kept fields it cannot hold: %+v", i, th)
		}
	}
	if _, err := os.Stat(cur); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyLayoutFDTypes: sysdig 0.29.3 refuses a capture holding an fd
// type newer than SCAP_FD_FILE_V2 (bpf, userfaultfd, io_uring, memfd,
// pidfd), which current libscap writes; the legacy layout writes those as
// unsupported fds with their names.
func TestLegacyLayoutFDTypes(t *testing.T) {
	dir := sharedDir(t)
	sysdigPath(t)
	res := readFile(t, filepath.Join(dir, "sample.scap"))
	for i := range res.snap.Threads {
		th := &res.snap.Threads[i]
		if th.Tid == 2987 {
			th.FDs = append(slices.Clone(th.FDs), state.FDInfo{FD: 99, Type: state.FDMemfd, Name: "memfd:x"})
		}
	}
	tmp := t.TempDir()
	cur := filepath.Join(tmp, "current.scap")
	legacy := filepath.Join(tmp, "legacy.scap")
	writeCapture(t, cur, res, WriterOptions{})
	writeCapture(t, legacy, res, WriterOptions{LegacyLayout: true})
	out, err := exec.Command(sysdigPath(t), "-r", cur, "-p", "*%evt.num").CombinedOutput()
	if err == nil {
		t.Logf("sysdig now reads memfd fds: %d bytes of output", len(out))
	} else {
		t.Logf("sysdig on the current layout with a memfd: %v: %s", err, bytes.TrimSpace(out))
	}
	if n := len(runSysdig(t, legacy, "*%evt.num")); n != 402 {
		t.Errorf("sysdig printed %d lines for the legacy copy, want 402", n)
	}
}
