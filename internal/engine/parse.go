package engine

import (
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// scanInteger reads s as C's sscanf("%d%c") / ("%u%c") does, which is how
// libsinsp parses numbers (sinsp_numparser): optional leading blanks, an
// optional sign, decimal digits, and nothing after them. Hex is not
// accepted. It returns the magnitude, the sign, and whether the magnitude
// overflowed 64 bits.
func scanInteger(s string) (mag uint64, neg, overflow, ok bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
		}
		mag = mag*10 + d
		i++
	}
	if i == start || i != len(s) {
		return 0, false, false, false
	}
	return mag, neg, overflow, true
}

// scanSigned converts like strtol, which glibc's scanf uses for %d and
// %ld: out-of-range values saturate to the int64 limits.
func scanSigned(s string) (int64, bool) {
	mag, neg, overflow, ok := scanInteger(s)
	if !ok {
		return 0, false
	}
	switch {
	case !neg && (overflow || mag > math.MaxInt64):
		return math.MaxInt64, true
	case neg && (overflow || mag > 1<<63):
		return math.MinInt64, true
	case neg:
		return -int64(mag), true
	}
	return int64(mag), true
}

// scanUnsigned converts like strtoul, which glibc's scanf uses for %u and
// %lu: a negative value wraps, an out-of-range one saturates to the
// uint64 maximum.
func scanUnsigned(s string) (uint64, bool) {
	mag, neg, overflow, ok := scanInteger(s)
	switch {
	case !ok:
		return 0, false
	case overflow:
		return math.MaxUint64, true
	case neg:
		return -mag, true
	}
	return mag, true
}

func parseInt(at lang.Pos, s string, t fields.Type) int64 {
	v, ok := scanSigned(s)
	if !ok {
		fail(at, "%s is not a valid number", s)
	}
	// parsed8/16/32 read an int32 with %d (a truncated long), then narrow.
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
	n, ok := scanUnsigned(s)
	if !ok {
		fail(at, "%s is not a valid number", s)
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

// parseIP reads an address the way libsinsp's string_to_rawval does for
// the field's type: PT_IPV4ADDR and PT_IPV6ADDR use inet_pton of their
// family; PT_IPADDR picks IPv4 when the value contains a dot, IPv6
// otherwise.
func parseIP(at lang.Pos, s string, t fields.Type) netip.Addr {
	if t == fields.TypeIPv4Addr || (t != fields.TypeIPv6Addr && strings.IndexByte(s, '.') >= 0) {
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

// parseNet reads a CIDR network the way libsinsp does (string_to_rawval
// for PT_IPV4NET, the ipv6net constructor for PT_IPV6NET, and PT_IPNET
// choosing by the presence of a dot). The prefix length is required; it is
// read with sinsp_numparser::parseu8, so it wraps modulo 256.
func parseNet(at lang.Pos, s string, t fields.Type) netip.Prefix {
	slash := strings.IndexByte(s, '/')
	if t == fields.TypeIPv4Net || (t != fields.TypeIPv6Net && strings.IndexByte(s, '.') >= 0) {
		if slash < 0 {
			fail(at, "unrecognized IP network %s", s)
		}
		a, err := netip.ParseAddr(s[:slash])
		if err != nil || !a.Is4() {
			fail(at, "unrecognized IP address %s", s)
		}
		mask := s[slash+1:]
		bits := parseU8(at, mask)
		if bits > 32 {
			fail(at, "invalid netmask %s", mask)
		}
		return netip.PrefixFrom(a, bits).Masked()
	}
	if slash < 0 {
		fail(at, "invalid v6 netmask: %s", s)
	}
	a, err := netip.ParseAddr(s[:slash])
	if err != nil || !a.Is6() || a.Zone() != "" {
		fail(at, "unrecognized IPv6 address %s", s)
	}
	mask := s[slash+1:]
	bits := parseU8(at, mask)
	if bits == 0 || bits > 128 {
		fail(at, "invalid v6 netmask %s", mask)
	}
	return netip.PrefixFrom(a, bits).Masked()
}

// parseU8 is sinsp_numparser::parseu8: a %u conversion narrowed to 8 bits.
func parseU8(at lang.Pos, s string) int {
	n, ok := scanUnsigned(s)
	if !ok {
		fail(at, "%s is not a valid number", s)
	}
	return int(uint8(n))
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
