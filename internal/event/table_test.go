package event

import (
	"encoding/binary"
	"strings"
	"testing"
)

func TestTableShape(t *testing.T) {
	if MaxCode != 454 || len(Infos()) != MaxCode {
		t.Fatalf("MaxCode = %d, table has %d entries; want 454", MaxCode, len(Infos()))
	}
	if NumParamTypes != 49 {
		t.Fatalf("NumParamTypes = %d, want 49", NumParamTypes)
	}
	symbols := map[string]bool{}
	unused := 0
	for i := range Infos() {
		info := Lookup(uint16(i))
		if info == nil || int(info.Code) != i {
			t.Fatalf("entry %d has code %v", i, info)
		}
		if info.Symbol == "" || symbols[info.Symbol] {
			t.Errorf("code %d: missing or duplicate symbol %q", i, info.Symbol)
		}
		symbols[info.Symbol] = true
		wantSuffix := "_E"
		if i%2 == 1 {
			wantSuffix = "_X"
		}
		if !strings.HasSuffix(info.Symbol, wantSuffix) {
			t.Errorf("code %d (%s): parity does not match the symbol", i, info.Symbol)
		}
		if info.Dir() != Direction(i&1) || IsEnter(uint16(i)) != (i%2 == 0) || IsExit(uint16(i)) == IsEnter(uint16(i)) {
			t.Errorf("code %d: wrong direction", i)
		}
		if Counterpart(Counterpart(uint16(i))) != uint16(i) || Counterpart(uint16(i))^uint16(i) != 1 {
			t.Errorf("code %d: bad counterpart", i)
		}
		// Upstream rule: placeholders are named "NA", are flagged unused
		// and carry the unknown category alone.
		isNA := info.Name == "NA"
		if isNA != info.IsUnused() || isNA != (info.Category == CategoryUnknown) {
			t.Errorf("code %d (%s): inconsistent placeholder: name %q flags %v category %v",
				i, info.Symbol, info.Name, info.Flags, info.Category)
		}
		if isNA {
			unused++
			// Upstream quirk: the tracer exit placeholder keeps a
			// parameter list.
			if len(info.Params) != 0 && info.Code != TracerX {
				t.Errorf("code %d: placeholder with params", i)
			}
		} else if info.Category.Base() != CategoryUnknown && info.Category.Origin() == 0 {
			t.Errorf("code %d: no origin bits in %v", i, info.Category)
		}
		if len(info.Params) > 32 {
			t.Errorf("code %d: %d params", i, len(info.Params))
		}
		for k, p := range info.Params {
			if p.Type >= NumParamTypes || p.Type == PTNone {
				t.Errorf("%s param %d: bad type %d", info.Symbol, k, p.Type)
			}
			if p.Type.IsFlags() != (p.Flags != nil) {
				t.Errorf("%s param %s: type %v with flag table %v", info.Symbol, p.Name, p.Type, p.Flags)
			}
			if (p.Type == PTDyn) != (p.Dyn != nil) {
				t.Errorf("%s param %s: type %v with dyn table %v", info.Symbol, p.Name, p.Type, p.Dyn)
			}
			if p.Type == PTFSRelPath {
				d := int(p.DirFD)
				if d >= len(info.Params) || (info.Params[d].Type != PTFD && info.Params[d].Type != PTInt64) {
					t.Errorf("%s param %s: dirfd index %d", info.Symbol, p.Name, d)
				}
			}
		}
	}
	if unused != 35 {
		t.Errorf("%d placeholder codes, want 35", unused)
	}
	if Lookup(MaxCode) != nil || Name(MaxCode) != "" || Lookup(0xffff) != nil {
		t.Error("out-of-range codes must yield nil and \"\"")
	}
	if n := len(FlagTables()); n != 55 {
		t.Errorf("%d flag tables, want 55", n)
	}
	if n := len(DynTables()); n != 4 {
		t.Errorf("%d dyn tables, want 4", n)
	}
}

