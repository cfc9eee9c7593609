// Package inspect owns the syscall event source as rules see it: it runs
// each event record through the state tables, presents the result as an
// engine event, and extracts every field of the syscall source from it,
// rendering values exactly as libsinsp does. Extractors live in one file
// per field class.
package inspect

import (
	"fmt"
	"sync"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/state"
)

// Event is one syscall event with the state it was evaluated in. The
// inspector reuses one Event for every record, so it is only valid until
// the next record.
type Event struct {
	Rec    *event.Record
	Num    uint64 // evt.num: position in the stream, from 1
	CPU    uint16
	Flags  uint32 // capture-block flags (EVF blocks)
	Parsed *state.Parsed

	in *Inspector
}

// Type is the event code.
func (e *Event) Type() uint16 { return e.Rec.Type() }

// Ts is the event timestamp in nanoseconds since the epoch.
func (e *Event) Ts() uint64 { return e.Rec.Ts() }

// Thread is the thread that produced the event, or nil.
func (e *Event) Thread() *state.Thread {
	if e.Parsed == nil {
		return nil
	}
	return e.Parsed.Thread
}

// FD is the file descriptor the event refers to, or nil.
func (e *Event) FD() *state.FD {
	if e.Parsed == nil {
		return nil
	}
	return e.Parsed.FD
}

// Inspector feeds records through the state tables and presents each as
// an Event. It is not safe for concurrent use.
type Inspector struct {
	State    *state.Tables
	Hostname string
	// Render are the options of parameter rendering (evt.args...).
	Render event.RenderOptions

	ev      Event
	num     uint64
	firstTs uint64
	prevTs  uint64
	lastTs  uint64
}

// New returns an inspector over fresh state tables.
func New(opts state.Options, hostname string) *Inspector {
	in := &Inspector{State: state.New(opts), Hostname: hostname}
	in.ev.in = in
	return in
}

// Seed loads a snapshot of the system (a capture's process, fd and user
// lists, or a /proc scan) into the state before events flow.
func (in *Inspector) Seed(threads []state.ThreadInfo, users []state.UserInfo, groups []state.GroupInfo) {
	in.State.Seed(threads, users, groups)
}

// Next processes one record and returns it as the current Event.
func (in *Inspector) Next(rec *event.Record, cpu uint16, flags uint32) *Event {
	in.num++
	ts := rec.Ts()
	if in.num == 1 {
		in.prevTs = ts
	} else {
		in.prevTs = in.lastTs
	}
	// libsinsp starts evt.reltime's clock at the first event that is not
	// a meta event (captures may open with container events stamped later).
	if in.firstTs == 0 {
		if info := rec.Info(); info != nil && info.Category&event.CategoryMetaEvent == 0 {
			in.firstTs = ts
		}
	}
	in.lastTs = ts
	in.ev.Rec = rec
	in.ev.Num = in.num
	in.ev.CPU = cpu
	in.ev.Flags = flags
	in.ev.Parsed = in.State.Process(rec, in.num)
	return &in.ev
}

// Events returns how many records were processed.
func (in *Inspector) Events() uint64 { return in.num }

// FDInfo implements event.FDResolver over the state, so evt.args renders
// fd parameters with their names.
func (in *Inspector) FDInfo(tid, fd int64) (byte, string, bool) {
	th := in.State.Thread(tid)
	if th == nil {
		return 0, "", false
	}
	f := th.FD(fd)
	if f == nil {
		return 0, "", false
	}
	return f.TypeChar(), f.Name, true
}

// ThreadInfo implements event.ThreadResolver.
func (in *Inspector) ThreadInfo(tid int64) (string, string, bool) {
	th := in.State.Thread(tid)
	if th == nil {
		return "", "", false
	}
	return th.Comm, th.CWD(), true
}

// UserName implements event.UserResolver.
func (in *Inspector) UserName(tid int64, uid uint32) (string, bool) {
	u := in.State.Users().Lookup(uid, in.containerOf(tid))
	if u == nil {
		return "", false
	}
	return u.Name, true
}

// GroupName implements event.UserResolver.
func (in *Inspector) GroupName(tid int64, gid uint32) (string, bool) {
	g := in.State.Groups().Lookup(gid, in.containerOf(tid))
	if g == nil {
		return "", false
	}
	return g.Name, true
}

func (in *Inspector) containerOf(tid int64) string {
	if th := in.State.Thread(tid); th != nil {
		return th.ContainerID
	}
	return ""
}

// Binder extracts the fields of the syscall source from Events. It holds
// no per-event state, so one Binder serves any number of inspectors.
type Binder struct{}

// binders maps a field name to the function that binds references to it;
// each class file registers its fields.
var (
	bindersMu sync.Mutex
	binders   = map[string]func(ref fields.Ref) (engine.Binding, error){}
)

// register adds the binders of a class; a name registered twice is a
// programming error.
func register(m map[string]func(ref fields.Ref) (engine.Binding, error)) {
	bindersMu.Lock()
	defer bindersMu.Unlock()
	for k, v := range m {
		if _, dup := binders[k]; dup {
			panic("inspect: field " + k + " bound twice")
		}
		binders[k] = v
	}
}

// Bind returns the extractor of a field reference. A declared field with
// no extractor here (container metadata that needs a runtime, fields of
// plugins) is bound as never extractable, so rules using it compile and
// treat it as missing, as Falco does without the metadata.
func (Binder) Bind(ref fields.Ref) (engine.Binding, error) {
	b, ok := binders[ref.Field.Name]
	if !ok {
		return engine.Unbound{}.Bind(ref)
	}
	bnd, err := b(ref)
	if err != nil {
		return engine.Binding{}, fmt.Errorf("%s: %w", ref, err)
	}
	return bnd, nil
}

// Bound reports whether the syscall source extracts the named field.
func Bound(name string) bool {
	_, ok := binders[name]
	return ok
}

// ev unwraps the engine event.
func ev(e engine.Event) *Event { return e.(*Event) }
