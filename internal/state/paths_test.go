package state

import (
	"fmt"
	"testing"
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
