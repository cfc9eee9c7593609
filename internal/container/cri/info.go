package cri

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/kestrel-project/kestrel/internal/container"
)

// maxCNILen caps cni_json as libsinsp does (MAX_CNIRESULT_LENGTH).
const maxCNILen = 4096

// Label the plugin adds to every CRI container, naming its sandbox.
const labelSandboxID = "io.kubernetes.sandbox.id"

// verboseInfo is the part of ContainerStatus's verbose info["info"] JSON
// that is read. containerd writes its ContainerInfo: sandboxID, the CRI
// ContainerConfig under "config" (encoding/json of the protobuf structs,
// so snake_case keys and omitted false/zero values) and the OCI spec under
// "runtimeSpec". CRI-O writes sandboxID, runtimeSpec and a top-level
// "privileged"; it has no "config".
type verboseInfo struct {
	SandboxID  string `json:"sandboxID"`
	Privileged *bool  `json:"privileged"`
	Config     *struct {
		Image *struct {
			Image string `json:"image"`
		} `json:"image"`
		Envs []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"envs"`
		Linux *struct {
			SecurityContext *struct {
				Privileged *bool `json:"privileged"`
			} `json:"security_context"`
		} `json:"linux"`
	} `json:"config"`
	RuntimeSpec *struct {
		Process *struct {
			User *struct {
				UID *uint32 `json:"uid"`
			} `json:"user"`
			Env []string `json:"env"`
		} `json:"process"`
		Annotations map[string]string `json:"annotations"`
		Linux       *struct {
			Resources *struct {
				Memory *struct {
					Limit *int64 `json:"limit"`
					Swap  *int64 `json:"swap"`
				} `json:"memory"`
				CPU *struct {
					Shares *uint64 `json:"shares"`
					Quota  *int64  `json:"quota"`
					Period *uint64 `json:"period"`
					Cpus   string  `json:"cpus"`
				} `json:"cpu"`
			} `json:"resources"`
			// No OCI spec has this; libsinsp and the plugin look here
			// first all the same, so a runtime that adds it is honoured.
			SecurityContext *struct {
				Privileged *bool `json:"privileged"`
			} `json:"security_context"`
		} `json:"linux"`
	} `json:"runtimeSpec"`
}

// parseVerboseInfo reads info["info"]. JSON that does not parse is
// treated as absent: the fields only it carries (environment, privileged,
// user, sandbox id, image id) then come from the status and the listing
// or stay empty, rather than losing the container's whole metadata.
func parseVerboseInfo(info map[string]string) *verboseInfo {
	var vi verboseInfo
	raw, ok := info["info"]
	if !ok {
		return &vi
	}
	if err := json.Unmarshal([]byte(raw), &vi); err != nil {
		return &verboseInfo{}
	}
	return &vi
}

// privileged follows libsinsp's order: runtimeSpec.linux.security_context,
// then containerd's config.linux.security_context, then CRI-O's top-level
// flag.
func (vi *verboseInfo) privileged() bool {
	if s := vi.RuntimeSpec; s != nil && s.Linux != nil && s.Linux.SecurityContext != nil && s.Linux.SecurityContext.Privileged != nil {
		return *s.Linux.SecurityContext.Privileged
	}
	if c := vi.Config; c != nil && c.Linux != nil && c.Linux.SecurityContext != nil && c.Linux.SecurityContext.Privileged != nil {
		return *c.Linux.SecurityContext.Privileged
	}
	if vi.Privileged != nil {
		return *vi.Privileged
	}
	return false
}

// env is containerd's config.envs (the variables the pod spec set), as the
// plugin reads it; CRI-O's info has no config, and there the OCI spec's
// process environment (image and pod variables) is the only source, which
// the plugin leaves unread.
func (vi *verboseInfo) env() []string {
	var env []string
	if vi.Config != nil {
		for _, e := range vi.Config.Envs {
			env = append(env, e.Key+"="+e.Value)
		}
		return env
	}
	if vi.RuntimeSpec != nil && vi.RuntimeSpec.Process != nil {
		env = append(env, vi.RuntimeSpec.Process.Env...)
	}
	return env
}

func (vi *verboseInfo) annotation(key string) (string, bool) {
	if vi.RuntimeSpec == nil {
		return "", false
	}
	v, ok := vi.RuntimeSpec.Annotations[key]
	return v, ok
}

// sandboxVerboseInfo is the part of PodSandboxStatus's verbose info that
// is read: containerd's go-cni result (keys without JSON tags, so
// capitalised; interfaces keyed by name) or CRI-O's CNI result, which it
// keeps as a JSON string annotation of the sandbox's OCI spec.
type sandboxVerboseInfo struct {
	CNIResult *struct {
		Interfaces map[string]json.RawMessage `json:"Interfaces"`
	} `json:"cniResult"`
	RuntimeSpec *struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"runtimeSpec"`
}

// cniJSON extracts the pod's CNI result as libsinsp did: containerd's
// interfaces without "lo" and the host-side "veth*" ends, each without
// its Mac and Sandbox, written compactly with keys sorted at every level
// (jsoncpp's order); CRI-O's annotation as it stands. (The Go plugin
// reads containerd's interfaces as an array and so never reports them;
// libsinsp's output is the one Falco rules and outputs were written
// against.) Malformed JSON gives "".
func cniJSON(info map[string]string) string {
	raw, ok := info["info"]
	if !ok {
		return ""
	}
	var si sandboxVerboseInfo
	if err := json.Unmarshal([]byte(raw), &si); err != nil {
		return ""
	}
	var out string
	switch {
	case si.CNIResult != nil && si.CNIResult.Interfaces != nil:
		ifaces := make(map[string]map[string]any, len(si.CNIResult.Interfaces))
		for name, rawCfg := range si.CNIResult.Interfaces {
			if name == "lo" || strings.HasPrefix(name, "veth") {
				continue
			}
			var cfg map[string]any
			dec := json.NewDecoder(bytes.NewReader(rawCfg))
			dec.UseNumber()
			if err := dec.Decode(&cfg); err != nil {
				return ""
			}
			delete(cfg, "Mac")
			delete(cfg, "Sandbox")
			ifaces[name] = cfg
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(ifaces); err != nil {
			return ""
		}
		out = buf.String()
	case si.RuntimeSpec != nil:
		out = si.RuntimeSpec.Annotations["io.kubernetes.cri-o.CNIResult"]
	}
	out = strings.TrimSuffix(out, "\n")
	if len(out) > maxCNILen {
		out = out[:maxCNILen]
	}
	return out
}

// containerInfo maps a container's status, its verbose info and its
// sandbox's status (nil when unknown) to container.Info.
func containerInfo(typ container.Type, cs *runtimeapi.ContainerStatusResponse, vi *verboseInfo, sandboxID string, ps *runtimeapi.PodSandboxStatusResponse) *container.Info {
	st := cs.GetStatus()
	info := &container.Info{
		Type:         typ,
		ID:           container.ShortID(st.GetId()),
		FullID:       st.GetId(),
		Name:         st.GetMetadata().GetName(),
		Env:          vi.env(),
		Labels:       map[string]string{},
		Mounts:       []container.Mount{},
		Privileged:   vi.privileged(),
		CreatedTime:  st.GetCreatedAt() / 1e9,
		PodSandboxID: sandboxID,
		Size:         -1,
	}
	image(info, st, vi)
	info.User = user(st, vi)
	resources(info, st, vi)
	for _, m := range st.GetMounts() {
		info.Mounts = append(info.Mounts, container.Mount{
			Source:      m.GetHostPath(),
			Destination: m.GetContainerPath(),
			RW:          !m.GetReadonly(),
			Propagation: propagation(m.GetPropagation()),
		})
	}
	container.CopyLabels(info.Labels, st.GetLabels())
	if sandboxID != "" {
		info.Labels[labelSandboxID] = sandboxID
	}
	if ps.GetStatus() != nil {
		pod(info, ps)
	}
	return info
}

// sandboxInfo maps a pod sandbox (its pause container) to container.Info
// as libsinsp did: no image, the sandbox's labels as both its labels and
// its pod's, with the pod's name, namespace and uid added as the kubelet
// adds them to containers.
func sandboxInfo(typ container.Type, ps *runtimeapi.PodSandboxStatusResponse) *container.Info {
	st := ps.GetStatus()
	info := &container.Info{
		Type:         typ,
		ID:           container.ShortID(st.GetId()),
		FullID:       st.GetId(),
		Name:         st.GetMetadata().GetName(),
		Labels:       map[string]string{},
		Mounts:       []container.Mount{},
		CreatedTime:  st.GetCreatedAt() / 1e9,
		IsPodSandbox: true,
		PodSandboxID: st.GetId(),
		CPUPeriod:    container.DefaultCPUPeriod,
		CPUShares:    container.DefaultCPUShares,
		Size:         -1,
	}
	container.CopyLabels(info.Labels, st.GetLabels())
	info.Labels[labelSandboxID] = st.GetId()
	pod(info, ps)
	return info
}

// pod fills what a container takes from its sandbox.
func pod(info *container.Info, ps *runtimeapi.PodSandboxStatusResponse) {
	st := ps.GetStatus()
	if md := st.GetMetadata(); md != nil {
		info.Labels[container.LabelPodUID] = md.GetUid()
		info.Labels[container.LabelPodName] = md.GetName()
		info.Labels[container.LabelPodNamespace] = md.GetNamespace()
	}
	info.PodSandboxLabels = map[string]string{}
	container.CopyLabels(info.PodSandboxLabels, st.GetLabels())
	opts := st.GetLinux().GetNamespaces().GetOptions()
	info.HostPID = opts.GetPid() == runtimeapi.NamespaceMode_NODE
	info.HostIPC = opts.GetIpc() == runtimeapi.NamespaceMode_NODE
	info.HostNetwork = opts.GetNetwork() == runtimeapi.NamespaceMode_NODE
	// A host-network pod has the node's addresses, not one of its own
	// (libsinsp reports none); container.ip holds IPv4 only.
	if !info.HostNetwork {
		info.IP = firstIPv4(st.GetNetwork())
	}
	info.CNIJSON = cniJSON(ps.GetInfo())
}

func firstIPv4(n *runtimeapi.PodSandboxNetworkStatus) string {
	ips := []string{n.GetIp()}
	for _, ip := range n.GetAdditionalIps() {
		ips = append(ips, ip.GetIp())
	}
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			return a.String()
		}
	}
	return ""
}

