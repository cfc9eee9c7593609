// Package config owns Kestrel's configuration: the falco.yaml-compatible
// document tree read from a file, the `-o key=value` overrides applied on
// top of it (Falco's syntax, list items included), and the typed settings
// each component takes from it.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kestrel-project/kestrel/internal/priority"
)

// Tree is a configuration document.
type Tree struct {
	root *yaml.Node // a mapping node
}

// Empty returns an empty configuration.
func Empty() *Tree {
	return &Tree{root: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}
}

// LoadFile reads a YAML configuration file.
func LoadFile(path string) (*Tree, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads a YAML configuration document.
func Parse(name string, data []byte) (*Tree, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return Empty(), nil
	}
	root := doc.Content[0]
	expandEnv(root)
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config %s: the document must be a mapping of keys", name)
	}
	return &Tree{root: root}, nil
}

// Override applies one `-o key=value` option. Keys are dotted paths; a
// sequence element is addressed as `key[N]`, and `key[]` appends one.
// Values that look like a YAML flow mapping or sequence ({...} or [...])
// are parsed as YAML, others are taken as scalars.
func (t *Tree) Override(opt string) error {
	eq := strings.IndexByte(opt, '=')
	if eq < 0 {
		return fmt.Errorf("Error parsing config option \"%s\". Must be of the form key=val or key.subkey=val", opt)
	}
	key, val := opt[:eq], opt[eq+1:]
	path, err := splitKey(key)
	if err != nil {
		return fmt.Errorf("Config error at key \"%s\": %v", key, err)
	}
	var value *yaml.Node
	trimmed := strings.TrimSpace(val)
	if (strings.HasPrefix(trimmed, "{") && strings.HasSuffix(trimmed, "}")) ||
		(strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]")) {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(trimmed), &doc); err != nil {
			return fmt.Errorf("Config error at key \"%s\": Parsing error: %v", key, err)
		}
		value = doc.Content[0]
	} else {
		value = &yaml.Node{Kind: yaml.ScalarNode, Value: val}
	}
	return t.set(path, value)
}

// pathElem is one step of a key path: a map key, then optional indexes.
type pathElem struct {
	key     string
	indexes []int // -1 means "append"
}

