package load

import (
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// memBudget is how much a hostile input may make the loader allocate.
const memBudget = 500 << 20

// withinBudget runs f and fails if it allocated more than memBudget.
func withinBudget(t *testing.T, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	if grown := after.TotalAlloc - before.TotalAlloc; grown > memBudget {
		t.Errorf("allocated %d MB", grown>>20)
	}
}

// wantFailed asserts a result failed with one error of that code.
func wantFailed(t *testing.T, r *Result, code string) {
	t.Helper()
	if r.OK() || len(r.Errors) != 1 || r.Errors[0].Code() != code {
		t.Fatalf("want %s, got:\n%s", code, describe(r))
	}
}

// billionLaughs builds nested anchors: each level is ten aliases of the
// previous one, so fully expanding the last is 10^levels scalars.
func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("- l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		prev := "*l" + strconv.Itoa(i-1)
		b.WriteString("- l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	return b.String()
}

func TestHostileBillionLaughs(t *testing.T) {
	laughs := billionLaughs(9)
	tests := []struct {
		name, tail, code, msg string
	}{
		// Exception values are nested lists: following every alias would
		// visit 10^10 nodes.
		{"exception values", `
- rule: r
  desc: d
  condition: evt.type = open
  output: o
  priority: INFO
  exceptions:
    - name: e
      fields: [proc.name]
      values: *l9
`, "LOAD_ERR_YAML_PARSE", "rules content uses YAML aliases too many times (more than 10000)"},
		{"list items", "- list: big\n  items: *l9\n", "LOAD_ERR_YAML_VALIDATE", "sequence value is not scalar"},
		{"tags", "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  tags: *l9\n",
			"LOAD_ERR_YAML_VALIDATE", "sequence value is not scalar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withinBudget(t, func() {
				_, rs := load(t, laughs+tc.tail)
				r := last(rs)
				wantFailed(t, r, tc.code)
				if r.Errors[0].Msg != tc.msg {
					t.Errorf("message %q", r.Errors[0].Msg)
				}
			})
		})
	}
	// Many aliases of a scalar are fine up to the budget, then refused.
	many := "- list: l\n  items: &x [a]\n" + strings.Repeat("- list: l\n  items: *x\n  override:\n    items: append\n", 20000)
	withinBudget(t, func() {
		_, rs := load(t, many)
		wantFailed(t, last(rs), "LOAD_ERR_YAML_PARSE")
	})
}

func TestHostileDeepNesting(t *testing.T) {
	const depth = 100000
	tests := map[string]string{
		"flow sequences":              strings.Repeat("[", depth) + strings.Repeat("]", depth),
		"flow mappings":               "- rule: " + strings.Repeat("{a: ", depth) + "x" + strings.Repeat("}", depth),
		"block sequences on one line": strings.Repeat("- ", depth) + "x\n",
		"exception values": `
- rule: r
  desc: d
  condition: evt.type = open
  output: o
  priority: INFO
  exceptions:
    - name: e
      fields: [proc.name]
      values: ` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			withinBudget(t, func() {
				_, rs := load(t, content)
				r := last(rs)
				if r.OK() || len(r.Errors) != 1 {
					t.Fatalf("got:\n%s", describe(r))
				}
			})
		})
	}
	// Nesting within the limits reaches the loader's own checks.
	_, rs := load(t, "- list: l\n  items: "+strings.Repeat("[", 10)+"a"+strings.Repeat("]", 10)+"\n")
	wantError(t, last(rs), "LOAD_ERR_YAML_VALIDATE", "sequence value is not scalar")
	_, rs = load(t, strings.Repeat("- ", 60)+"x\n")
	wantError(t, last(rs), "LOAD_ERR_YAML_VALIDATE", "Unexpected element type. Each element should be a yaml associative array.")
}

func TestHostileLargeFile(t *testing.T) {
	big := strings.Repeat("# padding padding padding padding padding padding padding\n", (20<<20)/58+1)
	if len(big) <= MaxFileSize {
		t.Fatal("test content not over the limit")
	}
	withinBudget(t, func() {
		path := filepath.Join(t.TempDir(), "big.yaml")
		if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
			t.Fatal(err)
		}
		l := newTestLoader(t)
		r := l.LoadFile(path)
		wantFailed(t, r, "LOAD_ERR_FILE_READ")
		if !strings.HasSuffix(r.Errors[0].Msg, " bytes, more than the limit of 16777216 for a rules file") {
			t.Errorf("message %q", r.Errors[0].Msg)
		}
		rs := l.LoadPath(path)
		wantFailed(t, rs[0], "LOAD_ERR_FILE_READ")

		// Content handed over directly is checked too.
		r = l.LoadContent("big.yaml", []byte(big))
		wantFailed(t, r, "LOAD_ERR_YAML_PARSE")
	})
}

func TestHostileGarbage(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	garbage := make([]byte, 5<<20)
	rnd.Read(garbage)
	withinBudget(t, func() {
		_, rs := load(t, string(garbage))
		if r := last(rs); r.OK() || len(r.Errors) != 1 {
			t.Fatalf("got:\n%s", describe(r))
		}
	})
	// Printable garbage (valid UTF-8, YAML-ish punctuation).
	const alphabet = "-:[]{}&*!|>'\"%@`#,? \n\tabc123"
	text := make([]byte, 5<<20)
	for i := range text {
		text[i] = alphabet[rnd.Intn(len(alphabet))]
	}
	withinBudget(t, func() {
		_, rs := load(t, string(text))
		if r := last(rs); r.OK() {
			t.Fatalf("got:\n%s", describe(r))
		}
	})
}
