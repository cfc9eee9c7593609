package lang

import (
	"strconv"
	"strings"
)

// DefaultMaxDepth is the recursion limit Falco configures for rule
// conditions. Each parenthesis level costs several levels of recursion.
const DefaultMaxDepth = 1000

// Error is a parse error with the position where the parser stopped.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Transformer names, in libsinsp's matching order. val is special: it only
// appears on the right-hand side and takes exactly one field.
var transformerNames = []string{"tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"}

// Operators in libsinsp's first-match order within each group. Word
// operators need a blank after them; symbols do not.
var (
	unaryOps     = []string{"exists"}
	numOps       = []string{"<=", "<", ">=", ">"}
	strOps       = []string{"==", "=", "!=", "glob", "iglob", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "regex"}
	modifierOps  = []string{"oneof", "anyof", "allof"}
	listOps      = []string{"intersects", "in", "pmatch"}
	wordOperator = map[string]bool{
		"glob": true, "iglob": true, "contains": true, "icontains": true, "bcontains": true,
		"startswith": true, "bstartswith": true, "endswith": true, "regex": true,
		"oneof": true, "anyof": true, "allof": true,
	}
)

// Operators returns every check operator of the language.
func Operators() []string {
	var ops []string
	ops = append(ops, unaryOps...)
	ops = append(ops, numOps...)
	ops = append(ops, strOps...)
	ops = append(ops, listOps...)
	return ops
}

// Transformers returns the names of the field transformers, val included.
func Transformers() []string {
	return append([]string{"val"}, transformerNames...)
}

// Parser parses one condition. Its zero value is not usable; use Parse.
type Parser struct {
	in       string
	pos      Pos
	last     string
	depth    int
	maxDepth int
}

// Parse parses a whole condition with Falco's depth limit.
func Parse(input string) (Expr, error) {
	return ParseDepth(input, DefaultMaxDepth)
}

// ParseDepth parses a whole condition with the given recursion limit.
func ParseDepth(input string, maxDepth int) (e Expr, err error) {
	p := &Parser{in: input, maxDepth: maxDepth}
	p.pos = Pos{Idx: 0, Line: 1, Col: 1}
	if input == "" {
		return nil, &Error{Pos: p.pos, Msg: "filter input string is empty"}
	}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			e, err = nil, pe
		}
	}()
	e = p.parseOr()
	if p.pos.Idx != len(p.in) {
		p.fail("unexpected token after '" + p.last + "', expecting 'or', 'and'")
	}
	return e, nil
}

func (p *Parser) fail(msg string) {
	panic(&Error{Pos: p.pos, Msg: msg})
}

func (p *Parser) enter() {
	p.depth++
	if p.depth >= p.maxDepth {
		p.fail("exceeded max depth limit of " + strconv.Itoa(p.maxDepth))
	}
}

func (p *Parser) leave() { p.depth-- }

func (p *Parser) advance(n int) {
	for i := 0; i < n; i++ {
		c := p.in[p.pos.Idx]
		p.pos.Col++
		if c == '\r' || c == '\n' {
			p.pos.Col = 1
			p.pos.Line++
		}
		p.pos.Idx++
	}
}

// take consumes n bytes as the last token.
func (p *Parser) take(n int) bool {
	if n <= 0 {
		return false
	}
	p.last = p.in[p.pos.Idx : p.pos.Idx+n]
	p.advance(n)
	return true
}

func (p *Parser) rest() string { return p.in[p.pos.Idx:] }

func (p *Parser) peek() byte {
	if p.pos.Idx < len(p.in) {
		return p.in[p.pos.Idx]
	}
	return 0
}

func (p *Parser) blank() bool {
	found := false
	for p.pos.Idx < len(p.in) {
		switch p.in[p.pos.Idx] {
		case ' ', '\t', '\b', '\r', '\n':
			found = true
			p.advance(1)
		default:
			return found
		}
	}
	return found
}

func (p *Parser) str(s string) bool {
	if strings.HasPrefix(p.rest(), s) {
		return p.take(len(s))
	}
	return false
}