// splitKey parses "a.b[2].c[]" into its steps. A backslash escapes '.'
// or '[' inside a key, as Falco 0.44 allows.
func splitKey(key string) ([]pathElem, error) {
	var out []pathElem
	var cur strings.Builder
	var elem pathElem
	flush := func() error {
		if cur.Len() == 0 && len(elem.indexes) == 0 {
			return errors.New("empty key segment")
		}
		elem.key = cur.String()
		out = append(out, elem)
		cur.Reset()
		elem = pathElem{}
		return nil
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '\\' && i+1 < len(key):
			i++
			cur.WriteByte(key[i])
		case c == '.':
			if err := flush(); err != nil {
				return nil, err
			}
		case c == '[':
			end := strings.IndexByte(key[i:], ']')
			if end < 0 {
				return nil, errors.New("unterminated '['")
			}
			idx := key[i+1 : i+end]
			if idx == "" {
				elem.indexes = append(elem.indexes, -1)
			} else {
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("invalid index '%s'", idx)
				}
				elem.indexes = append(elem.indexes, n)
			}
			i += end
		default:
			if len(elem.indexes) > 0 {
				return nil, errors.New("unexpected text after ']'")
			}
			cur.WriteByte(c)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func (t *Tree) set(path []pathElem, value *yaml.Node) error {
	node := t.root
	for pi, p := range path {
		last := pi == len(path)-1
		child := mapChild(node, p.key)
		if child == nil {
			child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if len(p.indexes) > 0 {
				child = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p.key}, child)
		}
		if len(p.indexes) == 0 {
			if last {
				replaceNode(node, p.key, value)
				return nil
			}
			if child.Kind != yaml.MappingNode {
				*child = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			node = child
			continue
		}
		for ii, idx := range p.indexes {
			lastIdx := last && ii == len(p.indexes)-1
			if child.Kind != yaml.SequenceNode {
				*child = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			var elem *yaml.Node
			switch {
			case idx == -1 || idx == len(child.Content):
				elem = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				child.Content = append(child.Content, elem)
			case idx < len(child.Content):
				elem = child.Content[idx]
			default:
				return fmt.Errorf("index %d is past the end of '%s' (%d items)", idx, p.key, len(child.Content))
			}
			if lastIdx {
				*elem = *value
				return nil
			}
			child = elem
		}
		node = child
	}
	return nil
}

func mapChild(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func replaceNode(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

// Get returns the node at a dotted path, or nil.
func (t *Tree) Get(path string) *yaml.Node {
	node := t.root
	for _, k := range strings.Split(path, ".") {
		node = mapChild(node, k)
		if node == nil {
			return nil
		}
	}
	return node
}

// Engine holds the settings of the rule engine, as falco.yaml names them.
type Engine struct {
	RulesFiles   []string
	Priority     priority.Priority
	RuleMatching string // first or all
	JSONOutput   bool
	Selections   []Selection
}

// Selection is one entry of the `rules:` list.
type Selection struct {
	Enable bool
	Rule   string
	Tag    string
}

// EngineSettings decodes the rule engine's settings, with Falco's defaults
// and error messages.
func (t *Tree) EngineSettings() (Engine, error) {
	e := Engine{Priority: priority.Debug, RuleMatching: "first"}
	if n := t.Get("rules_files"); n != nil {
		files, err := stringList(n)
		if err != nil {
			return e, fmt.Errorf("rules_files: %v", err)
		}
		e.RulesFiles = files
	} else if n := t.Get("rules_file"); n != nil {
		files, err := stringList(n)
		if err != nil {
			return e, fmt.Errorf("rules_file: %v", err)
		}
		e.RulesFiles = files
	}
	if n := t.Get("priority"); n != nil {
		p, ok := priority.ParsePriority(n.Value)
		if !ok {
			return e, fmt.Errorf("Unknown priority \"%s\"--must be one of emergency, alert, critical, error, warning, notice, informational, debug", n.Value)
		}
		e.Priority = p
	}
	if n := t.Get("rule_matching"); n != nil {
		v := strings.ToLower(n.Value)
		if v != "first" && v != "all" {
			return e, fmt.Errorf("Unknown rule matching strategy \"%s\"--must be one of first, all", n.Value)
		}
		e.RuleMatching = v
	}
	if n := t.Get("json_output"); n != nil {
		b, err := boolValue(n)
		if err != nil {
			return e, fmt.Errorf("json_output: %v", err)
		}
		e.JSONOutput = b
	}
	if n := t.Get("rules"); n != nil {
		if n.Kind != yaml.SequenceNode {
			return e, errors.New("rules: must be a list of {enable: ...} or {disable: ...} entries")
		}
		for i, item := range n.Content {
			var s Selection
			body := mapChild(item, "enable")
			s.Enable = body != nil
			if body == nil {
				body = mapChild(item, "disable")
			}
			if body == nil || body.Kind != yaml.MappingNode {
				return e, fmt.Errorf("rules[%d]: each entry needs an 'enable' or 'disable' mapping with 'rule' and/or 'tag'", i)
			}
			if r := mapChild(body, "rule"); r != nil {
				s.Rule = r.Value
			}
			if tg := mapChild(body, "tag"); tg != nil {
				s.Tag = tg.Value
			}
			if s.Rule == "" && s.Tag == "" {
				return e, fmt.Errorf("rules[%d]: needs a 'rule' or a 'tag'", i)
			}
			e.Selections = append(e.Selections, s)
		}
	}
	return e, nil
}

func stringList(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, errors.New("expected a list of strings")
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, errors.New("expected a string or a list of strings")
}

func boolValue(n *yaml.Node) (bool, error) {
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on", "y":
		return true, nil
	case "false", "no", "off", "n":
		return false, nil
	}
	return false, fmt.Errorf("'%s' is not a boolean", n.Value)
}

// YAML renders the configuration as it stands (file and overrides).
func (t *Tree) YAML() ([]byte, error) { return yaml.Marshal(t.root) }
