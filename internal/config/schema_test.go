package config

import (
	"strings"
	"testing"
)

func TestSchema(t *testing.T) {
	if w := Default().Validate("kestrel.yaml"); len(w) != 0 {
		t.Fatalf("the default configuration does not satisfy the schema: %v", w)
	}
	tree, err := Parse("falco.yaml", []byte(`priority: warning
webserver:
  enabled: true
  listen_port: "eighty"
unknown_key: 1
file_output:
  enabled: true
  filenam: /tmp/x
rule_matching: some
`))
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(tree.Validate("falco.yaml"), "\n")
	for _, want := range []string{
		"falco.yaml:4: webserver.listen_port:",
		"falco.yaml:5: unknown_key: unknown key",
		"falco.yaml:8: file_output.filenam: unknown key",
		"falco.yaml:9: rule_matching:",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}
