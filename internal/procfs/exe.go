package procfs

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// overlayfsMagic is OVERLAYFS_SUPER_MAGIC, the f_type statfs reports for
// a file in an overlay mount.
const overlayfsMagic = 0x794c7630

// Capabilities that let a thread write a file it does not own.
const (
	capDacOverride = 1
	capFowner      = 3
)

// exeInfo is what the scan learns about a process's executable file.
type exeInfo struct {
	ok                  bool
	ino, ctime, mtime   uint64
	uid, gid            uint32
	mode                uint32
	readOnly, immutable bool
	upper, lower        bool
}

// statExe examines the executable through /proc/<pid>/exe, which reaches
// the file the process runs even when it was deleted, replaced or lives
// in another mount namespace. libscap stats the exe's path in its own
// mount namespace instead, which names another file for a containerised
// process; the driver reads the inode the process runs, as here.
func (s *scanner) statExe(dir int, exePath string) exeInfo {
	var e exeInfo
	fd, err := openat(dir, "exe", unix.O_PATH)
	if err != nil {
		return e
	}
	defer unix.Close(fd)
	var stx unix.Statx_t
	mask := unix.STATX_BASIC_STATS | unix.STATX_MNT_ID
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, mask, &stx); err != nil {
		return e
	}
	e.ok = true
	e.ino = stx.Ino
	e.ctime = uint64(stx.Ctime.Sec)*1e9 + uint64(stx.Ctime.Nsec)
	e.mtime = uint64(stx.Mtime.Sec)*1e9 + uint64(stx.Mtime.Nsec)
	e.uid, e.gid, e.mode = stx.Uid, stx.Gid, uint32(stx.Mode)
	e.immutable = stx.Attributes_mask&unix.STATX_ATTR_IMMUTABLE != 0 &&
		stx.Attributes&unix.STATX_ATTR_IMMUTABLE != 0
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err == nil {
		e.readOnly = sfs.Flags&unix.ST_RDONLY != 0
		if uint64(sfs.Type) == overlayfsMagic {
			var mnt uint64
			if stx.Mask&unix.STATX_MNT_ID != 0 {
				mnt = stx.Mnt_id
			}
			e.upper = s.inUpperLayer(dir, mnt, exePath)
			e.lower = !e.upper
		}
	}
	return e
}

// inUpperLayer tells whether an executable on an overlay mount comes from
// the mount's upper (writable) layer, the driver's
// PPM_EXE_UPPER_LAYER: the kernel knows from the overlay inode; from
// userspace the file's path is looked up in the upperdir the mount was
// given. Anything that cannot be resolved counts as the lower layer, as
// the driver's fallback does.
func (s *scanner) inUpperLayer(dir int, mntID uint64, exePath string) bool {
	mt := s.mountTableOf(dir)
	if mt == nil || exePath == "" {
		return false
	}
	var m *mountEntry
	if mntID != 0 {
		m = mt.byID[mntID]
	}
	if m == nil {
		// No mount id (kernels before 5.8): the overlay mount with the
		// longest mount point containing the path.
		for _, e := range mt.byID {
			if e.fstype == "overlay" && underMount(exePath, e.point) &&
				(m == nil || len(e.point) > len(m.point)) {
				m = e
			}
		}
	}
	if m == nil || m.fstype != "overlay" || !underMount(exePath, m.point) {
		return false
	}
	upper := mountOption(m.superOpts, "upperdir")
	if upper == "" {
		return false
	}
	rel := exePath
	if m.point != "/" {
		rel = exePath[len(m.point):]
	}
	inFS := strings.TrimSuffix(m.root, "/") + rel
	var st unix.Stat_t
	if err := unix.Lstat(s.root+upper+inFS, &st); err != nil {
		return false
	}
	// A whiteout (character device 0:0) hides the lower file; it is never
	// what a process runs.
	return !(st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0)
}

func underMount(p, point string) bool {
	if point == "/" {
		return strings.HasPrefix(p, "/")
	}
	return strings.HasPrefix(p, point) && (len(p) == len(point) || p[len(point)] == '/')
}

// mountOption returns the value of name=value in a mountinfo option list
// (escaped as the kernel escapes option values).
func mountOption(opts, name string) string {
	for len(opts) > 0 {
		var o string
		if i := strings.IndexByte(opts, ','); i >= 0 {
			o, opts = opts[:i], opts[i+1:]
		} else {
			o, opts = opts, ""
		}
		if v, ok := strings.CutPrefix(o, name+"="); ok {
			return unescapeOctal(v)
		}
	}
	return ""
}

// exeWritable decides ExeWritable as the driver does for the exe of a new
// process (extract__exe_writable): a read-only or immutable file is not
// writable; the owner (by filesystem uid) may always write it (it can
// chmod); otherwise the mode's group or other write bit decides, and
// CAP_DAC_OVERRIDE or CAP_FOWNER grant it when the file's ids are mapped in
// the thread's user namespace. POSIX ACLs are not consulted, as in the
// driver.
//
// libscap's /proc scan means the same but asks the kernel by switching its
// own thread's effective ids to the process's and calling faccessat. It
// switches the uid first, after which the thread may no longer change its
// gid, so for a process with a non-zero gid it never gets an answer and
// reports false; the driver's rule is the one events carry.
func (s *scanner) exeWritable(dir int, e *exeInfo, cr creds) bool {
	if !e.ok {
		return false
	}
	ft := e.mode & unix.S_IFMT
	if e.readOnly && (ft == unix.S_IFREG || ft == unix.S_IFDIR || ft == unix.S_IFLNK) {
		return false
	}
	if e.immutable {
		return false
	}
	if cr.fsuid == e.uid {
		return true
	}
	mode := e.mode
	if e.gid == cr.fsgid || inGroups(cr.groups, e.gid) {
		mode >>= 3
	}
	if mode&2 != 0 {
		return true
	}
	if cr.capEff&(1<<capDacOverride) != 0 && idMapped(s, dir, "uid_map", e.uid) && idMapped(s, dir, "gid_map", e.gid) {
		return true
	}
	if cr.capEff&(1<<capFowner) != 0 && idMapped(s, dir, "uid_map", e.uid) {
		return true
	}
	return false
}

func inGroups(key string, gid uint32) bool {
	if key == "" {
		return false
	}
	want := strconv.FormatUint(uint64(gid), 10) + " "
	for len(key) > 0 {
		i := strings.IndexByte(key, ' ')
		if key[:i+1] == want {
			return true
		}
		key = key[i+1:]
	}
	return false
}

// idMapped tells whether id (as this process sees it) is mapped in the
// user namespace of the thread whose directory is dir.
func idMapped(s *scanner, dir int, file string, id uint32) bool {
	b, err := s.readFile(dir, file, maxFileRead)
	if err != nil {
		// No map to read (no user namespaces): every id is mapped.
		return true
	}
	mapped := false
	for _, line := range strings.Split(string(b), "\n") {
		var f [3]uint64
		n := 0
		forFields([]byte(line), func(x []byte) {
			if n < 3 {
				f[n], _ = parseUint(x, 10)
				n++
			}
		})
		if n == 3 && uint64(id) >= f[1] && uint64(id) < f[1]+f[2] {
			mapped = true
		}
	}
	return mapped
}
