package engine

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// scanInteger parses like C's sscanf("%d%c") / ("%u%c"): optional leading
// blanks, an optional sign, decimal digits, and nothing after them. Hex is
// not accepted, as in libsinsp. Values wrap like the C conversion.
func scanInteger(s string) (uint64, bool, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var n uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + uint64(s[i]-'0')
		i++
	}
	if i == start || i != len(s) {
		return 0, false, false
	}
	return n, neg, true
}

func parseInt(at lang.Pos, s string, t fields.Type) int64 {
	n, neg, ok := scanInteger(s)
	if !ok {
		fail(at, "%s is not a valid number", s)
	}
	v := int64(n)
	if neg {
		v = -v
	}
	switch t {
	case fields.TypeInt8:
		return int64(int8(v))
	case fields.TypeInt16:
		return int64(int16(v))
	case fields.TypeInt32:
		return int64(int32(v))
	}
	return v
}

func parseUint(at lang.Pos, s string, t fields.Type) uint64 {
	if t == fields.TypePort {
		return parsePort(at, s)
	}
	n, neg, ok := scanInteger(s)
	if !ok {
		fail(at, "%s is not a valid number", s)
	}
	if neg {
		n = -n
	}
	switch t {
	case fields.TypeUint8, fields.TypeFlags8, fields.TypeL4Proto, fields.TypeSigType:
		return uint64(uint8(n))
	case fields.TypeUint16, fields.TypeFlags16, fields.TypeSyscallID:
		return uint64(uint16(n))
	case fields.TypeUint32, fields.TypeFlags32, fields.TypeMode, fields.TypeUID, fields.TypeGID:
		return uint64(uint32(n))
	}
	return n
}

// parsePort accepts a number or a service name from the services database
// (getservbyname in libsinsp).
func parsePort(at lang.Pos, s string) uint64 {
	if s == "" {
		return 0
	}
	if strings.Trim(s, "0123456789") == "" {
		n, _ := strconv.ParseUint(s, 10, 64)
		return uint64(uint16(n))
	}
	for _, proto := range []string{"tcp", "udp"} {
		if p, err := net.LookupPort(proto, s); err == nil {
			return uint64(p)
		}
	}
	fail(at, "unrecognized protocol %s", s)
	return 0
}

func parseBool(at lang.Pos, s string) bool {
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	fail(at, "filter error: unrecognized boolean value %s", s)
	return false
}

// parseIP reads an address the way libsinsp does: with a dot it must be
// IPv4, otherwise IPv6.
func parseIP(at lang.Pos, s string) netip.Addr {
	if strings.IndexByte(s, '.') >= 0 {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			fail(at, "unrecognized IPv4 address %s", s)
		}
		return a
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		fail(at, "unrecognized IPv6 address %s", s)
	}
	return a
}

// parseNet reads a CIDR network; libsinsp requires the prefix length.
func parseNet(at lang.Pos, s string) netip.Prefix {
	slash := strings.IndexByte(s, '/')
	if strings.IndexByte(s, '.') >= 0 {
		if slash < 0 {
			fail(at, "unrecognized IP network %s", s)
		}
		a, err := netip.ParseAddr(s[:slash])
		if err != nil || !a.Is4() {
			fail(at, "unrecognized IP address %s", s)
		}
		mask := s[slash+1:]
		n, neg, ok := scanInteger(mask)
		if !ok {
			fail(at, "%s is not a valid number", mask)
		}
		if neg {
			n = -n
		}
		bits := int(uint8(n))
		if bits > 32 {
			fail(at, "invalid netmask %s", mask)
		}
		return netip.PrefixFrom(a, bits).Masked()
	}
	if slash < 0 {
		fail(at, "invalid v6 netmask: %s", s)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() {
		fail(at, "unrecognized IPv6 network %s", s)
	}
	return p.Masked()
}

// valueHints adds libsinsp's compile-time hints for a constant operand: a
// regex that simpler operators could express, a field name or transformer
// call used as a plain string.
func (c *Compiler) valueHints(at lang.Pos, op, v string) {
	nospace := strings.Map(func(r rune) rune {
		if r == ' ' || (r >= '\t' && r <= '\r') {
			return -1
		}
		return r
	}, v)
	if op == "regex" && regexLooksSimple(v) {
		c.warnings = append(c.warnings, Warning{Pos: at, Msg: "regex check with '" + v +
			"' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'"})
	}
	if looksLikeField(c.src, nospace) {
		c.warnings = append(c.warnings, Warning{Pos: at, Msg: "'" + v + "' may be a valid field misused as a const string value"})
	}
	for _, t := range lang.Transformers() {
		if len(nospace) >= len(t)+2 && strings.HasPrefix(nospace, t) && nospace[len(t)] == '(' && strings.HasSuffix(nospace, ")") {
			c.warnings = append(c.warnings, Warning{Pos: at, Msg: "'" + v + "' may be a valid field transformer misused as a const string value"})
		}
	}
}

// looksLikeField reports whether s, parsed as a field expression with its
// optional [arg], names a field of the source.
func looksLikeField(src *fields.Source, s string) bool {
	name, arg, hasArg := s, "", false
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		name, arg, hasArg = s[:i], s[i+1:len(s)-1], true
	}
	if !strings.Contains(name, ".") {
		return false
	}
	_, err := src.Resolve(name, arg, hasArg)
	return err == nil
}

// regexLooksSimple mirrors libsinsp's heuristic: a pattern whose only
// special characters are anchors at the ends or a leading/trailing ".*"
// could be an equality, contains, startswith or endswith check.
func regexLooksSimple(v string) bool {
	const special = ".+*?^$()[]{}|\\"
	n := len(v)
	for i := 0; i < n; i++ {
		if (i == 0 && v[i] == '^') || (i == n-1 && v[i] == '$') {
			continue
		}
		if ((i == 0 && n > 1) || i == n-2) && v[i] == '.' && i+1 < n && strings.IndexByte("+*?", v[i+1]) >= 0 {
			i++
			continue
		}
		if strings.IndexByte(special, v[i]) >= 0 {
			return false
		}
	}
	return true
}
