package engine

import (
	"errors"
	"strings"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// Format is a compiled output format: literal text and %field tokens.
type Format struct {
	Tokens []FormatToken
	// Fields are the values libsinsp resolves for the alert's output
	// fields, in format order (sinsp_evt_formatter's resolution tokens,
	// built by its formatter_visitor): each field token, the fields nested
	// in transformer tokens, and the transformer tokens themselves, marked
	// Transformed. Falco leaves the transformed ones out of output_fields
	// (resolve_transformed_fields is off by default), so
	// "%toupper(proc.name)" contributes the key "proc.name" only. A key may
	// appear more than once.
	Fields []FormatField
}

// FormatField is one output field of a format.
type FormatField struct {
	// Key is the field or transformer expression as libsinsp prints it
	// (ast::as_string): "proc.aname[2]", "toupper(proc.name)",
	// "join(->,(proc.name,evt.arg.path))".
	Key string
	// Transformed marks transformer expressions.
	Transformed bool
	// Type and Multi describe the values for rendering.
	Type  fields.Type
	Multi Multiplicity

	get  getter
	text func(*Value) string
	json func(*Value) any
}

// Get extracts the field's value for the frame's event.
func (ff *FormatField) Get(f *Frame) (*Value, bool) {
	if ff.get == nil {
		return nil, false
	}
	return ff.get(f)
}

// FormatToken is one piece of a format.
type FormatToken struct {
	// Literal text, when Expr is nil.
	Text string
	// Expr is the field or transformer of a %token.
	Expr lang.Expr
	// Key names the token in JSON output_fields ("proc.aname[2]",
	// "evt.arg.flags"); empty for transformers, which Falco leaves out.
	Key string
	// Width is the fixed width of %20proc.name tokens; 0 means none.
	Width int
	// Type and Multi describe the token's values for rendering.
	Type  fields.Type
	Multi Multiplicity

	get  getter
	text func(*Value) string
}

// Get extracts the token's value for the frame's event.
func (t *FormatToken) Get(f *Frame) (*Value, bool) {
	if t.get == nil {
		return nil, false
	}
	return t.get(f)
}

// CompileFormat compiles an output format the way libsinsp reads it: a
// leading '*' is dropped, a digit run after '%' is a width, and each token
// is the longest prefix that parses and resolves as a field or transformer
// (so "%proc.namex" is proc.name followed by "x").
func (c *Compiler) CompileFormat(format string) (f *Format, err error) {
	if format == "" {
		return nil, errors.New("empty formatting token")
	}
	format = strings.TrimPrefix(format, "*")
	f = &Format{}
	last := 0
	for j := 0; j < len(format); j++ {
		if format[j] != '%' {
			continue
		}
		if last != j {
			f.Tokens = append(f.Tokens, FormatToken{Text: format[last:j]})
		}
		if j == len(format)-1 {
			return nil, errors.New("invalid formatting syntax: formatting cannot end with a %")
		}
		width := 0
		if isDigit(format[j+1]) {
			for j+1 < len(format) && isDigit(format[j+1]) {
				width = width*10 + int(format[j+1]-'0')
				j++
			}
			if j == len(format)-1 {
				return nil, errors.New("invalid formatting syntax: formatting cannot end with a number")
			}
		}
		rest := format[j+1:]
		tok, n, err := c.formatToken(rest)
		if err != nil {
			return nil, err
		}
		tok.Width = width
		f.Tokens = append(f.Tokens, tok)
		v := formatVisitor{c: c, out: &f.Fields}
		v.visit(tok.Expr)
		j += n
		last = j + 1
	}
	if last < len(format) {
		f.Tokens = append(f.Tokens, FormatToken{Text: format[last:]})
	}
	return f, nil
}

// formatToken finds the longest prefix of s that compiles as a field or
// transformer, shrinking the candidate until one does.
func (c *Compiler) formatToken(s string) (FormatToken, int, error) {
	// A prefix longer than what the parser consumes parses to the same
	// token, so the search starts there; and no token is longer than
	// maxTokenLen, which keeps a hostile output string from costing
	// quadratic time.
	size := min(len(s), maxTokenLen)
	if _, n, err := lang.ParseFieldOrTransformer(s[:size]); err == nil {
		size = n
	}
	var lastErr error
	for size > 0 {
		e, n, err := lang.ParseFieldOrTransformer(s[:size])
		if err == nil {
			op, cerr := c.tryOperand(e)
			if cerr == nil {
				tok := FormatToken{Expr: e, Type: op.typ, Multi: op.multi, get: op.get, text: op.text}
				if fe, ok := e.(*lang.Field); ok {
					tok.Key = exprString(fe)
				}
				return tok, n, nil
			}
			err = cerr
		}
		lastErr = err
		size--
	}
	msg := "unknown filter"
	if lastErr != nil {
		msg = "unknown filter: " + lastErr.Error()
	}
	return FormatToken{}, 0, &Error{Msg: msg, Unknown: true}
}

func (c *Compiler) tryOperand(e lang.Expr) (op *operand, err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			op, err = nil, ce
		}
	}()
	// Filter-only fields (fd.ip, fd.net, ...) are accepted and print <NA>,
	// as libsinsp does since 0.20, which compiles formats in filter mode.
	return c.operand(e), nil
}

