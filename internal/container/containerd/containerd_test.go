package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/container"
)

const testImage = "docker.io/kestrel-test/busybox:1"

func randomID(t *testing.T) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// checkInfo compares field by field, so that a failure names the field.
func checkInfo(t *testing.T, what string, got, want *container.Info) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("%s: info = %v, want %v", what, got, want)
		}
		return
	}
	g, w := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s: %s = %#v\n want %#v", what, g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

// ctrMounts is the mount list of ctr 1.6's default spec (sysfs is
// read-only unless privileged), followed by the extra ones.
func ctrMounts(privileged bool, extra ...container.Mount) []container.Mount {
	return append([]container.Mount{
		{Source: "proc", Destination: "/proc", RW: true},
		{Source: "tmpfs", Destination: "/dev", Mode: "755", RW: true},
		{Source: "devpts", Destination: "/dev/pts", Mode: "0620", RW: true},
		{Source: "shm", Destination: "/dev/shm", Mode: "1777", RW: true},
		{Source: "mqueue", Destination: "/dev/mqueue", RW: true},
		{Source: "sysfs", Destination: "/sys", RW: privileged},
		{Source: "tmpfs", Destination: "/run", Mode: "755", RW: true},
	}, extra...)
}

// TestLiveContainerd runs containers with ctr on a private containerd and
// checks what Inspect, List and Watch make of them.
func TestLiveContainerd(t *testing.T) {
	d := startDaemon(t)
	image, manifest := ociImage(t, d.dir, testImage)
	for _, ns := range []string{"k8s.io", "kestrel-test"} {
		d.ctr(t, "-n", ns, "images", "import", "--snapshotter", "native", image)
	}
	cgroupParent := d.cgroupParent

	c, err := New(d.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	reports := make(chan container.Lifecycle, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched := make(chan error, 1)
	go func() { watched <- c.Watch(ctx, func(l container.Lifecycle) { reports <- l }) }()
	syncWatch(t, d, reports)

	start := time.Now().Unix()
	web, priv, pause, member := randomID(t), randomID(t), randomID(t), randomID(t)
	podUID := "b0a597b5-28a9-432f-8079-23b4c86f6f2d"
	data := filepath.Join(d.dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	// A pod sandbox and a member, as containerd's CRI plugin labels and
	// annotates them; created, not started.
	d.ctr(t, "-n", "k8s.io", "containers", "create", "--snapshotter", "native",
		"--label", "io.cri-containerd.kind=sandbox", "--label", "app=web",
		"--annotation", "io.kubernetes.cri.sandbox-id="+pause, testImage, pause)
	d.ctr(t, "-n", "k8s.io", "containers", "create", "--snapshotter", "native",
		"--label", "io.cri-containerd.kind=container",
		"--annotation", "io.kubernetes.cri.sandbox-id="+pause, testImage, member)
	// A running member of that pod, labelled as the kubelet labels pod
	// containers, in its own network namespace (ctr's default: no
	// interfaces), with the host's /etc mounted read-only.
	d.ctr(t, "-n", "k8s.io", "run", "-d", "--null-io", "--snapshotter", "native", "--cgroup", cgroupParent+"/"+web,
		"--label", "io.kubernetes.pod.name=web-1", "--label", "io.kubernetes.pod.namespace=shop",
		"--label", "io.kubernetes.pod.uid="+podUID, "--label", "app=web", "--label", "io.cri-containerd.kind=container",
		"--annotation", "io.kubernetes.cri.sandbox-id="+pause,
		"--env", "SHOP_MODE=test",
		"--mount", "type=bind,src=/etc,dst=/host/etc,options=rbind:ro",
		testImage, web, "sleep", "600")
	// A privileged nerdctl-style container in another namespace.
	d.ctr(t, "-n", "kestrel-test", "run", "-d", "--null-io", "--snapshotter", "native", "--cgroup", cgroupParent+"/"+priv,
		"--privileged", "--cpus", "1.5", "--cpu-shares", "512", "--memory-limit", "67108864",
		"--label", "nerdctl/name=priv",
		"--mount", "type=bind,src="+data+",dst=/data,options=rbind:rw:rslave",
		testImage, priv, "sleep", "600")
	end := time.Now().Unix()

	stopSignal := map[string]string{"io.containerd.image.config.stop-signal": "SIGTERM"} // ctr adds it from the image config
	labels := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range stopSignal {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	base := func(id string) *container.Info {
		return &container.Info{
			Type: container.TypeContainerd, ID: id[:12], FullID: id, Name: id[:12],
			Image: testImage, ImageRepo: "docker.io/kestrel-test/busybox", ImageTag: "1", ImageDigest: manifest,
			User: "0", Env: []string{"PATH=/bin"},
			Mounts:    ctrMounts(false),
			CPUPeriod: container.DefaultCPUPeriod, CPUShares: container.DefaultCPUShares, Size: -1,
		}
	}
	wantWeb := base(web)
	wantWeb.Env = []string{"PATH=/bin", "SHOP_MODE=test"}
	wantWeb.Labels = labels("io.kubernetes.pod.name", "web-1", "io.kubernetes.pod.namespace", "shop", "io.kubernetes.pod.uid", podUID,
		"app", "web", "io.cri-containerd.kind", "container")
	wantWeb.Mounts = ctrMounts(false, container.Mount{Source: "/etc", Destination: "/host/etc", RW: false})

	wantPriv := base(priv)
	wantPriv.Name = "priv"
	wantPriv.Labels = labels("nerdctl/name", "priv")
	wantPriv.Mounts = ctrMounts(true, container.Mount{Source: data, Destination: "/data", RW: true, Propagation: "rslave"})
	wantPriv.Privileged = true
	wantPriv.CPUQuota, wantPriv.CPUShares, wantPriv.MemoryLimit = 150000, 512, 67108864

	wantPause := base(pause)
	wantPause.Labels = labels("io.cri-containerd.kind", "sandbox", "app", "web")
	wantPause.IsPodSandbox = true
	wantPause.PodSandboxID = pause
	wantPause.PodSandboxLabels = wantPause.Labels

	wantWeb.PodSandboxID = pause
	wantWeb.PodSandboxLabels = wantPause.Labels

	wantMember := base(member)
	wantMember.Labels = labels("io.cri-containerd.kind", "container")
	wantMember.PodSandboxID = pause
	wantMember.PodSandboxLabels = wantPause.Labels

	created := func(t *testing.T, what string, got *container.Info, want *container.Info) {
		t.Helper()
		if got != nil && (got.CreatedTime < start || got.CreatedTime > end) {
			t.Errorf("%s: created %d, not within [%d, %d]", what, got.CreatedTime, start, end)
		}
		if got != nil {
			w := *want
			w.CreatedTime = got.CreatedTime
			want = &w
		}
		checkInfo(t, what, got, want)
	}

	t.Run("watch started", func(t *testing.T) {
		// create and task start for the two that run, create for the others.
		type key struct {
			id   string
			kind container.LifecycleKind
		}
		want := map[string]*container.Info{web: wantWeb, priv: wantPriv, pause: wantPause, member: wantMember}
		count := map[key]int{}
		deadline := time.After(10 * time.Second)
		for count[key{web, container.Started}] < 2 || count[key{priv, container.Started}] < 2 ||
			count[key{pause, container.Started}] < 1 || count[key{member, container.Started}] < 1 {
			select {
			case l := <-reports:
				count[key{l.ID, l.Kind}]++
				w, ok := want[l.ID]
				if !ok || l.Kind != container.Started {
					t.Errorf("unexpected report %v %s", l.Kind, l.ID)
					continue
				}
				created(t, "watch "+l.ID[:12], l.Info, w)
			case <-deadline:
				t.Fatalf("reports so far: %v", count)
			}
		}
	})

	t.Run("inspect", func(t *testing.T) {
		for _, tc := range []struct {
			id   string
			want *container.Info
		}{
			{web[:12], wantWeb},
			{priv, wantPriv},
			{pause[:12], wantPause},
			{member, wantMember},
		} {
			got, err := c.Inspect(context.Background(), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			created(t, "inspect "+tc.id, got, tc.want)
		}
		_, err := c.Inspect(context.Background(), "ffffffffffff")
		if !errors.Is(err, container.ErrNotFound) || !strings.Contains(err.Error(), d.sock) {
			t.Errorf("inspect of an unknown id: %v, want ErrNotFound naming %s", err, d.sock)
		}
	})

	t.Run("list", func(t *testing.T) {
		infos, err := c.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Only the two with a running task.
		byID := map[string]*container.Info{}
		for _, i := range infos {
			byID[i.FullID] = i
		}
		if len(infos) != 2 || byID[web] == nil || byID[priv] == nil {
			for _, i := range infos {
				t.Logf("listed %s", i.FullID)
			}
			t.Fatalf("listed %d containers, want %s and %s", len(infos), web, priv)
		}
		created(t, "list web", byID[web], wantWeb)
		created(t, "list priv", byID[priv], wantPriv)
	})

	t.Run("watch removed", func(t *testing.T) {
		// The task's exit is not a removal; the container's deletion is.
		d.ctr(t, "-n", "k8s.io", "tasks", "delete", "--force", web)
		d.ctr(t, "-n", "k8s.io", "containers", "delete", web)
		select {
		case l := <-reports:
			if l.Kind != container.Removed || l.ID != web || l.Info != nil {
				t.Errorf("report %v %s %v, want Removed %s", l.Kind, l.ID, l.Info, web)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no report of the removal")
		}
		if _, err := c.Inspect(context.Background(), web); !errors.Is(err, container.ErrNotFound) {
			t.Errorf("inspect after removal: %v", err)
		}
		infos, err := c.List(context.Background())
		if err != nil || len(infos) != 1 || infos[0].FullID != priv {
			t.Errorf("list after removal: %d containers, %v", len(infos), err)
		}
	})

	cancel()
	select {
	case err := <-watched:
		if err != nil {
			t.Errorf("Watch = %v after cancel, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Watch did not return after cancel")
	}

	t.Run("daemon goes away", func(t *testing.T) {
		// Whether the daemon stops before Subscribe or while the stream is
		// open, Watch must return an error naming the socket.
		go func() { watched <- c.Watch(context.Background(), func(container.Lifecycle) {}) }()
		d.stop(t)
		select {
		case err := <-watched:
			if err == nil || !strings.Contains(err.Error(), d.sock) {
				t.Errorf("Watch = %v when the daemon stopped, want an error naming %s", err, d.sock)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Watch did not return when the daemon stopped")
		}
		if _, err := c.Inspect(context.Background(), priv); err == nil || !strings.Contains(err.Error(), d.sock) {
			t.Errorf("Inspect = %v with the daemon gone, want an error naming %s", err, d.sock)
		}
	})
}

// syncWatch waits until the subscription is live: nothing tells when the
// daemon has registered it, so containers are created until one is
// reported, then removed.
func syncWatch(t *testing.T, d *daemon, reports <-chan container.Lifecycle) {
	t.Helper()
	for i := 0; i < 50; i++ {
		id := "sync-" + randomID(t)[:8]
		d.ctr(t, "-n", "kestrel-test", "containers", "create", "--snapshotter", "native", testImage, id)
		seen := false
		timeout := time.After(200 * time.Millisecond)
	wait:
		for {
			select {
			case l := <-reports:
				if l.ID == id {
					seen = true
					break wait
				}
			case <-timeout:
				break wait
			}
		}
		d.ctr(t, "-n", "kestrel-test", "containers", "delete", id)
		if seen {
			// Drain up to this one's removal, past any earlier ones.
			for {
				select {
				case l := <-reports:
					if l.ID == id && l.Kind == container.Removed {
						return
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the sync container's removal was not reported")
				}
			}
		}
	}
	t.Fatal("Watch reported none of the sync containers")
}
