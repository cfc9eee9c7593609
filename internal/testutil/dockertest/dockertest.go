// Package dockertest gives tests a real Docker daemon and a local image:
// no registry can be reached, so images are imported from a rootfs built
// from Debian's busybox-static. Tests skip when Docker is missing unless
// KESTREL_REQUIRE_PRIVILEGED is set, as it is in CI.
package dockertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Applets linked into the image's /bin.
var applets = []string{"sh", "cat", "sleep", "ls", "cp", "chmod", "mkdir", "echo", "id",
	"insmod", "nc", "wget", "mount", "umount", "touch", "rm", "ln", "hostname", "true", "env", "nsenter",
	"tar", "arping", "unshare", "rpm", "base64", "ip", "head", "printf"}

var importMu sync.Mutex

// Require fails (in CI) or skips the test when the docker CLI or daemon
// is not usable.
func Require(t testing.TB) {
	t.Helper()
	docker, err := exec.LookPath("docker")
	if err == nil {
		var out []byte
		out, err = exec.Command(docker, "info").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("docker info: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	if err != nil {
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatalf("docker is not available (make test installs and starts it): %v", err)
		}
		t.Skipf("docker not available: %v", err)
	}
}

// Image imports a busybox image under name (repository:tag) unless it
// exists, and returns name.
func Image(t testing.TB, name string) string {
	t.Helper()
	Require(t)
	importMu.Lock()
	defer importMu.Unlock()
	if exec.Command("docker", "image", "inspect", name).Run() == nil {
		return name
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "tmp", "etc", "root"} {
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
	for _, applet := range applets {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "group"), []byte("root:x:0:\nnogroup:x:65534:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "tar -C "+root+" -c . | docker import -c 'ENV PATH=/bin' - "+name)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v %s", err, out)
	}
	return name
}

// Run starts a detached container with --network none and the extra
// docker run arguments, running cmd, removes it when the test ends, and
// returns its full id.
func Run(t testing.TB, image string, args []string, cmd ...string) string {
	t.Helper()
	full := append([]string{"run", "-d", "--network", "none"}, args...)
	full = append(full, image)
	full = append(full, cmd...)
	out, err := exec.Command("docker", full...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v %s", strings.Join(full, " "), err, out)
	}
	id := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(id, '\n'); i >= 0 {
		id = id[i+1:]
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	return id
}
