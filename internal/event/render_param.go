package event

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// atFDCWD is the value of AT_FDCWD in fd parameters (PPM_AT_FDCWD).
const atFDCWD = -100

// maxPathSize is libscap's SCAP_MAX_PATH_SIZE, the limit of resolved paths.
const maxPathSize = 4096

// fdListStorage bounds the text of an fd list, as libsinsp's 1024-byte
// parameter storage does.
const fdListStorage = 1024

// isLegacyNull reports whether a string parameter uses the legacy encoding
// of a missing value: no bytes at all, or the text "(NULL)".
func isLegacyNull(b []byte) bool {
	return len(b) == 0 || (len(b) == 7 && string(b) == "(NULL)\x00")
}

// stringParam decodes a CHARBUF/FSPATH parameter as libsinsp does, mapping
// the legacy null encodings to "<NA>".
func stringParam(b []byte) string {
	if isLegacyNull(b) {
		return "<NA>"
	}
	return CString(b)
}

// param renders parameter i (which the caller checked exists).
func (rn *renderer) param(i int) (value, decoded string) {
	p := &rn.info.Params[i]
	b := rn.r.Param(i)
	typ := p.Type

	// Empty parameters: string types fall through to their legacy "<NA>"
	// handling; every other type renders as a placeholder.
	if len(b) == 0 && typ != PTCharBuf && typ != PTFSPath && typ != PTFSRelPath {
		switch typ {
		case PTByteBuf, PTSockTuple, PTFDList, PTCharBufArray, PTCharBufPairArray, PTDyn:
			return "NULL", ""
		}
		return "<NA>", ""
	}

	if typ == PTDyn && p.Dyn != nil {
		if idx := int(b[0]); idx < len(p.Dyn.Variants) {
			typ = p.Dyn.Variants[idx].Type
			b = b[1:]
		}
	}
	// The print format is always the declared parameter's, also for
	// dynamic parameters.
	pf := p.Format

	switch typ {
	case PTInt8:
		return fmtNum32(pf, uint32(int32(int8(U8(b))))), ""
	case PTInt16:
		return fmtNum32(pf, uint32(int32(int16(U16(b))))), ""
	case PTInt32:
		return fmtNum32(pf, U32(b)), ""
	case PTInt64, PTUint64:
		return fmtNum64(pf, U64(b)), ""
	case PTUint8:
		return fmtNum32(pf, uint32(U8(b))), ""
	case PTUint16:
		return fmtNum32(pf, uint32(U16(b))), ""
	case PTUint32:
		return fmtNum32(pf, U32(b)), ""
	case PTFD:
		return rn.fd(int64(U64(b)))
	case PTPID:
		pid := int64(U64(b))
		value = strconv.FormatInt(pid, 10)
		if comm, _, ok := rn.thread(pid); ok {
			decoded = comm
		}
		return value, decoded
	case PTErrno:
		v := int64(U64(b))
		value = strconv.FormatInt(v, 10)
		if v < 0 {
			decoded = errnoName(int32(v))
		}
		return value, decoded
	case PTCharBuf:
		return stringParam(b), ""
	case PTFSPath, PTFSRelPath:
		return rn.path(i, typ, b)
	case PTByteBuf:
		return rn.buffer(b), ""
	case PTSockAddr:
		return sockAddrText(b), ""
	case PTSockTuple:
		return sockTupleText(b), ""
	case PTFDList:
		return rn.fdList(b), ""
	case PTSyscallID:
		sc := U16(b)
		if sc >= MaxSyscall {
			return "<unknown syscall>", ""
		}
		return strconv.FormatUint(uint64(sc), 10), SyscallName(sc)
	case PTSigType:
		sig := U8(b)
		return strconv.FormatUint(uint64(sig), 10), SignalName(sig)
	case PTRelTime:
		v := U64(b)
		if v == math.MaxUint64 {
			return "none", ""
		}
		return strconv.FormatUint(v, 10), cFormatG(float64(v)/1e9) + "s"
	case PTFlags8, PTEnumFlags8:
		return flagsPair(typ, p.Flags, uint32(U8(b)))
	case PTFlags16, PTEnumFlags16:
		return flagsPair(typ, p.Flags, uint32(U16(b)))
	case PTFlags32, PTEnumFlags32:
		return flagsPair(typ, p.Flags, U32(b))
	case PTMode:
		v := U32(b)
		value = fmtNum32(pf, v)
		if p.Flags != nil {
			decoded = ModeText(p.Flags, uint64(v))
		}
		return value, decoded
	case PTAbsTime:
		return absTimeText(U64(b)), ""
	case PTDyn:
		// A dynamic parameter whose variant index is out of range.
		return "INVALID DYNAMIC PARAMETER", ""
	case PTUID, PTGID:
		return rn.userGroup(typ, U32(b))
	case PTCharBufArray:
		return strings.Join(StringArray(b), "."), ""
	case PTCharBufPairArray:
		return pairArrayText(b), ""
	case PTSigSet:
		return sigSetText(U32(b)), ""
	}
	// libsinsp has no text for the remaining types (PT_BOOL, PT_DOUBLE,
	// the IP address and network types, PT_PORT, PT_L4PROTO,
	// PT_SOCKFAMILY, PT_FD32, PT_PID32).
	return "(n.a.)", ""
}

