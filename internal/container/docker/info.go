package docker

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	dcontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"

	"github.com/kestrel-project/kestrel/internal/container"
)

// legacyNetwork is the part of the inspect answer that the API types no
// longer model: the top-level NetworkSettings.IPAddress, which daemons
// still send for API versions before 1.52 and which the plugin reports.
type legacyNetwork struct {
	NetworkSettings *struct {
		IPAddress string
	}
}

// info maps an inspect answer as the plugin's docker engine does. It asks
// the daemon about the image (repository, tag and digest come from the
// image's RepoDigests and RepoTags, not from the reference the container
// was created with) and, for a container sharing another's network, that
// container's address.
func (c *Client) info(ctx context.Context, res client.ContainerInspectResult) (*container.Info, error) {
	ctr := res.Container
	cfg := ctr.Config
	if cfg == nil {
		cfg = &dcontainer.Config{}
	}
	host := ctr.HostConfig
	if host == nil {
		host = &dcontainer.HostConfig{}
	}
	name := strings.TrimPrefix(ctr.Name, "/")
	info := &container.Info{
		Type:   c.typ,
		ID:     container.ShortID(ctr.ID),
		FullID: ctr.ID,
		Name:   name,
		// dockershim named sandbox containers k8s_POD_<pod>_...
		IsPodSandbox: strings.Contains(name, "k8s_POD"),
		Image:        cfg.Image,
		User:         cfg.User,
		Env:          cfg.Env,
		Labels:       make(map[string]string, len(cfg.Labels)),
		Mounts:       make([]container.Mount, 0, len(ctr.Mounts)),
		Privileged:   host.Privileged,
		HostPID:      host.PidMode.IsHost(),
		HostNetwork:  host.NetworkMode.IsHost(),
		HostIPC:      host.IpcMode.IsHost(),
		PortMappings: portMappings(ctr.NetworkSettings),
		CPUPeriod:    container.DefaultCPUPeriod,
		CPUQuota:     host.CPUQuota,
		CPUShares:    container.DefaultCPUShares,
		MemoryLimit:  host.Memory,
		SwapLimit:    host.MemorySwap,
		// -1 is the plugin's "not asked for".
		Size: -1,
	}
	container.CopyLabels(info.Labels, cfg.Labels)
	for _, m := range ctr.Mounts {
		info.Mounts = append(info.Mounts, container.Mount{
			Source:      m.Source,
			Destination: m.Destination,
			Mode:        m.Mode,
			RW:          m.RW,
			Propagation: string(m.Propagation),
		})
	}
	if host.CPUShares > 0 {
		info.CPUShares = host.CPUShares
	}
	if host.CPUPeriod > 0 {
		info.CPUPeriod = host.CPUPeriod
	}
	info.CPUSetCPUCount = container.CountCPUSet(host.CpusetCpus)
	if ctr.SizeRw != nil {
		info.Size = *ctr.SizeRw
	}
	// An unparsable time is left at 0 rather than the plugin's
	// time.Time{}.Unix() (year 1).
	if t, err := time.Parse(time.RFC3339Nano, ctr.Created); err == nil {
		info.CreatedTime = t.Unix()
	}

	info.IP = ipAddress(res)
	if info.IP == "" && host.NetworkMode.IsContainer() {
		// Best effort, as in the plugin: the container whose network is
		// shared may be gone.
		if other, err := c.api.ContainerInspect(ctx, host.NetworkMode.ConnectedContainer(), client.ContainerInspectOptions{}); err == nil {
			info.IP = ipAddress(other)
		}
	}

	// The image lookup failing (e.g. the image was removed) leaves the
	// image fields empty, as in the plugin; only the caller giving up is
	// an error.
	img, err := c.api.ImageInspect(ctx, ctr.Image)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		img = client.ImageInspectResult{}
	}
	info.ImageRepo, info.ImageTag, info.ImageDigest = imageNames(img.InspectResponse)
	info.ImageID = strings.TrimPrefix(img.ID, "sha256:")
	return info, nil
}

