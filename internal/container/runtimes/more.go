package runtimes

import (
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/container/containerd"
	"github.com/kestrel-project/kestrel/internal/container/cri"
)

// openMore connects the gRPC runtimes (CRI; containerd's own API).
func openMore(ep container.Endpoint) (container.Runtime, container.Type, error) {
	switch ep.Engine {
	case "cri":
		c, err := cri.New(ep.Path)
		if err != nil {
			return nil, container.TypeUnknown, err
		}
		return c, c.Type(), nil
	case "containerd":
		c, err := containerd.New(ep.Path)
		if err != nil {
			return nil, container.TypeUnknown, err
		}
		return c, container.TypeContainerd, nil
	}
	return nil, container.TypeUnknown, nil
}
