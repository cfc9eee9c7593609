package inspect

// Helpers shared by the evt, fs.path and fdlist extractors.

import (
	"strconv"
	"time"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
)

// evtBinder is the type of the per-field binders of the class files.
type evtBinder = func(ref fields.Ref) (engine.Binding, error)

// evtFixed binds a field that takes no argument to one extractor.
func evtFixed(x engine.Extractor) evtBinder {
	return func(fields.Ref) (engine.Binding, error) { return engine.Binding{Extract: x}, nil }
}

// evtWithText binds a field to an extractor with its own output rendering
// and JSON value.
func evtWithText(x engine.Extractor, text func(*engine.Value) string, js func(*engine.Value) any) evtBinder {
	return func(fields.Ref) (engine.Binding, error) {
		return engine.Binding{Extract: x, Text: text, JSON: js}, nil
	}
}

// evtPadded renders an unsigned value as libsinsp's PF_10_PADDED_DEC
// print format does ("%09" PRIu64).
func evtPadded(v *engine.Value) string {
	s := strconv.FormatUint(v.Uint, 10)
	if len(s) >= 9 {
		return s
	}
	const zeros = "000000000"
	return zeros[:9-len(s)] + s
}

// evtUintJSON is the JSON value of a field whose text is not a number but
// whose JSON value is (the time fields).
func evtUintJSON(v *engine.Value) any { return v.Uint }

// evtBool stores a boolean value.
func evtBool(v *engine.Value, b bool) bool {
	v.Bool = b
	return true
}

// evtUint stores an unsigned value.
func evtUint(v *engine.Value, u uint64) bool {
	v.Uint = u
	return true
}

// evtStr stores a string value.
func evtStr(v *engine.Value, s string) bool {
	v.Str = s
	return true
}

// convertedType is the code libsinsp sees for the event: old exit event
// versions whose enter parameters the scap converter merges into a newer
// exit event are reported under the newer code (openat's exit 103 becomes
// 307), since current libsinsp never sees the old code. Enter events and
// every other code are unchanged.
func (e *Event) convertedType() uint16 {
	code := e.Rec.Type()
	if int(code) < len(evtConverted) {
		if c := evtConverted[code]; c != 0 {
			return c
		}
	}
	return code
}

// evtConverted maps old exit codes to the code the scap converter gives
// them (userspace/libscap/engine/savefile/converter/table.cpp, its
// C_ACTION_CHANGE_TYPE entries, followed to the last version).
var evtConverted = func() []uint16 {
	m := make([]uint16, event.MaxCode)
	for old, cur := range map[uint16]uint16{
		event.LinkX:      event.LinkX2,
		event.LinkatX:    event.LinkatX2,
		event.UnlinkX:    event.UnlinkX2,
		event.UnlinkatX:  event.UnlinkatX2,
		event.DupX:       event.DupX1,
		event.BrkX1:      event.BrkX4,
		event.ExecveX8:   event.ExecveX19,
		event.ExecveX13:  event.ExecveX19,
		event.ExecveX14:  event.ExecveX19,
		event.ExecveX15:  event.ExecveX19,
		event.ExecveX16:  event.ExecveX19,
		event.ExecveX17:  event.ExecveX19,
		event.ExecveX18:  event.ExecveX19,
		event.CloneX11:   event.CloneX20,
		event.CloneX16:   event.CloneX20,
		event.CloneX17:   event.CloneX20,
		event.AcceptX:    event.AcceptX5,
		event.Accept4X:   event.Accept4X6,
		event.Accept4X5:  event.Accept4X6,
		event.MkdirX:     event.MkdirX2,
		event.RmdirX:     event.RmdirX2,
		event.OpenatX:    event.OpenatX2,
		event.NewselectX: event.SelectX,
		event.IoctlX2:    event.IoctlX3,
		event.ForkX:      event.ForkX20,
		event.ForkX17:    event.ForkX20,
		event.VforkX:     event.VforkX20,
		event.VforkX17:   event.VforkX20,
		event.UmountX:    event.UmountX1,
		event.BpfX:       event.BpfX2,
	} {
		m[old] = cur
	}
	return m
}()

// argBytes returns the bytes and description of the event's first
// parameter named name. For an exit event of an old capture that lacks it
// (or has it empty), it is read from the matching enter event, as the scap
// converter merges enter parameters into exits. ok is false when neither
// has it.
func (e *Event) argBytes(name string) ([]byte, *event.Param, bool) {
	r, i := e.argRecord(name)
	if r == nil {
		return nil, nil, false
	}
	return r.Param(i), &r.Info().Params[i], true
}

// argRecord is argBytes for rendering: the record the parameter is read
// from and its index there, or nil.
func (e *Event) argRecord(name string) (*event.Record, int) {
	i := evtParamIndex(e.Rec, name)
	if i >= 0 && len(e.Rec.Param(i)) > 0 {
		return e.Rec, i
	}
	if e.Parsed != nil && e.Parsed.Enter != nil {
		if j := evtParamIndex(e.Parsed.Enter, name); j >= 0 {
			return e.Parsed.Enter, j
		}
	}
	if i >= 0 {
		return e.Rec, i
	}
	return nil, -1
}

// evtParamIndex is the index of the record's first parameter named name,
// or -1 when the record does not carry it.
func evtParamIndex(r *event.Record, name string) int {
	info := r.Info()
	if info == nil {
		return -1
	}
	if i := info.ParamIndex(name); i < r.NParams() {
		return i
	}
	return -1
}

// evtLocalOffset is libsinsp's gmt2local(0): the offset of local time from
// UTC now (not at the event's time), in whole minutes.
func evtLocalOffset() int64 {
	now := time.Now()
	_, off := now.Zone()
	return int64(off) / 60 * 60
}

// evtTsText is libsinsp's sinsp_utils::ts_to_string: the local time of day
// "hh:mm:ss[.nnnnnnnnn]", prefixed with the date "yyyy-mm-dd " when date
// is set.
func evtTsText(ts uint64, date, ns bool) string {
	sec := ts / 1e9
	nsec := ts % 1e9
	local := sec + uint64(evtLocalOffset())
	s := int64(local % 86400)
	b := make([]byte, 0, 32)
	if date {
		t := time.Unix(int64(local)-s, 0).UTC()
		b = evtAppendPadded(b, int64(t.Year()), 4)
		b = append(b, '-')
		b = evtAppendPadded(b, int64(t.Month()), 2)
		b = append(b, '-')
		b = evtAppendPadded(b, int64(t.Day()), 2)
		b = append(b, ' ')
	}
	b = evtAppendPadded(b, s/3600, 2)
	b = append(b, ':')
	b = evtAppendPadded(b, (s%3600)/60, 2)
	b = append(b, ':')
	b = evtAppendPadded(b, s%60, 2)
	if ns {
		b = append(b, '.')
		b = evtAppendPadded(b, int64(nsec), 9)
	}
	return string(b)
}

// evtISO8601 is libsinsp's sinsp_utils::ts_to_iso_8601: UTC, with
// nanoseconds and the (always +0000) offset.
func evtISO8601(ts uint64) string {
	t := time.Unix(int64(ts/1e9), 0).UTC()
	b := make([]byte, 0, 34)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	b = append(b, '.')
	b = evtAppendPadded(b, int64(ts%1e9), 9)
	b = append(b, "+0000"...)
	return string(b)
}

// evtAppendPadded appends v in decimal, zero-padded to width digits.
func evtAppendPadded(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
