package state

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/container"
)

func TestJoinPath(t *testing.T) {
	cases := []struct{ base, name, want string }{
		{"/home/u/", "file", "/home/u/file"},
		{"/home/u/", "./a/./b", "/home/u/a/b"},
		{"/home/u/", "../x", "/home/x"},
		{"/home/u/", "../../../../x", "/x"},
		{"/home/u/", "a//b///c/", "/home/u/a/b/c"},
		{"/home/u/", "/etc/../etc/passwd", "/etc/passwd"},
		{"/home/u/", "/", "/"},
		{"/home/u/", "/..", "/"},
		{"/home/u/", ".", "/home/u"},
		{"/home/u/", "..", "/home"},
		{"/home/u/", "a./b", "/home/u/a./b"},
		{"/home/u/", "...", "/home/u/..."},
		{"/home/u/", ".hidden", "/home/u/.hidden"},
		{"/home/u/", "", ""},
		{"", "a/../b", "b"},
		{"", "/a/../b", "/b"},
		{".", "/abs", "/abs"},
		{"<UNKNOWN>", "f", "<UNKNOWN>f"},
		{"/", "..", "/"},
	}
	for _, c := range cases {
		if got := joinPath(c.base, c.name); got != c.want {
			t.Errorf("joinPath(%q, %q) = %q, want %q", c.base, c.name, got, c.want)
		}
	}
	long := make([]byte, 1100)
	for i := range long {
		long[i] = 'a'
	}
	if got := joinPath("/", string(long)); got != tooLongPath {
		t.Errorf("long path = %q", got)
	}
}

func TestContainerID(t *testing.T) {
	id := "697956520d891b5cb0e215093970c733549a3f745f52263c05b37f8a488994f3"
	cases := []struct{ path, want string }{
		{"/docker/" + id, "697956520d89"},
		{"/system.slice/docker-" + id + ".scope", "697956520d89"},
		{"/kubepods/besteffort/pod123/" + id, "697956520d89"},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice/cri-containerd-" + id + ".scope", "697956520d89"},
		{"/kubepods.slice/kubepods-pod1.slice/crio-" + id + ".scope", "697956520d89"},
		{"/machine.slice/libpod-" + id + ".scope/container", "697956520d89"},
		{"/system.slice/containerd.service/kubepods-burstable-pod1.slice:cri-containerd:" + id, "697956520d89"},
		{"/default/mycontainer", "mycontainer"},
		{"/lxc/web01", "web01"},
		{"/lxc.payload.web02/init.scope", "web02"},
		{"/machine.slice/machine-lxc\\x2d2293906\\x2dlibvirt\\x2dcontainer.scope", "2293906\\x2dlibvirt\\x2dcontainer"},
		{"/user.slice/user-1000.slice/session-2.scope", ""},
		{"/system.slice/sshd.service", ""},
		{"/", ""},
		{"/init.scope", ""},
		// Any /namespace/name path looks like a ctr-created containerd
		// container to the plugin.
		{"/docker/notanid", "notanid"},
	}
	for _, c := range cases {
		if got := ContainerIDFromCgroup(c.path); got != c.want {
			t.Errorf("ContainerIDFromCgroup(%q) = %q, want %q", c.path, got, c.want)
		}
	}
	cg := parseCgroups([]byte("cpuset=/\x00perf=/docker/" + id + "\x00io=/\x00name_cgroup=x\x00"))
	if len(cg) != 4 || cg[1].Subsys != "perf_event" || cg[2].Subsys != "blkio" || cg[3].Subsys != "name" {
		t.Errorf("parseCgroups = %+v", cg)
	}
	if got := ContainerIDFromCgroups(cg); got != "697956520d89" {
		t.Errorf("ContainerIDFromCgroups = %q", got)
	}
}

// The memo of container ids stays bounded under container churn and keeps
// giving the same answers after it is emptied.
func TestCgroupMemoBounded(t *testing.T) {
	tabs := New(Options{})
	const id = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
	for i := range 3 * maxCgroupMemo {
		b := []byte(fmt.Sprintf("cpuset=/docker/%s\x00memory=/x/%d\x00", id, i))
		cgs, got := tabs.cgroupsOf(b)
		if got != id[:12] || len(cgs) != 2 {
			t.Fatalf("round %d: id %q, %d cgroups", i, got, len(cgs))
		}
		if len(tabs.cgroupMemo) > maxCgroupMemo || len(tabs.pathMemo) > maxCgroupMemo {
			t.Fatalf("memo grew to %d/%d entries", len(tabs.cgroupMemo), len(tabs.pathMemo))
		}
	}
	if got := tabs.containerIDOf([]Cgroup{{"cpu", "/user.slice"}}); got != "" {
		t.Errorf("host cgroup gave %q", got)
	}
}

