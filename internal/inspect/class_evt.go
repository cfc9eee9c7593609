package inspect

// Extractors of the syscall event class (libsinsp's
// sinsp_filter_check_event, sinsp_filtercheck_event.cpp): event type,
// parameters, result, I/O classification, counters, open modes and
// absolute paths.
//
// Old captures carry an enter and an exit event per syscall; current
// libsinsp never sees them as such, because the scap converter drops the
// enter events and upgrades each exit to the current layout with the enter
// parameters merged in (and, for some syscalls, a newer event code). The
// extractors follow that: parameters an exit lacks are read from its enter
// event (Parsed.Enter), and the fields that single out the events whose
// parameters they interpret (open modes, absolute paths, error counters)
// use the converted code (see convertedType). evt.type and evt.type.is
// keep the record's own code, which is what the engine selects rules by.
// Enter events, which Kestrel still presents, get what the current code
// extracts from them.

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/state"
)

func init() {
	zero := func(engine.Event, *engine.Value) bool { return true }
	register(map[string]evtBinder{
		// Deprecated since drivers emit no enter events: libsinsp
		// hardcodes 0 ("0ns" for the human form) to avoid breaking rules.
		"evt.latency":           evtWithText(zero, nil, evtUintJSON),
		"evt.latency.s":         evtWithText(zero, nil, evtUintJSON),
		"evt.latency.ns":        evtWithText(zero, evtPadded, evtUintJSON),
		"evt.latency.quantized": evtFixed(zero),
		"evt.latency.human": evtFixed(func(_ engine.Event, v *engine.Value) bool {
			return evtStr(v, "0ns")
		}),
		"evt.wait_latency": evtFixed(zero),
		"evt.deltatime":    bindDelta(1, nil),
		"evt.deltatime.s":  bindDelta(1e9, nil),
		"evt.deltatime.ns": bindDelta(0, evtPadded),
		// The time in the output time format, which is evt.time by
		// default ('h'); a number in JSON.
		"evt.outputtime": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			v.Uint = e.Ts()
			return evtStr(v, evtTsText(e.Ts(), false, true))
		}, nil, evtUintJSON),
		"evt.dir": evtFixed(func(x engine.Event, v *engine.Value) bool {
			if event.IsEnter(ev(x).Type()) {
				return evtStr(v, ">")
			}
			return evtStr(v, "<")
		}),
		"evt.type":     evtFixed(evtExtractType),
		"evt.type.is":  bindTypeIs,
		"syscall.type": evtFixed(evtExtractSyscallType),
		"evt.category": evtFixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			info := e.Rec.Info()
			if info == nil {
				return false
			}
			var tc byte
			fd := e.FD()
			if fd != nil {
				tc = fd.TypeChar()
			}
			return evtStr(v, event.CategoryText(info, tc, fd != nil))
		}),
		"evt.cpu": evtFixed(func(x engine.Event, v *engine.Value) bool {
			v.Int = int64(int16(ev(x).CPU))
			return true
		}),
		"evt.args": evtFixed(evtExtractArgs),
		"evt.info": evtFixed(evtExtractArgs),
		"evt.arg":  bindArg,
		"evt.rawarg": func(ref fields.Ref) (engine.Binding, error) {
			return bindRawArg(ref.Arg)
		},
		"evt.buffer": func(fields.Ref) (engine.Binding, error) {
			return engine.Binding{
				Extract: func(x engine.Event, v *engine.Value) bool {
					b, _, ok := ev(x).argBytes("data")
					if !ok {
						return false
					}
					v.Bytes = b
					return true
				},
				// Falco's buffer format; outputs of byte buffers are never
				// cut (no max_evt_output_len).
				Text: func(v *engine.Value) string { return event.BufferText(v.Bytes, event.BufNormal) },
			}, nil
		},
		"evt.buflen":          evtFixed(evtBuflen(0, nil)),
		"evt.buflen.in":       evtFixed(evtBuflen(event.CategoryIORead, nil)),
		"evt.buflen.out":      evtFixed(evtBuflen(event.CategoryIOWrite, nil)),
		"evt.buflen.file":     evtFixed(evtBuflen(0, evtIsRegularFile)),
		"evt.buflen.file.in":  evtFixed(evtBuflen(event.CategoryIORead, evtIsRegularFile)),
		"evt.buflen.file.out": evtFixed(evtBuflen(event.CategoryIOWrite, evtIsRegularFile)),
		"evt.buflen.net":      evtFixed(evtBuflen(0, evtIsInet)),
		"evt.buflen.net.in":   evtFixed(evtBuflen(event.CategoryIORead, evtIsInet)),
		"evt.buflen.net.out":  evtFixed(evtBuflen(event.CategoryIOWrite, evtIsInet)),
		"evt.res": evtFixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			s, ok := event.ResText(e.Rec, e.resolver())
			if !ok {
				return false
			}
			return evtStr(v, s)
		}),
		"evt.rawres": evtFixed(func(x engine.Event, v *engine.Value) bool {
			r, ok := event.ReturnValue(ev(x).Rec)
			v.Int = r
			return ok
		}),
		"evt.failed": evtFixed(func(x engine.Event, v *engine.Value) bool {
			failed, ok := event.Failed(ev(x).Rec)
			v.Bool = failed
			return ok
		}),
		"evt.is_io":       evtFixed(evtFlagTest(event.IsIO)),
		"evt.is_io_read":  evtFixed(evtFlagTest(event.IsIORead)),
		"evt.is_io_write": evtFixed(evtFlagTest(event.IsIOWrite)),
		"evt.io_dir": evtFixed(func(x engine.Event, v *engine.Value) bool {
			info := ev(x).Rec.Info()
			if info == nil {
				return false
			}
			s, ok := event.IODir(info)
			v.Str = s
			return ok
		}),
		"evt.is_wait": evtFixed(evtFlagTest(event.IsWait)),
		"evt.is_syslog": evtFixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			info := e.Rec.Info()
			if info == nil {
				return false
			}
			fd := e.FD()
			return evtBool(v, info.Flags&event.FlagWritesToFD != 0 && fd != nil && strings.Contains(fd.Name, "/dev/log"))
		}),
		"evt.count": evtFixed(func(_ engine.Event, v *engine.Value) bool { return evtUint(v, 1) }),
		"evt.count.error": evtFixed(func(x engine.Event, v *engine.Value) bool {
			return evtErrorCount(ev(x), v)
		}),
		"evt.count.error.file":   evtFixed(evtCountErrorFile),
		"evt.count.error.net":    evtFixed(evtCountErrorNet),
		"evt.count.error.memory": evtFixed(evtCountErrorMemory),
		"evt.count.error.other":  evtFixed(evtCountErrorOther),
		"evt.count.exit": evtFixed(func(x engine.Event, v *engine.Value) bool {
			if !event.IsExit(ev(x).Type()) {
				return false
			}
			return evtUint(v, 1)
		}),
		"evt.count.procinfo": evtFixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			th := e.procinfoThread()
			return evtUint(v, b2u(e.Type() == event.ProcinfoE && th != nil && th.IsMain()))
		}),
		"evt.count.threadinfo": evtFixed(func(x engine.Event, v *engine.Value) bool {
			return evtUint(v, b2u(ev(x).Type() == event.ProcinfoE))
		}),
		"evt.around":                       bindAround,
		"evt.abspath":                      bindAbsPath,
		"evt.is_open_read":                 evtFixed(evtIsOpen(evtOpenRead)),
		"evt.is_open_write":                evtFixed(evtIsOpen(evtOpenWrite)),
		"evt.is_open_exec":                 evtFixed(evtIsOpen(evtOpenExec)),
		"evt.is_open_create":               evtFixed(evtIsOpen(evtOpenCreate)),
		"evt.infra.docker.name":            evtFixed(evtInfraDocker("Event", false)),
		"evt.infra.docker.container.id":    evtFixed(evtInfraDocker("ID", true)),
		"evt.infra.docker.container.name":  evtFixed(evtInfraDocker("name", false)),
		"evt.infra.docker.container.image": evtFixed(evtInfraDocker("Image", false)),
	})
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// resolver is the state the parameter renderer resolves fds, threads and
// users with.
func (e *Event) resolver() event.FDResolver {
	if e.in == nil {
		return nil
	}
	return e.in
}

