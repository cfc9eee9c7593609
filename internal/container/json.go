package container

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The JSON form of Info is the one Falco's container plugin puts in its
// "container" async events and libsinsp put in the container events of
// older capture files: {"container": {...}} with the plugin's key names.
// Kestrel reads it on replay and writes it in the events it injects, so
// captures written by Kestrel carry their containers like Falco's do.

type jsonMount struct {
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	Mode        string `json:"Mode"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
}

type jsonPort struct {
	HostIP        uint32 `json:"HostIp"`
	HostPort      uint16 `json:"HostPort"`
	ContainerPort int    `json:"ContainerPort"`
}

// jsonInfo uses pointers where the plugin's reader gives a default other
// than the zero value when the key is absent.
type jsonInfo struct {
	Type             *int              `json:"type"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Image            string            `json:"image"`
	ImageDigest      string            `json:"imagedigest"`
	ImageID          string            `json:"imageid"`
	ImageRepo        string            `json:"imagerepo"`
	ImageTag         string            `json:"imagetag"`
	User             string            `json:"User"`
	CNIJSON          string            `json:"cni_json"`
	CPUPeriod        int64             `json:"cpu_period"`
	CPUQuota         int64             `json:"cpu_quota"`
	CPUShares        int64             `json:"cpu_shares"`
	CPUSetCPUCount   int64             `json:"cpuset_cpu_count"`
	CreatedTime      int64             `json:"created_time"`
	Env              []string          `json:"env"`
	FullID           string            `json:"full_id"`
	HostIPC          bool              `json:"host_ipc"`
	HostNetwork      bool              `json:"host_network"`
	HostPID          bool              `json:"host_pid"`
	IP               jsonIP            `json:"ip"`
	Size             *int64            `json:"size,omitempty"`
	IsPodSandbox     bool              `json:"is_pod_sandbox"`
	Labels           map[string]string `json:"labels"`
	MemoryLimit      int64             `json:"memory_limit"`
	SwapLimit        int64             `json:"swap_limit"`
	PodSandboxID     string            `json:"pod_sandbox_id"`
	Privileged       bool              `json:"privileged"`
	PodSandboxLabels map[string]string `json:"pod_sandbox_labels"`
	PortMappings     []jsonPort        `json:"port_mappings"`
	Mounts           []jsonMount       `json:"Mounts"`
}

// jsonIP accepts the address as a string (every writer since 2019) or as
// libsinsp's older host-order uint32.
type jsonIP string

func (ip *jsonIP) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*ip = jsonIP(s)
		return nil
	}
	if string(b) == "null" {
		*ip = ""
		return nil
	}
	var n uint32
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("ip: %w", err)
	}
	*ip = jsonIP(fmt.Sprintf("%d.%d.%d.%d", n>>24, n>>16&0xff, n>>8&0xff, n&0xff))
	return nil
}

// ParseJSON decodes a container event's payload. Absent keys take the
// plugin's defaults (type unknown, size -1).
func ParseJSON(b []byte) (*Info, error) {
	// A C string payload may end in its NUL.
	if n := len(b); n > 0 && b[n-1] == 0 {
		b = b[:n-1]
	}
	var doc struct {
		Container *jsonInfo `json:"container"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("container JSON: %w", err)
	}
	j := doc.Container
	if j == nil {
		return nil, fmt.Errorf("container JSON: no \"container\" object")
	}
	c := &Info{
		Type:             TypeUnknown,
		ID:               j.ID,
		FullID:           j.FullID,
		Name:             j.Name,
		Image:            j.Image,
		ImageRepo:        j.ImageRepo,
		ImageTag:         j.ImageTag,
		ImageDigest:      j.ImageDigest,
		ImageID:          j.ImageID,
		User:             j.User,
		Env:              j.Env,
		Labels:           j.Labels,
		Privileged:       j.Privileged,
		HostPID:          j.HostPID,
		HostNetwork:      j.HostNetwork,
		HostIPC:          j.HostIPC,
		IP:               string(j.IP),
		CNIJSON:          j.CNIJSON,
		CreatedTime:      j.CreatedTime,
		CPUPeriod:        j.CPUPeriod,
		CPUQuota:         j.CPUQuota,
		CPUShares:        j.CPUShares,
		CPUSetCPUCount:   j.CPUSetCPUCount,
		MemoryLimit:      j.MemoryLimit,
		SwapLimit:        j.SwapLimit,
		Size:             -1,
		IsPodSandbox:     j.IsPodSandbox,
		PodSandboxID:     j.PodSandboxID,
		PodSandboxLabels: j.PodSandboxLabels,
	}
	if j.Type != nil {
		c.Type = Type(*j.Type)
	}
	if j.Size != nil {
		c.Size = *j.Size
	}
	for _, m := range j.Mounts {
		c.Mounts = append(c.Mounts, Mount(m))
	}
	for _, p := range j.PortMappings {
		c.PortMappings = append(c.PortMappings, PortMapping(p))
	}
	return c, nil
}

// JSON encodes c as the plugin does, keys sorted as nlohmann writes
// them.
func (c *Info) JSON() []byte {
	typ := int(c.Type)
	size := c.Size
	j := jsonInfo{
		Type: &typ, ID: c.ID, Name: c.Name, Image: c.Image, ImageDigest: c.ImageDigest,
		ImageID: c.ImageID, ImageRepo: c.ImageRepo, ImageTag: c.ImageTag, User: c.User,
		CNIJSON: c.CNIJSON, CPUPeriod: c.CPUPeriod, CPUQuota: c.CPUQuota, CPUShares: c.CPUShares,
		CPUSetCPUCount: c.CPUSetCPUCount, CreatedTime: c.CreatedTime, Env: c.Env, FullID: c.FullID,
		HostIPC: c.HostIPC, HostNetwork: c.HostNetwork, HostPID: c.HostPID, IP: jsonIP(c.IP),
		Size: &size, IsPodSandbox: c.IsPodSandbox, Labels: c.Labels, MemoryLimit: c.MemoryLimit,
		SwapLimit: c.SwapLimit, PodSandboxID: c.PodSandboxID, Privileged: c.Privileged,
		PodSandboxLabels: c.PodSandboxLabels,
	}
	if j.Env == nil {
		j.Env = []string{}
	}
	j.Mounts = make([]jsonMount, 0, len(c.Mounts))
	for _, m := range c.Mounts {
		j.Mounts = append(j.Mounts, jsonMount(m))
	}
	j.PortMappings = make([]jsonPort, 0, len(c.PortMappings))
	for _, p := range c.PortMappings {
		j.PortMappings = append(j.PortMappings, jsonPort(p))
	}
	// Struct fields marshal in declaration order and map keys sorted: a
	// round trip through a map gives nlohmann's order.
	b, err := json.Marshal(j)
	if err == nil {
		var m map[string]json.RawMessage
		if err = json.Unmarshal(b, &m); err == nil {
			b, err = json.Marshal(map[string]any{"container": m})
		}
	}
	if err != nil {
		// Every field is a plain value: marshalling cannot fail.
		panic(err)
	}
	return b
}

// LabelsString renders container.labels and k8s.pod.labels: "k:v, k2"
// in key order, leaving out annotations and io.kubernetes.* labels as
// the plugin does.
func LabelsString(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if strings.HasPrefix(k, "annotation.") || strings.HasPrefix(k, "io.kubernetes.") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		if sb.Len() > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(k)
		if v := labels[k]; v != "" {
			sb.WriteString(":" + v)
		}
	}
	return sb.String()
}
