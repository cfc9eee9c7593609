package event

// The methods below let a Resolver serve as the rule engine's event-type
// oracle (engine.EventTypes) without this package knowing the engine.

// Known reports whether name is a valid evt.type value.
func (r *Resolver) Known(name string) bool { return r.IsKnownName(name) }

// Codes returns the event codes that "evt.type = name" selects. exact is
// false when the codes are shared with other names (the generic syscall
// events, the async event), so matching the code alone cannot tell the name.
func (r *Resolver) Codes(name string) (codes []uint16, exact bool) {
	s := r.CodesForName(name)
	exact = !s.Has(GenericE) && !s.Has(GenericX) && !s.Has(AsyncEventCode)
	return s.Slice(), exact
}

// Max is one past the largest event code.
func (r *Resolver) Max() int { return int(MaxCode) }

// SyscallCodes returns the syscall codes "evt.type in (names)" selects
// (engine.SyscallTypes).
func (r *Resolver) SyscallCodes(names []string) []uint16 { return r.SyscallsForNames(names...).Slice() }

// AllSyscallCodes lists every assigned syscall code but "unknown".
func (r *Resolver) AllSyscallCodes() []uint16 { return AllSyscalls().Slice() }

// MaxSyscall is one past the largest syscall code.
func (r *Resolver) MaxSyscall() int { return MaxSyscall }
