package load

import (
	"errors"
	"sort"
	"strings"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// compiledList is a list with list references expanded.
type compiledList struct {
	name  string
	items []string
	used  bool
}

// compiledMacro is a macro's parsed condition.
type compiledMacro struct {
	name string
	cond lang.Expr
	used bool
}

// Rule is a compiled rule with everything a ruleset and a listing need.
type Rule struct {
	*engine.Rule
	Enabled      bool
	Condition    lang.Expr // with macros expanded
	RawCondition string    // as written, after appends and exceptions
	OutputText   string
	Capture      bool
	CaptureDur   uint64
	SkipUnknown  bool
	WarnEvttypes bool
}

// compileState is the output of one compile pass over the collector.
type compileState struct {
	lists     []*compiledList
	listIndex map[string]*compiledList
	macros    []*compiledMacro
	macroIdx  map[string]*compiledMacro
	rules     []*Rule
	compilers map[string]*engine.Compiler
}

// origins records where condition nodes came from: lang positions carry an
// index into this table instead of an offset, so errors found on expanded
// trees (macros cloned into rules) still point at the text that held them.
type origins struct {
	table []origin
}

func (o *origins) register(e lang.Expr, t text) {
	lang.Walk(e, func(n lang.Expr) bool {
		p := nodePos(n)
		if p != nil {
			id := len(o.table)
			o.table = append(o.table, t.at(p.Idx))
			*p = lang.Pos{Idx: id, Line: 0, Col: 0}
		}
		return true
	})
}

func (o *origins) position(p lang.Pos) Position {
	if p.Line != 0 || p.Idx < 0 || p.Idx >= len(o.table) {
		return Position{Line: 1, Column: 1}
	}
	or := o.table[p.Idx]
	if or.src == nil {
		return Position{Line: 1, Column: 1}
	}
	return or.src.posOfOffset(or.off)
}

func nodePos(e lang.Expr) *lang.Pos {
	switch n := e.(type) {
	case *lang.And:
		return &n.At
	case *lang.Or:
		return &n.At
	case *lang.Not:
		return &n.At
	case *lang.Identifier:
		return &n.At
	case *lang.Value:
		return &n.At
	case *lang.List:
		return &n.At
	case *lang.Field:
		return &n.At
	case *lang.Transformer:
		return &n.At
	case *lang.TransformerList:
		return &n.At
	case *lang.UnaryCheck:
		return &n.At
	case *lang.BinaryCheck:
		return &n.At
	}
	return nil
}

// conditionCtx builds the "condition expression" context of a position
// inside a condition.
func conditionCtx(parent Context, cond string, pos Position) Context {
	name := cond
	if len(name) > 20 {
		name = name[:17] + "..."
	}
	name = strings.NewReplacer("\n", " ", "\r", " ").Replace(name)
	return parent.with(ItemConditionExpression, name, pos)
}

// compile runs one compile pass over everything collected so far, as
// Falco does after reading each file.
func (l *Loader) compile() {
	st := &compileState{listIndex: map[string]*compiledList{}, macroIdx: map[string]*compiledMacro{},
		compilers: map[string]*engine.Compiler{}}
	l.orig = &origins{}
	defer func() {
		if r := recover(); r != nil {
			le, ok := r.(*loadError)
			if !ok {
				panic(r)
			}
			l.res.addError(le.code, le.msg, le.ctx)
			l.state = nil
		}
	}()
	l.compileLists(st)
	l.compileMacros(st)
	l.compileRules(st)
	for _, m := range st.macros {
		if !m.used {
			l.res.addWarning(WarnUnusedMacro, "Macro not referred to by any other rule/macro", l.col.macroByName[m.name].ctx)
		}
	}
	for _, li := range st.lists {
		if !li.used {
			l.res.addWarning(WarnUnusedList, "List not referred to by any other rule/macro", l.col.listByName[li.name].ctx)
		}
	}
	l.state = st
}

func (l *Loader) compileLists(st *compileState) {
	var usedNames []string
	for _, li := range l.col.lists {
		cl := &compiledList{name: li.name}
		for _, item := range li.items {
			if ref, ok := l.col.listByName[item]; ok && ref.index < li.visibility {
				usedNames = append(usedNames, ref.name)
				cl.items = append(cl.items, ref.items...)
			} else {
				cl.items = append(cl.items, item)
			}
		}
		st.lists = append(st.lists, cl)
		st.listIndex[cl.name] = cl
	}
	for _, n := range usedNames {
		st.listIndex[n].used = true
	}
}

// quoteItem wraps an item with a space in double quotes, without escaping,
// exactly as Falco does (so items containing quotes break the same way).
func quoteItem(s string) string {
	if strings.IndexByte(s, ' ') >= 0 && s != "" && s[0] != '"' && s[0] != '\'' {
		return `"` + s + `"`
	}
	return s
}

// substituteList replaces every delimited occurrence of a list's name by
// its items joined with ", ", reproducing Falco's textual algorithm.
func substituteList(cnd text, list *compiledList) (text, bool) {
	const blanks = " \t\n\r"
	const delims = blanks + "(),="
	name := list.name
	if name == "" {
		return cnd, false
	}
	used := false
	start := strings.Index(cnd.s, name)
	for start >= 0 {
		end := start + len(name)
		if (start == 0 || strings.IndexByte(delims, cnd.s[start-1]) >= 0) &&
			(end >= len(cnd.s) || strings.IndexByte(delims, cnd.s[end]) >= 0) {
			at := cnd.at(start)
			for start > 0 && strings.IndexByte(blanks, cnd.s[start-1]) >= 0 {
				start--
			}
			for end < len(cnd.s) && strings.IndexByte(blanks, cnd.s[end]) >= 0 {
				end++
			}
			var sub strings.Builder
			for _, v := range list.items {
				if sub.Len() > 0 {
					sub.WriteString(", ")
				}
				sub.WriteString(quoteItem(v))
			}
			if sub.Len() == 0 {
				if start > 0 && cnd.s[start-1] == ',' {
					start--
				} else if end < len(cnd.s) && cnd.s[end] == ',' {
					end++
				}
			}
			parts := []text{}
			if start > 0 {
				parts = append(parts, slice(cnd, 0, start), synthetic(" ", at))
			}
			parts = append(parts, synthetic(sub.String()+" ", at))
			if end <= len(cnd.s) {
				parts = append(parts, slice(cnd, end, len(cnd.s)))
			}
			cnd = concat(parts...)
			start += sub.Len() + 1
			used = true
		}
		next := strings.Index(cnd.s[min(start+1, len(cnd.s)):], name)
		if next < 0 {
			break
		}
		start = start + 1 + next
	}
	return cnd, used
}

func slice(t text, i, j int) text {
	from := append([]origin(nil), t.from[i:j]...)
	return text{s: t.s[i:j], from: append(from, t.at(j))}
}

// parseCondition substitutes lists and parses a condition.
func (l *Loader) parseCondition(st *compileState, cond text, ctx Context) lang.Expr {
	for _, li := range st.lists {
		var used bool
		cond, used = substituteList(cond, li)
		if used {
			li.used = true
		}
	}
	e, err := lang.Parse(cond.s)
	if err != nil {
		var pe *lang.Error
		pos := Position{}
		if errors.As(err, &pe) {
			pos = cond.position(pe.Pos.Idx)
		}
		throwf(ErrCompileCondition, conditionCtx(ctx, cond.s, pos), "%s", err.Error())
	}
	l.orig.register(e, cond)
	return e
}

func (l *Loader) compileMacros(st *compileState) {
	for _, m := range l.col.macros {
		cm := &compiledMacro{name: m.name, cond: l.parseCondition(st, m.cond, m.condCtx)}
		st.macros = append(st.macros, cm)
		st.macroIdx[m.name] = cm
	}
	for _, cm := range st.macros {
		info := l.col.macroByName[cm.name]
		cm.cond = l.resolveMacros(st, cm.cond, info.cond.s, info.visibility, info.ctx)
	}
}

// resolveMacros replaces macro references by (copies of) the visible
// macros' trees, detecting reference loops.
func (l *Loader) resolveMacros(st *compileState, e lang.Expr, cond string, visibility int, ctx Context) lang.Expr {
	visible := map[string]*compiledMacro{}
	for _, m := range l.col.macros {
		if m.index < visibility {
			visible[m.name] = st.macroIdx[m.name]
		}
	}
	var path []string
	// As in Falco's filter_macro_resolver, a reference loop is reported in
	// preference to an undefined macro, whatever their order.
	var firstLoop, firstUndefined *loadError
	var resolved []string
	var visit func(e lang.Expr) lang.Expr
	visit = func(e lang.Expr) lang.Expr {
		switch n := e.(type) {
		case *lang.And:
			for i, c := range n.Children {
				n.Children[i] = visit(c)
			}
		case *lang.Or:
			for i, c := range n.Children {
				n.Children[i] = visit(c)
			}
		case *lang.Not:
			n.Child = visit(n.Child)
		case *lang.Identifier:
			m, ok := visible[n.Name]
			if !ok {
				if firstUndefined == nil {
					firstUndefined = &loadError{code: ErrValidate, msg: "Undefined macro '" + n.Name + "' used in filter.",
						ctx: conditionCtx(ctx, cond, l.orig.position(n.At))}
				}
				return n
			}
			for _, p := range path {
				if p == n.Name {
					if firstLoop == nil {
						firstLoop = &loadError{code: ErrValidate, msg: "reference loop in macro '" + n.Name + "'",
							ctx: conditionCtx(ctx, cond, l.orig.position(n.At))}
					}
					return n
				}
			}
			path = append(path, n.Name)
			out := visit(lang.Clone(m.cond))
			path = path[:len(path)-1]
			resolved = append(resolved, n.Name)
			return out
		}
		return e
	}
	out := visit(e)
	if firstLoop != nil {
		panic(firstLoop)
	}
	if firstUndefined != nil {
		panic(firstUndefined)
	}
	for _, name := range resolved {
		st.macroIdx[name].used = true
	}
	return out
}

// buildExceptions appends the rule's exceptions to its condition as Falco
// does, textually.
func buildExceptions(r *ruleInfo) text {
	at := r.cond.start()
	cond := concat(synthetic("(", at), r.cond, synthetic(")", at))
	for _, ex := range r.exceptions {
		xat := at
		var icond strings.Builder
		if !ex.fields.isList {
			for _, v := range ex.values {
				if v.isList {
					throwf(ErrValidate, ex.ctx, "Expected values array to contain a list of strings")
				}
				if icond.Len() == 0 {
					icond.WriteString("(" + ex.fields.item + " " + ex.comps.item + " (")
				} else {
					icond.WriteString(", ")
				}
				icond.WriteString(quoteItem(v.item))
			}
			if icond.Len() > 0 {
				icond.WriteString("))")
			}
		} else {
			icond.WriteString("(")
			for _, row := range ex.values {
				if len(ex.fields.items) != len(row.items) || len(ex.comps.items) != len(ex.fields.items) {
					throwf(ErrValidate, ex.ctx, "Fields and values lists must have equal length")
				}
				if icond.String() != "(" {
					icond.WriteString(" or ")
				}
				icond.WriteString("(")
				for k, f := range ex.fields.items {
					if k > 0 {
						icond.WriteString(" and ")
					}
					var istr string
					cell := row.items[k]
					op := ex.comps.items[k].item
					if cell.isList {
						var b strings.Builder
						b.WriteString("(")
						for i, v := range cell.items {
							if i > 0 {
								b.WriteString(", ")
							}
							b.WriteString(quoteItem(v.item))
						}
						b.WriteString(")")
						istr = b.String()
					} else {
						istr = cell.item
						if isListOperator(op) {
							if istr == "" || istr[0] != '(' {
								istr = "(" + istr + ")"
							}
						} else {
							istr = quoteItem(istr)
						}
					}
					icond.WriteString(" " + f.item + " " + op + " " + istr)
				}
				icond.WriteString(")")
			}
			icond.WriteString(")")
			if icond.String() == "()" {
				icond.Reset()
			}
		}
		if icond.Len() > 0 {
			cond = concat(cond, synthetic(" and not "+icond.String(), xat))
		}
	}
	return cond
}

func isListOperator(op string) bool {
	return op == "in" || op == "intersects" || op == "pmatch" || isModifierOperator(op)
}

var deprecatedFields = []struct{ name, desc string }{
	{"evt.dir", "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false. The rule expression can be simplified by removing the condition on 'evt.dir'"},
	{"evt.latency", "field is not available due to the drop of enter events."},
	{"evt.latency.s", "field is not available due to the drop of enter events."},
	{"evt.latency.ns", "field is not available due to the drop of enter events."},
	{"evt.latency.human", "field is not available due to the drop of enter events."},
	{"evt.wait_latency", "field is not available due to the drop of enter events."},
}

func (l *Loader) compiler(st *compileState, source string) *engine.Compiler {
	if c, ok := st.compilers[source]; ok {
		return c
	}
	s := l.sources[source]
	c := engine.NewCompiler(s.Fields, s.Binder, s.EventTypes)
	st.compilers[source] = c
	return c
}

// preparedRule is a rule whose output is compiled and whose condition is
// parsed and expanded, waiting for the condition's compilation.
type preparedRule struct {
	r      *ruleInfo
	src    *Source
	comp   *engine.Compiler
	cond   text
	ast    lang.Expr
	output string
	format *engine.Format
	extras map[string]*engine.Format
}

// compileRules compiles every rule in two passes: the first compiles
// outputs and parses and expands conditions, the second compiles the
// conditions once the compiler has seen them all (so sub-conditions shared
// by several rules are evaluated once per event). The error reported is
// the one Falco's single pass would meet first: a first-pass error at rule
// k comes after any second-pass error of the rules before k.
func (l *Loader) compileRules(st *compileState) {
	var prepared []*preparedRule
	var pending *loadError
	func() {
		defer func() {
			if r := recover(); r != nil {
				le, ok := r.(*loadError)
				if !ok {
					panic(r)
				}
				pending = le
			}
		}()
		for _, r := range l.col.rules {
			if p := l.prepareRule(st, r); p != nil {
				p.comp.Plan(p.ast)
				prepared = append(prepared, p)
			}
		}
	}()
	for _, p := range prepared {
		l.finishRule(st, p)
	}
	if pending != nil {
		panic(pending)
	}
	sort.SliceStable(st.rules, func(i, j int) bool { return st.rules[i].Order < st.rules[j].Order })
}

// prepareRule compiles a rule's output and parses and expands its
// condition; nil means the rule is skipped.
func (l *Loader) prepareRule(st *compileState, r *ruleInfo) *preparedRule {
	if r.unknownSource {
		return nil
	}
	src := l.sources[r.source]
	if src == nil {
		throwf(ErrValidate, r.ctx, "Unknown source at compile-time%s", r.source)
	}
	p := &preparedRule{r: r, src: src, comp: l.compiler(st, r.source), cond: r.cond, extras: map[string]*engine.Format{}}
	if len(r.exceptions) > 0 {
		p.cond = buildExceptions(r)
	}
	p.output = r.output.s
	for _, extra := range l.opts.AppendOutput {
		if !extra.matches(r) {
			continue
		}
		if extra.Format != "" {
			p.output += " " + extra.Format
		}
		if extra.Suggested {
			if sf := suggestedFormat(src.Fields); sf != "" {
				p.output += " " + sf
			}
		}
	}
	if strings.Contains(p.output, "%container.info") {
		l.res.addWarning(WarnDeprecatedItem, "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.", r.ctx)
		p.output = strings.ReplaceAll(p.output, "%container.info", "")
	}
	format, err := p.comp.CompileFormat(p.output)
	if err != nil {
		var ce *engine.Error
		if errors.As(err, &ce) && ce.Unknown && r.skipUnknown {
			l.res.addWarning(WarnUnknownFilter, err.Error(), r.outputCtx)
			return nil
		}
		throwf(ErrCompileOutput, r.outputCtx, "%s", err.Error())
	}
	p.format = format
	l.deprecatedInOutput(p.output, r.outputCtx)
	for _, extra := range l.opts.AppendOutput {
		if !extra.matches(r) {
			continue
		}
		for key, f := range extra.Fields {
			ef, err := p.comp.CompileFormat(f)
			if err != nil {
				throwf(ErrCompileOutput, r.outputCtx, "%s", err.Error())
			}
			l.deprecatedInOutput(f, r.outputCtx)
			p.extras[key] = ef
		}
	}
	// Condition: lists, macros, warnings.
	p.ast = l.parseCondition(st, p.cond, r.condCtx)
	p.ast = l.resolveMacros(st, p.ast, p.cond.s, int(^uint(0)>>1), r.ctx)
	l.conditionWarnings(p.ast, p.cond.s, r.condCtx)
	return p
}

// finishRule compiles a prepared rule's condition and event-code set.
func (l *Loader) finishRule(st *compileState, p *preparedRule) {
	r := p.r
	compiled, warnings, err := p.comp.Compile(p.ast)
	if err != nil {
		var ce *engine.Error
		errors.As(err, &ce)
		ctx := conditionCtx(r.condCtx, p.cond.s, l.orig.position(ce.Pos))
		if ce.Unknown && r.skipUnknown {
			l.res.addWarning(WarnUnknownFilter, ce.Msg, ctx)
			return
		}
		throwf(ErrCompileCondition, ctx, "%s", ce.Msg)
	}
	for _, w := range warnings {
		l.res.addWarning(WarnCompileCondition, w.Msg, conditionCtx(r.condCtx, p.cond.s, l.orig.position(w.Pos)))
	}
	var codes engine.CodeSet
	if p.src.EventTypes != nil {
		codes, err = engine.EventCodes(p.ast, p.src.EventTypes)
		if err != nil {
			throwf(ErrCompileCondition, r.condCtx, "%s", err.Error())
		}
		if n := codes.Len(); n > 100 && r.warnEvttypes {
			l.res.addWarning(WarnNoEvttype, "Rule matches too many evt.type values. This has a significant performance penalty.", r.ctx)
		}
	}
	var syscalls engine.CodeSet
	if st, ok := p.src.EventTypes.(engine.SyscallTypes); ok {
		// The same walk as the event codes: an error there was reported.
		syscalls, _ = engine.SyscallCodes(p.ast, st)
	}
	er := &engine.Rule{Name: r.name, Desc: r.desc, Source: r.source, Priority: r.priority,
		Tags: r.sortedTags(), Cond: compiled, Output: p.format, Codes: codes, Syscalls: syscalls, Order: r.index, ExtraFields: p.extras}
	st.rules = append(st.rules, &Rule{Rule: er, Enabled: r.enabled, Condition: p.ast, RawCondition: p.cond.s,
		OutputText: p.output, Capture: r.capture, CaptureDur: r.captureDur, SkipUnknown: r.skipUnknown,
		WarnEvttypes: r.warnEvttypes})
}

func (l *Loader) deprecatedInOutput(format string, ctx Context) {
	for _, df := range deprecatedFields {
		if strings.Contains(format, df.name) {
			l.res.addWarning(WarnDeprecatedItem, "usage of deprecated field '"+df.name+"' has been detected in the rule output", ctx)
		}
	}
}

// conditionWarnings adds Falco's condition warnings: <NA> compared with
// ka.*/jevt.* fields, and deprecated fields.
func (l *Loader) conditionWarnings(e lang.Expr, cond string, ctx Context) {
	unsafeNA := false
	deprecated := map[string]bool{}
	lang.Walk(e, func(n lang.Expr) bool {
		switch c := n.(type) {
		case *lang.Field:
			for _, df := range deprecatedFields {
				if c.Name == df.name {
					deprecated[df.name] = true
				}
			}
		case *lang.BinaryCheck:
			f, ok := c.Left.(*lang.Field)
			if !ok || !(strings.HasPrefix(f.Name, "ka.") || strings.HasPrefix(f.Name, "jevt.")) {
				return true
			}
			switch c.Op {
			case "==", "=", "!=", "in", "intersects", "pmatch":
			default:
				return true
			}
			switch v := c.Right.(type) {
			case *lang.Value:
				unsafeNA = unsafeNA || v.Value == "<NA>"
			case *lang.List:
				for _, s := range v.Values {
					unsafeNA = unsafeNA || s == "<NA>"
				}
			}
		}
		return true
	})
	cctx := conditionCtx(ctx, cond, ctx.last().Pos)
	if unsafeNA {
		l.res.addWarning(WarnUnsafeNACheck, "", cctx)
	}
	for _, df := range deprecatedFields {
		if deprecated[df.name] {
			l.res.addWarning(WarnDeprecatedItem, df.desc, cctx)
		}
	}
}
