package probe

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	p := needProbe(t, Options{RingBytes: 16 << 20})
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

func TestExecve(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 16 << 20})
	if _, err := p.SetSyscalls(syscallsNamed(t, "execve", "execveat")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "exit 0", "kestrel-arg")
	cmd.Env = []string{"KESTREL_PROBE_TEST=execve", "PATH=/usr/bin:/bin"}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	// a failing execve
	fail := exec.Command("/nonexistent/kestrel-missing-binary")
	_ = fail.Run()
	// nobody may not write /usr/bin/true
	nobody := exec.Command("/bin/true")
	nobody.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := nobody.Run(); err != nil {
		t.Fatal(err)
	}
	pid := int64(cmd.Process.Pid)
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool {
		return r.Type() == event.ExecveX19
	})
	var ok, failed, sawNobody bool
	for _, r := range recs {
		info := event.Lookup(r.Type())
		vals := map[string][]byte{}
		for i, prm := range info.Params {
			if i < r.NParams() {
				vals[prm.Name] = r.Param(i)
			}
		}
		res := event.Int(event.PTErrno, vals["res"])
		if res != 0 {
			if event.CString(vals["filename"]) == "/nonexistent/kestrel-missing-binary" {
				failed = true
				if res != -2 {
					t.Errorf("failed execve res %d, want -ENOENT", res)
				}
			}
			continue
		}
		if event.Int(event.PTPID, vals["tid"]) == int64(nobody.Process.Pid) {
			sawNobody = true
			if f := event.U32(vals["flags"]); f&1 != 0 || event.U32(vals["uid"]) != 65534 {
				t.Errorf("nobody's execve: flags %#x uid %d", f, event.U32(vals["uid"]))
			}
			continue
		}
		if event.Int(event.PTPID, vals["tid"]) != pid {
			continue
		}
		ok = true
		if r.NParams() != len(info.Params) {
			t.Errorf("execve exit has %d params, want %d", r.NParams(), len(info.Params))
		}
		checks := map[string]string{
			"exe":             "/bin/sh",
			"comm":            "sh",
			"trusted_exepath": "/usr/bin/dash",
			"filename":        "/bin/sh",
		}
		for k, want := range checks {
			if got := event.CString(vals[k]); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if got := event.StringArray(vals["args"]); len(got) != 3 || got[0] != "-c" || got[2] != "kestrel-arg" {
			t.Errorf("args = %q", got)
		}
		if env := event.StringArray(vals["env"]); len(env) != 2 || env[0] != "KESTREL_PROBE_TEST=execve" {
			t.Errorf("env = %q", env)
		}
		if got := event.Int(event.PTPID, vals["pid"]); got != pid {
			t.Errorf("pid %d", got)
		}
		if got := event.Int(event.PTPID, vals["ptid"]); got != int64(os.Getpid()) {
			// the test's thread that forked: some thread of this process
			if b, err := os.ReadFile("/proc/self/task/" + itoa(got) + "/stat"); err != nil || len(b) == 0 {
				t.Errorf("ptid %d is not a thread of the test (pid %d)", got, os.Getpid())
			}
		}
		cg := event.StringArray(vals["cgroups"])
		if len(cg) == 0 || !strings.Contains(cg[0], "=/") {
			t.Errorf("cgroups = %q", cg)
		}
		if uid := event.U32(vals["uid"]); uid != uint32(os.Geteuid()) {
			t.Errorf("uid %d", uid)
		}
		if lu := event.U32(vals["loginuid"]); lu == 0 && false {
			t.Errorf("loginuid %d", lu)
		}
		if ino := event.U64(vals["exe_ino"]); ino == 0 {
			t.Error("exe_ino 0")
		}
		if fd := event.U64(vals["fdlimit"]); fd == 0 {
			t.Error("fdlimit 0")
		}
		if caps := event.U64(vals["cap_effective"]); os.Geteuid() == 0 && caps == 0 {
			t.Error("root without effective capabilities")
		}
		// root may write /usr/bin/dash (owner root, mode 0755)
		if f := event.U32(vals["flags"]); os.Geteuid() == 0 && f&1 == 0 {
			t.Errorf("flags %#x: root's executable not writable", f)
		}
	}
	if !sawNobody {
		t.Error("no execve of nobody's /bin/true")
	}
	if !ok || !failed {
		t.Fatalf("successful execve seen %v, failed one seen %v, among %d execve records", ok, failed, len(recs))
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// The shell forks a child for the command: the clone exit is seen in the
// parent (res = the child's tid) and in the child (res = 0), with the
// task's ids and the fork's flags.
func TestClone(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 16 << 20})
	if _, err := p.SetSyscalls(syscallsNamed(t, "clone", "clone3", "fork", "vfork")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "/bin/true; exit 0")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	sh := int64(cmd.Process.Pid)
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool {
		switch r.Type() {
		case event.CloneX20, event.Clone3X, event.ForkX20, event.VforkX20:
			return true
		}
		return false
	})
	var parent, child *event.Record
	var childTid int64
	for _, r := range recs {
		res := event.Int(event.PTErrno, r.Param(0))
		if r.Tid() == sh && res > 0 {
			parent, childTid = r, res
		}
	}
	if parent == nil {
		t.Fatalf("no clone exit in the shell (pid %d) among %d clone records", sh, len(recs))
	}
	for _, r := range recs {
		if r.Tid() == childTid && event.Int(event.PTErrno, r.Param(0)) == 0 {
			child = r
		}
	}
	if child == nil {
		t.Fatalf("no clone exit in the child %d", childTid)
	}
	info := event.Lookup(parent.Type())
	get := func(r *event.Record, name string) []byte {
		for i, prm := range info.Params {
			if prm.Name == name && i < r.NParams() {
				return r.Param(i)
			}
		}
		t.Fatalf("%s has no %s", info.Name, name)
		return nil
	}
	if parent.NParams() != len(info.Params) {
		t.Errorf("%d params, want %d", parent.NParams(), len(info.Params))
	}
	if got := event.CString(get(parent, "exe")); got != "/bin/sh" {
		t.Errorf("exe %q", got)
	}
	if got := event.CString(get(parent, "comm")); got != "sh" {
		t.Errorf("comm %q", got)
	}
	if got := event.Int(event.PTPID, get(child, "ptid")); got != sh {
		t.Errorf("child's ptid %d, want the shell %d", got, sh)
	}
	if got := event.Int(event.PTPID, get(child, "pid")); got != childTid {
		t.Errorf("child's pid %d, want %d", got, childTid)
	}
	if got := event.Int(event.PTPID, get(child, "vpid")); got != childTid {
		t.Errorf("child's vpid %d, want %d (no pid namespace)", got, childTid)
	}
	if f := event.U32(get(parent, "flags")); f&0x2000 != 0 { // CLONE_THREAD
		t.Errorf("a fork with CLONE_THREAD: %#x", f)
	}
	if cg := event.StringArray(get(child, "cgroups")); len(cg) == 0 {
		t.Error("no cgroups")
	}
}
