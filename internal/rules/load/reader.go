package load

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kestrel-project/kestrel/internal/priority"
)

// loadError aborts reading or compiling a file with one error, as Falco's
// rule_load_exception does.
type loadError struct {
	code ErrorCode
	msg  string
	ctx  Context
}

func throwf(code ErrorCode, ctx Context, format string, args ...any) {
	panic(&loadError{code: code, msg: fmt.Sprintf(format, args...), ctx: ctx})
}

var (
	identifierRE = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*$`)
	bareStringRE = regexp.MustCompile(`^[^()"'\s=,]+$`)
)

const (
	warnAppend  = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
	warnEnabled = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace')."
	errOverride = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."
)

// reader reads one file's items into the collector.
type reader struct {
	l   *Loader
	src *source
	col *collector
	res *Result
}

func (r *reader) ctx(n *yaml.Node, t ItemType, name string, parent Context) Context {
	return parent.with(t, name, r.src.pos(n))
}

// requiredString decodes a mandatory non-empty scalar (decode_val).
func (r *reader) requiredString(item *yaml.Node, key string, ctx Context) (string, *yaml.Node) {
	v := r.src.mapGet(item, key)
	if v == nil {
		throwf(ErrYAMLValidate, ctx, "Item has no mapping for key '%s'", key)
	}
	if isNull(v) {
		throwf(ErrYAMLValidate, ctx, "Mapping for key '%s' is empty", key)
	}
	vctx := r.ctx(v, ItemValueFor, key, ctx)
	if !isScalar(v) {
		throwf(ErrYAMLValidate, vctx, "Value is not a scalar value")
	}
	if v.Value == "" {
		throwf(ErrYAMLValidate, vctx, "Value must be non-empty")
	}
	return v.Value, v
}

// optionalString decodes an optional scalar; present values must be
// non-empty unless canBeEmpty.
func (r *reader) optionalString(item *yaml.Node, key string, ctx Context, canBeEmpty bool) (string, bool) {
	v := r.src.mapGet(item, key)
	if v == nil {
		return "", false
	}
	if isNull(v) {
		if canBeEmpty {
			return "", false
		}
		throwf(ErrYAMLValidate, ctx, "Mapping for key '%s' is empty", key)
	}
	vctx := r.ctx(v, ItemValueFor, key, ctx)
	if !isScalar(v) {
		throwf(ErrYAMLValidate, vctx, "Value is not a scalar value")
	}
	if v.Value == "" {
		if canBeEmpty {
			return "", false
		}
		throwf(ErrYAMLValidate, vctx, "Value must be non-empty")
	}
	return v.Value, true
}

func (r *reader) boolValue(item *yaml.Node, key string, ctx Context, required bool) (bool, bool) {
	var s string
	var ok bool
	if required {
		s, _ = r.requiredString(item, key, ctx)
		ok = true
	} else {
		s, ok = r.optionalString(item, key, ctx, false)
	}
	if !ok {
		return false, false
	}
	b, valid := yamlBool(s)
	if !valid {
		throwf(ErrYAMLValidate, r.ctx(r.src.mapGet(item, key), ItemValueFor, key, ctx), "Can't decode YAML scalar value")
	}
	return b, true
}

func (r *reader) uintValue(item *yaml.Node, key string, ctx Context, required bool) (uint64, bool) {
	var s string
	var ok bool
	if required {
		s, _ = r.requiredString(item, key, ctx)
		ok = true
	} else {
		s, ok = r.optionalString(item, key, ctx, false)
	}
	if !ok {
		return 0, false
	}
	u, valid := yamlUint(s)
	if !valid {
		throwf(ErrYAMLValidate, r.ctx(r.src.mapGet(item, key), ItemValueFor, key, ctx), "Can't decode YAML scalar value")
	}
	return u, true
}

// stringSeq decodes a sequence of scalars (list items, tags).
func (r *reader) stringSeq(item *yaml.Node, key string, ctx Context, required bool) ([]string, bool) {
	v := r.src.mapGet(item, key)
	if v == nil {
		if required {
			throwf(ErrYAMLValidate, ctx, "Item has no mapping for key '%s'", key)
		}
		return nil, false
	}
	vctx := r.ctx(v, ItemValueFor, key, ctx)
	// A null value ("items:" with nothing after it) is not a sequence for
	// yaml-cpp either (Node::IsSequence is false for Null), so Falco
	// rejects it; "items: []" is the empty list.
	if v.Kind != yaml.SequenceNode {
		throwf(ErrYAMLValidate, vctx, "Value is not a sequence")
	}
	out := make([]string, 0, len(v.Content))
	for _, e := range v.Content {
		e = r.mustResolve(e, vctx)
		if !isScalar(e) || isNull(e) {
			// yaml-cpp's Node::IsScalar is false for null elements too.
			throwf(ErrYAMLValidate, r.ctx(e, ItemListItem, "", vctx), "sequence value is not scalar")
		}
		out = append(out, e.Value)
	}
	return out, true
}

// overrides decodes an item's override mapping.
func (r *reader) overrides(item *yaml.Node, appendable, replaceable map[string]bool, ctx Context) (app, repl map[string]bool) {
	app, repl = map[string]bool{}, map[string]bool{}
	v := r.src.mapGet(item, "override")
	if v == nil {
		return
	}
	octx := r.ctx(item, ItemOverrides, "", ctx)
	if isNull(v) {
		// yaml-cpp iterates a null node as an empty map: no overrides.
		return
	}
	if v.Kind != yaml.MappingNode {
		throwf(ErrYAMLValidate, octx, "Value of override must be a mapping")
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, op := v.Content[i], v.Content[i+1]
		key := k.Value
		kctx := r.ctx(k, ItemOverrides, key, octx)
		switch op.Value {
		case "append":
			if !appendable[key] {
				throwf(ErrYAMLValidate, kctx, "Key '%s' cannot be appended to, use 'replace' instead", key)
			}
			app[key] = true
		case "replace":
			if !replaceable[key] {
				throwf(ErrYAMLValidate, kctx, "Key '%s' cannot be replaced", key)
			}
			repl[key] = true
		default:
			msg := fmt.Sprintf("Invalid override operation for key '%s': '%s'. Allowed values are: ", key, op.Value)
			if appendable[key] {
				msg += "append "
			}
			if replaceable[key] {
				msg += "replace "
			}
			throwf(ErrYAMLValidate, r.ctx(op, ItemValueFor, key, octx), "%s", msg)
		}
	}
	return
}

func (r *reader) warnUnknownKeys(item *yaml.Node, expected map[string]bool, ctx Context) {
	for _, k := range mapKeys(item) {
		if !expected[k.Value] {
			r.res.addWarning(WarnUnknownKey, "Unknown key '"+k.Value+"'. The key will be ignored.", ctx)
		}
	}
}

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

var (
	listKeys        = set("list", "items", "append", "override")
	macroKeys       = set("macro", "condition", "append", "override")
	ruleKeys        = set("rule", "condition", "output", "desc", "priority", "source", "enabled", "capture", "capture_duration", "warn_evttypes", "skip-if-unknown-filter", "tags", "exceptions", "override", "append")
	ruleAppendable  = set("condition", "output", "desc", "tags", "exceptions")
	ruleReplaceable = set("condition", "output", "desc", "priority", "capture", "capture_duration", "tags", "exceptions", "enabled", "warn_evttypes", "skip-if-unknown-filter")
	ruleOverridable = []string{"condition", "output", "desc", "tags", "exceptions", "priority", "capture", "capture_duration", "enabled", "warn_evttypes", "skip-if-unknown-filter"}
)

func (r *reader) readItem(item *yaml.Node, parent Context) {
	if item.Kind != yaml.MappingNode {
		throwf(ErrYAMLValidate, r.ctx(item, ItemRulesContentItem, "", parent),
			"Unexpected element type. Each element should be a yaml associative array.")
	}
	switch {
	case r.src.mapGet(item, "required_engine_version") != nil:
		r.readEngineVersion(item, parent)
	case r.src.mapGet(item, "required_plugin_versions") != nil:
		r.readPluginVersions(item, parent)
	case r.src.mapGet(item, "list") != nil:
		r.readList(item, parent)
	case r.src.mapGet(item, "macro") != nil:
		r.readMacro(item, parent)
	case r.src.mapGet(item, "rule") != nil:
		r.readRule(item, parent)
	default:
		r.res.addWarning(WarnUnknownItem, "Unknown top level item", r.ctx(item, ItemRulesContentItem, "", parent))
	}
}

func (r *reader) readEngineVersion(item *yaml.Node, parent Context) {
	ctx := r.ctx(item, ItemRequiredEngineVersion, "", parent)
	s, _ := r.requiredString(item, "required_engine_version", ctx)
	var v version
	if n, ok := yamlUint(s); ok {
		if n > 0xFFFFFFFF {
			throwf(ErrYAMLValidate, ctx, "Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" semver format.", s)
		}
		v = version{0, n, 0}
	} else {
		var ok bool
		v, ok = parseVersion(s)
		if !ok {
			throwf(ErrYAMLValidate, ctx, "Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" semver format.", s)
		}
	}
	if !EngineVersion.compatibleWith(v) {
		throwf(ErrValidate, ctx, "Rules require engine version %s, but engine version is %s", v, EngineVersion)
	}
	if r.col.requiredEngine.less(v) {
		r.col.requiredEngine = v
	}
	r.warnUnknownKeys(item, set("required_engine_version"), ctx)
}

func (r *reader) readPluginVersions(item *yaml.Node, parent Context) {
	seq := r.src.mapGet(item, "required_plugin_versions")
	ctx := r.ctx(seq, ItemRequiredPluginVersions, "", parent)
	if seq.Kind != yaml.SequenceNode {
		throwf(ErrYAMLValidate, ctx, "Value of required_plugin_versions must be a sequence")
	}
	for _, p := range seq.Content {
		req, pctx := r.pluginRequirement(p, ItemRequiredPluginVersionsEntry, "Plugin version must be a mapping", ctx)
		alts := []pluginRequirement{req}
		if a := r.src.mapGet(r.mustResolve(p, ctx), "alternatives"); a != nil {
			if a.Kind != yaml.SequenceNode {
				throwf(ErrYAMLValidate, pctx, "Value of plugin version alternatives must be a sequence")
			}
			for _, an := range a.Content {
				alt, _ := r.pluginRequirement(an, ItemRequiredPluginVersionsAlternative, "Plugin version alternative must be a mapping", pctx)
				alts = append(alts, alt)
			}
		}
		seen := map[string]bool{}
		for _, req := range alts {
			if _, ok := parseVersion(req.version); !ok {
				throwf(ErrValidate, pctx, "Invalid required version '%s' for plugin '%s'", req.version, req.name)
			}
			if seen[req.name] {
				throwf(ErrValidate, pctx, "Defined multiple alternative version requirements for plugin '%s'", req.name)
			}
			seen[req.name] = true
		}
		r.col.requiredPlugins = append(r.col.requiredPlugins, alts)
	}
	r.warnUnknownKeys(item, set("required_plugin_versions"), r.ctx(item, ItemRequiredPluginVersions, "", parent))
}

// pluginRequirement reads one {name, version} mapping of
// required_plugin_versions, returning it with its named context.
func (r *reader) pluginRequirement(n *yaml.Node, t ItemType, notMap string, parent Context) (pluginRequirement, Context) {
	n = r.mustResolve(n, parent)
	tmp := r.ctx(n, t, "", parent)
	if n.Kind != yaml.MappingNode {
		throwf(ErrYAMLValidate, tmp, "%s", notMap)
	}
	name, _ := r.requiredString(n, "name", tmp)
	ctx := r.ctx(n, t, name, parent)
	ver, _ := r.requiredString(n, "version", ctx)
	return pluginRequirement{name, ver}, ctx
}

// mustResolve follows aliases, failing the load when the alias budget is
// spent.
func (r *reader) mustResolve(n *yaml.Node, ctx Context) *yaml.Node {
	n, err := r.src.resolve(n)
	if err != nil {
		throwf(ErrYAMLParse, ctx, "%v", err)
	}
	return n
}

func (r *reader) readList(item *yaml.Node, parent Context) {
	name, _ := r.requiredString(item, "list", r.ctx(item, ItemList, "", parent))
	ctx := r.ctx(item, ItemList, name, parent)
	if !bareStringRE.MatchString(name) {
		r.res.addWarning(WarnInvalidListName, `List has an invalid name. List names should match a regular expression: ([^()"'[:space:]=,]+)`, ctx)
	}
	items, _ := r.stringSeq(item, "items", ctx, true)
	appendFlag, _ := r.boolValue(item, "append", ctx, false)
	if appendFlag {
		r.res.addWarning(WarnDeprecatedItem, warnAppend, ctx)
	}
	app, repl := r.overrides(item, set("items"), set("items"), ctx)
	if appendFlag && (len(app) > 0 || len(repl) > 0) {
		throwf(ErrYAMLValidate, ctx, errOverride)
	}
	info := &listInfo{ctx: ctx, name: name, items: items}
	if appendFlag || app["items"] {
		r.col.appendList(info)
	} else {
		r.col.defineList(info)
	}
	r.warnUnknownKeys(item, listKeys, ctx)
}

func (r *reader) readMacro(item *yaml.Node, parent Context) {
	name, _ := r.requiredString(item, "macro", r.ctx(item, ItemMacro, "", parent))
	ctx := r.ctx(item, ItemMacro, name, parent)
	if !identifierRE.MatchString(name) {
		r.res.addWarning(WarnInvalidMacroName, "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)", ctx)
	}
	_, condNode := r.requiredString(item, "condition", ctx)
	info := &macroInfo{ctx: ctx, name: name, cond: textOf(r.src, condNode),
		condCtx: r.ctx(condNode, ItemMacroCondition, "", ctx)}
	appendFlag, _ := r.boolValue(item, "append", ctx, false)
	if appendFlag {
		r.res.addWarning(WarnDeprecatedItem, warnAppend, ctx)
	}
	app, repl := r.overrides(item, set("condition"), set("condition"), ctx)
	if appendFlag && (len(app) > 0 || len(repl) > 0) {
		throwf(ErrYAMLValidate, ctx, errOverride)
	}
	if appendFlag || app["condition"] {
		r.col.appendMacro(info)
	} else {
		r.col.defineMacro(info)
	}
	r.warnUnknownKeys(item, macroKeys, ctx)
}

func (r *reader) readRule(item *yaml.Node, parent Context) {
	name, _ := r.requiredString(item, "rule", r.ctx(item, ItemRule, "", parent))
	ctx := r.ctx(item, ItemRule, name, parent)
	source, _ := r.optionalString(item, "source", ctx, true)
	appendFlag, _ := r.boolValue(item, "append", ctx, false)
	if appendFlag {
		r.res.addWarning(WarnDeprecatedItem, warnAppend, ctx)
	}
	app, repl := r.overrides(item, ruleAppendable, ruleReplaceable, ctx)
	hasOverrides := len(app) > 0 || len(repl) > 0
	if appendFlag && hasOverrides {
		throwf(ErrYAMLValidate, ctx, errOverride)
	}
	switch {
	case hasOverrides:
		r.readRuleOverrides(item, name, source, app, repl, ctx)
	case appendFlag:
		u := &ruleUpdate{ctx: ctx, name: name, source: source}
		if c := r.src.mapGet(item, "condition"); c != nil {
			u.condCtx = r.ctx(c, ItemRuleCondition, "", ctx)
			_, n := r.requiredString(item, "condition", ctx)
			t := textOf(r.src, n)
			u.cond = &t
		}
		if r.src.mapGet(item, "exceptions") != nil {
			u.exceptions, u.hasExc = r.readExceptions(item, ctx, true), true
		}
		r.col.appendRule(r.l, u)
	default:
		r.readRuleDefinition(item, name, ctx)
	}
	r.warnUnknownKeys(item, ruleKeys, ctx)
}

func (r *reader) readRuleDefinition(item *yaml.Node, name string, ctx Context) {
	info := &ruleInfo{ctx: ctx, name: name, enabled: true, warnEvttypes: true, tags: map[string]struct{}{}}
	has := func(k string) bool { return r.src.mapGet(item, k) != nil }
	if !has("condition") && !has("output") && !has("desc") && !has("priority") {
		enabled, _ := r.boolValue(item, "enabled", ctx, true)
		r.res.addWarning(WarnDeprecatedItem, warnEnabled, ctx)
		r.col.enableRule(name, enabled, ctx)
		return
	}
	_, condNode := r.requiredString(item, "condition", ctx)
	info.cond = textOf(r.src, condNode)
	info.condCtx = r.ctx(condNode, ItemRuleCondition, "", ctx)
	_, outNode := r.requiredString(item, "output", ctx)
	info.output = trimText(textOf(r.src, outNode))
	info.outputCtx = r.ctx(outNode, ItemRuleOutput, "", ctx)
	info.desc, _ = r.requiredString(item, "desc", ctx)
	prio, prioNode := r.requiredString(item, "priority", ctx)
	p, ok := priority.ParsePriority(prio)
	if !ok {
		throwf(ErrYAMLValidate, r.ctx(prioNode, ItemRulePriority, "", ctx), "Invalid priority")
	}
	info.priority = p
	info.source = "syscall"
	if s, ok := r.optionalString(item, "source", ctx, false); ok {
		info.source = s
	}
	if b, ok := r.boolValue(item, "enabled", ctx, false); ok {
		info.enabled = b
	}
	if b, ok := r.boolValue(item, "capture", ctx, false); ok {
		info.capture = b
	}
	if u, ok := r.uintValue(item, "capture_duration", ctx, false); ok {
		info.captureDur = u
	}
	if b, ok := r.boolValue(item, "warn_evttypes", ctx, false); ok {
		info.warnEvttypes = b
	}
	if b, ok := r.boolValue(item, "skip-if-unknown-filter", ctx, false); ok {
		info.skipUnknown = b
	}
	if tags, ok := r.stringSeq(item, "tags", ctx, false); ok {
		for _, t := range tags {
			info.tags[t] = struct{}{}
		}
	}
	info.exceptions = r.readExceptions(item, ctx, false)
	r.col.defineRule(r.l, info)
}

func (r *reader) readRuleOverrides(item *yaml.Node, name, source string, app, repl map[string]bool, ctx Context) {
	expected := map[string]bool{}
	for _, k := range ruleOverridable {
		if r.src.mapGet(item, k) != nil {
			expected[k] = true
		}
	}
	check := func(ops map[string]bool, verb, key string) bool {
		if !ops[key] {
			return false
		}
		if !expected[key] {
			throwf(ErrYAMLValidate, ctx, "An %s override for '%s' was specified but '%s' is not defined", verb, key, key)
		}
		delete(expected, key)
		return true
	}
	fill := func(ops map[string]bool, verb string, appending bool) *ruleUpdate {
		u := &ruleUpdate{ctx: ctx, name: name}
		if check(ops, verb, "condition") {
			u.source = source
			_, n := r.requiredString(item, "condition", ctx)
			t := textOf(r.src, n)
			u.cond = &t
			u.condCtx = r.ctx(n, ItemRuleCondition, "", ctx)
		}
		if check(ops, verb, "exceptions") {
			u.exceptions, u.hasExc = r.readExceptions(item, ctx, appending), true
		}
		if check(ops, verb, "output") {
			_, n := r.requiredString(item, "output", ctx)
			t := textOf(r.src, n)
			u.output = &t
		}
		if check(ops, verb, "desc") {
			d, _ := r.requiredString(item, "desc", ctx)
			u.desc = &d
		}
		if check(ops, verb, "tags") {
			tags, _ := r.stringSeq(item, "tags", ctx, false)
			u.tags, u.hasTags = map[string]struct{}{}, true
			for _, t := range tags {
				u.tags[t] = struct{}{}
			}
		}
		if appending {
			return u
		}
		if check(ops, verb, "priority") {
			s, n := r.requiredString(item, "priority", ctx)
			p, ok := priority.ParsePriority(s)
			if !ok {
				throwf(ErrYAMLValidate, r.ctx(n, ItemRulePriority, "", ctx), "Invalid priority")
			}
			u.priority = &p
		}
		if check(ops, verb, "capture") {
			b, _ := r.boolValue(item, "capture", ctx, true)
			u.capture = &b
		}
		if check(ops, verb, "capture_duration") {
			d, _ := r.uintValue(item, "capture_duration", ctx, true)
			u.captureDur = &d
		}
		if check(ops, verb, "enabled") {
			b, _ := r.boolValue(item, "enabled", ctx, true)
			u.enabled = &b
		}
		if check(ops, verb, "warn_evttypes") {
			b, _ := r.boolValue(item, "warn_evttypes", ctx, true)
			u.warnEvttypes = &b
		}
		if check(ops, verb, "skip-if-unknown-filter") {
			b, _ := r.boolValue(item, "skip-if-unknown-filter", ctx, true)
			u.skipUnknown = &b
		}
		return u
	}
	if len(app) > 0 {
		r.col.appendRule(r.l, fill(app, "append", true))
	}
	if len(repl) > 0 {
		r.col.replaceRule(r.l, fill(repl, "replace", false))
	}
	for _, k := range ruleOverridable {
		if expected[k] {
			n := r.src.mapGet(item, k)
			throwf(ErrYAMLValidate, r.ctx(n, ItemOverrides, k, ctx),
				"Unexpected key '%s': no corresponding entry under 'override' is defined.", k)
		}
	}
}

// readExceptions decodes a rule's exceptions.
func (r *reader) readExceptions(item *yaml.Node, parent Context, appending bool) []exceptionInfo {
	exs := r.src.mapGet(item, "exceptions")
	if exs == nil || isNull(exs) {
		return nil
	}
	ectx := r.ctx(exs, ItemExceptions, "", parent)
	if exs.Kind != yaml.SequenceNode {
		throwf(ErrYAMLValidate, ectx, "Rule exceptions must be a sequence")
	}
	var out []exceptionInfo
	for _, ex := range exs.Content {
		ex = r.mustResolve(ex, ectx)
		tmp := r.ctx(ex, ItemException, "", ectx)
		if ex.Kind != yaml.MappingNode {
			throwf(ErrYAMLValidate, tmp, "Rule exception must be a mapping")
		}
		name, _ := r.requiredString(ex, "name", tmp)
		xctx := r.ctx(ex, ItemException, name, parent)
		info := exceptionInfo{ctx: xctx, name: name}
		for _, prev := range out {
			if prev.name == name {
				r.res.addWarning(WarnExceptionNameNotUnique, "Multiple definitions of exception '"+name+"' in the same rule", xctx)
			}
		}
		info.fields = r.exceptionEntry(ex, "fields", xctx, appending)
		info.comps = r.exceptionEntry(ex, "comps", xctx, true)
		if vals := r.src.mapGet(ex, "values"); vals != nil {
			vctx := r.ctx(vals, ItemExceptionValues, "", xctx)
			if vals.Kind != yaml.SequenceNode {
				throwf(ErrYAMLValidate, vctx, "Rule exception values must be a sequence")
			}
			for _, v := range vals.Content {
				info.values = append(info.values, r.exceptionValue(v, r.ctx(v, ItemExceptionValue, "", vctx)))
			}
		} else if appending {
			r.res.addWarning(WarnAppendNoValues, "Overriding/appending exception with no values", xctx)
		}
		out = append(out, info)
	}
	return out
}

func (r *reader) exceptionEntry(ex *yaml.Node, key string, ctx Context, optional bool) exceptionEntry {
	v := r.src.mapGet(ex, key)
	if v == nil {
		if !optional {
			throwf(ErrYAMLValidate, ctx, "Item has no mapping for key '%s'", key)
		}
		return exceptionEntry{}
	}
	return r.exceptionValue(v, r.ctx(v, ItemValueFor, key, ctx))
}

func (r *reader) exceptionValue(v *yaml.Node, ctx Context) exceptionEntry {
	v = r.mustResolve(v, ctx)
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value == "" || isNull(v) {
			throwf(ErrYAMLValidate, ctx, "Value must be non-empty")
		}
		return exceptionEntry{item: v.Value, valid: true}
	case yaml.SequenceNode:
		e := exceptionEntry{isList: true, valid: true}
		for _, c := range v.Content {
			e.items = append(e.items, r.exceptionValue(c, r.ctx(c, ItemException, "", ctx)))
		}
		return e
	}
	return exceptionEntry{}
}

// trimText trims ASCII blanks from both ends, keeping origins.
func trimText(t text) text {
	s := t.s
	i, j := 0, len(s)
	for i < j && strings.IndexByte(" \t\n\r\f\v", s[i]) >= 0 {
		i++
	}
	for j > i && strings.IndexByte(" \t\n\r\f\v", s[j-1]) >= 0 {
		j--
	}
	from := append([]origin(nil), t.from[i:j]...)
	return text{s: s[i:j], from: append(from, t.at(j))}
}