// Each runtime's cgroup layouts, v1 and v2, give the id, the full id when
// the path holds one, and the runtime whose layout matched.
func TestContainerFromCgroupLayouts(t *testing.T) {
	id := "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
	short := id[:12]
	cases := []struct {
		what, path string
		want       container.Request
	}{
		{"docker, cgroupfs (v1 and v2)", "/docker/" + id, container.Request{ID: short, FullID: id, Type: container.TypeDocker}},
		{"docker, systemd driver", "/system.slice/docker-" + id + ".scope", container.Request{ID: short, FullID: id, Type: container.TypeDocker}},
		{"docker in docker", "/docker/" + strings.Repeat("b", 64) + "/docker/" + id, container.Request{ID: short, FullID: id, Type: container.TypeDocker}},
		{"podman rootful", "/machine.slice/libpod-" + id + ".scope", container.Request{ID: short, FullID: id, Type: container.TypePodman}},
		{"podman rootful, v2 leaf", "/machine.slice/libpod-" + id + ".scope/container", container.Request{ID: short, FullID: id, Type: container.TypePodman}},
		{"podman rootless", "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope",
			container.Request{ID: short, FullID: id, Type: container.TypePodman}},
		{"podman conmon payload", "/machine.slice/libpod-payload-" + id, container.Request{ID: short, FullID: id, Type: container.TypePodman}},
		{"kubernetes containerd, systemd driver", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e.slice/cri-containerd-" + id + ".scope",
			container.Request{ID: short, FullID: id, Type: container.TypeCRI}},
		{"kubernetes containerd, systemd cgroup path form", "/system.slice/containerd.service/kubepods-burstable-pod1.slice:cri-containerd:" + id,
			container.Request{ID: short, FullID: id, Type: container.TypeCRI}},
		{"kubernetes cri-o, systemd driver", "/kubepods.slice/kubepods-pod1.slice/crio-" + id + ".scope",
			container.Request{ID: short, FullID: id, Type: container.TypeCRIO}},
		{"kubernetes cri-o, cgroupfs", "/kubepods/burstable/pod1/crio-" + id, container.Request{ID: short, FullID: id, Type: container.TypeCRIO}},
		// The cgroupfs driver's Kubernetes layout is Docker's: the plugin
		// matches it as Docker and the lookup tries every runtime.
		{"kubernetes, cgroupfs", "/kubepods/besteffort/pod123/" + id, container.Request{ID: short, FullID: id, Type: container.TypeDocker}},
		{"nerdctl", "/system.slice/nerdctl-" + id + ".scope", container.Request{ID: short, FullID: id, Type: container.TypeCRI}},
		{"ctr in namespace k8s.io", "/k8s.io/" + id, container.Request{ID: short, FullID: id, Type: container.TypeDocker}},
		{"ctr, free-form id", "/default/redis-1", container.Request{ID: "redis-1", Type: container.TypeContainerd}},
		// The plugin's containerd matcher (any /namespace/name) runs before
		// its LXC matcher and claims LXC's old layout.
		{"lxc 1-3", "/lxc/web01", container.Request{ID: "web01", Type: container.TypeContainerd}},
		{"lxc 4 payload", "/lxc.payload.web02/init.scope", container.Request{ID: "web02", Type: container.TypeLXC}},
		{"libvirt-lxc", "/machine.slice/machine-lxc\\x2d2293906\\x2dlibvirt\\x2dcontainer.scope",
			container.Request{ID: "2293906\\x2dlibvirt\\x2dcontainer", Type: container.TypeLibvirtLXC}},
		{"host service", "/system.slice/sshd.service", container.Request{}},
		{"host session scope", "/user.slice/user-1000.slice/session-2.scope", container.Request{}},
	}
	for _, c := range cases {
		if got := ContainerFromCgroup(c.path); got != c.want {
			t.Errorf("%s: ContainerFromCgroup(%q) = %+v, want %+v", c.what, c.path, got, c.want)
		}
	}
}

// Threads of containers without metadata are announced once; runtimes
// known from cgroups alone get their metadata at once; a refused request
// is announced again by the next thread.
func TestContainerAnnouncements(t *testing.T) {
	id := "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
	var asked []container.Request
	accept := true
	tb := New(Options{OnNewContainer: func(r container.Request) bool {
		asked = append(asked, r)
		return accept
	}})
	accept = false
	tb.cgroupsOf([]byte("cpuset=/docker/" + id + "\x00"))
	accept = true
	tb.cgroupsOf([]byte("cpuset=/docker/" + id + "\x00"))
	tb.cgroupsOf([]byte("memory=/docker/" + id + "\x00"))
	if len(asked) != 2 || asked[1].FullID != id {
		t.Fatalf("announcements %+v", asked)
	}
	tb.AddContainer(&container.Info{ID: id[:12], Name: "web"})
	tb.cgroupsOf([]byte("pids=/docker/" + id + "\x00"))
	if len(asked) != 2 {
		t.Fatalf("a container with metadata was announced: %+v", asked)
	}
	tb.cgroupsOf([]byte("cpuset=/lxc.payload.web01/init.scope\x00"))
	if c := tb.Container("web01"); c == nil || c.Type != container.TypeLXC || len(asked) != 2 {
		t.Fatalf("lxc container %+v, asked %+v", c, asked)
	}
	// The table is bounded.
	small := New(Options{MaxContainers: 3})
	for i := 0; i < 10; i++ {
		small.AddContainer(&container.Info{ID: strings.Repeat(string(rune('a'+i)), 12)})
	}
	if small.Containers() != 3 || small.Stats().ContainersEvicted != 7 {
		t.Fatalf("%d containers, %d evicted", small.Containers(), small.Stats().ContainersEvicted)
	}
}
