package probe

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/procfs"
	"github.com/kestrel-project/kestrel/internal/state"
	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// The test binary runs itself as a helper process when helperEnv names a
// helper (the tests need processes that are child subreapers, or that
// end one of their threads, and the test process must stay neither).
const helperEnv = "KESTREL_PROBE_HELPER"

func init() {
	if os.Getenv(helperEnv) != "" {
		// main keeps the main thread (the group leader): the helper's other
		// goroutines run on other threads.
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "subreaper":
		os.Exit(helperSubreaper())
	case "thread-exit":
		os.Exit(helperThreadExit())
	case "group-exit":
		os.Exit(helperGroupExit())
	case "subreaper-of-group-exit":
		os.Exit(helperSubreaperOfGroupExit())
	}
	fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
	os.Exit(2)
}

// helperSubreaper makes itself a child subreaper, says "ready" and waits
// for a line on stdin; then it runs sh, which starts sleep in the
// background and exits, so that the kernel gives sleep to this process.
// It prints "<sh's pid> <sleep's pid> <sleep's parent after sh exited>"
// and reaps sleep.
func helperSubreaper() int {
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	sh := exec.Command("/bin/sh", "-c", "/bin/sleep 30 >/dev/null 2>&1 </dev/null & echo $!")
	out, err := sh.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sh:", err)
		return 3
	}
	grand, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	fmt.Println(sh.Process.Pid, grand, parentOf(grand))
	return reapOrphan(grand)
}

// becomeSubreaper makes the helper a child subreaper, says "ready" and
// waits for the test's line on stdin.
func becomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl: %w", err)
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	return nil
}

// reapOrphan kills and reaps an orphan the subreaper adopted, once its
// parent was read while it surely lived; it returns the helper's exit code.
func reapOrphan(pid int) int {
	unix.Kill(pid, unix.SIGKILL)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		fmt.Fprintln(os.Stderr, "wait4:", err)
		return 3
	}
	return 0
}

// helperThreadExit ends a thread (not the main one) that started a child
// process: the child stays with the thread's process. It prints "<thread's
// tid> <child's pid> <child's parent after the thread exited>".
func helperThreadExit() int {
	type started struct {
		tid int
		cmd *exec.Cmd
		err error
	}
	ch := make(chan started)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		cmd := exec.Command("/bin/sleep", "30")
		err := cmd.Start() // forked by this thread: the child is this thread's
		ch <- started{unix.Gettid(), cmd, err}
	}()
	s := <-ch
	if s.err != nil {
		fmt.Fprintln(os.Stderr, "sleep:", s.err)
		return 3
	}
	if s.tid == os.Getpid() {
		fmt.Fprintln(os.Stderr, "the goroutine ran on the main thread")
		return 3
	}
	task := fmt.Sprintf("/proc/self/task/%d", s.tid)
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(task); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(task); err == nil {
		fmt.Fprintln(os.Stderr, "the thread did not end")
		return 3
	}
	fmt.Println(s.tid, s.cmd.Process.Pid, parentOf(s.cmd.Process.Pid))
	s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	return 0
}

// helperGroupExit starts a child (sleep) from a thread that is not the
// main one, prints "<thread's tid> <child's pid>" and, from that thread,
// ends the whole process with exit_group while the main thread sleeps.
func helperGroupExit() int {
	go func() {
		runtime.LockOSThread() // never unlocked: the process ends on this thread
		cmd := exec.Command("/bin/sleep", "30")
		if err := cmd.Start(); err != nil { // forked by this thread: the child is this thread's
			fmt.Fprintln(os.Stderr, "sleep:", err)
			unix.Exit(3)
		}
		if unix.Gettid() == os.Getpid() {
			fmt.Fprintln(os.Stderr, "the goroutine ran on the main thread")
			unix.Exit(3)
		}
		fmt.Println(unix.Gettid(), cmd.Process.Pid)
		unix.Exit(0) // exit_group, from this thread
	}()
	select {}
}

// helperSubreaperOfGroupExit makes itself a child subreaper, says
// "ready", waits for a line on stdin, then runs the group-exit helper. It
// prints "<helper's pid> <helper's thread> <sleep's pid> <sleep's parent
// after the helper ended>" and reaps sleep.
func helperSubreaperOfGroupExit() int {
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), helperEnv+"=group-exit")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "group-exit helper:", err)
		return 3
	}
	got, err := ints(string(out), 2)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Println(cmd.Process.Pid, got[0], got[1], parentOf(int(got[1])))
	return reapOrphan(int(got[1]))
}

