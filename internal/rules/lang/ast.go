// Package lang owns the condition language of Falco rules: its lexer and
// recursive-descent parser, the syntax tree they produce (with positions),
// string escaping, and the canonical printing of a tree. It knows nothing
// about fields, lists or macros beyond their syntax: resolving those is the
// loader's and the compiler's job.
package lang

import (
	"strconv"
	"strings"
)

// Pos is a position in the condition text. Idx counts bytes from 0; Line
// and Col count from 1, and a '\r' or '\n' starts a new line (as libsinsp
// counts, so "\r\n" counts as two).
type Pos struct {
	Idx, Line, Col int
}

func (p Pos) String() string {
	return "index " + strconv.Itoa(p.Idx) + ", line " + strconv.Itoa(p.Line) + ", column " + strconv.Itoa(p.Col)
}

// Expr is a node of the syntax tree.
type Expr interface {
	Pos() Pos
	exprNode()
}

// And is a conjunction of two or more children.
type And struct {
	At       Pos
	Children []Expr
}

// Or is a disjunction of two or more children.
type Or struct {
	At       Pos
	Children []Expr
}

// Not negates its child.
type Not struct {
	At    Pos
	Child Expr
}

// Identifier is a bare name in check position: a macro reference.
type Identifier struct {
	At   Pos
	Name string
}

// Value is a literal operand (unquoted and unescaped), or an identifier
// used as a list operand (`in my_list`).
type Value struct {
	At    Pos
	Value string
}

// List is a parenthesised list of literal operands.
type List struct {
	At     Pos
	Values []string
}

// Field names a field, with its optional bracket argument.
type Field struct {
	At     Pos
	Name   string
	Arg    string
	HasArg bool
}

// Transformer applies a field transformer (tolower, val, join, ...) to its
// arguments. Arg is the optional `[arg]` that follows the call.
type Transformer struct {
	At     Pos
	Name   string
	Args   []Expr
	Arg    string
	HasArg bool
}

// TransformerList is a parenthesised list of transformer arguments, as in
// join(",", (proc.name, proc.pname)).
type TransformerList struct {
	At    Pos
	Items []Expr
}

// UnaryCheck is a check with no right-hand side (`exists`).
type UnaryCheck struct {
	At   Pos
	Left Expr // *Field or *Transformer
	Op   string
}

// BinaryCheck compares a field (or transformer) with an operand.
type BinaryCheck struct {
	At    Pos
	Left  Expr // *Field or *Transformer
	Op    string
	Right Expr // *Value, *List, *Field inside val(), or *Transformer
}

func (e *And) Pos() Pos             { return e.At }
func (e *Or) Pos() Pos              { return e.At }
func (e *Not) Pos() Pos             { return e.At }
func (e *Identifier) Pos() Pos      { return e.At }
func (e *Value) Pos() Pos           { return e.At }
func (e *List) Pos() Pos            { return e.At }
func (e *Field) Pos() Pos           { return e.At }
func (e *Transformer) Pos() Pos     { return e.At }
func (e *TransformerList) Pos() Pos { return e.At }
func (e *UnaryCheck) Pos() Pos      { return e.At }
func (e *BinaryCheck) Pos() Pos     { return e.At }

func (*And) exprNode()             {}
func (*Or) exprNode()              {}
func (*Not) exprNode()             {}
func (*Identifier) exprNode()      {}
func (*Value) exprNode()           {}
func (*List) exprNode()            {}
func (*Field) exprNode()           {}
func (*Transformer) exprNode()     {}
func (*TransformerList) exprNode() {}
func (*UnaryCheck) exprNode()      {}
func (*BinaryCheck) exprNode()     {}

// String prints a tree back as condition text that parses to the same tree.
// Values are quoted when needed. The printing is canonical, so equal
// sub-expressions print equally (the compiler uses that to share work).
func String(e Expr) string {
	var b strings.Builder
	write(&b, e)
	return b.String()
}