// renderOptions are the inspector's parameter rendering options.
func (e *Event) renderOptions() event.RenderOptions {
	if e.in == nil {
		return event.RenderOptions{}
	}
	return e.in.Render
}

// bindDelta binds evt.deltatime (div 1), evt.deltatime.s (div 1e9) and
// evt.deltatime.ns (div 0: the remainder of 1e9). As libsinsp's filter
// check does, each binding keeps the timestamp of the last event it was
// extracted for: the value is the gap since then (0 the first time), so a
// printer that formats every event it shows (sysdig) prints the gap to the
// previous event shown, and a rule output the gap since that rule's
// previous output. The state restarts when the binding meets an event of
// another inspector (another capture); it is locked, so sharing a binding
// between goroutines is safe, if meaningless.
func bindDelta(div uint64, text func(*engine.Value) string) evtBinder {
	return func(fields.Ref) (engine.Binding, error) {
		var st struct {
			sync.Mutex
			in   *Inspector
			last uint64
		}
		return engine.Binding{
			Extract: func(x engine.Event, v *engine.Value) bool {
				e := ev(x)
				ts := e.Ts()
				st.Lock()
				prev := st.last
				if st.in != e.in {
					st.in, prev = e.in, 0
				}
				st.last = ts
				st.Unlock()
				if prev == 0 {
					return evtUint(v, 0)
				}
				d := ts - prev
				if div == 0 {
					d %= 1e9
				} else {
					d /= div
				}
				return evtUint(v, d)
			},
			Text: text,
			JSON: evtUintJSON,
		}, nil
	}
}

