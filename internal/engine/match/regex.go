package match

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sync"
	"unicode/utf8"
)

// Regex is a compiled right-hand side of a regex condition.
//
// libsinsp compiles the pattern with re2::RE2 and the RE2::POSIX options
// (userspace/libsinsp/sinsp_filtercheck.cpp, add_filter_value), i.e.
// posix_syntax=true and longest_match=true with every other option at its
// default: UTF-8, case sensitive, perl_classes, word_boundary, one_line,
// dot_nl, never_nl and literal all false. It matches with
// RE2::Match(..., ANCHOR_BOTH): the whole value must match. Concretely:
//
//   - POSIX ERE syntax as RE2 understands it: no Perl extensions, so
//     \d \s \w \b \A \z \C \Q...\E \pN, (?:...), (?i) and non-greedy
//     operators are errors, and "a**" is a repeated star; backslash still
//     escapes inside brackets and [[:alpha:]] classes are available;
//   - '^' and '$' match at line boundaries (one_line=false), '.' does not
//     match '\n' (dot_nl=false), but a negated class such as [^a] does
//     (RE2 always parses with ClassNL);
//   - the value is the field value without its trailing NUL bytes (see
//     [TrimNUL]), in which every ill-formed UTF-8 sequence is replaced with
//     U+FFFD the way libsinsp's utf8::sanitize_with_lazy_storage does it
//     (one replacement per maximal subpart, Unicode §3.9).
//
// Go's regexp package implements RE2 semantics; the pattern is parsed with
// exactly RE2's POSIX parse flags (regexp/syntax.ClassNL only, which is not
// what regexp.CompilePOSIX uses) and the resulting syntax tree is then
// compiled, anchored at both ends. Leftmost-longest versus leftmost-first
// is irrelevant for a whole-value match. Match does not allocate (values
// that are not valid UTF-8 are repaired in a pooled buffer) and is safe for
// concurrent use.
type Regex struct {
	pattern string
	re      *regexp.Regexp
}

// re2POSIXFlags are the regexp/syntax flags equivalent to RE2's parse
// flags under RE2::POSIX (RE2::Options::ParseFlags): ClassNL, and nothing
// else since posix_syntax drops LikePerl and the POSIX-only options are
// all off.
const re2POSIXFlags = syntax.ClassNL

// RegexError reports an invalid regex pattern.
type RegexError struct {
	Pattern string
	// Code is the RE2 error text closest to Go's diagnosis (RE2's
	// RegexpStatus code texts, such as "missing )").
	Code string
	// Arg is the offending part of the pattern, as reported by Go.
	Arg string
	// Err is the underlying regexp/syntax error.
	Err error
}

// Error mirrors libsinsp's "invalid regex pattern: " + RE2::error(), where
// RE2::error() is the status code text followed by ": " and the offending
// argument. The argument RE2 would name can differ slightly from Go's.
func (e *RegexError) Error() string {
	if e.Arg == "" {
		return "invalid regex pattern: " + e.Code
	}
	return "invalid regex pattern: " + e.Code + ": " + e.Arg
}

func (e *RegexError) Unwrap() error { return e.Err }

