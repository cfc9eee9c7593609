package event

// Resolver resolves the names of rule conditions to event and syscall codes.
// Its zero value (and nil) knows no plugin async event names, which is what
// the package-level functions use.
//
// Falco indexes each rule by the set of event codes its condition can match
// and only evaluates the rule on events of those codes. Resolver's methods
// reproduce how libsinsp turns the names written in a condition into codes. The upstream logic lives in falcosecurity/libs
// userspace/libsinsp/events/sinsp_events.cpp (names_to_event_set),
// userspace/libsinsp/events/sinsp_events_ppm_sc.cpp (event_names_to_sc_set),
// userspace/libsinsp/filter/ppm_codes.cpp (the condition walk) and
// userspace/libsinsp/sinsp_filtercheck_event.cpp (validate_filter_value),
// and in falcosecurity/falco userspace/engine/evttype_index_ruleset.cpp and
// rule_loader_compiler.cpp.
//
// Resolving a name (CodesForNames):
//
//   - Every event code from 2 upward whose event name equals the name is
//     included: both directions and every old version, and placeholders too
//     ("NA" matches the 35 unused codes). "open" gives {OpenE, OpenX};
//     "execve" gives all 16 execve codes; "accept" also gives the accept4
//     versions 0 and 5, which upstream names "accept". Codes 0 and 1 are
//     skipped, so "syscall" (the generic events' own name) matches nothing.
//   - A name registered as an asynchronous event name by a plugin adds
//     AsyncEventCode (see NewResolver).
//   - A name matched by neither rule that is a syscall name adds GenericE and
//     GenericX. This applies to any syscall name, not only the generic ones:
//     "madvise" (generic) gives {GenericE, GenericX}, and so do "pread64" and
//     "unknown", although pread64 is reported by the "pread" events and no
//     generic event ever carries it. Quirk: the unassigned syscall code 382
//     has an empty name, so the empty string also resolves to the generic
//     pair.
//   - Any other name contributes nothing. There is no error at this stage;
//     the error comes earlier, when libsinsp compiles the filter: an
//     evt.type value that is neither an event name (codes 0 and 1
//     included), a syscall name nor a plugin async event name fails with
//     "unknown event type NAME" (see IsKnownName). Falco reports that as a
//     condition compile error (LOAD_ERR_COMPILE_CONDITION), or as a
//     LOAD_UNKNOWN_FILTER warning that skips the rule when the rule has
//     skip-if-unknown-filter: true. syscall.type is indexed the same way as
//     evt.type but its values are not validated, so an unknown name there
//     silently yields the empty set.
//
// The names of one check combine by union, so "evt.type in (a, b)" is
// CodesForNames(a, b).
type Resolver struct {
	async map[string]struct{}
}

// NewResolver returns a Resolver that also knows the asynchronous event
// names declared by the loaded plugins. libsinsp appends such names to its
// event table and maps them to AsyncEventCode.
func NewResolver(asyncEventNames ...string) *Resolver {
	r := &Resolver{async: make(map[string]struct{}, len(asyncEventNames))}
	for _, n := range asyncEventNames {
		r.async[n] = struct{}{}
	}
	return r
}

func (r *Resolver) isAsync(name string) bool {
	if r == nil || r.async == nil {
		return false
	}
	_, ok := r.async[name]
	return ok
}

// eventsByName maps every event name of codes 2 and up to its codes.
var eventsByName = func() map[string]Set {
	m := make(map[string]Set)
	for c := uint16(2); c < MaxCode; c++ {
		s := m[events[c].Name]
		s.Add(c)
		m[events[c].Name] = s
	}
	return m
}()

// eventNameKnown holds the name of every event code, 0 and 1 included.
var eventNameKnown = func() map[string]struct{} {
	m := make(map[string]struct{})
	for c := range events {
		m[events[c].Name] = struct{}{}
	}
	return m
}()

// CodesForNames returns the event codes that "evt.type in (names...)"
// selects; see Resolver for the rules.
func (r *Resolver) CodesForNames(names ...string) Set {
	var s Set
	generic := false
	for _, n := range names {
		matched := false
		if es, ok := eventsByName[n]; ok {
			s = s.Union(es)
			matched = true
		}
		if r.isAsync(n) {
			s.Add(AsyncEventCode)
			matched = true
		}
		if !matched {
			if _, ok := syscallIndex[n]; ok {
				generic = true
			}
		}
	}
	if generic {
		s.Add(GenericE)
		s.Add(GenericX)
	}
	return s
}

// CodesForName returns the event codes that "evt.type = name" selects.
func (r *Resolver) CodesForName(name string) Set { return r.CodesForNames(name) }

// IsKnownName reports whether libsinsp accepts name as an evt.type value: it
// is the name of some event code (including "syscall" and "NA"), of some
// syscall code (including "unknown" and, by the quirk described above, the
// empty string), or a plugin async event name.
func (r *Resolver) IsKnownName(name string) bool {
	if _, ok := eventNameKnown[name]; ok {
		return true
	}
	if _, ok := syscallIndex[name]; ok {
		return true
	}
	return r.isAsync(name)
}

