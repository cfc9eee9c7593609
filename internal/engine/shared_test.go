package engine

import (
	"testing"

	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// compilePlanned plans every condition, then compiles them, as the loader
// does for a ruleset.
func compilePlanned(t *testing.T, c *Compiler, conds ...string) []Cond {
	t.Helper()
	var asts []lang.Expr
	for _, s := range conds {
		e, err := lang.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		c.Plan(e)
		asts = append(asts, e)
	}
	var out []Cond
	for _, e := range asts {
		cc, _, err := c.Compile(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cc)
	}
	return out
}

// TestSharedSubConditions: a compound sub-condition planned twice gets one
// result slot, its cached result is per event, and results equal those of
// an unplanned compilation.
func TestSharedSubConditions(t *testing.T) {
	shared := "(t.str = a and t.i64 > 1)"
	conds := []string{shared + " and t.u64 = 7", "t.str2 = b and " + shared, "t.str = a or t.i64 = 0"}
	c := NewCompiler(testRegistry(t), mapBinder{}, nil)
	planned := compilePlanned(t, c, conds...)
	if c.nconds != 1 {
		t.Fatalf("%d shared slots, want 1", c.nconds)
	}
	plain := NewCompiler(testRegistry(t), mapBinder{}, nil)
	var unplanned []Cond
	for _, s := range conds {
		e, _ := lang.Parse(s)
		cc, _, err := plain.Compile(e)
		if err != nil {
			t.Fatal(err)
		}
		unplanned = append(unplanned, cc)
	}
	if plain.nconds != 0 {
		t.Fatalf("unplanned compilation made %d shared slots", plain.nconds)
	}
	events := []*tev{
		ev(map[string]any{"t.str": "a", "t.i64": int64(5), "t.u64": uint64(7), "t.str2": "b"}),
		ev(map[string]any{"t.str": "a", "t.i64": int64(0), "t.u64": uint64(7), "t.str2": "b"}),
		ev(map[string]any{"t.str": "x", "t.i64": int64(5), "t.u64": uint64(7), "t.str2": "b"}),
		ev(map[string]any{"t.str": "a", "t.i64": int64(9), "t.u64": uint64(7), "t.str2": "b"}),
	}
	fp, fu := c.NewFrame(), plain.NewFrame()
	for i, e := range events {
		fp.Reset(e)
		fu.Reset(e)
		for j := range conds {
			if got, want := planned[j](fp), unplanned[j](fu); got != want {
				t.Errorf("event %d, %q: planned %v, unplanned %v", i, conds[j], got, want)
			}
		}
	}
}