// fd renders an fd parameter (libsinsp's render_fd).
func (rn *renderer) fd(fd int64) (value, decoded string) {
	value = strconv.FormatInt(fd, 10)
	tid := rn.r.Tid()
	if !rn.eventThreadKnown() {
		return value, ""
	}
	switch {
	case fd >= 0:
		tc, name, ok := rn.resolver().FDInfo(tid, fd)
		if !ok {
			return value, ""
		}
		var ts []byte
		if rn.opts.format()&BufSimple == 0 {
			ts = append(ts, tc)
			if tc == '4' || tc == '6' {
				if pr, is := rn.fds.(FDProtoResolver); is {
					if c := pr.FDL4Proto(tid, fd); c != 0 {
						ts = append(ts, c)
					}
				}
			}
		}
		// With BufSimple libsinsp's type string starts with a NUL, so
		// nothing of it is printed, not even the protocol.
		return value, "<" + string(ts) + ">" + name
	case fd == atFDCWD:
		return value, "AT_FDCWD"
	}
	return value, errnoName(int32(fd))
}

// path renders an FSPATH or FSRELPATH parameter: the path, and for a
// relative path the absolute path libsinsp resolves it to.
func (rn *renderer) path(i int, typ ParamType, b []byte) (value, decoded string) {
	value = stringParam(b)
	_, cwd, ok := rn.thread(rn.r.Tid())
	if !ok || value == "<NA>" {
		return value, ""
	}
	if value == "" || value[0] == '/' {
		return value, ""
	}
	base := cwd
	if typ == PTFSRelPath {
		base = rn.relBase(i, cwd)
	}
	return value, concatenatePaths(base, value)
}

// relBase is the directory an FSRELPATH parameter is relative to: the
// thread's cwd, or the path of the directory fd named by the parameter's
// DirFD index.
func (rn *renderer) relBase(i int, cwd string) string {
	d := int(rn.info.Params[i].DirFD)
	if d >= len(rn.info.Params) || rn.info.Params[d].Type != PTFD || d >= rn.r.NParams() {
		return cwd
	}
	dirfd := int64(U64(rn.r.Param(d)))
	if dirfd == atFDCWD {
		return cwd
	}
	if _, name, ok := rn.resolver().FDInfo(rn.r.Tid(), dirfd); ok && name != "" {
		if !strings.HasSuffix(name, "/") {
			name += "/"
		}
		return name
	}
	// libsinsp would now ask /proc, which a capture cannot answer.
	return ""
}

func (rn *renderer) buffer(b []byte) string {
	f := rn.opts.format()
	s := BufferText(b, f)
	if rn.opts.MaxLen > 0 && len(s) > rn.opts.MaxLen && f == BufNormal {
		s = truncateBuffer(s, rn.opts.MaxLen)
	}
	return s
}

func truncateBuffer(s string, n int) string {
	if n > 3 {
		return s[:n-3] + "..."
	}
	return s[:n]
}

// fdList renders a PT_FDLIST parameter: "fd:<type><flags>" for each entry,
// flags in hex, separated by spaces ("4:e1 7:i0").
func (rn *renderer) fdList(b []byte) string {
	if !rn.eventThreadKnown() {
		// libsinsp leaves its (stale) buffer untouched here.
		return ""
	}
	tid := rn.r.Tid()
	n := int(U16(b))
	var sb strings.Builder
	p := b[min(2, len(b)):]
	for j := 0; j < n && len(p) >= 10; j++ {
		fd := int64(U64(p))
		flags := int16(U16(p[8:]))
		tc := byte('?')
		if c, _, ok := rn.resolver().FDInfo(tid, fd); ok {
			tc = c
		}
		if j > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.FormatUint(uint64(fd), 10))
		sb.WriteByte(':')
		sb.WriteByte(tc)
		sb.WriteString(strconv.FormatUint(uint64(uint32(int32(flags))), 16))
		if sb.Len() >= fdListStorage-1 {
			return sb.String()[:fdListStorage-1]
		}
		p = p[10:]
	}
	return sb.String()
}

