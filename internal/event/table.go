package event

// MaxCode is the number of event codes (upstream PPM_EVENT_MAX). Valid codes
// are 0 through MaxCode-1.
const MaxCode = 454

// Event codes with a special role in rule indexing. (GenericE and GenericX,
// the codes that carry every syscall without an event of its own, are the
// third such pair.)
const (
	// AsyncEventCode is the code of events produced asynchronously by
	// plugins (and by the libraries for some metadata). Falco adds it to the
	// event codes of every rule.
	AsyncEventCode = AsynceventE
	// PluginEventCode is the code of every event of a plugin event source.
	// Falco indexes all rules of non-syscall sources under it.
	PluginEventCode = PlugineventE
)

// Lookup returns the description of an event code, or nil if the code is
// out of range. The returned Info is shared and must not be modified.
func Lookup(code uint16) *Info {
	if int(code) < len(events) {
		return &events[code]
	}
	return nil
}

// Name returns the event name of a code ("" if the code is out of range).
// Generic events are named "syscall"; evt.type instead reports the name of
// the syscall carried by a generic exit event, which is a per-record value.
func Name(code uint16) string {
	if int(code) < len(events) {
		return events[code].Name
	}
	return ""
}

// IsEnter reports whether code is an enter event (even code).
func IsEnter(code uint16) bool { return code&1 == 0 }

// IsExit reports whether code is an exit event (odd code).
func IsExit(code uint16) bool { return code&1 == 1 }

// Counterpart returns the other code of the enter/exit pair.
func Counterpart(code uint16) uint16 { return code ^ 1 }

// Infos returns the whole event table, indexed by code. The slice is shared
// and must not be modified.
func Infos() []Info { return events[:] }

// FlagTables returns every name/value table of the event table, in upstream
// declaration order (including poll_flags, which no event parameter
// references). The slice is shared and must not be modified.
func FlagTables() []*FlagTable { return flagTables }

// DynTables returns every dynamic-parameter table. The slice is shared and
// must not be modified.
func DynTables() []*DynTable { return dynTables }

// FlagTableByName returns the table with the given upstream name.
func FlagTableByName(name string) *FlagTable {
	for _, t := range flagTables {
		if t.Name == name {
			return t
		}
	}
	return nil
}
