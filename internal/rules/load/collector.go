package load

import (
	"sort"

	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// The collector accumulates lists, macros and rules across every file, in
// load order, applying defines, appends and overrides as Falco's collector
// does. Every operation takes the next index; a redefinition keeps the
// item's first index (its position in evaluation order) and moves its
// visibility to the new index, which decides what lists and macros it can
// see.

type listInfo struct {
	ctx        Context
	name       string
	items      []string
	index      int
	visibility int
}

type macroInfo struct {
	ctx        Context
	condCtx    Context
	name       string
	cond       text
	index      int
	visibility int
}

type exceptionEntry struct {
	isList bool
	item   string
	items  []exceptionEntry
	valid  bool
}

type exceptionInfo struct {
	ctx    Context
	name   string
	fields exceptionEntry
	comps  exceptionEntry
	values []exceptionEntry
}

type ruleInfo struct {
	ctx           Context
	condCtx       Context
	outputCtx     Context
	name          string
	cond          text
	output        text
	desc          string
	priority      priority.Priority
	source        string
	enabled       bool
	capture       bool
	captureDur    uint64
	warnEvttypes  bool
	skipUnknown   bool
	tags          map[string]struct{}
	exceptions    []exceptionInfo
	unknownSource bool
	index         int
	visibility    int
}

// sortedTags returns the rule's tags in order, as Falco stores them.
func (r *ruleInfo) sortedTags() []string {
	out := make([]string, 0, len(r.tags))
	for t := range r.tags {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// ruleUpdate carries the keys of an append or a replace.
type ruleUpdate struct {
	ctx          Context
	condCtx      Context
	name         string
	source       string
	cond         *text
	output       *text
	desc         *string
	tags         map[string]struct{}
	hasTags      bool
	exceptions   []exceptionInfo
	hasExc       bool
	priority     *priority.Priority
	capture      *bool
	captureDur   *uint64
	enabled      *bool
	warnEvttypes *bool
	skipUnknown  *bool
}

func (u *ruleUpdate) hasAnyValue() bool {
	return u.cond != nil || u.output != nil || u.desc != nil || u.hasTags || u.hasExc ||
		u.priority != nil || u.capture != nil || u.captureDur != nil || u.enabled != nil ||
		u.warnEvttypes != nil || u.skipUnknown != nil
}

type pluginRequirement struct {
	name, version string
}

type collector struct {
	next            int
	lists           []*listInfo
	listByName      map[string]*listInfo
	macros          []*macroInfo
	macroByName     map[string]*macroInfo
	rules           []*ruleInfo
	ruleByName      map[string]*ruleInfo
	requiredEngine  version
	requiredPlugins [][]pluginRequirement
}

func newCollector() *collector {
	return &collector{
		listByName:  map[string]*listInfo{},
		macroByName: map[string]*macroInfo{},
		ruleByName:  map[string]*ruleInfo{},
	}
}

func (c *collector) id() int {
	i := c.next
	c.next++
	return i
}

func (c *collector) defineList(l *listInfo) {
	id := c.id()
	if prev, ok := c.listByName[l.name]; ok {
		l.index, l.visibility = prev.index, id
		*prev = *l
		return
	}
	l.index, l.visibility = id, id
	c.lists = append(c.lists, l)
	c.listByName[l.name] = l
}

func (c *collector) appendList(l *listInfo) {
	prev, ok := c.listByName[l.name]
	if !ok {
		throwf(ErrValidate, l.ctx, "List uses 'append' or 'override.items: append' but no list by that name already exists")
	}
	prev.items = append(prev.items, l.items...)
	prev.visibility = c.id()
}

func (c *collector) defineMacro(m *macroInfo) {
	id := c.id()
	if prev, ok := c.macroByName[m.name]; ok {
		m.index, m.visibility = prev.index, id
		*prev = *m
		return
	}
	m.index, m.visibility = id, id
	c.macros = append(c.macros, m)
	c.macroByName[m.name] = m
}

func (c *collector) appendMacro(m *macroInfo) {
	prev, ok := c.macroByName[m.name]
	if !ok {
		throwf(ErrValidate, m.ctx, "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists")
	}
	prev.cond = concat(prev.cond, synthetic(" ", m.cond.start()), m.cond)
	prev.visibility = c.id()
}

func (c *collector) findPrevRule(name, source string, ctx Context) *ruleInfo {
	prev := c.ruleByName[name]
	if prev != nil && prev.source != "" && source != "" && prev.source != source {
		throwf(ErrValidate, ctx, "Rule has been re-defined with a different source")
	}
	return prev
}

func (c *collector) defineRule(l *Loader, r *ruleInfo) {
	c.findPrevRule(r.name, r.source, r.ctx)
	src := l.sources[r.source]
	if src == nil {
		r.unknownSource = true
		l.res.addWarning(WarnUnknownSource, "Unknown source "+r.source+", skipping", r.ctx)
	}
	for i := range r.exceptions {
		ex := &r.exceptions[i]
		if !ex.fields.valid {
			throwf(ErrValidate, ex.ctx, "Rule exception item must have fields property with a list of fields")
		}
		validateException(src, ex)
	}
	id := c.id()
	if prev, ok := c.ruleByName[r.name]; ok {
		r.index, r.visibility = prev.index, id
		*prev = *r
		return
	}
	r.index, r.visibility = id, id
	c.rules = append(c.rules, r)
	c.ruleByName[r.name] = r
}

func (c *collector) sourceOf(l *Loader, prev *ruleInfo, ctx Context) *Source {
	if prev.unknownSource {
		return nil
	}
	src := l.sources[prev.source]
	if src == nil {
		throwf(ErrValidate, ctx, "Unknown source %s", prev.source)
	}
	return src
}

func (c *collector) appendRule(l *Loader, u *ruleUpdate) {
	prev := c.findPrevRule(u.name, u.source, u.ctx)
	if prev == nil {
		throwf(ErrValidate, u.ctx, "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists")
	}
	if !u.hasAnyValue() {
		throwf(ErrValidate, u.ctx, "Appended rule must have exceptions or condition property")
	}
	src := c.sourceOf(l, prev, u.ctx)
	if u.cond != nil && u.cond.s != "" {
		prev.cond = concat(prev.cond, synthetic(" ", u.cond.start()), *u.cond)
	}
	if u.output != nil && u.output.s != "" {
		prev.output = concat(prev.output, synthetic(" ", u.output.start()), *u.output)
	}
	if u.desc != nil && *u.desc != "" {
		prev.desc += " " + *u.desc
	}
	for t := range u.tags {
		prev.tags[t] = struct{}{}
	}
	for _, ex := range u.exceptions {
		idx := -1
		for i := range prev.exceptions {
			if prev.exceptions[i].name == ex.name {
				idx = i
				break
			}
		}
		if idx < 0 {
			if !ex.fields.valid {
				throwf(ErrValidate, ex.ctx, "Rule exception must have fields property with a list of fields")
			}
			if len(ex.values) == 0 {
				throwf(ErrValidate, ex.ctx, "Rule exception must have values property with a list of values")
			}
			validateException(src, &ex)
			prev.exceptions = append(prev.exceptions, ex)
			continue
		}
		if ex.fields.valid {
			throwf(ErrValidate, ex.ctx, "Can not append exception fields to existing exception, only values")
		}
		if ex.comps.valid {
			throwf(ErrValidate, ex.ctx, "Can not append exception comps to existing exception, only values")
		}
		prev.exceptions[idx].values = append(prev.exceptions[idx].values, ex.values...)
	}
	prev.visibility = c.id()
}

func (c *collector) replaceRule(l *Loader, u *ruleUpdate) {
	prev := c.findPrevRule(u.name, u.source, u.ctx)
	if prev == nil {
		throwf(ErrValidate, u.ctx, "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists")
	}
	if !u.hasAnyValue() {
		throwf(ErrValidate, u.ctx, "The rule must have at least one field that can be replaced")
	}
	src := c.sourceOf(l, prev, u.ctx)
	// Falco assigns replaced exceptions without validate_exception_info,
	// so their comps are never defaulted: a scalar field then yields
	// "(f  (v))" (a parse error) and list fields index an empty comps
	// vector (undefined behaviour). Validate them as definitions are.
	for i := range u.exceptions {
		validateException(src, &u.exceptions[i])
	}
	if u.cond != nil {
		prev.cond = *u.cond
		prev.condCtx = u.condCtx
	}
	if u.output != nil {
		prev.output = *u.output
	}
	if u.desc != nil {
		prev.desc = *u.desc
	}
	if u.hasTags {
		prev.tags = u.tags
	}
	if u.hasExc {
		prev.exceptions = u.exceptions
	}
	if u.priority != nil {
		prev.priority = *u.priority
	}
	if u.capture != nil {
		prev.capture = *u.capture
	}
	if u.captureDur != nil {
		prev.captureDur = *u.captureDur
	}
	if u.enabled != nil {
		prev.enabled = *u.enabled
	}
	if u.warnEvttypes != nil {
		prev.warnEvttypes = *u.warnEvttypes
	}
	if u.skipUnknown != nil {
		prev.skipUnknown = *u.skipUnknown
	}
	prev.visibility = c.id()
}

func (c *collector) enableRule(name string, enabled bool, ctx Context) {
	prev := c.ruleByName[name]
	if prev == nil {
		throwf(ErrValidate, ctx, "Rule has 'enabled' key but no rule by that name already exists")
	}
	prev.enabled = enabled
}

// validateException checks and normalises an exception's fields and
// comparison operators (Falco's validate_exception_info).
func validateException(src *Source, ex *exceptionInfo) {
	if ex.fields.isList {
		if !ex.comps.valid {
			ex.comps = exceptionEntry{isList: true, valid: true}
			for range ex.fields.items {
				ex.comps.items = append(ex.comps.items, exceptionEntry{item: "=", valid: true})
			}
		}
		if len(ex.fields.items) != len(ex.comps.items) {
			throwf(ErrValidate, ex.ctx, "Fields and comps lists must have equal length")
		}
		for i := range ex.comps.items {
			ex.comps.items[i].item = trimBlanks(ex.comps.items[i].item)
			op := ex.comps.items[i].item
			if !isOperator(op) && !isModifierOperator(op) {
				throwf(ErrValidate, ex.ctx, "'%s' is not a supported comparison operator", op)
			}
		}
		if src != nil {
			for _, f := range ex.fields.items {
				if !src.validLHS(f.item) {
					throwf(ErrValidate, ex.ctx, "'%s' is not a supported filter field", f.item)
				}
			}
		}
		return
	}
	if !ex.comps.valid {
		ex.comps = exceptionEntry{item: "in", valid: true}
	}
	if ex.comps.isList {
		throwf(ErrValidate, ex.ctx, "Fields and comps must both be strings")
	}
	ex.comps.item = trimBlanks(ex.comps.item)
	op := ex.comps.item
	if op != "in" && op != "pmatch" && op != "intersects" && !isModifierOperator(op) {
		throwf(ErrValidate, ex.ctx, "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)")
	}
	if src != nil && !src.validLHS(ex.fields.item) {
		throwf(ErrValidate, ex.ctx, "'%s' is not a supported filter field", ex.fields.item)
	}
}

func trimBlanks(s string) string {
	const ws = " \t\r\n"
	i, j := 0, len(s)
	for i < j && indexByte(ws, s[i]) {
		i++
	}
	for j > i && indexByte(ws, s[j-1]) {
		j--
	}
	return s[i:j]
}

func indexByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func isOperator(op string) bool {
	for _, o := range lang.Operators() {
		if o == op {
			return true
		}
	}
	return false
}

// isModifierOperator recognises "S oneof|anyof|allof" for a string
// operator S.
func isModifierOperator(op string) bool {
	for _, mod := range []string{" oneof", " anyof", " allof"} {
		if len(op) > len(mod) && op[len(op)-len(mod):] == mod {
			base := op[:len(op)-len(mod)]
			switch base {
			case "==", "=", "!=", "glob", "iglob", "contains", "icontains", "bcontains",
				"startswith", "bstartswith", "endswith", "regex":
				return true
			}
		}
	}
	return false
}
