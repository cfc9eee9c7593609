package inspect

// Extractors of the fs.path class (libsinsp's sinsp_filter_check_fspath,
// sinsp_filtercheck_fspath.cpp): the path arguments of the syscalls that
// act on the file system by name. For each event type libsinsp names the
// parameter holding the path (or the source and target paths) and a
// success condition; the fields exist only for events of those types that
// meet it. The non-raw fields make relative paths absolute with the
// thread's working directory or the syscall's directory fd.

import (
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

// fsPathSpec describes one event type: the parameters holding the path
// (or the source and target), "" when the event has none of that role;
// fsPathFDName means the path is the name of the event's fd (fd.name).
type fsPathSpec struct {
	path, source, target string
	// successFD selects the success condition of the opens, the "fd"
	// parameter differing from -1, instead of "res" equal to 0.
	successFD bool
}

// fsPathFDName stands for the fd.name field where a parameter name is
// expected.
const fsPathFDName = "\x00fd.name"

// fsPathSpecs are libsinsp's create_fspath_checks, by (converted) event
// code.
var fsPathSpecs = map[uint16]fsPathSpec{
	event.MkdirX2:    {path: "path"},
	event.MkdiratX:   {path: "path"},
	event.RmdirX2:    {path: "path"},
	event.UnlinkX2:   {path: "path"},
	event.UnlinkatX2: {path: "name"},
	event.OpenX:      {path: "name", successFD: true},
	event.OpenatX2:   {path: "name", successFD: true},
	event.Openat2X:   {path: "name", successFD: true},
	event.FchmodatX:  {path: "filename"},
	event.ChmodX:     {path: "filename"},
	event.FchmodX:    {path: fsPathFDName},
	event.ChownX:     {path: "path"},
	event.LchownX:    {path: "path"},
	event.FchownX:    {path: fsPathFDName},
	event.FchownatX:  {path: "pathname"},
	event.QuotactlX:  {path: "special"},
	event.RenameX:    {source: "oldpath", target: "newpath"},
	event.RenameatX:  {source: "oldpath", target: "newpath"},
	event.Renameat2X: {source: "oldpath", target: "newpath"},
	event.LinkX2:     {source: "newpath", target: "oldpath"},
	event.LinkatX2:   {source: "newpath", target: "oldpath"},
	event.SymlinkX:   {source: "linkpath", target: "target"},
	event.SymlinkatX: {source: "linkpath", target: "target"},
	event.MountX:     {source: "dev", target: "dir"},
	event.UmountX1:   {path: "name"},
	event.Umount2X:   {path: "name"},
}

type fsPathRole uint8

const (
	fsPathName fsPathRole = iota
	fsPathSource
	fsPathTarget
)

func init() {
	bind := func(role fsPathRole, raw bool) evtBinder {
		return evtFixed(func(x engine.Event, v *engine.Value) bool {
			s, ok := fsPath(ev(x), role, raw)
			v.Str = s
			return ok
		})
	}
	register(map[string]evtBinder{
		"fs.path.name":      bind(fsPathName, false),
		"fs.path.nameraw":   bind(fsPathName, true),
		"fs.path.source":    bind(fsPathSource, false),
		"fs.path.sourceraw": bind(fsPathSource, true),
		"fs.path.target":    bind(fsPathTarget, false),
		"fs.path.targetraw": bind(fsPathTarget, true),
	})
}

// fsPath is libsinsp's sinsp_filter_check_fspath::extract_single.
func fsPath(e *Event, role fsPathRole, raw bool) (string, bool) {
	t := e.convertedType()
	spec, ok := fsPathSpecs[t]
	if !ok || !fsPathSucceeded(e, spec) {
		return "", false
	}
	arg := spec.path
	switch role {
	case fsPathSource:
		arg = spec.source
	case fsPathTarget:
		arg = spec.target
	}
	if arg == "" {
		return "", false
	}
	var p string
	if arg == fsPathFDName {
		// The fd class's fd.name, which has no value without an fd.
		fd := e.FD()
		if fd == nil {
			return "", false
		}
		p = fd.Name
	} else {
		b, pi, ok := e.argBytes(arg)
		if !ok {
			return "", false
		}
		// As evt.rawarg extracts it: only the bytes up to the first NUL,
		// with the legacy null encoding for strings.
		switch pi.Type {
		case event.PTCharBuf, event.PTFSPath, event.PTFSRelPath:
			p = event.StringParam(b)
		default:
			if len(b) == 0 {
				return "", false
			}
			p = event.CString(b)
		}
	}
	if raw {
		return p, true
	}
	th := e.Thread()
	if th == nil {
		return "", false
	}
	if p != "" && p[0] == '/' {
		return event.ConcatenatePaths("", p), true
	}
	var dir string
	switch t {
	case event.OpenatX2, event.Openat2X:
		// The parser already resolved the opened fd's name.
		if fd := e.FD(); fd != nil {
			p = fd.Name
		} else {
			p = "<UNKNOWN>"
		}
	case event.NewfstatatX, event.FchownatX, event.FchmodatX, event.MkdiratX,
		event.UnlinkatX2, event.MknodatX:
		dir = fsPathDirFD(e)
	case event.SymlinkatX:
		if role == fsPathSource {
			dir = fsPathDirFD(e)
		} else {
			dir = "<UNKNOWN>"
		}
	case event.Renameat2X:
		switch role {
		case fsPathTarget:
			dir = fsPathParseDirFD(e, p, "newdirfd")
		case fsPathSource:
			dir = fsPathParseDirFD(e, p, "olddirfd")
		default:
			dir = "<UNKNOWN>"
		}
	default:
		dir = th.CWD()
	}
	return event.ConcatenatePaths(dir, p), true
}

// fsPathSucceeded evaluates the success condition of the event type:
// evt.rawarg.res = 0, or evt.rawarg.fd != -1 for the opens (so a failed
// open with another error code passes).
func fsPathSucceeded(e *Event, spec fsPathSpec) bool {
	name := "res"
	if spec.successFD {
		name = "fd"
	}
	b, pi, ok := e.argBytes(name)
	if !ok || len(b) == 0 || !evtIntegerParam(pi.Type) {
		return false
	}
	var r int64
	if evtSignedParam(pi.Type) {
		r = event.Int(pi.Type, b)
	} else {
		r = int64(event.Uint(pi.Type, b))
	}
	if spec.successFD {
		return r != -1
	}
	return r == 0
}

// fsPathDirFD is libsinsp's format_dirfd: the name of the event's fd (for
// these events its directory fd) with a trailing '/', when it is a
// directory; "<UNKNOWN>" otherwise (AT_FDCWD included).
func fsPathDirFD(e *Event) string {
	fd := e.FD()
	if fd == nil || fd.Type != state.FDDirectory {
		return "<UNKNOWN>"
	}
	if fd.Name == "" || fd.Name[len(fd.Name)-1] == '/' {
		return fd.Name
	}
	return fd.Name + "/"
}

// fsPathParseDirFD is libsinsp's sinsp_parser::parse_dirfd for the
// directory fd parameter dirArg.
func fsPathParseDirFD(e *Event, name, dirArg string) string {
	if name != "" && name[0] == '/' {
		return "."
	}
	th := e.Thread()
	if th == nil {
		return "<UNKNOWN>"
	}
	b, _, _ := e.argBytes(dirArg)
	dirfd := event.Int(event.PTFD, b)
	if dirfd == atFDCWD {
		return th.CWD()
	}
	fd := th.FD(dirfd)
	if fd == nil {
		return "<UNKNOWN>"
	}
	if fd.Name == "" || fd.Name[len(fd.Name)-1] == '/' {
		return fd.Name
	}
	return fd.Name + "/"
}
