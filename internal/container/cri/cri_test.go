package cri

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/kestrel-project/kestrel/internal/container"
)

const (
	cdCtr     = "a6c6bfec601ecfd8d0c6b62cb018d6ef43f91d4f65f308704c0cc5bfd6c37784"
	cdSandbox = "36d5d93d3b7e1b0ff83176c8d7c3537e8d8b08a91a729447bb889a6f8eac04ef"
	cdPodUID  = "b0a597b5-28a9-432f-8079-23b4c86f6f2d"

	privCtr     = "7539f2cae36e1221330b05b8b4cc0a1da3f21598180cc2cafe859f7b20d59c26"
	privSandbox = "c494dfb6446cea4ab3fd13c7839d1ff34f9657ded5776457a9976bee7848aec6"
	privPodUID  = "7edd357d-3e9d-4daf-8c82-865d290592e5"

	crioCtr     = "d97a4b663705ebec60b6f50826db7bbd7b06d8392dda9322a04316c2200dfa8b"
	crioSandbox = "38a45d47322dcb84dca1994e4f259f42362b82ae8970abad920fd274207d5fa7"
	crioPodUID  = "73ede1b0-3c80-48c5-b3c0-3d342d5c7773"
)

// containerdFake serves the containerd recordings: the nginx pod and the
// privileged host-network DaemonSet pod.
func containerdFake(t *testing.T) *fakeRuntime {
	f := newFake("containerd", "v2.1.4")
	f.addContainer(loadContainer(t, "containerd/container.json"), cdSandbox)
	f.addSandbox(loadSandbox(t, "containerd/sandbox.json"))
	f.addContainer(loadContainer(t, "containerd/privileged-container.json"), privSandbox)
	f.addSandbox(loadSandbox(t, "containerd/hostnet-sandbox.json"))
	return f
}

func crioFake(t *testing.T) *fakeRuntime {
	f := newFake("cri-o", "1.31.2")
	f.addContainer(loadContainer(t, "crio/container.json"), crioSandbox)
	f.addSandbox(loadSandbox(t, "crio/sandbox.json"))
	return f
}

func kubeletDir(uid string) string { return "/var/lib/kubelet/pods/" + uid }

// containerdNginx is what the recorded nginx container maps to.
func containerdNginx() *container.Info {
	return &container.Info{
		Type:        container.TypeContainerd,
		ID:          "a6c6bfec601e",
		FullID:      cdCtr,
		Name:        "nginx",
		Image:       "docker.io/library/nginx:1.27.3",
		ImageRepo:   "docker.io/library/nginx",
		ImageTag:    "1.27.3",
		ImageDigest: "sha256:0b01e9b95d3b16e3d3071af18cce17d06f481b9317c9fede89984a4a6436423d",
		ImageID:     "0e6829da9ec02611baa9139851a1b1e26fd5b9f9539c26826adc554414354c98",
		User:        "101",
		// config.envs: the pod spec's variables, not the image's.
		Env: []string{"SHOP_MODE=production", "KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443"},
		Labels: map[string]string{
			"io.kubernetes.container.name": "nginx",
			"io.kubernetes.pod.name":       "web-7d4b9c8f5-x2x9q",
			"io.kubernetes.pod.namespace":  "shop",
			"io.kubernetes.pod.uid":        cdPodUID,
			"io.kubernetes.sandbox.id":     cdSandbox,
		},
		Mounts: []container.Mount{
			{Source: kubeletDir(cdPodUID) + "/volumes/kubernetes.io~configmap/conf", Destination: "/etc/nginx/conf.d", RW: false, Propagation: "private"},
			{Source: "/var/log", Destination: "/var/log/host", RW: false, Propagation: "rslave"},
			{Source: kubeletDir(cdPodUID) + "/volumes/kubernetes.io~projected/kube-api-access-9qz2k", Destination: "/var/run/secrets/kubernetes.io/serviceaccount", RW: false, Propagation: "private"},
			{Source: kubeletDir(cdPodUID) + "/etc-hosts", Destination: "/etc/hosts", RW: true, Propagation: "private"},
			{Source: kubeletDir(cdPodUID) + "/containers/nginx/5e2c8a1f", Destination: "/dev/termination-log", RW: true, Propagation: "private"},
		},
		IP: "10.244.1.17",
		// libsinsp's form: no lo, no veth, no Mac or Sandbox, keys sorted.
		CNIJSON:      `{"cni0":{"IPConfigs":null,"PciID":"","SocketPath":""},"eth0":{"IPConfigs":[{"Gateway":"10.244.1.1","IP":"10.244.1.17"},{"Gateway":"fd00:10:244:1::1","IP":"fd00:10:244:1::11"}],"PciID":"","SocketPath":""}}`,
		CreatedTime:  1732198745,
		CPUPeriod:    100000,
		CPUQuota:     50000,
		CPUShares:    512,
		MemoryLimit:  268435456,
		SwapLimit:    268435456,
		Size:         -1,
		PodSandboxID: cdSandbox,
		PodSandboxLabels: map[string]string{
			"app":                         "web",
			"io.kubernetes.pod.name":      "web-7d4b9c8f5-x2x9q",
			"io.kubernetes.pod.namespace": "shop",
			"io.kubernetes.pod.uid":       cdPodUID,
			"pod-template-hash":           "7d4b9c8f5",
			"tier":                        "frontend",
		},
	}
}

