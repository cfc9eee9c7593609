package engine

// Frame is the per-event evaluation state: the event and a cache of the
// values extracted for it, one slot per distinct field expression of the
// ruleset. Bumping the generation invalidates every slot at once, so moving
// to the next event costs nothing.
type Frame struct {
	ev    Event
	gen   uint32
	slots []slot
	conds []condSlot
}

// condSlot caches the result of a shared sub-condition for one event.
type condSlot struct {
	gen uint32
	val bool
}

type slot struct {
	gen uint32
	ok  bool
	v   Value
}

func newFrame(nslots, nconds int) *Frame {
	return &Frame{slots: make([]slot, nslots), conds: make([]condSlot, nconds), gen: 1}
}

// Reset points the frame at a new event.
func (f *Frame) Reset(ev Event) {
	f.ev = ev
	f.gen++
	if f.gen == 0 {
		// After 2^32 events the stamps wrap; clear them so no slot looks
		// fresh by accident.
		for i := range f.slots {
			f.slots[i].gen = 0
		}
		for i := range f.conds {
			f.conds[i].gen = 0
		}
		f.gen = 1
	}
}

// Event returns the event being evaluated.
func (f *Frame) Event() Event { return f.ev }

// getter yields a value for the frame's event, or false when it cannot be
// extracted.
type getter func(f *Frame) (*Value, bool)

// cached wraps compute so it runs at most once per event.
func cached(idx int, compute func(f *Frame, v *Value) bool) getter {
	return func(f *Frame) (*Value, bool) {
		if idx >= len(f.slots) {
			// The frame predates expressions compiled since (an output
			// format compiled after the frame was made, say).
			f.slots = append(f.slots, make([]slot, idx+1-len(f.slots))...)
		}
		s := &f.slots[idx]
		if s.gen != f.gen {
			s.gen = f.gen
			s.v.reset()
			s.ok = compute(f, &s.v)
		}
		return &s.v, s.ok
	}
}
