package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	"github.com/kestrel-project/kestrel/internal/sources"
	"github.com/kestrel-project/kestrel/internal/testutil"
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
	return loadRulesWith(t, sources.DefaultOptions(), files...)
}

// loadRulesWith is loadRules with the loader's options.
func loadRulesWith(t *testing.T, opts load.Options, files ...string) *engine.Ruleset {
	t.Helper()
	l := sources.NewLoader(opts)
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
	out, _ := runAgentWith(t, mgr, func(r *liveRun) {
		id = dockertest.Run(t, image, []string{"--name", name, "--label", "kestrel.test=yes",
			"--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
			"--label", "io.kubernetes.pod.uid=8c5f2a6e-uid", "-v", "/etc:/host/etc:ro",
			"--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN"},
			"sleep", "60")
		// The cat below must find the container's metadata in the state.
		r.waitContainers(id)
		// busybox's sh runs its applets through /proc/self/exe (comm "exe"):
		// docker exec starts /bin/cat itself.
		if out, err := exec.Command("docker", "exec", id, "cat", "/etc/hostname").CombinedOutput(); err != nil {
			t.Fatalf("docker exec: %v %s", err, out)
		}
		if out, err := exec.Command("docker", "rm", "-f", id).CombinedOutput(); err != nil {
			t.Fatalf("docker rm: %v %s", err, out)
		}
		r.waitRemoved(id)
	}, containerFieldsRules)
	// Other tests running at the same time may run cat in other
	// containers (on this VM every session process has a container-like
	// cgroup): only this container's alert counts.
	var cats []liveAlert
	for _, a := range alertsOf(t, out, "cat in container") {
		if a.OutputFields["container.id"] == id[:12] {
			cats = append(cats, a)
		}
	}
	if len(cats) != 1 {
		t.Fatalf("%d cat alerts from the container:\n%s", len(cats), out)
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
	// Containers of tests running meanwhile may be announced too.
	mine := func(rule string) []liveAlert {
		var as []liveAlert
		for _, a := range alertsOf(t, out, rule) {
			if a.OutputFields["container.name"] == name {
				as = append(as, a)
			}
		}
		return as
	}
	// The manager sends a container's metadata once, but again when asked
	// more than a few seconds later (the stream may have lost it): a
	// loaded machine may see two container events.
	started := mine("container started")
	if len(started) == 0 {
		t.Errorf("no container event alert:\n%s", out)
	}
	for _, a := range started {
		if a.OutputFields["evt.type"] != "container" {
			t.Errorf("container event alert: %+v", a)
		}
	}
	removed := mine("container removed")
	if len(removed) != 1 || removed[0].OutputFields["evt.type"] != "container_removed" {
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
	out, _ := runAgentWith(t, mgr, func(r *liveRun) {
		// The start-up listing brings the container's metadata: the shell
		// must come after it for its alert to name the container.
		r.waitContainers(id)
		// script gives docker exec the terminal -t needs.
		cmd := exec.Command("script", "-qec", "docker exec -it "+id+" sh -c 'echo inside'", "/dev/null")
		if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "inside") {
			t.Fatalf("docker exec -it: %v %s", err, b)
		}
	}, falcoRules(t))
	var shells []liveAlert
	for _, a := range alertsOf(t, out, "Terminal shell in container") {
		if a.OutputFields["container.id"] == id[:12] {
			shells = append(shells, a)
		}
	}
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
	src, _ := fields.NewDefault().Source(fields.SyscallSource)
	comp := engine.NewCompiler(src, inspect.Binder{}, event.NewResolver())
	filter, flush := flushFilter(t, comp, nil) // every event is written
	applied := &appliedUpdates{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	fin := make(chan error, 1)
	go func() {
		_, err := Capture(ctx, CaptureConfig{Path: path, Containers: mgr, ContainerApplied: applied.add,
			Filter: filter, Compiler: comp, Ready: func() { close(ready) },
			Syscalls: syscallSet(t, "openat", "close", "execve", "clone", "clone3", "fork", "vfork")})
		fin <- err
	}()
	select {
	case <-ready:
	case err := <-fin:
		t.Fatalf("capture: %v", err)
	}
	// The container's metadata (from the start-up listing) must be in the
	// file before the cat, for the replay to name the container.
	testutil.WaitUntil(t, "metadata of the container in the capture", func() bool { return applied.seen(id, false) })
	if out, err := exec.Command("docker", "exec", id, "cat", "/etc/hostname").CombinedOutput(); err != nil {
		t.Fatalf("docker exec: %v %s", err, out)
	}
	flush()
	cancel()
	if err := <-fin; err != nil {
		t.Fatal(err)
	}
	var out testutil.Buffer
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
// forgotten: after a churn of containers, neither the state nor the
// manager keeps a container whose removal the event stream has seen.
// Tests of other packages create and remove containers meanwhile, so the
// checks are on this test's containers and on the stream's own account
// of the others (Config.ContainerApplied), not on a listing of Docker's.
func TestContainerChurnLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:live")
	const n = 20
	tag := time.Now().UnixNano() % 1_000_000
	names := map[string]bool{}
	var run *liveRun
	out, res := runAgentWith(t, mgr, func(r *liveRun) {
		run = r
		var ids []string
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("kestrel-churn-%d-%d", tag, i)
			names[name] = true
			ids = append(ids, dockertest.Run(t, image, []string{"--name", name, "--label", "kestrel.test=churn"}, "sleep", "60"))
		}
		r.waitContainers(ids...)
		if b, err := exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).CombinedOutput(); err != nil {
			t.Fatalf("docker rm: %v %s", err, b)
		}
		r.waitRemoved(ids...)
		// The manager knows no more containers than the stream has been
		// told of and not seen removed, plus the updates still on their
		// way; polled, as a container of another test may be between the
		// manager learning it and its update being queued.
		var known, live, pending int
		testutil.WaitUntilDesc(t, func() string {
			return fmt.Sprintf("manager forgetting the removed containers (it knows %d, the stream %d live, %d updates queued)",
				known, live, pending)
		}, func() bool {
			known = mgr.Stats().Known
			live, pending = len(r.applied.live()), len(mgr.Updates())
			return known <= live+pending
		})
	}, containerFieldsRules)
	count := func(rule string) map[string]int {
		c := map[string]int{}
		for _, a := range alertsOf(t, out, rule) {
			if name := fmt.Sprint(a.OutputFields["container.name"]); names[name] {
				c[name]++
			}
		}
		return c
	}
	started, removed := count("container started"), count("container removed")
	for name := range names {
		// A container's metadata is sent again when asked for more than a
		// few seconds later: more than one container event is allowed.
		if started[name] == 0 || removed[name] != 1 {
			t.Errorf("%s: %d container events, %d removals", name, started[name], removed[name])
		}
	}
	// The state's containers change only through the stream's container
	// events: it must hold no more than those not removed since.
	if got, want := res.Stats.State.Containers, len(run.applied.live()); got > want {
		t.Errorf("the state keeps %d containers, the stream left %d", got, want)
	}
}