// containerdNodeAgent is the privileged container of a hostNetwork,
// hostPID, hostIPC pod whose image was pulled by digest.
func containerdNodeAgent() *container.Info {
	podLabels := map[string]string{
		"app.kubernetes.io/name":      "node-agent",
		"controller-revision-hash":    "6b8f9d7c5",
		"io.kubernetes.pod.name":      "node-agent-8xk2p",
		"io.kubernetes.pod.namespace": "monitoring",
		"io.kubernetes.pod.uid":       privPodUID,
		"pod-template-generation":     "1",
		// team.example.com/description is longer than label_max_len.
	}
	return &container.Info{
		Type:   container.TypeContainerd,
		ID:     "7539f2cae36e",
		FullID: privCtr,
		Name:   "node-agent",
		// No tag: the status's image name is the image id, whose hex is no
		// tag (libsinsp would append it).
		Image:       "quay.io/prometheus/node-exporter",
		ImageRepo:   "quay.io/prometheus/node-exporter",
		ImageDigest: "sha256:88991202eafa2318dfe694763e1d2b90e0f72de29201a49b9b723eb36dac6268",
		ImageID:     "6d1346135a24c9f6a0c48652dcecfdadef5481f281bbabe4c83007d16872a8e5",
		User:        "0",
		Env:         []string{"NODE_NAME=worker-3"},
		Labels: map[string]string{
			"io.kubernetes.container.name": "node-agent",
			"io.kubernetes.pod.name":       "node-agent-8xk2p",
			"io.kubernetes.pod.namespace":  "monitoring",
			"io.kubernetes.pod.uid":        privPodUID,
			"io.kubernetes.sandbox.id":     privSandbox,
		},
		Mounts: []container.Mount{
			{Source: "/", Destination: "/host", RW: false, Propagation: "rslave"},
			{Source: "/var/lib/kubelet", Destination: "/var/lib/kubelet", RW: true, Propagation: "rshared"},
			{Source: kubeletDir(privPodUID) + "/containers/node-agent/0c7b5e41", Destination: "/dev/termination-log", RW: true, Propagation: "private"},
		},
		Privileged:       true,
		HostPID:          true,
		HostNetwork:      true,
		HostIPC:          true,
		CreatedTime:      1732201002,
		CPUPeriod:        100000,
		CPUShares:        2,
		CPUSetCPUCount:   3,
		Size:             -1,
		PodSandboxID:     privSandbox,
		PodSandboxLabels: podLabels,
	}
}