// evtExtractType is evt.type: the event name, the syscall name for
// generic events, the name carried by async events. Old exit codes keep
// their own name (an old accept4 exit is "accept", as the event table
// names it, where the converted event would be "accept4"), so that the
// field agrees with the engine, which selects rules by the record's code.
func evtExtractType(x engine.Event, v *engine.Value) bool {
	return evtStr(v, event.TypeName(ev(x).Rec))
}

// evtExtractSyscallType is syscall.type: evt.type for syscall events,
// missing for the others (scheduler switches, internal and meta events).
func evtExtractSyscallType(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	info := e.Rec.Info()
	if info == nil || info.Category&event.CategorySyscall == 0 {
		return false
	}
	return evtExtractType(x, v)
}

// bindTypeIs binds evt.type.is.NAME (or .CODE): 1 for events of that
// type, 0 otherwise. As in libsinsp, a name selects the first table entry
// of that name and the one after it (its enter/exit pair: "openat" is the
// old pair 102/103, which live drivers never produce), a number that code
// only. The record's own code is tested, as evt.type names it. It prints
// as <NA>: libsinsp has no text for an unsigned field without a print
// format.
func bindTypeIs(ref fields.Ref) (engine.Binding, error) {
	id1, id2 := -1, -1
	if n, err := strconv.ParseUint(ref.Arg, 10, 32); err == nil {
		id1 = int(min(n, uint64(event.MaxCode)))
	} else {
		for _, info := range event.Infos() {
			if info.Name == ref.Arg {
				id1, id2 = int(info.Code), int(info.Code)+1
				break
			}
		}
		if id1 < 0 {
			return engine.Binding{}, fmt.Errorf("unknown event type %s", ref.Arg)
		}
	}
	return engine.Binding{
		Extract: func(x engine.Event, v *engine.Value) bool {
			t := int(ev(x).Type())
			return evtUint(v, b2u(t == id1 || t == id2))
		},
		Text: func(*engine.Value) string { return engine.NA },
		JSON: func(*engine.Value) any { return nil },
	}, nil
}

// evtExtractArgs is evt.args (and evt.info): every parameter of the
// record, rendered.
func evtExtractArgs(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	return evtStr(v, event.Args(e.Rec, e.resolver(), e.renderOptions()))
}