// parentOf reads a process's parent (PPid) from /proc: the kernel's
// choice of reaper once its parent exited.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return -1
}

// ints parses a helper's report of n numbers.
func ints(s string, n int) ([]int64, error) {
	f := strings.Fields(s)
	if len(f) != n {
		return nil, fmt.Errorf("helper output %q: want %d numbers", s, n)
	}
	out := make([]int64, n)
	for i, w := range f {
		v, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("helper output %q: %v", s, err)
		}
		out[i] = v
	}
	return out, nil
}

func mustInts(t *testing.T, s string, n int) []int64 {
	t.Helper()
	v, err := ints(s, n)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// subreaper starts a child-subreaper helper (helper: "subreaper" or
// "subreaper-of-group-exit"); run lets it go on and returns its report
// of n numbers.
func subreaper(t *testing.T, helper string, n int) (pid int64, run func() ([]int64, error)) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), helperEnv+"="+helper)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewReader(stdout)
	if l, err := lines.ReadString('\n'); err != nil || l != "ready\n" {
		t.Fatalf("subreaper helper: %q %v", l, err)
	}
	return int64(cmd.Process.Pid), func() ([]int64, error) {
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			return nil, err
		}
		l, err := lines.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("subreaper helper: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			return nil, fmt.Errorf("subreaper helper: %v", err)
		}
		return ints(l, n)
	}
}

// procexits collects the procexit records of the given tids.
func procexits(t *testing.T, p *Probe, tids ...int64) map[int64]*event.Record {
	t.Helper()
	want := map[int64]bool{}
	for _, tid := range tids {
		want[tid] = true
	}
	out := map[int64]*event.Record{}
	for _, r := range collect(t, p, 2*time.Second, func(r *event.Record) bool {
		return r.Type() == event.ProcexitE1 && want[r.Tid()]
	}) {
		out[r.Tid()] = r
	}
	for _, tid := range tids {
		if out[tid] == nil {
			t.Fatalf("no procexit for %d", tid)
		}
	}
	return out
}

func reaperOf(r *event.Record) int64 { return event.Int(event.PTPID, r.Param(4)) }

// A child subreaper's child (sh) exits leaving its own child (sleep):
// the kernel gives sleep to the subreaper (the nearest child-subreaper
// ancestor), and sh's procexit says so. sleep's exit (no children)
// reports 0, as Falco's drivers do.
func TestProcexitReaper(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 16 << 20})
	reaper, run := subreaper(t, "subreaper", 3)
	got, err := run()
	if err != nil {
		t.Fatal(err)
	}
	sh, sleep, kernel := got[0], got[1], got[2]
	if kernel != reaper {
		t.Fatalf("the kernel gave sleep to %d, not to the subreaper %d", kernel, reaper)
	}
	recs := procexits(t, p, sh, sleep)
	if r := reaperOf(recs[sh]); r != reaper {
		t.Errorf("sh's procexit reaper_tid = %d, want the subreaper %d", r, reaper)
	}
	if r := reaperOf(recs[sleep]); r != 0 {
		t.Errorf("sleep's procexit reaper_tid = %d, want 0 (it has no children)", r)
	}
}

// A thread that started a child exits while its process lives: the child
// goes to another thread of the process, the first alive one in the
// kernel's order (the main thread here), and the procexit says so.
func TestProcexitReaperThread(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 16 << 20})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), helperEnv+"=thread-exit")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("thread-exit helper: %v", err)
	}
	got := mustInts(t, string(out), 3)
	tid, child, kernel := got[0], got[1], got[2]
	pid := int64(cmd.Process.Pid)
	if kernel != pid {
		t.Fatalf("the kernel gave the child to %d, not to the thread's process %d", kernel, pid)
	}
	r := reaperOf(procexits(t, p, tid)[tid])
	if r != pid {
		t.Errorf("thread %d's procexit reaper_tid = %d, want the main thread %d", tid, r, pid)
	}
	t.Logf("thread %d of %d exited, its child %d went to thread %d", tid, pid, child, r)
}

