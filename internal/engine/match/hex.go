package match

import (
	"encoding/hex"
	"errors"
)

// ErrNotHex is the error libsinsp reports when the right-hand side of
// bcontains or bstartswith is not a hex string (sinsp_filter_compiler,
// userspace/libsinsp/filter.cpp, add_filtercheck_value).
var ErrNotHex = errors.New("filter error: bcontains and bstartswith operator support hex strings only")

// DecodeHex decodes the right-hand side of a bcontains or bstartswith
// condition the way libsinsp does (sinsp_utils::unhex,
// userspace/libsinsp/utils.cpp): the value must have an even length and
// consist only of hex digits (isxdigit in the "C" locale: 0-9, a-f, A-F,
// case mixed freely); no "0x" prefix, separators or spaces are allowed.
// Anything else yields [ErrNotHex].
//
// The empty string is valid and decodes to an empty needle, which
// bcontains and bstartswith then find in any buffer (libsinsp reaches that
// outcome through &vector[0] on an empty vector, formally undefined
// behaviour, but memmem/memcmp with length 0 in practice). The result may
// contain NUL bytes: byte-buffer operators compare explicit lengths.
//
// The operators themselves need no support from this package: bcontains is
// bytes.Contains and bstartswith bytes.HasPrefix over the raw field bytes.
func DecodeHex(s string) ([]byte, error) {
	// encoding/hex accepts exactly libsinsp's form: an even number of hex
	// digits of either case, nothing else.
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, ErrNotHex
	}
	return b, nil
}
