package docker

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/container"
)

// The recorded tests serve answers shaped like the daemons' (testdata/)
// from an HTTP server on a unix socket, so that the mapping and the
// requests can be checked for cases the local daemon cannot produce:
// privileged containers, published ports, Podman's answers.

const (
	apiVersion = "1.41" // what dockerd 20.10 and Podman's compat service report
	webID      = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
	sidecarID  = "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
	dbID       = "b81f7e3c2a4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"
	nginxImage = "sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6"
	pgImage    = "sha256:3b2e6c1a9f8d7e6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c"
)

// fakeAPI serves recorded answers and records the requests it got.
type fakeAPI struct {
	containers map[string][]byte // full id -> inspect answer
	images     map[string][]byte // "sha256:..." -> image inspect answer
	events     []string          // lines of the /events stream

	mu       sync.Mutex
	requests []*http.Request
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFakeAPI(t *testing.T) *fakeAPI {
	return &fakeAPI{
		containers: map[string][]byte{
			webID:     readFixture(t, "docker_inspect.json"),
			sidecarID: readFixture(t, "docker_netshare_inspect.json"),
			dbID:      readFixture(t, "podman_inspect.json"),
		},
		images: map[string][]byte{
			nginxImage: readFixture(t, "docker_image.json"),
			pgImage:    readFixture(t, "podman_image.json"),
		},
	}
}

func notFound(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	json.NewEncoder(w).Encode(map[string]string{"message": "No such " + what})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	if r.URL.Path == "/_ping" {
		w.Header().Set("Api-Version", apiVersion)
		w.Header().Set("Ostype", "linux")
		w.Write([]byte("OK"))
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v"+apiVersion)
	if !ok || r.Method != http.MethodGet {
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	switch {
	case path == "/events":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for _, line := range f.events {
			w.Write([]byte(line + "\n"))
			w.(http.Flusher).Flush()
		}
		// Returning ends the stream, as a daemon shutting down does.
	case strings.HasPrefix(path, "/containers/") && strings.HasSuffix(path, "/json"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/containers/"), "/json")
		if id == "malformed" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"Id": "malformed", "Config": {"Image": `))
			return
		}
		if id == "mistyped" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"Id": 42, "HostConfig": "privileged"}`))
			return
		}
		for full, body := range f.containers {
			if id != "" && strings.HasPrefix(full, id) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(body)
				return
			}
		}
		notFound(w, "container: "+id)
	case strings.HasPrefix(path, "/images/") && strings.HasSuffix(path, "/json"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/images/"), "/json")
		if body, ok := f.images[id]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
			return
		}
		notFound(w, "image: "+id)
	default:
		http.Error(w, "unexpected path "+path, http.StatusNotFound)
	}
}

// apiRequests are the versioned requests (the pings of the version
// negotiation left out) as "METHOD path".
func (f *fakeAPI) apiRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if r.URL.Path != "/_ping" {
			out = append(out, r.Method+" "+r.URL.Path)
		}
	}
	return out
}

func (f *fakeAPI) lastRequest(path string) *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.requests) - 1; i >= 0; i-- {
		if f.requests[i].URL.Path == path {
			return f.requests[i]
		}
	}
	return nil
}

// serveUnix serves h on a unix socket in a fresh directory and returns
// the socket's path.
func serveUnix(t *testing.T, h http.Handler) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return path
}

