package load

import (
	"strings"
	"testing"
)

// TestSuggestedOutput: Falco's default append_output entry adds the fields
// the source suggests (the container plugin's container and pod names and
// image) to every matching rule's output.
func TestSuggestedOutput(t *testing.T) {
	l := New(testSources(t), Options{
		Plugins:      map[string]string{"container": "0.7.0"},
		AppendOutput: []AppendOutput{{Suggested: true}, {Tags: []string{"net"}, Format: "proto=%fd.l4proto"}},
	})
	res := l.LoadContent("rules.yaml", []byte(`
- rule: a
  desc: d
  condition: evt.type = open
  output: opened %fd.name
  priority: WARNING
- rule: b
  desc: d
  condition: evt.type = connect
  output: connected %fd.name
  priority: WARNING
  tags: [net]
`))
	if !res.OK() {
		t.Fatal(describe(res))
	}
	got := map[string]string{}
	for _, r := range l.Rules() {
		got[r.Name] = r.OutputText
		var keys []string
		for _, f := range r.Output.Fields {
			keys = append(keys, f.Key)
		}
		if !strings.Contains(strings.Join(keys, ","), "container.id,container.name") {
			t.Errorf("%s: output fields %v lack the suggested ones", r.Name, keys)
		}
	}
	// The container plugin suggests six fields (its extract.cpp marks them).
	const suggested = " container_id=%container.id container_name=%container.name" +
		" container_image_repository=%container.image.repository container_image_tag=%container.image.tag" +
		" k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name"
	if got["a"] != "opened %fd.name"+suggested {
		t.Errorf("a: %q", got["a"])
	}
	if got["b"] != "connected %fd.name"+suggested+" proto=%fd.l4proto" {
		t.Errorf("b: %q", got["b"])
	}
}
