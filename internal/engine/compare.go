package engine

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/kestrel-project/kestrel/internal/engine/match"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// splitOp separates "startswith anyof" into operator and modifier, and
// normalises "==" to "=" (libsinsp maps both to CO_EQ, with or without a
// modifier).
func splitOp(op string) (string, string) {
	mod := ""
	if i := strings.IndexByte(op, ' '); i >= 0 {
		op, mod = op[:i], op[i+1:]
	}
	if op == "==" {
		op = "="
	}
	return op, mod
}

// opDisplay is how libsinsp prints an operator in error messages.
func opDisplay(op string) string {
	if op == "==" {
		return "="
	}
	return op
}

// comparable reproduces libsinsp's operator/type compatibility table.
func opSupported(op, mod string, t fields.Type, isList bool) string {
	if op == "exists" {
		return ""
	}
	name := opDisplay(op)
	if isList {
		switch t {
		case fields.TypeCharBuf, fields.TypeUint64, fields.TypeRelTime, fields.TypeAbsTime,
			fields.TypeBool, fields.TypeIPAddr, fields.TypeIPNet:
		default:
			return "list filters are not supported for type '" + t.String() + "'"
		}
		switch op {
		case "in", "intersects":
			return ""
		}
		return "'" + name + "' operator not supported list filters"
	}
	in := func(ops ...string) bool {
		for _, o := range ops {
			if o == op {
				return true
			}
		}
		return false
	}
	switch KindOf(t) {
	case KindInt, KindUint, KindDouble:
		if in("=", "!=", "<", "<=", ">", ">=", "in", "intersects") {
			return ""
		}
		return "'" + name + "' operator not supported for numeric filters"
	case KindBool:
		if in("=", "!=", "in", "intersects") {
			return ""
		}
		return "'" + name + "' operator not supported for numeric filters"
	case KindIP, KindIPNet:
		if in("=", "!=", "in", "intersects") {
			return ""
		}
		if mod != "" {
			return "'" + name + "' with modifier not supported for ip address and network filters"
		}
		return "'" + name + "' operator not supported for ip address and network filters"
	case KindString:
		if in("=", "!=", "<", "<=", ">", ">=", "contains", "in", "icontains", "startswith",
			"glob", "pmatch", "endswith", "intersects", "iglob", "regex") {
			return ""
		}
		return "'" + name + "' operator not supported for string filters"
	case KindBytes:
		if in("=", "!=", "contains", "in", "startswith", "endswith", "intersects", "bcontains", "bstartswith") {
			return ""
		}
		return "'" + name + "' operator not supported for buffer filters"
	}
	return "'" + name + "' operator not supported for type '" + t.String() + "'"
}

func (c *Compiler) binary(n *lang.BinaryCheck) Cond {
	lhs := c.operand(n.Left)
	op, mod := splitOp(n.Op)
	if msg := opSupported(op, mod, lhs.typ, lhs.isList()); msg != "" {
		fail(n.At, "filter error: %s", msg)
	}
	switch r := n.Right.(type) {
	case *lang.Value:
		return c.constCheck(n, lhs, op, mod, []string{r.Value})
	case *lang.List:
		return c.constCheck(n, lhs, op, mod, r.Values)
	case *lang.Field, *lang.Transformer, *lang.TransformerList:
		return c.fieldCheck(n, lhs, op, c.operand(r))
	}
	fail(n.At, "filter error: unexpected right-hand side")
	return nil
}

