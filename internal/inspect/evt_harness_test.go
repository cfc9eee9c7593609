package inspect

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
	"github.com/kestrel-project/kestrel/internal/state"
)

// evtHarness feeds records built with event.Builder through an inspector
// seeded with one process (tid 100, cwd /home/u/) and a few fds, and
// extracts fields from the resulting events.
type evtHarness struct {
	t    *testing.T
	in   *Inspector
	comp *engine.Compiler
	b    event.Builder
	rec  event.Record
	ts   uint64
}

const evtTid = 100

func newEvtHarness(t *testing.T) *evtHarness {
	t.Helper()
	in := New(state.Options{}, "kestrel-host")
	in.Seed([]state.ThreadInfo{{
		Tid: evtTid, Pid: evtTid, PTid: 1, Comm: "bash", Exe: "/bin/bash", Cwd: "/home/u/",
		UID: 0, GID: 0, LoginUID: 0xffffffff,
		FDs: []state.FDInfo{
			{FD: 3, Type: state.FDDirectory, Name: "/etc"},
			{FD: 4, Type: state.FDFile, Name: "/var/log/app.log"},
			{FD: 6, Type: state.FDDirectory, Name: "/tmp/"},
			{FD: 7, Type: state.FDFile, Name: "/dev/log"},
			{FD: 8, Type: state.FDIPv6ServSock, Name: "::1:80",
				SrcAddr: netip.MustParseAddr("2001:db8::1"), SrcPort: 80, L4Proto: state.L4TCP},
		},
	}}, nil, nil)
	reg := fields.NewDefault()
	src, _ := reg.Source(fields.SyscallSource)
	return &evtHarness{
		t: t, in: in, ts: 1690557262753887343,
		comp: engine.NewCompiler(src, Binder{}, event.NewResolver()),
	}
}

// next processes a record of type typ built from params, 1µs after the
// previous one.
func (h *evtHarness) next(typ uint16, params ...[]byte) *Event {
	h.t.Helper()
	h.ts += 1000
	return h.nextAt(h.ts, evtTid, typ, params...)
}

func (h *evtHarness) nextAt(ts uint64, tid int64, typ uint16, params ...[]byte) *Event {
	h.t.Helper()
	raw := append([]byte(nil), h.b.Build(ts, tid, typ, params...)...)
	var rec event.Record
	if err := rec.Parse(raw); err != nil {
		h.t.Fatal(err)
	}
	h.rec = rec
	return h.in.Next(&h.rec, 2, 0)
}

// field renders a field of e as an output would ("<NA>" when missing).
func (h *evtHarness) field(e *Event, name string) string {
	h.t.Helper()
	f, err := h.comp.CompileFormat("%" + name)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	fr := h.comp.NewFrame()
	fr.Reset(e)
	return f.Tokens[0].Render(fr)
}

// json is the field's value in JSON output_fields.
func (h *evtHarness) json(e *Event, name string) any {
	h.t.Helper()
	f, err := h.comp.CompileFormat("%" + name)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	fr := h.comp.NewFrame()
	fr.Reset(e)
	return f.Fields[0].JSON(fr)
}

// cond evaluates a condition on e.
func (h *evtHarness) cond(e *Event, text string) bool {
	h.t.Helper()
	c, err := h.compile(text)
	if err != nil {
		h.t.Fatalf("%s: %v", text, err)
	}
	fr := h.comp.NewFrame()
	fr.Reset(e)
	return c(fr)
}

func (h *evtHarness) compile(text string) (engine.Cond, error) {
	ast, err := lang.Parse(text)
	if err != nil {
		return nil, err
	}
	c, _, err := h.comp.Compile(ast)
	return c, err
}

// expect checks rendered fields of e.
func (h *evtHarness) expect(e *Event, want map[string]string) {
	h.t.Helper()
	for name, w := range want {
		if got := h.field(e, name); got != w {
			h.t.Errorf("%s (event %s): got %q, want %q", name, event.Name(e.Type()), got, w)
		}
	}
}

// Parameter encoders.
func pI64(v int64) []byte  { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func pU64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func pU32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func pU16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func pStr(s string) []byte { return append([]byte(s), 0) }

func pFDList(fds ...int64) []byte {
	b := pU16(uint16(len(fds)))
	for _, fd := range fds {
		b = binary.LittleEndian.AppendUint64(b, uint64(fd))
		b = binary.LittleEndian.AppendUint16(b, 1)
	}
	return b
}
