// Package defaults owns Kestrel's default rules, embedded in the binary:
// rules/kestrel_rules.yaml (the shared lists and macros, and the first
// rules) and one file per ATT&CK area, rules/kestrel_*_rules.yaml, loaded
// in name order after it.
package defaults

import (
	"embed"
	"io/fs"
	"sort"
)

// Name is how the embedded rules are named in messages.
const Name = "kestrel_rules.yaml"

// Ref is how a rules_files entry or -r names the embedded rules, so that a
// user's own files can be loaded after them and extend their lists and
// macros (`-r builtin:defaults -r my_rules.yaml`).
const Ref = "builtin:defaults"

//go:embed rules/*.yaml
var files embed.FS

// File is one embedded rules file.
type File struct {
	Name    string
	Content []byte
}

// Files returns the embedded rules files in load order: kestrel_rules.yaml
// first, then the others by name.
func Files() []File {
	names, err := fs.Glob(files, "rules/*.yaml")
	if err != nil {
		panic(err)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i] == "rules/"+Name, names[j] == "rules/"+Name
		if a != b {
			return a
		}
		return names[i] < names[j]
	})
	out := make([]File, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			panic(err)
		}
		out = append(out, File{Name: n[len("rules/"):], Content: b})
	}
	return out
}
