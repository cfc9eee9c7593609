package inspect

import (
	"bufio"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The fd class: fd.*, as libsinsp's sinsp_filter_check_fd extracts it
// (userspace/libsinsp/sinsp_filtercheck_fd.cpp). Only events that create,
// use or destroy an fd have these fields, and only when they have a
// thread; the fd is the one the event names (or, failing that, the
// thread's last event fd). When the fd is not in the table (a failed
// open, a missed creation) a few fields are taken from the event itself.
//
// Sockets: "client" and "server" are the two ends of the tuple (fd.cip,
// fd.sip...), "local" and "remote" depend on whether the client address is
// one of the machine's (fd.lip, fd.rip...). The filter-only fields fd.ip,
// fd.port, fd.proto and fd.net match either end.

// ResolvePortNames makes fd.cproto, fd.sproto, fd.lproto and fd.rproto
// name ports after the services database (/etc/services), as libsinsp does
// when hostname and port resolution is on (sysdig's default). Falco turns
// it off, so the default is off: the protocol fields print port numbers.
var ResolvePortNames = false

func init() {
	register(map[string]bindFunc{
		"fd.num": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			if _, _, ok := e.fdOf(); !ok {
				return false
			}
			v.Int = e.Parsed.FDNum
			return true
		}),
		"fd.type": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Str = state.TypeName(f.Type)
			return true
		}),
		"fd.typechar": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			_, f, ok := e.fdOf()
			if !ok {
				return false
			}
			var c byte
			if f != nil {
				c = f.TypeChar()
			} else {
				c = eventTypeChar(e.Type())
			}
			v.Str = typeCharStrings[c]
			return true
		}),
		"fd.name": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			_, f, ok := e.fdOf()
			if !ok {
				return false
			}
			if f == nil {
				v.Str, ok = e.fdNameFromEvent(false)
				return ok
			}
			v.Str = f.Name
			return true
		}),
		"fd.containername": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			th, f, ok := e.fdOf()
			if !ok {
				return false
			}
			name := ""
			if f == nil {
				if name, ok = e.fdNameFromEvent(false); !ok {
					return false
				}
			} else {
				name = f.Name
			}
			v.Str = th.ContainerID + ":" + name
			return true
		}),
		"fd.directory":          bindDirectory(false),
		"fd.containerdirectory": bindDirectory(true),
		"fd.filename": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			if !isFile(f) {
				return false
			}
			v.Str = f.Name
			if i := strings.LastIndexByte(v.Str, '/'); i >= 0 {
				if i < len(v.Str)-1 {
					v.Str = v.Str[i+1:]
				}
			} else {
				v.Str = "/"
			}
			return true
		}),
		"fd.nameraw": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			_, f, ok := e.fdOf()
			if !ok {
				return false
			}
			s := ""
			if f == nil {
				if s, ok = e.fdNameFromEvent(true); !ok {
					return false
				}
			} else {
				s = f.NameRaw
			}
			v.Str = removeDuplicateSlashes(s)
			return true
		}),

		"fd.cip":  ipField(clientIP),
		"fd.sip":  ipField(serverIP),
		"fd.lip":  ipField(func(e *Event, th *state.Thread, f *state.FD) (netip.Addr, bool) { return e.localRemoteIP(th, f, true) }),
		"fd.rip":  ipField(func(e *Event, th *state.Thread, f *state.FD) (netip.Addr, bool) { return e.localRemoteIP(th, f, false) }),
		"fd.cnet": ipField(clientIP),
		"fd.snet": ipField(serverIP),
		"fd.lnet": ipField(func(e *Event, th *state.Thread, f *state.FD) (netip.Addr, bool) { return e.localRemoteIP(th, f, true) }),
		"fd.rnet": ipField(func(e *Event, th *state.Thread, f *state.FD) (netip.Addr, bool) { return e.localRemoteIP(th, f, false) }),

		"fd.cport": portField(func(_ *Event, _ *state.Thread, f *state.FD) (uint16, bool) {
			if roleNone(f) || !isTupleSock(f) {
				return 0, false
			}
			return f.ClientPort, true
		}),
		"fd.sport": portField(serverPort),
		"fd.lport": portField(func(e *Event, th *state.Thread, f *state.FD) (uint16, bool) { return e.localRemotePort(th, f, true) }),
		"fd.rport": portField(func(e *Event, th *state.Thread, f *state.FD) (uint16, bool) { return e.localRemotePort(th, f, false) }),

		"fd.cproto": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			if roleNone(f) {
				return false
			}
			v.Str = ""
			if isTupleSock(f) {
				v.Str = portText(f.ClientPort, f.L4())
			}
			return true
		}),
		"fd.sproto": fdField(func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool {
			p, ok := serverPort(e, th, f)
			if !ok {
				return false
			}
			// libsinsp names the port of connection sockets only; a server
			// socket's protocol is the empty string.
			v.Str = ""
			if isTupleSock(f) {
				v.Str = portText(p, f.L4())
			}
			return true
		}),
		"fd.lproto": fdField(func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool {
			p, ok := e.localRemotePort(th, f, true)
			if ok {
				v.Str = portText(p, f.L4())
			}
			return ok
		}),
		"fd.rproto": fdField(func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool {
			p, ok := e.localRemotePort(th, f, false)
			if ok {
				v.Str = portText(p, f.L4())
			}
			return ok
		}),

		"fd.l4proto": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			switch f.L4() {
			case state.L4TCP:
				v.Str = "tcp"
			case state.L4UDP:
				v.Str = "udp"
			case state.L4ICMP:
				v.Str = "icmp"
			case state.L4Raw:
				v.Str = "raw"
			default:
				v.Str = engine.NA
			}
			return true
		}),
		"fd.sockfamily": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			switch f.Type {
			case state.FDIPv4Sock, state.FDIPv6Sock, state.FDIPv4ServSock, state.FDIPv6ServSock:
				v.Str = "ip"
			case state.FDUnixSock:
				v.Str = "unix"
			default:
				return false
			}
			return true
		}),
		"fd.is_server": fdField(func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool {
			switch f.Type {
			case state.FDIPv4ServSock, state.FDIPv6ServSock:
				v.Bool = true
			case state.FDIPv4Sock, state.FDIPv6Sock:
				v.Bool = e.isLocal(th, f.ServerAddr)
			default:
				v.Bool = false
			}
			return true
		}),
		"fd.uid": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			th, _, ok := e.fdOf()
			if !ok {
				return false
			}
			v.Str = strconv.FormatInt(th.Tid, 10) + strconv.FormatInt(e.Parsed.FDNum, 10)
			return true
		}),
		"fd.connected": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Bool = f.Connected()
			return true
		}),
		"fd.name_changed": fdField(func(e *Event, _ *state.Thread, _ *state.FD, v *engine.Value) bool {
			v.Bool = e.Parsed.FDNameChanged
			return true
		}),
		"fd.dev": func(fields.Ref) (engine.Binding, error) {
			hex := func(v *engine.Value) string {
				return strings.ToUpper(strconv.FormatUint(uint64(uint32(v.Int)), 16))
			}
			return engine.Binding{
				Text: hex,
				JSON: func(v *engine.Value) any { return hex(v) },
				Extract: fdExtract(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
					v.Int = int64(int32(f.Dev))
					return true
				}),
			}, nil
		},
		"fd.dev.major": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Int = int64((f.Dev & 0xfff00) >> 8)
			return true
		}),
		"fd.dev.minor": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Int = int64((f.Dev & 0xff) | ((f.Dev >> 12) & 0xfff00))
			return true
		}),
		"fd.ino": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Int = int64(f.Ino)
			return true
		}),
		"fd.is_upper_layer": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Bool = f.Flags&state.FDOverlayUpper != 0
			return true
		}),
		"fd.is_lower_layer": fdField(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
			v.Bool = f.Flags&state.FDOverlayLower != 0
			return true
		}),
		"fd.types": bindTypes,

		// Filter-only fields that match either end of a socket.
		"fd.ip":    bindEitherIP,
		"fd.net":   bindEitherIP,
		"fd.port":  bindEitherPort,
		"fd.proto": bindEitherPort,

		// Host names of the addresses: libsinsp resolves them on a
		// separate thread and reports them once known; Kestrel does not
		// resolve addresses, so they are never known.
		"fd.cip.name": fixed(noDNS),
		"fd.sip.name": fixed(noDNS),
		"fd.lip.name": fixed(noDNS),
		"fd.rip.name": fixed(noDNS),
	})
}

