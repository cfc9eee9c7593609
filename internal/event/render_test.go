package event

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"
)

// Encoders for test parameters.

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func cstr(s string) []byte { return append([]byte(s), 0) }

func ip6(s string) []byte {
	a := make([]byte, 16)
	// Minimal parser for the literals used below: groups separated by
	// ':' with at most one "::".
	head, tail, _ := strings.Cut(s, "::")
	put := func(groups string, at func(int) int) {
		if groups == "" {
			return
		}
		gs := strings.Split(groups, ":")
		for k, g := range gs {
			var v uint16
			for _, c := range g {
				v <<= 4
				switch {
				case c >= '0' && c <= '9':
					v |= uint16(c - '0')
				default:
					v |= uint16(c-'a') + 10
				}
			}
			binary.BigEndian.PutUint16(a[at(k)*2:], v)
		}
	}
	put(head, func(k int) int { return k })
	if tail != "" {
		n := len(strings.Split(tail, ":"))
		put(tail, func(k int) int { return 8 - n + k })
	}
	return a
}

// testState is a hand-written FDResolver with every optional interface.
type testState struct {
	fds     map[int64]fakeFD
	threads map[int64][2]string // tid -> {comm, cwd}
	users   map[uint32]string
	groups  map[uint32]string
}

func (s *testState) FDInfo(tid, fd int64) (byte, string, bool) {
	f, ok := s.fds[fd]
	return f.tc, f.name, ok
}
func (s *testState) FDL4Proto(tid, fd int64) byte { return s.fds[fd].proto }
func (s *testState) ThreadInfo(tid int64) (string, string, bool) {
	t, ok := s.threads[tid]
	return t[0], t[1], ok
}
func (s *testState) UserName(tid int64, uid uint32) (string, bool) {
	n, ok := s.users[uid]
	return n, ok
}
func (s *testState) GroupName(tid int64, gid uint32) (string, bool) {
	n, ok := s.groups[gid]
	return n, ok
}

const testTid = 100

func newTestState() *testState {
	return &testState{
		fds: map[int64]fakeFD{
			3: {tc: 'f', name: "/etc/passwd"},
			4: {tc: '4', proto: 't', name: "127.0.0.1:54321->127.0.0.1:80"},
			5: {tc: '6', name: "::1:80"},
			6: {tc: 'd', name: "/var/log"},
			7: {tc: 'p'},
		},
		threads: map[int64][2]string{testTid: {"bash", "/home/u/"}, 1: {"systemd", "/"}},
		users:   map[uint32]string{0: "root"},
		groups:  map[uint32]string{0: "root", 5: ""},
	}
}

// renderOne renders data as parameter p (the record is a read exit event
// whose first parameter holds data; the renderer is given p instead).
func renderOne(p Param, data []byte, st FDResolver, opts RenderOptions) (string, string) {
	var b Builder
	var r Record
	if err := r.Parse(b.Build(1, testTid, ReadX, data)); err != nil {
		panic(err)
	}
	info := &Info{Code: ReadX, Name: "test", Params: []Param{p}}
	rn := renderer{r: &r, info: info, fds: st, opts: opts}
	return rn.param(0)
}

func TestRenderNumbers(t *testing.T) {
	cases := []struct {
		typ        ParamType
		pf         PrintFormat
		data       []byte
		want       string
		wantDecode string
	}{
		{PTInt8, PFDec, []byte{0xff}, "-1", ""},
		{PTInt8, PFHex, []byte{0xff}, "FFFFFFFF", ""},
		{PTInt8, PFOct, []byte{0xff}, "037777777777", ""},
		{PTInt8, PF10PaddedDec, []byte{0xff}, "-00000001", ""},
		{PTInt16, PFHex, le16(0xfffe), "FFFFFFFE", ""},
		{PTInt16, PFOct, le16(0xfffe), "037777777776", ""},
		{PTInt32, PFDec, le32(math.MaxUint32), "-1", ""},
		{PTInt32, PFID, le32(42), "42", ""},
		{PTInt32, PFNA, le32(42), "42", ""},
		{PTInt64, PFOct, le64(math.MaxUint64), "01777777777777777777777", ""},
		{PTInt64, PFHex, le64(math.MaxUint64), "FFFFFFFFFFFFFFFF", ""},
		{PTInt64, PF10PaddedDec, le64(math.MaxUint64), "-00000001", ""},
		{PTInt64, PFDec, le64(1 << 40), "1099511627776", ""},
		{PTUint8, PFDec, []byte{255}, "255", ""},
		{PTUint8, PFHex, []byte{255}, "FF", ""},
		{PTUint8, PFOct, []byte{255}, "0377", ""},
		{PTUint16, PFDec, le16(65535), "65535", ""},
		// libsinsp prints PT_UINT32 with "%d", PT_UINT64 as int64.
		{PTUint32, PFDec, le32(math.MaxUint32), "-1", ""},
		{PTUint32, PFHex, le32(math.MaxUint32), "FFFFFFFF", ""},
		{PTUint32, PFHex, le32(0x2d), "2D", ""},
		{PTUint32, PFOct, le32(8), "010", ""},
		{PTUint32, PFOct, le32(0), "0", ""},
		{PTUint32, PF10PaddedDec, le32(42), "000000042", ""},
		{PTUint64, PFDec, le64(math.MaxUint64), "-1", ""},
		{PTUint64, PFHex, le64(0x55DB0DE73000), "55DB0DE73000", ""},
		{PTUint64, PFHex, le64(0), "0", ""},
		{PTErrno, PFDec, le64(uint64(0xfffffffffffffffe)), "-2", "ENOENT"},
		{PTErrno, PFHex, le64(uint64(0xfffffffffffffff5)), "-11", "EAGAIN"},
		{PTErrno, PFDec, le64(uint64(math.MaxUint64)), "-1", "EPERM"},
		{PTErrno, PFDec, le64(0), "0", ""},
		{PTErrno, PFDec, le64(832), "832", ""},
		{PTErrno, PFDec, le64(uint64(0xffffffffffffd8f1)), "-9999", ""},
		{PTErrno, PFDec, le64(uint64(0xfffffffffffffe00)), "-512", "ERESTARTSYS"},
		{PTSigType, PFDec, []byte{9}, "9", "SIGKILL"},
		{PTSigType, PFDec, []byte{0}, "0", ""},
		{PTSigType, PFDec, []byte{40}, "40", ""},
		{PTRelTime, PFDec, le64(math.MaxUint64), "none", ""},
		{PTRelTime, PFDec, le64(1e9), "1000000000", "1s"},
		{PTRelTime, PFDec, le64(0), "0", "0s"},
		{PTRelTime, PFDec, le64(123456789), "123456789", "0.123457s"},
		{PTRelTime, PFDec, le64(1500), "1500", "1.5e-06s"},
		{PTRelTime, PFDec, le64(12345678900000000), "12345678900000000", "1.23457e+07s"},
		{PTSyscallID, PFDec, le16(ScRtSigreturn), "298", "rt_sigreturn"},
		{PTSyscallID, PFDec, le16(MaxSyscall), "<unknown syscall>", ""},
		{PTSigSet, PFDec, le32(1<<8 | 1<<1 | 1<<31), "SIGINT SIGKILL", ""},
		{PTSigSet, PFDec, le32(0), "", ""},
		{PTBool, PFNA, le32(1), "(n.a.)", ""},
		{PTFD32, PFDec, le32(3), "(n.a.)", ""},
		{PTPID32, PFDec, le32(3), "(n.a.)", ""},
		{PTPort, PFHex, le16(80), "(n.a.)", ""},
		{PTDouble, PFNA, le64(0), "(n.a.)", ""},
		{PTIPv4Addr, PFHex, []byte{1, 2, 3, 4}, "(n.a.)", ""},
	}
	for _, c := range cases {
		v, d := renderOne(Param{Name: "x", Type: c.typ, Format: c.pf}, c.data, nil, RenderOptions{})
		if v != c.want || d != c.wantDecode {
			t.Errorf("%v/%v % x: got %q(%q), want %q(%q)", c.typ, c.pf, c.data, v, d, c.want, c.wantDecode)
		}
	}
}