func (rn *renderer) userGroup(typ ParamType, v uint32) (value, decoded string) {
	if v == math.MaxUint32 {
		return "-1", "<NONE>"
	}
	value = strconv.FormatInt(int64(int32(v)), 10)
	decoded = "<NA>"
	tid := rn.r.Tid()
	if !rn.eventThreadKnown() {
		return value, decoded
	}
	if ur, ok := rn.fds.(UserResolver); ok {
		var name string
		var found bool
		if typ == PTUID {
			name, found = ur.UserName(tid, v)
		} else {
			name, found = ur.GroupName(tid, v)
		}
		if found && name != "" {
			decoded = name
		}
	}
	return value, decoded
}

func flagsPair(typ ParamType, t *FlagTable, v uint32) (value, decoded string) {
	value = strconv.FormatUint(uint64(v), 10)
	if t != nil {
		decoded = DecodeFlags(typ, t, uint64(v))
	}
	return value, decoded
}

// DecodeFlags decodes v with table t the way libsinsp does for parameters
// of type typ: as a bit set for the PT_FLAGS types, as an enumeration for
// the PT_ENUMFLAGS types and as file mode bits for PT_MODE. It returns ""
// for other types.
func DecodeFlags(typ ParamType, t *FlagTable, v uint64) string {
	switch typ {
	case PTFlags8, PTFlags16, PTFlags32:
		return FlagsText(t, v)
	case PTEnumFlags8, PTEnumFlags16, PTEnumFlags32:
		return EnumFlagsText(t, v)
	case PTMode:
		return ModeText(t, v)
	}
	return ""
}

// FlagsText decodes a bit set (PT_FLAGS8/16/32 parameters) as libsinsp
// does: the table's names whose bits are all set, in table order, each
// consuming its bits, joined by "|"; a zero-valued name only for a zero
// value; decoding stops at a name equal to the whole value. Bits no name
// covers are ignored. The result is "" when no name matches.
func FlagsText(t *FlagTable, v uint64) string {
	if t == nil {
		return ""
	}
	initial := uint32(v)
	val := initial
	var sb strings.Builder
	for _, e := range t.Values {
		if (e.Value == 0 && initial == 0) || (e.Value != 0 && val&e.Value == e.Value && val != 0) {
			val &^= e.Value
			if sb.Len() > 0 {
				sb.WriteByte('|')
			}
			sb.WriteString(e.Name)
			if e.Value == initial {
				break
			}
		}
	}
	return sb.String()
}

// EnumFlagsText decodes an enumeration (PT_ENUMFLAGS8/16/32 parameters):
// every name whose value equals v, joined by "|" (so 1 in socket_families
// is "AF_LOCAL|AF_UNIX").
func EnumFlagsText(t *FlagTable, v uint64) string {
	if t == nil {
		return ""
	}
	initial := uint32(v)
	var sb strings.Builder
	for _, e := range t.Values {
		if e.Value == initial {
			if sb.Len() > 0 {
				sb.WriteByte('|')
			}
			sb.WriteString(e.Name)
		}
	}
	return sb.String()
}

// ModeText decodes file mode bits (PT_MODE parameters) as libsinsp does:
// names are matched as in FlagsText until an entry equal to the whole value
// is reached, which is then appended whatever bits earlier names consumed.
func ModeText(t *FlagTable, v uint64) string {
	if t == nil {
		return ""
	}
	initial := uint32(v)
	val := initial
	var sb strings.Builder
	add := func(name string) {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString(name)
	}
	k := 0
	for ; k < len(t.Values) && t.Values[k].Value != initial; k++ {
		e := t.Values[k]
		if (e.Value == 0 && initial == 0) || (e.Value != 0 && val&e.Value == e.Value && val != 0) {
			add(e.Name)
			val &^= e.Value
		}
	}
	if k < len(t.Values) {
		add(t.Values[k].Name)
	}
	return sb.String()
}

// fmtNum32 formats a value of at most 32 bits as C's printf does with the
// formats libsinsp picks for a print format: decimal as a signed int, hex
// (upper case) and octal (with a leading 0) as unsigned.
func fmtNum32(pf PrintFormat, bits uint32) string {
	switch pf {
	case PFOct:
		return cOctal(uint64(bits))
	case PFHex:
		return strings.ToUpper(strconv.FormatUint(uint64(bits), 16))
	case PF10PaddedDec:
		return padDec(int64(int32(bits)))
	}
	return strconv.FormatInt(int64(int32(bits)), 10)
}

