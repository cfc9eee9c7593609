package agent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestMain lets the test binary double as the helper that performs the
// actions needing syscalls no shell command makes (fexecve of a memfd,
// PTRACE_ATTACH).
func TestMain(m *testing.M) {
	switch os.Getenv("KESTREL_AGENT_ACTION") {
	case "memfd-exec":
		os.Exit(memfdExec())
	case "ptrace-attach":
		os.Exit(ptraceAttach())
	}
	os.Exit(m.Run())
}

// memfdExec copies /bin/true into a memfd and executes it from there.
func memfdExec() int {
	img, err := os.ReadFile("/bin/true")
	if err != nil {
		return 2
	}
	fd, err := unix.MemfdCreate("kestrel-fileless", 0)
	if err != nil {
		return 3
	}
	if _, err := unix.Write(fd, img); err != nil {
		return 4
	}
	// fexecve: execveat(fd, "", argv, envp, AT_EMPTY_PATH)
	empty, _ := unix.BytePtrFromString("")
	argv := cStrings([]string{"kestrel-fileless"})
	envp := cStrings(os.Environ())
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	fmt.Fprintln(os.Stderr, "execveat:", errno)
	return 5
}

// cStrings is a NULL-terminated array of C strings.
func cStrings(ss []string) []*byte {
	out := make([]*byte, 0, len(ss)+1)
	for _, s := range ss {
		p, _ := unix.BytePtrFromString(s)
		out = append(out, p)
	}
	return append(out, nil)
}

// ptraceAttach attaches to a sleeping child and detaches.
func ptraceAttach() int {
	child := exec.Command("/bin/sleep", "5")
	if err := child.Start(); err != nil {
		return 2
	}
	defer child.Process.Kill()
	pid := child.Process.Pid
	if err := unix.PtraceAttach(pid); err != nil {
		fmt.Fprintln(os.Stderr, "attach:", err)
		return 3
	}
	var ws unix.WaitStatus
	_, _ = unix.Wait4(pid, &ws, 0, nil)
	_ = unix.PtraceDetach(pid)
	return 0
}

func helper(t *testing.T, action string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KESTREL_AGENT_ACTION="+action)
	if out, err := cmd.CombinedOutput(); err != nil && action != "memfd-exec" {
		t.Fatalf("%s: %v %s", action, err, out)
	}
}

func sh(t *testing.T, script string) {
	t.Helper()
	shPid(t, script)
}

// shPid runs script with /bin/sh and returns the shell's pid, which the
// alerts of the processes it starts name as their parent.
func shPid(t *testing.T, script string) int {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v %s", script, err, out.String())
	}
	return cmd.Process.Pid
}

// The list of Falco stable rules, each raised live by a real
// action, with the process it must name.
func TestFalcoRulesLive(t *testing.T) {
	dir, err := os.MkdirTemp("", "kestrel-agent-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	at := func(n string) string { return filepath.Join(dir, n) }
	logFile := "/var/log/kestrel-agent-test.log"
	defer os.Remove(logFile)
	shm := "/dev/shm/kestrel-agent-true"
	defer os.Remove(shm)

	type expect struct{ rule, proc string }
	want := []expect{
		{"Read sensitive file untrusted", "cat"},
		{"Create Symlink Over Sensitive Files", "ln"},
		{"Create Hardlink Over Sensitive Files", "ln"},
		{"Clear Log Activities", "sh"},
		{"Remove Bulk Data from Disk", "shred"},
		{"Search Private Keys or Passwords", "grep"},
		{"Find AWS Credentials", "grep"},
		{"Execution from /dev/shm", "kestrel-agent-t"},
		{"Fileless execution via memfd_create", "memfd:kestrel-f"},
		{"PTRACE attached to process", "agent.test"},
		{"Directory traversal monitored file read", "cat"},
	}
	out, res := runAgent(t, func(*liveRun) {
		sh(t, "cat /etc/shadow > /dev/null")
		sh(t, "ln -s /etc/shadow "+at("shadow-link"))
		sh(t, "ln /etc/shadow "+at("shadow-hardlink"))
		sh(t, "echo x > "+logFile+" && : > "+logFile)
		sh(t, "echo secret > "+at("wipe")+" && shred -u "+at("wipe"))
		sh(t, "echo x > "+at("keys")+"; grep 'BEGIN PRIVATE' "+at("keys")+" || true")
		sh(t, "grep aws_access_key_id "+at("keys")+" || true")
		sh(t, "cp /bin/true "+shm+" && "+shm)
		helper(t, "memfd-exec")
		helper(t, "ptrace-attach")
		if err := exec.Command("/bin/cat", "/tmp/../etc/../etc/passwd").Run(); err != nil {
			t.Fatal(err)
		}
	})
	lines := strings.Split(out, "\n")
	// Other processes on the machine may raise alerts too: each rule must
	// have fired at least once for the process of the action.
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.Contains(l, `"rule":"`+w.rule+`"`) && strings.Contains(l, `"proc.name":"`+w.proc) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no alert for %s", w.rule, w.proc)
		}
	}
	if t.Failed() {
		t.Logf("%d events; alerts:\n%s", res.Stats.Events, out)
	}
}