// operator matches the first operator of list that is at the cursor; word
// operators must be followed by a blank, which is consumed too.
func (p *Parser) operator(list []string) bool {
	for _, op := range list {
		if !strings.HasPrefix(p.rest(), op) {
			continue
		}
		if !wordOperator[op] {
			return p.take(len(op))
		}
		saved, savedLast := p.pos, p.last
		p.take(len(op))
		if p.blank() {
			return true
		}
		p.pos, p.last = saved, savedLast
	}
	return false
}

func (p *Parser) parseOr() Expr {
	p.enter()
	defer p.leave()
	at := p.pos
	p.blank()
	children := []Expr{p.parseAnd()}
	p.blank()
	for p.str("or") {
		var child Expr
		if !p.blank() {
			if !p.str("(") {
				p.fail("expected blank or '(' after 'or'")
			}
			child = p.parseEmbedded()
		} else {
			child = p.parseAnd()
		}
		children = append(children, child)
		p.blank()
	}
	if len(children) > 1 {
		return &Or{At: at, Children: children}
	}
	return children[0]
}

func (p *Parser) parseAnd() Expr {
	p.enter()
	defer p.leave()
	at := p.pos
	p.blank()
	children := []Expr{p.parseNot()}
	p.blank()
	for p.str("and") {
		var child Expr
		if !p.blank() {
			if !p.str("(") {
				p.fail("expected blank or '(' after 'and'")
			}
			child = p.parseEmbedded()
		} else {
			child = p.parseNot()
		}
		children = append(children, child)
		p.blank()
	}
	if len(children) > 1 {
		return &And{At: at, Children: children}
	}
	return children[0]
}

func (p *Parser) parseNot() Expr {
	p.enter()
	defer p.leave()
	at := p.pos
	neg := false
	p.blank()
	for p.notBlank() {
		neg = !neg
	}
	var child Expr
	if p.str("not(") {
		neg = !neg
		child = p.parseEmbedded()
	} else {
		child = p.parseCheck()
	}
	if neg {
		return &Not{At: at, Child: child}
	}
	return child
}

// notBlank lexes "not" followed by POSIX space characters.
func (p *Parser) notBlank() bool {
	r := p.rest()
	if !strings.HasPrefix(r, "not") {
		return false
	}
	n := 3
	for n < len(r) && isPosixSpace(r[n]) {
		n++
	}
	if n == 3 {
		return false
	}
	return p.take(n)
}

func (p *Parser) parseEmbedded() Expr {
	p.enter()
	defer p.leave()
	p.blank()
	child := p.parseOr()
	p.blank()
	if !p.str(")") {
		p.fail("expected a ')' token")
	}
	return child
}

func (p *Parser) parseCheck() Expr {
	p.enter()
	defer p.leave()
	at := p.pos
	p.blank()
	if p.str("(") {
		return p.parseEmbedded()
	}
	if p.fieldName() {
		left := p.parseFieldRemainder(p.last, at)
		return p.parseCondition(left, at)
	}
	if p.transformerName() {
		p.blank()
		left := p.parseTransformerRemainder(strings.TrimSuffix(p.last, "("), at)
		return p.parseCondition(left, at)
	}
	if p.identifier() {
		return &Identifier{At: at, Name: p.last}
	}
	p.fail("expected a '(' token, a field check, or an identifier")
	return nil
}

func (p *Parser) parseFieldRemainder(name string, at Pos) Expr {
	p.enter()
	defer p.leave()
	f := &Field{At: at, Name: name}
	f.Arg, f.HasArg = p.optionalArg()
	return f
}

func (p *Parser) optionalArg() (string, bool) {
	if !p.str("[") {
		return "", false
	}
	if !p.quoted() && !p.fieldArgBare() {
		p.fail("expected a valid field argument: a quoted string or a bare string")
	}
	arg := p.last
	if !p.str("]") {
		p.fail("expected a ']' token")
	}
	return arg, true
}

