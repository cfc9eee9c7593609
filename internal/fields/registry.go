// Package fields owns the field registry: the declaration of every field that
// rule conditions and output formats may name, per event source, with its
// value type and flags (list-valued, argument required or allowed, filter-only,
// no right-hand side, no transformer, deprecated, ...). Extraction of values is
// not done here; extractors live with the sources that produce events and are
// bound to these declarations by name.
//
// Sources register their field classes at start; plugins add more classes the
// same way, so a condition on `ka.user.name` type-checks as well as one on
// `proc.name`.
package fields

import (
	"fmt"
	"sort"
	"strings"
)

// Type is the value type of a field. The names follow Falco's ppm_param_type
// for the types that fields use, because operator compatibility and output
// rendering (numbers stay numbers in JSON) depend on them.
type Type uint8

// Field value types.
const (
	TypeNone Type = iota
	TypeInt8
	TypeInt16
	TypeInt32
	TypeInt64
	TypeUint8
	TypeUint16
	TypeUint32
	TypeUint64
	TypeCharBuf // string
	TypeByteBuf // raw bytes
	TypeErrno
	TypeFD
	TypePID
	TypeFSPath
	TypeSyscallID
	TypeSigType
	TypeRelTime // nanoseconds, relative
	TypeAbsTime // nanoseconds since the epoch
	TypePort
	TypeL4Proto
	TypeSockFamily
	TypeBool
	TypeIPv4Addr
	TypeIPv4Net
	TypeIPv6Addr
	TypeIPv6Net
	TypeIPAddr
	TypeIPNet
	TypeDouble
	TypeDyn // the type depends on the argument (evt.rawarg)
	TypeUID
	TypeGID
	TypeMode
	TypeFlags8
	TypeFlags16
	TypeFlags32
	TypeFSRelPath
	typeCount
)

var typeNames = [...]string{
	TypeNone:       "NONE",
	TypeInt8:       "INT8",
	TypeInt16:      "INT16",
	TypeInt32:      "INT32",
	TypeInt64:      "INT64",
	TypeUint8:      "UINT8",
	TypeUint16:     "UINT16",
	TypeUint32:     "UINT32",
	TypeUint64:     "UINT64",
	TypeCharBuf:    "CHARBUF",
	TypeByteBuf:    "BYTEBUF",
	TypeErrno:      "ERRNO",
	TypeFD:         "FD",
	TypePID:        "PID",
	TypeFSPath:     "FSPATH",
	TypeSyscallID:  "SYSCALLID",
	TypeSigType:    "SIGTYPE",
	TypeRelTime:    "RELTIME",
	TypeAbsTime:    "ABSTIME",
	TypePort:       "PORT",
	TypeL4Proto:    "L4PROTO",
	TypeSockFamily: "SOCKFAMILY",
	TypeBool:       "BOOL",
	TypeIPv4Addr:   "IPV4ADDR",
	TypeIPv4Net:    "IPV4NET",
	TypeIPv6Addr:   "IPV6ADDR",
	TypeIPv6Net:    "IPV6NET",
	TypeIPAddr:     "IPADDR",
	TypeIPNet:      "IPNET",
	TypeDouble:     "DOUBLE",
	TypeDyn:        "DYNAMIC",
	TypeUID:        "UID",
	TypeGID:        "GID",
	TypeMode:       "MODE",
	TypeFlags8:     "FLAGS8",
	TypeFlags16:    "FLAGS16",
	TypeFlags32:    "FLAGS32",
	TypeFSRelPath:  "FSRELPATH",
}

// String returns Falco's name for the type (as `falco --list` prints it).
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// IsNumeric reports whether values of the type compare as numbers.
func (t Type) IsNumeric() bool {
	switch t {
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64,
		TypeUint8, TypeUint16, TypeUint32, TypeUint64,
		TypeErrno, TypeFD, TypePID, TypeSyscallID, TypeSigType,
		TypeRelTime, TypeAbsTime, TypePort, TypeL4Proto, TypeSockFamily,
		TypeDouble, TypeUID, TypeGID, TypeMode, TypeFlags8, TypeFlags16, TypeFlags32:
		return true
	}
	return false
}

