package engine

import (
	"slices"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// buildRules compiles conditions (in definition order) into rules indexed
// by their event codes, with a shared compiler.
func buildRules(t testing.TB, c *Compiler, conds ...string) []*Rule {
	t.Helper()
	var rules []*Rule
	for i, cond := range conds {
		e, err := lang.Parse(cond)
		if err != nil {
			t.Fatalf("parse %q: %v", cond, err)
		}
		cc, _, err := c.Compile(e)
		if err != nil {
			t.Fatalf("compile %q: %v", cond, err)
		}
		codes, err := EventCodes(e, resolver)
		if err != nil {
			t.Fatalf("codes %q: %v", cond, err)
		}
		rules = append(rules, &Rule{Name: cond, Cond: cc, Codes: codes, Order: i})
	}
	return rules
}

func ruleNames(rs []*Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestRulesetBuckets(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	rules := buildRules(t, c,
		"evt.type = open",                // r0: open codes
		"evt.type in (open, close)",      // r1
		"proc.name = x",                  // r2: every code
		"evt.num = 0",                    // r3: unsatisfiable
		"evt.type = close and evt.num=0", // r4: unsatisfiable
		"evt.type != open",               // r5: everything but open
	)
	async := int(event.AsyncEventCode)
	rs := NewRuleset(c, rules, MatchAll, async)
	if got, want := ruleNames(rs.Bucket(event.OpenE)), []string{"evt.type = open", "evt.type in (open, close)", "proc.name = x"}; !slices.Equal(got, want) {
		t.Errorf("open bucket %v, want %v", got, want)
	}
	if got, want := ruleNames(rs.Bucket(event.CloseX)), []string{"evt.type in (open, close)", "proc.name = x", "evt.type != open"}; !slices.Equal(got, want) {
		t.Errorf("close bucket %v, want %v", got, want)
	}
	// Every rule gets the async code, in definition order.
	if got, want := ruleNames(rs.Bucket(event.AsyncEventCode)), ruleNames(rules); !slices.Equal(got, want) {
		t.Errorf("async bucket %v, want %v", got, want)
	}
	// The unsatisfiable rules live only in the async bucket.
	for code := 0; code < resolver.Max(); code++ {
		if code == async {
			continue
		}
		for _, r := range rs.Bucket(uint16(code)) {
			if r == rules[3] || r == rules[4] {
				t.Errorf("unsatisfiable rule %q in bucket %d", r.Name, code)
			}
		}
	}
	if rs.Bucket(uint16(resolver.Max())) != nil || rs.Bucket(65535) != nil {
		t.Error("out-of-range code: want no rules")
	}
	if len(rs.Rules()) != len(rules) {
		t.Error("Rules() does not return every rule")
	}
	// Without an async code no rule is added to it.
	rs = NewRuleset(c, rules, MatchAll, -1)
	if got := ruleNames(rs.Bucket(event.AsyncEventCode)); len(got) != 3 {
		// proc.name = x, evt.type != open (the async code is not open), and nothing else
		// besides r2 and r5: r0/r1 do not include it.
		if !slices.Equal(got, []string{"proc.name = x", "evt.type != open"}) {
			t.Errorf("async bucket without async code: %v", got)
		}
	}
}

func TestRulesetMatching(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	rules := buildRules(t, c,
		"evt.type = open and proc.name = a",
		"proc.name = b",
		"evt.type in (open, close) and proc.name in (a, b)",
		"proc.name exists",
	)
	cases := []struct {
		code  uint16
		name  any
		first []string
		all   []string
	}{
		{event.OpenE, "a", []string{rules[0].Name}, []string{rules[0].Name, rules[2].Name, rules[3].Name}},
		{event.OpenE, "b", []string{rules[1].Name}, []string{rules[1].Name, rules[2].Name, rules[3].Name}},
		{event.CloseE, "a", []string{rules[2].Name}, []string{rules[2].Name, rules[3].Name}},
		{event.ReadE, "c", []string{rules[3].Name}, []string{rules[3].Name}},
		{event.ReadE, nil, nil, nil},
	}
	for _, mode := range []Matching{MatchFirst, MatchAll} {
		rs := NewRuleset(c, rules, mode, int(event.AsyncEventCode))
		f := rs.NewFrame()
		for _, tc := range cases {
			vals := map[string]any{}
			if tc.name != nil {
				vals["proc.name"] = tc.name
			}
			e := &tev{code: tc.code, vals: vals, calls: map[string]int{}}
			got := ruleNames(rs.Match(f, e, nil))
			want := tc.first
			if mode == MatchAll {
				want = tc.all
			}
			if !slices.Equal(got, want) {
				t.Errorf("mode %d, %s %v: matched %v, want %v", mode, event.Name(tc.code), tc.name, got, want)
			}
		}
	}
}

func TestRulesetWithoutEventTypes(t *testing.T) {
	c := NewCompiler(testRegistry(t), mapBinder{}, nil)
	var rules []*Rule
	for i, cond := range []string{"t.str = a", "t.str startswith a", "t.i64 = 1"} {
		e, _ := lang.Parse(cond)
		cc, _, err := c.Compile(e)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, &Rule{Name: cond, Cond: cc, Order: i})
	}
	rs := NewRuleset(c, rules, MatchAll, 5)
	for _, code := range []uint16{0, 5, 999} {
		if len(rs.Bucket(code)) != 3 {
			t.Errorf("code %d: every rule applies to a source without event types", code)
		}
	}
	got := ruleNames(rs.Match(rs.NewFrame(), ev(map[string]any{"t.str": "ab", "t.i64": int64(1)}), nil))
	if !slices.Equal(got, []string{"t.str startswith a", "t.i64 = 1"}) {
		t.Errorf("matched %v", got)
	}
}

// TestFieldExtractedOncePerEvent: a field used by many checks and rules is
// extracted once per event, and a new event invalidates the cache.
func TestFieldExtractedOncePerEvent(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	rules := buildRules(t, c,
		"proc.name = a or proc.name = b",
		"proc.name contains x and proc.name startswith y",
		"proc.name in (z) or tolower(proc.name) = q or toupper(proc.name) = Q",
		"not proc.name exists or proc.name != val(proc.pname)",
		"proc.pname = val(proc.name)",
		"fd.name = x",
	)
	rs := NewRuleset(c, rules, MatchAll, int(event.AsyncEventCode))
	f := rs.NewFrame()
	e1 := &tev{code: event.OpenE, vals: map[string]any{"proc.name": "q", "proc.pname": "q"}, calls: map[string]int{}}
	got := ruleNames(rs.Match(f, e1, nil))
	if want := []string{rules[2].Name, rules[4].Name}; !slices.Equal(got, want) {
		t.Errorf("matched %v, want %v", got, want)
	}
	for _, fld := range []string{"proc.name", "proc.pname", "fd.name"} {
		if e1.calls[fld] != 1 {
			t.Errorf("%s extracted %d times, want 1", fld, e1.calls[fld])
		}
	}
	// A second event (even a reused object) is extracted afresh.
	e1.vals["proc.name"] = "a"
	got = ruleNames(rs.Match(f, e1, nil))
	if want := []string{rules[0].Name, rules[3].Name}; !slices.Equal(got, want) {
		t.Errorf("second event matched %v, want %v", got, want)
	}
	if e1.calls["proc.name"] != 2 {
		t.Errorf("proc.name extracted %d times over two events, want 2", e1.calls["proc.name"])
	}
	// A missing field is cached as missing too.
	e2 := &tev{code: event.OpenE, vals: map[string]any{}, calls: map[string]int{}}
	rs.Match(f, e2, nil)
	if e2.calls["proc.name"] != 1 {
		t.Errorf("missing proc.name extracted %d times, want 1", e2.calls["proc.name"])
	}
	// Frames are independent.
	f2 := rs.NewFrame()
	e3 := &tev{code: event.OpenE, vals: map[string]any{"proc.name": "b"}, calls: map[string]int{}}
	rs.Match(f2, e3, nil)
	rs.Match(f, e3, nil)
	if e3.calls["proc.name"] != 2 {
		t.Errorf("two frames: proc.name extracted %d times, want 2", e3.calls["proc.name"])
	}
}

func TestFrameGenerationWrap(t *testing.T) {
	c := NewCompiler(testRegistry(t), mapBinder{}, nil)
	e, _ := lang.Parse("t.str = a")
	cc, _, err := c.Compile(e)
	if err != nil {
		t.Fatal(err)
	}
	f := c.NewFrame()
	e1 := ev(map[string]any{"t.str": "a"})
	f.Reset(e1)
	if !cc(f) {
		t.Fatal("want true")
	}
	// Force the generation counter to wrap: the stale slot must not be
	// taken for fresh.
	f.gen = ^uint32(0)
	for i := range f.slots {
		f.slots[i].gen = 1
	}
	e2 := ev(map[string]any{"t.str": "b"})
	f.Reset(e2)
	if cc(f) {
		t.Error("stale cached value used after the generation wrapped")
	}
	if f.Event() != e2 {
		t.Error("Event() does not return the current event")
	}
}

// structEvent and structBinder extract without allocating, to measure the
// engine alone.
type structEvent struct {
	code  uint16
	name  string
	pname string
	hasFD bool
	fd    string
	num   uint64
	uid   int64
}

func (e *structEvent) Type() uint16 { return e.code }

type structBinder struct{}

func (structBinder) Bind(ref fields.Ref) (Binding, error) {
	switch ref.String() {
	case "evt.type":
		return Binding{Extract: func(e Event, v *Value) bool { v.Str = event.Name(e.Type()); return true }}, nil
	case "proc.name":
		return Binding{Extract: func(e Event, v *Value) bool { v.Str = e.(*structEvent).name; return true }}, nil
	case "proc.pname":
		return Binding{Extract: func(e Event, v *Value) bool {
			se := e.(*structEvent)
			v.Str = se.pname
			return se.pname != ""
		}}, nil
	case "fd.name":
		return Binding{Extract: func(e Event, v *Value) bool {
			se := e.(*structEvent)
			v.Str = se.fd
			return se.hasFD
		}}, nil
	case "evt.num":
		return Binding{Extract: func(e Event, v *Value) bool { v.Uint = e.(*structEvent).num; return true }}, nil
	case "user.uid":
		return Binding{Extract: func(e Event, v *Value) bool { v.Uint = uint64(e.(*structEvent).uid); return true }}, nil
	}
	return Unbound{}.Bind(ref)
}

func TestMatchDoesNotAllocate(t *testing.T) {
	c := NewCompiler(syscallSource(t), structBinder{}, resolver)
	e := func(cond string) lang.Expr {
		x, err := lang.Parse(cond)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var rules []*Rule
	for i, cond := range []string{
		"evt.type in (open, openat) and proc.name in (bash, sh, zsh) and fd.name startswith /etc",
		"evt.type = open and proc.name icontains NGINX and not fd.name pmatch (/var/log, /tmp)",
		"evt.type = open and fd.name glob '/etc/*shadow*' and proc.pname != sshd",
		"evt.type = open and proc.name regex 'ba(sh|zz)' and user.uid != 0",
		"evt.type = open and tolower(proc.name) = never and len(fd.name) > 100",
		"evt.type = open and proc.name = val(proc.pname)",
		"evt.type = open and proc.name contains anyof (xx, yy) and evt.num > 0",
		"evt.type = open and basename(fd.name) in (shadow, gshadow) and proc.name != allof (a, b)",
		"proc.name exists and proc.name = never",
	} {
		x := e(cond)
		cc, _, err := c.Compile(x)
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		codes, err := EventCodes(x, resolver)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, &Rule{Name: cond, Cond: cc, Codes: codes, Order: i})
	}
	rs := NewRuleset(c, rules, MatchAll, int(event.AsyncEventCode))
	f := rs.NewFrame()
	ev := &structEvent{code: event.OpenE, name: "cat", pname: "bash", hasFD: true, fd: "/home/user/file", num: 7, uid: 1000}
	dst := make([]*Rule, 0, 16)
	if got := rs.Match(f, ev, dst[:0]); len(got) != 0 {
		t.Fatalf("want no match, got %v", ruleNames(got))
	}
	allocs := testing.AllocsPerRun(1000, func() {
		dst = rs.Match(f, ev, dst[:0])
	})
	if allocs != 0 {
		t.Errorf("Match allocates %.1f times per event on the no-match path", allocs)
	}
	// The matching path with enough capacity does not allocate either.
	ev.name = "bash"
	ev.fd = "/etc/passwd"
	if got := rs.Match(f, ev, dst[:0]); len(got) != 3 {
		t.Fatalf("want three matches, got %v", ruleNames(got))
	}
	allocs = testing.AllocsPerRun(1000, func() {
		dst = rs.Match(f, ev, dst[:0])
	})
	if allocs != 0 {
		t.Errorf("Match allocates %.1f times per event on a matching path", allocs)
	}
}

// TestBuildingTransformersAllocateOnce: transformers that build a new
// string (concat, join, tolower/toupper of a value that changes) allocate
// the result and nothing else.
func TestBuildingTransformersAllocateOnce(t *testing.T) {
	for _, cond := range []string{
		"concat(proc.name, fd.name, '-x') = nomatch",
		"join(',', (proc.name, fd.name, 'x')) = nomatch",
		"toupper(proc.name) = nomatch",
		"tolower(proc.name) = nomatch", // unchanged value: no allocation at all
	} {
		c := NewCompiler(syscallSource(t), structBinder{}, resolver)
		x, _ := lang.Parse(cond)
		cc, _, err := c.Compile(x)
		if err != nil {
			t.Fatal(err)
		}
		f := c.NewFrame()
		ev := &structEvent{code: event.OpenE, name: "cat", hasFD: true, fd: "/home/user/file"}
		if a := testing.AllocsPerRun(200, func() { f.Reset(ev); cc(f) }); a > 1 {
			t.Errorf("%s: %.1f allocations per event, want at most 1", cond, a)
		}
	}
}

// TestFrameGrowsForLaterExpressions: a frame made before more expressions
// are compiled (an output format, say) still serves them.
func TestFrameGrowsForLaterExpressions(t *testing.T) {
	c := NewCompiler(syscallSource(t), syscallBinder{}, resolver)
	f := c.NewFrame()
	format, err := c.CompileFormat("%proc.name %toupper(fd.name)")
	if err != nil {
		t.Fatal(err)
	}
	f.Reset(&tev{code: event.OpenE, vals: map[string]any{"proc.name": "a", "fd.name": "/x"}, calls: map[string]int{}})
	var got []string
	for i := range format.Tokens {
		if v, ok := format.Tokens[i].Get(f); ok {
			got = append(got, v.Str)
		}
	}
	if !slices.Equal(got, []string{"a", "/X"}) {
		t.Errorf("got %q", got)
	}
}
