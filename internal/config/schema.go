package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The configuration's JSON schema: falco.yaml's keys (those Kestrel reads,
// with their types, and the others Falco knows, so a falco.yaml passes)
// written for Kestrel. As in Falco, a document that does not satisfy it
// gets warnings, not a refusal; the settings decoders still reject values
// they cannot use, with the key and line.
//
//go:embed kestrel.schema.json
var schemaJSON []byte

var compiledSchema = func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("kestrel.schema.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("kestrel.schema.json")
}()

var english = message.NewPrinter(language.English)

// SchemaJSON is the schema, for `kestrel config schema`.
func SchemaJSON() []byte { return schemaJSON }

// ValidateFile reads a configuration file alone and validates it.
func ValidateFile(path string) []string {
	t, err := LoadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	return t.Validate(path)
}

// Validate checks the configuration against the schema and returns one
// message per problem, naming the key and, when the value came from a
// file, the file line: "name:12: webserver.listen_port: got string, want
// integer".
func (t *Tree) Validate(name string) []string {
	var v any
	if err := t.root.Decode(&v); err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	err = compiledSchema.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			// One message per unknown key, at the key's own line.
			parent := nodeAt(t.root, e.InstanceLocation)
			for _, k := range ap.Properties {
				full := strings.Join(append(append([]string{}, e.InstanceLocation...), k), ".")
				line := 0
				if parent != nil && parent.Kind == yaml.MappingNode {
					for i := 0; i+1 < len(parent.Content); i += 2 {
						if parent.Content[i].Value == k {
							line = parent.Content[i].Line
						}
					}
				}
				out = append(out, fmt.Sprintf("%s:%d: %s: unknown key", name, line, full))
			}
			return
		}
		key := strings.Join(e.InstanceLocation, ".")
		if key == "" {
			key = "(top level)"
		}
		where := name
		if line := lineOf(t.root, e.InstanceLocation); line > 0 {
			where += ":" + strconv.Itoa(line)
		}
		out = append(out, fmt.Sprintf("%s: %s: %s", where, key, e.ErrorKind.LocalizedString(english)))
	}
	walk(ve)
	sort.Strings(out)
	return out
}

// nodeAt returns the node at a path, or nil.
func nodeAt(n *yaml.Node, path []string) *yaml.Node {
	for _, p := range path {
		switch n.Kind {
		case yaml.MappingNode:
			if n = mapChild(n, p); n == nil {
				return nil
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
	}
	return n
}

// lineOf finds the line of the value at a JSON-pointer-like path.
func lineOf(n *yaml.Node, path []string) int {
	for _, p := range path {
		switch n.Kind {
		case yaml.MappingNode:
			next := mapChild(n, p)
			if next == nil {
				return n.Line
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n.Line
			}
			n = n.Content[i]
		default:
			return n.Line
		}
	}
	return n.Line
}
