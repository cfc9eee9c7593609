package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"go.yaml.in/yaml/v3"
)

// LoadFileWithIncludes reads a configuration file and then the files its
// `config_files` key names, as Falco does: each entry is a path (a file,
// or a directory whose regular files are read in name order; missing
// paths are skipped) or {path, strategy}. Each included file's top-level
// keys merge into the configuration by the entry's strategy: append
// (the default: a sequence is appended to, anything else replaced),
// override (replaced), add-only (set only when absent). Included files may
// not include others. It returns the tree and the files read, in order.
func LoadFileWithIncludes(path string) (*Tree, []string, error) {
	t, err := LoadFile(path)
	if err != nil {
		return nil, nil, err
	}
	loaded := []string{path}
	n := t.Get("config_files")
	if n == nil || n.Tag == "!!null" {
		return t, loaded, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, nil, fmt.Errorf("config %s: config_files (line %d): expected a list", path, n.Line)
	}
	for i, e := range n.Content {
		inc, strategy := "", "append"
		switch e.Kind {
		case yaml.ScalarNode:
			inc = e.Value
		case yaml.MappingNode:
			if p := mapChild(e, "path"); p != nil {
				inc = p.Value
			}
			if s := mapChild(e, "strategy"); s != nil {
				strategy = s.Value
			}
		}
		if inc == "" {
			return nil, nil, fmt.Errorf("config %s: config_files[%d] (line %d): needs a path", path, i, e.Line)
		}
		switch strategy {
		case "append", "override", "add-only":
		default:
			return nil, nil, fmt.Errorf("config %s: config_files[%d] (line %d): unknown strategy %q (append, override, add-only)",
				path, i, e.Line, strategy)
		}
		if filepath.Clean(inc) == filepath.Clean(path) {
			return nil, nil, fmt.Errorf("config %s: config_files tried to include the main config file itself", path)
		}
		fi, err := os.Stat(inc)
		if err != nil {
			continue // as Falco: a missing entry is skipped
		}
		files := []string{inc}
		if fi.IsDir() {
			files = nil
			entries, err := os.ReadDir(inc)
			if err != nil {
				return nil, nil, fmt.Errorf("config %s: config_files[%d]: %w", path, i, err)
			}
			for _, de := range entries {
				p := filepath.Join(inc, de.Name())
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					files = append(files, p)
				}
			}
			sort.Strings(files)
		}
		for _, f := range files {
			sub, err := LoadFile(f)
			if err != nil {
				return nil, nil, err
			}
			if err := t.merge(sub, strategy, f); err != nil {
				return nil, nil, err
			}
			loaded = append(loaded, f)
		}
	}
	return t, loaded, nil
}

// merge applies an included file's top-level keys.
func (t *Tree) merge(sub *Tree, strategy, name string) error {
	for i := 0; i+1 < len(sub.root.Content); i += 2 {
		key, val := sub.root.Content[i], sub.root.Content[i+1]
		if key.Value == "config_files" {
			return fmt.Errorf("config %s: config_files (line %d) is not allowed in an included config file", name, key.Line)
		}
		cur := mapChild(t.root, key.Value)
		switch {
		case cur == nil:
			t.root.Content = append(t.root.Content, key, val)
		case strategy == "add-only":
		case strategy == "append" && val.Kind == yaml.SequenceNode && cur.Kind == yaml.SequenceNode:
			cur.Content = append(cur.Content, val.Content...)
		default:
			replaceNode(t.root, key.Value, val)
		}
	}
	return nil
}
