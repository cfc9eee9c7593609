package engine

import (
	"github.com/kestrel-project/kestrel/internal/priority"
)

// Rule is a compiled, enabled rule of one source.
type Rule struct {
	Name     string
	Desc     string
	Source   string
	Priority priority.Priority
	Tags     []string
	Cond     Cond
	Output   *Format
	// Codes is the set of event codes the condition can match; nil for
	// sources without event types (every event is a candidate).
	Codes CodeSet
	// Syscalls is the set of syscall codes the condition needs captured
	// (see SyscallCodes); nil for sources without syscalls.
	Syscalls CodeSet
	// Order is the rule's position in definition order.
	Order int
	// Extra fields rendered into JSON output_fields beyond the format's
	// (append_output extra_fields), by key.
	ExtraFields map[string]*Format
}

// Matching selects how many rules an event can trigger.
type Matching int

// Matching modes (Falco's rule_matching).
const (
	// MatchFirst stops at the first matching rule, in definition order.
	MatchFirst Matching = iota
	// MatchAll reports every matching rule, in definition order.
	MatchAll
)

// Ruleset holds the enabled rules of one source, indexed by event code.
type Ruleset struct {
	compiler *Compiler
	rules    []*Rule
	buckets  [][]*Rule // by event code
	anyType  []*Rule   // sources without event types
	matching Matching
}

// NewRuleset indexes rules (already in definition order). asyncCode is the
// event code every syscall rule also listens to (plugin async events); use
// a negative value for none.
func NewRuleset(c *Compiler, rules []*Rule, matching Matching, asyncCode int) *Ruleset {
	rs := &Ruleset{compiler: c, rules: rules, matching: matching}
	if c.evtypes == nil {
		rs.anyType = rules
		return rs
	}
	rs.buckets = make([][]*Rule, c.evtypes.Max())
	for _, r := range rules {
		for _, code := range r.Codes.Codes() {
			rs.buckets[code] = append(rs.buckets[code], r)
		}
		if asyncCode >= 0 && asyncCode < len(rs.buckets) && !r.Codes.Has(uint16(asyncCode)) {
			rs.buckets[asyncCode] = append(rs.buckets[asyncCode], r)
		}
	}
	return rs
}

// Rules returns the indexed rules in definition order.
func (rs *Ruleset) Rules() []*Rule { return rs.rules }

// Bucket returns the rules evaluated for an event code, in order.
func (rs *Ruleset) Bucket(code uint16) []*Rule {
	if rs.buckets == nil {
		return rs.anyType
	}
	if int(code) < len(rs.buckets) {
		return rs.buckets[code]
	}
	return nil
}

// NewFrame returns evaluation state for one goroutine.
func (rs *Ruleset) NewFrame() *Frame { return rs.compiler.NewFrame() }

// Match evaluates the rules for ev and appends the matching ones to dst,
// which it returns. The frame keeps the event's extracted values, so the
// caller can render outputs from it before the next call. With a dst of
// enough capacity, a call allocates nothing.
func (rs *Ruleset) Match(f *Frame, ev Event, dst []*Rule) []*Rule {
	f.Reset(ev)
	for _, r := range rs.Bucket(ev.Type()) {
		if r.Cond(f) {
			dst = append(dst, r)
			if rs.matching == MatchFirst {
				break
			}
		}
	}
	return dst
}
