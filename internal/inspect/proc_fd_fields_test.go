package inspect

import (
	"bufio"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
	"github.com/kestrel-project/kestrel/internal/state"
)

// Unit tests of the proc, user, group, fd and container extractors on
// state built from a seed and hand-made events, for what the captures do
// not exercise.

// fsim feeds hand-built records through an Inspector and evaluates fields
// and conditions on the current event.
type fsim struct {
	t     *testing.T
	in    *Inspector
	b     event.Builder
	rec   event.Record
	ts    uint64
	comp  *engine.Compiler
	frame *engine.Frame
	e     *Event
}

func newFsim(t *testing.T, threads []state.ThreadInfo, users []state.UserInfo, groups []state.GroupInfo) *fsim {
	t.Helper()
	reg := fields.NewDefault()
	src, _ := reg.Source(fields.SyscallSource)
	s := &fsim{t: t, in: New(state.Options{}, "h"), ts: 1_700_000_000_000_000_000}
	s.comp = engine.NewCompiler(src, Binder{}, event.NewResolver())
	s.in.Seed(threads, users, groups)
	return s
}

// encParam encodes a value for a parameter of type pt.
func encParam(t *testing.T, pt event.ParamType, v any) []byte {
	t.Helper()
	if b, ok := v.([]byte); ok {
		return b
	}
	width := 0
	switch pt {
	case event.PTInt8, event.PTUint8, event.PTFlags8, event.PTEnumFlags8, event.PTSigType, event.PTL4Proto,
		event.PTSockFamily:
		width = 1
	case event.PTInt16, event.PTUint16, event.PTFlags16, event.PTEnumFlags16, event.PTPort, event.PTSyscallID:
		width = 2
	case event.PTInt32, event.PTUint32, event.PTFlags32, event.PTEnumFlags32, event.PTMode, event.PTUID,
		event.PTGID, event.PTBool, event.PTSigSet, event.PTIPv4Addr, event.PTFD32, event.PTPID32:
		width = 4
	case event.PTInt64, event.PTUint64, event.PTErrno, event.PTFD, event.PTPID, event.PTRelTime,
		event.PTAbsTime, event.PTDouble:
		width = 8
	}
	if width > 0 {
		var x uint64
		switch n := v.(type) {
		case int:
			x = uint64(n)
		case int64:
			x = uint64(n)
		case uint32:
			x = uint64(n)
		case uint64:
			x = n
		default:
			t.Fatalf("bad integer %T", v)
		}
		b := binary.LittleEndian.AppendUint64(nil, x)
		return b[:width]
	}
	switch s := v.(type) {
	case string:
		return append([]byte(s), 0)
	case nil:
		return nil
	}
	t.Fatalf("cannot encode %T", v)
	return nil
}

// ev processes one event of tid with its parameters in table order.
func (s *fsim) ev(code uint16, tid int64, vals ...any) *Event {
	s.t.Helper()
	info := event.Lookup(code)
	params := make([][]byte, len(vals))
	for i, v := range vals {
		params[i] = encParam(s.t, info.Params[i].Type, v)
	}
	s.ts += 1000
	buf := append([]byte(nil), s.b.Build(s.ts, tid, code, params...)...)
	if err := s.rec.Parse(buf); err != nil {
		s.t.Fatal(err)
	}
	s.e = s.in.Next(&s.rec, 0, 0)
	if s.frame == nil {
		s.frame = s.comp.NewFrame()
	}
	return s.e
}

// get renders a field for the current event as outputs print it.
func (s *fsim) get(field string) string {
	s.t.Helper()
	f, err := s.comp.CompileFormat("%" + field)
	if err != nil {
		s.t.Fatalf("%s: %v", field, err)
	}
	fr := s.comp.NewFrame()
	fr.Reset(s.e)
	return f.Tokens[0].Render(fr)
}

// cond evaluates a condition on the current event.
func (s *fsim) cond(text string) bool {
	s.t.Helper()
	x, err := lang.Parse(text)
	if err != nil {
		s.t.Fatalf("%s: %v", text, err)
	}
	c, _, err := s.comp.Compile(x)
	if err != nil {
		s.t.Fatalf("%s: %v", text, err)
	}
	fr := s.comp.NewFrame()
	fr.Reset(s.e)
	return c(fr)
}

