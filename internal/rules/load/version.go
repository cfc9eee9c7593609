package load

import (
	"strconv"
	"strings"
)

// version is a semantic version (major.minor.patch).
type version [3]uint64

// EngineVersion is the rules engine version Kestrel implements, in Falco's
// numbering: the language and loader of Falco 0.44 (engine 0.62.0), so rule
// files that require up to that version load.
var EngineVersion = version{0, 62, 0}

// parseVersion reads "major.minor.patch" as libsinsp's sinsp_version
// does, with sscanf("%u.%u.%u"): each number may be preceded by blanks or
// a '+', and text after the third number is ignored ("0.26.0-rc1" is
// 0.26.0), but all three numbers are required.
func parseVersion(s string) (version, bool) {
	var v version
	i := 0
	for k := 0; k < 3; k++ {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return v, false
			}
			i++
		}
		for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
			i++
		}
		if i < len(s) && s[i] == '+' {
			i++
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return v, false
		}
		n, err := strconv.ParseUint(s[i:j], 10, 32)
		if err != nil {
			return v, false
		}
		v[k] = n
		i = j
	}
	return v, true
}

func (v version) String() string {
	return strconv.FormatUint(v[0], 10) + "." + strconv.FormatUint(v[1], 10) + "." + strconv.FormatUint(v[2], 10)
}

func (v version) less(o version) bool {
	for i := 0; i < 3; i++ {
		if v[i] != o[i] {
			return v[i] < o[i]
		}
	}
	return false
}

// compatibleWith reports whether v satisfies a requirement: same major
// version, and not older.
func (v version) compatibleWith(req version) bool {
	return v[0] == req[0] && !v.less(req)
}
