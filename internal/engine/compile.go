package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// Cond is a compiled condition.
type Cond func(f *Frame) bool

// Error is a compilation error at a position of the condition.
type Error struct {
	Pos lang.Pos
	Msg string
	// Unknown marks errors about unknown fields or event types, which
	// rules with skip-if-unknown-filter turn into warnings.
	Unknown bool
}

func (e *Error) Error() string { return e.Msg }

// Warning is a compile-time hint (Falco's LOAD_COMPILE_CONDITION).
type Warning struct {
	Pos lang.Pos
	Msg string
}

// EventTypes resolves evt.type names to event codes. The syscall source
// provides one; sources without event types leave it nil.
type EventTypes interface {
	// Known reports whether a name is a valid evt.type value.
	Known(name string) bool
	// Codes returns the event codes a name stands for; exact is false when
	// the codes are shared with other names (generic syscall events), so a
	// code test alone cannot tell the name.
	Codes(name string) (codes []uint16, exact bool)
	// Max is one past the largest event code.
	Max() int
}

// Compiler compiles conditions of one event source. It shares field slots
// across every condition it compiles, so a field used by many rules is
// extracted once per event.
type Compiler struct {
	src     *fields.Source
	binder  Binder
	evtypes EventTypes
	slots   map[string]int
	nslots  int
	// compound sub-conditions by canonical text, with their result slots
	condByKey map[string]Cond
	planned   map[string]int
	nconds    int
	warnings  []Warning
}

// NewCompiler returns a compiler for the fields of src, extracting through
// binder. evtypes may be nil.
func NewCompiler(src *fields.Source, binder Binder, evtypes EventTypes) *Compiler {
	if binder == nil {
		binder = Unbound{}
	}
	return &Compiler{src: src, binder: binder, evtypes: evtypes, slots: map[string]int{}, condByKey: map[string]Cond{}, planned: map[string]int{}}
}

// Source returns the field source the compiler resolves names in.
func (c *Compiler) Source() *fields.Source { return c.src }

// NewFrame returns a frame sized for everything compiled so far.
func (c *Compiler) NewFrame() *Frame { return newFrame(c.nslots, c.nconds) }

func (c *Compiler) slot(key string) (int, bool) {
	if i, ok := c.slots[key]; ok {
		return i, true
	}
	i := c.nslots
	c.slots[key] = i
	c.nslots++
	return i, false
}

// Compile compiles a condition whose macros have been expanded. It returns
// the compiled condition and the compile-time hints.
func (c *Compiler) Compile(e lang.Expr) (cond Cond, warnings []Warning, err error) {
	c.warnings = nil
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			cond, warnings, err = nil, nil, ce
		}
	}()
	cond = c.expr(e)
	return cond, c.warnings, nil
}

