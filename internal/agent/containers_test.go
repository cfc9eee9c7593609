package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/container/runtimes"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// dockerManager is a container manager over the machine's Docker daemon.
func dockerManager(t *testing.T) *container.Manager {
	t.Helper()
	dockertest.Require(t)
	rts, errs := runtimes.Open(container.EngineConfig{
		Docker: container.SocketEngine{Enabled: true, Sockets: []string{"/var/run/docker.sock"}}})
	if len(errs) > 0 || len(rts) != 1 {
		t.Fatalf("docker runtime: %v", errs)
	}
	return container.NewManager(rts, container.ManagerOptions{})
}

// loadRules compiles rules files (paths, or YAML contents) as Falco loads
// them with the container plugin.
func loadRules(t *testing.T, files ...string) *engine.Ruleset {
	t.Helper()
	reg := fields.NewDefault()
	src, _ := reg.Source(fields.SyscallSource)
	l := load.New([]*load.Source{{Name: fields.SyscallSource, Fields: src, Binder: inspect.Binder{},
		EventTypes: event.NewResolver(inspect.AsyncEventNames...), AsyncCode: int(event.AsyncEventCode)}},
		load.Options{Plugins: map[string]string{"container": "0.7.0"}, AppendOutput: []load.AppendOutput{{Suggested: true}}})
	for i, f := range files {
		var res *load.Result
		if strings.Contains(f, "\n") {
			res = l.LoadContent(fmt.Sprintf("rules%d.yaml", i), []byte(f))
		} else {
			res = l.LoadFile(f)
		}
		if !res.OK() {
			t.Fatal(res.Verbose(l.Contents()))
		}
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchAll)
	return rs
}

