package pipeline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The container events of run_as_user_0_container.scap (libsinsp's JSON
// events: a first "incomplete" answer, then Docker's) fill container.*
// on replay, and rules see them as evt.type=container, as Falco's do.
func TestContainerEventsOnReplay(t *testing.T) {
	capture := shared(t, "captures", "run_as_user_0_container.scap")
	rules := `
- rule: container seen
  desc: a container event
  condition: evt.type = container
  output: container event (id=%container.id name=%container.name image=%container.image repo=%container.image.repository tag=%container.image.tag ip=%container.ip type=%container.type privileged=%container.privileged digest=%container.image.digest)
  priority: INFO
- rule: exec in container
  desc: a program started in a container
  condition: evt.type = execve and container.id != host
  output: exec (proc=%proc.name name=%container.name image=%container.image.repository:%container.image.tag label=%container.label[maintainer] labels=%container.labels full=%container.full_id)
  priority: INFO
`
	st, out := run(t, Config{Capture: capture, Ruleset: ruleset(t, engine.MatchAll, rules)})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if st.ByRule["container seen"] != 2 {
		t.Fatalf("%d container events, want 2:\n%s", st.ByRule["container seen"], out)
	}
	want := []string{
		"container event (id=697956520d89 name=incomplete image=incomplete repo=incomplete tag=incomplete ip=0.0.0.0 " +
			"type=docker privileged=false digest=incomplete)",
		"container event (id=697956520d89 name=hopeful_taussig image=nginx repo=nginx tag=latest ip=172.17.0.2 " +
			"type=docker privileged=false digest=sha256:96fb261b66270b900ea5a2c17a26abbfabe95506e73c3a3c65869a6dbe83223a)",
	}
	got := 0
	for _, l := range lines {
		if strings.Contains(l, "container event") {
			if !strings.Contains(l, want[got]) {
				t.Errorf("container event %d: %s\nwant %s", got, l, want[got])
			}
			got++
		}
	}
	// ls runs in the container after its metadata arrived; the capture's
	// JSON has no full_id (libsinsp 2022), which the plugin reads as "".
	found := false
	for _, l := range lines {
		if strings.Contains(l, "exec (proc=ls ") {
			found = true
			wantExec := "exec (proc=ls name=hopeful_taussig image=nginx:latest label=NGINX Docker Maintainers " +
				"<docker-maint@nginx.com> labels=maintainer:NGINX Docker Maintainers <docker-maint@nginx.com> full=)"
			if !strings.Contains(l, wantExec) {
				t.Errorf("exec alert: %s\nwant %s", l, wantExec)
			}
		}
	}
	if !found {
		t.Errorf("no exec alert for ls in the container:\n%s", out)
	}
}

// A privileged container announced by the plugin's "container" async
// event, then its first process (vpid 1): Falco's incubating rule Launch
// Privileged Container fires with the container's metadata; once the
// "container_removed" event has come, the container is forgotten.
func TestPrivilegedContainerFromAsyncEvents(t *testing.T) {
	rulesFile := shared(t, "falco-rules", "falco-incubating_rules.yaml")
	stable := shared(t, "falco-rules", "falco_rules.yaml")
	const fullID = "5f0c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
	cgroups := []string{"cpuset=/docker/" + fullID, "memory=/docker/" + fullID}
	path := filepath.Join(t.TempDir(), "privileged.scap")
	w, err := scap.Create(path, scap.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUsers([]state.UserInfo{{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/sh"}},
		[]state.GroupInfo{{GID: 0, Name: "root"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteThreads([]state.ThreadInfo{
		{Tid: 1, Pid: 1, Comm: "systemd", Exe: "/sbin/init", ExePath: "/usr/lib/systemd/systemd", Cwd: "/", VTid: 1, VPid: 1},
		{Tid: 3000, Pid: 3000, PTid: 1, Comm: "containerd-shim", Exe: "containerd-shim", ExePath: "/usr/bin/containerd-shim-runc-v2",
			Cwd: "/", VTid: 3000, VPid: 3000},
		{Tid: 3001, Pid: 3001, PTid: 3000, Comm: "runc:[2:INIT]", Exe: "runc", Args: []string{"init"},
			ExePath: "/usr/bin/runc", Cwd: "/", VTid: 1, VPid: 1,
			Cgroups: []state.Cgroup{{Subsys: "cpuset", Path: "/docker/" + fullID}}},
	}); err != nil {
		t.Fatal(err)
	}
	info := &container.Info{Type: container.TypeDocker, ID: fullID[:12], FullID: fullID, Name: "escape-artist",
		Image: "docker.io/acme/tools:1.4", ImageRepo: "docker.io/acme/tools", ImageTag: "1.4", Privileged: true,
		Mounts: []container.Mount{{Source: "/", Destination: "/host", Mode: "", RW: true, Propagation: "rprivate"}},
		Labels: map[string]string{container.LabelPodName: "tools-0", container.LabelPodNamespace: "ops", "team": "red"},
		Size:   -1, CPUPeriod: container.DefaultCPUPeriod, CPUShares: container.DefaultCPUShares}
	c := &captureBuilder{t: t, w: w, ts: 1_764_000_000_000_000_000}
	// An event before the metadata: the container id is known already.
	c.execve(3001, 3001, 3000, "true", nil, "true", "/bin/true", cgroups, 0, 0)
	c.event(event.AsynceventE, 0, uint32(0), "container", info.JSON())
	c.execve(3001, 3001, 3000, "sh", []string{"-c", "id"}, "sh", "/bin/sh", cgroups, 0, 0)
	c.event(event.AsynceventE, 0, uint32(0), "container_removed", info.JSON())
	c.execve(3001, 3001, 3000, "id", nil, "id", "/bin/id", cgroups, 0, 0)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rules := `
- rule: metadata
  desc: container fields of each exec
  condition: spawned_process and container
  output: meta (name=%container.name privileged=%container.privileged mounts=%container.mounts host_mount=%container.mount.dest[/] pod=%k8s.pod.name ns=%k8s.ns.name team=%container.label[team] labels=%container.labels)
  priority: INFO
`
	_, out := run(t, Config{Capture: path, Ruleset: ruleset(t, engine.MatchAll, stable, rulesFile, rules)})
	alerts := strings.Split(strings.TrimSpace(out), "\n")
	var launch, meta []string
	for _, a := range alerts {
		switch {
		case strings.Contains(a, "Privileged container started"):
			launch = append(launch, a)
		case strings.Contains(a, "meta ("):
			meta = append(meta, a)
		}
	}
	if len(launch) != 1 || !strings.Contains(launch[0], "process=sh ") ||
		!strings.Contains(launch[0], "container_name=escape-artist") ||
		!strings.Contains(launch[0], "container_image_repository=docker.io/acme/tools") {
		t.Fatalf("Launch Privileged Container alerts:\n%s", strings.Join(launch, "\n"))
	}
	if len(meta) != 3 {
		t.Fatalf("meta alerts:\n%s", out)
	}
	if want := "meta (name=<NA> privileged=<NA> mounts=<NA> host_mount=<NA> pod=<NA> ns=<NA> team=<NA> labels=<NA>) " +
		"container_id=" + fullID[:12]; !strings.Contains(meta[0], want) {
		t.Errorf("before the metadata: %s\nwant %s", meta[0], want)
	}
	meta = meta[1:]
	if want := "meta (name=escape-artist privileged=true mounts=/:/host::true:rprivate host_mount=/host pod=tools-0 ns=ops " +
		"team=red labels=team:red)"; !strings.Contains(meta[0], want) {
		t.Errorf("first exec: %s\nwant %s", meta[0], want)
	}
	if want := "meta (name=<NA> privileged=<NA> mounts=<NA> host_mount=<NA> pod=<NA> ns=<NA> team=<NA> labels=<NA>)"; !strings.Contains(meta[1], want) {
		t.Errorf("after removal: %s\nwant %s", meta[1], want)
	}
}