func (p *Parser) parseTransformerRemainder(name string, at Pos) Expr {
	p.enter()
	defer p.leave()
	p.blank()
	var args []Expr
	for {
		args = append(args, p.parseTransformerArg(p.pos))
		p.blank()
		if !p.str(",") {
			break
		}
	}
	p.blank()
	if !p.str(")") {
		p.fail("expected a ')' token closing the transformer")
	}
	t := &Transformer{At: at, Name: name, Args: args}
	t.Arg, t.HasArg = p.optionalArg()
	return t
}

func (p *Parser) parseTransformerArg(at Pos) Expr {
	p.enter()
	defer p.leave()
	p.blank()
	if p.hexNumber() || p.number() {
		return &Value{At: at, Value: p.last}
	}
	if p.quoted() {
		return &Value{At: at, Value: p.last}
	}
	if p.str("(") {
		return p.parseTransformerList(at)
	}
	if p.transformerName() {
		return p.parseTransformerRemainder(strings.TrimSuffix(p.last, "("), at)
	}
	if p.fieldName() {
		return p.parseFieldRemainder(p.last, at)
	}
	p.fail("expected field transformer argument: field, transformer, quoted string, number, or transformer list")
	return nil
}

func (p *Parser) parseTransformerList(at Pos) Expr {
	l := &TransformerList{At: at}
	p.blank()
	if p.str(")") {
		return l
	}
	l.Items = append(l.Items, p.parseTransformerListArg(at))
	p.blank()
	for p.str(",") {
		p.blank()
		l.Items = append(l.Items, p.parseTransformerListArg(at))
		p.blank()
	}
	if !p.str(")") {
		p.fail("expected ')'")
	}
	return l
}

func (p *Parser) parseTransformerListArg(at Pos) Expr {
	if p.fieldName() {
		return p.parseFieldRemainder(p.last, at)
	}
	if p.transformerName() {
		p.blank()
		return p.parseTransformerRemainder(strings.TrimSuffix(p.last, "("), at)
	}
	if p.quoted() {
		return &Value{At: at, Value: p.last}
	}
	if p.hexNumber() || p.number() {
		return &Value{At: at, Value: p.last}
	}
	p.fail("expected transformer list argument: field, transformer, quoted string, or number")
	return nil
}

func (p *Parser) parseCondition(left Expr, at Pos) Expr {
	p.enter()
	defer p.leave()
	p.blank()
	if p.operator(unaryOps) {
		return &UnaryCheck{At: at, Left: left, Op: p.last}
	}
	p.blank()
	var op string
	var right Expr
	switch {
	case p.operator(numOps):
		op = p.last
		right = p.parseNumValueOrTransformer()
	case p.operator(strOps):
		op = strings.TrimSpace(p.last)
		hadBlank := wordOperator[op] || p.blank()
		saved, savedLast := p.pos, p.last
		if hadBlank && p.operator(modifierOps) && p.listValueFollows() && !p.boolKeywordFollows() {
			op = op + " " + p.last
			right = p.parseListValue()
		} else {
			p.pos, p.last = saved, savedLast
			right = p.parseStrValueOrTransformer(false)
		}
	case p.operator(listOps):
		op = p.last
		right = p.parseListValueOrTransformer()
	default:
		p.fail("expected a valid check operator: one of " + tokenList(Operators()))
	}
	return &BinaryCheck{At: at, Left: left, Op: op, Right: right}
}

func (p *Parser) parseNumValueOrTransformer() Expr {
	p.enter()
	defer p.leave()
	p.blank()
	at := p.pos
	if t := p.tryTransformerOrVal(); t != nil {
		return t
	}
	if p.hexNumber() || p.number() {
		return &Value{At: at, Value: p.last}
	}
	p.fail("expected a number value or a field with a valid transformer: " + tokenList(Transformers()))
	return nil
}

