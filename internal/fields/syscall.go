// This file assembles the field classes of the syscall event source: the
// generic event class shared by every source, libsinsp's built-in syscall
// classes and the fields of the container plugin, in the order Falco lists
// them.

package fields

import "fmt"

// SyscallSource is the name of the event source fed by the kernel driver.
const SyscallSource = "syscall"

// syscallSources is the Sources value of every syscall-only class.
func syscallSources() []string { return []string{SyscallSource} }

// syscallClasses returns fresh declarations of the syscall-only classes, in
// the order of libsinsp's filter-check list (gen_event, event, thread, user,
// group, fd, fspath, the hidden util class, fdlist) followed by the container
// plugin, whose class Falco appends after the built-ins.
func syscallClasses() []*Class {
	return []*Class{
		newEvtClass(),
		newProcessClass(),
		newUserClass(),
		newGroupClass(),
		newFDClass(),
		newFSPathClass(),
		newFDListClass(),
		newContainerClass(),
	}
}

// RegisterGeneric registers the generic event class (evt.num, evt.time,
// evt.source, ...) for every source, present and future. It does nothing if
// the class is already registered, so each source may call it.
func RegisterGeneric(r *Registry) error {
	c := newGenEventClass()
	for _, g := range r.generic {
		if g.Name == c.Name && g.ShortDesc == c.ShortDesc {
			return nil
		}
	}
	return r.Register(c)
}

// RegisterSyscall declares the syscall source with all its fields: the
// generic event class (for every source) and the syscall classes, in Falco's
// listing order. Calling it twice on one registry is an error.
func RegisterSyscall(r *Registry) error {
	if err := RegisterGeneric(r); err != nil {
		return fmt.Errorf("registering generic event fields: %w", err)
	}
	r.AddSource(SyscallSource)
	for _, c := range syscallClasses() {
		if err := r.Register(c); err != nil {
			return fmt.Errorf("registering syscall class %s: %w", c.Name, err)
		}
	}
	return nil
}

// NewDefault returns a registry with the syscall source registered. It
// panics only if the built-in declarations are inconsistent, which tests
// rule out.
func NewDefault() *Registry {
	r := NewRegistry()
	if err := RegisterSyscall(r); err != nil {
		panic("fields: built-in syscall declarations: " + err.Error())
	}
	return r
}