func noDNS(engine.Event, *engine.Value) bool { return false }

// fdOf is libsinsp's extract_fd: ok is false unless the event creates,
// uses or destroys an fd and has a thread; f is the event's fd, or the
// thread's fd numbered as the event's fd, or nil.
func (e *Event) fdOf() (th *state.Thread, f *state.FD, ok bool) {
	info := event.Lookup(e.Rec.Type())
	if info == nil || info.Flags&(event.FlagCreatesFD|event.FlagUsesFD|event.FlagDestroysFD) == 0 {
		return nil, nil, false
	}
	th = e.Thread()
	if th == nil {
		return nil, nil, false
	}
	f = e.Parsed.FD
	if f == nil && e.Parsed.FDNum != -1 {
		f = th.FD(e.Parsed.FDNum)
	}
	return th, f, true
}

// fdExtract adapts an extractor of the event's fd: missing without one.
func fdExtract(x func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool) engine.Extractor {
	return func(ev0 engine.Event, v *engine.Value) bool {
		e := ev(ev0)
		th, f, ok := e.fdOf()
		if !ok || f == nil {
			return false
		}
		return x(e, th, f, v)
	}
}

func fdField(x func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool) bindFunc {
	return fixed(fdExtract(x))
}

func isFile(f *state.FD) bool { return f.Type == state.FDFile || f.Type == state.FDFileV2 }

