package load

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// k8sAuditSource is a small plugin-like source with a "ka" class, enough to
// exercise source handling and the <NA> check on ka.* fields.
const k8sAuditSource = "k8s_audit"

// testSources returns the syscall source as cmd/kestrel builds it, plus a
// tiny k8s_audit source.
func testSources(t testing.TB) []*Source {
	t.Helper()
	reg := fields.NewDefault()
	err := reg.Register(&fields.Class{
		Name:    "k8saudit",
		Desc:    "test k8s audit fields",
		Sources: []string{k8sAuditSource},
		Fields: []fields.Field{
			{Name: "ka.verb", Type: fields.TypeCharBuf},
			{Name: "ka.user.name", Type: fields.TypeCharBuf},
			{Name: "ka.target.resource", Type: fields.TypeCharBuf},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sys, _ := reg.Source(fields.SyscallSource)
	ka, _ := reg.Source(k8sAuditSource)
	return []*Source{
		{Name: fields.SyscallSource, Fields: sys, Binder: engine.Unbound{},
			EventTypes: event.NewResolver(), AsyncCode: int(event.AsyncEventCode)},
		{Name: k8sAuditSource, Fields: ka, Binder: engine.Unbound{}, AsyncCode: -1},
	}
}

// newTestLoader returns a loader over testSources with the container plugin
// available, as the agent has.
func newTestLoader(t testing.TB) *Loader {
	t.Helper()
	return New(testSources(t), Options{Plugins: map[string]string{"container": "0.7.0"}})
}

// fileName is the name load gives the i-th (0-based) content.
func fileName(i, n int) string {
	if n == 1 {
		return "rules.yaml"
	}
	return fmt.Sprintf("rules%d.yaml", i+1)
}

// load loads each content, in order, into one loader, under the names
// rules.yaml (one file) or rules1.yaml, rules2.yaml, ... (several).
func load(t testing.TB, files ...string) (*Loader, []*Result) {
	t.Helper()
	l := newTestLoader(t)
	var out []*Result
	for i, f := range files {
		out = append(out, l.LoadContent(fileName(i, len(files)), []byte(f)))
	}
	return l, out
}

// last returns the last result.
func last(rs []*Result) *Result { return rs[len(rs)-1] }

// describe renders a result's messages for failure output.
func describe(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Summary())
	for _, m := range append(append([]Message(nil), r.Errors...), r.Warnings...) {
		fmt.Fprintf(&b, "  %s: %q\n", m.Code(), m.Msg)
		for _, l := range m.Ctx.Locations {
			fmt.Fprintf(&b, "      %s\n", locString(l))
		}
	}
	return b.String()
}

func locString(l Location) string {
	s := l.ItemType.String()
	if l.ItemName != "" {
		s += " '" + l.ItemName + "'"
	}
	return fmt.Sprintf("%s %s:%d:%d", s, l.Pos.Name, l.Pos.Line, l.Pos.Column)
}

// chain renders a context as "type 'name' file:line:col" lines.
func chain(c Context) []string {
	out := make([]string, len(c.Locations))
	for i, l := range c.Locations {
		out[i] = locString(l)
	}
	return out
}

func wantChain(t testing.TB, m Message, want ...string) {
	t.Helper()
	got := chain(m.Ctx)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("context of %s %q:\n got  %q\n want %q", m.Code(), m.Msg, got, want)
	}
}

// wantOK asserts a result is successful and has no warnings.
func wantOK(t testing.TB, r *Result) {
	t.Helper()
	if !r.OK() || len(r.Warnings) != 0 {
		t.Fatalf("want Ok without warnings, got:\n%s", describe(r))
	}
}

// wantSuccess asserts a result is successful (warnings allowed).
func wantSuccess(t testing.TB, r *Result) {
	t.Helper()
	if !r.OK() {
		t.Fatalf("want success, got:\n%s", describe(r))
	}
}

// wantError asserts a result failed with exactly one error of that code and
// message, and returns it.
func wantError(t testing.TB, r *Result, code, msg string) Message {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error %s %q, got:\n%s", code, msg, describe(r))
	}
	m := r.Errors[0]
	if m.Code() != code || m.Msg != msg {
		t.Fatalf("want error %s %q, got:\n%s", code, msg, describe(r))
	}
	return m
}

// findWarnings returns the warnings with that code.
func findWarnings(r *Result, code string) []Message {
	var out []Message
	for _, w := range r.Warnings {
		if w.Code() == code {
			out = append(out, w)
		}
	}
	return out
}

// wantWarning asserts a result has a warning with that code and message,
// and returns the first one.
func wantWarning(t testing.TB, r *Result, code, msg string) Message {
	t.Helper()
	for _, w := range r.Warnings {
		if w.Code() == code && w.Msg == msg {
			return w
		}
	}
	t.Fatalf("want warning %s %q, got:\n%s", code, msg, describe(r))
	return Message{}
}

// wantWarningCodes asserts the exact list of warning codes, in order.
func wantWarningCodes(t testing.TB, r *Result, codes ...string) {
	t.Helper()
	var got []string
	for _, w := range r.Warnings {
		got = append(got, w.Code())
	}
	if strings.Join(got, ",") != strings.Join(codes, ",") {
		t.Fatalf("warning codes: got %v, want %v\n%s", got, codes, describe(r))
	}
}

// rule returns a compiled rule by name, failing if absent.
func rule(t testing.TB, l *Loader, name string) *Rule {
	t.Helper()
	for _, r := range l.Rules() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("rule %q not compiled; have %v", name, ruleNames(l))
	return nil
}

func ruleNames(l *Loader) []string {
	var out []string
	for _, r := range l.Rules() {
		out = append(out, r.Name)
	}
	return out
}

// list returns a collected list by name.
func list(t testing.TB, l *Loader, name string) List {
	t.Helper()
	for _, li := range l.Lists() {
		if li.Name == name {
			return li
		}
	}
	t.Fatalf("list %q not found", name)
	return List{}
}

// ruleYAML renders a complete rule item; extra lines are appended as is
// (each indented by two spaces by the caller).
func ruleYAML(name, cond string, extra ...string) string {
	s := "- rule: " + name + "\n  desc: d\n  condition: " + cond + "\n  output: o %evt.num\n  priority: INFO\n"
	for _, e := range extra {
		s += e + "\n"
	}
	return s
}

// wantCondition compares a condition tree with the parse of want, both
// rendered canonically.
func wantCondition(t testing.TB, got lang.Expr, want string) {
	t.Helper()
	w, err := lang.Parse(want)
	if err != nil {
		t.Fatalf("bad expected condition %q: %v", want, err)
	}
	if g, ws := lang.String(got), lang.String(w); g != ws {
		t.Errorf("condition:\n got  %s\n want %s", g, ws)
	}
}

// exprName is the item name of a "condition expression" location: the
// condition, cut to 17 bytes and "..." when longer than 20.
func exprName(cond string) string {
	if len(cond) > 20 {
		cond = cond[:17] + "..."
	}
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(cond)
}
