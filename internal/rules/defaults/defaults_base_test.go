package defaults_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// The rules of kestrel_rules.yaml, each fired by a real action, and quiet
// for a benign look-alike.
func TestBaseRulesLive(t *testing.T) {
	dir := t.TempDir()
	tools := filepath.Join(dir, "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	// busybox under a tool's name: the kernel names the process after it.
	for _, n := range []string{"nc", "ncx"} {
		if err := os.Symlink("/usr/bin/busybox", filepath.Join(tools, n)); err != nil {
			t.Fatal(err)
		}
	}
	image := dockertest.Image(t, "kestrel-test/busybox:defaults")
	id := dockertest.Run(t, image, nil, "sleep", "60")
	shm := "/dev/shm/kestrel-defaults-true"
	defer os.Remove(shm)
	as := fire(t, true, func(r *liveRun) {
		// The container's rules need no metadata, but with it the alerts
		// are those of a container a runtime reported.
		r.waitContainers(id)
		run(t, "cat /etc/shadow > /dev/null")               // Sensitive credential file read
		run(t, "cat /etc/hostname > /dev/null")             // look-alike
		run(t, "sudo -n true")                              // look-alike: sudo reads /etc/shadow and /etc/sudoers
		run(t, tools+"/nc -z 127.0.0.1 1")                  // Network tool launched
		run(t, tools+"/ncx --help 2>/dev/null")             // look-alike: not a listed tool
		run(t, "cp /bin/true "+shm+" && "+shm)              // Executable run from /dev/shm
		run(t, "cp /bin/true "+dir+"/true && "+dir+"/true") // look-alike: elsewhere
		run(t, "docker exec "+id+" sh -c true")             // Shell spawned in a container
		run(t, "docker exec "+id+" rpm -q kestrel")         // Package manager run in a container
		run(t, "docker exec "+id+" cat /etc/hostname")      // look-alike for both
		// busybox's sh runs nc as a re-exec of itself: the process is named
		// exe, only argv[0] says nc.
		run(t, "docker exec "+id+" sh -c 'nc -w 1 127.0.0.1 9 </dev/null; : kestrel-bb-nc'")
	})
	inContainer := func(a firedAlert) bool { return a.OutputFields["container.id"] == id[:12] }
	checks := []struct {
		rule       string
		hit, quiet func(firedAlert) bool
	}{
		{"Sensitive credential file read", procIs("cat /etc/shadow"),
			func(a firedAlert) bool { return procIs("cat /etc/hostname")(a) || procIs("sudo")(a) }},
		{"Network tool launched", procIs("nc -z"), procIs("ncx")},
		{"Network tool launched", func(a firedAlert) bool { return inContainer(a) && procIs("-w 1 127.0.0.1 9")(a) }, procIs("ncx")},
		{"Executable run from /dev/shm", exeIs(shm), exeIs(dir + "/true")},
		{"Shell spawned in a container", func(a firedAlert) bool { return inContainer(a) && procIs("sh")(a) },
			func(a firedAlert) bool { return inContainer(a) && procIs("cat")(a) }},
		{"Package manager run in a container", func(a firedAlert) bool { return inContainer(a) && procIs("rpm")(a) },
			func(a firedAlert) bool { return inContainer(a) && procIs("cat")(a) }},
	}
	for _, c := range checks {
		if len(fired(as, c.rule, c.hit)) == 0 {
			t.Errorf("%s: not raised by its action", c.rule)
		}
		if q := fired(as, c.rule, c.quiet); len(q) > 0 {
			t.Errorf("%s: raised by the benign look-alike: %s", c.rule, q[0].Output)
		}
	}
}

func exeIs(path string) func(firedAlert) bool {
	return func(a firedAlert) bool { return a.OutputFields["proc.exepath"] == path }
}