// re2CodeText maps Go's syntax error codes to RE2's code texts.
var re2CodeText = map[syntax.ErrorCode]string{
	syntax.ErrInternalError:         "unexpected error",
	syntax.ErrInvalidCharClass:      "invalid character class",
	syntax.ErrInvalidCharRange:      "invalid character class range",
	syntax.ErrInvalidEscape:         "invalid escape sequence",
	syntax.ErrInvalidNamedCapture:   "invalid named capture group",
	syntax.ErrInvalidPerlOp:         "invalid perl operator",
	syntax.ErrInvalidRepeatOp:       "bad repetition operator",
	syntax.ErrInvalidRepeatSize:     "invalid repetition size",
	syntax.ErrInvalidUTF8:           "invalid UTF-8",
	syntax.ErrMissingBracket:        "missing ]",
	syntax.ErrMissingParen:          "missing )",
	syntax.ErrMissingRepeatArgument: "no argument for repetition operator",
	syntax.ErrTrailingBackslash:     `trailing \`,
	syntax.ErrUnexpectedParen:       "unexpected )",
	syntax.ErrLarge:                 "pattern too large - compile failed",
}

// CompileRegex compiles the right-hand side of a regex condition. A NUL
// byte in the pattern yields [ErrNULValue]; a pattern RE2 would refuse
// yields a *[RegexError].
func CompileRegex(pattern string) (*Regex, error) {
	if err := CheckValue(pattern); err != nil {
		return nil, err
	}
	tree, err := syntax.Parse(pattern, re2POSIXFlags)
	if err != nil {
		re := &RegexError{Pattern: pattern, Code: err.Error(), Err: err}
		var se *syntax.Error
		if errors.As(err, &se) {
			re.Arg = se.Expr
			if text, ok := re2CodeText[se.Code]; ok {
				re.Code = text
			} else {
				re.Code = string(se.Code)
			}
			switch {
			case se.Code == syntax.ErrInvalidUTF8:
				re.Arg = "" // RE2 names no argument
			case se.Code == syntax.ErrInvalidCharRange && se.Expr == "-":
				// A POSIX class ending in "x-" with nothing after it: RE2
				// fails decoding the (missing) rune after the '-' first.
				re.Code, re.Arg = "invalid UTF-8", ""
			}
		}
		return nil, re
	}
	// regexp offers no way to compile a parsed tree, so the tree is
	// printed back in (flag-explicit) Perl syntax and compiled from there.
	// Make sure the round trip is faithful rather than assume it.
	src := tree.String()
	back, err := syntax.Parse(src, syntax.Perl)
	if err != nil || !back.Equal(tree) {
		return nil, fmt.Errorf("regex pattern %q: internal error translating to Go syntax (%q)", pattern, src)
	}
	re, err := regexp.Compile(`\A(?:` + src + `)\z`)
	if err != nil {
		return nil, &RegexError{Pattern: pattern, Code: "pattern too large - compile failed", Err: err}
	}
	return &Regex{pattern: pattern, re: re}, nil
}

// MustCompileRegex is CompileRegex for patterns known to be valid; it
// panics on error.
func MustCompileRegex(pattern string) *Regex {
	r, err := CompileRegex(pattern)
	if err != nil {
		panic(err)
	}
	return r
}

// String returns the pattern the Regex was compiled from.
func (r *Regex) String() string { return r.pattern }

// Match reports whether the whole of value matches the pattern.
func (r *Regex) Match(value string) bool {
	value = TrimNUL(value)
	if utf8.ValidString(value) {
		return r.re.MatchString(value)
	}
	bp := sanitizeBufs.Get().(*[]byte)
	buf := SanitizeUTF8((*bp)[:0], value)
	ok := r.re.Match(buf)
	*bp = buf
	sanitizeBufs.Put(bp)
	return ok
}

var sanitizeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// SanitizeUTF8 appends s to dst with every ill-formed UTF-8 sequence
// replaced with U+FFFD, one replacement per maximal subpart of an
// ill-formed sequence (the Unicode §3.9 recommended practice, which is
// also what libsinsp's utf8::sanitize does). A truncated but otherwise
// valid prefix such as "\xe2\x82" therefore becomes a single U+FFFD, and a
// stray continuation byte, a surrogate encoding, an overlong form or a
// byte 0xF5..0xFF each become one U+FFFD per byte that cannot start or
// continue a valid sequence. Go's own decoders emit one U+FFFD per byte
// instead, hence this function.
func SanitizeUTF8(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		n := utf8SeqLen(s[i:])
		if n > 0 {
			dst = append(dst, s[i:i+n]...)
			i += n
			continue
		}
		dst = append(dst, "\uFFFD"...)
		i -= n
	}
	return dst
}

// utf8SeqLen returns the length of the well-formed UTF-8 sequence at the
// start of s, or minus the length of the maximal subpart to replace when
// it is ill-formed. s must not be empty.
func utf8SeqLen(s string) int {
	// Allowed range of the second byte, per lead byte (Unicode Table 3-7).
	c := s[0]
	var size int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c < 0x80:
		return 1
	case c < 0xC2:
		return -1 // continuation byte, or overlong 2-byte lead
	case c < 0xE0:
		size = 2
	case c < 0xF0:
		size = 3
		if c == 0xE0 {
			lo = 0xA0 // no overlongs
		} else if c == 0xED {
			hi = 0x9F // no surrogates
		}
	case c <= 0xF4:
		size = 4
		if c == 0xF0 {
			lo = 0x90 // no overlongs
		} else if c == 0xF4 {
			hi = 0x8F // nothing above U+10FFFF
		}
	default:
		return -1
	}
	if len(s) < 2 || s[1] < lo || s[1] > hi {
		return -1
	}
	for k := 2; k < size; k++ {
		if len(s) <= k || s[k]&0xC0 != 0x80 {
			return -k
		}
	}
	return size
}