// IsString reports whether values of the type are text.
func (t Type) IsString() bool {
	return t == TypeCharBuf || t == TypeFSPath || t == TypeFSRelPath
}

// Flags describe how a field may be used. The first block mirrors libsinsp's
// EPF_* flags so `fields --json` can report them faithfully.
type Flags uint32

// Field flags.
const (
	FilterOnly      Flags = 1 << iota // usable in conditions only, never printed
	PrintOnly                         // usable in outputs only
	ArgRequired                       // the field needs an argument: proc.env[HOME]
	TableOnly                         // hidden from listings (sysdig table helpers)
	Info                              // summary information about the event
	Conversation                      // identifies a conversation
	IsList                            // the field yields several values
	ArgAllowed                        // the field takes an optional argument
	ArgIndex                          // the argument is a number
	ArgKey                            // the argument is a string key
	Deprecated                        // still accepted, with a warning
	NoTransformer                     // cannot be wrapped in a transformer
	NoRHS                             // cannot appear as val(...) or in a field-to-field compare
	_                                 // libsinsp's pointer-stability flag has no meaning here
	FormatSuggested                   // suggested as an extra output field (container.id, ...)

	// ArgDotted marks fields that also take their argument as a dotted
	// suffix, as in evt.arg.name or container.label.app. Kestrel-only.
	ArgDotted Flags = 1 << 24
)

// Has reports whether all of want are set.
func (f Flags) Has(want Flags) bool { return f&want == want }

// TakesArg reports whether an argument is accepted at all.
func (f Flags) TakesArg() bool { return f&(ArgRequired|ArgAllowed) != 0 }

// Field is the declaration of one field.
type Field struct {
	Name    string
	Type    Type
	Flags   Flags
	Display string // short human title, for listings
	Desc    string // one or two sentences, for listings

	class *Class
}

// Class returns the class the field belongs to (nil before registration).
func (f *Field) Class() *Class { return f.class }

// Class groups the fields of one prefix (evt, proc, fd, ka, ...), as Falco's
// filter-check classes do.
type Class struct {
	Name      string // "evt", "process", "fd", ...
	Desc      string
	ShortDesc string
	// Sources lists the event sources whose events carry these fields; nil
	// means every source (evt.num, evt.time, ...).
	Sources []string
	Fields  []Field
}

// Source is the set of fields available to rules of one event source.
type Source struct {
	Name    string
	classes []*Class
	byName  map[string]*Field
	dotted  []*Field // fields with ArgDotted, longest name first
}

// Classes returns the classes registered for the source, in order.
func (s *Source) Classes() []*Class { return s.classes }

// Registry holds the field declarations of every event source.
type Registry struct {
	sources map[string]*Source
	order   []string
	generic []*Class // classes registered for all sources
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{sources: map[string]*Source{}}
}

// AddSource declares an event source. Declaring it twice is harmless.
func (r *Registry) AddSource(name string) *Source {
	if s, ok := r.sources[name]; ok {
		return s
	}
	s := &Source{Name: name, byName: map[string]*Field{}}
	r.sources[name] = s
	r.order = append(r.order, name)
	for _, c := range r.generic {
		// Generic classes were checked when they were registered.
		_ = s.add(c)
	}
	return s
}

// Sources returns the names of the declared sources, in declaration order.
func (r *Registry) Sources() []string { return append([]string(nil), r.order...) }

// Source returns the declared source with that name.
func (r *Registry) Source(name string) (*Source, bool) {
	s, ok := r.sources[name]
	return s, ok
}

