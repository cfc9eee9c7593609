package event

// MaxSyscall is the number of syscall codes (upstream PPM_SC_MAX). Valid
// codes are 0 through MaxSyscall-1; code 0 is "unknown" and code 382 is an
// unassigned hole with an empty name.
const MaxSyscall = 454

// NativeTableSize is the size of the native syscall tables (upstream
// SYSCALL_TABLE_SIZE).
const NativeTableSize = 512

// Syscall describes one syscall code (libscap's ppm_sc). Besides syscalls
// proper, the code space also names the tracepoints the drivers attach to
// (sched_process_exit, sched_switch, page_fault_user, page_fault_kernel,
// signal_deliver).
type Syscall struct {
	Code   uint16
	Name   string // lower-case name, as evt.type shows it for generic events
	Symbol string // upstream symbol, e.g. "PPM_SC_OPEN"
	// Generic is true when the syscall has no event of its own and is
	// reported through GenericE/GenericX.
	Generic bool
	// Events lists the event codes that report this syscall, every version
	// and both directions, as libscap maps them. Nil for generic syscalls
	// and for syscalls no event reports.
	Events []uint16
	// NativeX86_64 is the x86_64 syscall number, or -1 when the syscall does
	// not exist there (for example socketcall, or the tracepoint codes).
	NativeX86_64 int16
}

// SyscallFlags are the per-syscall flags of the drivers' native tables
// (upstream syscall_flags).
type SyscallFlags uint8

// Native table flags.
const (
	UFNone       SyscallFlags = 0
	UFUsed       SyscallFlags = 1 << 0 // has a dedicated event pair (otherwise generic)
	UFNeverDrop  SyscallFlags = 1 << 1 // kept even when the drivers drop events to save load
	UFAlwaysDrop SyscallFlags = 1 << 2 // dropped whenever the drivers drop events to save load
	UFAtomic     SyscallFlags = 1 << 4 // handler must not block
)

// NativeSyscall is one entry of a native syscall table: what the drivers emit
// for a given architecture-specific syscall number.
type NativeSyscall struct {
	Nr      uint16
	Syscall uint16 // syscall code; 0 for unassigned numbers
	Flags   SyscallFlags
	Enter   uint16 // event code emitted on entry (GenericE for generic syscalls)
	Exit    uint16 // event code emitted on exit (GenericX for generic syscalls)
}

// LookupSyscall returns the description of a syscall code, or nil if the
// code is out of range. The returned Syscall is shared and must not be
// modified.
func LookupSyscall(code uint16) *Syscall {
	if int(code) < len(syscalls) {
		return &syscalls[code]
	}
	return nil
}

// SyscallName returns the lower-case name of a syscall code ("" if out of
// range or unassigned).
func SyscallName(code uint16) string {
	if int(code) < len(syscalls) {
		return syscalls[code].Name
	}
	return ""
}

// SyscallByName returns the syscall code with the given name. Like libscap's
// scap_ppm_sc_from_name it never matches the empty string; "unknown" yields
// code 0 with ok true.
func SyscallByName(name string) (code uint16, ok bool) {
	if name == "" {
		return 0, false
	}
	c, ok := syscallIndex[name]
	return c, ok
}

// Syscalls returns the whole syscall table, indexed by code. The slice is
// shared and must not be modified.
func Syscalls() []Syscall { return syscalls[:] }

// GenericSyscalls returns the codes of the syscalls reported through the
// generic events, in upstream order. The slice is shared and must not be
// modified.
func GenericSyscalls() []uint16 { return genericSyscalls }

// SyscallsForEvent returns the syscall codes an event code stands for (for
// example getrlimit and ugetrlimit for the getrlimit events). For the
// generic events it returns GenericSyscalls. Meta events, placeholders and
// iterator events return nil. The slice is shared and must not be modified.
func SyscallsForEvent(code uint16) []uint16 {
	if code == GenericE || code == GenericX {
		return genericSyscalls
	}
	if int(code) < len(eventSyscalls) {
		return eventSyscalls[code]
	}
	return nil
}

// NativeX86_64 returns the x86_64 native table entry for a syscall number,
// or nil if nr is out of range or unassigned.
func NativeX86_64(nr int) *NativeSyscall {
	if nr < 0 || nr >= len(nativeX86_64) {
		return nil
	}
	e := &nativeX86_64[nr]
	if e.Syscall == 0 {
		return nil
	}
	return e
}

// SyscallFromNativeX86_64 maps an x86_64 syscall number to a syscall code
// (0, "unknown", if the number is out of range or unassigned).
func SyscallFromNativeX86_64(nr int) uint16 {
	if nr < 0 || nr >= len(nativeX86_64) {
		return 0
	}
	return nativeX86_64[nr].Syscall
}

// syscallIndex maps every syscall name, including "unknown" and the empty
// name of the unassigned code, to its code.
var syscallIndex = func() map[string]uint16 {
	m := make(map[string]uint16, len(syscalls))
	for i := range syscalls {
		if _, dup := m[syscalls[i].Name]; !dup {
			m[syscalls[i].Name] = uint16(i)
		}
	}
	return m
}()
