package inspect

import (
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The group class: group.*, as libsinsp's sinsp_filter_check_group
// extracts it (userspace/libsinsp/sinsp_filtercheck_group.cpp): the
// thread's gid, and its name in the group table of the thread's container
// ("root" for an unknown gid 0, the string "<NA>" for another unknown gid).

func init() {
	register(map[string]bindFunc{
		"group.gid": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint = uint64(th.GID)
			return true
		})),
		"group.name": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			var g *state.GroupInfo
			if e.in != nil && e.in.State != nil {
				g = e.in.State.Groups().Lookup(th.GID, th.ContainerID)
			}
			switch {
			case g != nil:
				v.Str = g.Name
			case th.GID == 0:
				v.Str = "root"
			default:
				v.Str = engine.NA
			}
			return true
		})),
	})
}