func (p *Parser) parseStrValueOrTransformer(noTransformer bool) Expr {
	p.enter()
	defer p.leave()
	p.blank()
	at := p.pos
	if !noTransformer {
		if t := p.tryTransformerOrVal(); t != nil {
			return t
		}
	}
	if p.quoted() || p.bareString() {
		return &Value{At: at, Value: p.last}
	}
	if noTransformer {
		p.fail("expected a string value")
	}
	p.fail("expected a string value or a field with a valid transformer: " + tokenList(Transformers()))
	return nil
}

// tryList parses "(v, v, ...)" if the cursor is at "(".
func (p *Parser) tryList() Expr {
	at := p.pos
	if !p.str("(") {
		return nil
	}
	l := &List{At: at}
	p.blank()
	if v, ok := p.tryListValue(); ok {
		l.Values = append(l.Values, v)
		p.blank()
		for p.str(",") {
			l.Values = append(l.Values, p.listValue())
			p.blank()
		}
	}
	if !p.str(")") {
		p.fail("expected a ')' token")
	}
	return l
}

// tryListValue reads the first element of a list, which may be absent.
// libsinsp swallows any error here (a bad escape included) and then
// expects the closing parenthesis, so this does the same.
func (p *Parser) tryListValue() (v string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isParseErr := r.(*Error); !isParseErr {
				panic(r)
			}
			v, ok = "", false
		}
	}()
	p.blank()
	if p.quoted() || p.bareString() {
		return p.last, true
	}
	return "", false
}

func (p *Parser) listValue() string {
	v := p.parseStrValueOrTransformer(true)
	return v.(*Value).Value
}

func (p *Parser) parseListValue() Expr {
	p.enter()
	defer p.leave()
	p.blank()
	at := p.pos
	if l := p.tryList(); l != nil {
		return l
	}
	if p.identifier() {
		return &Value{At: at, Value: p.last}
	}
	p.fail("expected a list or an identifier")
	return nil
}

func (p *Parser) parseListValueOrTransformer() Expr {
	p.enter()
	defer p.leave()
	p.blank()
	at := p.pos
	if l := p.tryList(); l != nil {
		return l
	}
	if t := p.tryTransformerOrVal(); t != nil {
		return t
	}
	if p.identifier() {
		return &Value{At: at, Value: p.last}
	}
	p.fail("expected a list, an identifier, or a field with a valid transformer: " + tokenList(Transformers()))
	return nil
}

func (p *Parser) tryTransformerOrVal() Expr {
	p.enter()
	defer p.leave()
	p.blank()
	at := p.pos
	if p.str("val(") {
		p.blank()
		fieldAt := p.pos
		if !p.fieldName() {
			p.fail("expected a field within 'val' transformer")
		}
		field := p.parseFieldRemainder(p.last, fieldAt)
		p.blank()
		if !p.str(")") {
			p.fail("expected a ')' token closing the transformer")
		}
		t := &Transformer{At: at, Name: "val", Args: []Expr{field}}
		t.Arg, t.HasArg = p.optionalArg()
		return t
	}
	if p.transformerName() {
		p.blank()
		return p.parseTransformerRemainder(strings.TrimSuffix(p.last, "("), at)
	}
	return nil
}

func (p *Parser) listValueFollows() bool {
	if p.peek() == '(' {
		return true
	}
	return identifierLen(p.rest()) > 0
}

func (p *Parser) boolKeywordFollows() bool {
	r := p.rest()
	for _, kw := range []string{"and", "or", "not"} {
		if strings.HasPrefix(r, kw) && (len(r) == len(kw) || !isAlnum(r[len(kw)])) {
			return true
		}
	}
	return false
}

func (p *Parser) transformerName() bool {
	r := p.rest()
	for _, t := range transformerNames {
		if len(r) > len(t) && r[len(t)] == '(' && strings.HasPrefix(r, t) {
			return p.take(len(t) + 1)
		}
	}
	return false
}

func (p *Parser) identifier() bool { return p.take(identifierLen(p.rest())) }

func (p *Parser) fieldName() bool { return p.take(fieldNameLen(p.rest())) }

