package containerd

import (
	"context"
	"errors"
	"io"

	"github.com/containerd/containerd/api/events"
	eventsapi "github.com/containerd/containerd/api/services/events/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kestrel-project/kestrel/internal/container"
)

// Event topics followed, as the plugin subscribes to them.
const (
	topicContainerCreate = "/containers/create"
	topicTaskStart       = "/tasks/start"
	topicContainerDelete = "/containers/delete"
)

// Watch follows containerd's events in every namespace: a container
// created and a task started are reported as Started with the inspected
// metadata (nil when the lookup fails, e.g. because the container is
// already gone), a container deleted as Removed. A task exiting is not a
// removal: the container can get a new task, and the plugin ignores exits
// too (as the Docker client ignores "die").
//
// It returns nil when ctx ends, and an error naming the socket when the
// subscription cannot be had or breaks.
func (c *Client) Watch(ctx context.Context, report func(container.Lifecycle)) error {
	ctx, cancel := context.WithCancel(ctx)
	// Ends the subscription when we return on an error of our own.
	defer cancel()
	stream, err := c.events.Subscribe(ctx, &eventsapi.SubscribeRequest{Filters: []string{
		`topic=="` + topicContainerCreate + `"`,
		`topic=="` + topicTaskStart + `"`,
		`topic=="` + topicContainerDelete + `"`,
	}})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return c.fail("events", err)
	}
	for {
		env, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				err = errors.New("event stream closed by the daemon")
			}
			return c.fail("events", err)
		}
		var id string
		kind := container.Started
		switch env.GetTopic() {
		case topicContainerCreate:
			var ev events.ContainerCreate
			if proto.Unmarshal(env.GetEvent().GetValue(), &ev) != nil {
				continue
			}
			id = ev.GetID()
		case topicTaskStart:
			var ev events.TaskStart
			if proto.Unmarshal(env.GetEvent().GetValue(), &ev) != nil {
				continue
			}
			id = ev.GetContainerID()
		case topicContainerDelete:
			var ev events.ContainerDelete
			if proto.Unmarshal(env.GetEvent().GetValue(), &ev) != nil {
				continue
			}
			id, kind = ev.GetID(), container.Removed
		default:
			continue
		}
		if id == "" {
			continue
		}
		if kind == container.Removed {
			report(container.Lifecycle{Kind: container.Removed, ID: id})
			continue
		}
		info, err := c.inspectIn(ctx, env.GetNamespace(), id)
		if err != nil && ctx.Err() != nil {
			return nil
		}
		report(container.Lifecycle{Kind: container.Started, ID: id, Info: info})
	}
}

// inspectIn looks a container up in the namespace its event came from.
func (c *Client) inspectIn(ctx context.Context, ns, id string) (*container.Info, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	nctx := inNamespace(ctx, ns)
	ctr, err := c.find(nctx, id)
	if err != nil {
		return nil, err
	}
	if ctr == nil {
		return nil, container.ErrNotFound
	}
	return c.info(nctx, ctr, nil), nil
}
