package sources

import (
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/priority"
)

// The default loader takes what Falco's rule files need: the container
// plugin declared, container.* fields, the async container event by name,
// and the suggested output fields appended.
func TestDefaultLoader(t *testing.T) {
	l := NewLoader(DefaultOptions())
	res := l.LoadContent("r.yaml", []byte(`- required_plugin_versions:
  - name: container
    version: 0.4.0
- rule: container seen
  desc: d
  condition: evt.type = container and container.image.repository = nginx
  output: new container %container.name
  priority: INFO
`))
	if !res.OK() || len(res.Warnings) > 0 {
		t.Fatal(res.Verbose(l.Contents()))
	}
	if err := l.CheckPluginRequirements(); err != nil {
		t.Fatal(err)
	}
	rs, enabled := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchFirst)
	if len(enabled) != 1 || len(rs.Rules()) != 1 {
		t.Fatalf("%d rules enabled", len(enabled))
	}
	if out := enabled[0].OutputText; !strings.Contains(out, "container_id=%container.id") {
		t.Errorf("suggested output fields not appended: %q", out)
	}
}

// A file requiring a newer container plugin than the built-in one is refused.
func TestPluginRequirementAboveBuiltInVersion(t *testing.T) {
	l := NewLoader(DefaultOptions())
	l.LoadContent("r.yaml", []byte("- required_plugin_versions:\n  - name: container\n    version: 9.0.0\n"))
	if err := l.CheckPluginRequirements(); err == nil {
		t.Fatal("container 9.0.0 accepted from the built-in 0.7.0")
	}
}
