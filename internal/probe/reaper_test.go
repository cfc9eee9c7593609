package probe

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/event"
)

// procexit reports the thread that adopts the exiting task's children, as
// the kernel picks it: here a process that made itself a child subreaper
// runs `sh -c 'sleep 1 & exit'`; when sh exits, its orphaned sleep goes to
// the subreaper, not to init, and the record says so. sleep's own exit
// (no children) reports 0.
func TestProcexitReaper(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(`package main

import (
	"fmt"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		panic(err)
	}
	sh := exec.Command("/bin/sh", "-c", "/bin/sleep 0.4 & exit 0")
	if err := sh.Run(); err != nil {
		panic(err)
	}
	fmt.Println(sh.Process.Pid)
	time.Sleep(time.Second)
	var ws unix.WaitStatus
	unix.Wait4(-1, &ws, 0, nil)
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "subreaper")
	build := exec.Command("go", "build", "-o", bin, src)
	build.Dir = "." // inside the module, for golang.org/x/sys
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the subreaper: %v\n%s", err, out)
	}
	p := needProbe(t, Options{RingBytes: 1 << 20})
	cmd := exec.Command(bin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("subreaper: %v", err)
	}
	shPid, _ := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	reaper := int64(cmd.Process.Pid)
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return r.Type() == event.ProcexitE1 })
	found := false
	for _, r := range recs {
		if r.Tid() != shPid {
			continue
		}
		found = true
		if got := event.Int(event.PTPID, r.Param(4)); got != reaper {
			t.Errorf("sh's procexit reaper_tid = %d, want the subreaper %d", got, reaper)
		}
	}
	if !found {
		t.Fatalf("no procexit for sh (%d)", shPid)
	}
}