func TestRenderEmptyParams(t *testing.T) {
	for typ := PTNone; typ < NumParamTypes; typ++ {
		v, d := renderOne(Param{Name: "x", Type: typ, Format: PFDec}, nil, nil, RenderOptions{})
		want := "<NA>"
		switch typ {
		case PTByteBuf, PTSockTuple, PTFDList, PTCharBufArray, PTCharBufPairArray, PTDyn:
			want = "NULL"
		}
		if v != want || d != "" {
			t.Errorf("empty %v: got %q(%q), want %q", typ, v, d, want)
		}
	}
}

func TestRenderStrings(t *testing.T) {
	st := newTestState()
	cases := []struct {
		p          Param
		data       []byte
		st         FDResolver
		want, dec  string
		wantNoThrd string // decoded form when the thread is unknown; "-" = same as dec
	}{
		{Param{Type: PTCharBuf}, cstr("curl"), st, "curl", "", "-"},
		{Param{Type: PTCharBuf}, cstr("a\x01b"), st, "a\x01b", "", "-"},
		{Param{Type: PTCharBuf}, cstr(""), st, "", "", "-"},
		{Param{Type: PTCharBuf}, []byte("(NULL)\x00"), st, "<NA>", "", "-"},
		{Param{Type: PTCharBuf}, []byte("abc"), st, "abc", "", "-"},
		{Param{Type: PTFSPath}, cstr("/etc/passwd"), st, "/etc/passwd", "", "-"},
		{Param{Type: PTFSPath}, cstr("foo/./bar/../baz/"), st, "foo/./bar/../baz/", "/home/u/foo/baz", ""},
		{Param{Type: PTFSPath}, cstr("."), st, ".", "/home/u", ""},
		{Param{Type: PTFSPath}, cstr("../../.."), st, "../../..", "/", ""},
		{Param{Type: PTFSPath}, cstr(""), st, "", "", "-"},
		{Param{Type: PTFSPath}, nil, st, "<NA>", "", "-"},
		{Param{Type: PTFSPath}, []byte("(NULL)\x00"), st, "<NA>", "", "-"},
		// Without a ThreadResolver the thread is known but has no cwd.
		{Param{Type: PTFSPath}, cstr("foo"), nil, "foo", "foo", "-"},
		{Param{Type: PTFSPath}, cstr("./foo"), nil, "./foo", "foo", "-"},
	}
	for _, c := range cases {
		v, d := renderOne(c.p, c.data, c.st, RenderOptions{})
		if v != c.want || d != c.dec {
			t.Errorf("%v %q: got %q(%q), want %q(%q)", c.p.Type, c.data, v, d, c.want, c.dec)
		}
		if c.st == nil {
			continue
		}
		unknown := &testState{fds: st.fds}
		_, d = renderOne(c.p, c.data, unknown, RenderOptions{})
		want := c.wantNoThrd
		if want == "-" {
			want = c.dec
		}
		if d != want {
			t.Errorf("%v %q without thread: decoded %q, want %q", c.p.Type, c.data, d, want)
		}
	}
}