func (s *fsim) wantField(field, want string) {
	s.t.Helper()
	if got := s.get(field); got != want {
		s.t.Errorf("%s = %q, want %q", field, got, want)
	}
}

// wantText checks the text the field's binding gives its value, which is
// what libsinsp prints for the fields whose printed value is not their
// compared value (proc.apid and proc.aenv without an index).
func (s *fsim) wantText(field, want string) {
	s.t.Helper()
	name, arg, hasArg := field, "", false
	if i := strings.IndexByte(field, '['); i >= 0 {
		name, arg, hasArg = field[:i], field[i+1:len(field)-1], true
	}
	src, _ := fields.NewDefault().Source(fields.SyscallSource)
	ref, err := src.Resolve(name, arg, hasArg)
	if err != nil {
		s.t.Fatal(err)
	}
	b, err := Binder{}.Bind(ref)
	if err != nil {
		s.t.Fatal(err)
	}
	var v engine.Value
	got := engine.NA
	if b.Extract(s.e, &v) {
		got = b.Text(&v)
	}
	if got != want {
		s.t.Errorf("%s printed %q, want %q", field, got, want)
	}
}

func (s *fsim) wantCond(text string, want bool) {
	s.t.Helper()
	if got := s.cond(text); got != want {
		s.t.Errorf("%s: %v, want %v", text, got, want)
	}
}

// A process tree: systemd(1) - sshd(50) - zsh(80) - bash(100) - vim(200),
// with a second thread 201 of vim.
func treeThreads() []state.ThreadInfo {
	return []state.ThreadInfo{
		{Tid: 1, Pid: 1, PTid: 0, Sid: 1, VPgid: 1, Pgid: 1, Comm: "systemd", Exe: "/sbin/init", VTid: 1, VPid: 1, Cwd: "/"},
		{Tid: 50, Pid: 50, PTid: 1, Sid: 50, VPgid: 50, Pgid: 50, Comm: "sshd", Exe: "sshd: u", Args: []string{"", ""},
			VTid: 50, VPid: 50, Cwd: "/", Env: []string{"SSH=1"}},
		{Tid: 80, Pid: 80, PTid: 50, Sid: 80, VPgid: 80, Pgid: 80, Comm: "zsh", Exe: "-zsh", VTid: 80, VPid: 80, Cwd: "/",
			Env: []string{"LANG=C", "EDITOR=vi"}},
		{Tid: 100, Pid: 100, PTid: 80, Sid: 80, VPgid: 100, Pgid: 100, Comm: "bash", Exe: "bash", Args: []string{"-l"},
			VTid: 100, VPid: 100, Cwd: "/home/u", Env: []string{"LANG=en", "EDITOR="}},
		{Tid: 200, Pid: 200, PTid: 100, Sid: 80, VPgid: 100, Pgid: 100, Comm: "vim", Exe: "vim", Args: []string{"a b", "c"},
			ExePath: "/usr/bin/vim", VTid: 200, VPid: 200, Cwd: "/home/u", UID: 1000, GID: 1000, LoginUID: 1000,
			Env:          []string{"HOME=/home/u", "EMPTY=", "SP=  v w  ", "TERM=xterm"},
			Cgroups:      []state.Cgroup{{Subsys: "cpu", Path: "/user.slice"}, {Subsys: "memory", Path: "/user.slice/u.scope"}},
			CapEffective: 1<<0 | 1<<21 | 1<<40, CapPermitted: 1<<63 | 1, FDLimit: 8,
			FDs: []state.FDInfo{
				{FD: 0, Type: state.FDFile, Name: "/dev/pts/0"},
				{FD: 1, Type: state.FDFifo, Name: "pipe:[42]"},
				{FD: 4, Type: state.FDFile, Name: "/home/u/a.txt"},
				{FD: 5, Type: state.FDFifo, Name: "pipe:[43]"},
			}},
		{Tid: 201, Pid: 200, PTid: 100, Sid: 80, VPgid: 100, Pgid: 100, Comm: "vim", Exe: "vim", VTid: 201, VPid: 200,
			Flags: state.CloneThread | state.CloneFiles, Env: []string{"OWN=1"}},
	}
}