// fmtNum64 is fmtNum32 for 64-bit values (libsinsp prints PT_UINT64 as a
// signed int64 too).
func fmtNum64(pf PrintFormat, bits uint64) string {
	switch pf {
	case PFOct:
		return cOctal(bits)
	case PFHex:
		return strings.ToUpper(strconv.FormatUint(bits, 16))
	case PF10PaddedDec:
		return padDec(int64(bits))
	}
	return strconv.FormatInt(int64(bits), 10)
}

// cOctal is C's "%#o".
func cOctal(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0" + strconv.FormatUint(v, 8)
}

// padDec is C's "%09d".
func padDec(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	width := 9
	if neg {
		width--
	}
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	if neg {
		return "-" + s
	}
	return s
}

// cFormatG is C's "%g" (six significant digits, trailing zeros removed,
// exponent of at least two digits).
func cFormatG(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// absTimeText renders a PT_ABSTIME value in local time as libsinsp does:
// "2006-01-02 15:04:05.123456789" (libsinsp's format also asks for the zone
// offset, but its nanosecond overwrite cuts the text before it).
func absTimeText(ns uint64) string {
	sec := int64(ns / 1e9)
	nsec := ns % 1e9
	t := time.Unix(sec, 0).In(time.Local)
	s := t.Format("2006-01-02 15:04:05.")
	n := strconv.FormatUint(nsec, 10)
	return s + strings.Repeat("0", 9-len(n)) + n
}

// pairArrayText renders a PT_CHARBUF_PAIR_ARRAY stored as alternating
// NUL-terminated keys and values: "k1:v1,k2:v2".
func pairArrayText(b []byte) string {
	a := StringArray(b)
	if len(a)%2 != 0 {
		return ""
	}
	var sb strings.Builder
	for k := 0; k < len(a); k += 2 {
		if k > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(a[k])
		sb.WriteByte(':')
		sb.WriteString(a[k+1])
	}
	return sb.String()
}

// sigSetText renders a PT_SIGSET: the names of the signals in the set,
// separated by spaces (bit n is signal n+1; unnamed signals are skipped).
func sigSetText(v uint32) string {
	var sb strings.Builder
	for sig := 0; sig < 32; sig++ {
		if v&(1<<sig) == 0 {
			continue
		}
		if name := SignalName(uint8(sig + 1)); name != "" {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(name)
		}
	}
	return sb.String()
}

// concatenatePaths joins a directory (with its trailing '/') and a path the
// way libsinsp's sinsp_utils::concatenate_paths does: an absolute path2
// replaces path1; "." and ".." components of path2 are resolved; a trailing
// '/' is dropped.
func concatenatePaths(path1, path2 string) string {
	if len(path1)+len(path2)+1 > maxPathSize {
		return "/DIR_TOO_LONG/FILENAME_TOO_LONG"
	}
	var t []byte
	if path2 != "" && path2[0] != '/' {
		t = append(make([]byte, 0, len(path1)+len(path2)), path1...)
	}
	return string(normalizePath(t, path2))
}

// normalizePath appends path to t (whose content is the base the path may
// not climb above), resolving "." and ".." and collapsing repeated '/'.
func normalizePath(t []byte, path string) []byte {
	emptyBase := len(t) == 0
	at := func(k int) byte {
		if k < len(path) {
			return path[k]
		}
		return 0
	}
	put := func(c byte) bool {
		if len(t)+1 >= maxPathSize {
			return false
		}
		t = append(t, c)
		return true
	}
	rewind := func() {
		if len(t) <= 1 {
			return
		}
		n := len(t) - 1
		for n >= 1 && t[n-1] != '/' {
			n--
		}
		t = t[:n]
	}
	pc := 0
	for {
		c := at(pc)
		if c == 0 {
			if len(t) > 1 && t[len(t)-1] == '/' {
				t = t[:len(t)-1]
			}
			return t
		}
		switch {
		case c == '.' && (len(t) == 0 || t[len(t)-1] == '/'):
			switch {
			case at(pc+1) == '.' && at(pc+2) == '/':
				rewind()
				pc += 3
			case at(pc+1) == '.' && at(pc+2) == 0:
				rewind()
				pc += 2
			case at(pc+1) == '/':
				pc += 2
			case at(pc+1) == 0:
				pc++
			default:
				if !put(c) {
					return t
				}
				pc++
			}
		case c == '/':
			if (len(t) > 0 && t[len(t)-1] == '/') || (len(t) == 0 && !emptyBase) {
				pc++
			} else {
				if !put(c) {
					return t
				}
				pc++
			}
		default:
			if !put(c) {
				return t
			}
			pc++
		}
	}
}
