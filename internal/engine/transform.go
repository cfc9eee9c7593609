package engine

import (
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/engine/match"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// transformer compiles tolower, toupper, b64, basename and len (one
// argument), val (identity), and join, concat and getopt (several).
func (c *Compiler) transformer(n *lang.Transformer) *operand {
	switch n.Name {
	case "val":
		if n.HasArg {
			fail(n.At, "filter error: transformer 'val' does not support field arguments")
		}
		return c.operand(n.Args[0])
	case "join", "concat", "getopt":
		return c.multiTransformer(n)
	}
	if len(n.Args) != 1 {
		// libsinsp hands any transformer with several arguments to its
		// multivalue transformer factory, which knows only join, concat
		// and getopt.
		fail(n.At, "unknown multivalue transformer")
	}
	if n.HasArg {
		fail(n.At, "filter error: transformer '%s' does not support field arguments", n.Name)
	}
	in := c.operand(n.Args[0])
	if !in.isConst && in.flags&fields.NoTransformer != 0 {
		fail(n.At, "field '%s' does not support transformers", in.name)
	}
	out := &operand{name: in.name, flags: in.flags, multi: in.multi, key: lang.String(n)}
	typeErr := func() {
		list := ""
		if in.isList() {
			list = "list "
		}
		fail(n.At, "can't add field transformer: type '%s' is not supported by '%s' transformer applied on %sfield '%s'",
			in.typ, n.Name, list, in.name)
	}
	var apply func(in *Value, out *Value) bool
	switch n.Name {
	case "tolower", "toupper":
		if !in.typ.IsString() {
			typeErr()
		}
		out.typ, out.kind = in.typ, KindString
		conv := asciiLower
		if n.Name == "toupper" {
			conv = asciiUpper
		}
		apply = func(v, o *Value) bool {
			o.Str = conv(v.Str)
			for _, s := range v.Strs {
				o.Strs = append(o.Strs, conv(s))
			}
			return true
		}
	case "basename":
		if !in.typ.IsString() {
			typeErr()
		}
		out.typ, out.kind = in.typ, KindString
		apply = func(v, o *Value) bool {
			o.Str = basename(v.Str)
			for _, s := range v.Strs {
				o.Strs = append(o.Strs, basename(s))
			}
			return true
		}
	case "b64":
		if in.typ != fields.TypeCharBuf && in.typ != fields.TypeByteBuf {
			typeErr()
		}
		out.typ, out.kind = in.typ, in.kind
		isBytes := in.typ == fields.TypeByteBuf
		apply = func(v, o *Value) bool {
			if in.multi != Single {
				for _, s := range v.Strs {
					d, ok := b64Decode(s)
					if !ok {
						return false
					}
					o.Strs = append(o.Strs, string(d))
				}
				return true
			}
			src := v.Str
			if isBytes {
				src = string(v.Bytes)
			}
			d, ok := b64Decode(src)
			if !ok {
				return false
			}
			if isBytes {
				o.Bytes = append(o.Bytes[:0], d...)
			} else {
				// The decoded bytes are kept whole: comparisons apply the
				// C string rules themselves (a NUL ends the value for
				// strcmp, not for set lookups).
				o.Str = string(d)
			}
			return true
		}
	case "len":
		switch {
		case in.isList():
			out.multi = Single
		case in.typ.IsString() || in.typ == fields.TypeByteBuf:
		default:
			typeErr()
		}
		out.typ, out.kind = fields.TypeUint64, KindUint
		isList, isBytes := in.isList(), in.typ == fields.TypeByteBuf
		apply = func(v, o *Value) bool {
			switch {
			case isList:
				o.Uint = uint64(listLen(v))
			case isBytes:
				o.Uint = uint64(len(v.Bytes))
			case in.multi == AnyOf:
				for _, s := range v.Strs {
					o.Uints = append(o.Uints, uint64(len(cString(s))))
				}
			default:
				o.Uint = uint64(len(cString(v.Str)))
			}
			return true
		}
	default:
		fail(n.At, "filter error: unknown transformer '%s'", n.Name)
	}
	if in.isConst {
		// Fold constants now: quoted arguments never change. A constant
		// the transformer rejects (invalid base64) is a value that can
		// never be extracted.
		v, _ := in.get(nil)
		o := &Value{}
		ok := apply(v, o)
		out.get = func(*Frame) (*Value, bool) { return o, ok }
		if ok && out.kind == KindString {
			out.isConst = true
			if out.multi == List {
				out.consts = o.Strs
			} else {
				out.consts = []string{o.Str}
			}
		}
		return out
	}
	idx, _ := c.slot(out.key)
	get := in.get
	out.get = cached(idx, func(f *Frame, o *Value) bool {
		v, ok := get(f)
		if !ok {
			return false
		}
		return apply(v, o)
	})
	return out
}

// transformerList compiles a parenthesised list of transformer arguments
// into one list-valued operand.
func (c *Compiler) transformerList(n *lang.TransformerList) *operand {
	items := make([]*operand, len(n.Items))
	allConst := true
	for i, it := range n.Items {
		items[i] = c.operand(it)
		if !items[i].isConst {
			allConst = false
		}
	}
	// libsinsp's list_check: a CHARBUF list "field" named NA.
	out := &operand{typ: fields.TypeCharBuf, kind: KindString, multi: List, key: lang.String(n), name: "NA"}
	if allConst {
		out.isConst = true
		for _, it := range items {
			out.consts = append(out.consts, it.consts...)
		}
		constant := &Value{Strs: out.consts}
		out.get = func(*Frame) (*Value, bool) { return constant, true }
		return out
	}
	idx, _ := c.slot(out.key)
	out.get = cached(idx, func(f *Frame, o *Value) bool {
		for _, it := range items {
			if it.isConst {
				o.Strs = append(o.Strs, it.consts...)
				continue
			}
			v, ok := it.get(f)
			if !ok {
				return false
			}
			appendStrings(&o.Strs, v, it)
		}
		return true
	})
	return out
}

// appendStrings adds the string form of an operand's values to dst.
func appendStrings(dst *[]string, v *Value, o *operand) {
	if o.multi != Single {
		switch o.kind {
		case KindString:
			*dst = append(*dst, v.Strs...)
		case KindUint:
			for _, u := range v.Uints {
				*dst = append(*dst, strconv.FormatUint(u, 10))
			}
		case KindInt:
			for _, i := range v.Ints {
				*dst = append(*dst, strconv.FormatInt(i, 10))
			}
		}
		return
	}
	switch o.kind {
	case KindString:
		*dst = append(*dst, v.Str)
	case KindUint:
		*dst = append(*dst, strconv.FormatUint(v.Uint, 10))
	case KindInt:
		*dst = append(*dst, strconv.FormatInt(v.Int, 10))
	case KindDouble:
		// rawval_to_string prints doubles with "%.1lf".
		*dst = append(*dst, strconv.FormatFloat(v.Float, 'f', 1, 64))
	case KindBool:
		*dst = append(*dst, strconv.FormatBool(v.Bool))
	case KindBytes:
		*dst = append(*dst, string(v.Bytes))
	case KindIP, KindIPNet:
		*dst = append(*dst, v.IP.String())
	}
}

func (c *Compiler) multiTransformer(n *lang.Transformer) *operand {
	args := make([]*operand, len(n.Args))
	for i, a := range n.Args {
		args[i] = c.operand(a)
	}
	// libsinsp names the result NA (multivalue_transformer_check_fields),
	// or INTERNAL when it is a list (getopt without selector).
	out := &operand{typ: fields.TypeCharBuf, kind: KindString, key: lang.String(n), name: "NA"}
	var compute func(f *Frame, o *Value) bool
	switch n.Name {
	case "join":
		if len(args) != 2 {
			fail(n.At, "join() requires exactly 2 arguments: separator and list")
		}
		if args[0].isList() {
			fail(n.At, "join() first argument (separator) must be a single value, not a list")
		}
		if !args[1].isList() {
			fail(n.At, "join() second argument must be a list")
		}
		// set_arg runs after the constructor's argument checks.
		if n.HasArg {
			fail(n.At, "transformer 'join' does not support field arguments")
		}
		sep, list := args[0], args[1]
		compute = func(f *Frame, o *Value) bool {
			s, ok := stringOf(f, sep)
			if !ok {
				return false
			}
			v, ok := list.get(f)
			if !ok {
				return false
			}
			if list.kind != KindString {
				var parts []string
				appendStrings(&parts, v, list)
				o.Str = strings.Join(parts, s)
				return true
			}
			// libsinsp appends each element as a C string. One
			// allocation, for the result.
			size := 0
			for i, e := range v.Strs {
				if i > 0 {
					size += len(s)
				}
				size += len(match.CString(e))
			}
			var b strings.Builder
			b.Grow(size)
			for i, e := range v.Strs {
				if i > 0 {
					b.WriteString(s)
				}
				b.WriteString(match.CString(e))
			}
			o.Str = b.String()
			return true
		}
	case "concat":
		if len(args) < 2 {
			fail(n.At, "concat() requires at least 2 arguments")
		}
		for _, a := range args {
			if a.typ != fields.TypeCharBuf || a.isList() {
				fail(n.At, "concat() arguments must be strings")
			}
		}
		if n.HasArg {
			fail(n.At, "transformer 'concat' does not support field arguments")
		}
		compute = func(f *Frame, o *Value) bool {
			// Each argument is appended as a C string. The arguments are
			// read twice (sized, then copied): they are cached or
			// constant, so one allocation is made, for the result.
			size := 0
			for _, a := range args {
				s, ok := stringOf(f, a)
				if !ok {
					return false
				}
				size += len(match.CString(s))
			}
			var b strings.Builder
			b.Grow(size)
			for _, a := range args {
				s, _ := stringOf(f, a)
				b.WriteString(match.CString(s))
			}
			o.Str = b.String()
			return true
		}
	case "getopt":
		if len(args) != 2 {
			fail(n.At, "getopt() requires exactly 2 arguments: args list and optstring")
		}
		if !args[0].isList() {
			fail(n.At, "getopt() first argument must be a list")
		}
		if args[1].isList() {
			fail(n.At, "getopt() second argument (optstring) must be a single value")
		}
		if args[0].typ != fields.TypeCharBuf || args[1].typ != fields.TypeCharBuf {
			fail(n.At, "getopt() arguments must be strings")
		}
		var selector byte
		if n.HasArg {
			if len(n.Arg) != 1 {
				fail(n.At, "getopt() field argument must be a single option character")
			}
			selector = n.Arg[0]
		} else {
			out.multi, out.name = List, "INTERNAL"
		}
		list, opts := args[0], args[1]
		var constInfo *optInfo
		if opts.isConst {
			constInfo = parseOptstring(opts.consts[0])
		}
		compute = func(f *Frame, o *Value) bool {
			info := constInfo
			if info == nil {
				s, ok := stringOf(f, opts)
				if !ok {
					return false
				}
				info = parseOptstring(s)
			}
			v, ok := list.get(f)
			if !ok {
				return false
			}
			return getopt(info, v.Strs, n.HasArg, selector, o)
		}
	}
	idx, _ := c.slot(out.key)
	out.get = cached(idx, compute)
	return out
}

func stringOf(f *Frame, o *operand) (string, bool) {
	if o.isConst {
		return o.consts[0], true
	}
	v, ok := o.get(f)
	if !ok {
		return "", false
	}
	if o.kind == KindString {
		if o.multi == Single {
			return v.Str, true
		}
		if len(v.Strs) == 0 {
			return "", true
		}
		return v.Strs[0], true
	}
	var parts []string
	appendStrings(&parts, v, o)
	if len(parts) == 0 {
		return "", true
	}
	return parts[0], true
}

type optInfo struct {
	valid   [256]bool
	withArg [256]bool
}

func parseOptstring(s string) *optInfo {
	info := &optInfo{}
	i := 0
	if strings.HasPrefix(s, ":") {
		i = 1
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			continue
		}
		info.valid[c] = true
		if i+1 < len(s) && s[i+1] == ':' {
			info.withArg[c] = true
			i++
		}
	}
	return info
}

