package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// The live tests ask the machine's Docker daemon about containers they
// start (always with --network none, as dockertest.Run does).

const (
	dockerSock = "/var/run/docker.sock"
	testImage  = "kestrel-test/busybox:docker"
)

func liveClient(t *testing.T) *Client {
	t.Helper()
	dockertest.Require(t)
	c, err := New(dockerSock, container.TypeDocker)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dockerOutput(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// uniqueName keeps concurrent runs of the suite from colliding.
func uniqueName(what string) string {
	return fmt.Sprintf("kestrel-dockertest-%s-%d-%d", what, os.Getpid(), time.Now().UnixNano()%1e6)
}

func TestInspectLive(t *testing.T) {
	c := liveClient(t)
	img := dockertest.Image(t, testImage)
	name := uniqueName("inspect")
	longLabel := strings.Repeat("x", container.LabelMaxLen+1)
	before := time.Now().Unix()
	id := dockertest.Run(t, img, []string{
		"--name", name,
		"--label", "app=web",
		"--label", container.LabelPodName + "=web-0",
		"--label", container.LabelPodNamespace + "=shop",
		"--label", container.LabelPodUID + "=4b1e5d0c-8f3a-4c2e-9a71-2d6b0f9e1c37",
		"--label", "long=" + longLabel,
		"-v", "/etc:/host/etc:ro",
		"--cap-add", "SYS_ADMIN",
		"-e", "FOO=bar",
		"--cpu-shares", "512",
		"--cpu-quota", "20000",
	}, "sleep", "60")
	after := time.Now().Unix()
	hostPID := dockertest.Run(t, img, []string{"--pid", "host"}, "sleep", "60")
	imageID := strings.TrimPrefix(dockerOutput(t, "image", "inspect", "-f", "{{.Id}}", img), "sha256:")

	info, err := c.Inspect(timeout(t, 5*time.Second), id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Type != container.TypeDocker || info.ID != id[:12] || info.FullID != id || info.Name != name {
		t.Errorf("type/id/full id/name = %v %q %q %q, want docker %q %q %q", info.Type, info.ID, info.FullID, info.Name, id[:12], id, name)
	}
	if info.Image != img || info.ImageRepo != "kestrel-test/busybox" || info.ImageTag != "docker" {
		t.Errorf("image %q repo %q tag %q, want %q kestrel-test/busybox docker", info.Image, info.ImageRepo, info.ImageTag, img)
	}
	// An imported image has no registry digest.
	if info.ImageID != imageID || info.ImageDigest != "" {
		t.Errorf("image id %q digest %q, want %q and none", info.ImageID, info.ImageDigest, imageID)
	}
	wantLabels := map[string]string{
		"app":                       "web",
		container.LabelPodName:      "web-0",
		container.LabelPodNamespace: "shop",
		container.LabelPodUID:       "4b1e5d0c-8f3a-4c2e-9a71-2d6b0f9e1c37",
	}
	if !reflect.DeepEqual(info.Labels, wantLabels) {
		t.Errorf("labels = %v, want %v (the long one dropped)", info.Labels, wantLabels)
	}
	wantMounts := []container.Mount{{Source: "/etc", Destination: "/host/etc", Mode: "ro", RW: false, Propagation: "rprivate"}}
	if !reflect.DeepEqual(info.Mounts, wantMounts) {
		t.Errorf("mounts = %+v, want %+v", info.Mounts, wantMounts)
	}
	if !slices.Contains(info.Env, "FOO=bar") || !slices.Contains(info.Env, "PATH=/bin") {
		t.Errorf("env = %q, want FOO=bar and the image's PATH=/bin", info.Env)
	}
	if info.Privileged || info.HostPID || info.HostNetwork || info.HostIPC {
		t.Errorf("privileged/host pid/net/ipc = %v %v %v %v, want all false", info.Privileged, info.HostPID, info.HostNetwork, info.HostIPC)
	}
	if info.IP != "" || len(info.PortMappings) != 0 {
		t.Errorf("ip %q ports %v on --network none", info.IP, info.PortMappings)
	}
	if info.CreatedTime < before-1 || info.CreatedTime > after+1 {
		t.Errorf("created %d, want between %d and %d", info.CreatedTime, before, after)
	}
	if info.CPUShares != 512 || info.CPUQuota != 20000 || info.CPUPeriod != container.DefaultCPUPeriod {
		t.Errorf("cpu shares/quota/period = %d/%d/%d, want 512/20000/%d", info.CPUShares, info.CPUQuota, info.CPUPeriod, container.DefaultCPUPeriod)
	}
	if info.User != "" || info.Size != -1 || info.IsPodSandbox {
		t.Errorf("user %q size %d sandbox %v", info.User, info.Size, info.IsPodSandbox)
	}

	other, err := c.Inspect(timeout(t, 5*time.Second), hostPID)
	if err != nil {
		t.Fatal(err)
	}
	if !other.HostPID || other.HostNetwork || other.HostIPC {
		t.Errorf("--pid host container: host pid/net/ipc = %v %v %v, want true false false", other.HostPID, other.HostNetwork, other.HostIPC)
	}
	if other.CPUShares != container.DefaultCPUShares || other.CPUQuota != 0 {
		t.Errorf("default cpu shares/quota = %d/%d", other.CPUShares, other.CPUQuota)
	}
}

func TestPingLive(t *testing.T) {
	c := liveClient(t)
	if err := c.Ping(timeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The daemon's version, as long as the library knows it (dockerd
	// 20.10 serves 1.41).
	if v, want := c.api.ClientVersion(), dockerOutput(t, "version", "-f", "{{.Server.APIVersion}}"); v != want {
		t.Errorf("negotiated API version %q, want the daemon's %q", v, want)
	}
}

func TestInspectIDsLive(t *testing.T) {
	c := liveClient(t)
	img := dockertest.Image(t, testImage)
	id := dockertest.Run(t, img, nil, "sleep", "60")
	for _, ref := range []string{id[:12], id} {
		info, err := c.Inspect(timeout(t, 5*time.Second), ref)
		if err != nil {
			t.Fatalf("Inspect(%s): %v", ref, err)
		}
		if info.FullID != id || info.ID != id[:12] {
			t.Errorf("Inspect(%s) = id %q full %q", ref, info.ID, info.FullID)
		}
	}
	// A removed container is one the daemon does not know.
	dockerOutput(t, "rm", "-f", id)
	for _, ref := range []string{id[:12], "0000000000000000000000000000000000000000000000000000000000000000"} {
		_, err := c.Inspect(timeout(t, 5*time.Second), ref)
		if !errors.Is(err, container.ErrNotFound) {
			t.Errorf("Inspect(%s) = %v, want an error wrapping ErrNotFound", ref, err)
			continue
		}
		if want := "docker " + dockerSock + ": inspect " + ref + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q does not start with %q", err, want)
		}
	}
}

func TestListLive(t *testing.T) {
	c := liveClient(t)
	img := dockertest.Image(t, testImage)
	name := uniqueName("list")
	a := dockertest.Run(t, img, []string{"--name", name}, "sleep", "60")
	b := dockertest.Run(t, img, nil, "sleep", "60")
	stopped := dockertest.Run(t, img, nil, "true")
	dockerOutput(t, "wait", stopped)

	infos, err := c.List(timeout(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*container.Info{}
	for _, info := range infos {
		byID[info.FullID] = info
	}
	if info := byID[a]; info == nil || info.Name != name || info.ImageRepo != "kestrel-test/busybox" {
		t.Errorf("List: %s = %+v, want it inspected with name %q", a[:12], info, name)
	}
	if byID[b] == nil {
		t.Errorf("List misses running container %s", b[:12])
	}
	if byID[stopped] != nil {
		t.Errorf("List reports exited container %s", stopped[:12])
	}
}

// watcher runs Watch in the background and collects what it reports.
type watcher struct {
	mu     sync.Mutex
	got    []container.Lifecycle
	notify chan struct{}
	cancel context.CancelFunc
	done   chan error
}

func startWatch(t *testing.T, c *Client) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{notify: make(chan struct{}, 1), cancel: cancel, done: make(chan error, 1)}
	go func() {
		w.done <- c.Watch(ctx, func(l container.Lifecycle) {
			w.mu.Lock()
			w.got = append(w.got, l)
			w.mu.Unlock()
			select {
			case w.notify <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// wait returns the index of the first report matching kind and id,
// waiting up to d for it.
func (w *watcher) wait(kind container.LifecycleKind, id string, d time.Duration) (container.Lifecycle, int, bool) {
	deadline := time.After(d)
	for {
		w.mu.Lock()
		for i, l := range w.got {
			if l.Kind == kind && l.ID == id {
				w.mu.Unlock()
				return l, i, true
			}
		}
		w.mu.Unlock()
		select {
		case <-w.notify:
		case <-deadline:
			return container.Lifecycle{}, -1, false
		}
	}
}

func (w *watcher) count(kind container.LifecycleKind, id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.got {
		if l.Kind == kind && l.ID == id {
			n++
		}
	}
	return n
}

func TestWatchLive(t *testing.T) {
	c := liveClient(t)
	img := dockertest.Image(t, testImage)
	w := startWatch(t, c)

	// The daemon subscribes the stream a moment after Watch begins:
	// start containers until one is reported, which proves it is
	// subscribed (the first one nearly always is).
	var id string
	var started container.Lifecycle
	for attempt := 0; ; attempt++ {
		if attempt == 5 {
			t.Fatal("no Started report for 5 containers started after Watch began")
		}
		id = dockertest.Run(t, img, []string{"--label", "watch=yes"}, "sleep", "60")
		var ok bool
		if started, _, ok = w.wait(container.Started, id, 2*time.Second); ok {
			break
		}
	}
	if info := started.Info; info == nil || info.FullID != id || info.Image != img || info.Labels["watch"] != "yes" || info.Type != container.TypeDocker {
		t.Errorf("Started info = %+v, want the container's metadata", started.Info)
	}

	// kill makes the daemon send "die", rm "destroy": only the latter is
	// a removal. A container started afterwards marks the point by which
	// both have been reported.
	dockerOutput(t, "kill", id)
	dockerOutput(t, "wait", id)
	dockerOutput(t, "rm", id)
	_, removedAt, ok := w.wait(container.Removed, id, 5*time.Second)
	if !ok {
		t.Fatal("no Removed report after docker rm")
	}
	marker := dockertest.Run(t, img, nil, "sleep", "60")
	_, markerAt, ok := w.wait(container.Started, marker, 5*time.Second)
	if !ok {
		t.Fatal("no Started report for the marker container")
	}
	if n := w.count(container.Removed, id); n != 1 || removedAt > markerAt {
		t.Errorf("%d Removed reports for a killed then removed container, want 1 before the marker", n)
	}

	w.cancel()
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("Watch returned %v when its context ended, want nil", err)
		}
		w.done <- err // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
}

// dead sockets: each call fails quickly with an error naming the path.

func checkDead(t *testing.T, c *Client, sock string, limit time.Duration) {
	t.Helper()
	ops := map[string]func(ctx context.Context) error{
		"inspect": func(ctx context.Context) error { _, err := c.Inspect(ctx, "0123456789ab"); return err },
		"list":    func(ctx context.Context) error { _, err := c.List(ctx); return err },
		"events":  func(ctx context.Context) error { return c.Watch(ctx, func(container.Lifecycle) {}) },
		"ping":    c.Ping,
	}
	for op, call := range ops {
		start := time.Now()
		err := call(timeout(t, 10*time.Second))
		if took := time.Since(start); took > limit {
			t.Errorf("%s on a dead socket took %v", op, took)
		}
		if err == nil || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), op) {
			t.Errorf("%s on a dead socket = %v, want an error naming %s and the operation", op, err, sock)
		}
		if errors.Is(err, container.ErrNotFound) {
			t.Errorf("%s on a dead socket = %v, reported as not found", op, err)
		}
	}
}

func TestDeadSocketMissing(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "missing.sock")
	c, err := New(sock, container.TypeDocker)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checkDead(t, c, sock, time.Second)
}

func TestDeadSocketRefused(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "refused.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	// The socket file stays, as after a daemon crash; nobody listens.
	l.SetUnlinkOnClose(false)
	l.Close()
	c, err := New(sock, container.TypePodman)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checkDead(t, c, sock, time.Second)
}

func TestDeadSocketSilent(t *testing.T) {
	// A listener that accepts connections and never answers.
	sock := filepath.Join(t.TempDir(), "silent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, conn := range conns {
			conn.Close()
		}
		mu.Unlock()
	})

	// The caller's deadline bounds the call.
	c, err := New(sock, container.TypeDocker)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = c.Inspect(timeout(t, 300*time.Millisecond), "0123456789ab")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Inspect with a 300ms deadline took %v", took)
	}
	if err == nil || !strings.Contains(err.Error(), sock) {
		t.Errorf("Inspect on a silent socket = %v, want an error naming %s", err, sock)
	}

	// Without a deadline, the response header timeout does.
	c2, err := newClient(sock, container.TypeDocker, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	start = time.Now()
	_, err = c2.List(context.Background())
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("List without deadline took %v", took)
	}
	if err == nil || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "list") {
		t.Errorf("List on a silent socket = %v, want an error naming %s", err, sock)
	}
	start = time.Now()
	err = c2.Watch(context.Background(), func(container.Lifecycle) {})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Watch without deadline took %v", took)
	}
	if err == nil || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "events") {
		t.Errorf("Watch on a silent socket = %v, want an error naming %s", err, sock)
	}
}
