package defaults_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// The rules of kestrel_container_rules.yaml, each fired by a real action in
// a real container, and quiet for a benign look-alike. Containers are
// started inside the live run so that their start is seen.
func TestContainerRulesLive(t *testing.T) {
	image := dockertest.Image(t, "kestrel-test/busybox:defaults-ctr")
	data := t.TempDir()
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	// A static unix socket client for the containers (busybox has none),
	// and a socket of no runtime for the look-alike.
	helper := filepath.Join(data, "unixconnect")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = "/usr/local/go/bin/go"
	}
	build := exec.Command(goTool, "build", "-o", helper, "github.com/kestrel-project/kestrel/internal/testutil/unixconnect")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building unixconnect: %v\n%s", err, out)
	}
	other, err := net.Listen("unix", filepath.Join(data, "other.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for {
			c, err := other.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.0 200 OK\r\n\r\n"))
			c.Close()
		}
	}()
	var plain, capped, hostPID, mounted, scratch string
	as := fire(t, true, func(r *liveRun) {
		// plain: a harmless bind mount, default capabilities, own namespaces.
		plain = dockertest.Run(t, image, []string{"-v", data + ":/data:ro"}, "sleep", "120")
		capped = dockertest.Run(t, image, []string{"--cap-add", "SYS_ADMIN"}, "sleep", "120")
		hostPID = dockertest.Run(t, image, []string{"--pid", "host", "--cap-add", "SYS_PTRACE"}, "sleep", "120")
		mounted = dockertest.Run(t, image, []string{"-v", "/var/run/docker.sock:/var/run/docker.sock",
			"-v", "/etc:/host-etc:ro", "-v", data + ":/data:ro"}, "sleep", "120")
		// scratch: /tmp is a tmpfs (like an emptyDir), not the image's upper layer.
		scratch = dockertest.Run(t, image, []string{"--tmpfs", "/tmp:exec"}, "sleep", "120")
		// The rules on the containers' metadata (mounts, namespaces), and
		// the host rules that leave reported containers to their container
		// twins, need the metadata in the state before the actions.
		r.waitContainers(plain, capped, hostPID, mounted, scratch)
		sc := "docker exec " + scratch + " "
		p, c, m := "docker exec "+plain+" ", "docker exec "+capped+" ", "docker exec "+mounted+" "
		h := "docker exec " + hostPID + " "
		for _, s := range []string{
			p + "cp /bin/busybox /tmp/bb", p + "/tmp/bb true", // Dropped binary executed
			p + "/bin/true",                                       // look-alike: an image binary
			sc + "cp /bin/busybox /tmp/bb2", sc + "/tmp/bb2 true", // Dropped binary executed, from a tmpfs
			p + "touch /bin/kestrel-planted",                  // Write below binary directories
			p + "touch /tmp/kestrel-benign",                   // look-alike
			c + "mount -t tmpfs none /tmp",                    // Mount attempted
			p + "mount",                                       // look-alike: list the mounts
			p + "sh -c 'echo /x > /tmp/release_agent'",        // Cgroup release agent written
			p + "sh -c 'echo x > /tmp/release_notes'",         // look-alike
			m + "/data/unixconnect /var/run/docker.sock",      // Container runtime socket accessed: a real API call
			m + "/data/unixconnect /data/other.sock",          // look-alike: another unix socket
			m + "cat /host-etc/hostname",                      // look-alike
			p + "nsenter -t 1 -m true", p + "unshare -m true", // Namespace change attempted
			p + "hostname",                                           // look-alike
			p + "sh -c 'echo x > /tmp/k.ko'", p + "insmod /tmp/k.ko", // Kernel module load attempted
			p + "ls /tmp", // look-alike
			p + "sh -c 'echo 1 > /proc/sys/kernel/sysrq'",                    // Kernel tunables written
			p + "cat /proc/sys/kernel/hostname",                              // look-alike: a read
			p + "sh -c 'echo \"|/tmp/x\" > /proc/sys/kernel/core_pattern'",   // Core pattern written
			p + "cat /proc/sys/kernel/core_pattern",                          // look-alike: a read
			p + "touch /tmp/payload /tmp/notes", p + "chmod +x /tmp/payload", // Executable bit set
			p + "chmod 600 /tmp/notes",        // look-alike
			"docker exec -t " + plain + " id", // Terminal attached
			p + "env",                         // look-alike: no terminal
			p + "mkdir -p /var/run/secrets/kubernetes.io/serviceaccount /var/run/secrets/other",
			p + "sh -c 'echo t > /var/run/secrets/kubernetes.io/serviceaccount/token; echo o > /var/run/secrets/other/token'",
			p + "cat /var/run/secrets/kubernetes.io/serviceaccount/token", // Kubernetes service account token read
			p + "cat /var/run/secrets/other/token",                        // look-alike
			p + "cp /bin/busybox /tmp/kubectl", p + "cp /bin/busybox /tmp/kubectx",
			p + "/tmp/kubectl get pods",                                    // Container management tool run
			p + "/tmp/kubectx",                                             // look-alike
			h + "cat /proc/1/root/etc/hostname",                            // Other process root filesystem read: the host's
			p + "cat /proc/1/root/etc/hostname",                            // look-alike: its own PID 1, its own root
			h + "cat /proc/self/root/etc/hostname",                         // look-alike: its own root
			p + "sh -c 'echo \"kestrel:x:0:0::/:/bin/sh\" >> /etc/passwd'", // Account file modified
			p + "cat /etc/passwd",                                          // look-alike: a read
		} {
			run(t, s)
		}
	})
	in := func(id string) func(firedAlert) bool {
		return func(a firedAlert) bool { return a.OutputFields["container.id"] == id[:12] }
	}
	and := func(fs ...func(firedAlert) bool) func(firedAlert) bool {
		return func(a firedAlert) bool {
			for _, f := range fs {
				if !f(a) {
					return false
				}
			}
			return true
		}
	}
	field := func(k, v string) func(firedAlert) bool {
		return func(a firedAlert) bool { s, _ := a.OutputFields[k].(string); return s == v }
	}
	cmd := func(s string) func(firedAlert) bool {
		return func(a firedAlert) bool {
			c, _ := a.OutputFields["proc.cmdline"].(string)
			return strings.Contains(c, s)
		}
	}
	checks := []struct {
		rule       string
		hit, quiet func(firedAlert) bool
	}{
		{"Container started with dangerous capabilities", in(capped), in(plain)},
		{"Container with sensitive host path mounted", in(mounted), in(plain)},
		{"Container sharing host namespaces", in(hostPID), in(plain)},
		{"Dropped binary executed in a container", and(in(plain), field("proc.exepath", "/tmp/bb")),
			and(in(plain), field("proc.exepath", "/bin/busybox"))},
		{"Dropped binary executed in a container", and(in(scratch), field("proc.exepath", "/tmp/bb2")),
			and(in(scratch), field("proc.exepath", "/bin/busybox"))},
		{"Write below binary directories in a container", and(in(plain), field("fd.name", "/bin/kestrel-planted")),
			and(in(plain), field("fd.name", "/tmp/kestrel-benign"))},
		{"Mount attempted in a container", in(capped), in(plain)},
		{"Cgroup release agent written in a container", and(in(plain), field("fd.name", "/tmp/release_agent")),
			and(in(plain), field("fd.name", "/tmp/release_notes"))},
		{"Container runtime socket accessed from a container", and(in(mounted), cmd("unixconnect /var/run/docker.sock"), field("evt.type", "connect")),
			and(in(mounted), func(a firedAlert) bool { return cmd("hostname")(a) || cmd("other.sock")(a) })},
		{"Namespace change attempted in a container", and(in(plain), cmd("nsenter")), and(in(plain), cmd("hostname"))},
		{"Kernel module load attempted in a container", and(in(plain), cmd("insmod")), and(in(plain), cmd("ls"))},
		{"Kernel tunables written in a container", and(in(plain), field("fd.name", "/proc/sys/kernel/sysrq")),
			and(in(plain), cmd("cat"))},
		{"Core pattern written in a container", and(in(plain), field("fd.name", "/proc/sys/kernel/core_pattern")),
			and(in(plain), cmd("cat"))},
		{"Executable bit set on a temporary file in a container", and(in(plain), field("evt.arg.filename", "/tmp/payload")),
			and(in(plain), field("evt.arg.filename", "/tmp/notes"))},
		{"Terminal shell attached to a container", and(in(plain), cmd("id")), and(in(plain), cmd("env"))},
		{"Kubernetes service account token read", and(in(plain), cmd("kubernetes.io")), and(in(plain), cmd("other"))},
		{"Container management tool run in a container", and(in(plain), cmd("kubectl")), and(in(plain), cmd("kubectx"))},
		{"Other process root filesystem read from a container", and(in(hostPID), cmd("/proc/1/root")),
			func(a firedAlert) bool { return in(plain)(a) || cmd("/proc/self/root")(a) }},
		{"Account file modified in a container", and(in(plain), field("fd.name", "/etc/passwd")),
			and(in(plain), cmd("cat"))},
	}
	for _, c := range checks {
		if len(fired(as, c.rule, c.hit)) == 0 {
			t.Errorf("%s: not raised by its action", c.rule)
		}
		if q := fired(as, c.rule, c.quiet); len(q) > 0 {
			t.Errorf("%s: raised by the benign look-alike: %s", c.rule, q[0].Output)
		}
	}
	// One action, one alert: the host rules with a container twin leave the
	// containers a runtime reported to the twin.
	for _, host := range []string{"Binary written below system binary directory", "Account database written by unexpected process",
		"Kernel module load attempted", "File in a temporary directory made executable"} {
		if q := fired(as, host, in(plain)); len(q) > 0 {
			t.Errorf("%s: raised in a container as well as its container twin: %s", host, q[0].Output)
		}
	}
	if t.Failed() {
		for _, a := range as {
			if strings.Contains(a.Output, plain[:12]) || strings.Contains(a.Output, capped[:12]) ||
				strings.Contains(a.Output, hostPID[:12]) || strings.Contains(a.Output, mounted[:12]) {
				t.Logf("%s: %s", a.Rule, a.Output)
			}
		}
	}
}
