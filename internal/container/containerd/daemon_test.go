package containerd

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemon is a private containerd started for one test: its own root,
// state and socket under a temporary directory, the CRI plugin off, in a
// mount namespace of its own whose /run is a tmpfs. containerd 1.6 puts
// shim sockets, runc state and ctr's FIFOs under /run/containerd whatever
// its configuration says; there they land in that tmpfs, so the host's
// /run/containerd (Docker's containerd uses it too) is never touched, and
// every mount the daemon, its shims and runc make vanishes with the
// namespace when they exit.
type daemon struct {
	dir  string
	sock string
	cmd  *exec.Cmd
	log  string
	// cgroupParent is where tests put their containers' cgroups (ctr run
	// --cgroup), removed with the daemon: runc removes a container's
	// cgroup but leaves the parent.
	cgroupParent string
}

// requirePrivileged skips the test, or fails it in CI
// (KESTREL_REQUIRE_PRIVILEGED set), when what a private containerd needs
// is missing.
func requirePrivileged(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, bin := range []string{"containerd", "ctr", "containerd-shim-runc-v2", "runc", "unshare", "nsenter"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if _, err := os.Stat("/usr/bin/busybox"); err != nil {
		missing = append(missing, "/usr/bin/busybox (busybox-static)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "a private containerd needs " + strings.Join(missing, ", ") + " (Debian: containerd, runc, busybox-static; docker.io brings the first two)"
	if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	requirePrivileged(t)
	// Short: unix socket paths are limited to 108 bytes, and t.TempDir
	// names carry the test's name.
	dir, err := os.MkdirTemp("", "ctrd")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{dir: dir, sock: filepath.Join(dir, "c.sock"), log: filepath.Join(dir, "containerd.log"),
		cgroupParent: "/kestrel-" + filepath.Base(dir)}
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = %q

[ttrpc]
  address = %q

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), d.sock, d.sock+".ttrpc", filepath.Join(dir, "opt"))
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	d.cmd = exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs -o mode=755 tmpfs /run && exec containerd --config "$1"`, "sh", cfg)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop(t) })
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(d.sock); err == nil {
			if out, err := d.ctrOutput("version"); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("containerd does not answer: %v %s\n%s", err, out, d.logTail())
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd did not create %s\n%s", d.sock, d.logTail())
		}
		if d.cmd.ProcessState != nil {
			t.Fatalf("containerd exited\n%s", d.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

func (d *daemon) logTail() string {
	b, _ := os.ReadFile(d.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ctrOutput runs ctr in the daemon's mount namespace, so that what it
// creates under /run/containerd stays in the daemon's tmpfs.
func (d *daemon) ctrOutput(args ...string) ([]byte, error) {
	full := append([]string{"-t", strconv.Itoa(d.cmd.Process.Pid), "-m", "ctr", "-a", d.sock}, args...)
	return exec.Command("nsenter", full...).CombinedOutput()
}

func (d *daemon) ctr(t *testing.T, args ...string) string {
	t.Helper()
	out, err := d.ctrOutput(args...)
	if err != nil {
		t.Fatalf("ctr %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// stop removes every task and container, then stops the daemon and any
// shim it left; the mount namespace and its mounts go with them.
func (d *daemon) stop(t *testing.T) {
	if d.cmd.ProcessState == nil {
		out, _ := d.ctrOutput("namespaces", "ls", "-q")
		for _, ns := range strings.Fields(string(out)) {
			tasks, _ := d.ctrOutput("-n", ns, "tasks", "ls", "-q")
			for _, id := range strings.Fields(string(tasks)) {
				d.ctrOutput("-n", ns, "tasks", "delete", "--force", id)
			}
			ctrs, _ := d.ctrOutput("-n", ns, "containers", "ls", "-q")
			for _, id := range strings.Fields(string(ctrs)) {
				d.ctrOutput("-n", ns, "containers", "delete", id)
			}
		}
		d.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			d.cmd.Process.Kill()
			<-done
		}
	}
	// Shims outlive the daemon when a task could not be deleted; ours
	// carry our socket in their command line.
	for _, pid := range shimsOf(d.sock) {
		t.Logf("killing leftover shim %d", pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	removeCgroups(t, d.cgroupParent)
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil && strings.Contains(string(b), d.dir) {
		t.Errorf("mounts under %s leaked into the host's namespace", d.dir)
	}
	if err := os.RemoveAll(d.dir); err != nil {
		t.Errorf("removing %s: %v", d.dir, err)
	}
}

func shimsOf(sock string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if !strings.Contains(args[0], "containerd-shim") {
			continue
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-address" && args[i+1] == sock {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// ociImage writes an OCI image archive of a busybox rootfs (Debian's
// busybox-static; no registry can be reached) named name, and returns its
// path and its manifest's digest.
func ociImage(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	add := func(h *tar.Header, body []byte) {
		h.ModTime = time.Unix(1700000000, 0)
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"bin/", "etc/", "root/", "tmp/"} {
		add(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755}, nil)
	}
	add(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755}, bb)
	for _, applet := range []string{"sh", "sleep", "cat", "ls"} {
		add(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}, nil)
	}
	add(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"))
	add(&tar.Header{Name: "etc/group", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("root:x:0:\nnogroup:x:65534:\n"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}

	blobs := map[string][]byte{}
	blob := func(b []byte) (string, int) {
		sum := sha256.Sum256(b)
		d := "sha256:" + hex.EncodeToString(sum[:])
		blobs[d] = b
		return d, len(b)
	}
	mustJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	layerDigest, layerSize := blob(layer.Bytes())
	configDigest, configSize := blob(mustJSON(map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config":       map[string]any{"Env": []string{"PATH=/bin"}, "Cmd": []string{"/bin/sh"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{layerDigest}},
	}))
	manifestDigest, manifestSize := blob(mustJSON(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest, "size": configSize},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layerDigest, "size": layerSize}},
	}))
	_, tag, _ := strings.Cut(name[strings.LastIndexByte(name, '/'):], ":")
	index := mustJSON(map[string]any{
		"schemaVersion": 2,
		"manifests": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.manifest.v1+json",
			"digest":    manifestDigest,
			"size":      manifestSize,
			"platform":  map[string]any{"architecture": runtime.GOARCH, "os": "linux"},
			"annotations": map[string]string{
				"io.containerd.image.name":          name,
				"org.opencontainers.image.ref.name": tag,
			},
		}},
	})

	path := filepath.Join(dir, "image.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	aw := tar.NewWriter(f)
	file := func(name string, b []byte) {
		if err := aw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := aw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	file("index.json", index)
	for d, b := range blobs {
		file("blobs/sha256/"+strings.TrimPrefix(d, "sha256:"), b)
	}
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	return path, manifestDigest
}

// removeCgroups removes a cgroup parent in every hierarchy (cgroup v1
// controllers and the unified one), children first: runc removes the
// containers' own cgroups, but a killed test may leave them.
func removeCgroups(t *testing.T, parent string) {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*" + parent)
	if fi, err := os.Stat("/sys/fs/cgroup" + parent); err == nil && fi.IsDir() {
		dirs = append(dirs, "/sys/fs/cgroup"+parent)
	}
	for _, dir := range dirs {
		subs, _ := os.ReadDir(dir)
		for _, s := range subs {
			if s.IsDir() {
				os.Remove(filepath.Join(dir, s.Name()))
			}
		}
		if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
			t.Errorf("removing cgroup %s: %v", dir, err)
		}
	}
}
