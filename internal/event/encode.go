package event

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// paramWidth is the encoded size of a fixed-width parameter type, or 0 for
// the variable-length types (strings, byte buffers, socket addresses...).
func paramWidth(pt ParamType) int {
	switch pt {
	case PTInt8, PTUint8, PTFlags8, PTEnumFlags8, PTSigType, PTL4Proto, PTSockFamily:
		return 1
	case PTInt16, PTUint16, PTFlags16, PTEnumFlags16, PTPort, PTSyscallID:
		return 2
	case PTInt32, PTUint32, PTFlags32, PTEnumFlags32, PTMode, PTUID, PTGID, PTBool, PTSigSet, PTIPv4Addr,
		PTFD32, PTPID32:
		return 4
	case PTInt64, PTUint64, PTErrno, PTFD, PTPID, PTRelTime, PTAbsTime, PTDouble:
		return 8
	}
	return 0
}

// EncodeParam encodes a Go value as a parameter of type pt: any integer
// for the fixed-width types (truncated to the type's width, little
// endian), a string as a NUL-terminated string, a []string as NUL-separated
// strings (argv, environment, cgroups), nil as an empty parameter and a
// []byte as is (socket addresses and tuples, buffers).
func EncodeParam(pt ParamType, v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return b, nil
	}
	if width := paramWidth(pt); width > 0 {
		var x uint64
		switch n := v.(type) {
		case int:
			x = uint64(n)
		case int8:
			x = uint64(n)
		case int16:
			x = uint64(n)
		case int32:
			x = uint64(n)
		case int64:
			x = uint64(n)
		case uint:
			x = uint64(n)
		case uint8:
			x = uint64(n)
		case uint16:
			x = uint64(n)
		case uint32:
			x = uint64(n)
		case uint64:
			x = n
		case bool:
			if n {
				x = 1
			}
		default:
			return nil, fmt.Errorf("event: %T is not an integer for a parameter of type %d", v, pt)
		}
		return binary.LittleEndian.AppendUint64(nil, x)[:width], nil
	}
	switch s := v.(type) {
	case string:
		return append([]byte(s), 0), nil
	case []string:
		if len(s) == 0 {
			return nil, nil
		}
		return []byte(strings.Join(s, "\x00") + "\x00"), nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("event: cannot encode %T as a parameter of type %d", v, pt)
}

// BuildValues is Build with Go values encoded by EncodeParam after the
// event table's parameter types, in table order; fewer values than the
// table lists make a record of an older, shorter layout, as readers accept.
func (b *Builder) BuildValues(ts uint64, tid int64, typ uint16, vals ...any) ([]byte, error) {
	if typ >= MaxCode {
		return nil, fmt.Errorf("event: unknown event type %d", typ)
	}
	info := Lookup(typ)
	if len(vals) > len(info.Params) {
		return nil, fmt.Errorf("event: %d values for the %d parameters of %s", len(vals), len(info.Params), info.Name)
	}
	params := make([][]byte, len(vals))
	for i, v := range vals {
		p, err := EncodeParam(info.Params[i].Type, v)
		if err != nil {
			return nil, fmt.Errorf("%s parameter %s: %w", info.Name, info.Params[i].Name, err)
		}
		params[i] = p
	}
	return b.Build(ts, tid, typ, params...), nil
}
