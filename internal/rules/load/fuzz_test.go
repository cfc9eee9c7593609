package load

import (
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
)

func fuzzLoader() *Loader {
	reg := fields.NewDefault()
	src, _ := reg.Source(fields.SyscallSource)
	return New([]*Source{{Name: fields.SyscallSource, Fields: src, Binder: engine.Unbound{},
		EventTypes: event.NewResolver(), AsyncCode: int(event.AsyncEventCode)}},
		Options{Plugins: map[string]string{"container": "0.7.0"}})
}

// FuzzLoad feeds arbitrary bytes to the loader as a rules file: it must
// never panic, and a failed load must say where.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"- list: l\n  items: [a, b]\n- macro: m\n  condition: proc.name in (l)\n- rule: r\n  desc: d\n  condition: evt.type = execve and m\n  output: x %proc.name\n  priority: WARNING\n",
		"- rule: r\n  condition: evt.type=open\n  override:\n    condition: append\n",
		"- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  exceptions:\n  - name: e\n    fields: [proc.name, fd.name]\n    comps: [=, startswith]\n    values: [[a, /b]]\n",
		"- required_engine_version: 0.26.0\n- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n",
		"a: &a [x, *a]\n",
		"---\n- macro: m\n  condition: (a\n",
		"- list: [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		l := fuzzLoader()
		res := l.LoadContent("fuzz.yaml", content)
		for _, m := range res.Errors {
			if len(m.Ctx.Locations) == 0 || m.Msg == "" {
				t.Fatalf("error without context or message: %+v", m)
			}
		}
		_ = res.Verbose(l.Contents())
		if _, err := JSON(l.Results(), l.Contents()); err != nil {
			t.Fatal(err)
		}
	})
}