func TestProcFieldsTree(t *testing.T) {
	s := newFsim(t, treeThreads(), []state.UserInfo{{UID: 1000, GID: 1000, Name: "u", HomeDir: "/home/u", Shell: "/bin/zsh"}},
		[]state.GroupInfo{{GID: 1000, Name: "users"}})
	s.ev(event.BrkX1, 200, uint64(0))

	// Names and command lines.
	s.wantField("proc.name", "vim")
	s.wantField("proc.args", "a b c")
	s.wantField("proc.args[0]", "a b")
	s.wantField("proc.args[1]", "c")
	s.wantField("proc.args[2]", "")
	s.wantField("proc.cmdline", "vim a b c")
	s.wantField("proc.exeline", "vim a b c")
	s.wantField("proc.cmdnargs", "2")
	s.wantField("proc.cmdlenargs", "4")
	s.wantField("proc.pname", "bash")
	s.wantField("proc.pcmdline", "bash -l")
	s.wantField("proc.ppid", "100")
	s.wantField("proc.cwd", "/home/u/")

	// Ancestors by index go through main threads; 0 is the process itself.
	s.wantField("proc.aname[0]", "vim")
	s.wantField("proc.aname[1]", "bash")
	s.wantField("proc.aname[3]", "sshd")
	s.wantField("proc.aname[5]", "<NA>")
	s.wantField("proc.apid[2]", "80")
	s.wantField("proc.aexe[2]", "-zsh")
	s.wantField("proc.acmdline[3]", "sshd  ")
	s.wantField("proc.aargs[1]", "-l")

	// Without an index: any ancestor (the process itself excluded).
	s.wantField("proc.aname", "bash zsh sshd systemd")
	s.wantCond("proc.aname = sshd", true)
	s.wantCond("proc.aname = vim", false)
	s.wantCond("proc.aname in (nginx, systemd)", true)
	s.wantCond("proc.aname startswith zs", true)
	s.wantCond("proc.aname != bash", true) // libsinsp: some ancestor differs
	s.wantCond("proc.aexe = -zsh", true)
	s.wantCond("proc.acmdline = \"bash -l\"", true)
	s.wantCond("proc.apid = 50", true)
	s.wantCond("proc.apid = 200", false)
	s.wantCond("proc.apid in (7, 1)", true)
	// proc.aargs has no any-of form in libsinsp: it is the joined string.
	s.wantField("proc.aargs", "-l    ")
	s.wantCond("proc.aargs = \"-l\"", false)
	s.wantCond("proc.aargs startswith \"-l \"", true)

	// Environment.
	s.wantField("proc.env[HOME]", "/home/u")
	s.wantField("proc.env[EMPTY]", "")
	s.wantField("proc.env[SP]", "v w")
	s.wantField("proc.env[NOPE]", "")
	s.wantCond("proc.env[NOPE] exists", true)
	s.wantField("proc.env", "HOME=/home/u EMPTY= SP=  v w   TERM=xterm")
	// proc.aenv[NAME]: the first ancestor with a non-empty value.
	s.wantField("proc.aenv[LANG]", "en")
	s.wantField("proc.aenv[EDITOR]", "vi")
	s.wantField("proc.aenv[HOME]", "")
	s.wantText("proc.aenv[2]", "LANG=C EDITOR=vi")
	s.wantText("proc.aenv", "HOME=/home/u EMPTY= SP=  v w   TERM=xterm")
	s.wantCond("proc.aenv contains \"SSH=1\"", true)
	s.wantCond("proc.aenv contains TERM", false)
	// proc.aenv[N] compares like proc.aenv (compare_full_aenv).
	s.wantCond("proc.aenv[1] contains \"SSH=1\"", true)

	// Sessions and process groups.
	s.wantField("proc.sid", "80")
	s.wantField("proc.sname", "zsh")
	s.wantField("proc.vpgid.name", "bash")
	s.wantField("proc.pgid.exe", "bash")
	s.wantField("proc.is_sid_leader", "false")
	s.wantField("proc.is_vpgid_leader", "false")
	s.wantField("proc.is_pgid_leader", "false")
	s.wantField("proc.loginshellid", "80")

	// Threads, fds, memory, capabilities, cgroups.
	s.wantField("thread.ismain", "true")
	s.wantField("proc.nthreads", "2")
	s.wantField("proc.nchilds", "1")
	s.wantField("proc.fdopencount", "4")
	s.wantField("proc.fdlimit", "8")
	s.wantField("proc.fdusage", "50.0")
	s.wantField("thread.cap_effective", "CAP_CHOWN CAP_SYS_ADMIN CAP_CHECKPOINT_RESTORE")
	s.wantField("thread.cap_permitted", "CAP_CHOWN")
	s.wantField("thread.cap_inheritable", "")
	s.wantField("thread.cgroups", "cpu=/user.slice memory=/user.slice/u.scope")
	s.wantField("thread.cgroup.memory", "/user.slice/u.scope")
	s.wantField("thread.cgroup.pids", "<NA>")
	s.wantCond("thread.cgroup.cpu = /user.slice", true)
	s.wantCond("thread.cgroup.pids exists", false)
	s.wantField("proc.stdin.type", "file")
	s.wantField("proc.stdin.name", "/dev/pts/0")
	s.wantField("proc.stdout.type", "pipe")
	s.wantField("proc.stdout.name", "pipe:[42]")
	s.wantField("proc.stderr.type", "<NA>")
	s.wantCond("proc.stderr.name exists", false)

	// Users and groups.
	s.wantField("user.name", "u")
	s.wantField("user.shell", "/bin/zsh")
	s.wantField("user.loginname", "u")
	s.wantField("user.loginuid", "1000")
	s.wantField("group.name", "users")
	s.wantField("container.id", "host")
	s.wantField("container.full_id", "host")

	// A non-main thread: the environment, cwd and fd table are the main
	// thread's; the parent is the main thread's parent.
	s.ev(event.BrkX1, 201, uint64(0))
	s.wantField("thread.tid", "201")
	s.wantField("proc.pid", "200")
	s.wantField("thread.ismain", "false")
	s.wantField("proc.env[HOME]", "/home/u")
	s.wantField("proc.pname", "bash")
	s.wantField("proc.stdin.name", "/dev/pts/0")
	s.wantField("thread.vmsize", "0")
	s.wantField("user.name", "root") // uid 0 is root even without a user entry
	s.wantField("user.homedir", "/root")
	s.wantField("user.shell", "<NA>")
	s.wantField("user.loginname", "root")
	s.wantField("group.name", "root")

	// A session and process group leader.
	s.ev(event.BrkX1, 80, uint64(0))
	s.wantField("proc.is_sid_leader", "true")
	s.wantField("proc.is_vpgid_leader", "true")
	s.wantField("proc.is_pgid_leader", "true")
	s.wantField("proc.loginshellid", "80")
	s.wantText("proc.apid", "80") // printed: the process's own pid
	s.wantCond("proc.apid = 80", false)
	s.wantCond("proc.apid = 50", true)
	s.wantField("proc.exeline", "-zsh ")
}

