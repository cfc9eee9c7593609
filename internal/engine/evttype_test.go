package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// The expectations below are those of libsinsp's
// test/filter_ppm_codes.ut.cpp (ppm_event_codes), over the event table of
// internal/event.

var resolver = event.NewResolver()

func codesOf(t *testing.T, cond string) []uint16 {
	t.Helper()
	e, err := lang.Parse(cond)
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	s, err := EventCodes(e, resolver)
	if err != nil {
		t.Fatalf("%s: %v", cond, err)
	}
	return s.Codes()
}

func namesCodes(names ...string) []uint16 { return resolver.CodesForNames(names...).Slice() }

func allCodeList() []uint16 {
	out := make([]uint16, resolver.Max())
	for i := range out {
		out[i] = uint16(i)
	}
	return out
}

func complement(codes []uint16) []uint16 {
	var out []uint16
	for _, c := range allCodeList() {
		if !slices.Contains(codes, c) {
			out = append(out, c)
		}
	}
	return out
}

func assertCodes(t *testing.T, cond string, want []uint16) {
	t.Helper()
	got := codesOf(t, cond)
	if !slices.Equal(got, want) {
		t.Errorf("%s: %d codes %v, want %d codes %v", cond, len(got), short(got), len(want), short(want))
	}
}

func assertSameCodes(t *testing.T, a, b string) {
	t.Helper()
	ca, cb := codesOf(t, a), codesOf(t, b)
	if !slices.Equal(ca, cb) {
		t.Errorf("%q (%d codes) and %q (%d codes) differ", a, len(ca), b, len(cb))
	}
}