func roleNone(f *state.FD) bool { return f.Flags&(state.FDRoleClient|state.FDRoleServer) == 0 }

func isTupleSock(f *state.FD) bool { return f.Type == state.FDIPv4Sock || f.Type == state.FDIPv6Sock }

func isServSock(f *state.FD) bool {
	return f.Type == state.FDIPv4ServSock || f.Type == state.FDIPv6ServSock
}

// typeCharStrings holds the one-character strings of fd.typechar.
var typeCharStrings = func() (t [256]string) {
	for i := range t {
		t[i] = string(rune(i))
	}
	return t
}()

// eventTypeChar is sinsp_evt::extract_typechar: the kind of fd an
// fd-creating event makes, for when the fd itself is unknown (the call
// failed). Old event versions count as the versions the capture converter
// turns them into.
func eventTypeChar(code uint16) byte {
	switch code | 1 {
	case event.OpenatX, event.OpenatX2, event.Openat2X, event.CreatX:
		return 'f'
	case event.SocketX, event.AcceptX, event.AcceptX5, event.Accept4X, event.Accept4X5, event.Accept4X6:
		// libsinsp: "not accurate, because it always returns IPv4".
		return '4'
	case event.PipeX, event.Pipe2X:
		return 'p'
	case event.EventfdX, event.Eventfd2X:
		return 'e'
	case event.SignalfdX, event.Signalfd4X:
		return 's'
	case event.TimerfdCreateX:
		return 't'
	case event.InotifyInitX, event.InotifyInit1X:
		return 'i'
	}
	return 'o'
}

// fdNameFromEvent is libsinsp's extract_fdname_from_event: the name an
// exit event gives the fd it failed to create (open*, creat, accept,
// connect); "" for other exit events; ok is false for enter events and
// when the event lacks the name.
func (e *Event) fdNameFromEvent(raw bool) (string, bool) {
	code := e.Type()
	if event.IsEnter(code) {
		return "", false
	}
	switch code {
	case event.OpenX, event.CreatX, event.AcceptX, event.AcceptX5, event.Accept4X, event.Accept4X5,
		event.Accept4X6, event.ConnectX:
		val, dec, ok := event.ParamValue(e.Rec, 1, e.in, e.in.Render)
		if !ok {
			return "", true
		}
		if dec != "" {
			return dec, true
		}
		return val, true
	case event.OpenatX, event.OpenatX2, event.Openat2X:
		nb, _, ok := e.fdParam("name")
		if !ok || len(nb) == 0 {
			return "", false
		}
		name := event.CString(nb)
		if raw {
			return name, true
		}
		db, dp, ok := e.fdParam("dirfd")
		if !ok || len(db) == 0 {
			return "", false
		}
		return fdConcatPaths(e.dirfdPath(name, event.Int(dp.Type, db)), name), true
	case event.OpenByHandleAtX:
		if e.Rec.NParams() > 3 {
			return event.CString(e.Rec.Param(3)), true
		}
		return "", true
	}
	return "", true
}