// getopt scans argv as POSIX getopt does, stopping at the first operand or
// at "--" and skipping long options. Without a selector it yields option
// names each followed by its value (or "?" for an unknown option); with a
// selector it yields that option's value (or its name when it takes none).
func getopt(info *optInfo, argv []string, hasSel bool, sel byte, o *Value) bool {
	found := false
	for ai := 0; ai < len(argv); ai++ {
		arg := argv[ai]
		if arg == "--" {
			break
		}
		if len(arg) > 2 && arg[0] == '-' && arg[1] == '-' {
			continue
		}
		if len(arg) < 2 || arg[0] != '-' {
			break
		}
		for i := 1; i < len(arg); i++ {
			opt := arg[i]
			if opt == ':' || !info.valid[opt] {
				if !hasSel {
					o.Strs = append(o.Strs, "?")
				}
				continue
			}
			match := !hasSel || opt == sel
			name := arg[i : i+1]
			if !info.withArg[opt] {
				if match {
					if hasSel {
						o.Str, found = name, true
					} else {
						o.Strs = append(o.Strs, name)
					}
				}
				continue
			}
			var val string
			haveVal := true
			if i+1 < len(arg) {
				val = arg[i+1:]
			} else if ai+1 < len(argv) {
				ai++
				val = argv[ai]
			} else {
				haveVal = false
			}
			if match {
				switch {
				case !haveVal && hasSel:
					o.Str, found = "", true
				case !haveVal:
					o.Strs = append(o.Strs, "")
				case hasSel:
					o.Str, found = val, true
				default:
					o.Strs = append(o.Strs, name, val)
				}
			}
			break
		}
	}
	if hasSel {
		return found
	}
	return true
}