func (c *Compiler) constCheck(n *lang.BinaryCheck, lhs *operand, op, mod string, values []string) Cond {
	isEvtType := lhs.name == "evt.type" && lhs.key == "evt.type" && c.evtypes != nil
	// libsinsp handles the values one by one: compile hints, then the NUL
	// check of string_to_rawval (every type but byte buffers), then the
	// evt.type name validation (sinsp_filter_check_event::
	// validate_filter_value).
	for _, v := range values {
		c.valueHints(n.Right.Pos(), op, v)
		if lhs.kind != KindBytes && strings.IndexByte(v, 0) >= 0 {
			fail(n.At, "%v", match.ErrNULValue)
		}
		if isEvtType && !c.evtypes.Known(v) {
			panic(&Error{Pos: n.At, Msg: "unknown event type " + v, Unknown: true})
		}
	}
	if isEvtType {
		if cond := c.evtTypeFast(op, mod, values); cond != nil {
			return cond
		}
	}
	get := lhs.get
	if lhs.isList() {
		return listCheck(n.At, lhs, op, values)
	}
	if mod != "" && len(values) == 0 {
		// compare_rhs_with_mod: no right-hand value, no match, whatever
		// the modifier.
		return func(*Frame) bool { return false }
	}
	switch lhs.kind {
	case KindString:
		return scalarCheck(get, lhs.multi, op, stringPredicate(n.At, op, mod, values),
			func(v *Value) string { return v.Str }, func(v *Value) []string { return v.Strs })
	case KindInt:
		rhs := parseAll(values, func(s string) int64 { return parseInt(n.At, s, lhs.typ) })
		return scalarCheck(get, lhs.multi, op, orderedPredicate(op, mod, rhs),
			func(v *Value) int64 { return v.Int }, func(v *Value) []int64 { return v.Ints })
	case KindUint:
		rhs := parseAll(values, func(s string) uint64 { return parseUint(n.At, s, lhs.typ) })
		return scalarCheck(get, lhs.multi, op, orderedPredicate(op, mod, rhs),
			func(v *Value) uint64 { return v.Uint }, func(v *Value) []uint64 { return v.Uints })
	case KindDouble:
		// libsinsp parses double constants as 32-bit integers.
		rhs := parseAll(values, func(s string) float64 { return float64(parseInt(n.At, s, fields.TypeInt32)) })
		return scalarCheck(get, Single, op, orderedPredicate(op, mod, rhs),
			func(v *Value) float64 { return v.Float }, nil)
	case KindBool:
		rhs := parseAll(values, func(s string) bool { return parseBool(n.At, s) })
		return scalarCheck(get, Single, op, equalityPredicate(op, mod, rhs),
			func(v *Value) bool { return v.Bool }, nil)
	case KindBytes:
		return scalarCheck(get, Single, op, bytesPredicate(n.At, op, mod, values),
			func(v *Value) []byte { return v.Bytes }, nil)
	case KindIP:
		rhs := parseAll(values, func(s string) netip.Addr { return parseIP(n.At, s, lhs.typ) })
		return scalarCheck(get, lhs.multi, op, ipPredicate(op, mod, rhs),
			func(v *Value) netip.Addr { return v.IP }, func(v *Value) []netip.Addr { return v.IPs })
	case KindIPNet:
		rhs := parseAll(values, func(s string) netip.Prefix { return parseNet(n.At, s, lhs.typ) })
		return scalarCheck(get, lhs.multi, op, netPredicate(op, mod, rhs),
			func(v *Value) netip.Addr { return v.IP }, func(v *Value) []netip.Addr { return v.IPs })
	}
	fail(n.At, "filter error: '%s' operator not supported for type '%s'", opDisplay(op), lhs.typ)
	return nil
}

// parseAll converts every constant operand with parse.
func parseAll[T any](values []string, parse func(string) T) []T {
	out := make([]T, len(values))
	for i, s := range values {
		out[i] = parse(s)
	}
	return out
}

// scalarCheck builds a check on a field of one kind: the predicate applies
// to the single value, or, for any-of fields (ancestors without an index),
// holds when it holds for any element. Either-side fields (fd.ip, fd.net,
// fd.port: both ends of a connection) hold when either end matches, except
// for !=, which needs both ends to differ, as libsinsp compares them.
func scalarCheck[T any](get getter, multi Multiplicity, op string, p func(T) bool, one func(*Value) T, many func(*Value) []T) Cond {
	if (multi == AnyOf || multi == EitherSide) && many != nil {
		all := multi == EitherSide && op == "!="
		return func(f *Frame) bool {
			v, ok := get(f)
			if !ok {
				return false
			}
			xs := many(v)
			if all {
				for _, x := range xs {
					if !p(x) {
						return false
					}
				}
				return len(xs) > 0
			}
			for _, x := range xs {
				if p(x) {
					return true
				}
			}
			return false
		}
	}
	return func(f *Frame) bool {
		v, ok := get(f)
		return ok && p(one(v))
	}
}