// fdParam returns the event's parameter called name; for the exit event
// of an old capture that lacks it (or has it empty), the matching enter
// event's, as the capture converter merges enter parameters into exits.
func (e *Event) fdParam(name string) ([]byte, *event.Param, bool) {
	b, p, ok := e.Rec.ParamByName(name)
	if ok && len(b) > 0 {
		return b, p, true
	}
	if e.Parsed != nil && e.Parsed.Enter != nil {
		if eb, ep, eok := e.Parsed.Enter.ParamByName(name); eok {
			return eb, ep, true
		}
	}
	return b, p, ok
}

// fdConcatPaths is sinsp_utils::concatenate_paths: name resolved against
// dir (used verbatim; it normally ends with '/') unless name is absolute
// or empty; "." and ".." components of name are folded (".." may climb
// into dir), repeated '/' collapse and a trailing '/' is dropped.
func fdConcatPaths(dir, name string) string {
	if len(dir)+len(name)+1 > 1024 {
		return "/DIR_TOO_LONG/FILENAME_TOO_LONG"
	}
	var t []byte
	if name != "" && name[0] != '/' {
		t = append(make([]byte, 0, len(dir)+len(name)), dir...)
	}
	emptyBase := len(t) == 0
	at := func(k int) byte {
		if k < len(name) {
			return name[k]
		}
		return 0
	}
	climb := func() {
		if len(t) <= 1 {
			return
		}
		n := len(t) - 1
		for n >= 1 && t[n-1] != '/' {
			n--
		}
		t = t[:n]
	}
	for i := 0; ; {
		c := at(i)
		switch {
		case c == 0:
			if len(t) > 1 && t[len(t)-1] == '/' {
				t = t[:len(t)-1]
			}
			return string(t)
		case c == '.' && (len(t) == 0 || t[len(t)-1] == '/'):
			switch n1, n2 := at(i+1), at(i+2); {
			case n1 == '.' && n2 == '/':
				climb()
				i += 3
			case n1 == '.' && n2 == 0:
				climb()
				i += 2
			case n1 == '/':
				i += 2
			case n1 == 0:
				i++
			default:
				t = append(t, c)
				i++
			}
		case c == '/' && ((len(t) > 0 && t[len(t)-1] == '/') || (len(t) == 0 && !emptyBase)):
			i++
		default:
			t = append(t, c)
			i++
		}
	}
}

// fdAtCWD is PPM_AT_FDCWD, the dirfd meaning "the working directory".
const fdAtCWD = -100

// dirfdPath is sinsp_parser::parse_dirfd: the directory a name given to
// an *at call is relative to.
func (e *Event) dirfdPath(name string, dirfd int64) string {
	if name != "" && name[0] == '/' {
		return "."
	}
	th := e.Thread()
	if th == nil {
		return "<UNKNOWN>"
	}
	if dirfd == fdAtCWD {
		return th.CWD()
	}
	f := th.FD(dirfd)
	if f == nil {
		return "<UNKNOWN>"
	}
	if f.Name == "" || f.Name[len(f.Name)-1] == '/' {
		return f.Name
	}
	return f.Name + "/"
}