func fail(pos lang.Pos, format string, args ...any) {
	panic(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (c *Compiler) expr(e lang.Expr) Cond {
	switch n := e.(type) {
	case *lang.And:
		return c.shared(n, func() Cond {
			conds := make([]Cond, len(n.Children))
			for i, ch := range n.Children {
				conds[i] = c.expr(ch)
			}
			return andConds(conds)
		})
	case *lang.Or:
		return c.shared(n, func() Cond {
			conds := make([]Cond, len(n.Children))
			for i, ch := range n.Children {
				conds[i] = c.expr(ch)
			}
			return orConds(conds)
		})
	case *lang.Not:
		inner := c.expr(n.Child)
		return func(f *Frame) bool { return !inner(f) }
	case *lang.Identifier:
		fail(n.At, "filter error: unexpected identifier '%s'", n.Name)
	case *lang.UnaryCheck:
		op := c.operand(n.Left)
		get := op.get
		return func(f *Frame) bool {
			_, ok := get(f)
			return ok
		}
	case *lang.BinaryCheck:
		return c.binary(n)
	default:
		fail(e.Pos(), "filter error: unexpected expression in condition")
	}
	return nil
}

// Plan records a condition that will be compiled, so that compound
// sub-conditions occurring more than once across the planned conditions
// are compiled with a per-event result cache. Falco's rules reuse macros
// heavily (open_read, spawned_process, container): after the first rule of
// an event has evaluated one, the others read its answer instead of
// re-running its checks. Compiling without planning caches nothing.
func (c *Compiler) Plan(e lang.Expr) {
	lang.Walk(e, func(n lang.Expr) bool {
		switch n.(type) {
		case *lang.And, *lang.Or:
			c.planned[lang.String(n)]++
		}
		return true
	})
}

// shared compiles a compound sub-condition, once per ruleset when it was
// planned more than once, with its result cached per event.
func (c *Compiler) shared(e lang.Expr, build func() Cond) Cond {
	key := lang.String(e)
	if c.planned[key] < 2 {
		return build()
	}
	if cond, ok := c.condByKey[key]; ok {
		return cond
	}
	inner := build()
	idx := c.nconds
	c.nconds++
	cond := func(f *Frame) bool {
		if idx >= len(f.conds) {
			f.conds = append(f.conds, make([]condSlot, idx+1-len(f.conds))...)
		}
		s := &f.conds[idx]
		if s.gen == f.gen {
			return s.val
		}
		v := inner(f)
		s.gen, s.val = f.gen, v
		return v
	}
	c.condByKey[key] = cond
	return cond
}

func andConds(conds []Cond) Cond {
	switch len(conds) {
	case 1:
		return conds[0]
	case 2:
		a, b := conds[0], conds[1]
		return func(f *Frame) bool { return a(f) && b(f) }
	}
	return func(f *Frame) bool {
		for _, c := range conds {
			if !c(f) {
				return false
			}
		}
		return true
	}
}

func orConds(conds []Cond) Cond {
	switch len(conds) {
	case 1:
		return conds[0]
	case 2:
		a, b := conds[0], conds[1]
		return func(f *Frame) bool { return a(f) || b(f) }
	}
	return func(f *Frame) bool {
		for _, c := range conds {
			if c(f) {
				return true
			}
		}
		return false
	}
}

// operand is a compiled field or transformer expression.
type operand struct {
	get   getter
	typ   fields.Type
	kind  Kind
	multi Multiplicity
	flags fields.Flags
	name  string              // as libsinsp names it in messages: the field name
	key   string              // canonical expression text
	text  func(*Value) string // the binding's output rendering, if any
	json  func(*Value) any    // the binding's JSON value, if any
	// constant operands (quoted strings inside transformers)
	isConst bool
	consts  []string
}

func (o *operand) isList() bool { return o.multi == List }

// constString is a constant string operand.
func constString(s, key string) *operand {
	v := &Value{Str: s}
	return &operand{
		isConst: true, consts: []string{s}, typ: fields.TypeCharBuf, kind: KindString,
		name: "NA", key: key,
		get: func(*Frame) (*Value, bool) { return v, true },
	}
}

func (c *Compiler) operand(e lang.Expr) *operand {
	switch n := e.(type) {
	case *lang.Field:
		return c.field(n)
	case *lang.Transformer:
		return c.transformer(n)
	case *lang.Value:
		// A quoted or bare string inside a transformer: libsinsp's
		// rawstring_check, a CHARBUF "field" named NA that always
		// extracts its text.
		return constString(n.Value, lang.Quote(n.Value))
	case *lang.TransformerList:
		return c.transformerList(n)
	}
	fail(e.Pos(), "filter error: missing field in left-hand of check")
	return nil
}

func (c *Compiler) field(n *lang.Field) *operand {
	full := n.Name
	if n.HasArg {
		full += "[" + n.Arg + "]"
	}
	ref, err := c.src.Resolve(n.Name, n.Arg, n.HasArg)
	if err != nil {
		// libsinsp looks fields up by the whole "name[arg]" text and
		// requires an exact match, so an argument on a field that takes
		// none makes the field unknown.
		if errors.Is(err, fields.ErrUnknownField) || strings.Contains(err.Error(), "does not take an argument") {
			panic(&Error{Pos: n.At, Msg: "filter_check called with nonexistent field " + full, Unknown: true})
		}
		fail(n.At, "filter error: %v", err)
	}
	b, err := c.binder.Bind(ref)
	if err != nil {
		fail(n.At, "filter error: %v", err)
	}
	typ := ref.Field.Type
	if b.Type != 0 {
		typ = b.Type
	}
	multi := b.Multi
	if ref.Field.Flags&fields.IsList != 0 {
		multi = List
	}
	key := ref.String()
	idx, _ := c.slot(key)
	extract := b.Extract
	return &operand{
		get: cached(idx, func(f *Frame, v *Value) bool {
			return extract(f.ev, v)
		}),
		typ:   typ,
		kind:  KindOf(typ),
		multi: multi,
		flags: ref.Field.Flags,
		name:  ref.Field.Name,
		key:   key,
		text:  b.Text,
		json:  b.JSON,
	}
}