// evtTableParams maps a parameter name to its first declaration in the
// event table (libsinsp's find_longest_matching_evt_param, for a name that
// must match exactly).
var evtTableParams = func() map[string]*event.Param {
	m := map[string]*event.Param{}
	infos := event.Infos()
	for i := range infos {
		for k := range infos[i].Params {
			p := &infos[i].Params[k]
			if _, ok := m[p.Name]; !ok {
				m[p.Name] = p
			}
		}
	}
	return m
}()

// bindArg binds evt.arg[N] (by position, in the record as it is) and
// evt.arg.NAME (by name, read from the enter event when an old exit lacks
// it).
func bindArg(ref fields.Ref) (engine.Binding, error) {
	if idx, err := strconv.Atoi(ref.Arg); err == nil {
		return engine.Binding{Extract: func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			s, ok := event.ParamText(e.Rec, idx, e.resolver(), e.renderOptions())
			v.Str = s
			return ok
		}}, nil
	}
	p, ok := evtTableParams[ref.Arg]
	if !ok {
		return engine.Binding{}, fmt.Errorf("unknown event argument %s", ref.Arg)
	}
	name := p.Name
	return engine.Binding{Extract: func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		r, i := e.argRecord(name)
		if r == nil {
			return false
		}
		s, ok := event.ParamText(r, i, e.resolver(), e.renderOptions())
		v.Str = s
		return ok
	}}, nil
}

// evtFieldType is the field type of a parameter type, for evt.rawarg.
// Types with no field counterpart (socket addresses, fd lists, arrays,
// dynamic parameters) are compared as raw bytes.
func evtFieldType(t event.ParamType) fields.Type {
	switch t {
	case event.PTInt8:
		return fields.TypeInt8
	case event.PTInt16:
		return fields.TypeInt16
	case event.PTInt32:
		return fields.TypeInt32
	case event.PTInt64:
		return fields.TypeInt64
	case event.PTUint8:
		return fields.TypeUint8
	case event.PTUint16:
		return fields.TypeUint16
	case event.PTUint32, event.PTSigSet:
		return fields.TypeUint32
	case event.PTUint64:
		return fields.TypeUint64
	case event.PTCharBuf:
		return fields.TypeCharBuf
	case event.PTErrno:
		return fields.TypeErrno
	case event.PTFD, event.PTFD32:
		return fields.TypeFD
	case event.PTPID, event.PTPID32:
		return fields.TypePID
	case event.PTFSPath:
		return fields.TypeFSPath
	case event.PTFSRelPath:
		return fields.TypeFSRelPath
	case event.PTSyscallID:
		return fields.TypeSyscallID
	case event.PTSigType:
		return fields.TypeSigType
	case event.PTRelTime:
		return fields.TypeRelTime
	case event.PTAbsTime:
		return fields.TypeAbsTime
	case event.PTPort:
		return fields.TypePort
	case event.PTL4Proto:
		return fields.TypeL4Proto
	case event.PTSockFamily:
		return fields.TypeSockFamily
	case event.PTBool:
		return fields.TypeBool
	case event.PTIPv4Addr:
		return fields.TypeIPv4Addr
	case event.PTIPv6Addr:
		return fields.TypeIPv6Addr
	case event.PTIPAddr:
		return fields.TypeIPAddr
	case event.PTIPv4Net:
		return fields.TypeIPv4Net
	case event.PTIPv6Net:
		return fields.TypeIPv6Net
	case event.PTIPNet:
		return fields.TypeIPNet
	case event.PTFlags8, event.PTEnumFlags8:
		return fields.TypeFlags8
	case event.PTFlags16, event.PTEnumFlags16:
		return fields.TypeFlags16
	case event.PTFlags32, event.PTEnumFlags32:
		return fields.TypeFlags32
	case event.PTUID:
		return fields.TypeUID
	case event.PTGID:
		return fields.TypeGID
	case event.PTDouble:
		return fields.TypeDouble
	case event.PTMode:
		return fields.TypeMode
	}
	return fields.TypeByteBuf
}

// evtSignedParam reports whether a parameter type holds a signed integer.
func evtSignedParam(t event.ParamType) bool {
	switch t {
	case event.PTInt8, event.PTInt16, event.PTInt32, event.PTInt64, event.PTErrno,
		event.PTFD, event.PTPID, event.PTFD32, event.PTPID32:
		return true
	}
	return false
}

