package containerd

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/kestrel-project/kestrel/internal/container"
)

// Labels and annotations containerd's CRI plugin and nerdctl set.
const (
	labelCRIKind         = "io.cri-containerd.kind" // "sandbox" or "container"
	containerKindSandbox = "sandbox"
	annotationSandboxID  = "io.kubernetes.cri.sandbox-id"
	labelNerdctlName     = "nerdctl/name"
)

// spec decodes the container's OCI spec, which containerd keeps as JSON
// in an Any. A spec that is missing or does not decode gives an empty
// one: the record's labels, image and times still identify the container.
func spec(ctr *containersapi.Container) *specs.Spec {
	var s specs.Spec
	if v := ctr.GetSpec().GetValue(); len(v) > 0 {
		if json.Unmarshal(v, &s) != nil {
			return &specs.Spec{}
		}
	}
	return &s
}

// lookups remembers, for one List, what several containers of a
// namespace share: their images and their pod's sandbox container.
type lookups struct {
	containers map[string]*containersapi.Container
	digests    map[string]string
}

// info maps a container record to container.Info; ctx carries the
// record's namespace, where its image and sandbox are looked up (in known
// first, when given).
func (c *Client) info(ctx context.Context, ctr *containersapi.Container, known *lookups) *container.Info {
	s := spec(ctr)
	id := ctr.GetID()
	info := &container.Info{
		Type:        container.TypeContainerd,
		ID:          container.ShortID(id),
		FullID:      id,
		Name:        container.ShortID(id),
		Image:       ctr.GetImage(),
		Labels:      map[string]string{},
		Mounts:      mounts(s),
		Privileged:  privileged(s),
		CreatedTime: ctr.GetCreatedAt().GetSeconds(),
		Size:        -1,
	}
	// The plugin names containers by their short id; nerdctl keeps the
	// name the user gave in a label, the one its ps shows.
	if n := ctr.GetLabels()[labelNerdctlName]; n != "" {
		info.Name = n
	}
	info.ImageRepo, info.ImageTag, info.ImageDigest = container.SplitImage(info.Image)
	if d := c.imageDigest(ctx, info.Image, known); d != "" {
		info.ImageDigest = d
	}
	if p := s.Process; p != nil {
		info.User = strconv.FormatUint(uint64(p.User.UID), 10)
		info.Env = p.Env
	}
	container.CopyLabels(info.Labels, ctr.GetLabels())
	info.HostPID, info.HostNetwork, info.HostIPC = hostNamespaces(s)
	resources(info, s)

	info.IsPodSandbox = ctr.GetLabels()[labelCRIKind] == containerKindSandbox
	info.PodSandboxID = ctr.GetSandbox()
	if info.PodSandboxID == "" {
		info.PodSandboxID = s.Annotations[annotationSandboxID]
	}
	if info.PodSandboxID != "" {
		info.PodSandboxLabels = c.sandboxLabels(ctx, ctr, info.PodSandboxID, known)
	}
	return info
}

// imageDigest is the digest of the manifest (or index) the image name
// points to in the namespace, "" when the image is gone or the name empty.
func (c *Client) imageDigest(ctx context.Context, name string, known *lookups) string {
	if name == "" {
		return ""
	}
	if d, ok := known.digest(name); ok {
		return d
	}
	d := ""
	if resp, err := c.images.Get(ctx, &imagesapi.GetImageRequest{Name: name}); err == nil {
		d = resp.GetImage().GetTarget().GetDigest()
	}
	if known != nil {
		known.digests[name] = d
	}
	return d
}

func (l *lookups) digest(name string) (string, bool) {
	if l == nil {
		return "", false
	}
	d, ok := l.digests[name]
	return d, ok
}

// sandboxLabels are the labels of a CRI pod's sandbox (pause) container,
// which containerd's CRI plugin creates with the pod's labels. (The plugin
// reads the sandbox store's labels instead, which containerd 2 fills
// with its own bookkeeping, not the pod's labels, and which containerd
// 1.6 does not have.)
func (c *Client) sandboxLabels(ctx context.Context, ctr *containersapi.Container, sandboxID string, known *lookups) map[string]string {
	sb := ctr
	if known != nil && known.containers[sandboxID] != nil {
		sb = known.containers[sandboxID]
	} else if sandboxID != ctr.GetID() {
		resp, err := c.containers.Get(ctx, &containersapi.GetContainerRequest{ID: sandboxID})
		if err != nil {
			return nil
		}
		sb = resp.GetContainer()
	}
	labels := map[string]string{}
	container.CopyLabels(labels, sb.GetLabels())
	return labels
}

