package engine

import (
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/fields"
)

// NA is what outputs print for a value that cannot be extracted.
const NA = "<NA>"

// Text renders the token's value for the frame's event as libsinsp's
// tostring does: the field's own rendering when its binding has one,
// otherwise the default for its type; "(a,b)" for list fields, the values
// joined by spaces for ancestor fields without an index, and <NA> when the
// value is missing. Width pads or truncates to a fixed size.
func (t *FormatToken) Render(f *Frame) string {
	if t.Expr == nil {
		return t.Text
	}
	v, ok := t.Get(f)
	s := NA
	if ok {
		s = renderText(t.Type, t.Multi, t.text, v)
	}
	if t.Width > 0 {
		if len(s) > t.Width {
			s = s[:t.Width]
		} else {
			s += strings.Repeat(" ", t.Width-len(s))
		}
	}
	return s
}

// JSON returns the field's value for JSON output_fields: numbers as
// numbers, booleans as booleans, lists as arrays, everything else as its
// text, and nil when the value is missing.
func (ff *FormatField) JSON(f *Frame) any {
	v, ok := ff.Get(f)
	if !ok {
		return nil
	}
	if ff.json != nil {
		return ff.json(v)
	}
	if ff.Multi == List {
		out := []any{}
		for i := 0; i < listLen(v); i++ {
			out = append(out, scalarJSON(ff.Type, ff.text, elemAt(v, KindOf(ff.Type), i)))
		}
		return out
	}
	if ff.Multi == AnyOf || ff.Multi == EitherSide {
		return renderText(ff.Type, ff.Multi, ff.text, v)
	}
	return scalarJSON(ff.Type, ff.text, v)
}

// Text renders the field's value as Render does for tokens.
func (ff *FormatField) Text(f *Frame) string {
	v, ok := ff.Get(f)
	if !ok {
		return NA
	}
	return renderText(ff.Type, ff.Multi, ff.text, v)
}

func scalarJSON(t fields.Type, text func(*Value) string, v *Value) any {
	if text != nil {
		return text(v)
	}
	switch KindOf(t) {
	case KindInt:
		return v.Int
	case KindUint:
		return v.Uint
	case KindDouble:
		return v.Float
	case KindBool:
		return v.Bool
	}
	return scalarText(t, v)
}

func renderText(t fields.Type, multi Multiplicity, text func(*Value) string, v *Value) string {
	switch multi {
	case List:
		var b strings.Builder
		b.WriteByte('(')
		k := KindOf(t)
		for i := 0; i < listLen(v); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			e := elemAt(v, k, i)
			if text != nil {
				b.WriteString(text(e))
			} else {
				b.WriteString(scalarText(t, e))
			}
		}
		b.WriteByte(')')
		return b.String()
	case AnyOf, EitherSide:
		if text != nil {
			return text(v)
		}
		var parts []string
		k := KindOf(t)
		for i := 0; i < anyLen(v, k); i++ {
			parts = append(parts, scalarText(t, elemAt(v, k, i)))
		}
		return strings.Join(parts, " ")
	}
	if text != nil {
		return text(v)
	}
	return scalarText(t, v)
}

// scalarText is libsinsp's default rendering of one value of a type.
func scalarText(t fields.Type, v *Value) string {
	switch KindOf(t) {
	case KindString:
		return v.Str
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindUint:
		return strconv.FormatUint(v.Uint, 10)
	case KindDouble:
		return strconv.FormatFloat(v.Float, 'f', 1, 64)
	case KindBool:
		if v.Bool {
			return "true"
		}
		return "false"
	case KindBytes:
		return string(v.Bytes)
	case KindIP, KindIPNet:
		if !v.IP.IsValid() {
			return NA
		}
		return v.IP.String()
	}
	return NA
}
