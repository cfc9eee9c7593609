package event

import "strings"

// ParamType is the wire type of an event parameter. The values are those of
// upstream's ppm_param_type enum and appear as such in capture files.
type ParamType uint8

// Parameter types, in upstream numbering.
const (
	PTNone             ParamType = iota // no type
	PTInt8                              // signed 8-bit integer
	PTInt16                             // signed 16-bit integer
	PTInt32                             // signed 32-bit integer
	PTInt64                             // signed 64-bit integer
	PTUint8                             // unsigned 8-bit integer
	PTUint16                            // unsigned 16-bit integer
	PTUint32                            // unsigned 32-bit integer
	PTUint64                            // unsigned 64-bit integer
	PTCharBuf                           // NUL-terminated printable string
	PTByteBuf                           // raw bytes
	PTErrno                             // int64 holding a return value or -errno
	PTSockAddr                          // socket address: family byte plus address data
	PTSockTuple                         // socket tuple: family byte plus both endpoints
	PTFD                                // 64-bit file descriptor
	PTPID                               // 64-bit pid or tid
	PTFDList                            // count plus (fd, flags) pairs
	PTFSPath                            // file system path, NUL-terminated
	PTSyscallID                         // 16-bit syscall code (see Syscall)
	PTSigType                           // 8-bit signal number
	PTRelTime                           // relative time in nanoseconds, 64-bit
	PTAbsTime                           // absolute time in nanoseconds since the epoch, 64-bit
	PTPort                              // 16-bit TCP/UDP port
	PTL4Proto                           // 8-bit IP protocol number
	PTSockFamily                        // 8-bit socket family
	PTBool                              // boolean stored in 4 bytes
	PTIPv4Addr                          // 4-byte IPv4 address
	PTDyn                               // type chosen per record from a DynTable
	PTFlags8                            // 8-bit flag set
	PTFlags16                           // 16-bit flag set
	PTFlags32                           // 32-bit flag set
	PTUID                               // 32-bit user id; all ones means "none"
	PTGID                               // 32-bit group id; all ones means "none"
	PTDouble                            // float64
	PTSigSet                            // low 32 bits of a sigset_t
	PTCharBufArray                      // array of strings
	PTCharBufPairArray                  // array of string pairs
	PTIPv4Net                           // IPv4 network
	PTIPv6Addr                          // 16-byte IPv6 address
	PTIPv6Net                           // IPv6 network
	PTIPAddr                            // IPv4 or IPv6 address, told apart by length
	PTIPNet                             // IPv4 or IPv6 network, told apart by length
	PTMode                              // 32-bit file mode bits
	PTFSRelPath                         // path relative to the directory fd in another parameter
	PTEnumFlags8                        // 8-bit value from a closed set of names
	PTEnumFlags16                       // 16-bit value from a closed set of names
	PTEnumFlags32                       // 32-bit value from a closed set of names
	PTFD32                              // 32-bit file descriptor
	PTPID32                             // 32-bit pid

	// NumParamTypes is the number of parameter types (upstream PT_MAX).
	NumParamTypes = iota
)

// paramTypeNames follows libsinsp's param_type_to_string where libsinsp has a
// name (hence "DYNAMIC" for PTDyn) and the upstream enum suffix otherwise.
var paramTypeNames = [NumParamTypes]string{
	"NONE", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
	"CHARBUF", "BYTEBUF", "ERRNO", "SOCKADDR", "SOCKTUPLE", "FD", "PID", "FDLIST", "FSPATH",
	"SYSCALLID", "SIGTYPE", "RELTIME", "ABSTIME", "PORT", "L4PROTO", "SOCKFAMILY", "BOOL",
	"IPV4ADDR", "DYNAMIC", "FLAGS8", "FLAGS16", "FLAGS32", "UID", "GID", "DOUBLE", "SIGSET",
	"CHARBUFARRAY", "CHARBUF_PAIR_ARRAY", "IPV4NET", "IPV6ADDR", "IPV6NET", "IPADDR", "IPNET",
	"MODE", "FSRELPATH", "ENUMFLAGS8", "ENUMFLAGS16", "ENUMFLAGS32", "FD32", "PID32",
}

// String returns the type name as libsinsp prints it (e.g. "CHARBUF").
func (t ParamType) String() string {
	if int(t) < len(paramTypeNames) {
		return paramTypeNames[t]
	}
	return "<NA>"
}

// IsFlags reports whether values of this type are rendered through a
// FlagTable (bit sets, enums and file modes).
func (t ParamType) IsFlags() bool {
	switch t {
	case PTFlags8, PTFlags16, PTFlags32, PTEnumFlags8, PTEnumFlags16, PTEnumFlags32, PTMode:
		return true
	}
	return false
}

// PrintFormat says how a numeric parameter is rendered (upstream
// ppm_print_format).
type PrintFormat uint8

