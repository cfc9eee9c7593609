// Package engine owns rule evaluation: it compiles condition syntax trees
// into closures specialised by field type, derives each rule's event-type
// set, indexes rules by event code, and evaluates them per event with a
// per-event field cache so each field is extracted at most once. Field values
// come from extractors that event sources bind to field declarations; the
// engine itself knows nothing about syscalls, threads or plugins.
package engine

import (
	"net/netip"

	"github.com/kestrel-project/kestrel/internal/fields"
)

// Event is one event as the engine sees it.
type Event interface {
	// Type is the event code that selects the rules to evaluate.
	Type() uint16
}

// Kind is how an extracted value is represented.
type Kind uint8

// Value kinds.
const (
	KindNone   Kind = iota
	KindString      // Value.Str
	KindInt         // Value.Int (signed integers, errno, fd, pid)
	KindUint        // Value.Uint (unsigned integers, times, ports, flags)
	KindDouble      // Value.Float
	KindBool        // Value.Bool
	KindBytes       // Value.Bytes
	KindIP          // Value.IP
	KindIPNet       // Value.IP; compared against network prefixes
)

var kindNames = [...]string{"none", "string", "int", "uint", "double", "bool", "bytes", "ipaddr", "ipnet"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// KindOf maps a field type to its value representation.
func KindOf(t fields.Type) Kind {
	switch t {
	case fields.TypeInt8, fields.TypeInt16, fields.TypeInt32, fields.TypeInt64,
		fields.TypeErrno, fields.TypeFD, fields.TypePID:
		return KindInt
	case fields.TypeUint8, fields.TypeUint16, fields.TypeUint32, fields.TypeUint64,
		fields.TypeSyscallID, fields.TypeSigType, fields.TypeRelTime, fields.TypeAbsTime,
		fields.TypePort, fields.TypeL4Proto, fields.TypeSockFamily, fields.TypeUID, fields.TypeGID,
		fields.TypeMode, fields.TypeFlags8, fields.TypeFlags16, fields.TypeFlags32:
		return KindUint
	case fields.TypeDouble:
		return KindDouble
	case fields.TypeBool:
		return KindBool
	case fields.TypeCharBuf, fields.TypeFSPath, fields.TypeFSRelPath, fields.TypeDyn:
		return KindString
	case fields.TypeByteBuf:
		return KindBytes
	case fields.TypeIPv4Addr, fields.TypeIPv6Addr, fields.TypeIPAddr:
		return KindIP
	case fields.TypeIPv4Net, fields.TypeIPv6Net, fields.TypeIPNet:
		return KindIPNet
	}
	return KindNone
}

// Value holds what an extractor produced for one event. Scalar fields fill
// the member of their kind; list-valued fields, and fields that yield one
// value per ancestor, fill the slice of their kind instead (a list of
// booleans fills Uints with 0 and 1). Extractors must reuse the slices
// (append to s[:0]) so the event path does not allocate.
//
// Strings are compared as libsinsp compares its C strings: most operators
// see a value up to its first NUL byte, while in, intersects, pmatch and
// regex see it whole without its trailing NULs (see package match).
type Value struct {
	Str   string
	Int   int64
	Uint  uint64
	Float float64
	Bool  bool
	Bytes []byte
	IP    netip.Addr

	Strs  []string
	Ints  []int64
	Uints []uint64
	IPs   []netip.Addr
}

// reset clears the scalars and truncates the slices, keeping capacity.
func (v *Value) reset() {
	v.Str, v.Int, v.Uint, v.Float, v.Bool, v.IP = "", 0, 0, 0, false, netip.Addr{}
	v.Bytes = v.Bytes[:0]
	v.Strs = v.Strs[:0]
	v.Ints = v.Ints[:0]
	v.Uints = v.Uints[:0]
	v.IPs = v.IPs[:0]
}

// Multiplicity says how many values a field yields and how checks treat
// them.
type Multiplicity uint8

// Multiplicities.
const (
	// Single fields yield one value.
	Single Multiplicity = iota
	// List fields (IS_LIST) yield a set: `in` means every value is in the
	// right-hand set, `intersects` means some value is.
	List
	// AnyOf fields yield one value per ancestor; a check holds when it holds
	// for any of them (proc.aname without an index).
	AnyOf
	// EitherSide fields yield the two ends of a connection (fd.ip, fd.net,
	// fd.port): a check holds when it holds for either end, but != needs
	// both ends to differ, as libsinsp compares them.
	EitherSide
)

// Extractor fills v with the field's value for ev and reports whether the
// field could be extracted. A false return makes every comparison on the
// field false, as in Falco.
type Extractor func(ev Event, v *Value) bool

// Binding is how a source extracts one field reference.
type Binding struct {
	Extract Extractor
	// Type overrides the declared type for fields whose type depends on
	// their argument (evt.rawarg.*); zero keeps the declared type.
	Type fields.Type
	// Multi tells how many values the extractor yields.
	Multi Multiplicity
	// Text renders the value in outputs when the default rendering for
	// its type is not the field's (hex, zero-padded or symbolic forms);
	// nil keeps the default.
	Text func(v *Value) string
	// JSON gives the value for JSON output_fields when it is not the
	// default for the type (time fields are numbers there); nil keeps the
	// default.
	JSON func(v *Value) any
}

// Binder binds field references to extractors. Each event source
// implements one.
type Binder interface {
	Bind(ref fields.Ref) (Binding, error)
}

// Unbound is a Binder for validation only: every field is declared but
// never extracted, so rules type-check and compile yet never match.
type Unbound struct{}

// Bind returns an extractor that always reports the field missing.
func (Unbound) Bind(ref fields.Ref) (Binding, error) {
	b := Binding{Extract: func(Event, *Value) bool { return false }}
	if ref.Field.Flags&fields.IsList != 0 {
		b.Multi = List
	} else if IsAncestorField(ref) {
		b.Multi = AnyOf
	}
	return b, nil
}

// IsAncestorField reports whether ref names an ancestor field (proc.aname
// and friends) without an index: such a field matches if any ancestor
// matches, so binders extract it with AnyOf multiplicity.
func IsAncestorField(ref fields.Ref) bool {
	if ref.HasArg {
		return false
	}
	switch ref.Field.Name {
	case "proc.aname", "proc.aexe", "proc.aexepath", "proc.acmdline", "proc.apid", "proc.aargs", "proc.aenv":
		return true
	}
	return false
}
