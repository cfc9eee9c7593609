package lang

import (
	"encoding/hex"
	"errors"
	"strings"
)

// Unescape decodes a quoted token, delimiters included, the way libsinsp
// does: \b \f \n \r \t \\ \/ and \xHH everywhere, \" only inside "...",
// \' only inside '...', and the legacy "\ " that yields one backslash
// (some published rules depend on it).
func Unescape(tok string) (string, error) {
	if len(tok) < 2 {
		return "", errors.New("truncated quoted string")
	}
	delim := tok[0]
	end := len(tok) - 1
	if !strings.ContainsRune(tok[1:end], '\\') {
		return tok[1:end], nil
	}
	var b strings.Builder
	b.Grow(end)
	for i := 1; i < end; i++ {
		c := tok[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= end {
			// A trailing backslash before the closing delimiter is dropped,
			// as libsinsp's loop simply ends there.
			break
		}
		switch tok[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case ' ', '\\':
			b.WriteByte('\\')
		case '/':
			b.WriteByte('/')
		case '"':
			if delim != '"' {
				return "", errors.New("invalid \\\" escape in '-quoted string")
			}
			b.WriteByte('"')
		case '\'':
			if delim != '\'' {
				return "", errors.New("invalid \\' escape in \"-quoted string")
			}
			b.WriteByte('\'')
		case 'x':
			if i+2 >= end {
				return "", errors.New("truncated hex char escape sequence")
			}
			ch, err := hex.DecodeString(tok[i+1 : i+3])
			if err != nil {
				return "", errors.New("invalid hex char escape sequence: " + tok[i+1:i+3])
			}
			b.WriteByte(ch[0])
			i += 2
		default:
			return "", errors.New("unsupported string escape sequence: \\" + string(tok[i]))
		}
	}
	return b.String(), nil
}

// Quote returns s as a condition operand: bare when it lexes as a bare
// string by itself, otherwise double-quoted with escapes.
func Quote(s string) string {
	if s != "" && isBareString(s) {
		return s
	}
	return quoteAlways(s)
}

func quoteAlways(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\\':
			if i == len(s)-1 {
				// The lexer never closes a string on a quote that follows
				// a backslash, escaped or not, so a final backslash is
				// written in hex.
				b.WriteString(`\x5c`)
			} else {
				b.WriteString(`\\`)
			}
		case '"':
			b.WriteString(`\"`)
		case 0:
			b.WriteString(`\x00`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isBareString(s string) bool {
	for i := 0; i < len(s); i++ {
		// '\b' is a blank to the parser though not a POSIX space.
		if !isBareChar(s[i]) || s[i] == '\b' {
			return false
		}
	}
	return true
}