func fakeClient(t *testing.T, typ container.Type) (*Client, *fakeAPI, string) {
	t.Helper()
	api := newFakeAPI(t)
	sock := serveUnix(t, api)
	c, err := New(sock, typ)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, api, sock
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestRecordedDockerInspect(t *testing.T) {
	c, api, sock := fakeClient(t, container.TypeDocker)
	if got, want := c.Name(), "docker "+sock; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	info, err := c.Inspect(timeout(t, 5*time.Second), webID[:12])
	if err != nil {
		t.Fatal(err)
	}
	wantReqs := []string{
		"GET /v" + apiVersion + "/containers/" + webID[:12] + "/json",
		"GET /v" + apiVersion + "/images/" + nginxImage + "/json",
	}
	if got := api.apiRequests(); !reflect.DeepEqual(got, wantReqs) {
		t.Errorf("requests = %q, want %q", got, wantReqs)
	}
	if q := api.lastRequest("/v" + apiVersion + "/containers/" + webID[:12] + "/json").URL.RawQuery; q != "" {
		t.Errorf("inspect query = %q, want none (size not asked for)", q)
	}
	want := &container.Info{
		Type:   container.TypeDocker,
		ID:     webID[:12],
		FullID: webID,
		Name:   "web",
		// The container was created from "nginx": repository, tag and
		// digest come from the image's RepoDigests and RepoTags.
		Image:       "nginx",
		ImageRepo:   "nginx",
		ImageTag:    "1.25",
		ImageDigest: "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
		ImageID:     strings.TrimPrefix(nginxImage, "sha256:"),
		User:        "nginx",
		Env:         []string{"FOO=bar", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.5"},
		Labels: map[string]string{
			"maintainer":                "NGINX Docker Maintainers <docker-maint@nginx.com>",
			container.LabelPodName:      "web-0",
			container.LabelPodNamespace: "shop",
			container.LabelPodUID:       "4b1e5d0c-8f3a-4c2e-9a71-2d6b0f9e1c37",
		},
		Mounts: []container.Mount{
			{Source: "/etc", Destination: "/host/etc", Mode: "ro", RW: false, Propagation: "rprivate"},
			{Source: "/var/lib/docker/volumes/webcache/_data", Destination: "/var/cache/nginx", Mode: "z", RW: true},
		},
		Privileged:  true,
		IP:          "172.17.0.5",
		CreatedTime: time.Date(2024, 5, 14, 9, 21, 7, 0, time.UTC).Unix(),
		// 53/udp and the IPv6 binding of 443 are left out.
		PortMappings: []container.PortMapping{
			{HostIP: 0x7f000001, HostPort: 8080, ContainerPort: 80},
			{HostIP: 0, HostPort: 8443, ContainerPort: 443},
		},
		CPUPeriod:      50000,
		CPUQuota:       25000,
		CPUShares:      container.DefaultCPUShares,
		CPUSetCPUCount: 3,
		MemoryLimit:    256 << 20,
		SwapLimit:      512 << 20,
		Size:           -1,
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Inspect:\n got %+v\nwant %+v", info, want)
	}
}

func TestRecordedNetworkSharedIP(t *testing.T) {
	c, api, _ := fakeClient(t, container.TypeDocker)
	info, err := c.Inspect(timeout(t, 5*time.Second), sidecarID)
	if err != nil {
		t.Fatal(err)
	}
	// The sidecar has no address of its own: the one of the container
	// whose network it joined is reported.
	if info.IP != "172.17.0.5" {
		t.Errorf("IP = %q, want the web container's 172.17.0.5", info.IP)
	}
	if info.HostNetwork || info.HostPID || info.HostIPC {
		t.Errorf("container:<id> modes reported as host: %+v", info)
	}
	if info.CPUPeriod != container.DefaultCPUPeriod || info.CPUShares != container.DefaultCPUShares {
		t.Errorf("CPU period/shares = %d/%d, want the defaults", info.CPUPeriod, info.CPUShares)
	}
	// Created from an image id: the image's tag is still reported.
	if info.Image != nginxImage || info.ImageRepo != "nginx" || info.ImageTag != "1.25" {
		t.Errorf("image = %q repo %q tag %q", info.Image, info.ImageRepo, info.ImageTag)
	}
	wantReqs := []string{
		"GET /v" + apiVersion + "/containers/" + sidecarID + "/json",
		"GET /v" + apiVersion + "/containers/" + webID + "/json",
		"GET /v" + apiVersion + "/images/" + nginxImage + "/json",
	}
	if got := api.apiRequests(); !reflect.DeepEqual(got, wantReqs) {
		t.Errorf("requests = %q, want %q", got, wantReqs)
	}
}

func TestRecordedPodmanInspect(t *testing.T) {
	c, api, sock := fakeClient(t, container.TypePodman)
	if got, want := c.Name(), "podman "+sock; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	info, err := c.Inspect(timeout(t, 5*time.Second), dbID)
	if err != nil {
		t.Fatal(err)
	}
	wantReqs := []string{
		"GET /v" + apiVersion + "/containers/" + dbID + "/json",
		"GET /v" + apiVersion + "/images/" + pgImage + "/json",
	}
	if got := api.apiRequests(); !reflect.DeepEqual(got, wantReqs) {
		t.Errorf("requests = %q, want %q", got, wantReqs)
	}
	want := &container.Info{
		Type:        container.TypePodman,
		ID:          dbID[:12],
		FullID:      dbID,
		Name:        "db",
		Image:       "docker.io/library/postgres:16",
		ImageRepo:   "docker.io/library/postgres",
		ImageTag:    "16",
		ImageDigest: "sha256:1f2e3d4c5b6a79880716253443526170f9e8d7c6b5a4938271605f4e3d2c1b0a",
		ImageID:     strings.TrimPrefix(pgImage, "sha256:"),
		User:        "postgres",
		Env:         []string{"POSTGRES_PASSWORD=secret", "PGDATA=/var/lib/postgresql/data", "container=podman", "HOME=/var/lib/postgresql", "HOSTNAME=b81f7e3c2a4d"},
		Labels:      map[string]string{"io.containers.autoupdate": "registry"},
		Mounts: []container.Mount{
			{Source: "/srv/pgdata", Destination: "/var/lib/postgresql/data", RW: true, Propagation: "rprivate"},
		},
		HostPID:        true,
		HostIPC:        true,
		IP:             "10.88.0.7",
		CreatedTime:    time.Date(2024, 6, 2, 17, 45, 12, 0, time.UTC).Unix(),
		PortMappings:   []container.PortMapping{},
		CPUPeriod:      container.DefaultCPUPeriod,
		CPUShares:      2048,
		CPUSetCPUCount: 1,
		Size:           -1,
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Inspect:\n got %+v\nwant %+v", info, want)
	}
}

func TestRecordedNotFound(t *testing.T) {
	c, _, sock := fakeClient(t, container.TypeDocker)
	_, err := c.Inspect(timeout(t, 5*time.Second), "0123456789ab")
	if !errors.Is(err, container.ErrNotFound) {
		t.Fatalf("Inspect(unknown) = %v, want an error wrapping ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "inspect 0123456789ab") {
		t.Errorf("error %q does not name the socket and the operation", err)
	}
}

func TestRecordedMalformed(t *testing.T) {
	c, _, sock := fakeClient(t, container.TypeDocker)
	for _, id := range []string{"malformed", "mistyped"} {
		info, err := c.Inspect(timeout(t, 5*time.Second), id)
		if err == nil {
			t.Errorf("Inspect(%s) = %+v, want an error", id, info)
			continue
		}
		if errors.Is(err, container.ErrNotFound) {
			t.Errorf("Inspect(%s) = %v, a decoding error reported as not found", id, err)
		}
		if !strings.Contains(err.Error(), sock) {
			t.Errorf("error %q does not name the socket", err)
		}
	}
}

func TestRecordedWatch(t *testing.T) {
	c, api, sock := fakeClient(t, container.TypeDocker)
	ev := func(typ, action, id string) string {
		return `{"Type":"` + typ + `","Action":"` + action + `","Actor":{"ID":"` + id + `","Attributes":{"image":"nginx","name":"web"}},"scope":"local","time":1715678467,"timeNano":1715678467612730917}`
	}
	api.events = []string{
		ev("container", "create", webID),
		ev("container", "start", webID),
		ev("network", "connect", webID),
		ev("container", "die", webID),
		ev("container", "destroy", webID),
		ev("container", "start", "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface"),
		ev("container", "remove", dbID), // Podman's name for destroy
	}
	var got []container.Lifecycle
	err := c.Watch(timeout(t, 5*time.Second), func(l container.Lifecycle) { got = append(got, l) })
	// The fake daemon ends the stream after the last event.
	if err == nil || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "events") {
		t.Errorf("Watch on a closed stream = %v, want an error naming the socket", err)
	}
	if len(got) != 5 {
		t.Fatalf("reported %d lifecycles, want 5: %+v", len(got), got)
	}
	// create and start both report the container with its metadata (the
	// manager passes the second on only if it changed).
	for i, what := range []string{"create", "start"} {
		if l := got[i]; l.Kind != container.Started || l.ID != webID || l.Info == nil || l.Info.Name != "web" || !l.Info.Privileged {
			t.Errorf("%s = %+v (info %+v), want web Started with its metadata", what, l, l.Info)
		}
	}
	got = got[1:]
	if l := got[1]; l.Kind != container.Removed || l.ID != webID || l.Info != nil {
		t.Errorf("second = %+v, want web Removed (on destroy, not die)", l)
	}
	// Started even when the container is gone before its inspection.
	if l := got[2]; l.Kind != container.Started || !strings.HasPrefix(l.ID, "feedface") || l.Info != nil {
		t.Errorf("third = %+v, want Started without metadata", l)
	}
	if l := got[3]; l.Kind != container.Removed || l.ID != dbID {
		t.Errorf("fourth = %+v, want db Removed", l)
	}

	r := api.lastRequest("/v" + apiVersion + "/events")
	if r == nil {
		t.Fatal("no /events request")
	}
	var filters map[string]map[string]bool
	if err := json.Unmarshal([]byte(r.URL.Query().Get("filters")), &filters); err != nil {
		t.Fatalf("events filters %q: %v", r.URL.Query().Get("filters"), err)
	}
	want := map[string]map[string]bool{
		"type":  {"container": true},
		"event": {"create": true, "start": true, "destroy": true, "remove": true},
	}
	if !reflect.DeepEqual(filters, want) {
		t.Errorf("events filters = %v, want %v", filters, want)
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New("", container.TypeDocker); err == nil {
		t.Error("New with no socket path succeeded")
	}
	if _, err := New("/run/containerd/containerd.sock", container.TypeContainerd); err == nil {
		t.Error("New for containerd succeeded")
	}
	c, err := New("unix:///var/run/docker.sock", container.TypeDocker)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name() != "docker /var/run/docker.sock" {
		t.Errorf("Name() = %q", c.Name())
	}
}
