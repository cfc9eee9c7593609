package inspect

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/probe"
	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// TestOverlayLayerFieldsLive feeds the live probe's records of a Docker
// container (overlay2 storage) and of this host through an Inspector and
// checks proc.is_exe_upper_layer, proc.is_exe_lower_layer,
// fd.is_upper_layer and fd.is_lower_layer, and the condition of Falco's
// "Drop and execute new binary in container" rule.
func TestOverlayLayerFieldsLive(t *testing.T) {
	image := dockertest.Image(t, "kestrel-test/busybox:layers")
	p, err := probe.Load(probe.Options{RingBytes: 16 << 20, ExcludeTgid: 1})
	if err != nil {
		if os.Getenv("KESTREL_REQUIRE_PRIVILEGED") != "" {
			t.Fatalf("loading the probe: %v", err)
		}
		t.Skipf("probe unavailable: %v", err)
	}
	defer p.Close()
	var set event.SyscallSet
	for _, n := range []string{"open", "openat", "openat2", "creat", "execve", "execveat", "clone", "clone3", "fork", "vfork",
		"close", "procexit"} {
		if c, ok := event.SyscallByName(n); ok {
			set.Add(c)
		}
	}
	if _, err := p.SetSyscalls(set); err != nil {
		t.Fatal(err)
	}
	script := `/bin/true kestrel-lower
mkdir /tmp/kestrel-drop && cp /bin/busybox /tmp/kestrel-drop/true && /tmp/kestrel-drop/true kestrel-upper
echo made > /tmp/kestrel-made && /bin/cat /tmp/kestrel-made /etc/passwd /etc/hostname > /dev/null`
	id := dockertest.Run(t, image, nil, "sh", "-c", script)
	if out, err := exec.Command("docker", "wait", id).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "0" {
		logs, _ := exec.Command("docker", "logs", id).CombinedOutput()
		t.Fatalf("container: %v, exit %s, logs %s", err, out, logs)
	}
	hostFile := filepath.Join(t.TempDir(), "kestrel-host-file")
	if err := os.WriteFile(hostFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("/bin/true", "kestrel-host-fields").Run(); err != nil {
		t.Fatal(err)
	}

	s := newFsim(t, nil, nil, nil)
	stop := time.AfterFunc(2*time.Second, p.Stop)
	defer stop.Stop()
	type layers struct{ upper, lower string }
	execs := map[string][]layers{} // by proc.cmdline
	opens := map[string][]layers{} // by fd.name, in the container or of hostFile
	var drops []string             // proc.cmdline of the events the drop-and-execute condition matches
	// The rule's condition is "spawned_process and container and
	// proc.is_exe_upper_layer=true and not <known images>"; the
	// container is this test's one (processes of other tests may run
	// meanwhile, even from overlays of their own).
	dropCond := `evt.type in (execve, execveat) and evt.dir = < and evt.arg.res = 0 and container.id = ` + id[:12] +
		` and proc.is_exe_upper_layer = true`
	for {
		raw, cpu, err := p.Next()
		if err == probe.ErrClosed {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := s.rec.Parse(append([]byte(nil), raw...)); err != nil {
			t.Fatal(err)
		}
		s.e = s.in.Next(&s.rec, uint16(cpu), 0)
		if s.e == nil {
			continue
		}
		inContainer := s.get("container.id") == id[:12]
		switch s.rec.Type() {
		case event.ExecveX19:
			if s.get("evt.rawres") != "0" {
				continue
			}
			cmd := s.get("proc.cmdline")
			if inContainer || cmd == "true kestrel-host-fields" {
				execs[cmd] = append(execs[cmd], layers{s.get("proc.is_exe_upper_layer"), s.get("proc.is_exe_lower_layer")})
			}
			if s.cond(dropCond) {
				drops = append(drops, cmd)
			}
		case event.OpenX, event.OpenatX2, event.Openat2X, event.CreatX:
			name := s.get("fd.name")
			if inContainer || name == hostFile {
				opens[name] = append(opens[name], layers{s.get("fd.is_upper_layer"), s.get("fd.is_lower_layer")})
			}
		}
	}

	up, lo, none := layers{"true", "false"}, layers{"false", "true"}, layers{"false", "false"}
	for cmd, want := range map[string]layers{
		"true kestrel-lower":       lo,
		"true kestrel-upper":       up, // /tmp/kestrel-drop/true: busybox dropped into the container
		"true kestrel-host-fields": none,
	} {
		got := execs[cmd]
		if len(got) != 1 || got[0] != want {
			t.Errorf("proc.is_exe_upper_layer, proc.is_exe_lower_layer of %q: %v, want [%v]", cmd, got, want)
		}
	}
	if len(drops) != 1 || drops[0] != "true kestrel-upper" {
		t.Errorf("drop-and-execute condition matched %q, want only the dropped binary's execve", drops)
	}
	for name, want := range map[string]layers{
		"/tmp/kestrel-made":      up,
		"/tmp/kestrel-drop/true": up,
		"/etc/passwd":            lo,
		"/bin/busybox":           lo,
		"/etc/hostname":          none, // bind-mounted from the host
		hostFile:                 none,
	} {
		got := opens[name]
		if len(got) == 0 {
			t.Errorf("no open of %s", name)
		}
		for _, g := range got {
			if g != want {
				t.Errorf("fd.is_upper_layer, fd.is_lower_layer of %s: %v, want %v", name, got, want)
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("execs %v", execs)
		t.Logf("opens %v", opens)
	}
}
