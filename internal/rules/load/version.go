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

func parseVersion(s string) (version, bool) {
	var v version
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		if p == "" {
			return v, false
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		v[i] = n
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
