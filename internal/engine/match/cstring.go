package match

import (
	"errors"
	"strings"
)

// ErrNULValue is returned when a right-hand side constant contains a NUL
// byte. The text is the one libsinsp uses
// (userspace/libsinsp/value_parser.cpp, string_to_rawval), so that rule
// authors see the same diagnostic as with Falco.
var ErrNULValue = errors.New(`filter error: filter value cannot contain a NUL byte (\x00)`)

// CheckValue reports whether s is acceptable as a right-hand side string
// constant: libsinsp refuses any constant containing a NUL byte, whatever
// the operator (the bcontains/bstartswith hex form is checked by
// [DecodeHex] instead, and NUL is not a hex digit anyway).
func CheckValue(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNULValue
	}
	return nil
}

// CString returns s up to, and excluding, its first NUL byte: the string a
// C function sees when it is handed s as a char pointer. It never
// allocates.
func CString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// TrimNUL returns s without its trailing NUL bytes, keeping any embedded
// ones. This is how libsinsp sizes a string field value before a set
// lookup (in, intersects), a path prefix search (pmatch) or a regex match
// (sinsp_filter_check::craft_filter_value). It never allocates.
func TrimNUL(s string) string {
	for len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	return s
}