// image resolves the image fields as libsinsp's parse_cri_image does:
// image_ref is either "repo@sha256:..." (then the repository comes from
// it and the tag from the status's image name) or a bare "sha256:...";
// an image name that is empty or an id is replaced by the one the
// runtime wrote into the OCI annotations.
func image(info *container.Info, st *runtimeapi.ContainerStatus, vi *verboseInfo) {
	name := st.GetImage().GetImage()
	ref := st.GetImageRef()
	digest := ""
	tagFromImage := false
	switch i := strings.Index(ref, "sha256:"); {
	case i == 0:
		digest = ref
	case i > 0 && ref[i-1] == '@':
		name, digest = ref[:i-1], ref[i:]
		tagFromImage = true
	}
	if name == "" || strings.HasPrefix(name, "sha256") {
		for _, key := range []string{"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.Image", "io.kubernetes.cri-o.ImageName"} {
			if v, ok := vi.annotation(key); ok {
				name, tagFromImage = v, false
				break
			}
		}
	}
	repo, tag, nameDigest := container.SplitImage(name)
	// containerd puts the image id in the status's image name when the
	// image has no tag (pulled by digest); its "tag" would be the id's hex,
	// which libsinsp and the plugin append to the name.
	if img := st.GetImage().GetImage(); tagFromImage && !strings.HasPrefix(img, "sha256:") {
		if _, t, _ := container.SplitImage(img); t != "" {
			tag = t
			name += ":" + t
		}
	}
	if digest == "" {
		digest = nameDigest
	}
	info.Image, info.ImageRepo, info.ImageTag, info.ImageDigest = name, repo, tag, digest
	info.ImageID = imageID(st, vi)
}

