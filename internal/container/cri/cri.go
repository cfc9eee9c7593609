// Package cri owns Kestrel's client of the Kubernetes Container Runtime
// Interface: the gRPC RuntimeService that containerd's CRI plugin and
// CRI-O serve on a unix socket. It turns ContainerStatus and
// PodSandboxStatus answers (with their verbose "info" JSON, whose shape
// differs between containerd and CRI-O) into container.Info the way
// Falco's container plugin and libsinsp do, answers for pod sandbox ids
// too (the pause process runs in a cgroup named after the sandbox), lists
// the running containers and follows the GetContainerEvents stream.
//
// Containers that containerd runs outside CRI (ctr, nerdctl) are the
// containerd package's business; this package only sees what the CRI
// plugin manages.
package cri

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/kestrel-project/kestrel/internal/container"
)

// callTimeout bounds a call whose caller gave a context without deadline:
// a runtime that accepts the connection and never answers (wedged, or a
// stale socket some other process listens on) must not pin the Manager's
// goroutine forever. The plugin uses 5 s for its CRI calls; a node under
// load answers ContainerStatus(verbose) slower than that at times.
const callTimeout = 10 * time.Second

// versionTimeout bounds the Version call New makes: New has no context,
// and a runtime that does not answer that quickly is reported as down.
const versionTimeout = 5 * time.Second

// refusedWithin: a GetContainerEvents stream that ends cleanly, before
// any event, this soon after it opened is CRI-O refusing (it answers at
// once without enable_pod_events). Only the time tells that from a
// runtime shutting down on a quiet node, which also ends the stream
// cleanly before any event, and whose stream must be opened again.
const refusedWithin = time.Second

// maxMsgSize is the kubelet's limit for CRI answers: verbose statuses
// carry whole OCI specs (seccomp profiles make them large), beyond gRPC's
// default 4 MiB on big ListContainers answers.
const maxMsgSize = 16 << 20

// Client is a CRI RuntimeService client on one unix socket. Its methods
// may be called concurrently.
type Client struct {
	conn    *grpc.ClientConn
	rt      runtimeapi.RuntimeServiceClient
	path    string
	name    string
	typ     container.Type
	runtime string
	version string
	// refusedWithin replaces the constant when non-zero (negative: no
	// stream is taken for a refusal). A field because the window is wall
	// time: tests set it so that what they check does not depend on how
	// fast the machine runs the stream.
	refusedWithin time.Duration
}

var _ container.Runtime = (*Client)(nil)

// New connects to the CRI runtime serving socketPath
// ("/run/containerd/containerd.sock", "/var/run/crio/crio.sock", or the
// same with a unix:// prefix) and asks its Version: the runtime's name
// decides the container type reported, as libsinsp decided it:
// "containerd" gives container.TypeContainerd, "cri-o" container.TypeCRIO,
// any other runtime container.TypeCRI. A runtime that is down or does not
// answer within 5 seconds is an error naming the socket.
func New(socketPath string) (*Client, error) {
	path := strings.TrimPrefix(socketPath, "unix://")
	if path == "" {
		return nil, errors.New("cri: no socket path")
	}
	target := "unix://" + path
	if !strings.HasPrefix(path, "/") {
		target = "unix:" + path
	}
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize)),
		// gRPC's default backoff grows to two minutes: a runtime restarted
		// (upgrades, node maintenance) would stay unseen that long.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 500 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("cri %s: %w", path, err)
	}
	c := &Client{conn: conn, rt: runtimeapi.NewRuntimeServiceClient(conn), path: path, name: "cri " + path}
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	v, err := c.rt.Version(ctx, &runtimeapi.VersionRequest{})
	if err != nil {
		conn.Close()
		if status.Code(err) == codes.Unimplemented {
			// Docker's containerd runs with the CRI plugin disabled, and
			// containerd before 1.5 serves only v1alpha2.
			err = fmt.Errorf("the socket does not serve CRI v1 (runtime.v1.RuntimeService): %w", err)
		}
		return nil, c.fail("version", err)
	}
	c.runtime, c.version = v.GetRuntimeName(), v.GetRuntimeVersion()
	c.typ = runtimeType(c.runtime)
	c.name = "cri(" + c.runtime + ") " + path
	return c, nil
}

