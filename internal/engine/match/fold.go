package match

import "strings"

// The case-insensitive primitives fold exactly like tolower(3) in the "C"
// locale: 'A'..'Z' map to 'a'..'z' and every other byte, including every
// byte >= 0x80, only matches itself. Go's strings.EqualFold and friends
// fold Unicode and are therefore not usable here.

// lower folds one byte the way tolower does in the "C" locale.
func lower(b byte) byte {
	if b-'A' < 26 {
		return b + ('a' - 'A')
	}
	return b
}

// isLowerLetter reports whether b is one of 'a'..'z'.
func isLowerLetter(b byte) bool { return b-'a' < 26 }

// EqualFold reports whether a and b are equal under ASCII-only case
// folding. Unlike strings.EqualFold it never equates non-ASCII bytes.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// HasPrefixFold reports whether s begins with prefix under ASCII-only case
// folding.
func HasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && EqualFold(s[:len(prefix)], prefix)
}

// ContainsFold reports whether needle occurs in haystack under ASCII-only
// case folding: it is strcasestr(3) of the "C" locale, which libsinsp uses
// for the icontains operator. As with C strings, both arguments end at
// their first NUL byte, and an empty needle is found in any haystack
// (including an empty one). It never allocates.
func ContainsFold(haystack, needle string) bool {
	haystack, needle = CString(haystack), CString(needle)
	if len(needle) == 0 {
		return true
	}
	return indexFold(haystack, needle) >= 0
}

// indexFold returns the index of the first occurrence of needle in s under
// ASCII-only case folding, or -1. needle must not be empty.
func indexFold(s, needle string) int {
	n := len(needle)
	if n > len(s) {
		return -1
	}
	c0 := lower(needle[0])
	last := len(s) - n // last admissible start
	if len(s) < 16 {
		// Short haystacks (most field values): a plain scan beats the
		// set-up cost of IndexByte.
		for i := 0; i <= last; i++ {
			if lower(s[i]) == c0 && equalFoldRest(s[i+1:i+n], needle[1:]) {
				return i
			}
		}
		return -1
	}
	if !isLowerLetter(c0) {
		// The first byte has no case variant: let IndexByte (vectorised)
		// find the candidates.
		for i := 0; i <= last; {
			j := strings.IndexByte(s[i:last+1], c0)
			if j < 0 {
				return -1
			}
			i += j
			if equalFoldRest(s[i+1:i+n], needle[1:]) {
				return i
			}
			i++
		}
		return -1
	}
	// The first byte is a letter: track the next occurrence of each case
	// variant separately with IndexByte, so that long haystacks are still
	// scanned at memchr speed.
	up := c0 - ('a' - 'A')
	nextLo, nextUp := -2, -2 // -2: not computed yet, -1: none left
	for i := 0; i <= last; {
		if nextLo != -1 && nextLo < i {
			nextLo = indexByteFrom(s[:last+1], c0, i)
		}
		if nextUp != -1 && nextUp < i {
			nextUp = indexByteFrom(s[:last+1], up, i)
		}
		var k int
		switch {
		case nextLo < 0 && nextUp < 0:
			return -1
		case nextLo < 0:
			k = nextUp
		case nextUp < 0:
			k = nextLo
		default:
			k = min(nextLo, nextUp)
		}
		if equalFoldRest(s[k+1:k+n], needle[1:]) {
			return k
		}
		i = k + 1
	}
	return -1
}

// indexByteFrom returns the index in s of the first c at or after from, or
// -1.
func indexByteFrom(s string, c byte, from int) int {
	if from >= len(s) {
		return -1
	}
	if j := strings.IndexByte(s[from:], c); j >= 0 {
		return from + j
	}
	return -1
}

// equalFoldRest is EqualFold for two strings known to have equal length.
func equalFoldRest(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// hasPrefixLowered reports whether s begins with the already folded lp,
// folding s on the fly.
func hasPrefixLowered(s, lp string) bool {
	if len(s) < len(lp) {
		return false
	}
	for i := 0; i < len(lp); i++ {
		if lower(s[i]) != lp[i] {
			return false
		}
	}
	return true
}
