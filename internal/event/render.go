package event

import "strings"

// Rendering of event parameters as text, the way libsinsp renders them in
// evt.args, evt.arg.NAME / evt.arg[N], evt.res, evt.rawarg.NAME, evt.info
// and evt.buffer.
//
// libsinsp renders every parameter as a pair of strings: the value
// ("4097", "3", "-2") and an optional decoded form ("O_RDONLY|O_CLOEXEC",
// "<f>/etc/passwd", "ENOENT"). evt.args prints "name=value(decoded)" (or
// "name=value" when there is no decoded form) for each parameter, joined by
// single spaces; evt.arg.NAME prints the decoded form when there is one and
// the value otherwise. ParamValue returns the pair; ParamText, ParamArgText
// and Args build the field texts from it.
//
// The rules are those of current libsinsp (sinsp_evt::get_param_as_str and
// sinsp_filter_check_event). Where the sysdig 0.29.3 oracle (libraries of
// March 2022) differs, the differences are listed in
// testdata/render/README.md.

// FDResolver gives the renderer what it needs to know about open file
// descriptors. It is the only state the renderer strictly needs; an
// FDResolver may also implement ThreadResolver, FDProtoResolver and
// UserResolver to give the rest.
type FDResolver interface {
	// FDInfo describes file descriptor fd of thread tid: its type
	// character as libsinsp prints it ('f' file, 'd' directory, '4' and '6'
	// IPv4/IPv6 sockets, 'u' unix socket, 'p' pipe, 'e' eventfd, 's'
	// signalfd, 'l' eventpoll, 'i' inotify, 't' timerfd, 'n' netlink, 'b'
	// bpf, 'r' io_uring, 'm' memfd, 'P' pidfd, 'o' unknown, 'X'
	// unsupported) and its name (path, socket tuple, ...). ok is false when
	// the fd is not in the thread's table.
	FDInfo(tid int64, fd int64) (typeChar byte, name string, ok bool)
}

// FDProtoResolver is optionally implemented by an FDResolver to give the
// layer-4 protocol of IP sockets, which libsinsp prints after the type
// character ("<4t>", "<6u>").
type FDProtoResolver interface {
	// FDL4Proto returns 't' (TCP), 'u' (UDP), 'i' (ICMP), 'r' (raw) or 0.
	FDL4Proto(tid int64, fd int64) byte
}

// ThreadResolver is optionally implemented by an FDResolver to tell
// whether a thread is known, and its command name and working directory.
// Without it every thread counts as known, with no comm and no cwd, which is
// how libsinsp sees a thread it has just created for an unknown tid.
type ThreadResolver interface {
	// ThreadInfo returns the thread's comm (used to decode pid parameters,
	// "ptid=3200(bash)") and its working directory as libsinsp stores it,
	// with a trailing '/' (used to resolve relative paths,
	// "name=foo(/home/u/foo)"). ok is false for an unknown thread: then fd
	// parameters of its events render as bare numbers.
	ThreadInfo(tid int64) (comm, cwd string, ok bool)
}

// UserResolver is optionally implemented by an FDResolver to decode uid and
// gid parameters ("euid=0(root)"). tid is the thread of the event (libsinsp
// looks users up in the thread's container). Without it, or when ok is
// false, the decoded form is "<NA>".
type UserResolver interface {
	UserName(tid int64, uid uint32) (name string, ok bool)
	GroupName(tid int64, gid uint32) (name string, ok bool)
}

// BufferFormat selects how byte-buffer parameters are rendered; the values
// are libsinsp's sinsp_evt::param_fmt bits. sysdig selects them with -A
// (BufEOLS), -b (BufBase64), -x (BufHex), -X (BufHexASCII) and -j (the JSON
// variants); Falco always uses BufNormal.
type BufferFormat uint16

// Buffer formats (libsinsp PF_NORMAL ... PF_JSONBASE64).
const (
	BufNormal       BufferFormat = 1 << 0  // printable bytes as they are, others as '.'
	BufJSON         BufferFormat = 1 << 1  // JSON output, data as with BufNormal
	BufSimple       BufferFormat = 1 << 2  // fd parameters without the type character: "3(<>/etc/passwd)"
	BufHex          BufferFormat = 1 << 3  // hex dump
	BufHexASCII     BufferFormat = 1 << 4  // hex dump with an ASCII column
	BufEOLS         BufferFormat = 1 << 5  // printable bytes and line ends only, after a leading newline
	BufEOLSCompact  BufferFormat = 1 << 6  // as BufEOLS without the leading newline
	BufBase64       BufferFormat = 1 << 7  // base64
	BufJSONEOLS     BufferFormat = 1 << 8  // JSON output, data as with BufEOLS
	BufJSONHex      BufferFormat = 1 << 9  // JSON output, data as with BufHex
	BufJSONHexASCII BufferFormat = 1 << 10 // JSON output, data as with BufHexASCII
	BufJSONBase64   BufferFormat = 1 << 11 // JSON output, data as with BufBase64
)

