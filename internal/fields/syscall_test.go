package fields

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

func syscallSource(t *testing.T) *Source {
	t.Helper()
	s, ok := NewDefault().Source(SyscallSource)
	if !ok {
		t.Fatal("NewDefault: no syscall source")
	}
	return s
}

func allFields(s *Source) []*Field {
	var out []*Field
	for _, c := range s.Classes() {
		for i := range c.Fields {
			out = append(out, &c.Fields[i])
		}
	}
	return out
}

func TestSyscallClassesInListingOrder(t *testing.T) {
	s := syscallSource(t)
	want := []struct {
		name    string
		generic bool
		count   int
	}{
		{"evt", true, 18},
		{"evt", false, 58},
		{"process", false, 90},
		{"user", false, 6},
		{"group", false, 2},
		{"fd", false, 46},
		{"fs.path", false, 6},
		{"fdlist", false, 6},
		{"container (plugin)", false, 61},
	}
	got := s.Classes()
	if len(got) != len(want) {
		t.Fatalf("got %d classes, want %d", len(got), len(want))
	}
	for i, w := range want {
		c := got[i]
		if c.Name != w.name || (c.Sources == nil) != w.generic || len(c.Fields) != w.count {
			t.Errorf("class %d: got %s (generic %v, %d fields), want %s (generic %v, %d fields)",
				i, c.Name, c.Sources == nil, len(c.Fields), w.name, w.generic, w.count)
		}
		if c.Desc == "" {
			t.Errorf("class %s has no description", c.Name)
		}
	}
	// Falco tells classes apart by name + short description.
	if got[0].ShortDesc == got[1].ShortDesc {
		t.Errorf("the two evt classes share the short description %q", got[0].ShortDesc)
	}
}

func TestSyscallTotals(t *testing.T) {
	s := syscallSource(t)
	var libs, libsTable, libsDeprecated, plugin, pluginTable int
	var deprecated []string
	prefix := map[string]int{}
	for _, c := range s.Classes() {
		isPlugin := strings.HasSuffix(c.Name, "(plugin)")
		for i := range c.Fields {
			f := &c.Fields[i]
			p := f.Name[:strings.IndexByte(f.Name, '.')]
			if strings.HasPrefix(f.Name, "proc.is_container_") {
				p = "proc.is_container_"
			}
			prefix[p]++
			if isPlugin {
				plugin++
				if f.Flags&TableOnly != 0 {
					pluginTable++
				}
				continue
			}
			libs++
			if f.Flags&TableOnly != 0 {
				libsTable++
			}
			if f.Flags&Deprecated != 0 {
				libsDeprecated++
				deprecated = append(deprecated, f.Name)
			}
		}
	}
	if libs != 232 || libsTable != 18 || libs-libsTable != 214 {
		t.Errorf("libsinsp: %d fields, %d table-only, %d listed; want 232, 18, 214", libs, libsTable, libs-libsTable)
	}
	if plugin != 61 || pluginTable != 0 {
		t.Errorf("container plugin: %d fields (%d table-only), want 61 (0)", plugin, pluginTable)
	}
	if n := len(allFields(s)); n != 293 {
		t.Errorf("syscall source: %d fields, want 293", n)
	}
	sort.Strings(deprecated)
	wantDeprecated := []string{"evt.dir", "evt.latency", "evt.latency.human", "evt.latency.ns",
		"evt.latency.quantized", "evt.latency.s", "evt.wait_latency"}
	if strings.Join(deprecated, " ") != strings.Join(wantDeprecated, " ") {
		t.Errorf("deprecated built-ins %v, want %v", deprecated, wantDeprecated)
	}
	wantPrefix := map[string]int{
		"evt": 18 + 57, "syscall": 1, "proc": 70, "thread": 20, "user": 6, "group": 2,
		"fd": 46, "fs": 6, "fdlist": 6, "container": 29, "k8s": 29, "proc.is_container_": 3,
	}
	for p, n := range wantPrefix {
		if prefix[p] != n {
			t.Errorf("prefix %s: %d fields, want %d", p, prefix[p], n)
		}
	}
	if len(prefix) != len(wantPrefix) {
		t.Errorf("prefixes %v, want %v", prefix, wantPrefix)
	}
}

