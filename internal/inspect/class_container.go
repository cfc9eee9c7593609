package inspect

import (
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The container class, as far as it is known without a container runtime:
// the container plugin (plugins/container/src/caps/extract/extract.cpp)
// reads the container id from the thread table, and answers the other
// fields from runtime metadata. Without metadata it still gives
// container.id (the 12-character id derived from the cgroups, "host" for
// host processes, whose metadata is built in: so container.full_id and
// container.name are "host" for them too, their image fields empty), and
// container.start_ts and container.duration,
// which come from the thread's pid namespace start time (for host
// processes too); everything else is missing, so those fields are left
// unbound here until a runtime provides them.

func init() {
	register(map[string]bindFunc{
		"container.id": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Str = th.ContainerID
			if v.Str == "" {
				v.Str = "host"
			}
			return true
		})),
		"container.full_id": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			if th.ContainerID != "" {
				return false
			}
			v.Str = "host"
			return true
		})),
		// The plugin's built-in host container: named "host", of type
		// "host", with empty image fields.
		"container.name":             hostOnly("host"),
		"container.type":             hostOnly("host"),
		"container.image":            hostOnly(""),
		"container.image.id":         hostOnly(""),
		"container.image.repository": hostOnly(""),
		"container.image.tag":        hostOnly(""),
		"container.image.digest":     hostOnly(""),
		"container.start_ts": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint = th.PidnsInitStartTs
			return v.Uint != 0
		})),
		"container.duration": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			if th.PidnsInitStartTs == 0 {
				return false
			}
			v.Uint = e.Ts() - th.PidnsInitStartTs
			return true
		})),
	})
}

// hostOnly binds a container field whose value is known for host
// processes (the plugin's built-in host container) and needs the runtime
// for containers.
func hostOnly(value string) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		if th.ContainerID != "" {
			return false
		}
		v.Str = value
		return true
	}))
}
