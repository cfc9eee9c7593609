// Package match owns the string and path matching primitives of the
// condition language: the operators that compare an extracted field value
// with a constant right-hand side (glob, iglob, pmatch, icontains, regex,
// bcontains, bstartswith) are compiled into the matchers of this package
// once, when a rule is loaded, and then evaluated for every event without
// allocating.
//
// Every primitive reproduces the behaviour that Falco's libsinsp gets from
// the C library, byte for byte, rather than the behaviour of the closest Go
// standard library function:
//
//   - [Glob] is glibc's fnmatch(3) with flags 0 (operator glob) or
//     FNM_CASEFOLD (operator iglob), as run in the "C" locale, which is the
//     locale Falco runs in (neither Falco nor libsinsp call setlocale).
//   - [PMatch] is libsinsp's path_prefix_search (operator pmatch).
//   - [ContainsFold] is strcasestr(3) in the "C" locale (operator
//     icontains).
//   - [Regex] is RE2 with the RE2::POSIX options, matched with
//     ANCHOR_BOTH (operator regex).
//   - [DecodeHex] is the decoding that libsinsp applies to the right-hand
//     side of bcontains and bstartswith.
//
// # C strings
//
// libsinsp hands most string values to C string functions, so NUL bytes
// are significant. The rules, which the engine must follow when it feeds
// values to this package, are:
//
//   - A right-hand side constant may not contain a NUL byte at all; the
//     compile functions of this package reject it with the libsinsp error
//     message (see [CheckValue]).
//   - glob, iglob, contains, icontains, startswith, endswith, =, != and the
//     ordering operators see the field value only up to its first NUL
//     (strcmp, strstr, strcasestr, fnmatch...): apply [CString]. [Glob] and
//     [ContainsFold] already do this themselves.
//   - pmatch, in/intersects and regex see the whole value with trailing NUL
//     bytes removed, embedded NUL bytes included (libsinsp's
//     craft_filter_value): apply [TrimNUL]. [PMatch] and [Regex] already do
//     this themselves.
//   - byte-buffer operators (bcontains, bstartswith and the comparisons of
//     PT_BYTEBUF fields) use explicit lengths: no NUL handling at all.
//
// # Limits
//
// libsinsp stores each right-hand side value in a buffer of at most 256
// bytes (sinsp_filter_check::s_max_filter_value_buf_size), so it refuses
// string constants longer than 255 bytes ("filter parameter too long") and
// hex constants that decode to more than 255 bytes. This package does not
// enforce that limit; it is the compiler's decision whether to.
//
// All matchers are immutable once compiled and safe for concurrent use.
package match