func TestFieldsWellFormed(t *testing.T) {
	s := syscallSource(t)
	seen := map[string]bool{}
	for _, f := range allFields(s) {
		if seen[f.Name] {
			t.Errorf("duplicate field %s", f.Name)
		}
		seen[f.Name] = true
		if f.Type == TypeNone || f.Type >= typeCount {
			t.Errorf("%s: bad type %v", f.Name, f.Type)
		}
		if f.Display == "" || f.Desc == "" {
			t.Errorf("%s: missing display or description", f.Name)
		}
		if f.Class() == nil {
			t.Errorf("%s: no class", f.Name)
		}
		if got, ok := s.Lookup(f.Name); !ok || got != f {
			t.Errorf("Lookup(%s) does not return the declaration", f.Name)
		}
		fl := f.Flags
		if fl&(ArgIndex|ArgKey|ArgDotted) != 0 && !fl.TakesArg() {
			t.Errorf("%s: argument kind set on a field that takes no argument", f.Name)
		}
		if fl.TakesArg() && fl&(ArgIndex|ArgKey) == 0 {
			t.Errorf("%s: takes an argument of no declared kind", f.Name)
		}
		if fl.Has(ArgRequired | ArgAllowed) {
			t.Errorf("%s: both ArgRequired and ArgAllowed", f.Name)
		}
		if fl.Has(FilterOnly | PrintOnly) {
			t.Errorf("%s: both FilterOnly and PrintOnly", f.Name)
		}
		// A bare name must resolve to its own declaration, never to a
		// dotted prefix of it.
		if fl&ArgRequired == 0 {
			ref, err := s.Resolve(f.Name, "", false)
			if err != nil || ref.Field != f || ref.HasArg {
				t.Errorf("Resolve(%s) = %v, %v", f.Name, ref, err)
			}
		}
	}
}

func TestArgDottedFields(t *testing.T) {
	s := syscallSource(t)
	var got []string
	for _, f := range allFields(s) {
		if f.Flags&ArgDotted != 0 {
			got = append(got, f.Name)
		}
	}
	sort.Strings(got)
	want := "evt.abspath evt.arg evt.rawarg evt.type.is thread.cgroup"
	if strings.Join(got, " ") != want {
		t.Errorf("dotted fields %v, want %s", got, want)
	}
}

func TestFlagSpotChecks(t *testing.T) {
	s := syscallSource(t)
	const ancestor = ArgAllowed | ArgIndex | NoRHS | NoTransformer
	tests := []struct {
		name  string
		typ   Type
		flags Flags
	}{
		{"evt.num", TypeUint64, 0},
		{"evt.rawtime", TypeAbsTime, 0},
		{"evt.type", TypeCharBuf, 0},
		{"evt.cpu", TypeInt16, 0},
		{"evt.rawres", TypeInt64, 0},
		{"evt.buffer", TypeByteBuf, 0},
		{"evt.outputtime", TypeCharBuf, PrintOnly},
		{"evt.arg", TypeCharBuf, ArgRequired | ArgIndex | ArgKey | ArgDotted},
		{"evt.rawarg", TypeDyn, ArgRequired | ArgKey | ArgDotted | NoRHS | NoTransformer},
		{"evt.type.is", TypeUint32, ArgRequired | ArgKey | ArgDotted},
		{"evt.abspath", TypeCharBuf, ArgAllowed | ArgKey | ArgDotted},
		{"evt.around", TypeUint64, FilterOnly | ArgRequired | ArgIndex | NoRHS | NoTransformer},
		{"evt.latency.quantized", TypeUint64, TableOnly | Deprecated},
		{"evt.dir", TypeCharBuf, Deprecated},
		{"syscall.type", TypeCharBuf, 0},
		{"proc.aname", TypeCharBuf, ancestor},
		{"proc.aexe", TypeCharBuf, ancestor},
		{"proc.aexepath", TypeCharBuf, ancestor},
		{"proc.acmdline", TypeCharBuf, ancestor},
		{"proc.apid", TypeInt64, ancestor},
		{"proc.aargs", TypeCharBuf, ArgAllowed | ArgIndex},
		{"proc.args", TypeCharBuf, ArgAllowed | ArgIndex},
		{"proc.env", TypeCharBuf, ArgAllowed | ArgKey},
		{"proc.aenv", TypeCharBuf, ancestor | ArgKey},
		{"proc.pid", TypeInt64, 0},
		{"proc.tty", TypeUint32, 0},
		{"proc.fdusage", TypeDouble, 0},
		{"proc.pid.ts", TypeRelTime, 0},
		{"proc.exe_ino.ctime", TypeAbsTime, 0},
		{"thread.cgroup", TypeCharBuf, ArgRequired | ArgKey | ArgDotted},
		{"thread.nametid", TypeCharBuf, TableOnly},
		{"user.uid", TypeUint32, 0},
		{"user.loginuid", TypeInt64, 0},
		{"group.gid", TypeUint32, 0},
		{"fd.num", TypeInt64, 0},
		{"fd.ip", TypeIPAddr, FilterOnly | NoRHS | NoTransformer},
		{"fd.port", TypePort, FilterOnly | NoRHS | NoTransformer},
		{"fd.proto", TypePort, FilterOnly | NoRHS | NoTransformer},
		{"fd.net", TypeIPNet, FilterOnly | NoRHS | NoTransformer},
		{"fd.snet", TypeIPNet, FilterOnly | NoRHS | NoTransformer},
		{"fd.cip", TypeIPAddr, 0},
		{"fd.sport", TypePort, 0},
		{"fd.sip.name", TypeCharBuf, NoRHS | NoTransformer},
		{"fd.dev", TypeInt32, 0},
		{"fd.types", TypeCharBuf, IsList | ArgAllowed | ArgIndex | NoRHS},
		{"fs.path.name", TypeCharBuf, 0},
		{"fdlist.sports", TypeCharBuf, 0},
		{"container.id", TypeCharBuf, FormatSuggested},
		{"container.name", TypeCharBuf, FormatSuggested},
		{"container.privileged", TypeBool, 0},
		{"container.start_ts", TypeAbsTime, 0},
		{"container.duration", TypeRelTime, 0},
		{"container.mount.dest", TypeCharBuf, ArgRequired | ArgIndex | ArgKey},
		{"container.label", TypeCharBuf, ArgRequired | ArgKey},
		{"k8s.pod.label", TypeCharBuf, ArgRequired | ArgKey},
		{"k8s.ns.name", TypeCharBuf, FormatSuggested},
		{"k8s.deployment.label", TypeCharBuf, ArgRequired | ArgKey},
		{"proc.is_container_healthcheck", TypeBool, 0},
	}
	for _, tt := range tests {
		f, ok := s.Lookup(tt.name)
		if !ok {
			t.Errorf("%s: not declared", tt.name)
			continue
		}
		if f.Type != tt.typ || f.Flags != tt.flags {
			t.Errorf("%s: type %v flags %#x, want type %v flags %#x", tt.name, f.Type, f.Flags, tt.typ, tt.flags)
		}
	}
}

