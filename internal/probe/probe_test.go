package probe

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/event"
)

// needProbe loads the probe or skips (fails under
// KESTREL_REQUIRE_PRIVILEGED) when this machine cannot run it.
func needProbe(t *testing.T, opts Options) *Probe {
	t.Helper()
	p, err := Load(opts)
	if err != nil {
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatalf("loading the probe: %v", err)
		}
		t.Skipf("probe unavailable: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func syscallsNamed(t *testing.T, names ...string) event.SyscallSet {
	t.Helper()
	var s event.SyscallSet
	for _, n := range names {
		c, ok := event.SyscallByName(n)
		if !ok {
			t.Fatalf("no syscall %s", n)
		}
		s.Add(c)
	}
	return s
}

// collect reads records until stop returns true for one of them or the
// deadline passes.
func collect(t *testing.T, p *Probe, d time.Duration, keep func(*event.Record) bool) []*event.Record {
	t.Helper()
	var out []*event.Record
	done := time.AfterFunc(d, p.Stop)
	defer done.Stop()
	for {
		raw, _, err := p.Next()
		if err == ErrClosed {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var r event.Record
		if err := r.Parse(append([]byte(nil), raw...)); err != nil {
			t.Fatalf("undecodable record: %v (%x)", err, raw)
		}
		if keep(&r) {
			out = append(out, &r)
		}
	}
}

func TestOpenatAndClose(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 1 << 20})
	if unsupported, err := p.SetSyscalls(syscallsNamed(t, "openat", "close")); err != nil || !unsupported.IsEmpty() {
		t.Fatalf("SetSyscalls: %v, unsupported %v", err, unsupported)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "probe-openat-test")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/cat", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := int64(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return r.Tid() == pid })
	var opened, closed bool
	for _, r := range recs {
		switch r.Type() {
		case event.OpenatX2:
			name := event.CString(r.Param(2))
			if name != path {
				continue
			}
			opened = true
			fd := event.Int(event.PTFD, r.Param(0))
			if fd < 3 {
				t.Errorf("openat fd %d", fd)
			}
			if d := event.Int(event.PTFD, r.Param(1)); d != -100 {
				t.Errorf("dirfd %d, want AT_FDCWD (-100)", d)
			}
			if f := event.U32(r.Param(3)); f&3 != 1 { // PPM_O_RDONLY
				t.Errorf("flags %#x lack O_RDONLY", f)
			}
			st, _ := os.Stat(path)
			_ = st
			if ino := event.U64(r.Param(6)); ino == 0 {
				t.Error("ino 0")
			}
			if ts := time.Unix(0, int64(r.Ts())); ts.Before(start.Add(-time.Minute)) || ts.After(time.Now()) {
				t.Errorf("timestamp %v is not now", ts)
			}
		case event.CloseX:
			closed = true
		}
	}
	if !opened || !closed {
		t.Fatalf("openat of %s seen %v, close seen %v, in %d records of pid %d", path, opened, closed, len(recs), pid)
	}
	c, err := p.Counters()
	if err != nil || c.Events == 0 {
		t.Errorf("counters %+v, %v", c, err)
	}
}