// ipAddress is the container's address on the default network: the
// legacy top-level field when the daemon sends it, else (API 1.52 and
// later dropped that field) the "bridge" endpoint it used to mirror.
func ipAddress(res client.ContainerInspectResult) string {
	var legacy legacyNetwork
	if json.Unmarshal(res.Raw, &legacy) == nil && legacy.NetworkSettings != nil && legacy.NetworkSettings.IPAddress != "" {
		return legacy.NetworkSettings.IPAddress
	}
	if ns := res.Container.NetworkSettings; ns != nil {
		if ep := ns.Networks["bridge"]; ep != nil && ep.IPAddress.IsValid() {
			return ep.IPAddress.String()
		}
	}
	return ""
}

// imageNames derives repository, tag and digest from the image as the
// plugin does: the repository is the first RepoDigest's (else the first
// RepoTag's), the digest the first RepoDigest containing that repository
// (or the only one), the tag the first RepoTag containing it. So a
// container created from "alpine" reports tag "latest", and one created
// from an image id reports the image's tag.
func imageNames(img image.InspectResponse) (repo, tag, digest string) {
	var digests []string
	for _, rd := range img.RepoDigests {
		parts := strings.Split(rd, "@")
		if len(parts) != 2 {
			continue
		}
		if repo == "" {
			repo = parts[0]
		}
		digests = append(digests, parts[1])
		if strings.Contains(rd, repo) {
			digest = parts[1]
			break
		}
	}
	if digest == "" && len(digests) == 1 {
		digest = digests[0]
	}
	for _, rt := range img.RepoTags {
		r, t := splitRepoTag(rt)
		if r == "" || t == "" {
			continue
		}
		if repo == "" {
			repo = r
		}
		if strings.Contains(rt, repo) {
			tag = t
			break
		}
	}
	return repo, tag, digest
}

// splitRepoTag is container.SplitImage without the digest: the plugin
// drops everything from the first "@" and splits the tag at the last ":"
// after the last "/" (so a registry port is not a tag).
func splitRepoTag(ref string) (repo, tag string) {
	if at := strings.IndexByte(ref, '@'); at >= 0 {
		ref = ref[:at]
	}
	repo, tag, _ = container.SplitImage(ref)
	return repo, tag
}

// portMappings lists the published TCP ports bound to an IPv4 address,
// the only ones the plugin's format can carry. The daemon's map has no
// order; the result is sorted so that equal containers encode equally.
func portMappings(ns *dcontainer.NetworkSettings) []container.PortMapping {
	ports := make([]container.PortMapping, 0)
	if ns == nil {
		return ports
	}
	for port, bindings := range ns.Ports {
		if port.Proto() != "tcp" {
			continue
		}
		for _, b := range bindings {
			if !b.HostIP.Is4() {
				continue
			}
			hostPort, err := strconv.ParseUint(b.HostPort, 10, 16)
			if err != nil {
				continue
			}
			ip := b.HostIP.As4()
			ports = append(ports, container.PortMapping{
				HostIP:        binary.BigEndian.Uint32(ip[:]),
				HostPort:      uint16(hostPort),
				ContainerPort: int(port.Num()),
			})
		}
	}
	slices.SortFunc(ports, func(a, b container.PortMapping) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort),
			cmp.Compare(a.HostIP, b.HostIP), cmp.Compare(a.HostPort, b.HostPort))
	})
	return ports
}

// summaryInfo is what the listing alone tells about a container whose
// inspection failed.
func summaryInfo(typ container.Type, s dcontainer.Summary) *container.Info {
	return &container.Info{
		Type:        typ,
		ID:          container.ShortID(s.ID),
		FullID:      s.ID,
		Image:       s.Image,
		ImageID:     strings.TrimPrefix(s.ImageID, "sha256:"),
		CreatedTime: s.Created,
		CPUPeriod:   container.DefaultCPUPeriod,
		CPUShares:   container.DefaultCPUShares,
		Size:        -1,
	}
}
