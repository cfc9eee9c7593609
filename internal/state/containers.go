package state

import (
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/event"
)

// Container metadata lives in the state, next to the threads that point
// at it by id, and changes only through events: the "container" async
// events the live runtime watcher injects (and the container events of
// capture files). Replays and live runs therefore fill container.* the
// same way, and a rule sees a container's metadata from the event that
// brought it on.

// DefaultMaxContainers bounds the container table.
const DefaultMaxContainers = 16384

// maxAsked bounds the set of ids announced and not answered yet; when it
// fills it is emptied (an id may then be announced twice, which the
// manager absorbs).
const maxAsked = 4096

// Async event names of Falco's container plugin.
const (
	AsyncContainerAdded   = "container"
	AsyncContainerRemoved = "container_removed"
)

type containerTable struct {
	byID  map[string]*container.Info
	asked map[string]struct{}
}

// Container returns the metadata of the container with this id, or nil
// when none has arrived (or id is "" for the host).
func (t *Tables) Container(id string) *container.Info {
	return t.containers.byID[id]
}

// Containers returns how many containers have metadata.
func (t *Tables) Containers() int { return len(t.containers.byID) }

// AddContainer records c's metadata (as a "container" event does),
// replacing what was known of that id.
func (t *Tables) AddContainer(c *container.Info) {
	if c == nil || c.ID == "" {
		return
	}
	ct := &t.containers
	if ct.byID == nil {
		ct.byID = make(map[string]*container.Info)
	}
	if _, ok := ct.byID[c.ID]; !ok && len(ct.byID) >= t.maxContainers() {
		// Forget one container to make room: a container that is still
		// running will be announced and looked up again by its next new
		// thread.
		for id := range ct.byID {
			delete(ct.byID, id)
			t.stats.ContainersEvicted++
			break
		}
	}
	ct.byID[c.ID] = c
	delete(ct.asked, c.ID)
}

// RemoveContainer forgets a container that went away.
func (t *Tables) RemoveContainer(id string) {
	delete(t.containers.byID, id)
	delete(t.containers.asked, id)
}

func (t *Tables) maxContainers() int {
	if t.opts.MaxContainers > 0 {
		return t.opts.MaxContainers
	}
	return DefaultMaxContainers
}

// noticeContainer announces, once, a container id that has no metadata
// yet. Runtimes without an API socket (lxc, libvirt-lxc, bpm) are known
// from their cgroups alone, as the container plugin has it.
func (t *Tables) noticeContainer(r container.Request) {
	if r.ID == "" {
		return
	}
	ct := &t.containers
	if _, ok := ct.byID[r.ID]; ok {
		return
	}
	switch r.Type {
	case container.TypeLXC, container.TypeLibvirtLXC, container.TypeBPM:
		t.AddContainer(&container.Info{ID: r.ID, FullID: r.ID, Type: r.Type, Size: -1})
		return
	}
	if t.opts.OnNewContainer == nil {
		return
	}
	if _, ok := ct.asked[r.ID]; ok {
		return
	}
	if !t.opts.OnNewContainer(r) {
		return
	}
	if ct.asked == nil || len(ct.asked) >= maxAsked {
		ct.asked = make(map[string]struct{})
	}
	ct.asked[r.ID] = struct{}{}
}

// parseContainerEvent applies a container event: the JSON of old
// captures (PPME_CONTAINER_JSON_E/_2_E), the oldest four-parameter form
// (PPME_CONTAINER_E), or an async event named "container" or
// "container_removed". Events whose payload does not decode change
// nothing and are counted.
func (t *Tables) parseContainerEvent(rec *event.Record, code uint16, p *Parsed) {
	var payload []byte
	removed := false
	switch code {
	case event.ContainerJsonE, event.ContainerJsonE2:
		payload = rec.Param(0)
	case event.ContainerE:
		if rec.NParams() < 4 {
			t.stats.ContainerEventErrors++
			return
		}
		c := &container.Info{
			ID:    event.CString(rec.Param(0)),
			Type:  container.Type(event.U32(rec.Param(1))),
			Name:  event.CString(rec.Param(2)),
			Image: event.CString(rec.Param(3)),
			Size:  -1,
		}
		c.ImageRepo, c.ImageTag, c.ImageDigest = container.SplitImage(c.Image)
		t.AddContainer(c)
		p.Container = c
		return
	case event.AsynceventE:
		if rec.NParams() < 3 {
			return
		}
		switch event.CString(rec.Param(1)) {
		case AsyncContainerAdded:
		case AsyncContainerRemoved:
			removed = true
		default:
			return
		}
		payload = rec.Param(2)
	default:
		return
	}
	c, err := container.ParseJSON(payload)
	if err != nil || c.ID == "" {
		t.stats.ContainerEventErrors++
		return
	}
	p.Container = c
	if removed {
		t.RemoveContainer(c.ID)
		return
	}
	t.AddContainer(c)
}