// evtIntegerParam reports whether a parameter type holds an integer.
func evtIntegerParam(t event.ParamType) bool {
	if evtSignedParam(t) {
		return true
	}
	switch t {
	case event.PTUint8, event.PTUint16, event.PTUint32, event.PTUint64, event.PTSyscallID,
		event.PTSigType, event.PTRelTime, event.PTAbsTime, event.PTPort, event.PTL4Proto,
		event.PTSockFamily, event.PTFlags8, event.PTFlags16, event.PTFlags32, event.PTUID,
		event.PTGID, event.PTSigSet, event.PTMode, event.PTEnumFlags8, event.PTEnumFlags16,
		event.PTEnumFlags32, event.PTBool:
		return true
	}
	return false
}

// rawArgMeta packs the type and print format of the parameter an
// evt.rawarg value came from, for its text: libsinsp renders the value
// with the event's own parameter type and format.
func rawArgMeta(p *event.Param) uint64 { return uint64(p.Type)<<8 | uint64(p.Format) }

// bindRawArg binds evt.rawarg.NAME: the named parameter in its native
// type, the type of the first table parameter of that name (values are
// converted to it when an event declares the parameter otherwise). Empty
// parameters are missing (libsinsp fails every comparison on them; it
// would print 0). Strings use the legacy null encoding ("<NA>").
//
// The value's raw bytes and parameter type ride along in the members the
// kind leaves unused (Bytes, and Uint or Int), so that the text can be
// rendered as libsinsp renders it (rawval_to_string).
func bindRawArg(name string) (engine.Binding, error) {
	p, ok := evtTableParams[name]
	if !ok {
		return engine.Binding{}, fmt.Errorf("unknown event argument %s", name)
	}
	typ := evtFieldType(p.Type)
	kind := engine.KindOf(typ)
	setMeta := func(v *engine.Value, m uint64) {
		if kind == engine.KindUint {
			v.Int = int64(m)
		} else {
			v.Uint = m
		}
	}
	getMeta := func(v *engine.Value) (event.ParamType, event.PrintFormat) {
		m := v.Uint
		if kind == engine.KindUint {
			m = uint64(v.Int)
		}
		return event.ParamType(m >> 8), event.PrintFormat(m & 0xff)
	}
	text := func(v *engine.Value) string {
		t, f := getMeta(v)
		s, ok := event.RawValueText(t, f, v.Bytes, event.BufNormal)
		if !ok {
			return engine.NA
		}
		return s
	}
	js := func(v *engine.Value) any {
		t, f := getMeta(v)
		switch {
		case t == event.PTBool:
			return event.U32(v.Bytes) != 0
		case evtIntegerParam(t) && (f == event.PFDec || f == event.PFID || t == event.PTErrno):
			if evtSignedParam(t) {
				return event.Int(t, v.Bytes)
			}
			return event.Uint(t, v.Bytes)
		}
		return text(v)
	}
	extract := func(x engine.Event, v *engine.Value) bool {
		b, pi, ok := ev(x).argBytes(name)
		if !ok {
			return false
		}
		t := pi.Type
		v.Bytes = b
		setMeta(v, rawArgMeta(pi))
		switch kind {
		case engine.KindString:
			switch t {
			case event.PTCharBuf, event.PTFSPath, event.PTFSRelPath:
				v.Str = event.StringParam(b)
				return true
			}
			return false
		}
		if len(b) == 0 {
			return false
		}
		switch kind {
		case engine.KindInt:
			if !evtIntegerParam(t) {
				return false
			}
			if evtSignedParam(t) {
				v.Int = event.Int(t, b)
			} else {
				v.Int = int64(event.Uint(t, b))
			}
		case engine.KindUint:
			if !evtIntegerParam(t) {
				return false
			}
			if evtSignedParam(t) {
				v.Uint = uint64(event.Int(t, b))
			} else {
				v.Uint = event.Uint(t, b)
			}
		case engine.KindBool:
			v.Bool = event.U32(b) != 0
		case engine.KindDouble:
			v.Float = event.Double(b)
		case engine.KindIP:
			a, ok := netip.AddrFromSlice(b)
			if !ok {
				return false
			}
			v.IP = a
		case engine.KindBytes:
			// v.Bytes holds the value.
		default:
			return false
		}
		return true
	}
	return engine.Binding{Extract: extract, Type: typ, Text: text, JSON: js}, nil
}

