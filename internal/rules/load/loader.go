// Package load owns Falco rule files: reading their YAML (lists, macros,
// rules, engine and plugin requirements), the collector that applies
// appends and overrides across files in load order, the textual
// substitutions Falco performs (lists, exceptions), macro expansion with
// Falco's visibility rules, and the validation results with Falco's codes,
// context chains and snippets. Conditions and outputs are compiled by the
// engine package; this package turns files into engine rules.
package load

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// Source is an event source rules can target.
type Source struct {
	Name       string
	Fields     *fields.Source
	Binder     engine.Binder
	EventTypes engine.EventTypes // nil for sources without event codes
	// AsyncCode is the event code every rule also listens to (plugin async
	// events); negative for none.
	AsyncCode int
}

// validLHS reports whether expr is a field or transformer expression of the
// source (exception fields).
func (s *Source) validLHS(expr string) bool {
	e, n, err := lang.ParseFieldOrTransformer(expr)
	if err != nil || n != len(expr) {
		return false
	}
	c := engine.NewCompiler(s.Fields, engine.Unbound{}, nil)
	return c.CheckOperand(e) == nil
}

// AppendOutput is one append_output entry of the configuration.
type AppendOutput struct {
	Source string
	Rule   string
	Tags   []string
	// Format is appended to the output after a space.
	Format string
	// Fields are extra JSON output fields, by key.
	Fields map[string]string
	// Suggested appends the fields the source suggests for every output
	// (Falco's suggested_output: container_id=%container.id ...).
	Suggested bool
}

// suggestedFormat is "k1=%f1 k2=%f2" over the fields of a source flagged
// FormatSuggested, in declaration order, keys with dots as underscores.
func suggestedFormat(src *fields.Source) string {
	var parts []string
	for _, c := range src.Classes() {
		for i := range c.Fields {
			f := &c.Fields[i]
			if f.Flags&fields.FormatSuggested != 0 {
				parts = append(parts, strings.ReplaceAll(f.Name, ".", "_")+"=%"+f.Name)
			}
		}
	}
	return strings.Join(parts, " ")
}

func (a AppendOutput) matches(r *ruleInfo) bool {
	if a.Source != "" && a.Source != r.source {
		return false
	}
	if a.Rule != "" && a.Rule != r.name {
		return false
	}
	for _, t := range a.Tags {
		if _, ok := r.tags[t]; !ok {
			return false
		}
	}
	return true
}

// Options tune a Loader.
type Options struct {
	AppendOutput []AppendOutput
	// Plugins maps the plugins (or built-in equivalents) available to
	// required_plugin_versions, by name, to their versions.
	Plugins map[string]string
}

// Loader loads rules files into one cumulative collection, as Falco does.
type Loader struct {
	sources  map[string]*Source
	opts     Options
	col      *collector
	res      *Result
	results  []*Result
	contents map[string][]byte
	state    *compileState
	orig     *origins
	reported map[string]bool
}

// New returns a Loader for the given sources.
func New(sources []*Source, opts Options) *Loader {
	l := &Loader{sources: map[string]*Source{}, opts: opts, col: newCollector(),
		contents: map[string][]byte{}, reported: map[string]bool{}}
	for _, s := range sources {
		l.sources[s.Name] = s
	}
	return l
}

// Results returns one result per file loaded, in order.
func (l *Loader) Results() []*Result { return l.results }

// Contents returns the text of every file loaded, by name, for snippets.
func (l *Loader) Contents() map[string][]byte { return l.contents }

// OK reports whether every file so far loaded without errors.
func (l *Loader) OK() bool {
	for _, r := range l.results {
		if !r.OK() {
			return false
		}
	}
	return true
}

// LoadPath loads a file, or a directory's *.yaml and *.yml files in
// alphabetical order (not recursing).
func (l *Loader) LoadPath(path string) []*Result {
	st, err := os.Stat(path)
	if err != nil {
		return []*Result{l.fileError(path, err)}
	}
	if !st.IsDir() {
		return []*Result{l.LoadFile(path)}
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return []*Result{l.fileError(path, err)}
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".yaml") && !strings.HasSuffix(n, ".yml") {
			continue
		}
		full := filepath.Join(path, n)
		// Follow symlinks, as Falco's std::filesystem::is_regular_file
		// does: a ConfigMap mounted in Kubernetes is a folder of
		// symlinks to the real files.
		if fi, err := os.Stat(full); err == nil && fi.Mode().IsRegular() {
			names = append(names, full)
		}
	}
	sort.Strings(names)
	var out []*Result
	for _, n := range names {
		out = append(out, l.LoadFile(n))
	}
	return out
}