// propagationModes are the mount options that set a mount's propagation.
var propagationModes = map[string]bool{
	"private": true, "rprivate": true, "shared": true, "rshared": true,
	"slave": true, "rslave": true, "unbindable": true, "runbindable": true,
}

// mounts lists the spec's mounts as the plugin does: read-only when the
// options hold "ro", the mode from a "mode=" option. The propagation is
// the mount's own option when it has one, else the rootfs propagation
// (the plugin reports the latter for every mount).
func mounts(s *specs.Spec) []container.Mount {
	rootfsPropagation := ""
	if s.Linux != nil {
		rootfsPropagation = s.Linux.RootfsPropagation
	}
	ms := make([]container.Mount, 0, len(s.Mounts))
	for _, m := range s.Mounts {
		mount := container.Mount{Source: m.Source, Destination: m.Destination, RW: true, Propagation: rootfsPropagation}
		for _, o := range m.Options {
			switch {
			case o == "ro":
				mount.RW = false
			case strings.HasPrefix(o, "mode="):
				mount.Mode = strings.TrimPrefix(o, "mode=")
			case propagationModes[o]:
				mount.Propagation = o
			}
		}
		ms = append(ms, mount)
	}
	return ms
}

// privileged is the plugin's heuristic, mirroring what containerd's
// WithPrivileged does to a spec: no masked or read-only paths, no SELinux
// label, no AppArmor profile (or "unconfined"), no seccomp, and sysfs and
// cgroup mounts not read-only.
func privileged(s *specs.Spec) bool {
	if s.Linux == nil || s.Process == nil {
		return false
	}
	if s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil || s.Linux.Seccomp != nil ||
		s.Process.SelinuxLabel != "" ||
		(s.Process.ApparmorProfile != "" && s.Process.ApparmorProfile != "unconfined") {
		return false
	}
	for _, m := range s.Mounts {
		if m.Type != "sysfs" && m.Type != "cgroup" {
			continue
		}
		for _, o := range m.Options {
			if o == "ro" {
				return false
			}
		}
	}
	return true
}

// hostNamespaces: containerd's WithHostNamespace drops the namespace from
// the spec, so a missing one is the host's (as the plugin reads it; a
// namespace joined by path counts as the container's own). A spec without
// a Linux section, or one that did not decode, tells nothing: the plugin
// reports all three shared then, we report none.
func hostNamespaces(s *specs.Spec) (pid, network, ipc bool) {
	if s.Linux == nil {
		return false, false, false
	}
	pid, network, ipc = true, true, true
	for _, ns := range s.Linux.Namespaces {
		switch ns.Type {
		case specs.PIDNamespace:
			pid = false
		case specs.NetworkNamespace:
			network = false
		case specs.IPCNamespace:
			ipc = false
		}
	}
	return
}

// resources reads the limits from the spec, with libsinsp's defaults for
// unset CPU period and shares.
func resources(info *container.Info, s *specs.Spec) {
	info.CPUPeriod = container.DefaultCPUPeriod
	info.CPUShares = container.DefaultCPUShares
	if s.Linux == nil || s.Linux.Resources == nil {
		return
	}
	if cpu := s.Linux.Resources.CPU; cpu != nil {
		if cpu.Period != nil && *cpu.Period > 0 {
			info.CPUPeriod = int64(*cpu.Period)
		}
		if cpu.Shares != nil && *cpu.Shares > 0 {
			info.CPUShares = int64(*cpu.Shares)
		}
		if cpu.Quota != nil {
			info.CPUQuota = *cpu.Quota
		}
		info.CPUSetCPUCount = container.CountCPUSet(cpu.Cpus)
	}
	if mem := s.Linux.Resources.Memory; mem != nil {
		if mem.Limit != nil {
			info.MemoryLimit = *mem.Limit
		}
		if mem.Swap != nil {
			info.SwapLimit = *mem.Swap
		}
	}
}