// evtBuflen is evt.buflen and its variants: the (non-negative) return
// value of I/O exit events on a known fd, restricted to a category (0 for
// any I/O category) and a kind of fd.
func evtBuflen(cat event.Category, fdOK func(*state.FD) bool) engine.Extractor {
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		info := e.Rec.Info()
		fd := e.FD()
		if info == nil || fd == nil {
			return false
		}
		// EC_IO_BASE, the bit the three I/O categories share, is the value
		// of CategoryIORead.
		c := info.Category.Base()
		if (cat == 0 && c&event.CategoryIORead == 0) || (cat != 0 && c != cat) {
			return false
		}
		if fdOK != nil && !fdOK(fd) {
			return false
		}
		if !event.IsExit(info.Code) {
			return false
		}
		r, ok := event.ReturnValue(e.Rec)
		if !ok || r < 0 {
			return false
		}
		return evtUint(v, uint64(r))
	}
}

// evtIsRegularFile reports a file fd (SCAP_FD_FILE or SCAP_FD_FILE_V2).
func evtIsRegularFile(f *state.FD) bool { return f.Type == state.FDFile || f.Type == state.FDFileV2 }

// evtIsInet reports an IPv4 or IPv6 socket, connected or server (the
// SCAP_FD_IPV4_SOCK..SCAP_FD_IPV6_SERVSOCK range libsinsp tests).
func evtIsInet(f *state.FD) bool { return f.Type >= state.FDIPv4Sock && f.Type <= state.FDIPv6ServSock }

// evtFlagTest builds a boolean field from a test of the event's flags.
func evtFlagTest(test func(*event.Info) bool) engine.Extractor {
	return func(x engine.Event, v *engine.Value) bool {
		info := ev(x).Rec.Info()
		if info == nil {
			return false
		}
		return evtBool(v, test(info))
	}
}

// evtErrorCount is libsinsp's extract_error_count: 1 when the return value
// is negative, 0 otherwise, missing for events without one.
func evtErrorCount(e *Event, v *engine.Value) bool {
	failed, ok := event.Failed(e.Rec)
	if !ok {
		return false
	}
	return evtUint(v, b2u(failed))
}

// The evt.count.error.* variants count the errors of events on a kind of
// fd (files and directories; inet and unix sockets; anything else) or,
// for events without a known fd, of the event types libsinsp lists for
// that kind (the opens; accept and connect), memory errors apart.

func evtIsFileFD(f *state.FD) bool {
	return f.Type == state.FDFile || f.Type == state.FDFileV2 || f.Type == state.FDDirectory
}

func evtIsNetFD(f *state.FD) bool {
	return evtIsInet(f) || f.Type == state.FDUnixSock
}

func evtIsOpenEvent(t uint16) bool {
	switch t {
	case event.OpenX, event.CreatX, event.OpenatX2, event.Openat2X, event.OpenByHandleAtX:
		return true
	}
	return false
}

func evtIsNetEvent(t uint16) bool {
	switch t {
	case event.AcceptX5, event.Accept4X6, event.ConnectX:
		return true
	}
	return false
}

func evtIsMemory(e *Event) bool {
	info := e.Rec.Info()
	return info != nil && info.Category.Base() == event.CategoryMemory
}

func evtCountErrorFile(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	if fd := e.FD(); fd != nil {
		if evtIsFileFD(fd) {
			return evtErrorCount(e, v)
		}
		return false
	}
	if evtIsOpenEvent(e.convertedType()) {
		return evtErrorCount(e, v)
	}
	return false
}

func evtCountErrorNet(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	if fd := e.FD(); fd != nil {
		if evtIsNetFD(fd) {
			return evtErrorCount(e, v)
		}
		return false
	}
	if evtIsNetEvent(e.convertedType()) {
		return evtErrorCount(e, v)
	}
	return false
}

func evtCountErrorMemory(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	if evtIsMemory(e) {
		return evtErrorCount(e, v)
	}
	return false
}

