package engine

import (
	"net/netip"
	"testing"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
)

// fuzzBinder extracts a fixed, type-appropriate value for every field, so
// that fuzzed conditions are evaluated through every comparison path, and
// reports fields whose name ends in "e" missing, to exercise that path too.
type fuzzBinder struct{}

func (fuzzBinder) Bind(ref fields.Ref) (Binding, error) {
	b := Binding{}
	multi := Single
	if ref.Field.Flags&fields.IsList != 0 {
		multi = List
	} else if IsAncestorField(ref) {
		multi = AnyOf
	}
	b.Multi = multi
	kind := KindOf(ref.Field.Type)
	missing := len(ref.Field.Name) > 0 && ref.Field.Name[len(ref.Field.Name)-1] == 'e'
	addr := netip.MustParseAddr("10.1.2.3")
	b.Extract = func(_ Event, v *Value) bool {
		if missing {
			return false
		}
		switch kind {
		case KindString:
			v.Str = "/usr/bin/Bash\x00x"
			v.Strs = append(v.Strs, "-n", "ab", "", "-tvalue")
		case KindInt:
			v.Int = -7
			v.Ints = append(v.Ints, -7, 1)
		case KindUint:
			v.Uint = 7
			v.Uints = append(v.Uints, 7, 0)
		case KindDouble:
			v.Float = 1.5
		case KindBool:
			v.Bool = true
			v.Uints = append(v.Uints, 1)
		case KindBytes:
			v.Bytes = append(v.Bytes, "YWJj\x00\x01"...)
		case KindIP, KindIPNet:
			v.IP = addr
			v.IPs = append(v.IPs, addr, netip.IPv6Loopback())
		}
		return true
	}
	return b, nil
}

type fuzzEvent struct{ code uint16 }

func (e fuzzEvent) Type() uint16 { return e.code }

// FuzzCompile parses and compiles arbitrary conditions (and output formats)
// against the default registry. Neither compiling, nor deriving event
// codes, nor evaluating may panic.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		"evt.type = open and proc.name in (bash, sh)",
		"not (evt.type in (execve, execveat) or fd.name pmatch (/etc, /var/run))",
		"proc.aname[2] = sshd and proc.aname contains ssh and fd.net = 10.0.0.0/8",
		"tolower(proc.name) = toupper(proc.pname) and len(fd.types) > 1",
		`join(",", getopt(("-t", "x"), "t:")) = "t,x" or concat(proc.name, "x") glob "*x"`,
		`proc.name regex oneof ("b.*", "(") and evt.buffer bcontains 0a0b`,
		"fd.sip = val(fd.cip) and evt.num in (0) and fd.port = ssh",
		`b64(evt.buffer) startswith abc and basename(b64("L2Jpbi9sbw==")) = lo`,
		"%proc.name %10toupper(evt.arg.flags) %proc.aname[1]",
	} {
		f.Add(seed)
	}
	src, _ := fields.NewDefault().Source(fields.SyscallSource)
	f.Fuzz(func(t *testing.T, cond string) {
		c := NewCompiler(src, fuzzBinder{}, resolver)
		if e, err := lang.Parse(cond); err == nil {
			_, _ = EventCodes(e, resolver)
			if cc, _, err := c.Compile(e); err == nil {
				fr := c.NewFrame()
				for _, code := range []uint16{0, 2, 3, 300} {
					fr.Reset(fuzzEvent{code})
					cc(fr)
				}
			}
		}
		if fmt, err := c.CompileFormat(cond); err == nil {
			fr := c.NewFrame()
			fr.Reset(fuzzEvent{3})
			for i := range fmt.Tokens {
				fmt.Tokens[i].Get(fr)
			}
			for i := range fmt.Fields {
				fmt.Fields[i].Get(fr)
			}
		}
	})
}