func (l *Loader) fileError(path string, err error) *Result {
	res := &Result{Name: path}
	res.addError(ErrFileRead, "Could not open file "+path+" for reading: "+errText(err),
		Context{}.with(ItemRulesContent, "", Position{Name: path, Line: 1, Column: 1}))
	l.results = append(l.results, res)
	return res
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// LoadFile reads and loads one rules file.
func (l *Loader) LoadFile(path string) *Result {
	f, err := os.Open(path)
	if err != nil {
		return l.fileError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return l.fileError(path, err)
	}
	if st.Size() > MaxFileSize {
		res := &Result{Name: path}
		res.addError(ErrFileRead, fmt.Sprintf("file is %d bytes, more than the limit of %d for a rules file", st.Size(), MaxFileSize),
			Context{}.with(ItemRulesContent, "", Position{Name: path, Line: 1, Column: 1}))
		l.results = append(l.results, res)
		return res
	}
	content := make([]byte, st.Size())
	if _, err := io.ReadFull(f, content); err != nil {
		return l.fileError(path, err)
	}
	return l.LoadContent(path, content)
}

// LoadContent loads rules content under a name.
func (l *Loader) LoadContent(name string, content []byte) *Result {
	l.res = &Result{Name: name}
	l.results = append(l.results, l.res)
	l.contents[name] = content
	ok := l.read(name, content)
	readWarnings := len(l.res.Warnings)
	if ok {
		l.compile()
	}
	l.dedupeWarnings(readWarnings)
	return l.res
}

// dedupeWarnings drops compile warnings (those from index from on) already
// reported for an earlier file: Falco recompiles everything after each
// file and repeats them, which only buries the new ones. Reader warnings
// and repeats within one file are kept, as Falco reports them (three
// exceptions with one name give two warnings for the third).
func (l *Loader) dedupeWarnings(from int) {
	key := func(w Message) string { return w.Code() + "\x00" + w.Msg + "\x00" + w.Ctx.String() }
	kept := l.res.Warnings[:from]
	for _, w := range l.res.Warnings[from:] {
		if !l.reported[key(w)] {
			kept = append(kept, w)
		}
	}
	for _, w := range kept[from:] {
		l.reported[key(w)] = true
	}
	l.res.Warnings = kept
}

// read parses the YAML and feeds every item to the collector. It reports
// false after an error, as Falco stops reading a file at its first error.
func (l *Loader) read(name string, content []byte) (ok bool) {
	src := newSource(name, content)
	root := Context{}.with(ItemRulesContent, "", Position{Name: name, Line: 1, Column: 1})
	defer func() {
		if r := recover(); r != nil {
			le, isLoad := r.(*loadError)
			if !isLoad {
				panic(r)
			}
			if len(le.ctx.Locations) == 0 {
				le.ctx = root
			}
			l.res.addError(le.code, le.msg, le.ctx)
			ok = false
		}
	}()
	docs, pos, err := src.parseDocuments()
	if err != nil {
		ctx := root
		if pos != nil {
			ctx = root.with(ItemValueFor, "", *pos)
		}
		l.res.addError(ErrYAMLParse, err.Error(), ctx)
		return false
	}
	rd := &reader{l: l, src: src, col: l.col, res: l.res}
	for _, doc := range docs {
		n := doc
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				continue
			}
			n = n.Content[0]
		}
		n, err := src.resolve(n)
		if err != nil {
			throwf(ErrYAMLParse, root, "%v", err)
		}
		if isNull(n) {
			continue
		}
		if n.Kind != yaml.SequenceNode {
			if n.Kind == yaml.MappingNode {
				throwf(ErrYAMLValidate, root, "Rules content is not yaml array of objects")
			}
			throwf(ErrYAMLValidate, root, "Rules content is not yaml")
		}
		for _, item := range n.Content {
			item, err := src.resolve(item)
			if err != nil {
				throwf(ErrYAMLParse, root, "%v", err)
			}
			if isNull(item) {
				continue
			}
			rd.readItem(item, root)
		}
	}
	return true
}

// CheckPluginRequirements checks every required_plugin_versions entry
// against the available plugins.
func (l *Loader) CheckPluginRequirements() error {
	for _, alts := range l.col.requiredPlugins {
		satisfied := false
		for _, req := range alts {
			have, ok := l.opts.Plugins[req.name]
			if !ok {
				continue
			}
			hv, ok := parseVersion(have)
			if !ok {
				return fmt.Errorf("Plugin '%s' has invalid version string '%s'", req.name, have)
			}
			rv, _ := parseVersion(req.version)
			if !hv.compatibleWith(rv) {
				return fmt.Errorf("Plugin '%s' version '%s' is not compatible with required plugin version '%s'", req.name, have, req.version)
			}
			satisfied = true
			break
		}
		if !satisfied {
			var parts []string
			for _, req := range alts {
				parts = append(parts, req.name+" (>= "+req.version+")")
			}
			return errors.New("Plugin requirement not satisfied, must load one of: " + strings.Join(parts, ", "))
		}
	}
	return nil
}