// bindDirectory binds fd.directory and fd.containerdirectory: the
// directory part of a file's name (a directory's own name), or of the name
// an event gave the fd it failed to create.
func bindDirectory(container bool) bindFunc {
	return fixed(func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		th, f, ok := e.fdOf()
		if !ok {
			return false
		}
		var s string
		switch {
		case f == nil:
			if s, ok = e.fdNameFromEvent(false); !ok {
				return false
			}
		case !isFile(f) && f.Type != state.FDDirectory:
			return false
		default:
			s = f.Name
		}
		if f == nil || isFile(f) {
			if i := strings.LastIndexByte(s, '/'); i > 0 {
				if i < len(s)-1 {
					s = s[:i]
				}
			} else {
				s = "/"
			}
		}
		if container {
			s = th.ContainerID + ":" + s
		}
		v.Str = s
		return true
	})
}

// removeDuplicateSlashes is libsinsp's remove_duplicate_path_separators.
func removeDuplicateSlashes(s string) string {
	if !strings.Contains(s, "//") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && len(b) > 0 && b[len(b)-1] == '/' {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// clientIP is fd.cip: the tuple's source address of a connection socket
// with a role.
func clientIP(_ *Event, _ *state.Thread, f *state.FD) (netip.Addr, bool) {
	if roleNone(f) || !isTupleSock(f) {
		return netip.Addr{}, false
	}
	return f.ClientAddr, true
}

// serverIP is fd.sip: the tuple's destination address of a connection
// socket, or a server socket's address; sockets without a role have none.
func serverIP(_ *Event, _ *state.Thread, f *state.FD) (netip.Addr, bool) {
	if roleNone(f) || (!isTupleSock(f) && !isServSock(f)) {
		return netip.Addr{}, false
	}
	return f.ServerAddr, true
}

// serverPort is fd.sport: the destination port of a connection socket
// with a role, or a server socket's port.
func serverPort(_ *Event, _ *state.Thread, f *state.FD) (uint16, bool) {
	switch {
	case isTupleSock(f):
		if roleNone(f) {
			return 0, false
		}
		return f.ServerPort, true
	case isServSock(f):
		return f.ServerPort, true
	}
	return 0, false
}

// localRemoteIP is fd.lip (local) and fd.rip: when the client address is
// the machine's, the client end is local; otherwise the server end is.
func (e *Event) localRemoteIP(th *state.Thread, f *state.FD, local bool) (netip.Addr, bool) {
	if !isTupleSock(f) || roleNone(f) {
		return netip.Addr{}, false
	}
	if e.isLocal(th, f.ClientAddr) == local {
		return f.ClientAddr, true
	}
	return f.ServerAddr, true
}

// localRemotePort is fd.lport and fd.rport, chosen as localRemoteIP does.
func (e *Event) localRemotePort(th *state.Thread, f *state.FD, local bool) (uint16, bool) {
	if !isTupleSock(f) || roleNone(f) {
		return 0, false
	}
	if e.isLocal(th, f.ClientAddr) == local {
		return f.ClientPort, true
	}
	return f.ServerPort, true
}

func ipField(get func(*Event, *state.Thread, *state.FD) (netip.Addr, bool)) bindFunc {
	return fdField(func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool {
		a, ok := get(e, th, f)
		v.IP = a
		return ok
	})
}

func portField(get func(*Event, *state.Thread, *state.FD) (uint16, bool)) bindFunc {
	return fdField(func(e *Event, th *state.Thread, f *state.FD, v *engine.Value) bool {
		p, ok := get(e, th, f)
		v.Uint = uint64(p)
		return ok
	})
}

// bindEitherIP binds fd.ip and fd.net: the values are both addresses of a
// connection socket (client and server), or a server socket's address; a
// condition holds when it holds for either. Any fd has the field (exists
// is true), with no address unless it is an inet socket.
func bindEitherIP(fields.Ref) (engine.Binding, error) {
	return engine.Binding{Multi: engine.EitherSide, Extract: fdExtract(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
		v.IPs = v.IPs[:0]
		switch {
		case isTupleSock(f):
			v.IPs = append(v.IPs, f.ClientAddr, f.ServerAddr)
		case isServSock(f):
			v.IPs = append(v.IPs, f.ServerAddr)
		}
		return true
	})}, nil
}

// bindEitherPort binds fd.port and fd.proto: both ports of a connection
// socket, or a server socket's port.
func bindEitherPort(fields.Ref) (engine.Binding, error) {
	return engine.Binding{Multi: engine.EitherSide, Extract: fdExtract(func(_ *Event, _ *state.Thread, f *state.FD, v *engine.Value) bool {
		v.Uints = v.Uints[:0]
		switch {
		case isTupleSock(f):
			v.Uints = append(v.Uints, uint64(f.ClientPort), uint64(f.ServerPort))
		case isServSock(f):
			v.Uints = append(v.Uints, uint64(f.ServerPort), uint64(f.ServerPort))
		}
		return true
	})}, nil
}

// bindTypes binds fd.types (the kinds of the process's open fds, each
// once, in fd order) and fd.types[N] (the kind of fd N, as a one-element
// list, missing when N is not open).
func bindTypes(ref fields.Ref) (engine.Binding, error) {
	if ref.HasArg {
		n, err := strconv.ParseInt(ref.Arg, 10, 64)
		if err != nil {
			return engine.Binding{}, err
		}
		return engine.Binding{Multi: engine.List, Extract: func(x engine.Event, v *engine.Value) bool {
			th, _, ok := ev(x).fdOf()
			if !ok {
				return false
			}
			f := th.FD(n)
			if f == nil {
				return false
			}
			v.Strs = append(v.Strs[:0], state.TypeName(f.Type))
			return true
		}}, nil
	}
	return engine.Binding{Multi: engine.List, Extract: func(x engine.Event, v *engine.Value) bool {
		th, _, ok := ev(x).fdOf()
		if !ok {
			return false
		}
		v.Strs = v.Strs[:0]
		tab := th.FDs()
		// The fd numbers are sorted in v.Ints, the frame's own scratch
		// space (emptied again below: a list value must hold only Strs).
		nums := v.Ints[:0]
		for n := range tab.All() {
			nums = append(nums, n)
		}
		slices.Sort(nums)
		defer func() { v.Ints = nums[:0] }()
		for _, n := range nums {
			t := state.TypeName(tab.Get(n).Type)
			dup := false
			for _, s := range v.Strs {
				if s == t {
					dup = true
					break
				}
			}
			if !dup {
				v.Strs = append(v.Strs, t)
			}
		}
		return true
	}}, nil
}

// portText is libsinsp's port_to_string: the port number, or with
// ResolvePortNames the service name the services database gives it for
// the socket's protocol (any protocol when neither TCP nor UDP).
func portText(port uint16, l4 uint8) string {
	if ResolvePortNames {
		proto := ""
		switch l4 {
		case state.L4TCP:
			proto = "tcp"
		case state.L4UDP:
			proto = "udp"
		}
		if name, ok := serviceName(port, proto); ok {
			return name
		}
	}
	return strconv.FormatUint(uint64(port), 10)
}

// The services database, read once, as getservbyport reads it.
var (
	servicesOnce sync.Once
	servicesDB   map[serviceKey]string
	servicesPath = "/etc/services"
)

type serviceKey struct {
	port  uint16
	proto string // "" for the first entry of the port, any protocol
}

// serviceName is getservbyport: the name of the first entry for the port
// and protocol ("" protocol: any).
func serviceName(port uint16, proto string) (string, bool) {
	servicesOnce.Do(loadServices)
	name, ok := servicesDB[serviceKey{port, proto}]
	return name, ok
}

func loadServices() {
	servicesDB = map[serviceKey]string{}
	f, err := os.Open(servicesPath)
	if err != nil {
		return
	}
	defer f.Close()
	parseServices(bufio.NewScanner(f), servicesDB)
}

// parseServices reads services(5) lines: "name port/proto [aliases...]
// [# comment]".
func parseServices(sc *bufio.Scanner, db map[serviceKey]string) {
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fs := strings.Fields(line)
		if len(fs) < 2 {
			continue
		}
		portStr, proto, ok := strings.Cut(fs[1], "/")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			continue
		}
		for _, k := range []serviceKey{{uint16(p), proto}, {uint16(p), ""}} {
			if _, dup := db[k]; !dup {
				db[k] = fs[0]
			}
		}
	}
}