// evtTypeFast compiles evt.type = / != / in over known event names into a
// code-set test, unless a name only maps to generic syscall events (whose
// names are not their codes).
func (c *Compiler) evtTypeFast(op, mod string, values []string) Cond {
	if mod != "" || (op != "=" && op != "!=" && op != "in" && op != "intersects") {
		return nil
	}
	set := make([]uint64, (c.evtypes.Max()+63)/64)
	for _, v := range values {
		codes, exact := c.evtypes.Codes(v)
		if !exact {
			return nil
		}
		for _, code := range codes {
			set[code>>6] |= 1 << (code & 63)
		}
	}
	has := func(t uint16) bool {
		i := int(t >> 6)
		return i < len(set) && set[i]&(1<<(t&63)) != 0
	}
	if op == "!=" {
		return func(f *Frame) bool { return !has(f.ev.Type()) }
	}
	return func(f *Frame) bool { return has(f.ev.Type()) }
}

// listCheck compiles in / intersects on a list-valued field.
func listCheck(at lang.Pos, lhs *operand, op string, values []string) Cond {
	get := lhs.get
	var member func(v *Value, i int) bool
	var count func(v *Value) int
	switch lhs.kind {
	case KindString:
		set := make(map[string]struct{}, len(values))
		for _, s := range values {
			set[s] = struct{}{}
		}
		member = func(v *Value, i int) bool { _, ok := set[v.Strs[i]]; return ok }
		count = func(v *Value) int { return len(v.Strs) }
	case KindUint:
		set := make(map[uint64]struct{}, len(values))
		for _, s := range values {
			set[parseUint(at, s, lhs.typ)] = struct{}{}
		}
		member = func(v *Value, i int) bool { _, ok := set[v.Uints[i]]; return ok }
		count = func(v *Value) int { return len(v.Uints) }
	case KindBool:
		set := map[bool]struct{}{}
		for _, s := range values {
			set[parseBool(at, s)] = struct{}{}
		}
		member = func(v *Value, i int) bool { _, ok := set[v.Uints[i] != 0]; return ok }
		count = func(v *Value) int { return len(v.Uints) }
	case KindIP:
		set := map[netip.Addr]struct{}{}
		for _, s := range values {
			set[parseIP(at, s, lhs.typ)] = struct{}{}
		}
		member = func(v *Value, i int) bool { _, ok := set[v.IPs[i]]; return ok }
		count = func(v *Value) int { return len(v.IPs) }
	case KindIPNet:
		nets := make([]netip.Prefix, len(values))
		for i, s := range values {
			nets[i] = parseNet(at, s, lhs.typ)
		}
		member = func(v *Value, i int) bool { return inNets(nets, v.IPs[i]) }
		count = func(v *Value) int { return len(v.IPs) }
	default:
		fail(at, "filter error: list filters are not supported for type '%s'", lhs.typ)
	}
	if op == "in" {
		return func(f *Frame) bool {
			v, ok := get(f)
			if !ok {
				return false
			}
			for i, n := 0, count(v); i < n; i++ {
				if !member(v, i) {
					return false
				}
			}
			return true
		}
	}
	return func(f *Frame) bool {
		v, ok := get(f)
		if !ok {
			return false
		}
		for i, n := 0, count(v); i < n; i++ {
			if member(v, i) {
				return true
			}
		}
		return false
	}
}

