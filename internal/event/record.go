package event

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
)

// The record layout shared by the live probe and capture files: a packed
// little-endian header, then one length per parameter (u16, or u32 for
// events flagged EF_LARGE_PAYLOAD), then the parameters back to back.
const (
	// HeaderSize is the size of the current header: ts u64, tid u64,
	// len u32, type u16, nparams u32.
	HeaderSize = 26
	// HeaderSizeV1 is the header of version 1 capture blocks, which lack
	// nparams; the capture reader upgrades them to the current header.
	HeaderSizeV1 = 22
	// MaxParams bounds the parameters of any event in the table.
	MaxParams = 32
)

// Errors reported when a record does not fit its own description.
var (
	ErrShortRecord = errors.New("event record shorter than its header")
	ErrBadLength   = errors.New("event record length disagrees with its contents")
	ErrUnknownType = errors.New("event type outside the event table")
)

// Record is a view over one event record: nothing is copied and nothing is
// decoded until asked for. The parameter offsets are computed once, on
// first access, so a Record is used through a pointer.
type Record struct {
	raw     []byte
	hdr     int
	nparams int
	large   bool
	offs    [MaxParams + 1]uint32 // start of each parameter, relative to raw
	parsed  bool
}

// Parse points r at the record at the start of b (header included) and
// checks that the lengths add up. b may extend past the record.
func (r *Record) Parse(b []byte) error {
	if len(b) < HeaderSize {
		return ErrShortRecord
	}
	n := binary.LittleEndian.Uint32(b[16:20])
	np := binary.LittleEndian.Uint32(b[22:26])
	return r.set(b, HeaderSize, n, int(np))
}

func (r *Record) set(b []byte, hdr int, n uint32, nparams int) error {
	if int(n) < hdr || int(n) > len(b) {
		return fmt.Errorf("%w: header says %d bytes, %d available", ErrBadLength, n, len(b))
	}
	if nparams > MaxParams {
		return fmt.Errorf("%w: %d parameters", ErrBadLength, nparams)
	}
	r.raw = b[:n]
	r.hdr = hdr
	r.nparams = nparams
	typ := binary.LittleEndian.Uint16(b[20:22])
	r.large = typ < MaxCode && events[typ].Flags&FlagLargePayload != 0
	r.parsed = false
	lenSize := 2
	if r.large {
		lenSize = 4
	}
	if hdr+nparams*lenSize > int(n) {
		return fmt.Errorf("%w: %d parameter lengths do not fit in %d bytes", ErrBadLength, nparams, n)
	}
	// Validate the parameter lengths now, so accessors never index out of
	// range on a corrupt record.
	if err := r.computeOffsets(); err != nil {
		return err
	}
	return nil
}

func (r *Record) computeOffsets() error {
	lenSize := 2
	if r.large {
		lenSize = 4
	}
	// Sum in 64 bits: a hostile 32-bit length must not wrap around.
	off := uint64(r.hdr + r.nparams*lenSize)
	for i := 0; i < r.nparams; i++ {
		r.offs[i] = uint32(off)
		p := r.raw[r.hdr+i*lenSize:]
		var l uint64
		if r.large {
			l = uint64(binary.LittleEndian.Uint32(p))
		} else {
			l = uint64(binary.LittleEndian.Uint16(p))
		}
		off += l
		if off > uint64(len(r.raw)) {
			return fmt.Errorf("%w: parameter %d ends at %d, past the record's %d bytes", ErrBadLength, i, off, len(r.raw))
		}
	}
	r.offs[r.nparams] = uint32(off)
	r.parsed = true
	return nil
}

// Raw returns the record's bytes, header included.
func (r *Record) Raw() []byte { return r.raw }

// Ts is the event timestamp in nanoseconds since the epoch.
func (r *Record) Ts() uint64 { return binary.LittleEndian.Uint64(r.raw[0:8]) }

// Tid is the thread that produced the event.
func (r *Record) Tid() int64 { return int64(binary.LittleEndian.Uint64(r.raw[8:16])) }

// Len is the record's length in bytes, header included.
func (r *Record) Len() int { return len(r.raw) }

// Type is the event code.
func (r *Record) Type() uint16 { return binary.LittleEndian.Uint16(r.raw[20:22]) }