// Print formats, in upstream numbering.
const (
	PFNA          PrintFormat = iota // not applicable
	PFDec                            // decimal
	PFHex                            // hexadecimal
	PF10PaddedDec                    // decimal, zero-padded to 10 digits
	PFID                             // identifier
	PFDir                            // direction
	PFOct                            // octal
)

var printFormatNames = [...]string{"NA", "DEC", "HEX", "10_PADDED_DEC", "ID", "DIR", "OCT"}

// String returns the format name as libsinsp prints it (e.g. "HEX").
func (f PrintFormat) String() string {
	if int(f) < len(printFormatNames) {
		return printFormatNames[f]
	}
	return "<NA>"
}

// Category is an event category (upstream ppm_event_category). It has two
// parts: the low bits (below CategorySyscall) hold exactly one base category
// such as CategoryFile, and the high bits hold exactly one origin such as
// CategorySyscall or CategoryMetaEvent. Placeholder events carry
// CategoryUnknown alone.
type Category uint32

// Base categories.
const (
	CategoryUnknown    Category = 0
	CategoryOther      Category = 1
	CategoryFile       Category = 2
	CategoryNet        Category = 3
	CategoryIPC        Category = 4
	CategoryMemory     Category = 5
	CategoryProcess    Category = 6
	CategorySleep      Category = 7
	CategorySystem     Category = 8
	CategorySignal     Category = 9
	CategoryUser       Category = 10
	CategoryTime       Category = 11
	CategoryProcessing Category = 12
	CategoryIORead     Category = 32 // I/O read on any kind of fd
	CategoryIOWrite    Category = 33 // I/O write on any kind of fd
	CategoryIOOther    Category = 34 // other I/O on any kind of fd
	CategoryWait       Category = 1 << 6
	CategoryScheduler  Category = 1 << 7
	CategoryInternal   Category = 1 << 8
)

// Origins (high bits).
const (
	CategorySyscall    Category = 1 << 9
	CategoryTracepoint Category = 1 << 10
	CategoryPlugin     Category = 1 << 11
	CategoryMetaEvent  Category = 1 << 12
	CategoryIter       Category = 1 << 13

	baseCategoryMask = CategorySyscall - 1
)

// Base returns the base category, without the origin bits.
func (c Category) Base() Category { return c & baseCategoryMask }

// Origin returns the origin bits (CategorySyscall, CategoryTracepoint, ...).
func (c Category) Origin() Category { return c &^ baseCategoryMask }

// Name returns the name of the base category as libsinsp's evt.category
// field spells it ("file", "net", "IPC", "process", ...; note the upper-case
// "IPC"). The three I/O categories are named "io_read", "io_write" and
// "io_other" here; evt.category itself reports them as "file", "net", "ipc"
// or "unknown" depending on the kind of fd the event acted on.
func (c Category) Name() string {
	switch c.Base() {
	case CategoryUnknown:
		return "unknown"
	case CategoryOther:
		return "other"
	case CategoryFile:
		return "file"
	case CategoryNet:
		return "net"
	case CategoryIPC:
		return "IPC"
	case CategoryMemory:
		return "memory"
	case CategoryProcess:
		return "process"
	case CategorySleep:
		return "sleep"
	case CategorySystem:
		return "system"
	case CategorySignal:
		return "signal"
	case CategoryUser:
		return "user"
	case CategoryTime:
		return "time"
	case CategoryProcessing:
		return "processing"
	case CategoryIORead:
		return "io_read"
	case CategoryIOWrite:
		return "io_write"
	case CategoryIOOther:
		return "io_other"
	case CategoryWait:
		return "wait"
	case CategoryScheduler:
		return "scheduler"
	case CategoryInternal:
		return "internal"
	}
	return "unknown"
}

// OriginName returns the name libsinsp uses for the origin bits: "syscall",
// "tracepoint", "plugin", "meta" or "iter" ("" when there are none).
func (c Category) OriginName() string {
	switch c.Origin() {
	case CategorySyscall:
		return "syscall"
	case CategoryTracepoint:
		return "tracepoint"
	case CategoryPlugin:
		return "plugin"
	case CategoryMetaEvent:
		return "meta"
	case CategoryIter:
		return "iter"
	}
	return ""
}

// String renders the category as "base|origin", e.g. "file|syscall".
func (c Category) String() string {
	if o := c.OriginName(); o != "" {
		return c.Name() + "|" + o
	}
	return c.Name()
}

// Flags are per-event properties (upstream ppm_event_flags).
type Flags uint32

