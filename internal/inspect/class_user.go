package inspect

import (
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The user class: user.*, as libsinsp's sinsp_filter_check_user extracts
// it (userspace/libsinsp/sinsp_filtercheck_user.cpp). Users are looked up
// by the thread's uid (or login uid) in the user table of the thread's
// container ("" for the host). An unknown user is named "root" with home
// "/root" when its id is 0, and otherwise "<NA>" (a string: it exists and
// compares equal to "<NA>"); its shell is "<NA>".

func init() {
	register(map[string]bindFunc{
		"user.uid": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint = uint64(th.UID)
			return true
		})),
		"user.name": userStr(func(u *state.UserInfo, id uint32) string {
			switch {
			case u != nil:
				return u.Name
			case id == 0:
				return "root"
			}
			return engine.NA
		}, false),
		"user.homedir": userStr(func(u *state.UserInfo, id uint32) string {
			switch {
			case u != nil:
				return u.HomeDir
			case id == 0:
				return "/root"
			}
			return engine.NA
		}, false),
		"user.shell": userStr(func(u *state.UserInfo, _ uint32) string {
			if u != nil {
				return u.Shell
			}
			return engine.NA
		}, false),
		"user.loginuid": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Int = -1
			if th.LoginUID < 0xffffffff {
				v.Int = int64(th.LoginUID)
			}
			return true
		})),
		"user.loginname": userStr(func(u *state.UserInfo, id uint32) string {
			switch {
			case u != nil:
				return u.Name
			case id == 0:
				return "root"
			}
			return engine.NA
		}, true),
	})
}

// userStr binds a user field of the thread's user (login user if login).
func userStr(get func(u *state.UserInfo, id uint32) string, login bool) bindFunc {
	return fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
		id := th.UID
		if login {
			id = th.LoginUID
		}
		var u *state.UserInfo
		if e.in != nil && e.in.State != nil {
			u = e.in.State.Users().Lookup(id, th.ContainerID)
		}
		v.Str = get(u, id)
		return true
	}))
}
