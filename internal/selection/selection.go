// Package selection owns which syscalls Kestrel asks a driver to capture:
// libsinsp's syscall sets (the state set, the high-volume I/O set, the
// repair set), Falco's base_syscalls semantics (custom_set with !negatives,
// repair, all) and the warnings Falco prints about them. Replay computes
// the selection too, as Falco does, although a capture file is never
// filtered by it: only the warnings show.
package selection

import (
	"sort"
	"strings"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Config is the base_syscalls section of the configuration.
type Config struct {
	CustomSet []string // syscall names; "!name" removes
	Repair    bool
	All       bool
}

// eventsToSyscalls maps the events that satisfy keep to their syscall
// codes (libscap's scap_get_ppm_sc_from_events).
func eventsToSyscalls(keep func(*event.Info) bool) event.SyscallSet {
	var evs event.Set
	for c := uint16(0); c < event.MaxCode; c++ {
		if keep(event.Lookup(c)) {
			evs.Add(c)
		}
	}
	return evs.Syscalls()
}

func syscallSet(names ...string) event.SyscallSet {
	var s event.SyscallSet
	for _, n := range names {
		if c, ok := event.SyscallByName(n); ok {
			s.Add(c)
		}
	}
	return s
}

var (
	stateSet = func() event.SyscallSet {
		s := eventsToSyscalls(func(i *event.Info) bool {
			return i.Code >= 2 && i.Flags&event.FlagModifiesState != 0 &&
				i.Category&(event.CategorySyscall|event.CategoryTracepoint) != 0
		})
		for nr := 0; nr < event.NativeTableSize; nr++ {
			if n := event.NativeX86_64(nr); n != nil && n.Flags&event.UFNeverDrop != 0 {
				s.Add(n.Syscall)
			}
		}
		return s
	}()
	ioSet = eventsToSyscalls(func(i *event.Info) bool {
		b := i.Category.Base()
		return b == event.CategoryIORead || b == event.CategoryIOWrite
	})
	ioOtherSet = eventsToSyscalls(func(i *event.Info) bool { return i.Category.Base() == event.CategoryIOOther })
	fileSet    = eventsToSyscalls(func(i *event.Info) bool { return i.Category.Base() == event.CategoryFile })
	netSet     = eventsToSyscalls(func(i *event.Info) bool { return i.Category.Base() == event.CategoryNet })

	repairBase = syscallSet("clone", "clone3", "fork", "vfork", "execve", "execveat", "fchdir", "chdir", "chroot",
		"capset", "setgid", "setgid32", "setpgid", "setresgid", "setresgid32", "setresuid", "setresuid32", "setsid",
		"setuid", "setuid32", "prctl", "sched_process_exit")
	acceptListen = syscallSet("accept", "accept4", "listen")
	procExit     = syscallSet("sched_process_exit")
)

// StateSet is what libsinsp's state tracking needs (sinsp_state_sc_set):
// the syscalls of the events that modify state, and those the drivers
// never drop.
func StateSet() event.SyscallSet { return stateSet }

// IOSet is the high-volume read and write syscalls (io_sc_set).
func IOSet() event.SyscallSet { return ioSet }

// IgnoredSet is what Falco leaves out unless base_syscalls.all is set:
// the I/O syscalls state tracking does not need (falco -i).
func IgnoredSet() event.SyscallSet { return ioSet.Diff(stateSet) }

// RepairSet is libsinsp's sinsp_repair_state_sc_set: the rules' syscalls
// plus the minimum the state needs for them.
func RepairSet(rules event.SyscallSet) event.SyscallSet {
	s := repairBase
	if !netSet.Intersect(rules).IsEmpty() {
		s = s.Union(syscallSet("socket", "getsockopt", "close"))
	}
	if !acceptListen.Intersect(rules).IsEmpty() {
		s = s.Union(syscallSet("bind"))
	}
	if !fileSet.Intersect(rules).IsEmpty() || !ioSet.Intersect(rules).IsEmpty() ||
		!ioOtherSet.Intersect(rules).IsEmpty() {
		s = s.Union(syscallSet("close"))
	}
	return s.Union(rules)
}

// Result is a computed selection.
type Result struct {
	// Selected is the syscall set to capture.
	Selected event.SyscallSet
	// Unsupported is what the rules use but the selection leaves out.
	Unsupported event.SyscallSet
	// Warnings are Falco's warnings about custom_set names it could not
	// use.
	Warnings []string
}

// Select combines the rules' syscalls with the base set as Falco's
// configure_interesting_sets does.
func Select(rules event.SyscallSet, cfg Config) Result {
	var res Result
	var positive, negative []string
	for _, n := range cfg.CustomSet {
		switch {
		case n == "":
		case n[0] == '!':
			negative = append(negative, n[1:])
		default:
			positive = append(positive, n)
		}
	}
	base := stateSet
	posSet := event.SyscallsForNames(positive...)
	if !posSet.IsEmpty() {
		base = posSet
	}
	if bad := invalidNames(positive, posSet); len(bad) > 0 {
		res.Warnings = append(res.Warnings, "Invalid (positive) syscall names: warning (base_syscalls override): "+
			strings.Join(bad, ", "))
	}
	sel := rules.Union(base)
	if cfg.Repair && posSet.IsEmpty() {
		sel = RepairSet(rules)
	}
	negSet := event.SyscallsForNames(negative...)
	sel = sel.Diff(negSet)
	if bad := invalidNames(negative, negSet); len(bad) > 0 {
		res.Warnings = append(res.Warnings, "Invalid (negative) syscall names: warning (base_syscalls override): "+
			strings.Join(bad, ", "))
	}
	if !cfg.All {
		sel = sel.Diff(IgnoredSet())
	}
	if cfg.Repair && len(cfg.CustomSet) > 0 {
		sel = RepairSet(sel)
	}
	sel = sel.Union(procExit)
	res.Selected = sel
	res.Unsupported = rules.Diff(sel)
	return res
}

// invalidNames is Falco's check: the names given that are not among the
// names of the set they resolved to. (So "pread64", which resolves to the
// pread syscall shown as "pread", is reported too, as Falco does.)
func invalidNames(given []string, resolved event.SyscallSet) []string {
	known := map[string]bool{}
	for _, n := range Names(resolved) {
		known[n] = true
	}
	var bad []string
	seen := map[string]bool{}
	for _, n := range given {
		if !known[n] && !seen[n] {
			bad = append(bad, n)
			seen[n] = true
		}
	}
	sort.Strings(bad)
	return bad
}

// Names renders a syscall set the way libsinsp's sc_set_to_event_names
// does, sorted: the names of the events that report the syscalls, and the
// syscall's own name for the generic ones.
func Names(s event.SyscallSet) []string {
	evs := s.Events()
	evs.Remove(event.GenericE)
	evs.Remove(event.GenericX)
	set := map[string]bool{}
	evs.ForEach(func(c uint16) { set[event.Lookup(c).Name] = true })
	s.Diff(evs.Syscalls()).ForEach(func(c uint16) { set[event.SyscallName(c)] = true })
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// UnsupportedWarning is the two lines Falco prints on stderr when rules
// use syscalls the selection leaves out, or "" when there are none.
func UnsupportedWarning(unsupported event.SyscallSet) string {
	if unsupported.IsEmpty() {
		return ""
	}
	return "Loaded rules match syscalls that are not activated (e.g. were removed via config settings such as " +
		"no -A flag or negative base_syscalls elements) or unsupported with current configuration: warning " +
		"(unsupported-evttype): " + strings.Join(Names(unsupported), ", ") + "\n" +
		"If syscalls in rules include high volume syscalls (-> activate via `-A` flag), else syscalls may have " +
		"been removed via base_syscalls option or might be associated with syscalls undefined on your " +
		"architecture (https://marcin.juszkiewicz.com.pl/download/tables/syscalls.html)\n"
}
