package engine

import (
	"net/netip"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// This file holds the test harness shared by the engine tests: a small
// field registry with one field per value type and flag combination, a test
// event that is a map from field expression to value (a field absent from
// the map is one that cannot be extracted), and a binder whose extractors
// read that map and count their calls.

// testSource is the event source of the test registry.
const testSource = "test"

// testClass declares one field per type group the engine distinguishes.
func testClass() *fields.Class {
	f := func(name string, t fields.Type, flags fields.Flags) fields.Field {
		return fields.Field{Name: name, Type: t, Flags: flags}
	}
	return &fields.Class{
		Name:    "t",
		Sources: []string{testSource},
		Fields: []fields.Field{
			f("t.str", fields.TypeCharBuf, 0),
			f("t.str2", fields.TypeCharBuf, 0),
			f("t.path", fields.TypeFSPath, 0),
			f("t.relpath", fields.TypeFSRelPath, 0),
			f("t.i8", fields.TypeInt8, 0),
			f("t.i16", fields.TypeInt16, 0),
			f("t.i32", fields.TypeInt32, 0),
			f("t.i64", fields.TypeInt64, 0),
			f("t.i64b", fields.TypeInt64, 0),
			f("t.errno", fields.TypeErrno, 0),
			f("t.fd", fields.TypeFD, 0),
			f("t.pid", fields.TypePID, 0),
			f("t.u8", fields.TypeUint8, 0),
			f("t.u16", fields.TypeUint16, 0),
			f("t.u32", fields.TypeUint32, 0),
			f("t.u64", fields.TypeUint64, 0),
			f("t.u64b", fields.TypeUint64, 0),
			f("t.port", fields.TypePort, 0),
			f("t.reltime", fields.TypeRelTime, 0),
			f("t.abstime", fields.TypeAbsTime, 0),
			f("t.mode", fields.TypeMode, 0),
			f("t.flags8", fields.TypeFlags8, 0),
			f("t.flags16", fields.TypeFlags16, 0),
			f("t.flags32", fields.TypeFlags32, 0),
			f("t.sigtype", fields.TypeSigType, 0),
			f("t.syscallid", fields.TypeSyscallID, 0),
			f("t.dbl", fields.TypeDouble, 0),
			f("t.bool", fields.TypeBool, 0),
			f("t.bool2", fields.TypeBool, 0),
			f("t.buf", fields.TypeByteBuf, 0),
			f("t.buf2", fields.TypeByteBuf, 0),
			f("t.ip", fields.TypeIPAddr, 0),
			f("t.ip2", fields.TypeIPAddr, 0),
			f("t.ip4", fields.TypeIPv4Addr, 0),
			f("t.ip6", fields.TypeIPv6Addr, 0),
			f("t.net", fields.TypeIPNet, 0),
			f("t.net2", fields.TypeIPNet, 0),
			f("t.list", fields.TypeCharBuf, fields.IsList),
			f("t.list2", fields.TypeCharBuf, fields.IsList),
			f("t.ulist", fields.TypeUint64, fields.IsList),
			f("t.rlist", fields.TypeRelTime, fields.IsList),
			f("t.blist", fields.TypeBool, fields.IsList),
			f("t.iplist", fields.TypeIPAddr, fields.IsList),
			f("t.netlist", fields.TypeIPNet, fields.IsList),
			f("t.ilist", fields.TypeInt64, fields.IsList),
			f("t.bufflist", fields.TypeByteBuf, fields.IsList),
			// any-of fields: the binder yields one value per ancestor.
			f("t.anc", fields.TypeCharBuf, fields.ArgAllowed|fields.ArgIndex|fields.NoRHS|fields.NoTransformer),
			f("t.apid", fields.TypeInt64, fields.ArgAllowed|fields.ArgIndex|fields.NoRHS|fields.NoTransformer),
			f("t.aip", fields.TypeIPAddr, fields.ArgAllowed|fields.ArgIndex|fields.NoRHS|fields.NoTransformer),
			f("t.norhs", fields.TypeCharBuf, fields.NoRHS),
			f("t.notr", fields.TypeCharBuf, fields.NoTransformer),
			f("t.arg", fields.TypeCharBuf, fields.ArgAllowed|fields.ArgKey),
			f("t.argreq", fields.TypeCharBuf, fields.ArgRequired|fields.ArgKey),
			f("t.filteronly", fields.TypeCharBuf, fields.FilterOnly),
			f("t.uid", fields.TypeUID, 0),
			f("t.l4", fields.TypeL4Proto, 0),
		},
	}
}

// testRegistry returns a registry with the test source and the generic
// event class (evt.num, ...).
func testRegistry(t testing.TB) *fields.Source {
	t.Helper()
	r := fields.NewRegistry()
	if err := fields.RegisterGeneric(r); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(testClass()); err != nil {
		t.Fatal(err)
	}
	src, ok := r.Source(testSource)
	if !ok {
		t.Fatal("no test source")
	}
	return src
}

// tev is a test event: values by field expression (as fields.Ref.String
// renders it); a field absent from vals cannot be extracted.
type tev struct {
	code  uint16
	vals  map[string]any
	calls map[string]int
}

func (e *tev) Type() uint16 { return e.code }

func ev(vals map[string]any) *tev {
	return &tev{vals: vals, calls: map[string]int{}}
}

// anyOfFields are the ancestor-style test fields: without an index they
// yield one value per ancestor.
var anyOfFields = map[string]bool{"t.anc": true, "t.apid": true, "t.aip": true}

// mapBinder binds every field to an extractor that reads the test event.
type mapBinder struct{}

func (mapBinder) Bind(ref fields.Ref) (Binding, error) {
	key := ref.String()
	b := Binding{Extract: func(e Event, v *Value) bool {
		te := e.(*tev)
		te.calls[key]++
		x, ok := te.vals[key]
		if !ok {
			return false
		}
		fill(v, x)
		return true
	}}
	if anyOfFields[ref.Field.Name] && !ref.HasArg {
		b.Multi = AnyOf
	}
	return b, nil
}

func fill(v *Value, x any) {
	switch x := x.(type) {
	case string:
		v.Str = x
	case int64:
		v.Int = x
	case int:
		v.Int = int64(x)
	case uint64:
		v.Uint = x
	case float64:
		v.Float = x
	case bool:
		v.Bool = x
	case []byte:
		v.Bytes = append(v.Bytes, x...)
	case netip.Addr:
		v.IP = x
	case []string:
		v.Strs = append(v.Strs, x...)
	case []int64:
		v.Ints = append(v.Ints, x...)
	case []uint64:
		v.Uints = append(v.Uints, x...)
	case []netip.Addr:
		v.IPs = append(v.IPs, x...)
	default:
		panic("test event: unsupported value type")
	}
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// compileT parses and compiles a condition against the test source.
func compileT(t testing.TB, cond string) (Cond, *Compiler) {
	t.Helper()
	c := NewCompiler(testRegistry(t), mapBinder{}, nil)
	e, err := lang.Parse(cond)
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	cc, _, err := c.Compile(e)
	if err != nil {
		t.Fatalf("compile %q: %v", cond, err)
	}
	return cc, c
}

// compileErr compiles cond and returns the error message ("" on success).
func compileErr(t testing.TB, src *fields.Source, et EventTypes, cond string) string {
	t.Helper()
	e, err := lang.Parse(cond)
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	var b Binder = mapBinder{}
	if src.Name != testSource {
		b = Unbound{}
	}
	_, _, err = NewCompiler(src, b, et).Compile(e)
	if err != nil {
		return err.Error()
	}
	return ""
}

// eval compiles cond and evaluates it on one event.
func eval(t testing.TB, cond string, e *tev) bool {
	t.Helper()
	cc, c := compileT(t, cond)
	f := c.NewFrame()
	f.Reset(e)
	return cc(f)
}

// evalCase is one condition with its expected outcome on one event.
type evalCase struct {
	cond string
	want bool
}

func runEval(t *testing.T, e *tev, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		if got := eval(t, tc.cond, e); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.cond, got, tc.want)
		}
	}
}

// syscallSource returns the default registry's syscall source.
func syscallSource(t testing.TB) *fields.Source {
	t.Helper()
	src, ok := fields.NewDefault().Source(fields.SyscallSource)
	if !ok {
		t.Fatal("no syscall source")
	}
	return src
}

// syscallBinder extracts evt.type and evt.num from a tev (evt.type from
// the event code) and everything else from the map.
type syscallBinder struct{}

func (syscallBinder) Bind(ref fields.Ref) (Binding, error) {
	switch ref.String() {
	case "evt.type":
		return Binding{Extract: func(e Event, v *Value) bool {
			v.Str = event.Name(e.Type())
			return true
		}}, nil
	}
	return mapBinder{}.Bind(ref)
}
