package config

import (
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandEnv resolves, in every scalar value of a loaded file, "${NAME}" to
// the environment variable's value (empty when unset) and "$${x}" to the
// literal "${x}", as Falco's yaml_helper does before reading a
// configuration. Two deviations, both where Falco's loop misbehaves: a
// "$" followed by anything else does not end the scan of the value, and
// an expanded value is not scanned again (a variable holding "${X}" stays
// literal instead of expanding recursively).
func expandEnv(n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			expandEnv(c)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			expandEnv(n.Content[i])
		}
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "$") {
			n.Value = expandValue(n.Value)
		}
	}
}

func expandValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		rest := v[i:]
		switch {
		case strings.HasPrefix(rest, "$${"):
			if !strings.Contains(rest, "}") {
				return b.String() + rest
			}
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(rest, "${"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return b.String() + rest
			}
			b.WriteString(os.Getenv(rest[2:end]))
			i += end + 1
		default:
			b.WriteByte(v[i])
			i++
		}
	}
	return b.String()
}