// SyscallsForNames returns the syscall codes that "evt.type in (names...)"
// selects, as libsinsp computes them for Falco's kernel-side syscall
// selection (event_names_to_sc_set): the names are resolved to event codes,
// the non-generic ones are mapped to their syscalls, and if the generic pair
// was selected, the generic syscalls whose names appear among names are
// added. So "open" gives {open}, "accept" gives {accept, accept4} and
// "madvise" gives {madvise}, while "pread64" gives the empty set (its name
// selects the generic events, but pread64 is not a generic syscall).
func (r *Resolver) SyscallsForNames(names ...string) SyscallSet {
	ev := r.CodesForNames(names...)
	generic := ev.Has(GenericE) || ev.Has(GenericX)
	ev.Remove(GenericE)
	ev.Remove(GenericX)
	out := ev.Syscalls()
	if generic {
		for _, sc := range genericSyscalls {
			name := syscalls[sc].Name
			for _, n := range names {
				if n == name {
					out.Add(sc)
					break
				}
			}
		}
	}
	return out
}

// CodesForCheck returns the event codes of one leaf check of a condition on
// evt.type (or syscall.type), given its operator, its value names and
// whether an odd number of "not" operators encloses it. This is the leaf
// rule of libsinsp's condition walk (userspace/libsinsp/filter/ppm_codes.cpp):
//
//   - "=", "==" and "in" give CodesForNames(names), complemented when
//     negated: "not evt.type = open" matches every code except OpenE/OpenX.
//   - "!=" gives the complement of CodesForNames(names), and the set itself
//     when negated (so "not evt.type != open" is {OpenE, OpenX}).
//   - "exists" gives every code, or the empty set when negated.
//   - Any other operator (contains, startswith, pmatch, glob, ...) is
//     neutral: ok is false and the caller must use AllCodes(), negated or not.
//
// The rest of the walk, for the engine to implement: a check on any other
// field, or on evt.type with an argument, is neutral (AllCodes(), never
// complemented). "and" intersects its children's sets starting from
// AllCodes(), "or" unites them starting from the empty set, and "not" is
// pushed down to the leaves with De Morgan's laws (under negation "and"
// unites and "or" intersects). An unresolved macro identifier is neutral.
// Checks on evt.num have known invariants (values start at 1): "evt.num = 0",
// "evt.num < 1", "evt.num <= 0" and "evt.num in (0, ...)" with only zeros
// give the empty set; "evt.num != 0", "evt.num > 0" and "evt.num >= 1" give
// AllCodes(); both are complemented under negation like evt.type checks.
// An evt.type check whose right-hand side is a field, or an evt.type field
// wrapped in a transformer (tolower(evt.type) = ...), makes the walk fail
// with an error.
//
// Falco then adds AsyncEventCode to the set of every rule
// (evttype_index_ruleset.cpp), so a rule whose condition resolves to the
// empty set is still evaluated on async events; rules of plugin sources are
// indexed under {PluginEventCode, AsyncEventCode} regardless of their
// condition. When a syscall rule's set (before AsyncEventCode is added) has
// more than 100 codes Falco warns LOAD_NO_EVTTYPE ("Rule matches too many
// evt.type values"), unless the rule sets warn_evttypes: false; an empty set
// does not warn.
func (r *Resolver) CodesForCheck(op string, names []string, negated bool) (codes Set, ok bool) {
	switch op {
	case "=", "==", "in":
		s := r.CodesForNames(names...)
		if negated {
			s = s.Complement()
		}
		return s, true
	case "!=":
		s := r.CodesForNames(names...)
		if !negated {
			s = s.Complement()
		}
		return s, true
	case "exists":
		if negated {
			return Set{}, true
		}
		return AllCodes(), true
	}
	return AllCodes(), false
}

// SyscallsForCheck is CodesForCheck for syscall codes: the same leaf rule,
// with SyscallsForNames resolving the names and AllSyscalls() as the
// universe. Falco computes a rule's syscall set this way (ppm_sc_codes) to
// choose which syscalls the driver must capture; it does not add anything
// for async events, and rules of plugin sources get the empty set.
func (r *Resolver) SyscallsForCheck(op string, names []string, negated bool) (codes SyscallSet, ok bool) {
	switch op {
	case "=", "==", "in":
		s := r.SyscallsForNames(names...)
		if negated {
			s = s.Complement()
		}
		return s, true
	case "!=":
		s := r.SyscallsForNames(names...)
		if !negated {
			s = s.Complement()
		}
		return s, true
	case "exists":
		if negated {
			return SyscallSet{}, true
		}
		return AllSyscalls(), true
	}
	return AllSyscalls(), false
}

var defaultResolver *Resolver

// CodesForNames resolves names without plugin async event names; see
// Resolver.CodesForNames.
func CodesForNames(names ...string) Set { return defaultResolver.CodesForNames(names...) }

// CodesForName resolves one name without plugin async event names; see
// Resolver.CodesForNames.
func CodesForName(name string) Set { return defaultResolver.CodesForNames(name) }

// IsKnownName reports whether name is an event or syscall name; see
// Resolver.IsKnownName.
func IsKnownName(name string) bool { return defaultResolver.IsKnownName(name) }

// SyscallsForNames resolves names to syscall codes without plugin async
// event names; see Resolver.SyscallsForNames.
func SyscallsForNames(names ...string) SyscallSet {
	return defaultResolver.SyscallsForNames(names...)
}

// CodesForCheck applies the leaf rule without plugin async event names; see
// Resolver.CodesForCheck.
func CodesForCheck(op string, names []string, negated bool) (Set, bool) {
	return defaultResolver.CodesForCheck(op, names, negated)
}

// SyscallsForCheck applies the leaf rule to syscall codes without plugin
// async event names; see Resolver.SyscallsForCheck.
func SyscallsForCheck(op string, names []string, negated bool) (SyscallSet, bool) {
	return defaultResolver.SyscallsForCheck(op, names, negated)
}