func TestUserUnknown(t *testing.T) {
	s := newFsim(t, []state.ThreadInfo{
		{Tid: 1, Pid: 1, Comm: "init", UID: 1234, GID: 55, LoginUID: 0xffffffff, VTid: 1, VPid: 1,
			Cgroups: []state.Cgroup{{Subsys: "cpu", Path: "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}},
	}, []state.UserInfo{{UID: 1234, Name: "host-user"}}, nil)
	s.ev(event.BrkX1, 1, uint64(0))
	// The user table of the thread's container is used: the host entry
	// does not apply.
	th := s.e.Thread()
	if th.ContainerID == "" {
		t.Skip("the state derives no container id from this cgroup")
	}
	s.wantField("user.uid", "1234")
	s.wantField("user.name", "<NA>")
	s.wantCond("user.name = \"<NA>\"", true)
	s.wantField("user.homedir", "<NA>")
	s.wantField("user.loginuid", "-1")
	s.wantField("user.loginname", "<NA>")
	s.wantField("group.gid", "55")
	s.wantField("group.name", "<NA>")
	s.wantField("container.id", th.ContainerID)
	s.wantField("container.full_id", "<NA>")
}

func TestProcDurations(t *testing.T) {
	threads := []state.ThreadInfo{
		{Tid: 1, Pid: 1, Comm: "init", VTid: 1, VPid: 1},
		{Tid: 10, Pid: 10, PTid: 1, Comm: "a", VTid: 10, VPid: 10, CloneTs: 1_700_000_000_000_000_000 - 5000,
			FDs: []state.FDInfo{{FD: 0, Type: state.FDFile, Name: "/x"}}},
	}
	s := newFsim(t, threads, nil, nil)
	s.ev(event.BrkX1, 10, uint64(0))
	s.wantField("proc.duration", "6000")
	s.wantField("proc.pid.ts", "1699999999999995000")
	s.wantField("proc.ppid.ts", "0")
	// libsinsp's proc.ppid.duration falls through to proc.fdopencount when
	// the parent has no start time.
	s.wantField("proc.ppid.duration", "1")
	s.wantField("proc.exe_ino", "<NA>")
}

func TestExecTime(t *testing.T) {
	s := newFsim(t, []state.ThreadInfo{{Tid: 1, Pid: 1, Comm: "init", VTid: 1, VPid: 1}}, nil, nil)
	f, err := s.comp.CompileFormat("%thread.exectime %thread.totexectime")
	if err != nil {
		t.Fatal(err)
	}
	render := func() string {
		fr := s.comp.NewFrame()
		fr.Reset(s.e)
		return f.Tokens[0].Render(fr) + " " + f.Tokens[2].Render(fr)
	}
	sw := func() { s.ev(event.SchedswitchE6, 1, int64(0), uint64(0), uint64(0), uint32(0), uint32(0), uint32(0)) }
	sw()
	if got := render(); got != "0 0" {
		t.Errorf("first switch: %q", got)
	}
	sw()
	if got := render(); got != "1000 1000" {
		t.Errorf("second switch: %q", got)
	}
	s.ev(event.BrkX1, 1, uint64(0))
	if got := render(); got != "0 1000" {
		t.Errorf("other event: %q", got)
	}
	sw()
	if got := render(); got != "2000 3000" {
		t.Errorf("third switch: %q", got)
	}
}

// A TCP connection 10.0.0.5:40000 -> 93.184.216.34:80 made by events.
func netSim(t *testing.T) *fsim {
	s := newFsim(t, []state.ThreadInfo{
		{Tid: 1, Pid: 1, Comm: "init", VTid: 1, VPid: 1},
		{Tid: 7, Pid: 7, PTid: 1, Comm: "curl", VTid: 7, VPid: 7, Cwd: "/",
			FDs: []state.FDInfo{{FD: 0, Type: state.FDFile, Name: "/dev/null"}}},
	}, nil, nil)
	s.ev(event.SocketX, 7, int64(3), uint32(2), uint32(1), uint32(6), uint32(0))
	s.ev(event.ConnectX, 7, int64(0), tupleV4("10.0.0.5", 40000, "93.184.216.34", 80), int64(3))
	return s
}

func tupleV4(sip string, sp uint16, dip string, dp uint16) []byte {
	a, b := netip.MustParseAddr(sip).As4(), netip.MustParseAddr(dip).As4()
	out := []byte{event.FamilyInet}
	out = append(out, a[:]...)
	out = binary.LittleEndian.AppendUint16(out, sp)
	out = append(out, b[:]...)
	return binary.LittleEndian.AppendUint16(out, dp)
}

func TestFDSocketFields(t *testing.T) {
	s := netSim(t)
	s.wantField("fd.num", "3")
	s.wantField("fd.type", "ipv4")
	s.wantField("fd.typechar", "4")
	s.wantField("fd.name", "10.0.0.5:40000->93.184.216.34:80")
	s.wantField("fd.cip", "10.0.0.5")
	s.wantField("fd.sip", "93.184.216.34")
	s.wantField("fd.cport", "40000")
	s.wantField("fd.sport", "80")
	s.wantField("fd.l4proto", "tcp")
	s.wantField("fd.sockfamily", "ip")
	s.wantField("fd.connected", "true")
	s.wantField("fd.uid", "73")
	s.wantField("fd.containername", ":10.0.0.5:40000->93.184.216.34:80")
	s.wantField("fd.directory", "<NA>")
	s.wantField("fd.filename", "<NA>")

	// Either end.
	s.wantCond("fd.net = 93.184.216.0/24", true)
	s.wantCond("fd.net = 10.0.0.0/8", true)
	s.wantCond("fd.net = 192.168.0.0/16", false)
	s.wantCond("fd.net in (192.168.0.0/16, 10.0.0.0/8)", true)
	s.wantCond("fd.net = 2001:db8::/32", false)
	s.wantCond("fd.ip = 10.0.0.5", true)
	s.wantCond("fd.ip = 93.184.216.34", true)
	s.wantCond("fd.ip = 1.2.3.4", false)
	s.wantCond("fd.port = 80", true)
	s.wantCond("fd.port = 40000", true)
	s.wantCond("fd.port > 50000", false)
	s.wantCond("fd.port < 100", true)
	s.wantCond("fd.ip exists", true)
	// One end only.
	s.wantCond("fd.cnet = 10.0.0.0/8", true)
	s.wantCond("fd.snet = 10.0.0.0/8", false)
	s.wantCond("fd.snet = 93.184.0.0/16", true)

	// Local and remote ends need the machine's addresses.
	localAddrOverride = func(_ *Inspector, a netip.Addr) bool { return a == netip.MustParseAddr("10.0.0.5") }
	defer func() { localAddrOverride = nil }()
	s.wantField("fd.lip", "10.0.0.5")
	s.wantField("fd.rip", "93.184.216.34")
	s.wantField("fd.lport", "40000")
	s.wantField("fd.rport", "80")
	s.wantField("fd.is_server", "false")
	s.wantCond("fd.lnet = 10.0.0.0/8", true)
	s.wantCond("fd.rnet = 10.0.0.0/8", false)
	localAddrOverride = func(_ *Inspector, a netip.Addr) bool { return a == netip.MustParseAddr("93.184.216.34") }
	s.wantField("fd.lip", "93.184.216.34")
	s.wantField("fd.rport", "40000")
	s.wantField("fd.is_server", "true")

	// Host names are never resolved.
	s.wantField("fd.sip.name", "<NA>")
	s.wantCond("fd.sip.name exists", false)

	// fd.* exist only on fd events.
	s.ev(event.BrkX1, 7, uint64(0))
	s.wantField("fd.num", "<NA>")
	s.wantCond("fd.ip exists", false)
	s.wantCond("fd.types exists", false)
}

// TestEitherSideEngine checks what needs the engine's help: libsinsp's
// fd.ip/fd.net/fd.port != holds when neither end matches (not when one
// end differs, as for ancestors), and proc.apid/proc.aenv without an
// index print the process's own value, which their bindings' Text gives.
func TestEitherSideEngine(t *testing.T) {
	s := netSim(t)
	var pending []string
	for cond, want := range map[string]bool{
		"fd.net != 10.0.0.0/8":     false,
		"fd.ip != 10.0.0.5":        false,
		"fd.port != 80":            false,
		"fd.net != 192.168.0.0/16": true,
	} {
		if got := s.cond(cond); got != want {
			pending = append(pending, cond)
		}
	}
	s.ev(event.BrkX1, 7, uint64(0))
	if got := s.get("proc.apid"); got != "7" {
		pending = append(pending, "proc.apid printed "+got)
	}
	if len(pending) > 0 {
		t.Errorf("either-side and any-of semantics: %v", pending)
	}
}

func TestFDProtoNames(t *testing.T) {
	s := netSim(t)
	s.wantField("fd.cproto", "40000")
	s.wantField("fd.sproto", "80")

	db := map[serviceKey]string{}
	parseServices(bufio.NewScanner(strings.NewReader(
		"# services\nhttp\t\t80/tcp\t\twww\t# WWW\nhttp 80/udp\nntp 123/udp\nfoo 40000/udp\n")), db)
	servicesOnce.Do(func() {})
	saved := servicesDB
	servicesDB = db
	ResolvePortNames = true
	defer func() { servicesDB, ResolvePortNames = saved, false }()
	s.wantField("fd.sproto", "http")
	s.wantField("fd.cproto", "40000") // 40000/udp does not name a TCP port
	localAddrOverride = func(_ *Inspector, a netip.Addr) bool { return a.Is4() && a.As4()[0] == 10 }
	defer func() { localAddrOverride = nil }()
	s.wantField("fd.rproto", "http")
	s.wantField("fd.lproto", "40000")
	if name, ok := serviceName(123, ""); !ok || name != "ntp" {
		t.Errorf("any-protocol lookup: %q %v", name, ok)
	}
}

func TestFDTypesAndFiles(t *testing.T) {
	s := netSim(t)
	s.ev(event.PipeX, 7, int64(0), int64(4), int64(5), uint64(99))
	s.ev(event.ReadX, 7, int64(0), []byte("x"), int64(0), uint32(1))
	s.wantField("fd.num", "0")
	s.wantField("fd.name", "/dev/null")
	s.wantField("fd.directory", "/dev")
	s.wantField("fd.filename", "null")
	s.wantField("fd.types", "(file,ipv4,pipe)")
	s.wantField("fd.types[3]", "(ipv4)")
	s.wantField("fd.types[9]", "<NA>")
	s.wantCond("fd.types intersects (pipe, memfd)", true)
	s.wantCond("fd.types in (file, ipv4)", false)
	s.wantField("proc.fdopencount", "4")
}

func TestFDNameFromFailedOpen(t *testing.T) {
	s := newFsim(t, []state.ThreadInfo{
		{Tid: 1, Pid: 1, Comm: "init", VTid: 1, VPid: 1},
		{Tid: 9, Pid: 9, PTid: 1, Comm: "cat", VTid: 9, VPid: 9, Cwd: "/etc/"},
	}, nil, nil)
	// openat(AT_FDCWD, "../x//y", ...) = -ENOENT
	s.ev(event.OpenatX2, 9, int64(-2), int64(-100), "../x//y", uint32(1), uint32(0), uint32(0), uint64(0))
	s.wantField("fd.num", "-1")
	s.wantField("fd.name", "/x/y")
	s.wantField("fd.nameraw", "../x/y")
	s.wantField("fd.typechar", "f")
	s.wantField("fd.type", "<NA>")
	s.wantField("fd.directory", "/x")
	s.wantField("fd.filename", "<NA>")
}

func TestCapsText(t *testing.T) {
	if got := capsText(0); got != "" {
		t.Errorf("no caps: %q", got)
	}
	if got := capsText(1<<1 | 1<<2); got != "CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH" {
		t.Errorf("caps: %q", got)
	}
}

func TestRemoveDuplicateSlashes(t *testing.T) {
	for in, want := range map[string]string{"": "", "/": "/", "//a///b/": "/a/b/", "a//b": "a/b", "ab": "ab"} {
		if got := removeDuplicateSlashes(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestFDConcatPaths(t *testing.T) {
	for _, c := range [][3]string{
		{"/etc/", "../x//y", "/x/y"},
		{"/a/b/", "./c/", "/a/b/c"},
		{".", "/abs/./p", "/abs/p"},
		{"<UNKNOWN>", "rel", "<UNKNOWN>rel"},
		{"/", "..", "/"},
	} {
		if got := fdConcatPaths(c[0], c[1]); got != c[2] {
			t.Errorf("%q + %q = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// TestExtractorsDoNotAllocate checks that the common fields extract
// without allocating once their caches are warm.
func TestExtractorsDoNotAllocate(t *testing.T) {
	s := newFsim(t, treeThreads(), []state.UserInfo{{UID: 1000, GID: 1000, Name: "u", HomeDir: "/home/u", Shell: "/bin/zsh"}},
		[]state.GroupInfo{{GID: 1000, Name: "users"}})
	s.ev(event.ReadX, 200, int64(1), []byte("x"), int64(4), uint32(1))
	src, _ := fields.NewDefault().Source(fields.SyscallSource)
	for _, name := range []string{
		"proc.name", "proc.exe", "proc.exepath", "proc.args", "proc.cmdline", "proc.exeline", "proc.pname",
		"proc.pcmdline", "proc.pid", "proc.ppid", "proc.cwd", "proc.aname[2]", "proc.aname", "proc.acmdline",
		"proc.apid", "proc.env", "proc.env[HOME]", "proc.sname", "proc.loginshellid", "proc.tty", "proc.vpid",
		"thread.tid", "thread.cgroups", "thread.cap_effective", "thread.exectime", "user.name", "user.uid",
		"user.loginname", "group.name", "container.id", "fd.num", "fd.name", "fd.type", "fd.typechar",
		"fd.directory", "fd.filename", "fd.l4proto", "fd.types", "fd.is_server", "proc.stdin.name",
	} {
		n, arg, hasArg := name, "", false
		if i := strings.IndexByte(name, '['); i >= 0 {
			n, arg, hasArg = name[:i], name[i+1:len(name)-1], true
		}
		ref, err := src.Resolve(n, arg, hasArg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Binder{}.Bind(ref)
		if err != nil {
			t.Fatal(err)
		}
		var v engine.Value
		b.Extract(s.e, &v)
		if a := testing.AllocsPerRun(100, func() { b.Extract(s.e, &v) }); a != 0 {
			t.Errorf("%s: %v allocations per extraction", name, a)
		}
	}
}