func short(c []uint16) []uint16 {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func TestEventCodesOpenat(t *testing.T) {
	openat := namesCodes("openat")
	if len(openat) != 4 {
		t.Fatalf("openat resolves to %v, want its 4 event codes", openat)
	}
	notOpenat := complement(openat)
	for _, c := range []string{
		"evt.type=openat",
		"evt.type = openat",
		"evt.type == openat",
		"not evt.type != openat",
		"not not evt.type = openat",
		"not not not not evt.type = openat",
		"evt.type in (openat)",
		"not (not evt.type=openat)",
		"evt.type=openat and proc.name=nginx",
		"evt.type=openat and not proc.name=nginx",
		"evt.type=openat and (proc.name=nginx)",
		"evt.type=openat and not (evt.type=close and proc.name=nginx)",
		"syscall.type = openat",
	} {
		assertCodes(t, c, openat)
	}
	for _, c := range []string{
		"evt.type!=openat",
		"not not not evt.type = openat",
		"not evt.type=openat",
		"evt.type=close or evt.type!=openat",
		"not evt.type in (openat)",
	} {
		assertCodes(t, c, notOpenat)
	}
}

func TestEventCodesOpenatOrClose(t *testing.T) {
	both := namesCodes("openat", "close")
	for _, c := range []string{
		"evt.type in (openat, close)",
		"evt.type=openat or evt.type=close",
		"evt.type=openat or (evt.type=close and proc.name=nginx)",
		"evt.type=close or (evt.type=openat and proc.name=nginx)",
	} {
		assertCodes(t, c, both)
	}
	for _, c := range []string{
		"not evt.type in (openat, close)",
		"not not not evt.type in (openat, close)",
		"evt.type!=openat and evt.type!=close",
	} {
		assertCodes(t, c, complement(both))
	}
}

func TestEventCodesAllAndNone(t *testing.T) {
	for _, c := range []string{
		"evt.type!=openat or evt.type!=close",
		"proc.name=nginx",
		"not proc.name=nginx",
		"evt.type=openat or proc.name=nginx",
		"evt.type=openat or (proc.name=nginx)",
		"(evt.type=openat) or proc.name=nginx",
		"evt.type=close or not (evt.type=openat and proc.name=nginx)",
		"evt.type=openat or not (evt.type=close and proc.name=nginx)",
		"evt.type exists",
		"syscall.type exists",
		"evt.type contains open", // not an evt.type operator: neutral
		"not evt.type contains open",
		"evt.type[0] = open", // with an argument: neutral (not a valid field anyway)
		"some_macro",
		"not some_macro",
		"proc.name exists",
		"not proc.name exists",
	} {
		assertCodes(t, c, allCodeList())
	}
	for _, c := range []string{
		"evt.type=close and evt.type=openat",
		"evt.type=openat and (evt.type=close and proc.name=nginx)",
		"evt.type=openat and (evt.type=close)",
		"(evt.type=mmap and not evt.type=mmap)",
		"evt.type in ()",
		"not evt.type exists",
		"not syscall.type exists",
		"evt.type = nosuchevent",
	} {
		assertCodes(t, c, nil)
	}
}

func TestEventCodesProperties(t *testing.T) {
	assertSameCodes(t, "evt.type in (connect, execve, accept, mmap, container) and not (proc.name=cat and evt.type=mmap)",
		"evt.type in (accept, connect, container, execve, mmap)")
	zero, one := "(evt.type in ())", "(evt.type exists)"
	n1, n2 := "(proc.name=cat)", "(not proc.name=cat)"
	pairs := [][2]string{
		{one, n1}, {one, n2},
		{"not " + one, zero}, {"not " + zero, one},
		{"evt.type=mmap", "not (not evt.type=mmap)"},
		{"evt.type=mmap or not evt.type=mmap", one},
		{"evt.type=mmap or not evt.type=mmap", n1},
		{"evt.type=mmap or not evt.type=mmap", n2},
		{zero + " and " + one, zero}, {zero + " and " + n1, zero}, {zero + " and " + n2, zero},
		{zero + " or " + one, one}, {zero + " or " + n1, one}, {zero + " or " + n2, one},
		{"evt.type=mmap and " + zero, zero},
		{"evt.type=mmap and " + one, "evt.type=mmap"},
		{"evt.type=mmap and " + n1, "evt.type=mmap"},
		{"evt.type=mmap and " + n2, "evt.type=mmap"},
		{"evt.type=mmap or " + zero, "evt.type=mmap"},
		{"evt.type=mmap or " + one, one}, {"evt.type=mmap or " + n1, one}, {"evt.type=mmap or " + n2, one},
		{"evt.type=mmap or evt.type=mmap", "evt.type=mmap"},
		{"evt.type=mmap and evt.type=mmap", "evt.type=mmap"},
		// De Morgan
		{"not (proc.name=cat or evt.type=mmap)", "not proc.name=cat and not evt.type=mmap"},
		{"not (proc.name=cat or fd.type=file)", "not proc.name=cat and not fd.type=file"},
		{"not (evt.type=execve or evt.type=mmap)", "not evt.type=execve and not evt.type=mmap"},
		{"not (evt.type=mmap or evt.type=mmap)", "not evt.type=mmap and not evt.type=mmap"},
		{"not (proc.name=cat and evt.type=mmap)", "not proc.name=cat or not evt.type=mmap"},
		{"not (proc.name=cat and fd.type=file)", "not proc.name=cat or not fd.type=file"},
		{"not (evt.type=execve and evt.type=mmap)", "not evt.type=execve or not evt.type=mmap"},
		{"not (evt.type=mmap and evt.type=mmap)", "not evt.type=mmap or not evt.type=mmap"},
		// negation isomorphism
		{"not evt.type=mmap", "evt.type!=mmap"},
		{"not proc.name=cat", "proc.name!=cat"},
		// commutativity
		{"evt.type=execve and evt.type=mmap", "evt.type=mmap and evt.type=execve"},
		{"not (evt.type=execve and evt.type=mmap)", "not (evt.type=mmap and evt.type=execve)"},
		{"not evt.type=execve and not evt.type=mmap", "not evt.type=mmap and not evt.type=execve"},
		{"proc.name=cat and evt.type=mmap", "evt.type=mmap and proc.name=cat"},
		{"not (proc.name=cat and evt.type=mmap)", "not (evt.type=mmap and proc.name=cat)"},
		{"evt.type=execve or evt.type=mmap", "evt.type=mmap or evt.type=execve"},
		{"not (evt.type=execve or evt.type=mmap)", "not (evt.type=mmap or evt.type=execve)"},
		{"not evt.type=execve or not evt.type=mmap", "not evt.type=mmap or not evt.type=execve"},
		{"proc.name=cat or evt.type=mmap", "evt.type=mmap or proc.name=cat"},
		{"not (proc.name=cat or evt.type=mmap)", "not (evt.type=mmap or proc.name=cat)"},
	}
	for _, p := range pairs {
		assertSameCodes(t, p[0], p[1])
	}
}

func TestEventCodesEvtNum(t *testing.T) {
	all := allCodeList()
	openat := namesCodes("openat")
	for c, want := range map[string][]uint16{
		// unsatisfiable
		"evt.num=0": nil, "evt.num == 0": nil, "evt.num<1": nil, "evt.num<0": nil, "evt.num<=0": nil,
		"evt.num in (0)": nil, "evt.num in (0, 0)": nil, "evt.num in ()": nil,
		// tautologies
		"evt.num!=0": all, "evt.num>0": all, "evt.num>=0": all, "evt.num>=1": all,
		// indeterminate
		"evt.num=1": all, "evt.num=42": all, "evt.num<100": all, "evt.num<=1": all, "evt.num>5": all,
		"evt.num>=2": all, "evt.num in (1, 2, 3)": all, "not evt.num=1": all, "not evt.num in (1, 2)": all,
		"evt.num=-1": all, "evt.num=-100": all, "evt.num<-5": all, "evt.num<=-5": all, "evt.num!=-1": all,
		"evt.num>-5": all, "evt.num=0x0": all, "evt.num=1.5": all, "evt.num in (0, -1, -2)": all,
		"len(evt.num)=0": all, "evt.num[1]=0": all,
		"evt.num = 18446744073709551616": all, // saturates to the maximum: satisfiable in principle
		// negation
		"not evt.num=0": all, "not evt.num<1": all, "not evt.num<=0": all, "not evt.num in (0)": all,
		"not evt.num!=0": nil, "not evt.num>0": nil, "not evt.num>=1": nil,
		"not not evt.num=0": nil, "not not evt.num!=0": all,
		// composition
		"evt.type=openat and evt.num=0": nil, "evt.num=0 and evt.type=openat": nil,
		"evt.type=openat and evt.num<=0": nil, "evt.type=openat and (evt.num=0)": nil,
		"evt.type=openat or evt.num=0": openat, "evt.num=0 or evt.type=openat": openat,
		"evt.type=openat and evt.num!=0": openat, "evt.type=openat or evt.num!=0": all,
		"not (evt.type=openat and evt.num=0)": all,
		"not (evt.type=openat or evt.num=0)":  complement(openat),
		"evt.type=openat and not (evt.num=0)": openat, "evt.type=openat or not (evt.num=0)": all,
		"evt.type=openat and evt.num=1": openat, "evt.type=openat and not evt.num=1": openat,
	} {
		assertCodes(t, c, want)
	}
	assertSameCodes(t, "not evt.num=0", "evt.num!=0")
	assertSameCodes(t, "not evt.num!=0", "evt.num=0")
}

func TestEventCodesNames(t *testing.T) {
	generic := []uint16{event.GenericE, event.GenericX}
	assertCodes(t, "evt.type = open", []uint16{event.OpenE, event.OpenX})
	assertCodes(t, "evt.type = madvise", generic)
	assertCodes(t, "evt.type in (madvise, open)", []uint16{event.GenericE, event.GenericX, event.OpenE, event.OpenX})
	assertCodes(t, "evt.type != madvise", complement(generic))
	assertCodes(t, "evt.type = syscall", nil)
	execve := namesCodes("execve")
	if len(execve) < 2 {
		t.Fatalf("execve: %v", execve)
	}
	assertCodes(t, "evt.type = execve", execve)
	assertCodes(t, "evt.type in (execve, execveat)", namesCodes("execve", "execveat"))
	async := event.NewResolver("myasync")
	e, _ := lang.Parse("evt.type = myasync")
	s, err := EventCodes(e, async)
	if err != nil || !slices.Equal(s.Codes(), []uint16{event.AsyncEventCode}) {
		t.Errorf("evt.type = myasync: %v %v, want the async code", s.Codes(), err)
	}
}

func TestEventCodesErrors(t *testing.T) {
	const transf = "event code search does not support `evt.type` checks with transformers"
	const rhs = "right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search"
	for _, ok := range []string{
		"evt.type = close", "b64(proc.name) = cat", "proc.name = b64(fd.name)", "b64(proc.name) = b64(fd.name)",
		"evt.type != close", "b64(proc.name) != cat", "proc.name != b64(fd.name)", "b64(proc.name) != b64(fd.name)",
		"not evt.type = close", "not b64(proc.name) = cat", "not proc.name = b64(fd.name)",
		"not evt.type != close", "not b64(proc.name) != b64(fd.name)",
		"tolower(evt.type) contains open", // not an evt.type operator: the left side is not visited
		"proc.name = val(evt.type)",
	} {
		e, _ := lang.Parse(ok)
		if _, err := EventCodes(e, resolver); err != nil {
			t.Errorf("%s: unexpected error %v", ok, err)
		}
	}
	for c, want := range map[string]string{
		"b64(evt.type) = close":                                transf,
		"evt.type = b64(proc.name)":                            rhs,
		"evt.type = val(proc.name)":                            rhs,
		"b64(evt.type) = val(proc.name)":                       transf,
		"b64(evt.type) != close":                               transf,
		"evt.type != b64(proc.name)":                           rhs,
		"evt.type != val(proc.name)":                           rhs,
		"not b64(evt.type) = close":                            transf,
		"not evt.type = b64(proc.name)":                        rhs,
		"not evt.type = val(proc.name)":                        rhs,
		"not b64(evt.type) != val(proc.name)":                  transf,
		"evt.type = val(evt.type)":                             transf,
		"evt.type in (open) and syscall.type = val(proc.name)": rhs,
		"tolower(evt.type) exists":                             transf,
		"concat(evt.type, 'x') = a":                            transf,
		"join(',', (evt.type)) = a":                            transf,
	} {
		e, err := lang.Parse(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		_, err = EventCodes(e, resolver)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", c, err, want)
		}
	}
}

// TestEvtTypeCompiled: the compiled evt.type checks (code-set fast path and
// string comparison) agree with the event type of the event.
func TestEvtTypeCompiled(t *testing.T) {
	src := syscallSource(t)
	c := NewCompiler(src, syscallBinder{}, resolver)
	for _, tc := range []struct {
		cond string
		code uint16
		want bool
	}{
		{"evt.type = open", event.OpenE, true},
		{"evt.type = open", event.OpenX, true},
		{"evt.type = open", event.CloseE, false},
		{"evt.type != open", event.OpenX, false},
		{"evt.type != open", event.CloseX, true},
		{"evt.type in (close, open)", event.CloseE, true},
		{"evt.type intersects (close, open)", event.OpenE, true},
		{"evt.type = anyof (close, open)", event.OpenE, true},
		{"evt.type != allof (close, open)", event.OpenE, false},
		{"evt.type == oneof (close, open)", event.CloseX, true},
		{"evt.type startswith open", event.OpenE, true},
		{"evt.type startswith close", event.OpenE, false},
		{"not evt.type = open", event.OpenE, false},
		{"evt.type exists", event.CloseE, true},
		{"evt.type = openat", event.OpenE, false},
	} {
		e, err := lang.Parse(tc.cond)
		if err != nil {
			t.Fatal(err)
		}
		cc, _, err := c.Compile(e)
		if err != nil {
			t.Fatalf("%s: %v", tc.cond, err)
		}
		f := c.NewFrame()
		f.Reset(&tev{code: tc.code, calls: map[string]int{}})
		if got := cc(f); got != tc.want {
			t.Errorf("%s on %s: got %v, want %v", tc.cond, event.Name(tc.code), got, tc.want)
		}
	}
}