func crioRedis() *container.Info {
	return &container.Info{
		Type:        container.TypeCRIO,
		ID:          "d97a4b663705",
		FullID:      crioCtr,
		Name:        "redis",
		Image:       "docker.io/library/redis:7.4-alpine",
		ImageRepo:   "docker.io/library/redis",
		ImageTag:    "7.4-alpine",
		ImageDigest: "sha256:82c2fe246b15967a4ea6c94b6181f0408e2512730aaa98cbce80416ef2c10bd4",
		// CRI-O's info has no config: the status's image id.
		ImageID: "2cc3fbadb216bcfe27ae42314cbae358d3799789f8e7dd3d5e4402be2a607245",
		User:    "999",
		// CRI-O's info has no config either: the OCI process environment.
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm",
			"HOSTNAME=cache-0",
			"REDIS_VERSION=7.4.1",
			"REDIS_MAXMEMORY=150mb",
			"KUBERNETES_SERVICE_HOST=10.96.0.1",
			"KUBERNETES_SERVICE_PORT=443",
		},
		Labels: map[string]string{
			"io.kubernetes.container.name": "redis",
			"io.kubernetes.pod.name":       "cache-0",
			"io.kubernetes.pod.namespace":  "payments",
			"io.kubernetes.pod.uid":        crioPodUID,
			"io.kubernetes.sandbox.id":     crioSandbox,
		},
		Mounts: []container.Mount{
			{Source: kubeletDir(crioPodUID) + "/volumes/kubernetes.io~local-volume/local-pv-3c1a", Destination: "/data", RW: true, Propagation: "private"},
			{Source: kubeletDir(crioPodUID) + "/etc-hosts", Destination: "/etc/hosts", RW: true, Propagation: "private"},
			{Source: kubeletDir(crioPodUID) + "/containers/redis/8b1d4c7e", Destination: "/dev/termination-log", RW: true, Propagation: "private"},
			{Source: kubeletDir(crioPodUID) + "/volumes/kubernetes.io~projected/kube-api-access-m4x7d", Destination: "/var/run/secrets/kubernetes.io/serviceaccount", RW: false, Propagation: "private"},
		},
		Privileged: true,
		HostPID:    true,
		HostIPC:    true,
		IP:         "10.85.0.12",
		// CRI-O's annotation, as it stands.
		CNIJSON:      `{"cniVersion":"1.0.0","interfaces":[{"name":"cni0","mac":"9e:41:2b:c7:05:d8"},{"name":"veth1a2b3c4d","mac":"5a:e2:19:6f:b3:70"},{"name":"eth0","mac":"0a:58:0a:55:00:0c","sandbox":"/var/run/netns/2f6a1c3e-9b7d-4e5f-8a0c-1d2e3f4a5b6c"}],"ips":[{"interface":2,"address":"10.85.0.12/16","gateway":"10.85.0.1"}],"routes":[{"dst":"0.0.0.0/0","gw":"10.85.0.1"}],"dns":{}}`,
		CreatedTime:  1732205501,
		CPUPeriod:    100000,
		CPUQuota:     20000,
		CPUShares:    204,
		MemoryLimit:  209715200,
		SwapLimit:    209715200,
		Size:         -1,
		PodSandboxID: crioSandbox,
		PodSandboxLabels: map[string]string{
			"app":                                "cache",
			"apps.kubernetes.io/pod-index":       "0",
			"controller-revision-hash":           "cache-5c9d8f7b6",
			"io.kubernetes.container.name":       "POD",
			"io.kubernetes.pod.name":             "cache-0",
			"io.kubernetes.pod.namespace":        "payments",
			"io.kubernetes.pod.uid":              crioPodUID,
			"statefulset.kubernetes.io/pod-name": "cache-0",
		},
	}
}

