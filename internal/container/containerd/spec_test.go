package containerd

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/kestrel-project/kestrel/internal/container"
)

func TestPrivilegedHeuristic(t *testing.T) {
	rw := []specs.Mount{{Destination: "/sys", Type: "sysfs", Options: []string{"nosuid", "rw"}}, {Destination: "/sys/fs/cgroup", Type: "cgroup", Options: []string{"rw"}}}
	ro := []specs.Mount{{Destination: "/sys", Type: "sysfs", Options: []string{"nosuid", "ro"}}}
	for _, tc := range []struct {
		name string
		spec specs.Spec
		want bool
	}{
		{"privileged", specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{}, Mounts: rw}, true},
		{"apparmor unconfined", specs.Spec{Process: &specs.Process{ApparmorProfile: "unconfined"}, Linux: &specs.Linux{}, Mounts: rw}, true},
		{"read-only sysfs", specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{}, Mounts: ro}, false},
		{"masked paths", specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{MaskedPaths: []string{"/proc/kcore"}}, Mounts: rw}, false},
		{"read-only paths", specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{ReadonlyPaths: []string{"/proc/sys"}}, Mounts: rw}, false},
		{"seccomp", specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{Seccomp: &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}}, Mounts: rw}, false},
		{"selinux label", specs.Spec{Process: &specs.Process{SelinuxLabel: "system_u:system_r:container_t:s0"}, Linux: &specs.Linux{}, Mounts: rw}, false},
		{"apparmor profile", specs.Spec{Process: &specs.Process{ApparmorProfile: "cri-containerd.apparmor.d"}, Linux: &specs.Linux{}, Mounts: rw}, false},
		{"no linux section", specs.Spec{Process: &specs.Process{}, Mounts: rw}, false},
	} {
		if got := privileged(&tc.spec); got != tc.want {
			t.Errorf("%s: privileged = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestHostNamespaces(t *testing.T) {
	for _, tc := range []struct {
		name              string
		linux             *specs.Linux
		pid, network, ipc bool
	}{
		{"own", &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace}, {Type: specs.MountNamespace}}}, false, false, false},
		// oci.WithHostNamespace removes the entry.
		{"host network", &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}}}, false, true, false},
		{"all host", &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}}}, true, true, true},
		// Joined by path: the plugin counts it as the container's own.
		{"joined", &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace, Path: "/proc/42/ns/pid"}, {Type: specs.NetworkNamespace, Path: "/var/run/netns/x"}, {Type: specs.IPCNamespace, Path: "/proc/42/ns/ipc"}}}, false, false, false},
		{"unknown", nil, false, false, false},
	} {
		pid, network, ipc := hostNamespaces(&specs.Spec{Linux: tc.linux})
		if pid != tc.pid || network != tc.network || ipc != tc.ipc {
			t.Errorf("%s: host pid/network/ipc = %v/%v/%v, want %v/%v/%v", tc.name, pid, network, ipc, tc.pid, tc.network, tc.ipc)
		}
	}
}

func TestMounts(t *testing.T) {
	s := &specs.Spec{
		Linux: &specs.Linux{RootfsPropagation: "rprivate"},
		Mounts: []specs.Mount{
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755"}},
			{Destination: "/host", Type: "bind", Source: "/", Options: []string{"rbind", "rslave", "ro"}},
			{Destination: "/data", Type: "bind", Source: "/srv/data", Options: []string{"rbind", "rw"}},
		},
	}
	want := []container.Mount{
		{Source: "tmpfs", Destination: "/dev", Mode: "755", RW: true, Propagation: "rprivate"},
		{Source: "/", Destination: "/host", RW: false, Propagation: "rslave"},
		{Source: "/srv/data", Destination: "/data", RW: true, Propagation: "rprivate"},
	}
	if got := mounts(s); !reflect.DeepEqual(got, want) {
		t.Errorf("mounts = %+v\n want %+v", got, want)
	}
}

// A spec that does not decode leaves an empty one, never a panic: no
// mounts, not privileged, no host namespace claimed.
func TestMalformedSpec(t *testing.T) {
	for _, v := range [][]byte{[]byte(`{"process":`), []byte(`{"linux":"x"}`), nil} {
		s := spec(&containersapi.Container{ID: "x", Spec: &anypb.Any{TypeUrl: "types.containerd.io/opencontainers/runtime-spec/1/Spec", Value: v}})
		pid, network, ipc := hostNamespaces(s)
		if len(mounts(s)) != 0 || privileged(s) || pid || network || ipc {
			t.Errorf("spec %q: mounts %v privileged %v host %v/%v/%v", v, mounts(s), privileged(s), pid, network, ipc)
		}
	}
	if s := spec(&containersapi.Container{ID: "x"}); s == nil {
		t.Error("no spec gave nil")
	}
}

// A socket nobody serves: every call fails quickly, naming it.
func TestDeadSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "ctrd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "missing.sock")
	c, err := New(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for name, call := range map[string]func() error{
		"inspect": func() error { _, err := c.Inspect(context.Background(), "abc"); return err },
		"list":    func() error { _, err := c.List(context.Background()); return err },
		"watch":   func() error { return c.Watch(context.Background(), func(container.Lifecycle) {}) },
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), sock) {
			t.Errorf("%s: err = %v, want an error naming %s", name, err, sock)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("calls on a dead socket took %v", d)
	}
	if c.Name() != "containerd "+sock {
		t.Errorf("name = %q", c.Name())
	}
}
