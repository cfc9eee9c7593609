package state

import (
	"strings"

	"github.com/kestrel-project/kestrel/internal/container"
)

// Container identity from cgroup paths, following the matchers of Falco's
// container plugin: the first cgroup (in the thread's order) whose path
// one of the runtime patterns recognises gives the id; the id of runc
// based runtimes is cut to 12 characters. A thread whose cgroups match
// nothing is on the host (""). The container issue extends this with the
// runtimes' metadata; only the id is derived here.

// Lengths of runc-style container ids.
const (
	fullContainerIDLen     = 64
	reportedContainerIDLen = 12
)

// cgroupLayout is a prefix/suffix pair around a container id in a cgroup
// path.
type cgroupLayout struct{ prefix, suffix string }

// Layouts per runtime, in the plugin's matcher order (podman, docker,
// cri, containerd, lxc, libvirt-lxc, bpm).
var (
	podmanLayouts = []cgroupLayout{
		{"/libpod-", ".scope"},
		{"/libpod-", ".scope/container"},
		{"/libpod-", ""},
		{"/libpod-payload-", ".scope"},
		{"/libpod-payload-", ".scope/container"},
		{"/libpod-payload-", ""},
	}
	dockerLayouts = []cgroupLayout{
		{"/", ""},
		{"/docker-", ".scope"},
	}
	criLayouts = []cgroupLayout{
		{"/", ""},
		{"/crio-", ""},
		{"/cri-containerd-", ".scope"},
		{"/crio-", ".scope"},
		{":cri-containerd:", ""},
		{"/docker-", ".scope"},
		{"/nerdctl-", ".scope"},
	}
)

// ContainerIDFromCgroups returns the container id the cgroups reveal, or
// "" for the host.
func ContainerIDFromCgroups(cgroups []Cgroup) string {
	for _, cg := range cgroups {
		if cg.Path == "" {
			continue
		}
		if id := ContainerIDFromCgroup(cg.Path); id != "" {
			return id
		}
	}
	return ""
}

// The runtime layouts' types are only a hint; the matchers below follow
// the container plugin's order, and the first match wins.

// ContainerIDFromCgroup returns the container id one cgroup path reveals,
// or "".
func ContainerIDFromCgroup(path string) string {
	return ContainerFromCgroup(path).ID
}

// ContainerFromCgroup returns what one cgroup path reveals of a
// container: its id, the full id when the path holds a 64-digit one, and
// the runtime whose layout matched (a hint for the lookup: Kubernetes
// with the cgroupfs driver looks like Docker). A zero Request for the
// host.
func ContainerFromCgroup(path string) container.Request {
	if id, ok := matchLayouts(path, podmanLayouts, false); ok {
		return request(path, id, container.TypePodman)
	}
	if id, ok := matchLayouts(path, dockerLayouts, false); ok {
		return request(path, id, container.TypeDocker)
	}
	if id, ok := matchLayouts(path, criLayouts, false); ok {
		typ := container.TypeCRI
		if strings.Contains(path, "/crio-") {
			typ = container.TypeCRIO
		}
		return request(path, id, typ)
	}
	if id, ok := matchContainerd(path); ok {
		return request(path, id, container.TypeContainerd)
	}
	if id, ok := matchLXC(path); ok {
		return container.Request{ID: id, Type: container.TypeLXC}
	}
	if id, ok := matchLibvirtLXC(path); ok {
		return container.Request{ID: id, Type: container.TypeLibvirtLXC}
	}
	if id, ok := matchBPM(path); ok {
		return container.Request{ID: id, Type: container.TypeBPM}
	}
	return container.Request{}
}

// request completes a match with the full id: the 64 hex digits that
// start with the short id in the path, when there are.
func request(path, id string, typ container.Type) container.Request {
	r := container.Request{ID: id, Type: typ}
	if len(id) == reportedContainerIDLen {
		if i := strings.LastIndex(path, id); i >= 0 && i+fullContainerIDLen <= len(path) &&
			isHexString(path[i:i+fullContainerIDLen]) {
			r.FullID = path[i : i+fullContainerIDLen]
		}
	}
	return r
}

