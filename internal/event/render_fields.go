package event

import (
	"math"
	"strconv"
	"strings"
)

// Values of the evt.* fields that depend only on the record (and, for a
// few, on the fd the event acts on), as libsinsp's
// sinsp_filter_check_event extracts them.

// HasReturnValue reports whether libsinsp considers that the event has a
// return value: an exit event of a syscall with at least one parameter,
// other than the generic syscall event. The return value is always the
// first parameter, whatever its name (res, fd, uid, ...).
func HasReturnValue(r *Record) bool {
	info := r.Info()
	if info == nil || info.Code == GenericX {
		return false
	}
	return info.Category&CategorySyscall != 0 && IsExit(info.Code) && r.NParams() > 0
}

// ReturnValue returns the event's return value (evt.rawres): the first
// parameter read as a 32- or 64-bit signed integer by its length (0 for
// other lengths). ok is false when the event has no return value.
func ReturnValue(r *Record) (v int64, ok bool) {
	if !HasReturnValue(r) {
		return 0, false
	}
	b := r.Param(0)
	switch len(b) {
	case 4:
		return int64(int32(U32(b))), true
	case 8:
		return int64(U64(b)), true
	}
	return 0, true
}

// ResText renders evt.res: "SUCCESS" for a return value of zero or more,
// otherwise the first parameter as evt.arg shows it (its errno name such as
// "ENOENT" for errno and fd parameters, the number when it has no name).
// ok is false when the event has no return value.
func ResText(r *Record, fds FDResolver) (string, bool) {
	v, ok := ReturnValue(r)
	if !ok {
		return "", false
	}
	if v >= 0 {
		return "SUCCESS", true
	}
	return ParamText(r, 0, fds, RenderOptions{})
}

// Failed is evt.failed (and evt.count.error): whether the return value is
// negative. ok is false when the event has no return value.
func Failed(r *Record) (failed, ok bool) {
	v, ok := ReturnValue(r)
	return ok && v < 0, ok
}

// BufferParamText renders evt.buffer: the event's "data" parameter in the
// chosen buffer format, truncated as evt.args truncates it. ok is false
// when the event has no "data" parameter. An empty buffer renders as "".
func BufferParamText(r *Record, opts RenderOptions) (string, bool) {
	i := paramIndex(r, "data")
	if i < 0 {
		return "", false
	}
	if len(r.Param(i)) == 0 {
		// libsinsp would return its "NULL" placeholder with a stale length.
		return "", true
	}
	v, _, _ := ParamValue(r, i, nil, opts)
	return v, true
}

// BufferParam returns the raw bytes of the event's "data" parameter, which
// is what evt.buffer compares against in filters.
func BufferParam(r *Record) ([]byte, bool) {
	i := paramIndex(r, "data")
	if i < 0 {
		return nil, false
	}
	return r.Param(i), true
}

// RawArgText renders evt.rawarg.NAME for output: the native value of the
// named parameter printed by its type and print format, without decoding
// (libsinsp's rawval_to_string): numbers in their print format ("%o" for
// octal, without the leading 0 evt.arg uses; unsigned types as unsigned),
// strings as they are ("<NA>" for the legacy null encodings), buffers in
// the buffer format cut to 1021 characters, booleans as true/false,
// addresses in dotted or IPv6 form. ok is false when the event has no such
// parameter or when libsinsp has no text for the type (PT_SOCKADDR,
// PT_SOCKTUPLE, PT_FDLIST, PT_DYN, PT_MODE, PT_SIGTYPE, PT_SYSCALLID,
// PT_SIGSET, PT_CHARBUFARRAY, PT_FD32, PT_PID32, ...) or for its print
// format. Numeric parameters with no bytes render as "0".
func RawArgText(r *Record, name string, opts RenderOptions) (string, bool) {
	i := paramIndex(r, name)
	if i < 0 {
		return "", false
	}
	p := &r.Info().Params[i]
	return RawValueText(p.Type, p.Format, r.Param(i), opts.format())
}

// RawValueText renders a native value of type t in print format pf, as
// RawArgText does.
func RawValueText(t ParamType, pf PrintFormat, b []byte, bf BufferFormat) (string, bool) {
	switch t {
	case PTInt8, PTInt16, PTInt32, PTInt64, PTPID, PTErrno, PTFD:
		if len(b) == 0 {
			return "0", true
		}
		var v int64
		switch t {
		case PTInt8:
			v = int64(int8(U8(b)))
		case PTInt16:
			v = int64(int16(U16(b)))
		case PTInt32:
			v = int64(int32(U32(b)))
		default:
			v = int64(U64(b))
		}
		bits := 64
		switch t {
		case PTInt8:
			bits = 8
		case PTInt16:
			bits = 16
		case PTInt32:
			bits = 32
		}
		return rawSigned(v, bits, pf)
	case PTL4Proto, PTUint8, PTFlags8, PTEnumFlags8:
		if len(b) == 0 {
			return "0", true
		}
		return rawUnsigned(uint64(U8(b)), pf, false)
	case PTPort, PTUint16, PTFlags16, PTEnumFlags16:
		if len(b) == 0 {
			return "0", true
		}
		return rawUnsigned(uint64(U16(b)), pf, false)
	case PTUint32, PTFlags32, PTEnumFlags32, PTUID, PTGID:
		if len(b) == 0 {
			return "0", true
		}
		return rawUnsigned(uint64(U32(b)), pf, false)
	case PTUint64, PTRelTime, PTAbsTime:
		if len(b) == 0 {
			return "0", true
		}
		return rawUnsigned(U64(b), pf, true)
	case PTCharBuf, PTFSPath, PTFSRelPath:
		return stringParam(b), true
	case PTByteBuf:
		if bf == 0 {
			bf = BufNormal
		}
		s, _ := bufferText(b, bf, 1023)
		return s, true
	case PTBool:
		if U32(b) != 0 {
			return "true", true
		}
		return "false", true
	case PTIPv4Addr:
		if len(b) < 4 {
			return "", false
		}
		return ipv4Text(b), true
	case PTIPv6Addr:
		if len(b) < 16 {
			return "<NA>", true
		}
		return InetNtop6(b), true
	case PTIPAddr:
		switch len(b) {
		case 4:
			return ipv4Text(b), true
		case 16:
			return InetNtop6(b), true
		}
		return "", false
	case PTDouble:
		return strconv.FormatFloat(math.Float64frombits(U64(b)), 'f', 1, 64), true
	case PTIPNet:
		return "<IPNET>", true
	}
	return "", false
}