// sandboxAsContainer is what Inspect answers for a sandbox id: the pause
// container, labelled like the pod.
func sandboxAsContainer(c *container.Info) *container.Info {
	labels := map[string]string{labelSandboxID: c.PodSandboxID}
	for k, v := range c.PodSandboxLabels {
		labels[k] = v
	}
	return &container.Info{
		Type:             c.Type,
		ID:               container.ShortID(c.PodSandboxID),
		FullID:           c.PodSandboxID,
		Name:             c.Labels[container.LabelPodName],
		Labels:           labels,
		Mounts:           []container.Mount{},
		HostPID:          c.HostPID,
		HostNetwork:      c.HostNetwork,
		HostIPC:          c.HostIPC,
		IP:               c.IP,
		CNIJSON:          c.CNIJSON,
		CPUPeriod:        container.DefaultCPUPeriod,
		CPUShares:        container.DefaultCPUShares,
		Size:             -1,
		IsPodSandbox:     true,
		PodSandboxID:     c.PodSandboxID,
		PodSandboxLabels: c.PodSandboxLabels,
	}
}

// checkInfo compares field by field, so that a failure names the field.
func checkInfo(t *testing.T, got, want *container.Info) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("info = %v, want %v", got, want)
		}
		return
	}
	g, w := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s = %#v\n want %#v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

func checkRequests[T proto.Message](t *testing.T, what string, got []T, want ...T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s requests = %v, want %v", what, got, want)
		return
	}
	for i := range got {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("%s request %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func statusReq(id string) *runtimeapi.ContainerStatusRequest {
	return &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: true}
}

func sandboxReq(id string) *runtimeapi.PodSandboxStatusRequest {
	return &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id, Verbose: true}
}

func TestNewTakesTypeFromVersion(t *testing.T) {
	for _, tc := range []struct {
		runtime string
		want    container.Type
	}{
		{"containerd", container.TypeContainerd},
		{"cri-o", container.TypeCRIO},
		{"cri-dockerd", container.TypeCRI},
	} {
		t.Run(tc.runtime, func(t *testing.T) {
			c, sock := connect(t, newFake(tc.runtime, "9.9.9"))
			if c.Type() != tc.want {
				t.Errorf("type = %v, want %v", c.Type(), tc.want)
			}
			if want := "cri(" + tc.runtime + ") " + sock; c.Name() != want {
				t.Errorf("name = %q, want %q", c.Name(), want)
			}
			if name, v := c.RuntimeVersion(); name != tc.runtime || v != "9.9.9" {
				t.Errorf("runtime version = %q %q", name, v)
			}
		})
	}
}

// Docker's containerd has its CRI plugin disabled: the socket answers,
// but not to CRI.
func TestNewOnSocketWithoutCRI(t *testing.T) {
	dir, err := os.MkdirTemp("", "cri")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "containerd.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	go srv.Serve(lis)
	defer srv.Stop()
	_, err = New(sock)
	if err == nil || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "does not serve CRI v1") {
		t.Fatalf("New = %v, want an error saying %s does not serve CRI", err, sock)
	}
}

func TestNewAcceptsUnixURL(t *testing.T) {
	sock, _ := serve(t, newFake("containerd", "v2.1.4"))
	c, err := New("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name() != "cri(containerd) "+sock {
		t.Errorf("name = %q", c.Name())
	}
}

func TestInspect(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fake      func(*testing.T) *fakeRuntime
		id        string
		sandboxID string
		want      *container.Info
	}{
		// The 12-character container.id, resolved by the runtime.
		{"containerd", containerdFake, cdCtr[:12], cdSandbox, containerdNginx()},
		{"containerd privileged host namespaces", containerdFake, privCtr, privSandbox, containerdNodeAgent()},
		{"cri-o privileged", crioFake, crioCtr[:12], crioSandbox, crioRedis()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fake(t)
			c, _ := connect(t, f)
			got, err := c.Inspect(context.Background(), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			checkInfo(t, got, tc.want)
			statuses, sandboxes, lists := f.requests()
			checkRequests(t, "ContainerStatus", statuses, statusReq(tc.id))
			checkRequests(t, "PodSandboxStatus", sandboxes, sandboxReq(tc.sandboxID))
			checkRequests(t, "ListContainers", lists)
		})
	}
}