func matchLayouts(path string, layouts []cgroupLayout, containerd bool) (string, bool) {
	for _, l := range layouts {
		if id, ok := matchOne(path, l.prefix, l.suffix, containerd); ok {
			return id, true
		}
	}
	return "", false
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// matchOne looks for prefix (its last occurrence) and suffix (its last
// occurrence) around a 64-hex-digit id; containerd also accepts shorter
// free-form ids when the path is not a systemd unit.
func matchOne(path, prefix, suffix string, containerd bool) (string, bool) {
	start := strings.LastIndex(path, prefix)
	if start < 0 {
		return "", false
	}
	start += len(prefix)
	end := len(path)
	if suffix != "" {
		end = strings.LastIndex(path, suffix)
		if end < 0 {
			return "", false
		}
	}
	if end < start {
		return "", false
	}
	n := end - start
	// The plugin's hex check compares the absolute position of the first
	// non-hex character after start with 64 (not start+64); kept as is.
	if n == fullContainerIDLen {
		k := start
		for k < len(path) && isHexString(path[k:k+1]) {
			k++
		}
		if k == len(path) || k >= fullContainerIDLen {
			return path[start : start+reportedContainerIDLen], true
		}
	}
	if n > fullContainerIDLen || n == 0 {
		return "", false
	}
	if containerd && !strings.HasSuffix(path, ".service") && !strings.HasSuffix(path, ".slice") &&
		!strings.HasSuffix(path, ".scope") {
		if n > reportedContainerIDLen {
			n = reportedContainerIDLen
		}
		return path[start : start+n], true
	}
	return "", false
}

// matchContainerd handles containers created with ctr, whose cgroup is
// /<namespace>/<id>: the first "/name/" segment is taken as the prefix.
func matchContainerd(path string) (string, bool) {
	ns, ok := firstNamespaceSegment(path)
	if !ok {
		return "", false
	}
	return matchOne(path, ns, "", true)
}

// firstNamespaceSegment finds the first "/x/" where x is alphanumeric
// words joined by single '.', '_' or '-' characters.
func firstNamespaceSegment(path string) (string, bool) {
	alnum := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '/' {
			continue
		}
		j := i + 1
		// word ( [._-] word )*
		if j >= len(path) || !alnum(path[j]) {
			continue
		}
		for j < len(path) {
			for j < len(path) && alnum(path[j]) {
				j++
			}
			if j+1 < len(path) && (path[j] == '.' || path[j] == '_' || path[j] == '-') && alnum(path[j+1]) {
				j++
				continue
			}
			break
		}
		if j < len(path) && path[j] == '/' {
			return path[i : j+1], true
		}
	}
	return "", false
}

var lxcLayouts = []string{"/lxc/", "/lxc.payload/", "/lxc.payload."}

func matchLXC(path string) (string, bool) {
	for _, l := range lxcLayouts {
		if pos := strings.Index(path, l); pos >= 0 {
			id := path[pos+len(l):]
			if k := strings.IndexByte(id, '/'); k >= 0 {
				id = id[:k]
			}
			return id, true
		}
	}
	return "", false
}

func matchLibvirtLXC(path string) (string, bool) {
	const tag = ".libvirt-lxc"
	if pos := strings.Index(path, tag); pos >= 0 && pos == len(path)-len(tag) {
		if slash := strings.LastIndexByte(path, '/'); slash >= 0 && slash < pos {
			return path[slash+1 : pos], true
		}
	}
	const sd = "-lxc\\x2"
	if pos := strings.Index(path, sd); pos >= 0 {
		delim := ".scope"
		if strings.Contains(path, ".scope/libvirt") {
			delim = ".scope/libvirt"
		}
		// The id starts one byte after the marker (skipping the 'd' of
		// "\x2d").
		if pos2 := strings.Index(path, delim); pos2 >= 0 && pos2 == len(path)-len(delim) {
			start := pos + len(sd) + 1
			if start <= pos2 {
				return path[start:pos2], true
			}
		}
	}
	const legacy = "/libvirt/lxc/"
	if pos := strings.Index(path, legacy); pos >= 0 {
		return path[pos+len(legacy):], true
	}
	return "", false
}

func matchBPM(path string) (string, bool) {
	pos := strings.Index(path, "bpm-")
	if pos < 0 {
		return "", false
	}
	id := path[pos+4:]
	if k := strings.Index(id, ".scope"); k >= 0 {
		id = id[:k]
	}
	if id == "" {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", false
		}
	}
	return id, true
}