// maxTokenLen bounds the length of one %token of an output format.
const maxTokenLen = 4096

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// CheckOperand reports whether e compiles as a field or transformer
// expression of the compiler's source.
func (c *Compiler) CheckOperand(e lang.Expr) error {
	_, err := c.tryOperand(e)
	return err
}

// formatVisitor reproduces libsinsp's formatter_visitor, which lists the
// resolution tokens of one %token: a field adds itself; a transformer
// visits its arguments, then replaces the previous entry if the node
// visited just before it was a transformer (so nested transformers leave
// only the outermost one, while their fields stay), and adds itself.
type formatVisitor struct {
	c             *Compiler
	out           *[]FormatField
	lastWasTransf bool
}

func (v *formatVisitor) visit(e lang.Expr) {
	switch n := e.(type) {
	case *lang.Field:
		op := v.c.operand(n)
		*v.out = append(*v.out, FormatField{Key: exprString(n), Type: op.typ, Multi: op.multi, get: op.get, text: op.text, json: op.json})
		v.lastWasTransf = false
	case *lang.TransformerList:
		for _, it := range n.Items {
			v.visit(it)
		}
	case *lang.Transformer:
		for _, a := range n.Args {
			v.visit(a)
		}
		if v.lastWasTransf && len(*v.out) > 0 {
			*v.out = (*v.out)[:len(*v.out)-1]
		}
		op := v.c.operand(n)
		*v.out = append(*v.out, FormatField{Key: exprString(n), Transformed: true, Type: op.typ, Multi: op.multi, get: op.get, text: op.text, json: op.json})
		v.lastWasTransf = true
	}
}

// exprString prints a field or transformer expression the way libsinsp's
// ast::as_string does: no blanks, arguments separated by bare commas, and
// values and field arguments escaped with escape_str.
func exprString(e lang.Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e lang.Expr) {
	switch n := e.(type) {
	case *lang.Field:
		b.WriteString(n.Name)
		writeFieldArg(b, n.Arg, n.HasArg)
	case *lang.Value:
		b.WriteString(escapeStr(n.Value))
	case *lang.TransformerList:
		b.WriteByte('(')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeExpr(b, it)
		}
		b.WriteByte(')')
	case *lang.Transformer:
		b.WriteString(n.Name)
		b.WriteByte('(')
		for i, a := range n.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
		writeFieldArg(b, n.Arg, n.HasArg)
	}
}

func writeFieldArg(b *strings.Builder, arg string, has bool) {
	if !has {
		return
	}
	if arg == "" {
		b.WriteString(`[""]`)
		return
	}
	b.WriteByte('[')
	b.WriteString(escapeStr(arg))
	b.WriteByte(']')
}

// escapeStr is libsinsp's filter::escape_str: control characters, '\' and
// '"' are escaped, and the result is double-quoted when it contains any of
// those or a blank, '=', a single quote or NUL.
func escapeStr(s string) string {
	var b strings.Builder
	quote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\b':
			quote = true
			b.WriteString(`\b`)
		case '\f':
			quote = true
			b.WriteString(`\f`)
		case '\n':
			quote = true
			b.WriteString(`\n`)
		case '\r':
			quote = true
			b.WriteString(`\r`)
		case '\t':
			quote = true
			b.WriteString(`\t`)
		case '\\':
			quote = true
			b.WriteString(`\\`)
		case '"':
			quote = true
			b.WriteString(`\"`)
		case ' ', '=', '\'', 0:
			quote = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if quote {
		return `"` + b.String() + `"`
	}
	return b.String()
}