// The pause process runs in a cgroup named after the sandbox, so its id
// reaches Inspect like a container's.
func TestInspectSandboxID(t *testing.T) {
	for _, tc := range []struct {
		name string
		fake func(*testing.T) *fakeRuntime
		id   string
		ctr  *container.Info
	}{
		{"containerd", containerdFake, cdSandbox[:12], containerdNginx()},
		{"containerd host network", containerdFake, privSandbox, containerdNodeAgent()},
		{"cri-o", crioFake, crioSandbox[:12], crioRedis()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fake(t)
			c, _ := connect(t, f)
			got, err := c.Inspect(context.Background(), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			want := sandboxAsContainer(tc.ctr)
			want.CreatedTime = got.CreatedTime
			if got.CreatedTime == 0 || got.CreatedTime >= tc.ctr.CreatedTime {
				t.Errorf("sandbox created %d, its container %d", got.CreatedTime, tc.ctr.CreatedTime)
			}
			checkInfo(t, got, want)
			statuses, sandboxes, _ := f.requests()
			checkRequests(t, "ContainerStatus", statuses, statusReq(tc.id))
			checkRequests(t, "PodSandboxStatus", sandboxes, sandboxReq(tc.id))
		})
	}
}

func TestInspectNotFound(t *testing.T) {
	f := containerdFake(t)
	c, sock := connect(t, f)
	_, err := c.Inspect(context.Background(), "0123456789ab")
	if !errors.Is(err, container.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	for _, s := range []string{sock, "inspect 0123456789ab"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
	statuses, sandboxes, _ := f.requests()
	checkRequests(t, "ContainerStatus", statuses, statusReq("0123456789ab"))
	checkRequests(t, "PodSandboxStatus", sandboxes, sandboxReq("0123456789ab"))
}

func TestInspectRuntimeError(t *testing.T) {
	f := containerdFake(t)
	f.statusErr[cdCtr] = status.Error(codes.Internal, "failed to get ContainerStatus: snapshot missing")
	c, sock := connect(t, f)
	_, err := c.Inspect(context.Background(), cdCtr)
	if err == nil || errors.Is(err, container.ErrNotFound) {
		t.Fatalf("err = %v, want a runtime error", err)
	}
	for _, s := range []string{sock, "ContainerStatus", "snapshot missing"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
}

// A verbose info that does not parse must not panic nor lose the
// container: its own fields come from the status, the sandbox id from
// the listing.
func TestInspectMalformedVerboseInfo(t *testing.T) {
	for _, tc := range []struct{ name, info string }{
		{"truncated", `{"sandboxID":"` + cdSandbox + `","pid":48213,"config":{"metadata":{"name":"nginx"},"envs":[{"key":"SHOP`},
		{"wrong types", `{"sandboxID":42,"privileged":"yes","config":[]}`},
		{"not json", `<html>`},
		{"empty", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := containerdFake(t)
			f.containers[cdCtr].Info["info"] = tc.info
			f.sandboxes[cdSandbox].Info["info"] = tc.info
			c, _ := connect(t, f)
			got, err := c.Inspect(context.Background(), cdCtr)
			if err != nil {
				t.Fatal(err)
			}
			want := containerdNginx()
			want.Env = nil
			want.CNIJSON = ""
			// The status's own image id and user (same values here).
			checkInfo(t, got, want)
			_, sandboxes, lists := f.requests()
			checkRequests(t, "ListContainers", lists, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{Id: cdCtr}})
			checkRequests(t, "PodSandboxStatus", sandboxes, sandboxReq(cdSandbox))
		})
	}
}

func TestInspectWithoutSandbox(t *testing.T) {
	f := crioFake(t)
	delete(f.sandboxes, crioSandbox)
	c, _ := connect(t, f)
	got, err := c.Inspect(context.Background(), crioCtr)
	if err != nil {
		t.Fatal(err)
	}
	want := crioRedis()
	want.HostPID, want.HostIPC, want.IP, want.CNIJSON, want.PodSandboxLabels = false, false, "", "", nil
	checkInfo(t, got, want)
}

func TestDeadSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "cri")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)

	missing := filepath.Join(dir, "missing.sock")
	// A socket file nobody listens on: what a crashed runtime leaves.
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()

	for _, path := range []string{missing, stale} {
		start := time.Now()
		_, err := New(path)
		if err == nil {
			t.Fatalf("New(%s) succeeded", path)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name %s", err, path)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("New(%s) took %v", path, d)
		}
	}
}