func (p *Parser) fieldArgBare() bool {
	r := p.rest()
	n := 0
	for n < len(r) && !isPosixSpace(r[n]) && r[n] != '[' && r[n] != ']' && r[n] != '"' && r[n] != '\'' {
		n++
	}
	return p.take(n)
}

func (p *Parser) hexNumber() bool {
	r := p.rest()
	if len(r) < 3 || r[0] != '0' || (r[1] != 'x' && r[1] != 'X') {
		return false
	}
	n := 2
	for n < len(r) && isHex(r[n]) {
		n++
	}
	if n == 2 {
		return false
	}
	return p.take(n)
}

func (p *Parser) number() bool { return p.take(numberLen(p.rest())) }

func (p *Parser) bareString() bool {
	r := p.rest()
	n := 0
	for n < len(r) && isBareChar(r[n]) {
		n++
	}
	return p.take(n)
}

// quoted lexes a quoted string and unescapes it. As in libsinsp, a
// delimiter preceded by a backslash never closes the string, even when that
// backslash is itself escaped, and a NUL byte ends the input.
func (p *Parser) quoted() bool {
	r := p.rest()
	if r == "" || (r[0] != '"' && r[0] != '\'') {
		return false
	}
	delim := r[0]
	prev := byte('\\')
	for i := 0; i < len(r) && r[i] != 0; i++ {
		if r[i] == delim && prev != '\\' {
			tok := r[:i+1]
			s, err := Unescape(tok)
			p.advance(i + 1)
			if err != nil {
				p.fail(err.Error())
			}
			p.last = s
			return true
		}
		prev = r[i]
	}
	return false
}

func identifierLen(s string) int {
	if s == "" || !isAlpha(s[0]) {
		return 0
	}
	n := 1
	for n < len(s) && (isAlnum(s[n]) || s[n] == '_') {
		n++
	}
	return n
}

// fieldNameLen is the length of the longest prefix of s of the form
// ident(.ident)+, or 0.
func fieldNameLen(s string) int {
	n := identifierLen(s)
	if n == 0 {
		return 0
	}
	dots := 0
	for n < len(s) && s[n] == '.' {
		m := identifierLen(s[n+1:])
		if m == 0 {
			break
		}
		n += 1 + m
		dots++
	}
	if dots == 0 {
		return 0
	}
	return n
}

// numberLen matches [+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)? at the start of s.
func numberLen(s string) int {
	n := 0
	if n < len(s) && (s[n] == '+' || s[n] == '-') {
		n++
	}
	start := n
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n == start {
		return 0
	}
	if n < len(s) && s[n] == '.' {
		n++
	}
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n+2 < len(s) && (s[n] == 'e' || s[n] == 'E') && (s[n+1] == '+' || s[n+1] == '-') && isDigit(s[n+2]) {
		n += 2
		for n < len(s) && isDigit(s[n]) {
			n++
		}
	}
	return n
}

func tokenList(items []string) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + it + "'")
	}
	return b.String()
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
func isHex(c byte) bool   { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }

// isPosixSpace is [[:space:]]: space, \t, \n, \v, \f, \r.
func isPosixSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isBareChar(c byte) bool {
	switch c {
	case '(', ')', '"', '\'', '=', ',':
		return false
	}
	return !isPosixSpace(c)
}

// ParseFieldOrTransformer parses a field or transformer expression at the
// start of input and reports how many bytes it used; the rest is left
// alone. Output formats use it to read %tokens.
func ParseFieldOrTransformer(input string) (e Expr, n int, err error) {
	p := &Parser{in: input, maxDepth: DefaultMaxDepth}
	p.pos = Pos{Idx: 0, Line: 1, Col: 1}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			e, n, err = nil, 0, pe
		}
	}()
	at := p.pos
	if p.fieldName() {
		e = p.parseFieldRemainder(p.last, at)
	} else if p.transformerName() {
		p.blank()
		e = p.parseTransformerRemainder(strings.TrimSuffix(p.last, "("), at)
	} else {
		p.fail("unexpected token after '" + p.last)
	}
	return e, p.pos.Idx, nil
}