// Rules returns the compiled rules of the last successful compile pass,
// in definition order, disabled ones included.
func (l *Loader) Rules() []*Rule {
	if l.state == nil {
		return nil
	}
	return l.state.rules
}

// Counts reports how many rules, macros and lists are collected.
func (l *Loader) Counts() (rules, macros, lists int) {
	return len(l.col.rules), len(l.col.macros), len(l.col.lists)
}

// RequiredEngineVersion is the highest required_engine_version seen.
func (l *Loader) RequiredEngineVersion() string { return l.col.requiredEngine.String() }

// Macro describes a collected macro for listings.
type Macro struct {
	Name      string
	Condition string
	Used      bool
}

// List describes a collected list for listings.
type List struct {
	Name  string
	Items []string
	Used  bool
}

// Macros returns the collected macros with their expanded conditions.
func (l *Loader) Macros() []Macro {
	var out []Macro
	if l.state == nil {
		return out
	}
	for _, m := range l.state.macros {
		out = append(out, Macro{Name: m.name, Condition: lang.String(m.cond), Used: m.used})
	}
	return out
}

// Lists returns the collected lists with references expanded.
func (l *Loader) Lists() []List {
	var out []List
	if l.state == nil {
		return out
	}
	for _, li := range l.state.lists {
		out = append(out, List{Name: li.name, Items: li.items, Used: li.used})
	}
	return out
}

// Selection enables or disables rules by name pattern or tag, applied in
// order after loading (the configuration's `rules:` list).
type Selection struct {
	Enable bool
	Rule   string // '*' wildcards; empty for none
	Tag    string // exact tag; empty for none
}

// MatchesWildcard reports whether name matches a rule-name pattern where
// only '*' is special, with Falco's greedy, non-backtracking algorithm.
func MatchesWildcard(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	chunks := strings.Split(pattern, "*")
	// The part before the first '*' must be a prefix.
	if !strings.HasPrefix(name, chunks[0]) {
		return false
	}
	rest := name[len(chunks[0]):]
	for i := 1; i < len(chunks); i++ {
		c := chunks[i]
		if c == "" {
			if i == len(chunks)-1 {
				return true
			}
			continue
		}
		idx := strings.Index(rest, c)
		if idx < 0 {
			return false
		}
		rest = rest[idx+len(c):]
	}
	return rest == ""
}

// Ruleset builds the evaluation ruleset of one source: rules at least as
// severe as minPriority, enabled per their files and then per selections.
// As in Falco, a rule that selections turn on after being disabled by its
// file is evaluated after the rules enabled by default.
func (l *Loader) Ruleset(source string, minPriority priority.Priority, sel []Selection, matching engine.Matching) (*engine.Ruleset, []*Rule) {
	st := l.state
	src := l.sources[source]
	if st == nil || src == nil {
		return nil, nil
	}
	var candidates []*Rule
	enabled := map[*Rule]bool{}
	for _, r := range st.rules {
		if r.Source != source || !r.Priority.AtLeast(minPriority) {
			continue
		}
		candidates = append(candidates, r)
		enabled[r] = r.Enabled
	}
	order := []*Rule{}
	for _, r := range candidates {
		if enabled[r] {
			order = append(order, r)
		}
	}
	move := func(r *Rule, on bool) {
		was := enabled[r]
		enabled[r] = on
		if on && !was {
			order = append(order, r)
		}
		if !on && was {
			for i, o := range order {
				if o == r {
					order = append(order[:i], order[i+1:]...)
					break
				}
			}
		}
	}
	for _, s := range sel {
		for _, r := range candidates {
			if s.Rule != "" && MatchesWildcard(s.Rule, r.Name) {
				move(r, s.Enable)
			}
		}
		if s.Tag != "" {
			for _, r := range candidates {
				for _, t := range r.Tags {
					if t == s.Tag {
						move(r, s.Enable)
						break
					}
				}
			}
		}
	}
	rules := make([]*engine.Rule, len(order))
	for i, r := range order {
		rules[i] = r.Rule
	}
	comp := st.compilers[source]
	if comp == nil {
		comp = l.compiler(st, source)
	}
	return engine.NewRuleset(comp, rules, matching, src.AsyncCode), order
}