func listLen(v *Value) int {
	return len(v.Strs) + len(v.Uints) + len(v.Ints) + len(v.IPs)
}

// asciiLower lowers ASCII letters only (C tolower in the C locale) and
// returns s itself when nothing changes, so the common case allocates
// nothing.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func basename(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// b64Decode is libsinsp's Base64::decodeWithoutPadding applied by the b64
// transformer (sinsp_filter_transformer_base64.cpp, base64.h), after the
// transformer's removal of the value's trailing NUL bytes: the standard
// alphabet only, at most two trailing '=' ignored, no other character
// (newlines included) skipped, a final quantum of one character refused
// and the unused bits of the last character required to be zero. The
// empty string decodes to the empty string.
func b64Decode(s string) ([]byte, bool) {
	s = match.TrimNUL(s)
	if s == "" {
		return nil, true
	}
	n := len(s)
	if s[n-1] == '=' {
		n--
		if n > 0 && s[n-1] == '=' {
			n--
		}
	}
	if n == 0 || n%4 == 1 {
		return nil, false
	}
	out := make([]byte, 0, n*3/4)
	var acc uint32
	for i := 0; i < n; i++ {
		c := b64Value[s[i]]
		if c == 0xff {
			return nil, false
		}
		acc = acc<<6 | uint32(c)
		if i%4 == 3 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc = 0
		}
	}
	switch n % 4 {
	case 2: // 12 bits: one byte, 4 bits that must be zero
		if acc&0xf != 0 {
			return nil, false
		}
		out = append(out, byte(acc>>4))
	case 3: // 18 bits: two bytes, 2 bits that must be zero
		if acc&0x3 != 0 {
			return nil, false
		}
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out, true
}

// b64Value maps the standard base64 alphabet to its values, anything else
// to 0xff.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// cString cuts s at its first NUL, as C string functions see it.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}