// runtimeType maps the Version RPC's runtime name to the container type,
// as libsinsp's cri_interface and the container plugin do.
func runtimeType(name string) container.Type {
	switch name {
	case "containerd":
		return container.TypeContainerd
	case "cri-o":
		return container.TypeCRIO
	}
	return container.TypeCRI
}

// Name is the runtime and its socket, e.g.
// "cri(containerd) /run/containerd/containerd.sock".
func (c *Client) Name() string { return c.name }

// Type is the container type this runtime's containers are reported as.
func (c *Client) Type() container.Type { return c.typ }

// RuntimeVersion is the runtime's name and version from the Version RPC
// (e.g. "containerd", "v2.1.4"), for logs.
func (c *Client) RuntimeVersion() (name, version string) { return c.runtime, c.version }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

func (c *Client) fail(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

// bounded gives ctx the call timeout unless the caller set a deadline.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, callTimeout)
}

// Inspect returns the metadata of a container or a pod sandbox by id or
// unique id prefix (containerd and CRI-O resolve prefixes, so the
// 12-character container.id works). An id the runtime knows neither as a
// container nor as a sandbox gives an error wrapping container.ErrNotFound.
func (c *Client) Inspect(ctx context.Context, id string) (*container.Info, error) {
	info, err := c.inspect(ctx, id, nil, true)
	if err != nil {
		return nil, c.fail("inspect "+id, err)
	}
	return info, nil
}

// sandboxCache keeps the sandbox answers of one List: pods hold several
// containers, and one PodSandboxStatus per pod is enough.
type sandboxCache map[string]*runtimeapi.PodSandboxStatusResponse

// inspect asks for a container and, when orSandbox is set and the
// runtime knows no such container, for a sandbox of that id.
func (c *Client) inspect(ctx context.Context, id string, cache sandboxCache, orSandbox bool) (*container.Info, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	cs, err := c.rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: true})
	if status.Code(err) == codes.NotFound && !orSandbox {
		return nil, fmt.Errorf("%w: %v", container.ErrNotFound, err)
	}
	if status.Code(err) == codes.NotFound {
		// libsinsp's order: an id that is no container may be a sandbox,
		// whose pause process Falco sees like any container's.
		ps, perr := c.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id, Verbose: true})
		switch {
		case status.Code(perr) == codes.NotFound:
			return nil, fmt.Errorf("%w: neither a container nor a pod sandbox", container.ErrNotFound)
		case perr != nil:
			return nil, fmt.Errorf("PodSandboxStatus: %w", perr)
		case ps.GetStatus() == nil:
			return nil, errors.New("PodSandboxStatus: answer without status")
		}
		return sandboxInfo(c.typ, ps), nil
	}
	if err != nil {
		return nil, fmt.Errorf("ContainerStatus: %w", err)
	}
	if cs.GetStatus() == nil {
		return nil, errors.New("ContainerStatus: answer without status")
	}
	vi := parseVerboseInfo(cs.GetInfo())
	sandboxID := vi.SandboxID
	if sandboxID == "" {
		// The verbose info is the only place ContainerStatus names the
		// sandbox; without it (a runtime that has none, or JSON we could
		// not read) the listing still knows.
		sandboxID, err = c.sandboxOf(ctx, cs.GetStatus().GetId())
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
	}
	var ps *runtimeapi.PodSandboxStatusResponse
	if sandboxID != "" {
		ps, err = c.sandboxStatus(ctx, sandboxID, cache)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		// Otherwise a failed sandbox lookup leaves the pod fields empty
		// and the container's own metadata stands, as in libsinsp.
	}
	return containerInfo(c.typ, cs, vi, sandboxID, ps), nil
}

func (c *Client) sandboxOf(ctx context.Context, fullID string) (string, error) {
	resp, err := c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{Id: fullID}})
	if err != nil {
		return "", fmt.Errorf("ListContainers: %w", err)
	}
	for _, ctr := range resp.GetContainers() {
		if ctr.GetId() == fullID {
			return ctr.GetPodSandboxId(), nil
		}
	}
	return "", nil
}

