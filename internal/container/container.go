// Package container owns what Kestrel knows about containers beyond their
// id: the metadata model (Info) with Falco's container JSON encoding, the
// runtime interface that the Docker, Podman, CRI and containerd clients
// implement, and the Manager that asks those runtimes asynchronously, so
// that the event path never waits on a socket.
//
// The container id itself is derived from cgroup paths in internal/state;
// the metadata reaches the state as "container" async events (the same
// events Falco's container plugin injects and capture files carry), so
// live runs and replays fill container.* and k8s.* fields through one path.
package container

import (
	"context"
	"errors"
	"strings"
)

// Type is a container runtime kind, numbered as Falco's container_type
// enum so that the JSON "type" field of capture files keeps its meaning.
type Type int

// Container types (Falco's CT_* values).
const (
	TypeDocker     Type = 0
	TypeLXC        Type = 1
	TypeLibvirtLXC Type = 2
	TypeMesos      Type = 3
	TypeRkt        Type = 4
	TypeCustom     Type = 5
	TypeCRI        Type = 6
	TypeContainerd Type = 7
	TypeCRIO       Type = 8
	TypeBPM        Type = 9
	TypeStatic     Type = 10
	TypePodman     Type = 11
	TypeHost       Type = 0xfffe
	TypeUnknown    Type = 0xffff
)

// String is the container.type value: Falco's names, "" for unknown.
func (t Type) String() string {
	switch t {
	case TypeDocker:
		return "docker"
	case TypeLXC:
		return "lxc"
	case TypeLibvirtLXC:
		return "libvirt-lxc"
	case TypeMesos:
		return "mesos"
	case TypeCRI:
		return "cri"
	case TypeContainerd:
		return "containerd"
	case TypeCRIO:
		return "cri-o"
	case TypeRkt:
		return "rkt"
	case TypeBPM:
		return "bpm"
	case TypePodman:
		return "podman"
	case TypeHost:
		return "host"
	}
	return ""
}

// ShortIDLen is the length of container.id for runc-style 64-digit ids.
const ShortIDLen = 12

// ShortID cuts a full id to container.id's length.
func ShortID(id string) string {
	if len(id) > ShortIDLen {
		return id[:ShortIDLen]
	}
	return id
}

// Mount is one mount of a container, as container.mount[...] shows it.
type Mount struct {
	Source      string
	Destination string
	Mode        string
	RW          bool
	Propagation string
}

// String is the source:dest:mode:rdwr:propagation form of container.mount.
func (m Mount) String() string {
	rw := "false"
	if m.RW {
		rw = "true"
	}
	return m.Source + ":" + m.Destination + ":" + m.Mode + ":" + rw + ":" + m.Propagation
}

// Info is everything known about one container. Once handed to the
// state it is never modified (readers share it without locks); a newer
// answer replaces the whole value.
type Info struct {
	Type Type
	// ID is container.id (12 characters for runc-style ids); FullID the
	// runtime's whole id.
	ID     string
	FullID string
	Name   string

	// Image is the reference the container was created from; the parts
	// are split as Falco does (see SplitImage).
	Image       string
	ImageRepo   string
	ImageTag    string
	ImageDigest string
	ImageID     string

	User         string
	Env          []string
	Labels       map[string]string
	Mounts       []Mount
	Privileged   bool
	HostPID      bool
	HostNetwork  bool
	HostIPC      bool
	IP           string // primary IPv4 address, "" if none
	CNIJSON      string // CRI: the pod's CNI result
	CreatedTime  int64  // seconds since the epoch, as the runtime reports
	PortMappings []PortMapping

	// Resource limits, kept for the JSON form.
	CPUPeriod      int64
	CPUQuota       int64
	CPUShares      int64
	CPUSetCPUCount int64
	MemoryLimit    int64
	SwapLimit      int64
	Size           int64

	// Kubernetes (CRI): the sandbox this container belongs to, whether it
	// is the sandbox itself, and the sandbox's labels.
	IsPodSandbox     bool
	PodSandboxID     string
	PodSandboxLabels map[string]string
}

// PortMapping is a published port (Docker).
type PortMapping struct {
	HostIP        uint32
	HostPort      uint16
	ContainerPort int
}

