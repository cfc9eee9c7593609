package lang

import (
	"testing"
)

// FuzzParse checks that no input makes the parser panic, and that every
// tree it accepts prints back to text that parses to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"proc.name = bash",
		"a and not (b or c)",
		`proc.name in (bash, "a b", 'c\'d')`,
		"fd.name pmatch (/etc, /var/run) and fd.num >= 0",
		`k8s.pod.label["app.kubernetes.io/name"] startswith anyof (web, api)`,
		`join(",", (proc.name, proc.pname)) = "a,b"`,
		`getopt(proc.args, "c:")[c] exists`,
		"tolower(proc.name) = val(proc.pname)",
		"not not not evt.type=open",
		`proc.cmdline contains "\x41\t"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := ParseDepth(in, 200)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		printed := String(e)
		e2, err := ParseDepth(printed, 400)
		if err != nil {
			t.Fatalf("%q parsed, but its printed form %q does not: %v", in, printed, err)
		}
		if dump(e) != dump(e2) {
			t.Fatalf("%q: printed form %q parses differently:\n%s\n%s", in, printed, dump(e), dump(e2))
		}
	})
}