func TestRuntimeGoesAway(t *testing.T) {
	f := containerdFake(t)
	sock, srv := serve(t, f)
	c, err := New(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.Stop()
	start := time.Now()
	for name, call := range map[string]func() error{
		"inspect": func() error { _, err := c.Inspect(context.Background(), cdCtr); return err },
		"list":    func() error { _, err := c.List(context.Background()); return err },
		"watch":   func() error { return c.Watch(context.Background(), func(container.Lifecycle) {}) },
	} {
		err := call()
		if err == nil || !strings.Contains(err.Error(), sock) {
			t.Errorf("%s: err = %v, want an error naming %s", name, err, sock)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("calls on a dead socket took %v", d)
	}
}

func TestList(t *testing.T) {
	f := containerdFake(t)
	// A sidecar in the nginx pod: its sandbox must be asked about once.
	side := proto.Clone(f.containers[cdCtr]).(*runtimeapi.ContainerStatusResponse)
	sideID := "f1e2d3c4b5a6978812345678900fedcba98765432100123456789abcdef01234"
	side.Status.Id = sideID
	side.Status.Metadata.Name = "log-shipper"
	f.addContainer(side, cdSandbox)
	// Gone between the listing and its status.
	gone := proto.Clone(f.containers[cdCtr]).(*runtimeapi.ContainerStatusResponse)
	gone.Status.Id = "0000000000aa" + cdCtr[12:]
	f.addContainer(gone, cdSandbox)
	delete(f.containers, gone.Status.Id)
	// Known to the listing, but its status fails.
	broken := proto.Clone(f.containers[privCtr]).(*runtimeapi.ContainerStatusResponse)
	broken.Status.Id = "0000000000bb" + privCtr[12:]
	f.addContainer(broken, privSandbox)
	f.statusErr[broken.Status.Id] = status.Error(codes.Unknown, "failed to get container info: context deadline exceeded")
	// Not running: filtered by the runtime.
	exited := proto.Clone(f.containers[cdCtr]).(*runtimeapi.ContainerStatusResponse)
	exited.Status.Id = "0000000000cc" + cdCtr[12:]
	exited.Status.State = runtimeapi.ContainerState_CONTAINER_EXITED
	f.addContainer(exited, cdSandbox)

	c, _ := connect(t, f)
	infos, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sidecar := containerdNginx()
	sidecar.ID, sidecar.FullID, sidecar.Name = sideID[:12], sideID, "log-shipper"
	summary := &container.Info{
		Type:   container.TypeContainerd,
		ID:     "0000000000bb",
		FullID: broken.Status.Id,
		Name:   "node-agent",
		// The listing's image id.
		ImageID:      "6d1346135a24c9f6a0c48652dcecfdadef5481f281bbabe4c83007d16872a8e5",
		Labels:       containerdNodeAgent().Labels,
		Mounts:       []container.Mount{},
		CreatedTime:  1732201002,
		PodSandboxID: privSandbox,
		CPUPeriod:    container.DefaultCPUPeriod,
		CPUShares:    container.DefaultCPUShares,
		Size:         -1,
	}
	want := []*container.Info{containerdNginx(), containerdNodeAgent(), sidecar, summary}
	if len(infos) != len(want) {
		for _, i := range infos {
			t.Logf("listed %s %s", i.ID, i.Name)
		}
		t.Fatalf("listed %d containers, want %d", len(infos), len(want))
	}
	for i := range want {
		checkInfo(t, infos[i], want[i])
	}
	statuses, sandboxes, lists := f.requests()
	checkRequests(t, "ListContainers", lists, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	}})
	checkRequests(t, "ContainerStatus", statuses, statusReq(cdCtr), statusReq(privCtr), statusReq(sideID), statusReq(gone.Status.Id), statusReq(broken.Status.Id))
	checkRequests(t, "PodSandboxStatus", sandboxes, sandboxReq(cdSandbox), sandboxReq(privSandbox))
}

