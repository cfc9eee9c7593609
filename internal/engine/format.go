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

	get getter
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
				tok := FormatToken{Expr: e, Type: op.typ, Multi: op.multi, get: op.get}
				if fe, ok := e.(*lang.Field); ok {
					tok.Key = fe.Name
					if fe.HasArg {
						tok.Key += "[" + fe.Arg + "]"
					}
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
	if fe, ok := e.(*lang.Field); ok {
		ref, rerr := c.src.Resolve(fe.Name, fe.Arg, fe.HasArg)
		if rerr == nil && ref.Field.Flags&fields.FilterOnly != 0 {
			return nil, &Error{Msg: ref.String() + " is filter only and cannot be used as a display field"}
		}
	}
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
