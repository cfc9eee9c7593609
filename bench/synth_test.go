// Package bench holds Kestrel's benchmarks and their harnesses. This file
// is a synthetic event source: events are plain structs and a binder
// extracts the fields Falco's stable rules use from them, without
// allocating, so engine costs can be measured apart from decoding.
package bench

import (
	"net/netip"
	"strconv"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
)

type synthProc struct {
	name, exe, exepath, cmdline, args string
}

type synthEvent struct {
	code      uint16
	num       uint64
	rawres    int64
	proc      synthProc
	ancestors []synthProc // parent first
	cwd       string
	tty       uint32
	user      string
	uid       uint32
	loginuid  int64
	capEff    string
	duration  uint64
	upper     bool
	memfd     bool

	hasFD        bool
	fdNum        int64
	fdName       string
	fdType       string
	fdTypechar   string
	fdDir        string
	fdFile       string
	fdL4         string
	cip, sip     netip.Addr
	sport        uint16
	connected    bool
	nameChanged  bool
	openRead     bool
	openWrite    bool
	argFlags     string
	argRequest   string
	argTarget    string
	argOldpath   string
	argDomain    string
	containerID  string
	image        string
	privileged   bool
	k8sNamespace string
}

func (e *synthEvent) Type() uint16 { return e.code }

// synthBinder binds the fields the stable rules use. Everything else is
// reported missing, as a field without state would be.
type synthBinder struct{}

func str(get func(*synthEvent) string) engine.Binding {
	return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
		v.Str = get(ev.(*synthEvent))
		return true
	}}
}

func fdStr(get func(*synthEvent) string) engine.Binding {
	return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
		e := ev.(*synthEvent)
		if !e.hasFD {
			return false
		}
		v.Str = get(e)
		return true
	}}
}

func boolean(get func(*synthEvent) bool) engine.Binding {
	return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
		v.Bool = get(ev.(*synthEvent))
		return true
	}}
}

func ancestor(n int, get func(synthProc) string) engine.Binding {
	return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
		e := ev.(*synthEvent)
		if n == 0 {
			v.Str = get(e.proc)
			return true
		}
		if n > len(e.ancestors) {
			return false
		}
		v.Str = get(e.ancestors[n-1])
		return true
	}}
}

func anyAncestor(get func(synthProc) string) engine.Binding {
	return engine.Binding{Multi: engine.AnyOf, Extract: func(ev engine.Event, v *engine.Value) bool {
		e := ev.(*synthEvent)
		for _, a := range e.ancestors {
			v.Strs = append(v.Strs, get(a))
		}
		return len(e.ancestors) > 0
	}}
}

var errnoNames = map[int64]string{-2: "ENOENT", -13: "EACCES", -115: "EINPROGRESS", -1: "EPERM"}