func TestSpecialCodes(t *testing.T) {
	for _, c := range []struct {
		code uint16
		want uint16
		name string
		sym  string
	}{
		{GenericE, 0, "syscall", "PPME_GENERIC_E"},
		{GenericX, 1, "syscall", "PPME_GENERIC_X"},
		{OpenE, 2, "open", "PPME_SYSCALL_OPEN_E"},
		{PluginEventCode, 322, "pluginevent", "PPME_PLUGINEVENT_E"},
		{AsyncEventCode, 402, "asyncevent", "PPME_ASYNCEVENT_E"},
		{OpenatX2, 307, "openat", "PPME_SYSCALL_OPENAT_2_X"},
		{ExecveX19, 293, "execve", "PPME_SYSCALL_EXECVE_19_X"},
		{KeyctlX, 453, "keyctl", "PPME_SYSCALL_KEYCTL_X"},
	} {
		if c.code != c.want || Name(c.code) != c.name || Lookup(c.code).Symbol != c.sym {
			t.Errorf("code %d: got %d %q %q, want %d %q %q",
				c.code, c.code, Name(c.code), Lookup(c.code).Symbol, c.want, c.name, c.sym)
		}
	}
	g := Lookup(GenericX)
	if g.Category != CategoryOther|CategorySyscall || len(g.Params) != 2 ||
		g.Params[0] != (Param{Name: "ID", Type: PTSyscallID, Format: PFDec}) ||
		g.Params[1] != (Param{Name: "nativeID", Type: PTUint16, Format: PFDec}) {
		t.Errorf("generic exit: %+v", g)
	}
	a := Lookup(AsyncEventCode)
	if a.Category != CategoryOther|CategoryMetaEvent || a.Dir() != Enter || a.Flags != FlagLargePayload ||
		len(a.Params) != 3 || a.Params[1].Name != "name" || a.Params[1].Type != PTCharBuf {
		t.Errorf("asyncevent: %+v", a)
	}
	p := Lookup(PluginEventCode)
	if p.Category != CategoryOther|CategoryPlugin || p.Category.String() != "other|plugin" || len(p.Params) != 2 ||
		p.Params[0].Type != PTUint32 || p.Params[1].Type != PTByteBuf {
		t.Errorf("pluginevent: %+v", p)
	}
	if Lookup(AsyncEventCode+1).Name != "NA" || Lookup(KeyctlE).Name != "NA" {
		t.Error("asyncevent exit and keyctl enter are placeholders")
	}
}

func TestOpenatExit(t *testing.T) {
	info := Lookup(OpenatX2)
	if info.Category != CategoryFile|CategorySyscall || info.Category.Name() != "file" ||
		info.Flags != FlagCreatesFD|FlagModifiesState|FlagConverterManaged {
		t.Errorf("openat exit header: %v %v", info.Category, info.Flags)
	}
	want := []Param{
		{Name: "fd", Type: PTFD, Format: PFDec},
		{Name: "dirfd", Type: PTFD, Format: PFDec},
		{Name: "name", Type: PTFSRelPath, Format: PFNA, DirFD: 1},
		{Name: "flags", Type: PTFlags32, Format: PFHex, Flags: FileFlags},
		{Name: "mode", Type: PTUint32, Format: PFOct},
		{Name: "dev", Type: PTUint32, Format: PFHex},
		{Name: "ino", Type: PTUint64, Format: PFDec},
	}
	if len(info.Params) != len(want) {
		t.Fatalf("openat exit has %d params, want %d", len(info.Params), len(want))
	}
	for i := range want {
		if info.Params[i] != want[i] {
			t.Errorf("param %d: got %+v, want %+v", i, info.Params[i], want[i])
		}
	}
	if info.ParamIndex("dev") != 5 || info.ParamIndex("nope") != -1 {
		t.Error("ParamIndex")
	}
	// The first openat version is an old, one-parameter pair.
	if old := Lookup(OpenatX); !old.IsOldVersion() || len(old.Params) != 1 || old.Name != "openat" {
		t.Errorf("old openat exit: %+v", old)
	}
}

func TestExecveNewest(t *testing.T) {
	var current []uint16
	for _, c := range CodesForName("execve").Slice() {
		if !Lookup(c).IsOldVersion() && IsExit(c) {
			current = append(current, c)
		}
	}
	if len(current) != 1 || current[0] != ExecveX19 {
		t.Fatalf("current execve exit events: %v", current)
	}
	info := Lookup(ExecveX19)
	if len(info.Params) != 31 {
		t.Fatalf("execve exit has %d params, want 31", len(info.Params))
	}
	checks := []struct {
		idx  int
		name string
		typ  ParamType
		fmt  PrintFormat
	}{
		{0, "res", PTErrno, PFDec},
		{1, "exe", PTCharBuf, PFNA},
		{2, "args", PTByteBuf, PFNA},
		{13, "comm", PTCharBuf, PFNA},
		{18, "loginuid", PTUID, PFDec},
		{19, "flags", PTFlags32, PFHex},
		{24, "exe_ino_ctime", PTAbsTime, PFDec},
		{27, "trusted_exepath", PTFSPath, PFNA},
		{29, "gid", PTGID, PFDec},
		{30, "filename", PTFSPath, PFNA},
	}
	for _, c := range checks {
		p := info.Params[c.idx]
		if p.Name != c.name || p.Type != c.typ || p.Format != c.fmt {
			t.Errorf("param %d: got %s %v %v, want %s %v %v", c.idx, p.Name, p.Type, p.Format, c.name, c.typ, c.fmt)
		}
	}
	if info.Params[19].Flags != ExecveFlags {
		t.Error("execve flags table")
	}
	if e := Lookup(ExecveE19); !e.IsOldVersion() || len(e.Params) != 1 || e.Params[0].Name != "filename" {
		t.Errorf("execve enter: %+v", e)
	}
}

