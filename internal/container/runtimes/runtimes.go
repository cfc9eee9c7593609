// Package runtimes connects the container runtime clients the
// configuration enables (Docker, Podman, containerd, CRI) to the sockets
// that exist on this machine, for the container manager.
package runtimes

import (
	"context"
	"fmt"
	"time"

	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/container/docker"
)

// kinded tells the manager which container type a client serves, so
// that a container is asked of the runtime its cgroup layout names first.
type kinded struct {
	container.Runtime
	kind container.Type
}

func (k kinded) Kind() container.Type { return k.kind }

// pinger is implemented by clients that can check their daemon answers.
type pinger interface {
	Ping(ctx context.Context) error
}

// Open connects to every enabled socket that exists. Sockets that cannot
// be used are reported in errs (named by path); a daemon that does not
// answer yet is reported too but kept, since lookups retry and it may
// come up later.
func Open(cfg container.EngineConfig) (rts []container.Runtime, errs []error) {
	for _, ep := range cfg.Endpoints() {
		var (
			rt   container.Runtime
			kind container.Type
			err  error
		)
		switch ep.Engine {
		case "docker":
			kind = container.TypeDocker
			rt, err = docker.New(ep.Path, kind)
		case "podman":
			kind = container.TypePodman
			rt, err = docker.New(ep.Path, kind)
		default:
			rt, kind, err = openMore(ep)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("container engine %s at %s: %w", ep.Engine, ep.Path, err))
			continue
		}
		if rt == nil {
			continue
		}
		if p, ok := rt.(pinger); ok {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if err := p.Ping(ctx); err != nil {
				errs = append(errs, fmt.Errorf("container engine %s at %s does not answer (kept; lookups retry): %w",
					ep.Engine, ep.Path, err))
			}
			cancel()
		}
		rts = append(rts, kinded{rt, kind})
	}
	return rts, errs
}
