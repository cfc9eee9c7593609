package container

import (
	"strconv"
	"strings"
)

// Values every runtime client maps the same way, as the container plugin
// does.

// LabelMaxLen is the plugin's default label_max_len: labels whose value is
// longer are left out of the metadata.
const LabelMaxLen = 100

// CopyLabels copies the labels whose value is at most LabelMaxLen long.
func CopyLabels(dst, src map[string]string) {
	for k, v := range src {
		if len(v) <= LabelMaxLen {
			dst[k] = v
		}
	}
}

// CountCPUSet counts the CPUs of a cpuset list ("0-3,7" is 5); a
// malformed list counts 0.
func CountCPUSet(set string) int64 {
	if set == "" {
		return 0
	}
	var n int64
	for part := range strings.SplitSeq(set, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseInt(lo, 10, 64)
		if err != nil {
			return 0
		}
		if !isRange {
			n++
			continue
		}
		b, err := strconv.ParseInt(hi, 10, 64)
		if err != nil || b < a {
			return 0
		}
		n += b - a + 1
	}
	return n
}