// imageID is containerd's config.image.image, which holds the image id
// ("sha256:<hex>") the kubelet created the container from, as libsinsp
// reads it; otherwise the status's image_id (CRI-O gives the bare hex).
// Either way the "sha256:" prefix is cut, as container.image.id shows
// Docker's ids. (The plugin takes whatever follows the last colon of
// config.image.image, a tag when a client passed a name there.)
func imageID(st *runtimeapi.ContainerStatus, vi *verboseInfo) string {
	if c := vi.Config; c != nil && c.Image != nil && strings.HasPrefix(c.Image.Image, "sha256:") {
		return strings.TrimPrefix(c.Image.Image, "sha256:")
	}
	return strings.TrimPrefix(st.GetImageId(), "sha256:")
}

// user is the uid of the OCI spec's process (libsinsp), else the one the
// status reports (the plugin), else unknown.
func user(st *runtimeapi.ContainerStatus, vi *verboseInfo) string {
	if s := vi.RuntimeSpec; s != nil && s.Process != nil && s.Process.User != nil && s.Process.User.UID != nil {
		return strconv.FormatUint(uint64(*s.Process.User.UID), 10)
	}
	if u := st.GetUser().GetLinux(); u != nil {
		return strconv.FormatInt(u.GetUid(), 10)
	}
	return ""
}

