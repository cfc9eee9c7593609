// Package event owns the event model: the Falco-compatible event type table,
// the syscall table and event-code sets.
//
// The event table describes every event code the Falco drivers and libraries
// define (Falco's ppm_event_code space, upstream PPM_EVENT_MAX codes): its
// name, category, flags and parameter layout. Codes are plain uint16 values;
// the constants in codes.go name them (OpenE, OpenatX2, ExecveX19, ...), and
// every Info keeps the upstream symbol in Symbol so that readers can
// cross-check against falcosecurity/libs.
//
// Direction: an even code is an enter event and an odd code is an exit
// event, for every code including the meta events (asyncevent, pluginevent,
// container, ...). Some pairs use only one of their codes: meta events only
// the even one, and the newest syscalls (close_range, keyctl) only the exit
// one; the other code is an unused "NA" placeholder. This is the parity rule
// libsinsp applies when it renders evt.dir.
//
// The syscall table lists the libscap syscall codes (ppm_sc, e.g. ScOpen,
// ScMprotect): their lower-case names, the event codes that report each of
// them, whether they are only reported through the generic events GenericE
// and GenericX, and their x86_64 native syscall number.
//
// Set and SyscallSet are fixed-size bitsets over those two code spaces; the
// rule engine indexes rules by event code with them. CodesForName and
// friends turn the names written in rule conditions (evt.type = open) into
// event codes exactly as libsinsp does; the Resolver documentation spells out the rules.
//
// All tables are read-only after package initialisation. Lookup and Name are
// plain array indexes and never allocate.
package event
