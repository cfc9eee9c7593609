// Package docker owns Kestrel's client of the Docker Engine API. Podman's
// service speaks the same API (on /run/podman/podman.sock), so one client
// serves both and only the container.Type it reports differs. The package
// turns /containers/{id}/json answers into container.Info the way Falco's
// container plugin does, lists the running containers, and follows the
// /events stream for containers starting and going away.
package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/kestrel-project/kestrel/internal/container"
)

// responseHeaderTimeout bounds a request whose caller gave a context
// without deadline: a daemon that accepts the connection and never answers
// (wedged, or a stale socket some other process listens on) must not pin
// the Manager's goroutine forever. The events stream is not affected: the
// daemon sends the headers at once and the events after them.
const responseHeaderTimeout = 10 * time.Second

// Client is a Docker (or Podman) API client on one unix socket. Its
// methods may be called concurrently.
type Client struct {
	api  *client.Client
	typ  container.Type
	name string
}

var _ container.Runtime = (*Client)(nil)

// New returns a client of the API served on socketPath ("/var/run/docker.sock",
// or "unix:///var/run/docker.sock"), reporting its containers as typ
// (container.TypeDocker or container.TypePodman). It does not contact
// the daemon: the API version is negotiated on the first call, under that
// call's context, so that a daemon which is down or slow never blocks the
// caller here.
func New(socketPath string, typ container.Type) (*Client, error) {
	return newClient(socketPath, typ, responseHeaderTimeout)
}

func newClient(socketPath string, typ container.Type, headerTimeout time.Duration) (*Client, error) {
	path := strings.TrimPrefix(socketPath, "unix://")
	if typ != container.TypeDocker && typ != container.TypePodman {
		return nil, fmt.Errorf("docker %s: the Docker API client serves docker and podman, not container type %d", path, typ)
	}
	name := typ.String() + " " + path
	if path == "" {
		return nil, fmt.Errorf("%s: no socket path", typ)
	}
	hc := &http.Client{
		Transport:     &http.Transport{ResponseHeaderTimeout: headerTimeout},
		CheckRedirect: client.CheckRedirect,
	}
	// WithHTTPClient first: WithHost points the transport it installed at
	// the socket. The scheme is explicit because the library infers
	// https from the TLS configuration that http.Transport.Clone fills
	// in. The environment (DOCKER_HOST, DOCKER_API_VERSION) is
	// deliberately not read: the socket to watch is configuration.
	api, err := client.New(client.WithHTTPClient(hc), client.WithHost("unix://"+path),
		client.WithScheme("http"), client.WithUserAgent("kestrel"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Client{api: api, typ: typ, name: name}, nil
}

// Name is the runtime and its socket, e.g. "docker /var/run/docker.sock".
func (c *Client) Name() string { return c.name }

// Ping checks that the daemon answers and negotiates the API version,
// for callers that want to know at start-up whether the socket works;
// the other methods do not need it.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return c.fail("ping", err)
	}
	return nil
}

// Close releases the idle connections.
func (c *Client) Close() error { return c.api.Close() }

func (c *Client) fail(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

// Inspect asks for one container by id or id prefix (the daemon resolves
// prefixes, so the 12-character container.id works).
func (c *Client) Inspect(ctx context.Context, id string) (*container.Info, error) {
	info, err := c.inspect(ctx, id)
	if err != nil {
		return nil, c.fail("inspect "+id, err)
	}
	return info, nil
}

func (c *Client) inspect(ctx context.Context, id string) (*container.Info, error) {
	// Size stays off as in the plugin's default (with_size: false): the
	// daemon would walk the container's writable layer on every call.
	res, err := c.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil, container.ErrNotFound
		}
		return nil, err
	}
	return c.info(ctx, res)
}

// List returns the running containers. One that goes away between the
// listing and its inspection is left out; one whose inspection fails
// otherwise is reported with what the listing knew, as the plugin does.
func (c *Client) List(ctx context.Context) ([]*container.Info, error) {
	res, err := c.api.ContainerList(ctx, client.ContainerListOptions{})
	if err != nil {
		return nil, c.fail("list", err)
	}
	infos := make([]*container.Info, 0, len(res.Items))
	for _, s := range res.Items {
		info, err := c.inspect(ctx, s.ID)
		switch {
		case err == nil:
		case errors.Is(err, container.ErrNotFound):
			continue
		case ctx.Err() != nil:
			return nil, c.fail("list: inspect "+container.ShortID(s.ID), err)
		default:
			info = summaryInfo(c.typ, s)
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// Watch follows the container events: "start" is reported as Started with
// the inspected metadata (nil when the inspection fails, e.g. because the
// container is already gone), "destroy" (Docker) and "remove" (Podman,
// whose compat API passes libpod's name through) as Removed. "die" is not
// a removal: a stopped container can be started again, and the plugin
// also ignores it.
func (c *Client) Watch(ctx context.Context, report func(container.Lifecycle)) error {
	ctx, cancel := context.WithCancel(ctx)
	// Ends the stream's goroutine when we return on a broken stream.
	defer cancel()
	filters := make(client.Filters).
		Add("type", string(events.ContainerEventType)).
		Add("event", string(events.ActionCreate), string(events.ActionStart), string(events.ActionDestroy), string(events.ActionRemove))
	stream := c.api.Events(ctx, client.EventsListOptions{Filters: filters})
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-stream.Err:
			if ctx.Err() != nil {
				return nil
			}
			if err == nil || errors.Is(err, io.EOF) {
				err = errors.New("event stream closed by the daemon")
			}
			return c.fail("events", err)
		case msg := <-stream.Messages:
			if msg.Type != events.ContainerEventType || msg.Actor.ID == "" {
				continue
			}
			switch msg.Action {
			// create comes before the container's first process, so its
			// metadata can be in the event stream before that process's
			// first event (the plugin's default "create" hook); start
			// answers again once the network settings exist.
			case events.ActionCreate, events.ActionStart:
				info, err := c.inspect(ctx, msg.Actor.ID)
				if err != nil && ctx.Err() != nil {
					return nil
				}
				report(container.Lifecycle{Kind: container.Started, ID: msg.Actor.ID, Info: info})
			case events.ActionDestroy, events.ActionRemove:
				report(container.Lifecycle{Kind: container.Removed, ID: msg.Actor.ID})
			}
		}
	}
}
