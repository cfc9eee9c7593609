package procfs

import (
	"bytes"
	"strings"

	"golang.org/x/sys/unix"
)

// mountEntry is one line of /proc/<pid>/mountinfo.
type mountEntry struct {
	id        uint64
	dev       uint32 // libscap's encoding of major:minor
	root      string // root of the mount within its filesystem
	point     string // mount point, relative to the process's root
	fstype    string
	superOpts string
}

// mountTable is the mounts of one mount namespace.
type mountTable struct {
	byID map[uint64]*mountEntry
}

// mountTableOf returns the mounts of the mount namespace of the process
// whose directory is dir, read once per namespace.
func (s *scanner) mountTableOf(dir int) *mountTable {
	var st unix.Stat_t
	var ns uint64
	if err := unix.Fstatat(dir, "ns/mnt", &st, 0); err == nil {
		ns = st.Ino
	}
	if mt, ok := s.mounts[ns]; ok {
		return mt
	}
	mt := &mountTable{byID: make(map[uint64]*mountEntry)}
	err := linesAt(dir, "mountinfo", func(line []byte) bool {
		if len(s.devByMnt) >= maxMounts {
			return false
		}
		if e, ok := parseMountinfo(line); ok {
			mt.byID[e.id] = e
			s.devByMnt[e.id] = e.dev
		}
		return true
	})
	if err != nil {
		// Not cached: another process of the namespace may succeed.
		return mt
	}
	s.mounts[ns] = mt
	return mt
}

// devOf returns the device of the files of mount mntID, as libsinsp
// completes an fd's device from /proc/<tid>/mountinfo (mount ids are
// unique in the whole system, so one table serves every namespace).
func (s *scanner) devOf(dir int, mntID uint64) uint32 {
	if mntID == 0 {
		return 0
	}
	if d, ok := s.devByMnt[mntID]; ok {
		return d
	}
	s.mountTableOf(dir)
	return s.devByMnt[mntID]
}

// parseMountinfo parses "id parent major:minor root point opts [optional
// fields] - fstype source superopts".
func parseMountinfo(line []byte) (*mountEntry, bool) {
	var f [6][]byte
	n := 0
	rest := line
	for n < 6 {
		rest = bytes.TrimLeft(rest, " ")
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			return nil, false
		}
		f[n], rest = rest[:i], rest[i+1:]
		n++
	}
	// Optional fields up to the lone "-", then fstype, source and the
	// superblock options. Fields never contain a raw space (the kernel
	// escapes it), so splitting on blanks is exact.
	fields := bytes.Fields(rest)
	sep := -1
	for i, x := range fields {
		if len(x) == 1 && x[0] == '-' {
			sep = i
			break
		}
	}
	if sep < 0 || len(fields) < sep+3 {
		return nil, false
	}
	tail := fields[sep+1:]
	id, ok := parseUint(f[0], 10)
	if !ok {
		return nil, false
	}
	colon := bytes.IndexByte(f[2], ':')
	if colon < 0 {
		return nil, false
	}
	major, ok1 := parseUint(f[2][:colon], 10)
	minor, ok2 := parseUint(f[2][colon+1:], 10)
	if !ok1 || !ok2 {
		return nil, false
	}
	e := &mountEntry{
		id:     id,
		dev:    encodeDev(major, minor),
		root:   unescapeOctal(string(f[3])),
		point:  unescapeOctal(string(f[4])),
		fstype: string(tail[0]),
	}
	if len(tail) >= 3 {
		e.superOpts = string(tail[2])
	}
	return e, true
}

// encodeDev packs a device number into 32 bits as libscap does (glibc's
// makedev cut to the uint32 of scap_fdinfo, which is the kernel's
// new_encode_dev for majors below 4096): minor's low byte, then 12 bits
// of major, then the rest of minor.
func encodeDev(major, minor uint64) uint32 {
	return uint32((minor & 0xff) | (major&0xfff)<<8 | (minor&^0xff)<<12)
}

// unescapeOctal undoes the kernel's \ooo escaping of mountinfo fields
// (spaces, tabs, newlines, backslashes and, in option values, commas).
func unescapeOctal(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
