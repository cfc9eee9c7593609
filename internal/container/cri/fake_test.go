package cri

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeRuntime serves recorded CRI answers and records the requests it
// got. Ids are resolved by unique prefix, as containerd and CRI-O do.
type fakeRuntime struct {
	runtimeapi.UnimplementedRuntimeServiceServer

	version *runtimeapi.VersionResponse

	mu         sync.Mutex
	containers map[string]*runtimeapi.ContainerStatusResponse
	sandboxes  map[string]*runtimeapi.PodSandboxStatusResponse
	// statusErr answers ContainerStatus for these full ids with an error.
	statusErr map[string]error
	list      []*runtimeapi.Container
	// events, when set, serves GetContainerEvents; unset, the embedded
	// server answers Unimplemented.
	events func(*runtimeapi.GetEventsRequest, runtimeapi.RuntimeService_GetContainerEventsServer) error

	statusReqs  []*runtimeapi.ContainerStatusRequest
	sandboxReqs []*runtimeapi.PodSandboxStatusRequest
	listReqs    []*runtimeapi.ListContainersRequest
}

func newFake(runtimeName, version string) *fakeRuntime {
	return &fakeRuntime{
		version: &runtimeapi.VersionResponse{
			Version:           "0.1.0",
			RuntimeName:       runtimeName,
			RuntimeVersion:    version,
			RuntimeApiVersion: "v1",
		},
		containers: map[string]*runtimeapi.ContainerStatusResponse{},
		sandboxes:  map[string]*runtimeapi.PodSandboxStatusResponse{},
		statusErr:  map[string]error{},
	}
}

func (f *fakeRuntime) addContainer(cs *runtimeapi.ContainerStatusResponse, sandboxID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := cs.GetStatus()
	f.containers[st.GetId()] = cs
	f.list = append(f.list, &runtimeapi.Container{
		Id:           st.GetId(),
		PodSandboxId: sandboxID,
		Metadata:     st.GetMetadata(),
		Image:        st.GetImage(),
		ImageRef:     st.GetImageRef(),
		ImageId:      st.GetImageId(),
		State:        st.GetState(),
		CreatedAt:    st.GetCreatedAt(),
		Labels:       st.GetLabels(),
		Annotations:  st.GetAnnotations(),
	})
}

func (f *fakeRuntime) addSandbox(ps *runtimeapi.PodSandboxStatusResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sandboxes[ps.GetStatus().GetId()] = ps
}

func resolve[T any](m map[string]T, id string) (string, T, error) {
	var zero T
	if id == "" {
		return "", zero, status.Error(codes.InvalidArgument, "empty id")
	}
	var found []string
	for full := range m {
		if strings.HasPrefix(full, id) {
			found = append(found, full)
		}
	}
	switch len(found) {
	case 0:
		return "", zero, status.Errorf(codes.NotFound, "an error occurred when try to find %q: not found", id)
	case 1:
		return found[0], m[found[0]], nil
	}
	return "", zero, status.Errorf(codes.Unknown, "ambiguous id %q", id)
}

func (f *fakeRuntime) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return f.version, nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusReqs = append(f.statusReqs, proto.Clone(req).(*runtimeapi.ContainerStatusRequest))
	full, cs, err := resolve(f.containers, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	if err := f.statusErr[full]; err != nil {
		return nil, err
	}
	if !req.GetVerbose() {
		cs = proto.Clone(cs).(*runtimeapi.ContainerStatusResponse)
		cs.Info = nil
	}
	return cs, nil
}

func (f *fakeRuntime) PodSandboxStatus(_ context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sandboxReqs = append(f.sandboxReqs, proto.Clone(req).(*runtimeapi.PodSandboxStatusRequest))
	_, ps, err := resolve(f.sandboxes, req.GetPodSandboxId())
	if err != nil {
		return nil, err
	}
	if !req.GetVerbose() {
		ps = proto.Clone(ps).(*runtimeapi.PodSandboxStatusResponse)
		ps.Info = nil
	}
	return ps, nil
}

func (f *fakeRuntime) ListContainers(_ context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listReqs = append(f.listReqs, proto.Clone(req).(*runtimeapi.ListContainersRequest))
	resp := &runtimeapi.ListContainersResponse{}
	flt := req.GetFilter()
	for _, c := range f.list {
		if flt.GetId() != "" && !strings.HasPrefix(c.GetId(), flt.GetId()) {
			continue
		}
		if flt.GetState() != nil && flt.GetState().GetState() != c.GetState() {
			continue
		}
		if flt.GetPodSandboxId() != "" && flt.GetPodSandboxId() != c.GetPodSandboxId() {
			continue
		}
		resp.Containers = append(resp.Containers, c)
	}
	return resp, nil
}

func (f *fakeRuntime) GetContainerEvents(req *runtimeapi.GetEventsRequest, stream runtimeapi.RuntimeService_GetContainerEventsServer) error {
	if f.events == nil {
		return f.UnimplementedRuntimeServiceServer.GetContainerEvents(req, stream)
	}
	return f.events(req, stream)
}

// requests returns copies of what the fake was asked so far.
func (f *fakeRuntime) requests() (statuses []*runtimeapi.ContainerStatusRequest, sandboxes []*runtimeapi.PodSandboxStatusRequest, lists []*runtimeapi.ListContainersRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(statuses, f.statusReqs...), append(sandboxes, f.sandboxReqs...), append(lists, f.listReqs...)
}

// serve starts f on a unix socket and returns the socket's path. The
// directory is short: t.TempDir names carry the test's name, and unix
// socket paths are limited to 108 bytes.
func serve(t *testing.T, f *fakeRuntime) (string, *grpc.Server) {
	t.Helper()
	dir, err := os.MkdirTemp("", "cri")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "cri.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, f)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return sock, srv
}

func connect(t *testing.T, f *fakeRuntime) (*Client, string) {
	t.Helper()
	sock, _ := serve(t, f)
	c, err := New(sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, sock
}

// recorded is a testdata file: the crictl inspect shape, status in
// protobuf JSON and the verbose info decoded.
type recorded struct {
	Status json.RawMessage `json:"status"`
	Info   json.RawMessage `json:"info"`
}

func readRecorded(t *testing.T, name string) (recorded, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var r recorded
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var info map[string]string
	if len(r.Info) > 0 {
		// The runtimes send the info as one JSON string under "info".
		var buf bytes.Buffer
		if err := json.Compact(&buf, r.Info); err != nil {
			t.Fatalf("%s: info: %v", name, err)
		}
		info = map[string]string{"info": buf.String()}
	}
	return r, info
}

func loadContainer(t *testing.T, name string) *runtimeapi.ContainerStatusResponse {
	t.Helper()
	r, info := readRecorded(t, name)
	st := &runtimeapi.ContainerStatus{}
	if err := protojson.Unmarshal(r.Status, st); err != nil {
		t.Fatalf("%s: status: %v", name, err)
	}
	return &runtimeapi.ContainerStatusResponse{Status: st, Info: info}
}

func loadSandbox(t *testing.T, name string) *runtimeapi.PodSandboxStatusResponse {
	t.Helper()
	r, info := readRecorded(t, name)
	st := &runtimeapi.PodSandboxStatus{}
	if err := protojson.Unmarshal(r.Status, st); err != nil {
		t.Fatalf("%s: status: %v", name, err)
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: st, Info: info}
}