// stringPredicate compiles a string comparison against constants.
func stringPredicate(at lang.Pos, op, mod string, values []string) func(string) bool {
	for _, v := range values {
		if strings.IndexByte(v, 0) >= 0 {
			fail(at, "filter error: filter value cannot contain a NUL byte (\\x00)")
		}
	}
	switch op {
	case "in", "intersects":
		return stringSet(values)
	case "pmatch":
		pm, err := match.CompilePMatch(values)
		if err != nil {
			fail(at, "filter error: %v", err)
		}
		return pm.Match
	}
	if mod == "" {
		return stringElem(at, op, values[0])
	}
	if mod == "anyof" && op == "=" {
		return stringSet(values)
	}
	if mod == "allof" && op == "!=" {
		in := stringSet(values)
		return func(s string) bool { return !in(s) }
	}
	elems := make([]func(string) bool, len(values))
	for i, v := range values {
		elems[i] = stringElem(at, op, v)
	}
	return modifier(mod, elems)
}

// stringSet is set membership as libsinsp's in, intersects, "= anyof" and
// "!= allof" test it: the value without its trailing NUL bytes, compared
// byte for byte (craft_filter_value and a hash-set lookup).
func stringSet(values []string) func(string) bool {
	if len(values) == 1 {
		v := values[0]
		return func(s string) bool { return match.TrimNUL(s) == v }
	}
	set := make(map[string]struct{}, len(values))
	// lengths has bit n set when a value is n bytes long (bit 63: 63 or
	// more). Most values tested against a set, such as a path against a
	// list of program names, have a length no element has: the mask
	// answers those without hashing the value, as libsinsp's min/max
	// length check does.
	var lengths uint64
	for _, v := range values {
		set[v] = struct{}{}
		lengths |= 1 << min(len(v), 63)
	}
	return func(s string) bool {
		s = match.TrimNUL(s)
		if lengths&(1<<min(len(s), 63)) == 0 {
			return false
		}
		_, ok := set[s]
		return ok
	}
}

// cEqual reports whether strcmp(s, rhs) == 0, i.e. whether s up to its
// first NUL is rhs, for a rhs without NUL bytes; it does not scan s.
func cEqual(s, rhs string) bool {
	if len(s) == len(rhs) {
		return s == rhs
	}
	return len(s) > len(rhs) && s[len(rhs)] == 0 && s[:len(rhs)] == rhs
}

// cContains is strstr(s, rhs) != NULL for a rhs without NUL bytes: an
// occurrence counts only if no NUL comes before it.
func cContains(s, rhs string) bool {
	i := strings.Index(s, rhs)
	return i >= 0 && strings.IndexByte(s[:i], 0) < 0
}

// stringElem compiles one string comparison against a constant, with the C
// string semantics of libsinsp's flt_compare_string: the value is seen up
// to its first NUL (strcmp, strstr, strncmp, fnmatch).
func stringElem(at lang.Pos, op, rhs string) func(string) bool {
	switch op {
	case "=":
		return func(s string) bool { return cEqual(s, rhs) }
	case "!=":
		return func(s string) bool { return !cEqual(s, rhs) }
	case "<":
		return func(s string) bool { return match.CString(s) < rhs }
	case "<=":
		return func(s string) bool { return match.CString(s) <= rhs }
	case ">":
		return func(s string) bool { return match.CString(s) > rhs }
	case ">=":
		return func(s string) bool { return match.CString(s) >= rhs }
	case "contains":
		return func(s string) bool { return cContains(s, rhs) }
	case "icontains":
		return func(s string) bool { return match.ContainsFold(s, rhs) }
	case "startswith":
		// strncmp stops at the value's NUL, which rhs cannot contain.
		return func(s string) bool { return strings.HasPrefix(s, rhs) }
	case "endswith":
		return func(s string) bool { return strings.HasSuffix(match.CString(s), rhs) }
	case "glob", "iglob":
		compile := match.CompileGlob
		if op == "iglob" {
			compile = match.CompileIGlob
		}
		g, err := compile(rhs)
		if err != nil {
			fail(at, "filter error: %v", err)
		}
		return g.Match
	case "regex":
		re, err := match.CompileRegex(rhs)
		if err != nil {
			fail(at, "%v", err)
		}
		return re.Match
	case "in", "intersects":
		return func(s string) bool { return match.TrimNUL(s) == rhs }
	case "pmatch":
		pm, err := match.CompilePMatch([]string{rhs})
		if err != nil {
			fail(at, "filter error: %v", err)
		}
		return pm.Match
	}
	fail(at, "filter error: '%s' operator not supported for string filters", op)
	return nil
}