func TestDynamicParams(t *testing.T) {
	info := Lookup(SetsockoptX)
	val := info.Params[info.ParamIndex("val")]
	if val.Type != PTDyn || val.Dyn != SockoptDynamicParam || len(val.Dyn.Variants) != 5 ||
		val.Dyn.Variants[4] != (DynVariant{PTRelTime, PFDec}) || val.Dyn.Variants[0] != (DynVariant{PTByteBuf, PFHex}) {
		t.Errorf("setsockopt val: %+v", val)
	}
	pt := Lookup(PtraceX)
	if pt.Params[1].Dyn != PtraceDynamicParam || pt.Params[2].Dyn != PtraceDynamicParam ||
		pt.Params[3].Flags != PtraceRequests || pt.Params[3].Type != PTEnumFlags16 {
		t.Errorf("ptrace exit: %+v", pt.Params)
	}
}

func TestFlagTables(t *testing.T) {
	for _, c := range []struct {
		table *FlagTable
		name  string
		value uint32
	}{
		{FileFlags, "O_RDONLY", 1},
		{FileFlags, "O_WRONLY", 2},
		{FileFlags, "O_RDWR", 3},
		{FileFlags, "O_CREAT", 4},
		{FileFlags, "O_TMPFILE", 1 << 13},
		{FileFlags, "FD_LOWER_LAYER", 1 << 16},
		{CloneFlags, "CLONE_NEWPID", 1 << 6},
		{CloneFlags, "CLONE_NEWUSER", 1 << 20},
		{SocketFamilies, "AF_INET6", 10},
		{SocketFamilies, "AF_LOCAL", 1},
		{SocketFamilies, "AF_ROUTE", 16},
		{PtraceRequests, "PTRACE_ATTACH", 11},
		{FcntlCommands, "F_DUPFD_CLOEXEC", 26},
		{FcntlCommands, "F_GETLK64", 17},
		{MountFlags, "NOUSER", 1 << 31}, // upstream names mount flags without MS_
		{PrctlOptions, "PR_CAP_AMBIENT", 47},
		{PrctlOptions, "PR_SET_NAME", 15},
		{ShutdownHow, "SHUT_RDWR", 2},
	} {
		v, ok := c.table.Value(c.name)
		if !ok || v != c.value {
			t.Errorf("%s %s = %d (%v), want %d", c.table.Name, c.name, v, ok, c.value)
		}
	}
	if n, ok := SocketFamilies.NameOf(1); !ok || n != "AF_LOCAL" {
		t.Errorf("first name of family 1: %q", n)
	}
	if FlagTableByName("poll_flags") == nil || FlagTableByName("file_flags") != FileFlags || FlagTableByName("x") != nil {
		t.Error("FlagTableByName")
	}
	if len(FileFlags.Values) != 19 || FileFlags.Values[0].Name != "O_LARGEFILE" {
		t.Errorf("file_flags order: %v", FileFlags.Values[:1])
	}
}

func TestStringers(t *testing.T) {
	if PTDyn.String() != "DYNAMIC" || PTFSRelPath.String() != "FSRELPATH" || PTPID32.String() != "PID32" ||
		ParamType(200).String() != "<NA>" {
		t.Error("ParamType.String")
	}
	if PF10PaddedDec.String() != "10_PADDED_DEC" || PFOct.String() != "OCT" {
		t.Error("PrintFormat.String")
	}
	if (FlagUsesFD|FlagOldVersion).String() != "EF_USES_FD|EF_OLD_VERSION" || FlagNone.String() != "EF_NONE" {
		t.Error("Flags.String")
	}
	if (CategoryIPC|CategorySyscall).String() != "IPC|syscall" || Lookup(ReadX).Category.Name() != "io_read" ||
		Lookup(SchedswitchE6).Category.String() != "scheduler|tracepoint" {
		t.Error("Category names")
	}
	if Enter.String() != ">" || Exit.String() != "<" {
		t.Error("Direction.String")
	}
}

// TestRecordLengthWrap: a large-payload record whose parameter length is
// near 2^32 must be refused, not wrap around the offset arithmetic.
func TestRecordLengthWrap(t *testing.T) {
	var b Builder
	typ := uint16(0)
	for c := uint16(0); c < MaxCode; c++ {
		if Lookup(c).Flags&FlagLargePayload != 0 && len(Lookup(c).Params) >= 2 {
			typ = c
			break
		}
	}
	if typ == 0 {
		t.Skip("no large-payload event with two parameters")
	}
	raw := append([]byte(nil), b.Build(1, 1, typ, []byte{1, 2, 3, 4}, []byte{5})...)
	// Lengths are u32 for large-payload events: make the first one huge
	// enough that a 32-bit sum would wrap to a small offset.
	binary.LittleEndian.PutUint32(raw[HeaderSize:], 0xFFFFFFFF)
	var r Record
	if err := r.Parse(raw); err == nil {
		t.Fatal("a record with a wrapping parameter length was accepted")
	}
}
