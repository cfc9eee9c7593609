package container

import (
	"os"
	"path/filepath"
	"sort"
)

// EngineConfig says which runtimes to ask and where their sockets are. Its
// shape is the container plugin's init_config (engines.<name>.enabled and
// .sockets, host_root), so a falco.yaml's container plugin settings apply
// unchanged.
type EngineConfig struct {
	Docker     SocketEngine
	Podman     SocketEngine
	Containerd SocketEngine
	CRI        SocketEngine
	// HostRoot prefixes every socket path (Kestrel in a container with the
	// host mounted at /host); the HOST_ROOT environment variable sets it
	// when the configuration does not.
	HostRoot string
}

// SocketEngine is one runtime kind and its candidate sockets.
type SocketEngine struct {
	Enabled bool
	Sockets []string
}

// DefaultEngineConfig is the container plugin's default: every runtime
// enabled, at the sockets the Falco chart mounts.
func DefaultEngineConfig() EngineConfig {
	return EngineConfig{
		Docker:     SocketEngine{Enabled: true, Sockets: []string{"/var/run/docker.sock"}},
		Podman:     SocketEngine{Enabled: true, Sockets: []string{"/run/podman/podman.sock"}},
		Containerd: SocketEngine{Enabled: true, Sockets: []string{"/run/host-containerd/containerd.sock"}},
		CRI: SocketEngine{Enabled: true, Sockets: []string{"/run/containerd/containerd.sock",
			"/run/crio/crio.sock", "/run/k3s/containerd/containerd.sock", "/run/host-containerd/containerd.sock"}},
		HostRoot: os.Getenv("HOST_ROOT"),
	}
}

// Endpoint is a runtime socket to connect to.
type Endpoint struct {
	// Engine is docker, podman, containerd or cri.
	Engine string
	// Path is the socket's path on this machine (host root applied).
	Path string
}

// Endpoints lists the enabled sockets that exist. Rootless Podman
// sockets (/run/user/UID/podman/podman.sock) are found as the plugin
// finds them, when the Podman engine uses its default sockets.
func (c EngineConfig) Endpoints() []Endpoint {
	var out []Endpoint
	add := func(engine string, e SocketEngine, extra []string) {
		if !e.Enabled {
			return
		}
		for _, s := range append(append([]string(nil), e.Sockets...), extra...) {
			p := filepath.Join(c.HostRoot, s)
			if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
				out = append(out, Endpoint{Engine: engine, Path: p})
			}
		}
	}
	var rootless []string
	if len(c.Podman.Sockets) == 1 && c.Podman.Sockets[0] == "/run/podman/podman.sock" {
		users, _ := filepath.Glob(filepath.Join(c.HostRoot, "/run/user/*/podman/podman.sock"))
		sort.Strings(users)
		for _, u := range users {
			rel, err := filepath.Rel(filepath.Join(c.HostRoot, "/"), u)
			if err == nil {
				rootless = append(rootless, "/"+rel)
			}
		}
	}
	add("podman", c.Podman, rootless)
	add("docker", c.Docker, nil)
	add("cri", c.CRI, nil)
	add("containerd", c.Containerd, nil)
	return out
}
