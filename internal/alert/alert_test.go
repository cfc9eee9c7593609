package alert

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

type testEvent struct{ vals map[string]any }

func (testEvent) Type() uint16 { return 1 }

type testBinder struct{}

func (testBinder) Bind(ref fields.Ref) (engine.Binding, error) {
	name := ref.String()
	return engine.Binding{Extract: func(e engine.Event, v *engine.Value) bool {
		x, ok := e.(testEvent).vals[name]
		if !ok {
			return false
		}
		switch x := x.(type) {
		case string:
			v.Str = x
		case int64:
			v.Int = x
		case uint64:
			v.Uint = x
		case bool:
			v.Bool = x
		}
		return true
	}}, nil
}

func testSource(t *testing.T) *fields.Source {
	r := fields.NewRegistry()
	if err := r.Register(&fields.Class{Name: "t", Sources: []string{"test"}, Fields: []fields.Field{
		{Name: "proc.name", Type: fields.TypeCharBuf},
		{Name: "proc.cmdline", Type: fields.TypeCharBuf},
		{Name: "user.loginuid", Type: fields.TypeInt64},
		{Name: "proc.tty", Type: fields.TypeUint32},
		{Name: "fd.name", Type: fields.TypeCharBuf},
		{Name: "evt.is_open_read", Type: fields.TypeBool},
	}}); err != nil {
		t.Fatal(err)
	}
	s, _ := r.Source("test")
	return s
}

func compileRule(t *testing.T, output string) *engine.Rule {
	c := engine.NewCompiler(testSource(t), testBinder{}, nil)
	f, err := c.CompileFormat(output)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := lang.Parse("proc.name exists")
	cond, _, err := c.Compile(e)
	if err != nil {
		t.Fatal(err)
	}
	return &engine.Rule{Name: "Terminal shell in container", Source: "syscall", Priority: priority.Critical,
		Tags: []string{"container", "mitre_execution", "shell"}, Cond: cond, Output: f}
}

func frameFor(t *testing.T, r *engine.Rule, vals map[string]any) *engine.Frame {
	rs := engine.NewRuleset(engine.NewCompiler(testSource(t), testBinder{}, nil), nil, engine.MatchFirst, -1)
	f := rs.NewFrame()
	f.Reset(testEvent{vals: vals})
	return f
}

func TestAlertForms(t *testing.T) {
	r := compileRule(t, `A shell (user=%proc.name loginuid=%user.loginuid tty=%proc.tty cmdline=%proc.cmdline file=%fd.name read=%evt.is_open_read)`)
	f := frameFor(t, r, map[string]any{
		"proc.name":        "sh",
		"user.loginuid":    int64(-1),
		"proc.tty":         uint64(34816),
		"proc.cmdline":     "sh -c \"echo\ta\\b\" \x01\xff<&>",
		"evt.is_open_read": true,
	})
	ts := uint64(1685022245478445995)
	opts := Options{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, Hostname: "falco-xczjd"}
	a := New(r, f, ts, opts)
	wantMsg := "A shell (user=sh loginuid=-1 tty=34816 cmdline=sh -c \"echo\ta\\b\" \x01\xff<&> file=<NA> read=true)"
	if a.Message != wantMsg {
		t.Errorf("message = %q", a.Message)
	}
	local := time.Unix(0, int64(ts)).Local().Format("15:04:05") + ".478445995"
	wantText := local + `: Critical A shell (user=sh loginuid=-1 tty=34816 cmdline=sh -c \"echo\ta\\b\" \u0001` + "\ufffd" + `<&> file=<NA> read=true)`
	if got := a.Text(); got != wantText {
		t.Errorf("text =\n%s\nwant\n%s", got, wantText)
	}
	j := string(a.JSON(opts))
	if !strings.HasPrefix(j, `{"hostname":"falco-xczjd","output":"`+local+`: Critical A shell`) {
		t.Errorf("json starts %s", j[:80])
	}
	wantFields := `"output_fields":{"evt.is_open_read":true,"evt.time":1685022245478445995,"fd.name":null,"proc.cmdline":"sh -c \"echo\ta\\b\" \u0001` + "\ufffd" + `<&>","proc.name":"sh","proc.tty":34816,"user.loginuid":-1}`
	if !strings.Contains(j, wantFields) {
		t.Errorf("json fields: %s\nwant %s", j, wantFields)
	}
	if !strings.HasSuffix(j, `"priority":"Critical","rule":"Terminal shell in container","source":"syscall","tags":["container","mitre_execution","shell"],"time":"2023-05-25T13:44:05.478445995Z"}`) {
		t.Errorf("json tail: %s", j)
	}
	var doc map[string]any
	if err := json.Unmarshal(a.JSON(opts), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	// Options turn keys off and on.
	j2 := string(a.JSON(Options{IncludeMessage: true, Hostname: "h"}))
	if strings.Contains(j2, `"output"`) || strings.Contains(j2, `"tags"`) || strings.Contains(j2, `output_fields`) ||
		!strings.Contains(j2, `"message":"A shell`) {
		t.Errorf("options ignored: %s", j2)
	}
}

func TestISOTime(t *testing.T) {
	r := compileRule(t, "x %proc.name")
	f := frameFor(t, r, map[string]any{"proc.name": "a"})
	opts := Options{TimeFormatISO8601: true, IncludeOutputFields: true}
	a := New(r, f, 1685022245000000001, opts)
	if a.Output != "2023-05-25T13:44:05.000000001+0000: Critical x a" {
		t.Errorf("output = %q", a.Output)
	}
	if a.Fields[0].Key != "evt.time.iso8601" {
		t.Errorf("fields = %+v", a.Fields)
	}
}

func TestHostnameFromEnvironment(t *testing.T) {
	t.Setenv("FALCO_HOSTNAME", "")
	t.Setenv("KESTREL_HOSTNAME", "node-7")
	if Hostname() != "node-7" {
		t.Errorf("hostname = %q", Hostname())
	}
	t.Setenv("FALCO_HOSTNAME", "falco-node")
	if Hostname() != "falco-node" {
		t.Errorf("FALCO_HOSTNAME not preferred: %q", Hostname())
	}
}