// Kubernetes label keys set by the kubelet on every pod container; the
// container plugin reads k8s.pod.name, k8s.ns.name and k8s.pod.uid from
// them, whatever the runtime.
const (
	LabelPodName      = "io.kubernetes.pod.name"
	LabelPodNamespace = "io.kubernetes.pod.namespace"
	LabelPodUID       = "io.kubernetes.pod.uid"
)

// Defaults the plugin reports when a runtime leaves resource settings
// unset (libsinsp's container_info defaults).
const (
	DefaultCPUPeriod = 100000
	DefaultCPUShares = 1024
)

// MountByIndex, MountBySource and MountByDest implement the argument
// forms of container.mount[...]: an index, or a source (destination for
// container.mount.source) that may be a glob; match is the glob matcher
// (the engine's fnmatch).
func (c *Info) MountByIndex(i int) *Mount {
	if i < 0 || i >= len(c.Mounts) {
		return nil
	}
	return &c.Mounts[i]
}

// MountBySource returns the first mount whose source matches pattern.
func (c *Info) MountBySource(pattern string, match func(pattern, s string) bool) *Mount {
	for i := range c.Mounts {
		if match(pattern, c.Mounts[i].Source) {
			return &c.Mounts[i]
		}
	}
	return nil
}

// MountByDest returns the first mount whose destination matches pattern.
func (c *Info) MountByDest(pattern string, match func(pattern, s string) bool) *Mount {
	for i := range c.Mounts {
		if match(pattern, c.Mounts[i].Destination) {
			return &c.Mounts[i]
		}
	}
	return nil
}

// SplitImage splits an image reference into repository, tag and digest
// the way the container plugin reports them: "registry:5000/ns/app:1.2"
// gives "registry:5000/ns/app" and "1.2"; "app@sha256:..." gives the
// digest; a reference without a tag has tag "".
func SplitImage(ref string) (repo, tag, digest string) {
	repo = ref
	if at := strings.LastIndexByte(repo, '@'); at >= 0 {
		digest = repo[at+1:]
		repo = repo[:at]
	}
	slash := strings.LastIndexByte(repo, '/')
	if colon := strings.LastIndexByte(repo, ':'); colon > slash {
		tag = repo[colon+1:]
		repo = repo[:colon]
	}
	return repo, tag, digest
}

// Request asks the runtimes about one container the event stream revealed.
type Request struct {
	// ID is container.id as derived from the cgroups; FullID the longer
	// id the cgroup path held, if any.
	ID     string
	FullID string
	// Type is the runtime whose cgroup layout matched (a hint: Kubernetes
	// nodes with the cgroupfs driver look like Docker).
	Type Type
}

// ErrNotFound is what a Runtime returns for a container it does not know.
var ErrNotFound = errors.New("no such container")

// ErrWatchUnsupported is wrapped by Watch's error when the runtime has no
// event stream; the manager then relies on its periodic resync.
var ErrWatchUnsupported = errors.New("the runtime does not serve container events")

// LifecycleKind says what happened to a container.
type LifecycleKind int

// Lifecycle kinds.
const (
	Started LifecycleKind = iota
	Removed
)

// Lifecycle is a container starting or going away, as a runtime's event
// stream reports it.
type Lifecycle struct {
	Kind LifecycleKind
	// ID is the runtime's id (full or short).
	ID string
	// Info is the metadata when the runtime's event carries it or the
	// runtime looked it up (Started), nil otherwise.
	Info *Info
}

// Runtime is one container runtime reachable over its API socket.
type Runtime interface {
	// Name is the runtime and socket, for logs and errors.
	Name() string
	// Inspect returns the metadata of the container whose id (full, or a
	// prefix such as the 12-character container.id) is given, or an
	// error wrapping ErrNotFound when the runtime does not know it.
	Inspect(ctx context.Context, id string) (*Info, error)
	// List returns the running containers.
	List(ctx context.Context) ([]*Info, error)
	// Watch reports containers that start and go away until ctx ends or
	// the stream breaks (then it returns the error; the caller retries).
	Watch(ctx context.Context, report func(Lifecycle)) error
	// Close releases the connection.
	Close() error
}