type liveAlert struct {
	Rule         string         `json:"rule"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
}

func alertsOf(t *testing.T, out, rule string) []liveAlert {
	t.Helper()
	var as []liveAlert
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, `"rule":"`+rule+`"`) {
			continue
		}
		var a liveAlert
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		as = append(as, a)
	}
	return as
}

const containerFieldsRules = `
- rule: cat in container
  desc: metadata of a container process
  condition: evt.type in (execve, execveat) and container.id != host and proc.name = cat
  output: >
    cat (%container.id %container.full_id %container.name %container.image %container.image.repository
    %container.image.tag %container.image.id %container.type %container.privileged %container.mounts
    %container.mount.dest[/etc] %container.mount.source[/host/etc] %container.mount.rdwr[/etc]
    %container.mount.propagation[0] %container.label[kestrel.test] %container.labels %container.host_pid
    %container.host_network %container.host_ipc %container.ip %container.start_ts %k8s.pod.name %k8s.ns.name
    %k8s.pod.uid %thread.cap_permitted %proc.vpid)
  priority: INFO
- rule: container started
  desc: Falco's container event
  condition: evt.type = container and container.name startswith kestrel-
  output: started (%container.name %container.image.repository %evt.type)
  priority: INFO
- rule: container removed
  desc: the plugin's removal event
  condition: evt.type = container_removed and container.name startswith kestrel-
  output: removed (%container.name %evt.type)
  priority: INFO
`

// A container started while the agent runs: its events carry Docker's
// answer in every container.* field, its Kubernetes labels give k8s.*,
// its mount and added capabilities show, Falco's container event lets
// rules see it start, and its removal is seen and forgets it.
func TestContainerMetadataLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:live")
	name := fmt.Sprintf("kestrel-meta-%d", time.Now().UnixNano()%1_000_000)
	var id string
	out, _ := runAgentWith(t, loadRules(t, containerFieldsRules), mgr, func() {
		id = dockertest.Run(t, image, []string{"--name", name, "--label", "kestrel.test=yes",
			"--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
			"--label", "io.kubernetes.pod.uid=8c5f2a6e-uid", "-v", "/etc:/host/etc:ro",
			"--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN"},
			"sleep", "60")
		// busybox's sh runs its applets through /proc/self/exe (comm "exe"):
		// docker exec starts /bin/cat itself.
		time.Sleep(time.Second)
		if out, err := exec.Command("docker", "exec", id, "cat", "/etc/hostname").CombinedOutput(); err != nil {
			t.Fatalf("docker exec: %v %s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
		if out, err := exec.Command("docker", "rm", "-f", id).CombinedOutput(); err != nil {
			t.Fatalf("docker rm: %v %s", err, out)
		}
		time.Sleep(1500 * time.Millisecond)
	})
	cats := alertsOf(t, out, "cat in container")
	if len(cats) != 1 {
		t.Fatalf("%d cat alerts:\n%s", len(cats), out)
	}
	f := cats[0].OutputFields
	want := map[string]any{
		"container.id": id[:12], "container.full_id": id, "container.name": name,
		"container.image": "kestrel-test/busybox:live", "container.image.repository": "kestrel-test/busybox",
		"container.image.tag": "live", "container.type": "docker", "container.privileged": false,
		"container.mount.dest[/etc]": "/host/etc", "container.mount.source[/host/etc]": "/etc",
		"container.mount.rdwr[/etc]": "false", "container.label[kestrel.test]": "yes",
		"container.labels": "kestrel.test:yes", "container.host_pid": false, "container.host_network": false,
		"container.host_ipc": false, "k8s.pod.name": "web-0", "k8s.ns.name": "shop", "k8s.pod.uid": "8c5f2a6e-uid",
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %#v, want %#v", k, f[k], v)
		}
	}
	if m, _ := f["container.mounts"].(string); !strings.HasPrefix(m, "/etc:/host/etc:ro:false:") {
		t.Errorf("container.mounts = %q", m)
	}
	if img, _ := f["container.image.id"].(string); len(img) != 64 {
		t.Errorf("container.image.id = %q", img)
	}
	if caps, _ := f["thread.cap_permitted"].(string); !strings.Contains(caps, "CAP_SYS_ADMIN") ||
		!strings.Contains(caps, "CAP_NET_ADMIN") {
		t.Errorf("thread.cap_permitted = %q", caps)
	}
	if ts, _ := f["container.start_ts"].(float64); ts == 0 {
		t.Errorf("container.start_ts = %v", f["container.start_ts"])
	}
	started := alertsOf(t, out, "container started")
	if len(started) == 0 || started[0].OutputFields["container.name"] != name ||
		started[0].OutputFields["evt.type"] != "container" {
		t.Errorf("container event alerts: %+v\n%s", started, out)
	}
	removed := alertsOf(t, out, "container removed")
	if len(removed) != 1 || removed[0].OutputFields["container.name"] != name {
		t.Errorf("removal alerts: %+v\n%s", removed, out)
	}
	if s := mgr.Stats(); s.Known != 0 && s.Removed == 0 {
		t.Errorf("manager stats after removal: %+v", s)
	}
}

// docker exec -it of a shell raises Falco's Terminal shell in container,
// with the container's name and image repository in its output.
func TestTerminalShellInContainerLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:live")
	name := fmt.Sprintf("kestrel-shell-%d", time.Now().UnixNano()%1_000_000)
	id := dockertest.Run(t, image, []string{"--name", name}, "sleep", "60")
	out, _ := runAgentWith(t, loadRules(t, falcoRules(t)), mgr, func() {
		// script gives docker exec the terminal -t needs.
		cmd := exec.Command("script", "-qec", "docker exec -it "+id+" sh -c 'echo inside'", "/dev/null")
		if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "inside") {
			t.Fatalf("docker exec -it: %v %s", err, b)
		}
		time.Sleep(300 * time.Millisecond)
	})
	shells := alertsOf(t, out, "Terminal shell in container")
	if len(shells) == 0 {
		t.Fatalf("no Terminal shell in container alert:\n%s", out)
	}
	a := shells[0]
	if a.OutputFields["container.name"] != name || a.OutputFields["container.image.repository"] != "kestrel-test/busybox" ||
		a.OutputFields["container.id"] != id[:12] || a.OutputFields["proc.name"] != "sh" {
		t.Errorf("alert fields %v", a.OutputFields)
	}
	if !strings.Contains(a.Output, "container_name="+name) || !strings.Contains(a.Output, "container_image_repository=kestrel-test/busybox") {
		t.Errorf("output: %s", a.Output)
	}
}

// kestrel capture writes the containers it meets as the plugin's
// container events: replaying the file gives their metadata, with no
// runtime to ask.
func TestCaptureContainersLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:live")
	name := fmt.Sprintf("kestrel-capture-%d", time.Now().UnixNano()%1_000_000)
	id := dockertest.Run(t, image, []string{"--name", name, "--label", "io.kubernetes.pod.name=cap-0"}, "sleep", "60")
	path := filepath.Join(t.TempDir(), "containers.scap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	fin := make(chan error, 1)
	go func() {
		_, err := Capture(ctx, CaptureConfig{Path: path, Containers: mgr, Ready: func() { close(ready) },
			Syscalls: syscallSet(t, "openat", "close", "execve", "clone", "clone3", "fork", "vfork")})
		fin <- err
	}()
	select {
	case <-ready:
	case err := <-fin:
		t.Fatalf("capture: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if out, err := exec.Command("docker", "exec", id, "cat", "/etc/hostname").CombinedOutput(); err != nil {
		t.Fatalf("docker exec: %v %s", err, out)
	}
	time.Sleep(time.Second)
	cancel()
	if err := <-fin; err != nil {
		t.Fatal(err)
	}
	var out safeBuffer
	rs := loadRules(t, `
- rule: cat in container
  desc: x
  condition: evt.type = execve and proc.name = cat and container.id != host
  output: cat (name=%container.name image=%container.image pod=%k8s.pod.name)
  priority: INFO
`)
	if _, err := pipeline.RunCapture(pipeline.Config{Capture: path, Ruleset: rs, Out: &out}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("cat (name=%s image=kestrel-test/busybox:live pod=cap-0)", name)
	if !strings.Contains(out.String(), want) {
		t.Fatalf("replay of the capture:\n%s\nwant %s", out.String(), want)
	}
}

// Containers that come and go while the agent runs are learned and
// forgotten: after a churn of short-lived containers, neither the state
// nor the manager keeps more containers than are running.
func TestContainerChurnLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:live")
	const n = 20
	var running int
	out, res := runAgentWith(t, loadRules(t, containerFieldsRules), mgr, func() {
		for i := 0; i < n; i++ {
			b, err := exec.Command("docker", "run", "--rm", "--network", "none", "--label", "kestrel.test=churn",
				"--name", fmt.Sprintf("kestrel-churn-%d-%d", time.Now().UnixNano()%1_000_000, i), image,
				"sh", "-c", "echo $$").CombinedOutput()
			if err != nil {
				t.Fatalf("docker run: %v %s", err, b)
			}
		}
		time.Sleep(1500 * time.Millisecond)
		b, err := exec.Command("docker", "ps", "-q").Output()
		if err != nil {
			t.Fatal(err)
		}
		running = len(strings.Fields(string(b)))
	})
	started := 0
	for _, a := range alertsOf(t, out, "container started") {
		if strings.HasPrefix(fmt.Sprint(a.OutputFields["container.name"]), "kestrel-churn-") {
			started++
		}
	}
	removed := 0
	for _, a := range alertsOf(t, out, "container removed") {
		if strings.HasPrefix(fmt.Sprint(a.OutputFields["container.name"]), "kestrel-churn-") {
			removed++
		}
	}
	if started != n || removed != n {
		t.Errorf("%d of %d churned containers announced, %d removed", started, n, removed)
	}
	if got := res.Stats.State.Containers; got > running {
		t.Errorf("the state keeps %d containers, %d are running", got, running)
	}
	if s := mgr.Stats(); s.Known > running {
		t.Errorf("the manager keeps %d containers, %d are running: %+v", s.Known, running, s)
	}
}