func (c *Client) sandboxStatus(ctx context.Context, id string, cache sandboxCache) (*runtimeapi.PodSandboxStatusResponse, error) {
	if ps, ok := cache[id]; ok {
		return ps, nil
	}
	ps, err := c.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id, Verbose: true})
	if err != nil {
		return nil, fmt.Errorf("PodSandboxStatus: %w", err)
	}
	if cache != nil {
		cache[id] = ps
	}
	return ps, nil
}

// List returns the running containers (sandboxes are not listed, as in
// the plugin: Inspect answers for them when their pause process shows
// up). One that goes away between the listing and its status is left
// out; one whose status fails otherwise is reported with what the listing
// knew, as the plugin does.
func (c *Client) List(ctx context.Context) ([]*container.Info, error) {
	lctx, cancel := bounded(ctx)
	resp, err := c.rt.ListContainers(lctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	}})
	cancel()
	if err != nil {
		return nil, c.fail("list", err)
	}
	cache := sandboxCache{}
	infos := make([]*container.Info, 0, len(resp.GetContainers()))
	for _, ctr := range resp.GetContainers() {
		info, err := c.inspect(ctx, ctr.GetId(), cache, false)
		switch {
		case err == nil:
		case errors.Is(err, container.ErrNotFound):
			continue
		case ctx.Err() != nil:
			return nil, c.fail("list: inspect "+container.ShortID(ctr.GetId()), err)
		default:
			info = summaryInfo(c.typ, ctr)
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// Watch follows GetContainerEvents: CONTAINER_CREATED and
// CONTAINER_STARTED are reported as Started with the inspected metadata
// (nil when the inspection fails, e.g. because the container is already
// gone), CONTAINER_DELETED as Removed; CONTAINER_STOPPED is not a removal
// (the plugin ignores it too). containerd also sends these events for pod
// sandboxes, under the sandbox id, and Inspect answers for those.
//
// It returns nil when ctx ends, and an error naming the socket when the
// stream cannot be had or breaks: containerd before 1.7 does not
// implement the RPC, and CRI-O closes the stream at once unless it runs
// with enable_pod_events = true.
func (c *Client) Watch(ctx context.Context, report func(container.Lifecycle)) error {
	ctx, cancel := context.WithCancel(ctx)
	// Ends the stream when we return on an error of our own.
	defer cancel()
	stream, err := c.rt.GetContainerEvents(ctx, &runtimeapi.GetEventsRequest{})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return c.fail("container events", streamError(err, false))
	}
	opened := time.Now()
	received := false
	for {
		ev, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// A stream that ends at once, before any event, is CRI-O
			// refusing; one that ends later is the runtime going away.
			window := c.refusedWithin
			if window == 0 {
				window = refusedWithin
			}
			refused := !received && time.Since(opened) < window
			return c.fail("container events", streamError(err, refused))
		}
		received = true
		id := ev.GetContainerId()
		if id == "" {
			continue
		}
		switch ev.GetContainerEventType() {
		case runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT:
			info, err := c.inspect(ctx, id, nil, true)
			if err != nil && ctx.Err() != nil {
				return nil
			}
			report(container.Lifecycle{Kind: container.Started, ID: id, Info: info})
		case runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT:
			report(container.Lifecycle{Kind: container.Removed, ID: id})
		}
	}
}

// ErrEventsUnsupported is wrapped by Watch's error when the runtime does
// not serve container events, so callers can stop retrying and rely on
// Inspect alone.
var ErrEventsUnsupported = container.ErrWatchUnsupported

func streamError(err error, refused bool) error {
	switch {
	case status.Code(err) == codes.Unimplemented:
		return fmt.Errorf("%w: GetContainerEvents is not implemented (containerd serves it from 1.7 on): %v", ErrEventsUnsupported, err)
	case errors.Is(err, io.EOF) && refused:
		return fmt.Errorf("%w: the runtime closed the GetContainerEvents stream at once (CRI-O serves events only with enable_pod_events = true)", ErrEventsUnsupported)
	case errors.Is(err, io.EOF):
		return errors.New("the runtime closed the GetContainerEvents stream")
	}
	return err
}