type report struct {
	kind container.LifecycleKind
	id   string
	info *container.Info
}

func TestWatch(t *testing.T) {
	f := containerdFake(t)
	send := make(chan *runtimeapi.ContainerEventResponse)
	got := make(chan *runtimeapi.GetEventsRequest, 1)
	f.events = func(req *runtimeapi.GetEventsRequest, stream runtimeapi.RuntimeService_GetContainerEventsServer) error {
		got <- req
		for ev := range send {
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
		return nil
	}
	c, sock := connect(t, f)
	reports := make(chan report, 10)
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(context.Background(), func(l container.Lifecycle) { reports <- report{l.Kind, l.ID, l.Info} })
	}()
	if req := <-got; !proto.Equal(req, &runtimeapi.GetEventsRequest{}) {
		t.Errorf("GetContainerEvents request = %v", req)
	}
	// containerd's order for a new pod: the sandbox (under its own id),
	// then the container; then the container goes away.
	sandboxStatus := f.sandboxes[cdSandbox].GetStatus()
	for _, ev := range []*runtimeapi.ContainerEventResponse{
		{ContainerId: cdSandbox, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, PodSandboxStatus: sandboxStatus},
		{ContainerId: cdSandbox, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT, PodSandboxStatus: sandboxStatus},
		{ContainerId: cdCtr, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, PodSandboxStatus: sandboxStatus},
		{ContainerId: cdCtr, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT, PodSandboxStatus: sandboxStatus},
		{ContainerId: cdCtr, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT, PodSandboxStatus: sandboxStatus},
		{ContainerId: cdCtr, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT, PodSandboxStatus: sandboxStatus},
	} {
		ev.CreatedAt = time.Now().UnixNano()
		send <- ev
	}
	sandbox := sandboxAsContainer(containerdNginx())
	sandbox.CreatedTime = 1732198743
	want := []report{
		{container.Started, cdSandbox, sandbox},
		{container.Started, cdSandbox, sandbox},
		{container.Started, cdCtr, containerdNginx()},
		{container.Started, cdCtr, containerdNginx()},
		{container.Removed, cdCtr, nil},
	}
	for i, w := range want {
		select {
		case r := <-reports:
			if r.kind != w.kind || r.id != w.id {
				t.Errorf("report %d = %v %s, want %v %s", i, r.kind, r.id, w.kind, w.id)
			}
			checkInfo(t, r.info, w.info)
		case <-time.After(5 * time.Second):
			t.Fatalf("report %d did not come", i)
		}
	}
	// The runtime ends the stream (a restart): Watch says so.
	close(send)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), sock) || errors.Is(err, ErrEventsUnsupported) {
			t.Errorf("Watch = %v, want a closed-stream error naming %s", err, sock)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return when the stream ended")
	}
	select {
	case r := <-reports:
		t.Errorf("unexpected report %v %s", r.kind, r.id)
	default:
	}
}

