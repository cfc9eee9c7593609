package container

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// listen makes a unix socket at root+path.
func listen(t *testing.T, root, path string) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
}

// Sockets are looked for under the host root; rootless Podman sockets are
// found per user; a regular file where a socket should be is ignored.
func TestEndpointsUnderHostRoot(t *testing.T) {
	root := t.TempDir()
	listen(t, root, "/var/run/docker.sock")
	listen(t, root, "/run/user/1000/podman/podman.sock")
	listen(t, root, "/run/crio/crio.sock")
	if err := os.MkdirAll(filepath.Join(root, "run/containerd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "run/containerd/containerd.sock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultEngineConfig()
	cfg.HostRoot = root
	got := cfg.Endpoints()
	want := []Endpoint{
		{"podman", filepath.Join(root, "/run/user/1000/podman/podman.sock")},
		{"docker", filepath.Join(root, "/var/run/docker.sock")},
		{"cri", filepath.Join(root, "/run/crio/crio.sock")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("endpoints %+v\nwant %+v", got, want)
	}
	cfg.CRI.Enabled = false
	cfg.Podman.Sockets = []string{"/run/podman/podman.sock"}
	cfg.Docker.Sockets = []string{"/elsewhere/docker.sock"}
	if got := cfg.Endpoints(); len(got) != 1 || got[0].Engine != "podman" {
		t.Fatalf("endpoints %+v", got)
	}
}

// Falco's JSON form round-trips, and the payload of older writers (ip as
// a host-order number, NUL-terminated) decodes.
func TestContainerJSON(t *testing.T) {
	c := &Info{Type: TypeCRIO, ID: "0123456789ab", FullID: "0123456789abcdef", Name: "web", Image: "quay.io/a/b:1",
		ImageRepo: "quay.io/a/b", ImageTag: "1", Labels: map[string]string{"io.kubernetes.pod.name": "p", "x": ""},
		Mounts:     []Mount{{Source: "/a", Destination: "/b", Mode: "ro", RW: false, Propagation: "rprivate"}},
		Privileged: true, HostPID: true, IP: "10.0.0.5", PodSandboxID: "fedcba9876543210",
		PodSandboxLabels: map[string]string{"app": "web"}, Size: -1, Env: []string{"A=1"}}
	got, err := ParseJSON(c.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", got, c)
	}
	old, err := ParseJSON([]byte(`{"container":{"id":"abc","ip":2886795266,"type":0,"labels":null,"Mounts":[]}}` + "\x00"))
	if err != nil || old.IP != "172.17.0.2" || old.Type != TypeDocker || old.Size != -1 {
		t.Fatalf("old payload %+v %v", old, err)
	}
	for _, bad := range []string{`{`, `{"other":{}}`, `{"container":{"ip":[1]}}`} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if s := LabelsString(map[string]string{"b": "2", "a": "", "io.kubernetes.pod.uid": "u", "annotation.x": "y"}); s != "a, b:2" {
		t.Errorf("labels %q", s)
	}
	for ref, want := range map[string][3]string{
		"nginx":                             {"nginx", "", ""},
		"nginx:1.25":                        {"nginx", "1.25", ""},
		"registry:5000/ns/app:2":            {"registry:5000/ns/app", "2", ""},
		"registry:5000/ns/app":              {"registry:5000/ns/app", "", ""},
		"app@sha256:abc":                    {"app", "", "sha256:abc"},
		"docker.io/library/app:1@sha256:ab": {"docker.io/library/app", "1", "sha256:ab"},
	} {
		r, tg, d := SplitImage(ref)
		if [3]string{r, tg, d} != want {
			t.Errorf("SplitImage(%q) = %q %q %q, want %v", ref, r, tg, d, want)
		}
	}
}

func TestCountCPUSet(t *testing.T) {
	for set, want := range map[string]int64{
		"": 0, "0": 1, "3": 1, "1,7": 2, "0-3,7": 5, "1-4,7": 5, "1-4,7-10,12": 9,
		"3-1": 0, "x": 0, "a-b": 0, "a-3": 0, "0-1-2": 0, "1-2-3": 0,
	} {
		if got := CountCPUSet(set); got != want {
			t.Errorf("CountCPUSet(%q) = %d, want %d", set, got, want)
		}
	}
	dst := map[string]string{}
	CopyLabels(dst, map[string]string{"short": "v", "long": strings.Repeat("x", LabelMaxLen+1), "edge": strings.Repeat("y", LabelMaxLen)})
	if len(dst) != 2 || dst["short"] != "v" || dst["edge"] == "" {
		t.Errorf("CopyLabels kept %v", dst)
	}
}