func rawSigned(v int64, bits int, pf PrintFormat) (string, bool) {
	mask := uint64(math.MaxUint64)
	if bits < 64 {
		// C promotes the narrow types to int before printing them.
		mask = math.MaxUint32
	}
	switch pf {
	case PFOct:
		return strconv.FormatUint(uint64(v)&mask, 8), true
	case PFDec, PFID:
		return strconv.FormatInt(v, 10), true
	case PFHex:
		return strings.ToUpper(strconv.FormatUint(uint64(v)&mask, 16)), true
	case PF10PaddedDec:
		if bits == 64 {
			return padDec(v), true
		}
	default:
		if bits == 64 {
			return strconv.FormatInt(v, 10), true
		}
	}
	return "", false
}

func rawUnsigned(v uint64, pf PrintFormat, wide bool) (string, bool) {
	switch pf {
	case PFOct:
		return strconv.FormatUint(v, 8), true
	case PFDec, PFID:
		return strconv.FormatUint(v, 10), true
	case PFHex:
		return strings.ToUpper(strconv.FormatUint(v, 16)), true
	case PF10PaddedDec:
		if wide {
			s := strconv.FormatUint(v, 10)
			if len(s) < 9 {
				s = strings.Repeat("0", 9-len(s)) + s
			}
			return s, true
		}
	}
	return "", false
}

// IsIO is evt.is_io: the event reads from or writes to an fd.
func IsIO(info *Info) bool { return info.Flags&(FlagReadsFromFD|FlagWritesToFD) != 0 }

// IsIORead is evt.is_io_read.
func IsIORead(info *Info) bool { return info.Flags&FlagReadsFromFD != 0 }

// IsIOWrite is evt.is_io_write.
func IsIOWrite(info *Info) bool { return info.Flags&FlagWritesToFD != 0 }

// IODir is evt.io_dir: "write" for events that write to an fd, "read" for
// events that read from one; ok is false otherwise.
func IODir(info *Info) (string, bool) {
	switch {
	case info.Flags&FlagWritesToFD != 0:
		return "write", true
	case info.Flags&FlagReadsFromFD != 0:
		return "read", true
	}
	return "", false
}

// IsWait is evt.is_wait: the event may make the thread wait.
func IsWait(info *Info) bool { return info.Flags&FlagWaits != 0 }

// CategoryText is evt.category. For the I/O categories libsinsp reports
// the kind of fd the event acts on: fdTypeChar is the type character of
// that fd (see FDResolver.FDInfo) and haveFD tells whether the event has
// one in the fd table; "file" for files and directories, "net" for IP
// sockets, "ipc" (lower case, unlike the "IPC" base category) for pipes,
// unix sockets, eventfd, signalfd, inotify and userfaultfd, and "unknown"
// otherwise.
func CategoryText(info *Info, fdTypeChar byte, haveFD bool) string {
	c := info.Category.Base()
	if c&CategoryIORead == 0 || c > CategoryIOOther {
		return c.Name()
	}
	if !haveFD {
		return "unknown"
	}
	switch fdTypeChar {
	case 'f', 'd':
		return "file"
	case '4', '6':
		return "net"
	case 'p', 'u', 'e', 's', 'i':
		return "ipc"
	}
	return "unknown"
}

// TypeName is evt.type: the event name, except for generic syscall events,
// named after the syscall they carry (falling back to the x86_64 native
// number when the syscall code is unknown, as libsinsp does for captures),
// and for async events, named by their name parameter.
func TypeName(r *Record) string {
	info := r.Info()
	if info == nil {
		return "<NA>"
	}
	switch info.Code {
	case GenericE, GenericX:
		sc := U16(r.Param(0))
		if sc == 0 && r.NParams() > 1 && len(r.Param(1)) > 0 {
			sc = SyscallFromNativeX86_64(int(U16(r.Param(1))))
		}
		if sc >= MaxSyscall {
			return ""
		}
		return SyscallName(sc)
	case AsynceventE:
		if r.NParams() > 1 {
			return stringParam(r.Param(1))
		}
	}
	return info.Name
}