// Event flags, in upstream bit positions.
const (
	FlagNone           Flags = 0
	FlagCreatesFD      Flags = 1 << 0 // the event returns a new fd
	FlagDestroysFD     Flags = 1 << 1 // the event closes an fd
	FlagUsesFD         Flags = 1 << 2 // the event acts on an fd given as a parameter
	FlagReadsFromFD    Flags = 1 << 3 // the event reads data from an fd
	FlagWritesToFD     Flags = 1 << 4 // the event writes data to an fd
	FlagModifiesState  Flags = 1 << 5 // the libraries' state tracking needs this event
	FlagUnused         Flags = 1 << 6 // placeholder code, never emitted
	FlagWaits          Flags = 1 << 7 // the event may block waiting
	FlagSkipParseReset Flags = 1 << 8 // must not reset the parser's last-event tracking
	FlagOldVersion     Flags = 1 << 9 // kept for reading old captures; drivers no longer emit it
	// FlagDropSimpleCons is retired upstream (EF_DROP_SIMPLE_CONS); no
	// event in the current table carries it. Kept so the bit is not reused.
	FlagDropSimpleCons   Flags = 1 << 10
	FlagLargePayload     Flags = 1 << 11 // payload may exceed 64 KiB (never set on syscall events)
	FlagConverterManaged Flags = 1 << 12 // old versions are upgraded by libscap's converter
)

var flagNames = [...]struct {
	f    Flags
	name string
}{
	{FlagCreatesFD, "EF_CREATES_FD"},
	{FlagDestroysFD, "EF_DESTROYS_FD"},
	{FlagUsesFD, "EF_USES_FD"},
	{FlagReadsFromFD, "EF_READS_FROM_FD"},
	{FlagWritesToFD, "EF_WRITES_TO_FD"},
	{FlagModifiesState, "EF_MODIFIES_STATE"},
	{FlagUnused, "EF_UNUSED"},
	{FlagWaits, "EF_WAITS"},
	{FlagSkipParseReset, "EF_SKIPPARSERESET"},
	{FlagOldVersion, "EF_OLD_VERSION"},
	{FlagDropSimpleCons, "EF_DROP_SIMPLE_CONS"},
	{FlagLargePayload, "EF_LARGE_PAYLOAD"},
	{FlagConverterManaged, "EF_CONVERTER_MANAGED"},
}

// Has reports whether all bits of x are set in f.
func (f Flags) Has(x Flags) bool { return f&x == x }

// String lists the set flags with their upstream names, joined by "|".
func (f Flags) String() string {
	if f == 0 {
		return "EF_NONE"
	}
	var parts []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "|")
}

// Direction tells enter events from exit events.
type Direction uint8

// Directions.
const (
	Enter Direction = 0
	Exit  Direction = 1
)

// String returns ">" for Enter and "<" for Exit, as evt.dir renders them.
func (d Direction) String() string {
	if d == Exit {
		return "<"
	}
	return ">"
}

// FlagValue is one symbolic name of a FlagTable.
type FlagValue struct {
	Name  string
	Value uint32
}

// FlagTable is a named list of symbolic values used to render flag, enum and
// mode parameters. Name is the upstream table name (e.g. "file_flags").
// Values keep upstream order; some tables list the same value under two
// names (AF_UNIX and AF_LOCAL) or include a zero "none" entry.
type FlagTable struct {
	Name   string
	Values []FlagValue
}

// Value returns the value of the symbolic name.
func (t *FlagTable) Value(name string) (uint32, bool) {
	for _, v := range t.Values {
		if v.Name == name {
			return v.Value, true
		}
	}
	return 0, false
}

// NameOf returns the first name whose value equals v exactly.
func (t *FlagTable) NameOf(v uint32) (string, bool) {
	for _, e := range t.Values {
		if e.Value == v {
			return e.Name, true
		}
	}
	return "", false
}

// DynVariant is one possible concrete type of a PTDyn parameter.
type DynVariant struct {
	Type   ParamType
	Format PrintFormat
}

// DynTable lists the concrete types a PTDyn parameter can take. In a record,
// a dynamic parameter starts with a one-byte index into Variants.
type DynTable struct {
	Name     string
	Variants []DynVariant
}

// Param describes one event parameter.
type Param struct {
	Name   string
	Type   ParamType
	Format PrintFormat
	// Flags is the table used to render the value, for flag, enum and mode
	// parameters; nil otherwise.
	Flags *FlagTable
	// Dyn lists the possible concrete types, for PTDyn parameters.
	Dyn *DynTable
	// DirFD is meaningful only for PTFSRelPath parameters: the index, within
	// the same event, of the directory fd the path is relative to.
	DirFD uint8
}

// Info describes one event code.
type Info struct {
	Code     uint16
	Name     string // event name as evt.type shows it; "NA" for placeholders
	Symbol   string // upstream ppm_event_code symbol, e.g. "PPME_SYSCALL_OPEN_E"
	Category Category
	Flags    Flags
	Params   []Param
}

// Dir returns the direction of the event (from the parity of its code).
func (i *Info) Dir() Direction { return Direction(i.Code & 1) }

// ParamIndex returns the index of the named parameter, or -1.
func (i *Info) ParamIndex(name string) int {
	for k := range i.Params {
		if i.Params[k].Name == name {
			return k
		}
	}
	return -1
}

// IsOldVersion reports whether the code is only kept to read old captures.
func (i *Info) IsOldVersion() bool { return i.Flags&FlagOldVersion != 0 }

// IsUnused reports whether the code is a never-emitted placeholder.
func (i *Info) IsUnused() bool { return i.Flags&FlagUnused != 0 }