// Info is the event's table entry (nil for a code outside the table).
func (r *Record) Info() *Info { return Lookup(r.Type()) }

// NParams is the number of parameters the record carries.
func (r *Record) NParams() int { return r.nparams }

// Param returns the raw bytes of parameter i, or nil if the record has
// fewer parameters.
func (r *Record) Param(i int) []byte {
	if i < 0 || i >= r.nparams {
		return nil
	}
	return r.raw[r.offs[i]:r.offs[i+1]]
}

// ParamByName returns the raw bytes and the description of the named
// parameter, as the event table declares it for this record's type.
func (r *Record) ParamByName(name string) ([]byte, *Param, bool) {
	info := r.Info()
	if info == nil {
		return nil, nil, false
	}
	i := info.ParamIndex(name)
	if i < 0 || i >= r.nparams {
		return nil, nil, false
	}
	return r.Param(i), &info.Params[i], true
}

// Decoders of parameter bytes by type. They are lenient with short input
// (returning zero values), so a corrupt parameter cannot crash a reader;
// the record's own lengths were validated by Parse.

// U8 decodes a 1-byte parameter.
func U8(b []byte) uint8 {
	if len(b) < 1 {
		return 0
	}
	return b[0]
}

// U16 decodes a 2-byte parameter.
func U16(b []byte) uint16 {
	if len(b) < 2 {
		return uint16(U8(b))
	}
	return binary.LittleEndian.Uint16(b)
}

// U32 decodes a 4-byte parameter.
func U32(b []byte) uint32 {
	if len(b) < 4 {
		return uint32(U16(b))
	}
	return binary.LittleEndian.Uint32(b)
}

