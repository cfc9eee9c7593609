// Package containerd owns Kestrel's client of containerd's native gRPC
// API, for the containers containerd runs outside Kubernetes' CRI (ctr,
// nerdctl, BuildKit, and whatever else drives containerd directly). It
// asks every containerd namespace: the containers service for the
// container record (labels, image, OCI spec), the tasks service for which
// containers run, the images service for the image digest, and follows
// the events service's container and task events. The OCI spec is read
// as Falco's container plugin reads it: mounts, host namespaces,
// environment, user, limits, and the plugin's privileged heuristic.
//
// Containers created through CRI also live in containerd (namespace
// k8s.io) and are found here too, with what containerd itself knows; the
// cri package answers for them with the pod's metadata.
package containerd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	eventsapi "github.com/containerd/containerd/api/services/events/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	namespacesapi "github.com/containerd/containerd/api/services/namespaces/v1"
	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/api/types/task"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kestrel-project/kestrel/internal/container"
)

// callTimeout bounds a call whose caller gave a context without deadline:
// a daemon that accepts the connection and never answers must not pin the
// Manager's goroutine forever.
const callTimeout = 10 * time.Second

// maxMsgSize lifts gRPC's 4 MiB answer limit as containerd's own client
// does: a List carries every container's OCI spec.
const maxMsgSize = 16 << 20

// namespaceKey is the gRPC metadata key containerd reads the namespace
// from (its ttrpc API uses another).
const namespaceKey = "containerd-namespace"

// Client is a containerd API client on one unix socket. Its methods may
// be called concurrently.
type Client struct {
	conn       *grpc.ClientConn
	name       string
	containers containersapi.ContainersClient
	tasks      tasksapi.TasksClient
	images     imagesapi.ImagesClient
	namespaces namespacesapi.NamespacesClient
	events     eventsapi.EventsClient
}

var _ container.Runtime = (*Client)(nil)

// New returns a client of the containerd serving socketPath
// ("/run/containerd/containerd.sock", or the same with a unix://
// prefix). It does not contact the daemon: a containerd that is down is
// reported by the first call, under that call's context.
func New(socketPath string) (*Client, error) {
	path := strings.TrimPrefix(socketPath, "unix://")
	if path == "" {
		return nil, errors.New("containerd: no socket path")
	}
	target := "unix://" + path
	if !strings.HasPrefix(path, "/") {
		target = "unix:" + path
	}
	name := "containerd " + path
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize)),
		// gRPC's default backoff grows to two minutes: a restarted
		// containerd would stay unseen that long.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 500 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Client{
		conn:       conn,
		name:       name,
		containers: containersapi.NewContainersClient(conn),
		tasks:      tasksapi.NewTasksClient(conn),
		images:     imagesapi.NewImagesClient(conn),
		namespaces: namespacesapi.NewNamespacesClient(conn),
		events:     eventsapi.NewEventsClient(conn),
	}, nil
}

// Name is the runtime and its socket, e.g.
// "containerd /run/containerd/containerd.sock".
func (c *Client) Name() string { return c.name }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

func (c *Client) fail(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, callTimeout)
}

func inNamespace(ctx context.Context, ns string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, namespaceKey, ns)
}

func (c *Client) namespaceNames(ctx context.Context) ([]string, error) {
	resp, err := c.namespaces.List(ctx, &namespacesapi.ListNamespacesRequest{})
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	names := make([]string, 0, len(resp.GetNamespaces()))
	for _, ns := range resp.GetNamespaces() {
		names = append(names, ns.GetName())
	}
	return names, nil
}

// Inspect returns the metadata of the container whose id, or unique id
// prefix (containerd itself resolves none, so the 12-character
// container.id is matched here), is given, looking in every namespace.
func (c *Client) Inspect(ctx context.Context, id string) (*container.Info, error) {
	info, err := c.inspect(ctx, id)
	if err != nil {
		return nil, c.fail("inspect "+id, err)
	}
	return info, nil
}

func (c *Client) inspect(ctx context.Context, id string) (*container.Info, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if id == "" {
		return nil, fmt.Errorf("%w: empty id", container.ErrNotFound)
	}
	nss, err := c.namespaceNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, ns := range nss {
		nctx := inNamespace(ctx, ns)
		ctr, err := c.find(nctx, id)
		if err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		if ctr != nil {
			return c.info(nctx, ctr, nil), nil
		}
	}
	return nil, container.ErrNotFound
}

// find gets a container of the namespace in ctx by id or unique prefix;
// nil when there is none.
func (c *Client) find(ctx context.Context, id string) (*containersapi.Container, error) {
	resp, err := c.containers.Get(ctx, &containersapi.GetContainerRequest{ID: id})
	if err == nil {
		return resp.GetContainer(), nil
	}
	if status.Code(err) != codes.NotFound {
		return nil, fmt.Errorf("get container: %w", err)
	}
	// Full ids are 64 characters (ctr and nerdctl accept any name, but
	// cgroup-derived ids are hex); only a shorter one can be a prefix.
	if len(id) >= 64 {
		return nil, nil
	}
	list, err := c.containers.List(ctx, &containersapi.ListContainersRequest{})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var found *containersapi.Container
	for _, ctr := range list.GetContainers() {
		if strings.HasPrefix(ctr.GetID(), id) {
			if found != nil {
				return nil, fmt.Errorf("id prefix %s is ambiguous (%s, %s)", id, found.GetID(), ctr.GetID())
			}
			found = ctr
		}
	}
	return found, nil
}

// List returns the containers with a running (or paused) task, in every
// namespace. Containers without a task (created, or exited and not yet
// deleted) have no processes to attribute events to.
func (c *Client) List(ctx context.Context) ([]*container.Info, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	nss, err := c.namespaceNames(ctx)
	if err != nil {
		return nil, c.fail("list", err)
	}
	var infos []*container.Info
	for _, ns := range nss {
		nctx := inNamespace(ctx, ns)
		tasks, err := c.tasks.List(nctx, &tasksapi.ListTasksRequest{})
		if err != nil {
			return nil, c.fail("list: namespace "+ns+": list tasks", err)
		}
		running := map[string]bool{}
		for _, t := range tasks.GetTasks() {
			switch t.GetStatus() {
			case task.Status_RUNNING, task.Status_PAUSED, task.Status_PAUSING:
				running[t.GetID()] = true // a task is named after its container
			}
		}
		if len(running) == 0 {
			continue
		}
		ctrs, err := c.containers.List(nctx, &containersapi.ListContainersRequest{})
		if err != nil {
			return nil, c.fail("list: namespace "+ns+": list containers", err)
		}
		known := &lookups{containers: map[string]*containersapi.Container{}, digests: map[string]string{}}
		for _, ctr := range ctrs.GetContainers() {
			known.containers[ctr.GetID()] = ctr
		}
		for _, ctr := range ctrs.GetContainers() {
			if running[ctr.GetID()] {
				infos = append(infos, c.info(nctx, ctr, known))
			}
		}
	}
	return infos, nil
}