func evtCountErrorOther(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	if fd := e.FD(); fd != nil {
		if !evtIsFileFD(fd) && !evtIsNetFD(fd) {
			return evtErrorCount(e, v)
		}
		return false
	}
	t := e.convertedType()
	if !evtIsOpenEvent(t) && !evtIsNetEvent(t) && !evtIsMemory(e) {
		return evtErrorCount(e, v)
	}
	return false
}

// procinfoThread is the thread of a procinfo event (libsinsp looks it up
// without creating it).
func (e *Event) procinfoThread() *state.Thread {
	if th := e.Thread(); th != nil {
		return th
	}
	if e.in == nil || e.in.State == nil {
		return nil
	}
	return e.in.State.Thread(e.Rec.Tid())
}

// bindAround binds evt.around[T]: libsinsp accepts an event when T lies
// within D milliseconds of its timestamp, for evt.around[T]=D (only '='
// is allowed). That is a comparison of its own, which the engine's
// generic checks cannot express, and libsinsp extracts no value for the
// field (it is filter-only); so the binding extracts nothing, and checks
// on it never match until the engine implements the comparison.
func bindAround(ref fields.Ref) (engine.Binding, error) {
	if _, err := strconv.ParseUint(ref.Arg, 10, 64); err != nil {
		return engine.Binding{}, fmt.Errorf("evt.around needs an epoch timestamp in nanoseconds, not %q", ref.Arg)
	}
	return engine.Binding{Extract: evtNever}, nil
}

// errAbsPathArg is returned for an evt.abspath argument other than src and
// dst.
var errAbsPathArg = errors.New("evt.abspath takes no argument but .src or .dst")

// bindAbsPath binds evt.abspath (the first path of the event),
// evt.abspath.src and evt.abspath.dst.
func bindAbsPath(ref fields.Ref) (engine.Binding, error) {
	which := 0
	if ref.HasArg {
		switch ref.Arg {
		case "src":
			which = 1
		case "dst":
			which = 2
		default:
			return engine.Binding{}, errAbsPathArg
		}
	}
	return engine.Binding{Extract: func(x engine.Event, v *engine.Value) bool {
		s, ok := evtAbsPath(ev(x), which)
		v.Str = s
		return ok
	}}, nil
}

// evtAbsPath is libsinsp's extract_abspath: the path parameter of *at
// syscalls made absolute with their directory fd parameter.
func evtAbsPath(e *Event, which int) (string, bool) {
	th := e.Thread()
	if th == nil {
		return "", false
	}
	var dirArg, pathArg string
	switch e.convertedType() {
	case event.RenameatX, event.Renameat2X:
		if which == 2 {
			dirArg, pathArg = "newdirfd", "newpath"
		} else {
			dirArg, pathArg = "olddirfd", "oldpath"
		}
	case event.SymlinkatX:
		dirArg, pathArg = "linkdirfd", "linkpath"
	case event.OpenatX2, event.Openat2X:
		dirArg, pathArg = "dirfd", "name"
	case event.OpenByHandleAtX:
		// The path comes from the kernel, only for a successful open.
		if r, ok := event.ReturnValue(e.Rec); ok && r > 0 {
			b, _, _ := e.argBytes("path")
			return event.ConcatenatePaths("", event.CString(b)), true
		}
		return "", false
	case event.LinkatX2:
		if which == 2 {
			dirArg, pathArg = "newdir", "newpath"
		} else {
			dirArg, pathArg = "olddir", "oldpath"
		}
	case event.UnlinkatX2:
		dirArg, pathArg = "dirfd", "name"
	case event.MkdiratX:
		dirArg, pathArg = "dirfd", "path"
	case event.FchmodatX:
		dirArg, pathArg = "dirfd", "filename"
	case event.FchownatX:
		dirArg, pathArg = "dirfd", "pathname"
	default:
		return "", false
	}
	db, _, ok1 := e.argBytes(dirArg)
	pb, _, ok2 := e.argBytes(pathArg)
	if !ok1 || !ok2 || len(db) == 0 || len(pb) == 0 {
		return "", false
	}
	dirfd := event.Int(event.PTFD, db)
	path := event.CString(pb)
	var dir string
	switch {
	case path != "" && path[0] == '/':
		dir = "."
	case dirfd == atFDCWD:
		dir = th.CWD()
	default:
		// libsinsp also makes the dirfd the event's fd here, a side effect
		// not reproduced. Its test for a trailing '/' reads past the name,
		// so a '/' is always appended.
		if f := th.FD(dirfd); f != nil {
			dir = f.Name + "/"
		} else {
			dir = "<UNKNOWN>/"
		}
	}
	return event.ConcatenatePaths(dir, path), true
}

