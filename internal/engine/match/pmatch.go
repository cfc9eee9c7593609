package match

import "strings"

// PMatch is a compiled pmatch right-hand side: a set of path prefixes.
//
// It reproduces libsinsp's path_prefix_search
// (userspace/libsinsp/prefix_search.h and prefix_search.cpp), which
// sinsp_filter_check uses for CO_PMATCH:
//
//   - Paths are split on '/' into components and empty components are
//     dropped, on both sides: "//var//run/" is "/var/run", and a leading
//     '/' makes no difference ("var/run" is "/var/run" too, for the prefixes
//     and for the values).
//   - A value matches when some prefix's components are, one for one, the
//     first components of the value's: "/var/run" matches "/var/run" and
//     "/var/run/docker.sock" but neither "/var/runx" nor "/var".
//   - A prefix component containing any of '*', '?' or '[' is a pattern,
//     matched against the value's component with fnmatch flags 0 (so '*'
//     stays within one component, since components hold no '/'); any other
//     component, backslashes included, is compared byte for byte.
//   - The prefix "/" (and the empty prefix) has no components at all and
//     matches every value, the empty one and relative ones included.
//   - The value is used whole, embedded NUL bytes included, after removing
//     trailing NUL bytes (see [TrimNUL]); a value component is handed to
//     fnmatch as a C string, i.e. up to its first NUL.
//
// One deliberate difference: libsinsp's loop over the pattern components
// of a level (path_prefix_map::match_components_glob) advances the shared
// value-component iterator on every pattern that matches but whose subtree
// does not, so the following patterns of that level are tried against the
// wrong component, or past the last one (undefined behaviour, a crash in
// practice). With two or more pattern siblings at one level, its answer
// therefore depends on unordered_map iteration order and can be a false
// positive as well as a false negative. PMatch implements the documented
// intent instead: a value matches if any prefix matches it. Where no level
// has two pattern siblings, the two agree exactly.
//
// Prefixes are stored in a trie of components, so that matching costs one
// map lookup per value component plus the pattern components met on the
// way, whatever the number of prefixes. Match never allocates and is safe
// for concurrent use.
type PMatch struct {
	root pmEntry
	n    int
}

// pmEntry is one trie node, reached through a component: either the end
// of a prefix (terminal) or a level with further components, never both,
// since a shorter prefix makes its extensions redundant.
type pmEntry struct {
	terminal bool
	sub      *pmLevel
}

// pmLevel holds the components that may follow a given prefix.
type pmLevel struct {
	exact map[string]*pmEntry
	globs []pmGlob
}

type pmGlob struct {
	pattern *Glob
	entry   *pmEntry
}

// CompilePMatch compiles the right-hand side list of a pmatch condition.
// The errors are a NUL byte in a path (see [CheckValue]) and a pattern
// component refused by [CompileGlob].
func CompilePMatch(paths []string) (*PMatch, error) {
	pm := &PMatch{}
	for _, p := range paths {
		if err := CheckValue(p); err != nil {
			return nil, err
		}
		if err := pm.add(p); err != nil {
			return nil, err
		}
	}
	return pm, nil
}

// MustCompilePMatch is CompilePMatch for paths known to be valid; it
// panics on error.
func MustCompilePMatch(paths ...string) *PMatch {
	pm, err := CompilePMatch(paths)
	if err != nil {
		panic(err)
	}
	return pm
}

// Len returns the number of paths the set was compiled from.
func (pm *PMatch) Len() int { return pm.n }

// isGlobComponent reports whether libsinsp treats a prefix component as a
// pattern.
func isGlobComponent(c string) bool { return strings.ContainsAny(c, "*?[") }

// nextComponent returns the first non-empty '/'-separated component of s
// and what follows it, or ok == false when s has none.
func nextComponent(s string) (comp, rest string, ok bool) {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	if s == "" {
		return "", "", false
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i:], true
	}
	return s, "", true
}

func (pm *PMatch) add(path string) error {
	pm.n++
	e := &pm.root
	rest := path
	for {
		comp, r, ok := nextComponent(rest)
		if !ok {
			// This prefix ends here: it covers everything below.
			e.terminal, e.sub = true, nil
			return nil
		}
		if e.terminal {
			return nil // a shorter prefix already covers this one
		}
		if e.sub == nil {
			e.sub = &pmLevel{}
		}
		var err error
		if e, err = e.sub.child(comp); err != nil {
			return err
		}
		rest = r
	}
}

// child returns the entry for comp, creating it if needed.
func (l *pmLevel) child(comp string) (*pmEntry, error) {
	if isGlobComponent(comp) {
		for _, g := range l.globs {
			if g.pattern.pattern == comp {
				return g.entry, nil
			}
		}
		g, err := CompileGlob(comp)
		if err != nil {
			return nil, err
		}
		e := &pmEntry{}
		l.globs = append(l.globs, pmGlob{pattern: g, entry: e})
		return e, nil
	}
	if e, ok := l.exact[comp]; ok {
		return e, nil
	}
	if l.exact == nil {
		l.exact = make(map[string]*pmEntry)
	}
	e := &pmEntry{}
	l.exact[comp] = e
	return e, nil
}

// Match reports whether one of the prefixes is a path prefix of value.
func (pm *PMatch) Match(value string) bool {
	if pm.n == 0 {
		return false
	}
	return pm.root.match(TrimNUL(value))
}

// match reports whether the remaining components of value are accepted
// below e.
func (e *pmEntry) match(value string) bool {
	if e.terminal {
		return true
	}
	comp, rest, ok := nextComponent(value)
	if !ok || e.sub == nil {
		// The value is shorter than every prefix through here.
		return false
	}
	l := e.sub
	if c, found := l.exact[comp]; found && c.match(rest) {
		return true
	}
	if len(l.globs) > 0 {
		cs := CString(comp) // fnmatch sees a C string
		for i := range l.globs {
			if l.globs[i].pattern.Match(cs) && l.globs[i].entry.match(rest) {
				return true
			}
		}
	}
	return false
}