func write(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *And:
		writeJoined(b, n.Children, " and ")
	case *Or:
		writeJoined(b, n.Children, " or ")
	case *Not:
		b.WriteString("not ")
		writeOperand(b, n.Child)
	case *Identifier:
		b.WriteString(n.Name)
	case *Value:
		b.WriteString(Quote(n.Value))
	case *List:
		b.WriteByte('(')
		for i, v := range n.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Quote(v))
		}
		b.WriteByte(')')
	case *Field:
		b.WriteString(n.Name)
		writeArg(b, n.Arg, n.HasArg)
	case *Transformer:
		b.WriteString(n.Name)
		b.WriteByte('(')
		writeTransformerArgs(b, n.Args)
		b.WriteByte(')')
		writeArg(b, n.Arg, n.HasArg)
	case *TransformerList:
		b.WriteByte('(')
		writeTransformerArgs(b, n.Items)
		b.WriteByte(')')
	case *UnaryCheck:
		write(b, n.Left)
		b.WriteByte(' ')
		b.WriteString(n.Op)
	case *BinaryCheck:
		write(b, n.Left)
		b.WriteByte(' ')
		b.WriteString(n.Op)
		b.WriteByte(' ')
		write(b, n.Right)
	}
}

// writeTransformerArgs prints transformer arguments: there a constant must
// be a quoted string or a number, never a bare word.
func writeTransformerArgs(b *strings.Builder, args []Expr) {
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		if v, ok := a.(*Value); ok {
			if n := numberLen(v.Value); n > 0 && n == len(v.Value) {
				b.WriteString(v.Value)
			} else {
				b.WriteString(quoteAlways(v.Value))
			}
			continue
		}
		write(b, a)
	}
}

func writeJoined(b *strings.Builder, children []Expr, sep string) {
	for i, c := range children {
		if i > 0 {
			b.WriteString(sep)
		}
		writeOperand(b, c)
	}
}

// writeOperand parenthesises compound children so precedence survives.
func writeOperand(b *strings.Builder, e Expr) {
	switch e.(type) {
	case *And, *Or, *Not:
		b.WriteByte('(')
		write(b, e)
		b.WriteByte(')')
	default:
		write(b, e)
	}
}

func writeArg(b *strings.Builder, arg string, has bool) {
	if !has {
		return
	}
	b.WriteByte('[')
	if needsArgQuote(arg) {
		b.WriteString(quoteAlways(arg))
	} else {
		b.WriteString(arg)
	}
	b.WriteByte(']')
}

func needsArgQuote(s string) bool {
	return s == "" || strings.ContainsAny(s, "[]\"' \t\r\n\v\f")
}

// Walk calls fn for e and, while fn returns true, for its descendants in
// source order.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch n := e.(type) {
	case *And:
		for _, c := range n.Children {
			Walk(c, fn)
		}
	case *Or:
		for _, c := range n.Children {
			Walk(c, fn)
		}
	case *Not:
		Walk(n.Child, fn)
	case *Transformer:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *TransformerList:
		for _, a := range n.Items {
			Walk(a, fn)
		}
	case *UnaryCheck:
		Walk(n.Left, fn)
	case *BinaryCheck:
		Walk(n.Left, fn)
		Walk(n.Right, fn)
	}
}

// Clone returns a deep copy of a tree.
func Clone(e Expr) Expr {
	switch n := e.(type) {
	case *And:
		c := &And{At: n.At, Children: make([]Expr, len(n.Children))}
		for i, ch := range n.Children {
			c.Children[i] = Clone(ch)
		}
		return c
	case *Or:
		c := &Or{At: n.At, Children: make([]Expr, len(n.Children))}
		for i, ch := range n.Children {
			c.Children[i] = Clone(ch)
		}
		return c
	case *Not:
		return &Not{At: n.At, Child: Clone(n.Child)}
	case *Identifier:
		c := *n
		return &c
	case *Value:
		c := *n
		return &c
	case *List:
		return &List{At: n.At, Values: append([]string(nil), n.Values...)}
	case *Field:
		c := *n
		return &c
	case *Transformer:
		c := &Transformer{At: n.At, Name: n.Name, Arg: n.Arg, HasArg: n.HasArg, Args: make([]Expr, len(n.Args))}
		for i, a := range n.Args {
			c.Args[i] = Clone(a)
		}
		return c
	case *TransformerList:
		c := &TransformerList{At: n.At, Items: make([]Expr, len(n.Items))}
		for i, a := range n.Items {
			c.Items[i] = Clone(a)
		}
		return c
	case *UnaryCheck:
		return &UnaryCheck{At: n.At, Left: Clone(n.Left), Op: n.Op}
	case *BinaryCheck:
		return &BinaryCheck{At: n.At, Left: Clone(n.Left), Op: n.Op, Right: Clone(n.Right)}
	}
	return e
}