// A process ends with exit_group called by the thread that started its
// child: the kernel gives the child to the process's reaper (a child
// subreaper here), and the thread's procexit names that reaper, not a
// sibling thread that is itself about to exit.
func TestProcexitReaperGroupExit(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 16 << 20})
	reaper, run := subreaper(t, "subreaper-of-group-exit", 4)
	got, err := run()
	if err != nil {
		t.Fatal(err)
	}
	pid, tid, child, kernel := got[0], got[1], got[2], got[3]
	if kernel != reaper {
		t.Fatalf("the kernel gave the child to %d, not to the subreaper %d", kernel, reaper)
	}
	if r := reaperOf(procexits(t, p, tid)[tid]); r != reaper {
		t.Errorf("thread %d of %d exited the group with child %d: procexit reaper_tid = %d, want the subreaper %d", tid, pid, child, r, reaper)
	}
}

// Without a child subreaper between them, an orphan goes to its pid
// namespace's init: sh (this test's child) exits leaving sleep, and the
// procexit names the thread the kernel actually gave sleep to (pid 1
// unless this test runs under a child subreaper: the kernel's choice
// is read from sleep's PPid).
func TestProcexitReaperInit(t *testing.T) {
	p := needProbe(t, Options{RingBytes: 16 << 20})
	sh := exec.Command("/bin/sh", "-c", "/bin/sleep 30 >/dev/null 2>&1 </dev/null & echo $!")
	out, err := sh.Output()
	if err != nil {
		t.Fatal(err)
	}
	sleep := mustInts(t, string(out), 1)[0]
	kernel := int64(parentOf(int(sleep)))
	unix.Kill(int(sleep), unix.SIGKILL)
	shPid := int64(sh.Process.Pid)
	r := reaperOf(procexits(t, p, shPid)[shPid])
	if r != kernel {
		t.Errorf("sh's procexit reaper_tid = %d, the kernel gave sleep to %d", r, kernel)
	}
	t.Logf("sh's orphan went to %d", r)
}

// In a new pid namespace, an orphan goes to the namespace's init, whose
// host tid the procexit reports, whatever the subreapers outside.
func TestProcexitReaperPidns(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	p := needProbe(t, Options{RingBytes: 16 << 20})
	// /proc is the host's (no --mount-proc): /proc/self/stat, read by
	// the shell itself, gives its host pid.
	script := `read h _ </proc/self/stat; echo $h
/bin/sh -c 'read m _ </proc/self/stat; /bin/sleep 1 >/dev/null & echo $m'
/bin/sleep 0.2`
	out, err := exec.Command("unshare", "--pid", "--fork", "/bin/sh", "-c", script).Output()
	if err != nil {
		t.Fatalf("unshare: %v", err)
	}
	got := mustInts(t, string(out), 2)
	nsInit, mid := got[0], got[1]
	r := reaperOf(procexits(t, p, mid)[mid])
	if r != nsInit {
		t.Errorf("procexit reaper_tid = %d, want the namespace's init %d (host tid)", r, nsInit)
	}
}

// liveState seeds an inspector from /proc and feeds it the probe's
// process records (clone, execve, procexit) while work runs, calling
// each for every event; it stops 500 ms after work returns.
func liveState(t *testing.T, work func(), each func(*inspect.Inspector, *inspect.Event)) {
	t.Helper()
	snap, err := procfs.Scan(procfs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := inspect.New(state.Options{}, "")
	in.Seed(snap.Threads, snap.Users, snap.Groups)
	p := needProbe(t, Options{RingBytes: 16 << 20})
	var set event.SyscallSet
	for _, n := range []string{"execve", "execveat", "clone", "clone3", "fork", "vfork", "procexit"} {
		if c, ok := event.SyscallByName(n); ok {
			set.Add(c)
		}
	}
	if _, err := p.SetSyscalls(set); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		work()
		time.Sleep(500 * time.Millisecond)
		p.Stop()
	})
	defer wg.Wait()
	var rec event.Record
	for {
		raw, cpu, err := p.Next()
		if err == ErrClosed {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Parse(append([]byte(nil), raw...)); err != nil {
			t.Fatal(err)
		}
		if e := in.Next(&rec, uint16(cpu), 0); e != nil {
			each(in, e)
		}
	}
	c, _ := p.Counters()
	if d := c.Drops(); d > 0 {
		t.Errorf("the probe dropped %d records", d)
	}
}