// RenderOptions tune the rendering. The zero value renders as Falco does.
type RenderOptions struct {
	// BufferFormat is the format of byte buffers; zero means BufNormal.
	BufferFormat BufferFormat
	// MaxLen is libsinsp's max_evt_output_len: byte buffers rendered with
	// BufNormal that are longer are cut to MaxLen characters, the last
	// three replaced by "...". Zero means no limit (Falco); sysdig uses 80
	// unless run with -v.
	MaxLen int
}

// SysdigMaxLen is the buffer length limit sysdig applies without -v.
const SysdigMaxLen = 80

func (o RenderOptions) format() BufferFormat {
	if o.BufferFormat == 0 {
		return BufNormal
	}
	return o.BufferFormat
}

// ParamValue renders parameter i of r and returns libsinsp's two strings:
// the value and the decoded form ("" when there is none). ok is false when
// the record has no parameter i or the event table does not describe it.
// fds may be nil (no state: threads count as known, with no fds).
func ParamValue(r *Record, i int, fds FDResolver, opts RenderOptions) (value, decoded string, ok bool) {
	info := r.Info()
	if info == nil || i < 0 || i >= r.NParams() || i >= len(info.Params) {
		return "", "", false
	}
	rn := renderer{r: r, info: info, fds: fds, opts: opts}
	value, decoded = rn.param(i)
	return value, decoded, true
}

// ParamText renders parameter i as evt.arg[i] shows it: the decoded form
// when there is one ("O_RDONLY|O_CLOEXEC", "<f>/etc/passwd", "ENOENT"),
// the value otherwise.
func ParamText(r *Record, i int, fds FDResolver, opts RenderOptions) (string, bool) {
	v, d, ok := ParamValue(r, i, fds, opts)
	if !ok {
		return "", false
	}
	if d != "" {
		return d, true
	}
	return v, true
}

// ParamTextByName is ParamText for evt.arg.NAME: the first parameter of
// the record's event with that name.
func ParamTextByName(r *Record, name string, fds FDResolver, opts RenderOptions) (string, bool) {
	i := paramIndex(r, name)
	if i < 0 {
		return "", false
	}
	return ParamText(r, i, fds, opts)
}

// ParamArgText renders parameter i as it appears inside evt.args: the value
// followed by the decoded form in parentheses when there is one
// ("4097(O_RDONLY|O_CLOEXEC)", "-2(ENOENT)", "3(<f>/etc/passwd)").
func ParamArgText(r *Record, i int, fds FDResolver, opts RenderOptions) (string, bool) {
	v, d, ok := ParamValue(r, i, fds, opts)
	if !ok {
		return "", false
	}
	if d != "" {
		return v + "(" + d + ")", true
	}
	return v, true
}

// Args renders evt.args: "name=value" or "name=value(decoded)" for every
// parameter the record carries, separated by single spaces, with no
// trailing space. Generic syscall events render as "" (libsinsp does not
// print their parameters, which are for internal use).
func Args(r *Record, fds FDResolver, opts RenderOptions) string {
	info := r.Info()
	if info == nil || info.Code == GenericX || info.Code == GenericE {
		return ""
	}
	rn := renderer{r: r, info: info, fds: fds, opts: opts}
	n := min(r.NParams(), len(info.Params))
	var sb strings.Builder
	for i := 0; i < n; i++ {
		v, d := rn.param(i)
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(info.Params[i].Name)
		sb.WriteByte('=')
		sb.WriteString(v)
		if d != "" {
			sb.WriteByte('(')
			sb.WriteString(d)
			sb.WriteByte(')')
		}
	}
	return sb.String()
}

// InfoText renders evt.info, which libsinsp defines as evt.args.
func InfoText(r *Record, fds FDResolver, opts RenderOptions) string {
	return Args(r, fds, opts)
}

func paramIndex(r *Record, name string) int {
	info := r.Info()
	if info == nil {
		return -1
	}
	n := min(r.NParams(), len(info.Params))
	for i := 0; i < n; i++ {
		if info.Params[i].Name == name {
			return i
		}
	}
	return -1
}

// noState is used when the caller passes a nil FDResolver.
type noState struct{}

func (noState) FDInfo(int64, int64) (byte, string, bool) { return 0, "", false }

// renderer carries what rendering one record needs.
type renderer struct {
	r    *Record
	info *Info
	fds  FDResolver
	opts RenderOptions
}

func (rn *renderer) resolver() FDResolver {
	if rn.fds == nil {
		return noState{}
	}
	return rn.fds
}

// thread reports whether the thread of tid is known, with its comm and cwd.
func (rn *renderer) thread(tid int64) (comm, cwd string, ok bool) {
	if t, is := rn.fds.(ThreadResolver); is {
		return t.ThreadInfo(tid)
	}
	return "", "", true
}

// eventThreadKnown reports whether libsinsp would have thread info for the
// event's own thread.
func (rn *renderer) eventThreadKnown() bool {
	_, _, ok := rn.thread(rn.r.Tid())
	return ok
}