func TestFormatSuggestedAndStubs(t *testing.T) {
	s := syscallSource(t)
	var suggested []string
	stubs := 0
	for _, f := range allFields(s) {
		if f.Flags&FormatSuggested != 0 {
			suggested = append(suggested, f.Name)
		}
		if strings.HasSuffix(f.Display, "(deprecated)") {
			stubs++
			if f.Class().Name != "container (plugin)" || f.Flags&Deprecated != 0 {
				t.Errorf("%s: unexpected deprecated stub", f.Name)
			}
		}
	}
	want := "container.id container.name container.image.repository container.image.tag k8s.pod.name k8s.ns.name"
	if strings.Join(suggested, " ") != want {
		t.Errorf("suggested output fields %v, want %s", suggested, want)
	}
	if stubs != 25 {
		t.Errorf("%d deprecated container plugin stubs, want 25", stubs)
	}
}

func TestResolve(t *testing.T) {
	s := syscallSource(t)
	ok := []struct {
		name, arg string
		hasArg    bool
		field     string
		wantArg   string
	}{
		{"evt.arg.flags", "", false, "evt.arg", "flags"},
		{"evt.arg", "0", true, "evt.arg", "0"},
		{"evt.rawarg.res", "", false, "evt.rawarg", "res"},
		{"evt.type.is.open", "", false, "evt.type.is", "open"},
		{"evt.abspath", "", false, "evt.abspath", ""},
		{"evt.abspath.dst", "", false, "evt.abspath", "dst"},
		{"evt.around", "1404996934793590564", true, "evt.around", "1404996934793590564"},
		{"thread.cgroup.cpuacct", "", false, "thread.cgroup", "cpuacct"},
		{"proc.aname", "2", true, "proc.aname", "2"},
		{"proc.aname", "", false, "proc.aname", ""},
		{"proc.args", "0", true, "proc.args", "0"},
		{"proc.env", "HOME", true, "proc.env", "HOME"},
		{"proc.aenv", "PATH", true, "proc.aenv", "PATH"},
		{"proc.aenv", "3", true, "proc.aenv", "3"},
		{"fd.types", "1", true, "fd.types", "1"},
		{"evt.args", "", false, "evt.args", ""},
		{"thread.cgroups", "", false, "thread.cgroups", ""},
		{"container.mount", "0", true, "container.mount", "0"},
		{"container.mount.dest", "/lib/modules", true, "container.mount.dest", "/lib/modules"},
		{"container.label", "app", true, "container.label", "app"},
		{"k8s.pod.label", "app.kubernetes.io/name", true, "k8s.pod.label", "app.kubernetes.io/name"},
		{"evt.num", "", false, "evt.num", ""},
	}
	for _, tt := range ok {
		ref, err := s.Resolve(tt.name, tt.arg, tt.hasArg)
		if err != nil {
			t.Errorf("Resolve(%s, %q, %v): %v", tt.name, tt.arg, tt.hasArg, err)
			continue
		}
		if ref.Field.Name != tt.field || ref.Arg != tt.wantArg || ref.HasArg != (tt.wantArg != "") {
			t.Errorf("Resolve(%s, %q, %v) = %s arg %q (has %v), want %s arg %q",
				tt.name, tt.arg, tt.hasArg, ref.Field.Name, ref.Arg, ref.HasArg, tt.field, tt.wantArg)
		}
	}

	bad := []struct {
		name, arg string
		hasArg    bool
		unknown   bool
	}{
		{"proc.aname", "x", true, false},    // ancestor level must be a number
		{"proc.args", "first", true, false}, // argument position must be a number
		{"fd.types", "stdout", true, false}, // descriptor number expected
		{"evt.around", "soon", true, false}, // timestamp expected
		{"proc.name", "1", true, false},     // takes no argument
		{"evt.arg", "", false, false},       // argument required
		{"evt.rawarg", "", false, false},    // argument required
		{"evt.type.is", "", false, false},   // argument required
		{"thread.cgroup", "", false, false}, // argument required
		{"container.label", "", false, false},
		{"k8s.pod.label", "", false, false},
		{"container.mount", "", false, false},
		{"evt.arg.fd", "0", true, false}, // dotted and bracket together
		{"proc.env", "", true, false},    // empty argument
		{"proc.nosuch", "", false, true},
		{"evt.foo", "", false, true},
		{"proc.name.x", "", false, true},       // proc.name takes no dotted suffix
		{"k8s.pod.label.app", "", false, true}, // plugin fields take brackets only
		{"container.label.app", "", false, true},
	}
	for _, tt := range bad {
		ref, err := s.Resolve(tt.name, tt.arg, tt.hasArg)
		if err == nil {
			t.Errorf("Resolve(%s, %q, %v) = %v, want an error", tt.name, tt.arg, tt.hasArg, ref)
			continue
		}
		if errors.Is(err, ErrUnknownField) != tt.unknown {
			t.Errorf("Resolve(%s, %q, %v): error %v, unknown-field %v wanted", tt.name, tt.arg, tt.hasArg, err, tt.unknown)
		}
	}
}

