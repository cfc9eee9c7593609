package match

import (
	"fmt"
	"strings"
	"testing"
)

var benchGlobs = []struct {
	name, pattern, subject string
	fold                   bool
}{
	{"prefix", "/etc/*", "/etc/ssh/sshd_config", false},
	{"suffix", "*.so", "/usr/lib/x86_64-linux-gnu/libc.so", false},
	{"contains", "*/.ssh/*", "/home/alice/.ssh/authorized_keys", false},
	{"pieces", "/proc/*/task/*/comm", "/proc/4242/task/4243/comm", false},
	{"bracket", "/dev/tty[0-9]*", "/dev/tty12", false},
	{"class", "*[[:digit:]][[:digit:]]", "/var/log/messages.12", false},
	{"question", "/tmp/????????", "/tmp/abcdefgh", false},
	{"iglob", "*/BIN/*SH", "/usr/bin/bash", true},
	{"backtrack", "*a*a*a*a*b", strings.Repeat("a", 64), false},
	{"long-miss", "*needle*", strings.Repeat("haystack/", 100), false},
}

func BenchmarkGlob(b *testing.B) {
	for _, bc := range benchGlobs {
		g, err := compileGlob(bc.pattern, bc.fold)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Match(bc.subject)
			}
		})
	}
}

func benchPMatchSet() *PMatch {
	paths := []string{"/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/boot", "/lib", "/lib64",
		"/usr/lib", "/usr/local/lib", "/var/run/docker.sock", "/home/*/.ssh", "/root/.ssh", "/proc/*/mem"}
	for i := 0; i < 1000; i++ {
		paths = append(paths, fmt.Sprintf("/opt/vendor%d/etc", i))
	}
	return MustCompilePMatch(paths...)
}

func BenchmarkPMatch(b *testing.B) {
	pm := benchPMatchSet()
	for _, v := range []struct{ name, value string }{
		{"hit-shallow", "/etc/shadow"},
		{"hit-deep", "/opt/vendor999/etc/app/config.yaml"},
		{"hit-glob", "/home/alice/.ssh/id_rsa"},
		{"miss", "/tmp/build/output/file.o"},
		{"miss-deep", "/opt/vendor999/var/log/x"},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pm.Match(v.value)
			}
		})
	}
}

func BenchmarkContainsFold(b *testing.B) {
	for _, v := range []struct{ name, haystack, needle string }{
		{"short-hit", "/usr/bin/NetCat", "netcat"},
		{"short-miss", "/usr/bin/python3", "netcat"},
		{"cmdline-hit", "bash -c curl http://example.com/x.sh | SH -s -- --install", "| sh"},
		{"long-miss-letter", strings.Repeat("abcdefghij", 100), "needle"},
		{"long-miss-symbol", strings.Repeat("abcdefghij", 100), "--needle"},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ContainsFold(v.haystack, v.needle)
			}
		})
	}
}

func BenchmarkRegex(b *testing.B) {
	r := MustCompileRegex("/usr/(s?bin|lib)/[[:alnum:]_.-]+")
	for _, v := range []struct{ name, value string }{
		{"hit", "/usr/sbin/sshd"},
		{"miss", "/home/alice/bin/tool"},
		{"invalid-utf8", "/usr/bin/\xffbad"},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Match(v.value)
			}
		})
	}
}

// TestZeroAllocs enforces that matching never allocates.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("allocation counts are unreliable under coverage")
	}
	check := func(name string, f func()) {
		t.Helper()
		f() // warm pools up
		if n := testing.AllocsPerRun(200, f); n != 0 {
			t.Errorf("%s: %v allocations per run", name, n)
		}
	}
	for _, bc := range benchGlobs {
		g, _ := compileGlob(bc.pattern, bc.fold)
		check("Glob "+bc.name, func() { g.Match(bc.subject) })
	}
	lazy := MustCompileGlob("[a-z]*[!0-9]")
	for i := range lazy.steps {
		lazy.steps[i].br = nil
	}
	check("Glob without tables", func() { lazy.Match("abc/def") })
	pm := benchPMatchSet()
	check("PMatch", func() { pm.Match("/opt/vendor999/etc/app/config.yaml") })
	check("PMatch glob", func() { pm.Match("/home/alice/.ssh/id_rsa") })
	check("ContainsFold", func() { ContainsFold("bash -c curl x | SH", "| sh") })
	r := MustCompileRegex("/usr/(s?bin|lib)/[[:alnum:]_.-]+")
	check("Regex", func() { r.Match("/usr/sbin/sshd") })
	if !raceEnabled { // the sanitising buffer comes from a sync.Pool
		check("Regex invalid UTF-8", func() { r.Match("/usr/bin/\xffbad") })
	}
}