// U64 decodes an 8-byte parameter.
func U64(b []byte) uint64 {
	if len(b) < 8 {
		return uint64(U32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

// Int decodes a signed integer parameter of the width its type says.
func Int(t ParamType, b []byte) int64 {
	switch t {
	case PTInt8:
		return int64(int8(U8(b)))
	case PTInt16:
		return int64(int16(U16(b)))
	case PTInt32, PTFD32, PTPID32:
		return int64(int32(U32(b)))
	}
	return int64(U64(b))
}

// Uint decodes an unsigned integer parameter of the width its type says.
func Uint(t ParamType, b []byte) uint64 {
	switch t {
	case PTUint8, PTFlags8, PTEnumFlags8, PTSigType, PTL4Proto, PTSockFamily:
		return uint64(U8(b))
	case PTUint16, PTFlags16, PTEnumFlags16, PTPort, PTSyscallID:
		return uint64(U16(b))
	case PTUint32, PTFlags32, PTEnumFlags32, PTMode, PTUID, PTGID, PTBool, PTSigSet, PTIPv4Addr:
		return uint64(U32(b))
	}
	return U64(b)
}

// Double decodes a float64 parameter.
func Double(b []byte) float64 { return math.Float64frombits(U64(b)) }

// CString decodes a NUL-terminated string parameter (up to its first NUL).
func CString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// StringArray decodes a CHARBUFARRAY-style parameter (NUL-separated
// strings, as argv and the environment are stored).
func StringArray(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\x00")
	return strings.Split(s, "\x00")
}

// Socket families as the drivers encode them in sockaddr and socktuple
// parameters.
const (
	FamilyUnix  = 1
	FamilyInet  = 2
	FamilyInet6 = 10
)

// SockAddr is a decoded socket address.
type SockAddr struct {
	Family uint8
	Addr   netip.Addr // inet families
	Port   uint16
	Path   string // unix family
}

// DecodeSockAddr decodes a PT_SOCKADDR parameter: a family byte, then for
// inet an IPv4 address and port, for inet6 an IPv6 address and port, for
// unix a path.
func DecodeSockAddr(b []byte) (SockAddr, bool) {
	if len(b) < 1 {
		return SockAddr{}, false
	}
	sa := SockAddr{Family: b[0]}
	switch b[0] {
	case FamilyInet:
		if len(b) < 7 {
			return sa, false
		}
		sa.Addr = netip.AddrFrom4([4]byte(b[1:5]))
		sa.Port = binary.LittleEndian.Uint16(b[5:7])
	case FamilyInet6:
		if len(b) < 19 {
			return sa, false
		}
		sa.Addr = netip.AddrFrom16([16]byte(b[1:17]))
		sa.Port = binary.LittleEndian.Uint16(b[17:19])
	case FamilyUnix:
		sa.Path = CString(b[1:])
	}
	return sa, true
}

// SockTuple is a decoded socket tuple: source and destination endpoints
// for inet families, or the unix socket's addresses and path.
type SockTuple struct {
	Family           uint8
	SrcAddr, DstAddr netip.Addr
	SrcPort, DstPort uint16
	// Unix sockets: the two kernel socket addresses and the path.
	SrcPtr, DstPtr uint64
	Path           string
}

// DecodeSockTuple decodes a PT_SOCKTUPLE parameter.
func DecodeSockTuple(b []byte) (SockTuple, bool) {
	if len(b) < 1 {
		return SockTuple{}, false
	}
	st := SockTuple{Family: b[0]}
	switch b[0] {
	case FamilyInet:
		if len(b) < 13 {
			return st, false
		}
		st.SrcAddr = netip.AddrFrom4([4]byte(b[1:5]))
		st.SrcPort = binary.LittleEndian.Uint16(b[5:7])
		st.DstAddr = netip.AddrFrom4([4]byte(b[7:11]))
		st.DstPort = binary.LittleEndian.Uint16(b[11:13])
	case FamilyInet6:
		if len(b) < 37 {
			return st, false
		}
		st.SrcAddr = netip.AddrFrom16([16]byte(b[1:17]))
		st.SrcPort = binary.LittleEndian.Uint16(b[17:19])
		st.DstAddr = netip.AddrFrom16([16]byte(b[19:35]))
		st.DstPort = binary.LittleEndian.Uint16(b[35:37])
	case FamilyUnix:
		if len(b) < 17 {
			return st, false
		}
		st.SrcPtr = binary.LittleEndian.Uint64(b[1:9])
		st.DstPtr = binary.LittleEndian.Uint64(b[9:17])
		st.Path = CString(b[17:])
	}
	return st, true
}

// FDListEntry is one entry of a PT_FDLIST parameter (poll sets).
type FDListEntry struct {
	FD    int64
	Flags uint16
}

// DecodeFDList decodes a PT_FDLIST parameter: a u16 count, then (u64 fd,
// u16 flags) pairs.
func DecodeFDList(b []byte) []FDListEntry {
	if len(b) < 2 {
		return nil
	}
	n := int(binary.LittleEndian.Uint16(b))
	out := make([]FDListEntry, 0, n)
	p := b[2:]
	for i := 0; i < n && len(p) >= 10; i++ {
		out = append(out, FDListEntry{FD: int64(binary.LittleEndian.Uint64(p)), Flags: binary.LittleEndian.Uint16(p[8:])})
		p = p[10:]
	}
	return out
}

// Builder assembles records in the current layout (used by the capture
// writer, tests and synthetic sources).
type Builder struct {
	buf []byte
}

// Build returns a record of type typ with the given parameters. The
// result aliases the builder's buffer until the next call.
func (b *Builder) Build(ts uint64, tid int64, typ uint16, params ...[]byte) []byte {
	large := typ < MaxCode && events[typ].Flags&FlagLargePayload != 0
	lenSize := 2
	if large {
		lenSize = 4
	}
	size := HeaderSize + len(params)*lenSize
	for _, p := range params {
		size += len(p)
	}
	b.buf = append(b.buf[:0], make([]byte, size)...)
	out := b.buf
	binary.LittleEndian.PutUint64(out[0:], ts)
	binary.LittleEndian.PutUint64(out[8:], uint64(tid))
	binary.LittleEndian.PutUint32(out[16:], uint32(size))
	binary.LittleEndian.PutUint16(out[20:], typ)
	binary.LittleEndian.PutUint32(out[22:], uint32(len(params)))
	off := HeaderSize + len(params)*lenSize
	for i, p := range params {
		if large {
			binary.LittleEndian.PutUint32(out[HeaderSize+i*4:], uint32(len(p)))
		} else {
			binary.LittleEndian.PutUint16(out[HeaderSize+i*2:], uint16(len(p)))
		}
		copy(out[off:], p)
		off += len(p)
	}
	return out
}