// Ordinary commands raise none of those rules. Tests of other packages
// take exactly those actions at the same time: only the alerts of this
// test's shell and of the processes it starts count.
func TestQuietRun(t *testing.T) {
	dir := t.TempDir()
	var shell int
	out, res := runAgent(t, func(*liveRun) {
		shell = shPid(t, "ls / > /dev/null; cat /etc/hostname > /dev/null; date > /dev/null; echo hello > "+filepath.Join(dir, "f")+
			"; cp "+filepath.Join(dir, "f")+" "+filepath.Join(dir, "g")+"; rm "+filepath.Join(dir, "g")+
			"; grep hello "+filepath.Join(dir, "f")+" > /dev/null; mkdir "+filepath.Join(dir, "d")+"; ps > /dev/null")
	})
	if res.Stats.Events == 0 {
		t.Fatal("no events")
	}
	for _, rule := range []string{"Read sensitive file untrusted", "Create Symlink Over Sensitive Files",
		"Create Hardlink Over Sensitive Files", "Clear Log Activities", "Remove Bulk Data from Disk",
		"Search Private Keys or Passwords", "Find AWS Credentials", "Execution from /dev/shm",
		"Fileless execution via memfd_create", "PTRACE attached to process", "Directory traversal monitored file read"} {
		for _, a := range alertsOf(t, out, rule) {
			if under(a, shell) {
				t.Errorf("%s raised by ordinary commands (shell %d): %s", rule, shell, a.Output)
			}
		}
	}
}

// dockerImage imports a busybox image from a rootfs built here (no
// registry can be reached) and returns its name.
func dockerImage(t *testing.T) string {
	t.Helper()
	docker, err := exec.LookPath("docker")
	if err == nil {
		err = exec.Command(docker, "info").Run()
	}
	if err != nil {
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatalf("docker is not available (make test installs and starts it): %v", err)
		}
		t.Skipf("docker not available: %v", err)
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o1777); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatalf("busybox-static: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "insmod", "cat", "sleep"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	const image = "kestrel-test/busybox:agent"
	cmd := exec.Command("sh", "-c", "tar -C "+root+" -c . | docker import - "+image)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v %s", err, out)
	}
	return image
}

// Falco's Linux Kernel Module Injection Detected fires when a container
// with CAP_SYS_MODULE tries to load a module (this kernel has no module
// support, so the syscall fails, but the attempt is what the rule is
// about). Tests of other packages do the same meanwhile: only this
// test's container counts.
func TestKernelModuleInjectionFromContainer(t *testing.T) {
	image := dockerImage(t)
	cid := filepath.Join(t.TempDir(), "cid")
	out, _ := runAgent(t, func(*liveRun) {
		cmd := exec.Command("docker", "run", "--rm", "--network", "none", "--cap-add", "SYS_MODULE", "--cidfile", cid, image,
			"/bin/sh", "-c", "echo x > /tmp/m.ko; insmod /tmp/m.ko; true")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("docker run: %v %s", err, b)
		}
	})
	id, err := os.ReadFile(cid)
	if err != nil || len(id) < 12 {
		t.Fatalf("container id: %v %q", err, id)
	}
	found := false
	for _, a := range alertsOf(t, out, "Linux Kernel Module Injection Detected") {
		if a.OutputFields["container.id"] == "host" {
			t.Errorf("alert for the host: %s", a.Output)
		}
		if a.OutputFields["container.id"] == string(id[:12]) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no Linux Kernel Module Injection Detected alert from container %s:\n%s", id[:12], out)
	}
}