func TestWatchUnsupported(t *testing.T) {
	closeAtOnce := func(*runtimeapi.GetEventsRequest, runtimeapi.RuntimeService_GetContainerEventsServer) error {
		return nil
	}
	for _, tc := range []struct {
		name   string
		events func(*runtimeapi.GetEventsRequest, runtimeapi.RuntimeService_GetContainerEventsServer) error
		// within is the Client's refusal window: "at once" is a wall-time
		// judgement, so the test sets a window no stall of a loaded
		// machine reaches, or one no stream ends within.
		within      time.Duration
		unsupported bool
		says        string
	}{
		// containerd before 1.7: the status code decides, whatever the time.
		{"unimplemented", nil, -1, true, "not implemented"},
		// CRI-O without enable_pod_events returns at once.
		{"closed at once", closeAtOnce, time.Hour, true, "enable_pod_events"},
		// A stream that ends cleanly later, still before any event: a
		// runtime going away from a quiet node, to be watched again.
		{"closed after the window", closeAtOnce, -1, false, "closed the GetContainerEvents stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := crioFake(t)
			f.events = tc.events
			c, sock := connect(t, f)
			c.refusedWithin = tc.within
			err := c.Watch(context.Background(), func(l container.Lifecycle) { t.Errorf("report %v", l) })
			if err == nil || errors.Is(err, ErrEventsUnsupported) != tc.unsupported {
				t.Fatalf("Watch = %v, want unsupported %v", err, tc.unsupported)
			}
			for _, s := range []string{sock, tc.says} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestWatchStopsWithContext(t *testing.T) {
	f := containerdFake(t)
	started := make(chan struct{})
	f.events = func(_ *runtimeapi.GetEventsRequest, stream runtimeapi.RuntimeService_GetContainerEventsServer) error {
		close(started)
		<-stream.Context().Done()
		return stream.Context().Err()
	}
	c, _ := connect(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, func(container.Lifecycle) {}) }()
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch = %v after cancel, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

func TestImageResolution(t *testing.T) {
	for _, tc := range []struct {
		image, ref, annotation                   string
		wantImage, wantRepo, wantTag, wantDigest string
	}{
		{"docker.io/library/busybox:latest", "docker.io/library/busybox@sha256:3fbc", "", "docker.io/library/busybox:latest", "docker.io/library/busybox", "latest", "sha256:3fbc"},
		// An image name the runtime lost: the annotation stands in.
		{"", "sha256:3fbc", "docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "docker.io/library/busybox", "latest", "sha256:3fbc"},
		{"sha256:49ec", "sha256:49ec", "registry:5000/team/app:1.2", "registry:5000/team/app:1.2", "registry:5000/team/app", "1.2", "sha256:49ec"},
		{"registry:5000/team/app:1.2", "", "", "registry:5000/team/app:1.2", "registry:5000/team/app", "1.2", ""},
		{"app@sha256:aa", "", "", "app@sha256:aa", "app", "", "sha256:aa"},
	} {
		st := &runtimeapi.ContainerStatus{Image: &runtimeapi.ImageSpec{Image: tc.image}, ImageRef: tc.ref}
		vi := parseVerboseInfo(map[string]string{"info": fmt.Sprintf(`{"runtimeSpec":{"annotations":{"io.kubernetes.cri.image-name":%q}}}`, tc.annotation)})
		if tc.annotation == "" {
			vi = &verboseInfo{}
		}
		var info container.Info
		image(&info, st, vi)
		if info.Image != tc.wantImage || info.ImageRepo != tc.wantRepo || info.ImageTag != tc.wantTag || info.ImageDigest != tc.wantDigest {
			t.Errorf("image(%q, %q, %q) = %q %q %q %q, want %q %q %q %q", tc.image, tc.ref, tc.annotation,
				info.Image, info.ImageRepo, info.ImageTag, info.ImageDigest, tc.wantImage, tc.wantRepo, tc.wantTag, tc.wantDigest)
		}
	}
}