func TestRenderRelPath(t *testing.T) {
	st := newTestState()
	var b Builder
	var r Record
	build := func(dirfd int64, name string) *Record {
		if err := r.Parse(b.Build(1, testTid, OpenatX2, le64(3), le64(uint64(dirfd)), cstr(name), le32(1), le32(0), le32(0), le64(0))); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	cases := []struct {
		dirfd      int64
		name, want string
	}{
		{atFDCWD, "x", "x(/home/u/x)"},
		{6, "x/../y", "x/../y(/var/log/y)"},
		{6, "/abs", "/abs"},
		{9, "x", "x(x)"}, // unknown dirfd: libsinsp falls back to /proc, which a capture lacks
	}
	for _, c := range cases {
		got, _ := ParamArgText(build(c.dirfd, c.name), 2, st, RenderOptions{})
		if got != c.want {
			t.Errorf("dirfd %d name %q: got %q, want %q", c.dirfd, c.name, got, c.want)
		}
	}
	if got := Args(build(atFDCWD, "x"), st, RenderOptions{}); got != "fd=3(<f>/etc/passwd) dirfd=-100(AT_FDCWD) name=x(/home/u/x) flags=1(O_RDONLY) mode=0 dev=0 ino=0" {
		t.Errorf("Args = %q", got)
	}
}

func TestRenderFD(t *testing.T) {
	st := newTestState()
	p := Param{Type: PTFD, Format: PFDec}
	cases := []struct {
		fd       int64
		opts     RenderOptions
		st       FDResolver
		val, dec string
	}{
		{3, RenderOptions{}, st, "3", "<f>/etc/passwd"},
		{4, RenderOptions{}, st, "4", "<4t>127.0.0.1:54321->127.0.0.1:80"},
		{5, RenderOptions{}, st, "5", "<6>::1:80"},
		{7, RenderOptions{}, st, "7", "<p>"},
		{4, RenderOptions{BufferFormat: BufSimple}, st, "4", "<>127.0.0.1:54321->127.0.0.1:80"},
		{42, RenderOptions{}, st, "42", ""},
		{-1, RenderOptions{}, st, "-1", "EPERM"},
		{-2, RenderOptions{}, st, "-2", "ENOENT"},
		{-100, RenderOptions{}, st, "-100", "AT_FDCWD"},
		{-1000, RenderOptions{}, st, "-1000", ""},
		{-1, RenderOptions{}, nil, "-1", "EPERM"},
		{3, RenderOptions{}, nil, "3", ""},
		// Unknown thread: the bare number.
		{3, RenderOptions{}, &testState{fds: st.fds}, "3", ""},
		{-2, RenderOptions{}, &testState{fds: st.fds}, "-2", ""},
	}
	for _, c := range cases {
		v, d := renderOne(p, le64(uint64(c.fd)), c.st, c.opts)
		if v != c.val || d != c.dec {
			t.Errorf("fd %d: got %q(%q), want %q(%q)", c.fd, v, d, c.val, c.dec)
		}
	}
}

func TestRenderPIDUserGroup(t *testing.T) {
	st := newTestState()
	cases := []struct {
		p        Param
		data     []byte
		st       FDResolver
		val, dec string
	}{
		{Param{Type: PTPID}, le64(testTid), st, "100", "bash"},
		{Param{Type: PTPID}, le64(1), st, "1", "systemd"},
		{Param{Type: PTPID}, le64(7), st, "7", ""},
		{Param{Type: PTPID}, le64(uint64(0xfffffffffffffff5)), st, "-11", ""},
		{Param{Type: PTUID}, le32(0), st, "0", "root"},
		{Param{Type: PTUID}, le32(1000), st, "1000", "<NA>"},
		{Param{Type: PTUID}, le32(0), nil, "0", "<NA>"},
		{Param{Type: PTUID}, le32(math.MaxUint32), st, "-1", "<NONE>"},
		{Param{Type: PTUID}, le32(math.MaxUint32 - 1), st, "-2", "<NA>"},
		{Param{Type: PTGID}, le32(0), st, "0", "root"},
		{Param{Type: PTGID}, le32(5), st, "5", "<NA>"},
		{Param{Type: PTGID}, le32(math.MaxUint32), nil, "-1", "<NONE>"},
	}
	for _, c := range cases {
		v, d := renderOne(c.p, c.data, c.st, RenderOptions{})
		if v != c.val || d != c.dec {
			t.Errorf("%v % x: got %q(%q), want %q(%q)", c.p.Type, c.data, v, d, c.val, c.dec)
		}
	}
}

func TestRenderFlags(t *testing.T) {
	cases := []struct {
		p        Param
		data     []byte
		val, dec string
	}{
		{Param{Type: PTFlags32, Format: PFHex, Flags: FileFlags}, le32(4097), "4097", "O_RDONLY|O_CLOEXEC"},
		{Param{Type: PTFlags32, Format: PFHex, Flags: FileFlags}, le32(3), "3", "O_RDWR"},
		{Param{Type: PTFlags32, Format: PFHex, Flags: FileFlags}, le32(0), "0", "O_NONE"},
		{Param{Type: PTFlags32, Format: PFHex, Flags: FileFlags}, le32(5185), "5185", "O_DIRECTORY|O_NONBLOCK|O_RDONLY|O_CLOEXEC"},
		{Param{Type: PTFlags32, Format: PFHex, Flags: FileFlags}, le32(0x80000000), "2147483648", ""},
		{Param{Type: PTFlags32, Format: PFHex, Flags: CloneFlags}, le32(0), "0", ""},
		{Param{Type: PTFlags8, Format: PFDec, Flags: FutexOperations}, []byte{129}, "129", "FUTEX_PRIVATE_FLAG|FUTEX_WAKE"},
		{Param{Type: PTFlags16, Format: PFDec, Flags: FutexOperations}, le16(128), "128", "FUTEX_PRIVATE_FLAG"},
		{Param{Type: PTEnumFlags32, Format: PFDec, Flags: SocketFamilies}, le32(1), "1", "AF_LOCAL|AF_UNIX"},
		{Param{Type: PTEnumFlags32, Format: PFDec, Flags: SocketFamilies}, le32(10), "10", "AF_INET6"},
		{Param{Type: PTEnumFlags32, Format: PFDec, Flags: SocketFamilies}, le32(99), "99", ""},
		{Param{Type: PTEnumFlags8, Format: PFDec, Flags: SocketFamilies}, []byte{16}, "16", "AF_ROUTE|AF_NETLINK"},
		{Param{Type: PTFlags32, Format: PFHex}, le32(7), "7", ""},
		{Param{Type: PTMode, Format: PFOct, Flags: ChmodMode}, le32(0o755), "0755", "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR"},
		{Param{Type: PTMode, Format: PFOct}, le32(0o644), "0644", ""},
	}
	for _, c := range cases {
		v, d := renderOne(c.p, c.data, nil, RenderOptions{})
		if v != c.val || d != c.dec {
			t.Errorf("%v % x: got %q(%q), want %q(%q)", c.p.Type, c.data, v, d, c.val, c.dec)
		}
	}
	if got := FlagsText(FileFlags, 4097); got != "O_RDONLY|O_CLOEXEC" {
		t.Errorf("FlagsText = %q", got)
	}
	if got := EnumFlagsText(SocketFamilies, 1); got != "AF_LOCAL|AF_UNIX" {
		t.Errorf("EnumFlagsText = %q", got)
	}
	if got := DecodeFlags(PTInt32, FileFlags, 1); got != "" {
		t.Errorf("DecodeFlags(PTInt32) = %q", got)
	}
	// ModeText (also the pre-2023 PT_FLAGS algorithm) appends an entry
	// equal to the whole value even after other names consumed its bits.
	tbl := &FlagTable{Values: []FlagValue{{"A", 1}, {"B", 2}, {"AB", 3}}}
	if got, want := ModeText(tbl, 3), "A|B|AB"; got != want {
		t.Errorf("ModeText = %q, want %q", got, want)
	}
	if got, want := FlagsText(tbl, 3), "A|B"; got != want {
		t.Errorf("FlagsText = %q, want %q", got, want)
	}
}

func TestRenderModeTable(t *testing.T) {
	// The expected text follows the table order and algorithm; check it
	// against ChmodMode's actual content rather than hard-coding it.
	var names []string
	val := uint32(0o755)
	for _, e := range ChmodMode.Values {
		if e.Value == 0o755 {
			break
		}
		if e.Value != 0 && val&e.Value == e.Value {
			names = append(names, e.Name)
			val &^= e.Value
		}
	}
	if got := ModeText(ChmodMode, 0o755); got != strings.Join(names, "|") {
		t.Errorf("ModeText(0755) = %q, want %q", got, strings.Join(names, "|"))
	}
}

func TestRenderNet(t *testing.T) {
	inet := func(ip [4]byte, port uint16) []byte {
		return append(append([]byte{FamilyInet}, ip[:]...), le16(port)...)
	}
	inet6 := func(ip string, port uint16) []byte {
		return append(append([]byte{FamilyInet6}, ip6(ip)...), le16(port)...)
	}
	cases := []struct {
		typ  ParamType
		data []byte
		want string
	}{
		{PTSockAddr, inet([4]byte{127, 0, 0, 1}, 80), "127.0.0.1:80"},
		{PTSockAddr, inet6("2001:db8::3", 1234), "2001:db8::3:1234"},
		{PTSockAddr, inet6("::ffff:102:304", 1), "::ffff:1.2.3.4:1"},
		{PTSockAddr, append([]byte{FamilyUnix}, cstr("/run/x.sock")...), "/run/x.sock"},
		{PTSockAddr, append([]byte{FamilyUnix}, "\x00abstract\x00"...), ""},
		{PTSockAddr, []byte{FamilyUnix, 'x'}, "INVALID PATH"},
		{PTSockAddr, []byte{FamilyInet, 1, 2}, "INVALID IPv4"},
		{PTSockAddr, []byte{FamilyInet6, 1, 2}, "INVALID IPv6"},
		{PTSockAddr, []byte{17, 1, 2}, "family 17"},
		{PTSockTuple, append(append(inet([4]byte{127, 0, 0, 1}, 54321), 127, 0, 0, 1), le16(80)...), "127.0.0.1:54321->127.0.0.1:80"},
		{PTSockTuple, append(inet6("::1", 38255)[:], append(ip6("::1"), le16(2345)...)...), "::1:38255->::1:2345"},
		{PTSockTuple, append(inet6("::", 0)[:], append(ip6("::1"), le16(2345)...)...), ":::0->::1:2345"},
		{PTSockTuple, append(inet6("::ffff:a00:1", 5), append(ip6("::ffff:a00:2"), le16(6)...)...), "10.0.0.1:5->10.0.0.2:6"},
		{PTSockTuple, append(inet6("::", 5), append(ip6("::"), le16(6)...)...), "0.0.0.0:5->0.0.0.0:6"},
		{PTSockTuple, append(append(append([]byte{FamilyUnix}, le64(0)...), le64(0xffff88003c420800)...), cstr("/var/run/nscd/socket")...), "0->ffff88003c420800 /var/run/nscd/socket"},
		{PTSockTuple, []byte{FamilyUnix, 1, 2}, "INVALID PATH"},
		{PTSockTuple, []byte{FamilyInet, 1, 2}, "INVALID IPv4"},
		{PTSockTuple, []byte{FamilyInet6, 1, 2}, "INVALID IPv6"},
		{PTSockTuple, []byte{3}, "family 3"},
	}
	for _, c := range cases {
		v, d := renderOne(Param{Type: c.typ}, c.data, nil, RenderOptions{})
		if v != c.want || d != "" {
			t.Errorf("%v % x: got %q(%q), want %q", c.typ, c.data, v, d, c.want)
		}
	}
}

func TestInetNtop6(t *testing.T) {
	// Expected texts are glibc's inet_ntop.
	cases := map[string]string{
		"00000000000000000000000000000000": "::",
		"00000000000000000000000000000001": "::1",
		"00000000000000000000ffff01020304": "::ffff:1.2.3.4",
		"00000000000000000000000001020304": "::1.2.3.4",
		"00010000000000010000000000000001": "1:0:0:1::1",
		"00010000000100000001000000010000": "1:0:1:0:1:0:1:0",
		"20010db8000000000000000000000000": "2001:db8::",
		"00000000000000000000ffff00000000": "::ffff:0.0.0.0",
		"00010000000000000000000000000000": "1::",
		"fe800000000000000000000000010002": "fe80::1:2",
		"00000000000200030004000500060007": "::2:3:4:5:6:7",
		"00000000000000000000000100000000": "::1:0:0",
		"00000000000000000000000000000100": "::100",
		"00010002000300040005000600070008": "1:2:3:4:5:6:7:8",
		"0000000000000000000000000000ffff": "::ffff",
		"00000000000000000000000000010000": "::0.1.0.0",
		"26001f18262c65429aa6df7a9a47d29e": "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e",
	}
	for h, want := range cases {
		var a [16]byte
		for k := range a {
			a[k] = byte(hexVal(h[2*k])<<4 | hexVal(h[2*k+1]))
		}
		if got := InetNtop6(a[:]); got != want {
			t.Errorf("InetNtop6(%s) = %q, want %q", h, got, want)
		}
	}
}

func hexVal(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

func TestRenderFDList(t *testing.T) {
	st := newTestState()
	list := func(e ...[2]int64) []byte {
		b := le16(uint16(len(e)))
		for _, x := range e {
			b = append(b, le64(uint64(x[0]))...)
			b = append(b, le16(uint16(x[1]))...)
		}
		return b
	}
	cases := []struct {
		data []byte
		st   FDResolver
		want string
	}{
		{list([2]int64{4, 1}, [2]int64{7, 0}), st, "4:41 7:p0"},
		{list([2]int64{42, 0x10}), st, "42:?10"},
		{list([2]int64{3, 0x8000}), st, "3:fffff8000"},
		{list([2]int64{-1, 1}), st, "18446744073709551615:?1"},
		{list(), st, ""},
		{list([2]int64{3, 1}), nil, "3:?1"},
		{list([2]int64{3, 1}), &testState{fds: st.fds}, ""},
		{le16(3), st, ""}, // entries missing
	}
	for _, c := range cases {
		v, d := renderOne(Param{Type: PTFDList}, c.data, c.st, RenderOptions{})
		if v != c.want || d != "" {
			t.Errorf("% x: got %q(%q), want %q", c.data, v, d, c.want)
		}
	}
	// The text stops at libsinsp's 1023-character storage.
	var many [][2]int64
	for k := 0; k < 200; k++ {
		many = append(many, [2]int64{1000000 + int64(k), 1})
	}
	if v, _ := renderOne(Param{Type: PTFDList}, list(many...), st, RenderOptions{}); len(v) != 1023 {
		t.Errorf("long fd list: %d characters", len(v))
	}
}

func TestRenderDyn(t *testing.T) {
	st := newTestState()
	p := Param{Type: PTDyn, Format: PFHex, Dyn: PtraceDynamicParam}
	cases := []struct {
		data     []byte
		val, dec string
	}{
		{append([]byte{0}, le64(0xdeadbeef)...), "DEADBEEF", ""},
		{append([]byte{1}, 9), "9", "SIGKILL"},
		{append([]byte{7}, 9), "INVALID DYNAMIC PARAMETER", ""},
		{[]byte{0}, "<NA>", ""}, // variant without its bytes: an empty parameter
	}
	for _, c := range cases {
		v, d := renderOne(p, c.data, st, RenderOptions{})
		if c.val == "<NA>" {
			// The bytes after the index are empty: numeric decoders
			// read zero.
			c.val = "0"
		}
		if v != c.val || d != c.dec {
			t.Errorf("% x: got %q(%q), want %q(%q)", c.data, v, d, c.val, c.dec)
		}
	}
	v, d := renderOne(Param{Type: PTDyn, Dyn: BpfDynamicParam, Format: PFDec}, append([]byte{0}, le64(3)...), st, RenderOptions{})
	if v != "3" || d != "<f>/etc/passwd" {
		t.Errorf("bpf fd: %q(%q)", v, d)
	}
	v, _ = renderOne(Param{Type: PTDyn, Dyn: KeyctlDynamicParam, Format: PFDec}, append([]byte{1}, cstr("key")...), st, RenderOptions{})
	if v != "key" {
		t.Errorf("keyctl string: %q", v)
	}
}

func TestRenderArrays(t *testing.T) {
	v, _ := renderOne(Param{Type: PTCharBufArray}, []byte("a\x00bc\x00\x00d\x00"), nil, RenderOptions{})
	if v != "a.bc..d" {
		t.Errorf("charbuf array: %q", v)
	}
	v, _ = renderOne(Param{Type: PTCharBufPairArray}, []byte("k1\x00v1\x00k2\x00v2\x00"), nil, RenderOptions{})
	if v != "k1:v1,k2:v2" {
		t.Errorf("pair array: %q", v)
	}
	v, _ = renderOne(Param{Type: PTCharBufPairArray}, []byte("k1\x00"), nil, RenderOptions{})
	if v != "" {
		t.Errorf("odd pair array: %q", v)
	}
}

func TestRenderAbsTime(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	v, d := renderOne(Param{Type: PTAbsTime, Format: PFDec}, le64(1534527348514632619), nil, RenderOptions{})
	if v != "2018-08-17 17:35:48.514632619" || d != "" {
		t.Errorf("abstime: %q(%q)", v, d)
	}
	time.Local = time.FixedZone("X", 3600)
	v, _ = renderOne(Param{Type: PTAbsTime, Format: PFDec}, le64(5), nil, RenderOptions{})
	if v != "1970-01-01 01:00:00.000000005" {
		t.Errorf("abstime: %q", v)
	}
}

func TestBufferText(t *testing.T) {
	data := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff")
	cases := []struct {
		f    BufferFormat
		want string
	}{
		{BufNormal, "GET / HTTP/1.1..Host: x......"},
		{BufJSON, "GET / HTTP/1.1..Host: x......"},
		{BufSimple, "GET / HTTP/1.1..Host: x......"},
		{BufEOLS, "\nGET / HTTP/1.1\nHost: x\n\n"},
		{BufEOLSCompact, "GET / HTTP/1.1\nHost: x\n\n"},
		{BufJSONEOLS, "\nGET / HTTP/1.1\nHost: x\n\n"},
		{BufBase64, "R0VUIC8gSFRUUC8xLjENCkhvc3Q6IHgNCg0KAP8="},
		{BufJSONBase64, "R0VUIC8gSFRUUC8xLjENCkhvc3Q6IHgNCg0KAP8="},
		{BufHex, "\n\t0x0000: 4745 5420 2f20 4854 5450 2f31 2e31 0d0a\n\t0x0010: 486f 7374 3a20 780d 0a0d 0a00 ff\n"},
		{BufJSONHex, "\n\t0x0000: 4745 5420 2f20 4854 5450 2f31 2e31 0d0a\n\t0x0010: 486f 7374 3a20 780d 0a0d 0a00 ff\n"},
		{BufHexASCII, "\n\t0x0000: 4745 5420 2f20 4854 5450 2f31 2e31 0d0a  GET / HTTP/1.1..\n\t0x0010: 486f 7374 3a20 780d 0a0d 0a00 ff       Host: x......\n"},
		{BufJSONHexASCII, "\n\t0x0000: 4745 5420 2f20 4854 5450 2f31 2e31 0d0a  GET / HTTP/1.1..\n\t0x0010: 486f 7374 3a20 780d 0a0d 0a00 ff       Host: x......\n"},
	}
	for _, c := range cases {
		if got := BufferText(data, c.f); got != c.want {
			t.Errorf("format %#x:\n got %q\nwant %q", c.f, got, c.want)
		}
	}
	if got := BufferText([]byte("\nab"), BufEOLS); got != "\nab" {
		t.Errorf("leading newline: %q", got)
	}
	for _, n := range []int{1, 2, 3} {
		if got := BufferText([]byte("abcd")[:n], BufBase64); got != []string{"YQ==", "YWI=", "YWJj"}[n-1] {
			t.Errorf("base64 of %d bytes: %q", n, got)
		}
	}
	if got := BufferText(nil, BufHex); got != "" {
		t.Errorf("empty hex: %q", got)
	}
	// Offsets past 0xffff keep growing.
	big := make([]byte, 0x10001)
	if got := BufferText(big, BufHex); !strings.HasSuffix(got, "\n\t0x10000: 00\n") {
		t.Errorf("big hex ends %q", got[len(got)-30:])
	}
}

func TestRenderBufferTruncation(t *testing.T) {
	data := []byte(strings.Repeat("x", 100))
	cases := []struct {
		opts RenderOptions
		want string
	}{
		{RenderOptions{}, strings.Repeat("x", 100)},
		{RenderOptions{MaxLen: 80}, strings.Repeat("x", 77) + "..."},
		{RenderOptions{MaxLen: 100}, strings.Repeat("x", 100)},
		{RenderOptions{MaxLen: 3}, "xxx"},
		{RenderOptions{MaxLen: 4}, "x..."},
		// Only the normal format is cut.
		{RenderOptions{MaxLen: 80, BufferFormat: BufEOLSCompact}, strings.Repeat("x", 100)},
		{RenderOptions{MaxLen: 80, BufferFormat: BufNormal | BufSimple}, strings.Repeat("x", 100)},
	}
	for _, c := range cases {
		v, _ := renderOne(Param{Type: PTByteBuf}, data, nil, c.opts)
		if v != c.want {
			t.Errorf("%+v: got %q", c.opts, v)
		}
	}
}

func buildRecord(t *testing.T, code uint16, params ...[]byte) *Record {
	t.Helper()
	var b Builder
	r := new(Record)
	if err := r.Parse(append([]byte(nil), b.Build(7, testTid, code, params...)...)); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestArgsAndFields(t *testing.T) {
	st := newTestState()
	open := buildRecord(t, OpenX, le64(3), cstr("/etc/passwd"), le32(4097), le32(0), le32(0x2d), le64(7))
	if got, want := Args(open, st, RenderOptions{}), "fd=3(<f>/etc/passwd) name=/etc/passwd flags=4097(O_RDONLY|O_CLOEXEC) mode=0 dev=2D ino=7"; got != want {
		t.Errorf("Args = %q, want %q", got, want)
	}
	if got := InfoText(open, st, RenderOptions{}); got != Args(open, st, RenderOptions{}) {
		t.Errorf("InfoText = %q", got)
	}
	if got, _ := ParamText(open, 0, st, RenderOptions{}); got != "<f>/etc/passwd" {
		t.Errorf("evt.arg[0] = %q", got)
	}
	if got, _ := ParamTextByName(open, "flags", st, RenderOptions{}); got != "O_RDONLY|O_CLOEXEC" {
		t.Errorf("evt.arg.flags = %q", got)
	}
	if got, _ := ParamTextByName(open, "mode", st, RenderOptions{}); got != "0" {
		t.Errorf("evt.arg.mode = %q", got)
	}
	if _, ok := ParamTextByName(open, "nope", st, RenderOptions{}); ok {
		t.Error("evt.arg.nope found")
	}
	if _, ok := ParamText(open, 6, st, RenderOptions{}); ok {
		t.Error("evt.arg[6] found")
	}
	if got, _ := ParamArgText(open, 2, st, RenderOptions{}); got != "4097(O_RDONLY|O_CLOEXEC)" {
		t.Errorf("ParamArgText = %q", got)
	}
	if res, ok := ResText(open, st); !ok || res != "SUCCESS" {
		t.Errorf("evt.res = %q %v", res, ok)
	}

	// A record with fewer parameters than the table (an old version).
	short := buildRecord(t, OpenX, le64(uint64(0xfffffffffffffffe)), cstr("/x"))
	if got := Args(short, st, RenderOptions{}); got != "fd=-2(ENOENT) name=/x" {
		t.Errorf("short Args = %q", got)
	}
	if res, _ := ResText(short, st); res != "ENOENT" {
		t.Errorf("evt.res = %q", res)
	}
	if v, ok := ReturnValue(short); !ok || v != -2 {
		t.Errorf("evt.rawres = %d %v", v, ok)
	}
	if f, ok := Failed(short); !ok || !f {
		t.Errorf("evt.failed = %v %v", f, ok)
	}

	empty := buildRecord(t, OpenE)
	if got := Args(empty, st, RenderOptions{}); got != "" {
		t.Errorf("no params: %q", got)
	}
	if _, ok := ResText(empty, st); ok {
		t.Error("enter event has evt.res")
	}
	if _, ok := Failed(empty); ok {
		t.Error("enter event has evt.failed")
	}

	gen := buildRecord(t, GenericX, le16(ScRtSigreturn), le16(15))
	if got := Args(gen, st, RenderOptions{}); got != "" {
		t.Errorf("generic Args = %q", got)
	}
	if got, _ := ParamArgText(gen, 0, st, RenderOptions{}); got != "298(rt_sigreturn)" {
		t.Errorf("generic ID = %q", got)
	}
	if got := TypeName(gen); got != "rt_sigreturn" {
		t.Errorf("generic type = %q", got)
	}
	if _, ok := ResText(gen, st); ok {
		t.Error("generic exit has evt.res")
	}
	unknownSc := buildRecord(t, GenericE, le16(0), le16(15))
	if got := TypeName(unknownSc); got != "rt_sigreturn" {
		t.Errorf("native fallback type = %q", got)
	}
	if got := TypeName(open); got != "open" {
		t.Errorf("type = %q", got)
	}

	// evt.res of an exit event whose first parameter is not "res".
	getuid := buildRecord(t, GetuidX, le32(0))
	if res, _ := ResText(getuid, st); res != "SUCCESS" {
		t.Errorf("getuid evt.res = %q", res)
	}
	clone := buildRecord(t, CloneX20, le64(uint64(0xfffffffffffffff5)))
	if res, _ := ResText(clone, st); res != "-11" {
		t.Errorf("failed clone evt.res = %q", res)
	}
	r4 := buildRecord(t, SetuidX, le32(0xffffffff))
	if v, _ := ReturnValue(r4); v != -1 {
		t.Errorf("32-bit return value = %d", v)
	}

	read := buildRecord(t, ReadX, le64(5), []byte("hello\n"), le64(3), le32(5))
	if got, ok := BufferParamText(read, RenderOptions{}); !ok || got != "hello." {
		t.Errorf("evt.buffer = %q %v", got, ok)
	}
	if got, _ := BufferParamText(read, RenderOptions{BufferFormat: BufBase64}); got != "aGVsbG8K" {
		t.Errorf("evt.buffer base64 = %q", got)
	}
	if b, _ := BufferParam(read); string(b) != "hello\n" {
		t.Errorf("BufferParam = %q", b)
	}
	readEmpty := buildRecord(t, ReadX, le64(uint64(0xfffffffffffffff5)), nil)
	if got, ok := BufferParamText(readEmpty, RenderOptions{}); !ok || got != "" {
		t.Errorf("empty evt.buffer = %q %v", got, ok)
	}
	if got := Args(readEmpty, st, RenderOptions{}); got != "res=-11(EAGAIN) data=NULL" {
		t.Errorf("empty data Args = %q", got)
	}
	if _, ok := BufferParamText(open, RenderOptions{}); ok {
		t.Error("open has evt.buffer")
	}

	info := read.Info()
	if !IsIO(info) || !IsIORead(info) || IsIOWrite(info) || IsWait(info) {
		t.Error("read flags")
	}
	if d, ok := IODir(info); !ok || d != "read" {
		t.Errorf("io_dir = %q", d)
	}
	if d, ok := IODir(Lookup(WriteX)); !ok || d != "write" {
		t.Errorf("io_dir = %q", d)
	}
	if _, ok := IODir(Lookup(OpenX)); ok {
		t.Error("open has io_dir")
	}
	if !IsWait(Lookup(NanosleepE)) {
		t.Error("nanosleep does not wait")
	}
}

func TestCategoryText(t *testing.T) {
	cases := []struct {
		code uint16
		tc   byte
		have bool
		want string
	}{
		{OpenX, 0, false, "file"},
		{ReadX, 'f', true, "file"},
		{ReadX, 'd', true, "file"},
		{ReadX, '4', true, "net"},
		{ReadX, '6', true, "net"},
		{ReadX, 'u', true, "ipc"},
		{ReadX, 'p', true, "ipc"},
		{ReadX, 'e', true, "ipc"},
		{ReadX, 's', true, "ipc"},
		{ReadX, 'i', true, "ipc"},
		{ReadX, 't', true, "unknown"},
		{ReadX, 'l', true, "unknown"},
		{ReadX, 'f', false, "unknown"},
		{CloseE, 'f', true, "file"},
		{NanosleepE, 0, false, "sleep"},
		{GenericX, 0, false, "other"},
		{SocketE, 0, false, "net"},
		{KillE, 0, false, "signal"},
		{PollE, 0, false, "wait"},
	}
	for _, c := range cases {
		if got := CategoryText(Lookup(c.code), c.tc, c.have); got != c.want {
			t.Errorf("%s %c %v: %q, want %q", Name(c.code), c.tc, c.have, got, c.want)
		}
	}
}

func TestRawArgText(t *testing.T) {
	open := buildRecord(t, OpenX, le64(3), cstr("/etc/passwd"), le32(4097), le32(0o644), le32(0x2d), le64(7))
	cases := map[string]string{
		"fd":    "3",
		"name":  "/etc/passwd",
		"flags": "1001",
		"mode":  "644",
		"dev":   "2D",
		"ino":   "7",
	}
	for name, want := range cases {
		if got, ok := RawArgText(open, name, RenderOptions{}); !ok || got != want {
			t.Errorf("evt.rawarg.%s = %q %v, want %q", name, got, ok, want)
		}
	}
	conn := buildRecord(t, ConnectX, le64(0), []byte{FamilyInet, 1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0}, le64(3), []byte{FamilyInet, 1, 2, 3, 4, 0, 0})
	for _, name := range []string{"tuple", "addr"} {
		if got, ok := RawArgText(conn, name, RenderOptions{}); ok {
			t.Errorf("evt.rawarg.%s = %q", name, got)
		}
	}
	read := buildRecord(t, ReadX, le64(5), []byte(strings.Repeat("\x00", 2000)), le64(3), nil)
	if got, _ := RawArgText(read, "data", RenderOptions{}); got != strings.Repeat(".", 1021) {
		t.Errorf("evt.rawarg.data: %d characters", len(got))
	}
	if got, _ := RawArgText(read, "size", RenderOptions{}); got != "0" {
		t.Errorf("empty evt.rawarg.size = %q", got)
	}
	rv := []struct {
		t    ParamType
		pf   PrintFormat
		b    []byte
		want string
		ok   bool
	}{
		{PTInt8, PFHex, []byte{0xff}, "FFFFFFFF", true},
		{PTInt8, PFOct, []byte{0xff}, "37777777777", true},
		{PTInt8, PFNA, []byte{0xff}, "", false},
		{PTInt32, PF10PaddedDec, le32(1), "", false},
		{PTInt64, PF10PaddedDec, le64(42), "000000042", true},
		{PTInt64, PFNA, le64(uint64(0xfffffffffffffffe)), "-2", true},
		{PTUint32, PFDec, le32(math.MaxUint32), "4294967295", true},
		{PTUint32, PFNA, le32(1), "", false},
		{PTUint64, PFDec, le64(math.MaxUint64), "18446744073709551615", true},
		{PTUint64, PF10PaddedDec, le64(42), "000000042", true},
		{PTUint64, PFNA, le64(1), "", false},
		{PTRelTime, PFDec, le64(5), "5", true},
		{PTUID, PFDec, le32(0), "0", true},
		{PTBool, PFNA, le32(2), "true", true},
		{PTBool, PFNA, le32(0), "false", true},
		{PTIPv4Addr, PFNA, []byte{10, 0, 0, 1}, "10.0.0.1", true},
		{PTIPv6Addr, PFNA, ip6("::1"), "::1", true},
		{PTIPAddr, PFNA, ip6("fe80::1"), "fe80::1", true},
		{PTIPAddr, PFNA, []byte{1, 2, 3}, "", false},
		{PTDouble, PFNA, le64(math.Float64bits(2.25)), "2.2", true},
		{PTIPNet, PFNA, nil, "<IPNET>", true},
		{PTCharBuf, PFNA, nil, "<NA>", true},
		{PTMode, PFOct, le32(1), "", false},
		{PTSockTuple, PFNA, []byte{2}, "", false},
		{PTFD32, PFDec, le32(1), "", false},
	}
	for _, c := range rv {
		got, ok := RawValueText(c.t, c.pf, c.b, BufNormal)
		if got != c.want || ok != c.ok {
			t.Errorf("RawValueText(%v, %v, % x) = %q %v, want %q %v", c.t, c.pf, c.b, got, ok, c.want, c.ok)
		}
	}
}

func TestErrnoSignalNames(t *testing.T) {
	cases := map[int64]string{-1: "EPERM", -2: "ENOENT", -11: "EAGAIN", -115: "EINPROGRESS", -125: "ECANCELED",
		-41: "", -58: "", -126: "", -512: "ERESTARTSYS", -530: "EIOCBRETRY", -531: "", 0: "", 5: "",
		-4294967298: "ENOENT", math.MinInt64: "", -(1 << 31): ""}
	for v, want := range cases {
		if got := ErrnoName(v); got != want {
			t.Errorf("ErrnoName(%d) = %q, want %q", v, got, want)
		}
	}
	if SignalName(31) != "SIGSYS" || SignalName(6) != "SIGABRT" || SignalName(32) != "" || SignalName(0) != "" {
		t.Error("SignalName")
	}
}

func TestConcatenatePaths(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"/home/u/", "x", "/home/u/x"},
		{"/home/u/", "./x/", "/home/u/x"},
		{"/home/u/", "../../../x", "/x"},
		{"/home/u/", "..", "/home"},
		{"/home/u/", "/abs/./p/../q", "/abs/q"},
		{"/home/u/", "a//b", "/home/u/a/b"},
		{"/home/u/", ".hidden", "/home/u/.hidden"},
		{"/home/u/", "..x", "/home/u/..x"},
		{"/", ".", "/"},
		{"", "x/..", ""},
		{"", "./foo", "foo"},
		{"foo/", "../a", "a"},
		{"/", strings.Repeat("a", 4095), "/DIR_TOO_LONG/FILENAME_TOO_LONG"},
	}
	for _, c := range cases {
		if got := concatenatePaths(c.a, c.b); got != c.want {
			t.Errorf("concatenatePaths(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