// atFDCWD is PPM_AT_FDCWD, the dirfd meaning the working directory.
const atFDCWD = -100

// Open flags and mode bits (PPM_O_*, PPM_S_*).
const (
	ppmORdonly   = 1 << 0
	ppmOWronly   = 1 << 1
	ppmOCreat    = 1 << 2
	ppmOTmpfile  = 1 << 13
	ppmOFCreated = 1 << 14
	ppmSExec     = 0o100 | 0o010 | 0o001 // S_IXUSR | S_IXGRP | S_IXOTH
)

type evtOpenField uint8

const (
	evtOpenRead evtOpenField = iota
	evtOpenWrite
	evtOpenExec
	evtOpenCreate
)

// evtIsOpen is evt.is_open_read, _write, _exec and _create, from the flags
// (and mode) of open, openat, openat2 and open_by_handle_at exits and the
// mode of creat exits; false for every other event.
func evtIsOpen(which evtOpenField) engine.Extractor {
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		t := e.convertedType()
		switch t {
		case event.OpenX, event.OpenatX2, event.Openat2X, event.OpenByHandleAtX:
		case event.CreatX:
			if which != evtOpenExec {
				return evtBool(v, false)
			}
			b, _, _ := e.argBytes("mode")
			return evtBool(v, event.U32(b)&ppmSExec != 0)
		default:
			return evtBool(v, false)
		}
		var flags uint32
		if b, _, ok := e.argBytes("flags"); ok {
			flags = event.U32(b)
		}
		switch which {
		case evtOpenRead:
			return evtBool(v, flags&ppmORdonly != 0)
		case evtOpenWrite:
			return evtBool(v, flags&ppmOWronly != 0)
		case evtOpenCreate:
			if flags&ppmOFCreated != 0 {
				return evtBool(v, true)
			}
			if flags&ppmOTmpfile != 0 {
				r, ok := event.ReturnValue(e.Rec)
				return evtBool(v, ok && r >= 0)
			}
			return evtBool(v, false)
		}
		// open_by_handle_at has no mode.
		if flags&(ppmOTmpfile|ppmOCreat) == 0 || t == event.OpenByHandleAtX {
			return evtBool(v, false)
		}
		b, _, ok := e.argBytes("mode")
		return evtBool(v, ok && len(b) > 0 && event.U32(b)&ppmSExec != 0)
	}
}

// evtInfraDocker extracts one element ("key: value", ';'-separated) of
// the description of a docker infrastructure event.
func evtInfraDocker(key string, truncate bool) engine.Extractor {
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		if e.Type() != event.InfrastructureEventE {
			return false
		}
		desc := event.CString(e.Rec.Param(2))
		for _, raw := range strings.Split(desc, ";") {
			el := evtTrim(raw)
			if !strings.HasPrefix(el, key) {
				continue
			}
			sub := strings.Split(el, ":")
			if len(sub) < 2 {
				return false
			}
			if key != "Image" {
				s := evtTrim(sub[1])
				if truncate && len(s) > 12 {
					s = s[:12]
				}
				return evtStr(v, s)
			}
			s := sub[1]
			if i := strings.IndexByte(s, '@'); i >= 0 {
				s = s[:i]
			} else if strings.Contains(s, "sha256") {
				s = el[strings.IndexByte(el, ':')+1:]
			}
			return evtStr(v, evtTrim(s))
		}
		return false
	}
}

// evtTrim is libsinsp's trim: leading and trailing C white space removed.
func evtTrim(s string) string { return strings.Trim(s, " \t\n\v\f\r") }
