package procfs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// copyExe copies the sleep binary to path with mode.
func copyExe(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	src, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// run starts cmd, waits for it to run exe and returns its main thread as
// ScanProcess sees it.
func run(t *testing.T, cmd *exec.Cmd, exe string) state.ThreadInfo {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitExec(t, cmd.Process.Pid, exe)
	ths, err := ScanProcess(Options{SkipFDs: true}, cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	return ths[0]
}

// publicDir makes a temporary directory an unprivileged user can reach.
func publicDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if strings.HasPrefix(d, os.TempDir()+"/") {
			os.Chmod(d, 0o755)
		}
	}
	return dir
}

func TestExeWritable(t *testing.T) {
	dir := publicDir(t)
	cases := []struct {
		name     string
		mode     os.FileMode
		owner    int
		uid      uint32
		writable bool
	}{
		{"root-owned, run by nobody", 0o755, 0, 65534, false},
		{"world-writable, run by nobody", 0o757, 0, 65534, true},
		{"owned by nobody, run by nobody", 0o555, 65534, 65534, true},
		{"root-owned, run by root", 0o555, 0, 0, true},
		{"nobody-owned read-only, run by root (CAP_DAC_OVERRIDE)", 0o555, 65534, 0, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			exe := filepath.Join(dir, fmt.Sprintf("sleep%d", i))
			copyExe(t, exe, tc.mode)
			if err := os.Chown(exe, tc.owner, tc.owner); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe, "1000")
			cmd.Dir = "/"
			if tc.uid != 0 {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: tc.uid, Gid: tc.uid}}
			}
			th := run(t, cmd, exe)
			if th.UID != tc.uid || th.ExeWritable != tc.writable {
				t.Errorf("uid %d writable %v, want %d %v", th.UID, th.ExeWritable, tc.uid, tc.writable)
			}
		})
	}
}

func TestDeletedExe(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "gone")
	copyExe(t, exe, 0o755)
	var st unix.Stat_t
	if err := unix.Stat(exe, &st); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitExec(t, cmd.Process.Pid, exe)
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	ths, err := ScanProcess(Options{SkipFDs: true}, cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	th := ths[0]
	if th.ExePath != exe || th.ExeIno != st.Ino || th.ExeFromMemfd {
		t.Errorf("exepath %q ino %d memfd %v, want %q %d false", th.ExePath, th.ExeIno, th.ExeFromMemfd, exe, st.Ino)
	}
}

func TestMemfdExe(t *testing.T) {
	src, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.MemfdCreate("kestrel-exe", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	mf := os.NewFile(uintptr(fd), "memfd")
	defer mf.Close()
	if _, err := mf.Write(b); err != nil {
		t.Fatal(err)
	}
	// The child runs its fd 3, the memfd (fexecve).
	cmd := exec.Command("/proc/self/fd/3", "1000")
	cmd.Args[0] = "fileless"
	cmd.ExtraFiles = []*os.File{mf}
	th := run(t, cmd, "/memfd:kestrel-exe")
	if !th.ExeFromMemfd || th.ExePath != "/memfd:kestrel-exe" || th.Exe != "fileless" {
		t.Errorf("memfd %v exepath %q exe %q", th.ExeFromMemfd, th.ExePath, th.Exe)
	}
}

// TestOverlayLayers runs one executable from the lower and one from the
// upper layer of an overlay mount.
func TestOverlayLayers(t *testing.T) {
	dir := t.TempDir()
	lower, upper, work, merged := filepath.Join(dir, "lower"), filepath.Join(dir, "upper"),
		filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{lower, upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyExe(t, filepath.Join(lower, "from-lower"), 0o755)
	copyExe(t, filepath.Join(upper, "from-upper"), 0o755)
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Fatalf("mount overlay: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(merged, unix.MNT_DETACH) })

	lo := run(t, exec.Command(filepath.Join(merged, "from-lower"), "1000"), filepath.Join(merged, "from-lower"))
	up := run(t, exec.Command(filepath.Join(merged, "from-upper"), "1000"), filepath.Join(merged, "from-upper"))
	if !lo.ExeLowerLayer || lo.ExeUpperLayer {
		t.Errorf("lower-layer exe: upper %v lower %v", lo.ExeUpperLayer, lo.ExeLowerLayer)
	}
	if up.ExeLowerLayer || !up.ExeUpperLayer {
		t.Errorf("upper-layer exe: upper %v lower %v", up.ExeUpperLayer, up.ExeLowerLayer)
	}
	// A file of the host's root is on no overlay.
	self, err := ScanProcess(Options{SkipFDs: true}, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self[0].ExeLowerLayer || self[0].ExeUpperLayer {
		t.Errorf("test binary reported on an overlay layer")
	}
}