// Register adds a class. A class with nil Sources applies to every source,
// present and future. A field name already declared for one of the sources
// is an error, so two plugins cannot silently shadow each other.
func (r *Registry) Register(c *Class) error {
	for i := range c.Fields {
		c.Fields[i].class = c
		if c.Fields[i].Name == "" {
			return fmt.Errorf("class %s: field %d has no name", c.Name, i)
		}
	}
	if c.Sources == nil {
		for _, name := range r.order {
			if err := r.sources[name].check(c); err != nil {
				return err
			}
		}
		r.generic = append(r.generic, c)
		for _, name := range r.order {
			_ = r.sources[name].add(c)
		}
		return nil
	}
	for _, src := range c.Sources {
		s := r.AddSource(src)
		if err := s.check(c); err != nil {
			return err
		}
	}
	for _, src := range c.Sources {
		_ = r.sources[src].add(c)
	}
	return nil
}

func (s *Source) check(c *Class) error {
	seen := map[string]bool{}
	for i := range c.Fields {
		n := c.Fields[i].Name
		if _, dup := s.byName[n]; dup || seen[n] {
			return fmt.Errorf("source %s: field %s declared twice (class %s)", s.Name, n, c.Name)
		}
		seen[n] = true
	}
	return nil
}

func (s *Source) add(c *Class) error {
	if err := s.check(c); err != nil {
		return err
	}
	s.classes = append(s.classes, c)
	for i := range c.Fields {
		f := &c.Fields[i]
		s.byName[f.Name] = f
		if f.Flags&ArgDotted != 0 {
			s.dotted = append(s.dotted, f)
		}
	}
	sort.SliceStable(s.dotted, func(i, j int) bool { return len(s.dotted[i].Name) > len(s.dotted[j].Name) })
	return nil
}

// Ref is a resolved field reference: the declaration plus its argument.
type Ref struct {
	Field  *Field
	Arg    string
	HasArg bool
}

// String renders the reference the way rules write it.
func (r Ref) String() string {
	if !r.HasArg {
		return r.Field.Name
	}
	return r.Field.Name + "[" + r.Arg + "]"
}

// ErrUnknownField is returned (wrapped) for names no class declares.
var ErrUnknownField = fmt.Errorf("unknown field")

// Resolve finds the field a condition names. name is the dotted name as
// lexed (evt.arg.flags), arg the bracket argument if hasArg.
func (s *Source) Resolve(name, arg string, hasArg bool) (Ref, error) {
	if f, ok := s.byName[name]; ok {
		return checkArg(f, arg, hasArg)
	}
	for _, f := range s.dotted {
		if len(name) > len(f.Name)+1 && name[len(f.Name)] == '.' && strings.HasPrefix(name, f.Name) {
			if hasArg {
				return Ref{}, fmt.Errorf("field '%s' cannot have both a dotted and a bracket argument", name)
			}
			return checkArg(f, name[len(f.Name)+1:], true)
		}
	}
	return Ref{}, fmt.Errorf("%w '%s'", ErrUnknownField, name)
}

// Lookup returns the declaration with exactly that name.
func (s *Source) Lookup(name string) (*Field, bool) {
	f, ok := s.byName[name]
	return f, ok
}

func checkArg(f *Field, arg string, hasArg bool) (Ref, error) {
	switch {
	case hasArg && !f.Flags.TakesArg():
		return Ref{}, fmt.Errorf("field '%s' does not take an argument", f.Name)
	case !hasArg && f.Flags&ArgRequired != 0:
		return Ref{}, fmt.Errorf("field '%s' requires an argument", f.Name)
	case hasArg && arg == "":
		return Ref{}, fmt.Errorf("field '%s' has an empty argument", f.Name)
	case hasArg && f.Flags&ArgIndex != 0 && f.Flags&ArgKey == 0 && !isIndex(arg):
		return Ref{}, fmt.Errorf("field '%s' needs a numeric argument, not '%s'", f.Name, arg)
	}
	return Ref{Field: f, Arg: arg, HasArg: hasArg}, nil
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