// parentsAtExit runs a child-subreaper helper (see subreaper) through a
// live state and returns the subreaper's pid, the helper's report, and the
// state's parent of each thread at its procexit.
func parentsAtExit(t *testing.T, helper string, n int) (reaper int64, report []int64, atExit map[int64]int64) {
	t.Helper()
	reaper, run := subreaper(t, helper, n)
	var runErr error
	atExit = map[int64]int64{}
	liveState(t, func() { report, runErr = run() }, func(in *inspect.Inspector, e *inspect.Event) {
		if e.Type() != event.ProcexitE1 {
			return
		}
		if th := e.Thread(); th != nil {
			atExit[th.Tid] = th.PTid
		}
	})
	if runErr != nil {
		t.Fatal(runErr)
	}
	return reaper, report, atExit
}

// Through the state: the subreaper (made one before the probe started,
// so no event tells the state) adopts sh's orphan, and the state's
// parent of sleep is the subreaper, not init, as the kernel's.
func TestStateReaperSubreaper(t *testing.T) {
	reaper, got, atExit := parentsAtExit(t, "subreaper", 3)
	sh, sleep, kernel := got[0], got[1], got[2]
	if kernel != reaper {
		t.Fatalf("the kernel gave sleep to %d, not to the subreaper %d", kernel, reaper)
	}
	if _, ok := atExit[sh]; !ok {
		t.Fatalf("no procexit of sh (%d) in the state", sh)
	}
	ptid, ok := atExit[sleep]
	if !ok {
		t.Fatalf("no procexit of sleep (%d) in the state", sleep)
	}
	if ptid != reaper {
		t.Errorf("sleep's parent in the state = %d, want the subreaper %d", ptid, reaper)
	}
}

// Through the state: a process whose non-main thread started a child
// ends with exit_group from that thread; the state's parent of the child
// at its exit is the subreaper, as the kernel's (the docker exec case
// below without Docker's timing).
func TestStateReaperGroupExit(t *testing.T) {
	reaper, got, atExit := parentsAtExit(t, "subreaper-of-group-exit", 4)
	child, kernel := got[2], got[3]
	if kernel != reaper {
		t.Fatalf("the kernel gave the child to %d, not to the subreaper %d", kernel, reaper)
	}
	ptid, ok := atExit[child]
	if !ok {
		t.Fatalf("no procexit of the child (%d) in the state", child)
	}
	if ptid != reaper {
		t.Errorf("the child's parent in the state = %d, want the subreaper %d", ptid, reaper)
	}
}

// docker exec: runc:[2:INIT], the process that becomes cat, is orphaned
// on its way in (runc:[1:CHILD] exits) and adopted by containerd-shim, a
// child subreaper since before Kestrel started. At each cat's execve the
// state's parent must be the shim (or a runc process not yet gone), never
// the host's init, or Falco's container_entrypoint macro misses.
func TestStateReaperDockerExec(t *testing.T) {
	image := dockertest.Image(t, "kestrel-test/busybox:reaper")
	id := dockertest.Run(t, image, nil, "sleep", "120")
	const n = 10
	var parents []string
	liveState(t, func() {
		for i := 0; i < n; i++ {
			if b, err := exec.Command("docker", "exec", id, "cat", "/etc/hostname").CombinedOutput(); err != nil {
				t.Errorf("docker exec: %v %s", err, b)
				return
			}
		}
	}, func(in *inspect.Inspector, e *inspect.Event) {
		if e.Type() != event.ExecveX19 || event.Int(event.PTErrno, e.Rec.Param(0)) != 0 {
			return
		}
		th := e.Thread()
		if th == nil || th.ContainerID != id[:12] || th.Comm != "cat" {
			return
		}
		parent := fmt.Sprintf("%d(none)", th.PTid)
		if pt := in.State.Thread(th.PTid); pt != nil {
			parent = fmt.Sprintf("%d(%s)", pt.Tid, pt.Comm)
		}
		parents = append(parents, parent)
	})
	if len(parents) != n {
		t.Fatalf("%d execs of cat in the container, want %d: parents %q", len(parents), n, parents)
	}
	right := 0
	for _, p := range parents {
		comm := p[strings.IndexByte(p, '(')+1 : len(p)-1]
		if strings.HasPrefix(comm, "containerd-shim") || strings.HasPrefix(comm, "runc") {
			right++
		}
	}
	t.Logf("cat's parents: %q", parents)
	if right != n {
		t.Errorf("%d of %d execs had containerd-shim or runc as the parent: %q", right, n, parents)
	}
}