// modifier combines per-element predicates under oneof/anyof/allof.
func modifier[T any](mod string, elems []func(T) bool) func(T) bool {
	switch mod {
	case "oneof":
		return func(x T) bool {
			n := 0
			for _, e := range elems {
				if e(x) {
					if n++; n > 1 {
						return false
					}
				}
			}
			return n == 1
		}
	case "anyof":
		return func(x T) bool {
			for _, e := range elems {
				if e(x) {
					return true
				}
			}
			return false
		}
	default: // allof
		return func(x T) bool {
			for _, e := range elems {
				if !e(x) {
					return false
				}
			}
			return true
		}
	}
}

type ordered interface {
	~int64 | ~uint64 | ~float64
}

func orderedPredicate[T ordered](op, mod string, rhs []T) func(T) bool {
	elem := func(r T) func(T) bool {
		switch op {
		case "!=":
			return func(x T) bool { return x != r }
		case "<":
			return func(x T) bool { return x < r }
		case "<=":
			return func(x T) bool { return x <= r }
		case ">":
			return func(x T) bool { return x > r }
		case ">=":
			return func(x T) bool { return x >= r }
		}
		return func(x T) bool { return x == r }
	}
	if op == "in" || op == "intersects" || (mod == "anyof" && op == "=") {
		if len(rhs) == 1 {
			return elem(rhs[0])
		}
		set := make(map[T]struct{}, len(rhs))
		for _, r := range rhs {
			set[r] = struct{}{}
		}
		return func(x T) bool { _, ok := set[x]; return ok }
	}
	if mod == "" {
		return elem(rhs[0])
	}
	elems := make([]func(T) bool, len(rhs))
	for i, r := range rhs {
		elems[i] = elem(r)
	}
	return modifier(mod, elems)
}

func equalityPredicate[T comparable](op, mod string, rhs []T) func(T) bool {
	elem := func(r T) func(T) bool {
		if op == "!=" {
			return func(x T) bool { return x != r }
		}
		return func(x T) bool { return x == r }
	}
	if mod == "" && op != "in" && op != "intersects" {
		return elem(rhs[0])
	}
	elems := make([]func(T) bool, len(rhs))
	for i, r := range rhs {
		elems[i] = elem(r)
	}
	if mod == "" {
		mod = "anyof"
	}
	return modifier(mod, elems)
}

func bytesPredicate(at lang.Pos, op, mod string, values []string) func([]byte) bool {
	rhs := make([][]byte, len(values))
	for i, s := range values {
		if op == "bcontains" || op == "bstartswith" {
			b, err := match.DecodeHex(s)
			if err != nil {
				fail(at, "filter error: bcontains and bstartswith operator support hex strings only")
			}
			rhs[i] = b
		} else {
			rhs[i] = []byte(s)
		}
	}
	elem := func(r []byte) func([]byte) bool {
		switch op {
		case "!=":
			return func(b []byte) bool { return !bytes.Equal(b, r) }
		case "contains", "bcontains":
			return func(b []byte) bool { return bytes.Contains(b, r) }
		case "startswith", "bstartswith":
			return func(b []byte) bool { return bytes.HasPrefix(b, r) }
		case "endswith":
			return func(b []byte) bool { return bytes.HasSuffix(b, r) }
		}
		return func(b []byte) bool { return bytes.Equal(b, r) }
	}
	if op == "in" || op == "intersects" {
		set := make(map[string]struct{}, len(rhs))
		for _, r := range rhs {
			set[string(r)] = struct{}{}
		}
		return func(b []byte) bool { _, ok := set[string(b)]; return ok }
	}
	if mod == "" {
		return elem(rhs[0])
	}
	elems := make([]func([]byte) bool, len(rhs))
	for i, r := range rhs {
		elems[i] = elem(r)
	}
	return modifier(mod, elems)
}