func (synthBinder) Bind(ref fields.Ref) (engine.Binding, error) {
	name := ref.Field.Name
	arg := ref.Arg
	switch name {
	case "evt.type":
		return str(func(e *synthEvent) string { return event.Name(e.code) }), nil
	case "evt.num":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			v.Uint = ev.(*synthEvent).num
			return true
		}}, nil
	case "evt.rawres":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			v.Int = ev.(*synthEvent).rawres
			return true
		}}, nil
	case "evt.res":
		return str(func(e *synthEvent) string {
			if e.rawres >= 0 {
				return "SUCCESS"
			}
			return errnoNames[e.rawres]
		}), nil
	case "evt.is_open_read":
		return boolean(func(e *synthEvent) bool { return e.openRead }), nil
	case "evt.is_open_write":
		return boolean(func(e *synthEvent) bool { return e.openWrite }), nil
	case "evt.arg":
		switch arg {
		case "flags":
			return str(func(e *synthEvent) string { return e.argFlags }), nil
		case "request":
			return str(func(e *synthEvent) string { return e.argRequest }), nil
		case "target":
			return str(func(e *synthEvent) string { return e.argTarget }), nil
		case "oldpath":
			return str(func(e *synthEvent) string { return e.argOldpath }), nil
		case "domain":
			return str(func(e *synthEvent) string { return e.argDomain }), nil
		}
	case "proc.name":
		return ancestor(0, func(p synthProc) string { return p.name }), nil
	case "proc.exe":
		return ancestor(0, func(p synthProc) string { return p.exe }), nil
	case "proc.exepath":
		return ancestor(0, func(p synthProc) string { return p.exepath }), nil
	case "proc.cmdline":
		return ancestor(0, func(p synthProc) string { return p.cmdline }), nil
	case "proc.args":
		return ancestor(0, func(p synthProc) string { return p.args }), nil
	case "proc.pname":
		return ancestor(1, func(p synthProc) string { return p.name }), nil
	case "proc.pexe":
		return ancestor(1, func(p synthProc) string { return p.exe }), nil
	case "proc.pexepath":
		return ancestor(1, func(p synthProc) string { return p.exepath }), nil
	case "proc.pcmdline":
		return ancestor(1, func(p synthProc) string { return p.cmdline }), nil
	case "proc.aname", "proc.aexe", "proc.acmdline":
		get := func(p synthProc) string { return p.name }
		if name == "proc.aexe" {
			get = func(p synthProc) string { return p.exe }
		} else if name == "proc.acmdline" {
			get = func(p synthProc) string { return p.cmdline }
		}
		if !ref.HasArg {
			return anyAncestor(get), nil
		}
		n, _ := strconv.Atoi(arg)
		return ancestor(n, get), nil
	case "proc.cwd":
		return str(func(e *synthEvent) string { return e.cwd }), nil
	case "proc.tty":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			v.Uint = uint64(ev.(*synthEvent).tty)
			return true
		}}, nil
	case "proc.duration":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			v.Uint = ev.(*synthEvent).duration
			return true
		}}, nil
	case "proc.is_exe_upper_layer":
		return boolean(func(e *synthEvent) bool { return e.upper }), nil
	case "proc.is_exe_from_memfd":
		return boolean(func(e *synthEvent) bool { return e.memfd }), nil
	case "thread.cap_effective":
		return str(func(e *synthEvent) string { return e.capEff }), nil
	case "user.name":
		return str(func(e *synthEvent) string { return e.user }), nil
	case "user.uid":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			v.Uint = uint64(ev.(*synthEvent).uid)
			return true
		}}, nil
	case "user.loginuid":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			v.Int = ev.(*synthEvent).loginuid
			return true
		}}, nil
	case "fd.num":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			v.Int = e.fdNum
			return e.hasFD
		}}, nil
	case "fd.name", "fd.nameraw":
		return fdStr(func(e *synthEvent) string { return e.fdName }), nil
	case "fd.type":
		return fdStr(func(e *synthEvent) string { return e.fdType }), nil
	case "fd.typechar":
		return fdStr(func(e *synthEvent) string { return e.fdTypechar }), nil
	case "fd.directory":
		return fdStr(func(e *synthEvent) string { return e.fdDir }), nil
	case "fd.filename":
		return fdStr(func(e *synthEvent) string { return e.fdFile }), nil
	case "fd.l4proto":
		return fdStr(func(e *synthEvent) string { return e.fdL4 }), nil
	case "fd.connected":
		return boolean(func(e *synthEvent) bool { return e.connected }), nil
	case "fd.name_changed":
		return boolean(func(e *synthEvent) bool { return e.nameChanged }), nil
	case "fd.sport":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			v.Uint = uint64(e.sport)
			return e.sip.IsValid()
		}}, nil
	case "fd.sip":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			v.IP = e.sip
			return e.sip.IsValid()
		}}, nil
	case "fd.snet":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			v.IP = e.sip
			return e.sip.IsValid()
		}}, nil
	case "fd.ip", "fd.net":
		// Either end of the connection.
		return engine.Binding{Multi: engine.AnyOf, Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			if !e.sip.IsValid() {
				return false
			}
			v.IPs = append(v.IPs, e.cip, e.sip)
			return true
		}}, nil
	case "container.id":
		return str(func(e *synthEvent) string { return e.containerID }), nil
	case "container.image.repository":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			v.Str = e.image
			return e.containerID != "host"
		}}, nil
	case "container.privileged":
		return boolean(func(e *synthEvent) bool { return e.privileged }), nil
	case "k8s.ns.name":
		return engine.Binding{Extract: func(ev engine.Event, v *engine.Value) bool {
			e := ev.(*synthEvent)
			v.Str = e.k8sNamespace
			return e.k8sNamespace != ""
		}}, nil
	}
	b, err := engine.Unbound{}.Bind(ref)
	return b, err
}