// ruleFire is a Falco rule that needs container fields and the action
// that raises it in a container.
type ruleFire struct {
	file, rule string
	// withMetadata: the alert must show the container's name and image
	// (actions in a container that has been running for a while; rules on
	// a container's first process may come before its metadata).
	withMetadata bool
}

// Falco's stable, incubating and sandbox rules that need container fields,
// each raised by a real action in a Docker container (--network none,
// capabilities added, no --privileged: root here cannot run privileged
// containers). Rules are matched with rule_matching=all, as several share
// events. The list and the actions come from a study of every rule whose
// condition reads container fields (45 rules; those that cannot fire here
// need privileged containers, fd.sip.name resolution or the Kubernetes
// API server).
func TestFalcoContainerRulesLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:rules")
	dir := falcoRulesDir(t)
	hostData := t.TempDir()
	if err := os.WriteFile(filepath.Join(hostData, "secret"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000)
	ids := map[string]string{} // short id -> container name
	docker := func(args ...string) {
		t.Helper()
		// Failures are expected for some actions (EPERM from seccomp, no
		// server listening, busybox wget's exit code): the syscall is what
		// the rules see.
		_ = exec.Command("docker", args...).Run()
	}
	run := func(name string, args []string, cmd ...string) {
		t.Helper()
		cid := filepath.Join(t.TempDir(), "cid")
		full := append([]string{"run", "--rm", "--network", "none", "--name", name, "--cidfile", cid}, args...)
		full = append(full, image)
		out, err := exec.Command("docker", append(full, cmd...)...).CombinedOutput()
		b, rerr := os.ReadFile(cid)
		if rerr != nil {
			t.Fatalf("docker run %s: %v %s", name, err, out)
		}
		ids[string(b)[:12]] = name
	}
	out, _ := runAgentWith(t, mgr, func(r *liveRun) {
		a := "kestrel-rules-a-" + tag
		aID := dockertest.Run(t, image, []string{"--name", a, "-v", hostData + ":/host/data:ro"}, "sleep", "120")
		ids[aID[:12]] = a
		c := "kestrel-rules-c-" + tag
		cID := dockertest.Run(t, image, []string{"--name", c, "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN"},
			"sleep", "120")
		ids[cID[:12]] = c
		// Group B's sensitive mount is seen in its container event: the
		// container lives until that event is in the stream.
		caps := "kestrel-rules-caps-" + tag
		capsID := dockertest.Run(t, image, []string{"--name", caps, "--cap-add", "SYS_PTRACE", "-v", "/etc:/hostetc:ro"},
			"sleep", "120")
		ids[capsID[:12]] = caps
		r.waitContainers(aID, cID, capsID)
		// Group A: tools run by docker exec in one container.
		docker("exec", a, "nc", "127.0.0.1", "1")
		docker("exec", a, "wget", "-q", "-T", "1", "http://127.0.0.1:1/")
		docker("exec", a, "rpm", "-q", "kestrel")
		docker("exec", a, "cat", "/proc/1/environ")
		docker("exec", a, "unshare", "-U", "true")
		docker("exec", a, "nsenter", "-t", "1", "-u", "true")
		docker("exec", a, "arping", "-c", "1", "-w", "1", "-I", "lo", "127.0.0.1")
		docker("exec", "-d", a, "nc", "-l", "-p", "4444")
		waitListening(t, aID, 4444)
		docker("exec", a, "nc", "127.0.0.1", "4444", "-e", "/bin/true")
		docker("exec", a, "sh", "-c", "echo 'echo x' > /dev/shm/x.sh")
		docker("exec", a, "sh", "/dev/shm/x.sh")
		docker("exec", a, "sh", "-c", "echo 'root:*:19000:0:99999:7:::' > /etc/shadow")
		docker("exec", a, "cat", "/etc/shadow")
		docker("exec", a, "cp", "/bin/busybox", "/tmp/dropped")
		docker("exec", a, "/tmp/dropped", "true")
		docker("exec", a, "ln", "-s", "/bin/busybox", "/tmp/scp")
		docker("exec", a, "/tmp/scp")
		docker("exec", a, "ln", "-s", "/bin/busybox", "/tmp/kubectl")
		docker("exec", a, "/tmp/kubectl")
		docker("exec", a, "sh", "-c", "echo aGkK > /tmp/p.b64")
		docker("exec", a, "base64", "-d", "/tmp/p.b64")
		docker("exec", a, "touch", "/etc/kestrel-etc")
		docker("exec", a, "touch", "/root/kestrel-root")
		docker("exec", a, "mkdir", "-p", "/var/log")
		docker("exec", a, "sh", "-c", "echo x > /var/log/syslog; : > /var/log/syslog")
		docker("exec", a, "touch", "/dev/sdz")
		docker("exec", a, "cat", "/dev/sdz")
		docker("exec", a, "cat", "/host/data/secret")
		docker("exec", a, "sh", "-c", `printf '#!/bin/sh\n/bin/nc 127.0.0.1 1\n' > /tmp/npm; chmod +x /tmp/npm`)
		docker("exec", a, "/tmp/npm")
		// Group C: a container with SYS_ADMIN and NET_ADMIN.
		docker("exec", c, "mkdir", "-p", "/tmp/cg")
		docker("exec", c, "mount", "-t", "cgroup", "-o", "none,name=kestreltest", "cgroup", "/tmp/cg")
		docker("exec", c, "sh", "-c", ": > /tmp/cg/release_agent")
		docker("exec", c, "umount", "/tmp/cg")
		// The metadata address on the container's own loopback (its
		// network namespace has no other interface).
		docker("exec", c, "ip", "addr", "add", "169.254.169.254/32", "dev", "lo")
		docker("exec", "-d", c, "nc", "-l", "-p", "80")
		waitListening(t, cID, 80)
		docker("exec", c, "nc", "169.254.169.254", "80")
		// Group B: rules on a container's first process.
		run("kestrel-rules-tty-"+tag, []string{"-t"}, "sh", "-c", "sleep 1")
		run("kestrel-rules-tar-"+tag, []string{"-v", hostData + ":/data:ro"}, "tar", "cf", "/dev/null", "/data")
		run("kestrel-rules-mod-"+tag, []string{"--cap-add", "SYS_MODULE"}, "sh", "-c", "echo x > /tmp/m.ko; insmod /tmp/m.ko; true")
	}, filepath.Join(dir, "falco_rules.yaml"), filepath.Join(dir, "falco-incubating_rules.yaml"),
		filepath.Join(dir, "falco-sandbox_rules.yaml"))
	want := []ruleFire{
		{"stable", "Read sensitive file untrusted", true},
		{"stable", "Terminal shell in container", false},
		{"stable", "Netcat Remote Code Execution in Container", true},
		{"stable", "Clear Log Activities", true},
		{"stable", "Packet socket created in container", true},
		{"stable", "Redirect STDOUT/STDIN to Network Connection in Container", true},
		{"stable", "Linux Kernel Module Injection Detected", false},
		{"stable", "Detect release_agent File Container Escapes", true},
		{"stable", "Execution from /dev/shm", true},
		{"stable", "Drop and execute new binary in container", true},
		{"incubating", "Change thread namespace", true},
		{"incubating", "Change namespace privileges via unshare", true},
		{"incubating", "Launch Excessively Capable Container", false},
		{"incubating", "Contact EC2 Instance Metadata Service From Container", true},
		{"incubating", "Contact cloud metadata service from container", true},
		{"incubating", "Launch Package Management Process in Container", true},
		{"incubating", "Launch Suspicious Network Tool in Container", true},
		{"incubating", "Launch Remote File Copy Tools in Container", true},
		{"incubating", "Launch Ingress Remote File Copy Tools in Container", true},
		{"incubating", "Read environment variable from /proc files", true},
		{"incubating", "Exfiltrating Artifacts via Kubernetes Control Plane", false},
		{"sandbox", "Write below etc", true},
		{"sandbox", "Write below root", true},
		{"sandbox", "Launch Sensitive Mount Container", false},
		{"sandbox", "Kubernetes Client Tool Launched in Container", true},
		{"sandbox", "Decoding Payload in Container", true},
		{"sandbox", "Network Tool Executed During NPM Package Install", true},
		{"sandbox", "Privileged Container Device Access", true},
		{"sandbox", "Container Access to Host Sensitive Paths", true},
	}
	perFile := map[string]int{}
	for _, w := range want {
		var mine []liveAlert
		for _, a := range alertsOf(t, out, w.rule) {
			if _, ok := ids[fmt.Sprint(a.OutputFields["container.id"])]; ok {
				mine = append(mine, a)
			}
		}
		if len(mine) == 0 {
			t.Errorf("%s (%s): no alert from the test's containers", w.rule, w.file)
			continue
		}
		perFile[w.file]++
		if !w.withMetadata {
			continue
		}
		ok := false
		for _, a := range mine {
			name, _ := a.OutputFields["container.name"].(string)
			if strings.HasPrefix(name, "kestrel-rules-") &&
				a.OutputFields["container.image.repository"] == "kestrel-test/busybox" &&
				strings.Contains(a.Output, "container_name="+name) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: alerts lack the container's metadata: %+v", w.rule, mine[0])
		}
	}
	t.Logf("rules needing container fields raised from real container actions: %d stable, %d incubating, %d sandbox",
		perFile["stable"], perFile["incubating"], perFile["sandbox"])
	for _, host := range []string{"Launch Suspicious Network Tool on Host", "Netcat/Socat Remote Code Execution on Host"} {
		for _, a := range alertsOf(t, out, host) {
			if _, ok := ids[fmt.Sprint(a.OutputFields["container.id"])]; ok {
				t.Errorf("%s raised for a container: %s", host, a.Output)
			}
		}
	}
}

func falcoRulesDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(falcoRules(t))
}

// docker exec's process is orphaned on its way in (runc's intermediate
// child exits) and adopted by containerd-shim, a child subreaper set up
// before Kestrel started: the probe reports the kernel's new reaper in
// procexit, so the state reparents the process to the shim, never to the
// host's init, and Falco's container_entrypoint macro holds every time.
func TestDockerExecParentLive(t *testing.T) {
	mgr := dockerManager(t)
	image := dockertest.Image(t, "kestrel-test/busybox:live")
	id := dockertest.Run(t, image, nil, "sleep", "60")
	const n = 10
	out, _ := runAgentWith(t, mgr, func(*liveRun) {
		for i := 0; i < n; i++ {
			if b, err := exec.Command("docker", "exec", id, "cat", "/etc/hostname").CombinedOutput(); err != nil {
				t.Fatalf("docker exec: %v %s", err, b)
			}
		}
	}, fmt.Sprintf(`
- rule: exec parent
  desc: x
  condition: evt.type = execve and container.id = %s and proc.name = cat
  output: parent (%%proc.pname %%proc.ppid)
  priority: INFO
`, id[:12]))
	as := alertsOf(t, out, "exec parent")
	if len(as) != n {
		t.Fatalf("%d exec alerts, want %d:\n%s", len(as), n, out)
	}
	for _, a := range as {
		p, _ := a.OutputFields["proc.pname"].(string)
		if !strings.HasPrefix(p, "containerd-shim") && !strings.HasPrefix(p, "runc") {
			t.Errorf("cat's parent is %q (ppid %v), want containerd-shim or runc", p, a.OutputFields["proc.ppid"])
		}
	}
}

// waitListening waits until a TCP socket of the container (full or short
// id) listens on port: a client started earlier would be refused.
func waitListening(t *testing.T, id string, port int) {
	t.Helper()
	b, err := exec.Command("docker", "inspect", "-f", "{{.State.Pid}}", id).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", id, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	testutil.WaitUntil(t, fmt.Sprintf("listener on port %d in container %s", port, container.ShortID(id)), func() bool {
		return testutil.Listening(pid, port)
	})
}
