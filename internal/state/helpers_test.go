package state

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

// sim feeds hand-built events to a Tables.
type sim struct {
	t    testing.TB
	tabs *Tables
	b    event.Builder
	rec  event.Record
	ts   uint64
	n    uint64
}

func newSim(t testing.TB, o Options) *sim {
	return &sim{t: t, tabs: New(o), ts: 1_700_000_000_000_000_000}
}

// enc encodes a value for a parameter of type pt.
func enc(t testing.TB, pt event.ParamType, v any) []byte {
	t.Helper()
	b, err := event.EncodeParam(pt, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ev builds and processes one event of tid, with parameters given in
// table order (fewer than the table's count is allowed).
func (s *sim) ev(code uint16, tid int64, vals ...any) *Parsed {
	s.t.Helper()
	s.ts += 1000
	raw, err := s.b.BuildValues(s.ts, tid, code, vals...)
	if err != nil {
		s.t.Fatal(err)
	}
	buf := append([]byte(nil), raw...)
	if err := s.rec.Parse(buf); err != nil {
		s.t.Fatal(err)
	}
	s.n++
	return s.tabs.Process(&s.rec, s.n)
}

// sockaddr and tuple encoders.
func sockaddr4(ip string, port uint16) []byte {
	a := netip.MustParseAddr(ip).As4()
	b := []byte{event.FamilyInet}
	b = append(b, a[:]...)
	return binary.LittleEndian.AppendUint16(b, port)
}

func sockaddr6(ip string, port uint16) []byte {
	a := netip.MustParseAddr(ip).As16()
	b := []byte{event.FamilyInet6}
	b = append(b, a[:]...)
	return binary.LittleEndian.AppendUint16(b, port)
}

func sockaddrUnix(path string) []byte {
	return append(append([]byte{event.FamilyUnix}, path...), 0)
}

func tuple4(sip string, sp uint16, dip string, dp uint16) []byte {
	s, d := netip.MustParseAddr(sip).As4(), netip.MustParseAddr(dip).As4()
	b := []byte{event.FamilyInet}
	b = append(b, s[:]...)
	b = binary.LittleEndian.AppendUint16(b, sp)
	b = append(b, d[:]...)
	return binary.LittleEndian.AppendUint16(b, dp)
}

func tuple6(sip string, sp uint16, dip string, dp uint16) []byte {
	s, d := netip.MustParseAddr(sip).As16(), netip.MustParseAddr(dip).As16()
	b := []byte{event.FamilyInet6}
	b = append(b, s[:]...)
	b = binary.LittleEndian.AppendUint16(b, sp)
	b = append(b, d[:]...)
	return binary.LittleEndian.AppendUint16(b, dp)
}

func tupleUnix(src, dst uint64, path string) []byte {
	b := []byte{event.FamilyUnix}
	b = binary.LittleEndian.AppendUint64(b, src)
	b = binary.LittleEndian.AppendUint64(b, dst)
	return append(append(b, path...), 0)
}

// clone20 processes a clone exit (current layout) in tid returning res.
func (s *sim) clone20(tid, res, pid, ptid int64, flags uint32, exe string, args []string, comm string, cgroups []string) *Parsed {
	return s.ev(event.CloneX20, tid,
		res, exe, args, tid, pid, ptid, "", int64(1024), 0, 0, uint32(100), uint32(50), uint32(0),
		comm, cgroups, flags, uint32(1000), uint32(1000), tid, pid, uint64(0))
}

// execve19 processes a successful execve exit (current layout).
func (s *sim) execve19(tid, pid, ptid int64, exe string, args []string, comm, exepath string, env []string) *Parsed {
	return s.ev(event.ExecveX19, tid,
		0, exe, args, tid, pid, ptid, "/", int64(1024), 0, 0, uint32(100), uint32(50), uint32(0),
		comm, []string{"cpu=/"}, env, uint32(0), pid, uint32(1000), uint32(0),
		uint64(0), uint64(0x1ff), uint64(0x1ff), uint64(42), uint64(1), uint64(2), uint32(0),
		exepath, pid, uint32(0))
}

// seedInit seeds an init process and a shell (pid 100, cwd /home/u).
func (s *sim) seedShell() {
	s.tabs.Seed([]ThreadInfo{
		{Tid: 1, Pid: 1, PTid: 0, Comm: "systemd", Exe: "/sbin/init", ExePath: "/usr/lib/systemd/systemd", Cwd: "/", VTid: 1, VPid: 1},
		{Tid: 100, Pid: 100, PTid: 1, Comm: "bash", Exe: "bash", ExePath: "/usr/bin/bash", Cwd: "/home/u",
			UID: 1000, GID: 1000, VTid: 100, VPid: 100, Env: []string{"HOME=/home/u"},
			FDs: []FDInfo{
				{FD: 0, Type: FDFile, Name: "/dev/pts/0"},
				{FD: 1, Type: FDFile, Name: "/dev/pts/0"},
				{FD: 2, Type: FDFile, Name: "/dev/pts/0"},
			}},
	}, []UserInfo{{UID: 1000, GID: 1000, Name: "u", HomeDir: "/home/u", Shell: "/bin/bash"}},
		[]GroupInfo{{GID: 1000, Name: "u"}})
}

func mustEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func fdString(f *FD) string {
	if f == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%d %s %q", f.Num, TypeName(f.Type), f.Name)
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
