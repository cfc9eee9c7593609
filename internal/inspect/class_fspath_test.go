package inspect

import (
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

func TestFSPath(t *testing.T) {
	h := newEvtHarness(t)
	na := "<NA>"
	for _, c := range []struct {
		name   string
		typ    uint16
		params [][]byte
		want   [6]string // name, nameraw, source, sourceraw, target, targetraw
	}{
		{"mkdir", event.MkdirX2, [][]byte{pI64(0), pStr("d/../e"), pU32(0o755)},
			[6]string{"/home/u/e", "d/../e", na, na, na, na}},
		{"mkdir failed", event.MkdirX2, [][]byte{pI64(-17), pStr("e"), pU32(0o755)},
			[6]string{na, na, na, na, na, na}},
		{"unlink", event.UnlinkX2, [][]byte{pI64(0), pStr("/x/../y")},
			[6]string{"/y", "/x/../y", na, na, na, na}},
		{"unlinkat dirfd", event.UnlinkatX2, [][]byte{pI64(0), pI64(3), pStr("f"), pU32(0)},
			[6]string{"/etc/f", "f", na, na, na, na}},
		// The directory of unlinkat is the event's fd, which must be a
		// directory: AT_FDCWD is no fd, so the base is "<UNKNOWN>",
		// without a separator.
		{"unlinkat cwd", event.UnlinkatX2, [][]byte{pI64(0), pI64(-100), pStr("f"), pU32(0)},
			[6]string{"<UNKNOWN>f", "f", na, na, na, na}},
		{"unlinkat file", event.UnlinkatX2, [][]byte{pI64(0), pI64(4), pStr("f"), pU32(0)},
			[6]string{"<UNKNOWN>f", "f", na, na, na, na}},
		{"rename", event.RenameX, [][]byte{pI64(0), pStr("a"), pStr("/tmp/b")},
			[6]string{na, na, "/home/u/a", "a", "/tmp/b", "/tmp/b"}},
		// renameat2 resolves each path against its own dirfd.
		{"renameat2", event.Renameat2X, [][]byte{pI64(0), pI64(3), pStr("a"), pI64(9), pStr("b"), pU32(0)},
			[6]string{na, na, "/etc/a", "a", "<UNKNOWN>b", "b"}},
		// renameat (and linkat) use the working directory, as libsinsp does.
		{"renameat", event.RenameatX, [][]byte{pI64(0), pI64(3), pStr("a"), pI64(3), pStr("b")},
			[6]string{na, na, "/home/u/a", "a", "/home/u/b", "b"}},
		// link's source is the new path, its target the old one.
		{"link", event.LinkX2, [][]byte{pI64(0), pStr("t"), pStr("l")},
			[6]string{na, na, "/home/u/l", "l", "/home/u/t", "t"}},
		{"linkat", event.LinkatX2, [][]byte{pI64(0), pI64(3), pStr("t"), pI64(3), pStr("l"), pU32(0)},
			[6]string{na, na, "/home/u/l", "l", "/home/u/t", "t"}},
		{"symlink", event.SymlinkX, [][]byte{pI64(0), pStr("tgt"), pStr("lnk")},
			[6]string{na, na, "/home/u/lnk", "lnk", "/home/u/tgt", "tgt"}},
		{"symlinkat", event.SymlinkatX, [][]byte{pI64(0), pStr("tgt"), pI64(3), pStr("lnk")},
			[6]string{na, na, "/etc/lnk", "lnk", "<UNKNOWN>tgt", "tgt"}},
		{"chmod", event.ChmodX, [][]byte{pI64(0), pStr("f"), pU32(0o644)},
			[6]string{"/home/u/f", "f", na, na, na, na}},
		{"fchmod", event.FchmodX, [][]byte{pI64(0), pI64(4), pU32(0o644)},
			[6]string{"/var/log/app.log", "/var/log/app.log", na, na, na, na}},
		{"mount", event.MountX, [][]byte{pI64(0), pStr("/dev/sda1"), pStr("mnt"), pStr("ext4"), pU32(0)},
			[6]string{na, na, "/dev/sda1", "/dev/sda1", "/home/u/mnt", "mnt"}},
		{"open", event.OpenX, [][]byte{pI64(20), pStr("rel"), pU32(1), pU32(0), pU32(0), pU64(0)},
			[6]string{"/home/u/rel", "rel", na, na, na, na}},
		{"open failed -1", event.OpenX, [][]byte{pI64(-1), pStr("rel"), pU32(1), pU32(0), pU32(0), pU64(0)},
			[6]string{na, na, na, na, na, na}},
		// Only fd -1 counts as a failure.
		{"open failed ENOENT", event.OpenX, [][]byte{pI64(-2), pStr("rel"), pU32(1), pU32(0), pU32(0), pU64(0)},
			[6]string{"/home/u/rel", "rel", na, na, na, na}},
		// openat: the name of the opened fd, resolved by the parser.
		{"openat", event.OpenatX2, openatParams(21, 3, "pw", 1, 0),
			[6]string{"/etc/pw", "pw", na, na, na, na}},
	} {
		e := h.next(c.typ, c.params...)
		for i, f := range []string{"fs.path.name", "fs.path.nameraw", "fs.path.source", "fs.path.sourceraw", "fs.path.target", "fs.path.targetraw"} {
			if got := h.field(e, f); got != c.want[i] {
				t.Errorf("%s: %s = %q, want %q", c.name, f, got, c.want[i])
			}
		}
	}

	// Old captures: the exit is converted (mkdir 99 to 277) and its path
	// comes from the enter.
	h.next(event.MkdirE, pStr("olddir"), pU32(0o700))
	e := h.next(event.MkdirX, pI64(0))
	h.expect(e, map[string]string{"fs.path.name": "/home/u/olddir", "fs.path.nameraw": "olddir"})
	h.next(event.UnlinkE, pStr("/tmp/x"))
	e = h.next(event.UnlinkX, pI64(-2))
	h.expect(e, map[string]string{"fs.path.name": "<NA>"})
}
