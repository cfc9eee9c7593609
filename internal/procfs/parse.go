package procfs

import (
	"bytes"
	"strings"
)

// Parsers of the /proc text formats. They work on byte slices of the
// scratch buffer and allocate only the strings a ThreadInfo keeps.

// status holds what /proc/<pid>/status gives a ThreadInfo.
type status struct {
	tgid, ppid int64
	uid, gid   [4]uint32 // real, effective, saved, filesystem
	groups     []uint32  // supplementary groups (the scanner's buffer)
	// NS* are the ids in each nested pid namespace, outermost first; the
	// last one is the id in the thread's own namespace.
	nstgid, nspid, nspgid int64
	vmSize, vmRSS, vmSwap uint32
	capInh, capPrm        uint64
	capEff                uint64
	haveNS                bool
}

// parse fills st from the text of a status file.
func (st *status) parse(b []byte, s *scanner) {
	st.nstgid, st.nspid, st.nspgid = -1, -1, -1
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key, val := line[:colon], line[colon+1:]
		switch string(key) {
		case "Tgid":
			st.tgid = int64(firstUint(val, 10))
		case "PPid":
			st.ppid = int64(firstUint(val, 10))
		case "Uid":
			fourUint32(val, &st.uid)
		case "Gid":
			fourUint32(val, &st.gid)
		case "Groups":
			if s != nil {
				s.groups = s.groups[:0]
				forFields(val, func(f []byte) {
					if v, ok := parseUint(f, 10); ok {
						s.groups = append(s.groups, uint32(v))
					}
				})
				st.groups = s.groups
			}
		case "NStgid":
			st.nstgid = int64(lastUint(val))
		case "NSpid":
			st.nspid = int64(lastUint(val))
			st.haveNS = true
		case "NSpgid":
			st.nspgid = int64(lastUint(val))
		case "VmSize":
			st.vmSize = uint32(firstUint(val, 10))
		case "VmRSS":
			st.vmRSS = uint32(firstUint(val, 10))
		case "VmSwap":
			st.vmSwap = uint32(firstUint(val, 10))
		case "CapInh":
			st.capInh = firstUint(val, 16)
		case "CapPrm":
			st.capPrm = firstUint(val, 16)
		case "CapEff":
			st.capEff = firstUint(val, 16)
		}
	}
}

// stat holds what /proc/<pid>/stat gives a ThreadInfo.
type stat struct {
	pgrp, session    int64
	ttyNr            uint32
	minFlt, majFlt   uint64
	startTime        uint64 // clock ticks since boot
	ok               bool
	commFromStatFile string
}

// parseStat reads the fields after the command name, which is enclosed
// in parentheses and may itself contain spaces and parentheses: the
// fields start after the last ')'.
func parseStat(b []byte) stat {
	var st stat
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return st
	}
	if open := bytes.IndexByte(b, '('); open >= 0 && open < end {
		st.commFromStatFile = string(b[open+1 : end])
	}
	rest := b[end+1:]
	// Field numbers as in proc(5): 3 state, 4 ppid, 5 pgrp, 6 session,
	// 7 tty_nr, 8 tpgid, 9 flags, 10 minflt, 11 cminflt, 12 majflt,
	// ..., 22 starttime.
	n := 3
	forFields(rest, func(f []byte) {
		switch n {
		case 5:
			st.pgrp = parseInt(f)
		case 6:
			st.session = parseInt(f)
		case 7:
			st.ttyNr = uint32(parseInt(f))
		case 10:
			st.minFlt, _ = parseUint(f, 10)
		case 12:
			st.majFlt, _ = parseUint(f, 10)
		case 22:
			st.startTime, _ = parseUint(f, 10)
			st.ok = true
		}
		n++
	})
	return st
}

// parseFDLimit returns the soft "Max open files" limit of a limits file;
// "unlimited" is RLIM_INFINITY, which libscap's int64 fdlimit holds as -1.
func parseFDLimit(b []byte) (int64, bool) {
	const key = "Max open files"
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := b[i+len(key):]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	var v int64
	ok := false
	forFields(rest, func(f []byte) {
		if ok {
			return
		}
		ok = true
		if string(f) == "unlimited" {
			v = -1
			return
		}
		u, good := parseUint(f, 10)
		if !good {
			ok = false
			return
		}
		v = int64(u)
	})
	return v, ok
}

// cutLikeScap applies libscap's read of a NUL-separated /proc file
// (cmdline, environ) into a buffer of limit bytes: at most limit bytes
// are read and the last byte read is turned into the terminating NUL, so
// a value that fills the buffer loses its last byte. A complete value
// already ends in its NUL; one that does not (a process that rewrote its
// command line) keeps all its bytes here rather than losing the last one.
func cutLikeScap(b []byte, limit int) []byte {
	if len(b) >= limit {
		b = b[:limit-1]
	} else if len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// splitNul splits a NUL-separated list as libsinsp's sinsp_split does
// after stripping the final NUL; an empty list has no items.
func splitNul(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	n := bytes.Count(b, []byte{0}) + 1
	out := make([]string, 0, n)
	s := string(b)
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			out = append(out, s)
			return out
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

// exeAndArgs splits a command line (already cut) into argv[0], cut at
// 1024 bytes as libscap's exe field, and the arguments.
func exeAndArgs(b []byte) (string, []string) {
	if len(b) == 0 {
		return "", nil
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return cutString(string(b), maxPathLen), nil
	}
	return cutString(string(b[:i]), maxPathLen), splitNul(b[i+1:])
}

// cutString cuts s to at most n bytes.
func cutString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func trimSpace(b []byte) []byte {
	return bytes.TrimSpace(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// forFields calls fn for each blank-separated field of b.
func forFields(b []byte, fn func(f []byte)) {
	i := 0
	for i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !isSpace(b[j]) {
			j++
		}
		if j > i {
			fn(b[i:j])
		}
		i = j
	}
}

// parseUint parses an unsigned number in base 10 or 16.
func parseUint(b []byte, base uint64) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		v = v*base + d
	}
	return v, true
}

func parseInt(b []byte) int64 {
	if len(b) > 0 && b[0] == '-' {
		v, _ := parseUint(b[1:], 10)
		return -int64(v)
	}
	v, _ := parseUint(b, 10)
	return int64(v)
}

func firstUint(b []byte, base uint64) uint64 {
	var v uint64
	done := false
	forFields(b, func(f []byte) {
		if !done {
			v, _ = parseUint(f, base)
			done = true
		}
	})
	return v
}

func lastUint(b []byte) uint64 {
	var v uint64
	forFields(b, func(f []byte) { v, _ = parseUint(f, 10) })
	return v
}

func fourUint32(b []byte, out *[4]uint32) {
	i := 0
	forFields(b, func(f []byte) {
		if i < 4 {
			v, _ := parseUint(f, 10)
			out[i] = uint32(v)
			i++
		}
	})
}