// ipPredicate compares addresses; an IPv4 value never equals an IPv6
// constant, so != holds across families, as in libsinsp.
func ipPredicate(op, mod string, rhs []netip.Addr) func(netip.Addr) bool {
	if op == "in" || op == "intersects" || (mod == "anyof" && op == "=") {
		set := make(map[netip.Addr]struct{}, len(rhs))
		for _, r := range rhs {
			set[r] = struct{}{}
		}
		return func(a netip.Addr) bool { _, ok := set[a]; return ok }
	}
	return equalityPredicate(op, mod, rhs)
}

func netPredicate(op, mod string, rhs []netip.Prefix) func(netip.Addr) bool {
	elem := func(p netip.Prefix) func(netip.Addr) bool {
		if op == "!=" {
			return func(a netip.Addr) bool { return !p.Contains(a) }
		}
		return func(a netip.Addr) bool { return p.Contains(a) }
	}
	if op == "in" || op == "intersects" {
		return func(a netip.Addr) bool { return inNets(rhs, a) }
	}
	if mod == "" {
		return elem(rhs[0])
	}
	elems := make([]func(netip.Addr) bool, len(rhs))
	for i, r := range rhs {
		elems[i] = elem(r)
	}
	return modifier(mod, elems)
}

func inNets(nets []netip.Prefix, a netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// fieldCheck compiles a comparison of two fields (val() or a transformer
// on the right-hand side).
func (c *Compiler) fieldCheck(n *lang.BinaryCheck, lhs *operand, op string, rhs *operand) Cond {
	switch op {
	case "pmatch", "regex":
		fail(n.At, "operator '%s' doesn't support right-hand side fields", strings.ToUpper(op))
	}
	if lhs.kind == KindIPNet {
		fail(n.At, "field type 'IPNET' doesn't support right-hand side fields")
	}
	if !lhs.isConst && lhs.flags&fields.NoRHS != 0 {
		fail(n.At, "field '%s' doesn't support right-hand side fields", lhs.name)
	}
	if !rhs.isConst && rhs.flags&fields.NoRHS != 0 {
		fail(n.At, "field '%s' can't be used as a right-hand side field", rhs.name)
	}
	if lhs.typ != rhs.typ || lhs.isList() != rhs.isList() {
		fail(n.At, "field '%s' has type '%s%s' while the right-hand side field '%s' has incompatible type '%s%s'",
			lhs.name, lhs.typ, listSuffix(lhs), rhs.name, rhs.typ, listSuffix(rhs))
	}
	lget, rget := lhs.get, rhs.get
	kind, multi := lhs.kind, lhs.multi
	return func(f *Frame) bool {
		l, ok := lget(f)
		if !ok {
			return false
		}
		r, ok := rget(f)
		if !ok {
			return false
		}
		return compareValues(op, kind, multi, l, r)
	}
}

func listSuffix(o *operand) string {
	if o.isList() {
		return " (list)"
	}
	return ""
}

// compareValues compares the values of two fields of the same kind and
// list-ness (field-to-field checks). The right-hand values play the part
// of libsinsp's filter values (populate_filter_values_with_rhs_extracted_
// values): a list field on the left is in / intersects the set of the
// right-hand list; a scalar is compared with the single right-hand value.
// It is off the common path, so it favours brevity, but it does not
// allocate except for glob patterns, which it compiles per event.
func compareValues(op string, k Kind, multi Multiplicity, l, r *Value) bool {
	switch multi {
	case List:
		return compareLists(op, k, l, r)
	case AnyOf, EitherSide:
		for i, n := 0, anyLen(l, k); i < n; i++ {
			if compareScalars(op, k, elemAt(l, k, i), r) {
				return true
			}
		}
		return false
	}
	return compareScalars(op, k, l, r)
}

// anyLen is the number of elements of an any-of value.
func anyLen(v *Value, k Kind) int {
	switch k {
	case KindString:
		return len(v.Strs)
	case KindInt:
		return len(v.Ints)
	case KindUint:
		return len(v.Uints)
	case KindIP, KindIPNet:
		return len(v.IPs)
	}
	return 0
}

// elemAt returns the i-th value of a multi-valued Value as a scalar.
func elemAt(v *Value, k Kind, i int) *Value {
	var e Value
	switch k {
	case KindString:
		e.Str = v.Strs[i]
	case KindInt:
		e.Int = v.Ints[i]
	case KindUint:
		e.Uint = v.Uints[i]
	case KindIP, KindIPNet:
		e.IP = v.IPs[i]
	}
	return &e
}

func compareLists(op string, k Kind, l, r *Value) bool {
	n := listLen(l)
	for i := 0; i < n; i++ {
		found := false
		switch k {
		case KindString:
			found = containsString(r.Strs, match.TrimNUL(l.Strs[i]))
		case KindUint, KindBool:
			for _, u := range r.Uints {
				if u == l.Uints[i] {
					found = true
					break
				}
			}
		case KindIP:
			for _, a := range r.IPs {
				if a == l.IPs[i] {
					found = true
					break
				}
			}
		}
		if op == "in" && !found {
			return false
		}
		if op == "intersects" && found {
			return true
		}
	}
	return op == "in"
}

func containsString(set []string, s string) bool {
	for _, x := range set {
		if match.TrimNUL(x) == s {
			return true
		}
	}
	return false
}

func compareScalars(op string, k Kind, l, r *Value) bool {
	switch k {
	case KindString:
		return compareStrings(op, l.Str, r.Str)
	case KindInt:
		return compareOrdered(op, l.Int, r.Int)
	case KindUint:
		return compareOrdered(op, l.Uint, r.Uint)
	case KindDouble:
		return compareOrdered(op, l.Float, r.Float)
	case KindBool:
		return compareEquality(op, l.Bool, r.Bool)
	case KindIP:
		return compareEquality(op, l.IP, r.IP)
	case KindBytes:
		return compareBytes(op, l.Bytes, r.Bytes)
	}
	return false
}

// compareStrings is flt_compare_string with both operands taken as C
// strings, except for in / intersects, which compare the values without
// their trailing NULs.
func compareStrings(op string, l, r string) bool {
	switch op {
	case "in", "intersects":
		return match.TrimNUL(l) == match.TrimNUL(r)
	case "icontains":
		return match.ContainsFold(l, r)
	}
	l, r = match.CString(l), match.CString(r)
	switch op {
	case "=":
		return l == r
	case "!=":
		return l != r
	case "<":
		return l < r
	case "<=":
		return l <= r
	case ">":
		return l > r
	case ">=":
		return l >= r
	case "contains":
		return strings.Contains(l, r)
	case "startswith":
		return strings.HasPrefix(l, r)
	case "endswith":
		return strings.HasSuffix(l, r)
	case "glob", "iglob":
		compile := match.CompileGlob
		if op == "iglob" {
			compile = match.CompileIGlob
		}
		g, err := compile(r)
		return err == nil && g.Match(l)
	}
	return false
}

func compareOrdered[T ordered](op string, l, r T) bool {
	switch op {
	case "=", "in", "intersects":
		return l == r
	case "!=":
		return l != r
	case "<":
		return l < r
	case "<=":
		return l <= r
	case ">":
		return l > r
	case ">=":
		return l >= r
	}
	return false
}

func compareEquality[T comparable](op string, l, r T) bool {
	switch op {
	case "=", "in", "intersects":
		return l == r
	case "!=":
		return l != r
	}
	return false
}

func compareBytes(op string, l, r []byte) bool {
	switch op {
	case "=", "in", "intersects":
		return bytes.Equal(l, r)
	case "!=":
		return !bytes.Equal(l, r)
	case "contains", "bcontains":
		return bytes.Contains(l, r)
	case "startswith", "bstartswith":
		return bytes.HasPrefix(l, r)
	case "endswith":
		return bytes.HasSuffix(l, r)
	}
	return false
}