func TestGenericClassAppliesToEverySource(t *testing.T) {
	r := NewDefault()
	// A source declared after the syscall registration still gets evt.*.
	other := r.AddSource("k8s_audit")
	if _, ok := other.Lookup("evt.time"); !ok {
		t.Error("generic evt.time missing from a later source")
	}
	for _, name := range []string{"proc.name", "evt.type", "container.id"} {
		if _, ok := other.Lookup(name); ok {
			t.Errorf("syscall field %s leaked into another source", name)
		}
	}
	if n := len(other.Classes()); n != 1 {
		t.Errorf("later source has %d classes, want 1 (generic)", n)
	}
	// RegisterGeneric is idempotent; RegisterSyscall is not.
	if err := RegisterGeneric(r); err != nil {
		t.Errorf("RegisterGeneric on a registry that has it: %v", err)
	}
	if err := RegisterSyscall(r); err == nil {
		t.Error("RegisterSyscall twice: want an error")
	}
	// Generic class registered before any source, syscall afterwards.
	r2 := NewRegistry()
	if err := RegisterGeneric(r2); err != nil {
		t.Fatal(err)
	}
	if err := RegisterSyscall(r2); err != nil {
		t.Fatalf("RegisterSyscall after RegisterGeneric: %v", err)
	}
	s2, _ := r2.Source(SyscallSource)
	if n := len(s2.Classes()); n != 9 {
		t.Errorf("syscall source has %d classes, want 9", n)
	}
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := syscallSource(t), syscallSource(t)
	fa, _ := a.Lookup("proc.name")
	fb, _ := b.Lookup("proc.name")
	if fa == fb || fa.Class() == fb.Class() {
		t.Error("two registries share declarations")
	}
}