// resources reads the limits from the status (the plugin's source) or,
// for runtimes that do not report them there, from the OCI spec
// (libsinsp's source), with libsinsp's defaults for unset values.
func resources(info *container.Info, st *runtimeapi.ContainerStatus, vi *verboseInfo) {
	info.CPUPeriod = container.DefaultCPUPeriod
	info.CPUShares = container.DefaultCPUShares
	if r := st.GetResources().GetLinux(); r != nil {
		if r.GetCpuPeriod() > 0 {
			info.CPUPeriod = r.GetCpuPeriod()
		}
		if r.GetCpuShares() > 0 {
			info.CPUShares = r.GetCpuShares()
		}
		info.CPUQuota = r.GetCpuQuota()
		info.CPUSetCPUCount = container.CountCPUSet(r.GetCpusetCpus())
		info.MemoryLimit = r.GetMemoryLimitInBytes()
		info.SwapLimit = r.GetMemorySwapLimitInBytes()
		return
	}
	s := vi.RuntimeSpec
	if s == nil || s.Linux == nil || s.Linux.Resources == nil {
		return
	}
	if m := s.Linux.Resources.Memory; m != nil {
		if m.Limit != nil {
			info.MemoryLimit = *m.Limit
		}
		if m.Swap != nil {
			info.SwapLimit = *m.Swap
		}
	}
	if c := s.Linux.Resources.CPU; c != nil {
		if c.Period != nil && *c.Period > 0 {
			info.CPUPeriod = int64(*c.Period)
		}
		if c.Shares != nil && *c.Shares > 0 {
			info.CPUShares = int64(*c.Shares)
		}
		if c.Quota != nil {
			info.CPUQuota = *c.Quota
		}
		info.CPUSetCPUCount = container.CountCPUSet(c.Cpus)
	}
}

// propagation names a CRI mount propagation as libsinsp and the plugin
// render it in container.mount.
func propagation(p runtimeapi.MountPropagation) string {
	switch p {
	case runtimeapi.MountPropagation_PROPAGATION_PRIVATE:
		return "private"
	case runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER:
		return "rslave"
	case runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:
		return "rshared"
	}
	return "unknown"
}

// summaryInfo is what a ListContainers entry tells about a container whose
// status could not be had.
func summaryInfo(typ container.Type, ctr *runtimeapi.Container) *container.Info {
	info := &container.Info{
		Type:         typ,
		ID:           container.ShortID(ctr.GetId()),
		FullID:       ctr.GetId(),
		Name:         ctr.GetMetadata().GetName(),
		ImageID:      strings.TrimPrefix(ctr.GetImageId(), "sha256:"),
		Labels:       map[string]string{},
		Mounts:       []container.Mount{},
		CreatedTime:  ctr.GetCreatedAt() / 1e9,
		PodSandboxID: ctr.GetPodSandboxId(),
		CPUPeriod:    container.DefaultCPUPeriod,
		CPUShares:    container.DefaultCPUShares,
		Size:         -1,
	}
	container.CopyLabels(info.Labels, ctr.GetLabels())
	if id := ctr.GetPodSandboxId(); id != "" {
		info.Labels[labelSandboxID] = id
	}
	return info
}
