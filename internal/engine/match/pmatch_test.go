package match

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPMatch(t *testing.T) {
	tests := []struct {
		name   string
		paths  []string
		value  string
		expect bool
	}{
		{"exact", []string{"/var/run"}, "/var/run", true},
		{"below", []string{"/var/run"}, "/var/run/docker.sock", true},
		{"deeper", []string{"/var/run"}, "/var/run/a/b/c", true},
		{"not a component prefix", []string{"/var/run"}, "/var/runx", false},
		{"not a component prefix below", []string{"/var/run"}, "/var/runx/docker.sock", false},
		{"shorter value", []string{"/var/run"}, "/var", false},
		{"sibling", []string{"/var/run"}, "/var/lib/messages", false},
		{"trailing slash value", []string{"/var/run"}, "/var/run/", true},
		{"doubled slashes value", []string{"/var/run"}, "//var///run//x", true},
		{"doubled slashes prefix", []string{"//var//run/"}, "/var/run/x", true},
		{"relative value", []string{"/var/run"}, "var/run/x", true},
		{"relative prefix", []string{"var/run"}, "/var/run/x", true},
		{"relative both", []string{"var/run"}, "var/run", true},
		{"root matches all", []string{"/"}, "/one/two", true},
		{"root matches root", []string{"/"}, "/", true},
		{"root matches relative", []string{"/"}, "relative/path", true},
		{"root matches empty", []string{"/"}, "", true},
		{"empty prefix matches all", []string{""}, "/etc/passwd", true},
		{"empty value", []string{"/var"}, "", false},
		{"slashes-only value", []string{"/var"}, "///", false},
		{"several", []string{"/opt/dir3", "/opt/dir2"}, "/opt/dir/subdir/file.txt", false},
		{"several one good", []string{"/opt/dir", "/opt/dir2"}, "/opt/dir/subdir/file.txt", true},
		{"no paths", nil, "/anything", false},

		// Pattern components (upstream filter_op_pmatch.ut.cpp and
		// prefix_search.ut.cpp cases).
		{"star component", []string{"/opt/*"}, "/opt/dir/subdir/file.txt", true},
		{"star middle", []string{"/opt/*/subdir"}, "/opt/dir/subdir/file.txt", true},
		{"question", []string{"/opt/di?/subdir"}, "/opt/dir/subdir/file.txt", true},
		{"question too many", []string{"/opt/dii?/subdir"}, "/opt/dir/subdir/file.txt", false},
		{"bracket", []string{"/opt/di[r]/subdir"}, "/opt/dir/subdir/file.txt", true},
		{"negated bracket", []string{"/opt/di[!r]/subdir"}, "/opt/dir/subdir/file.txt", false},
		{"other bracket", []string{"/opt/di[t]/subdir"}, "/opt/dir/subdir/file.txt", false},
		{"shorter component", []string{"/opt/di/subdir"}, "/opt/dir/subdir/file.txt", false},
		{"star then mismatch", []string{"/opt/*/subdir2"}, "/opt/dir/subdir/file.txt", false},
		{"two stars", []string{"/opt/*/*"}, "/opt/dir/subdir/file.txt", true},
		{"two stars too long", []string{"/opt/*/*/subsubdir"}, "/opt/dir/subdir/file.txt", false},
		{"star needs a component", []string{"/opt3/*/subdir2/*"}, "/opt3/dir/subdir2", false},
		{"star needs a component ok", []string{"/opt3/*/subdir2/*"}, "/opt3/dir/subdir2/file.txt", true},
		{"star stays in component", []string{"/opt/*"}, "/opt", false},
		{"star prefix", []string{"/home/*/.ssh"}, "/home/alice/.ssh/id_rsa", true},
		{"star prefix mismatch", []string{"/home/*/.ssh"}, "/home/alice/.sshx", false},
		{"unterminated bracket", []string{"/a/[b"}, "/a/[b/c", true},
		{"bracket split by slash", []string{"/a/[b/c]"}, "/a/[b/c]", true},
		{"backslash is literal", []string{`/a/b\c`}, `/a/b\c`, true},
		{"backslash not an escape", []string{`/a/b\c`}, `/a/bc`, false},
		{"escaped star", []string{`/a/\*`}, `/a/*/x`, true},
		{"escaped star literal only", []string{`/a/\*`}, `/a/b`, false},
		{"case sensitive", []string{"/Var/*"}, "/var/x", false},

		// Two pattern siblings that both match a component: libsinsp's
		// answer depends on hash order here, PMatch takes any match.
		{"glob siblings", []string{"/opt/a*/x", "/opt/*b/y"}, "/opt/ab/y", true},
		{"glob siblings reversed", []string{"/opt/*b/y", "/opt/a*/x"}, "/opt/ab/y", true},
		{"exact then glob", []string{"/opt/ab/x", "/opt/a*/y"}, "/opt/ab/y", true},

		// NUL handling.
		{"trailing NUL trimmed", []string{"/var/run"}, "/var/run\x00\x00", true},
		{"embedded NUL kept for literal components", []string{"/var/run"}, "/var/ru\x00n", false},
		{"embedded NUL ends a glob component", []string{"/var/r*n"}, "/var/ru\x00x/n", false},
		{"glob sees component up to NUL", []string{"/var/r?"}, "/var/ru\x00x/n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pm, err := CompilePMatch(tc.paths)
			if err != nil {
				t.Fatal(err)
			}
			if got := pm.Match(tc.value); got != tc.expect {
				t.Errorf("pmatch %q against %q = %v, want %v", tc.paths, tc.value, got, tc.expect)
			}
		})
	}
}

// TestPMatchPruning mirrors upstream's prefix_search_test.subpaths: adding
// a shorter prefix subsumes the longer ones, in either order.
func TestPMatchPruning(t *testing.T) {
	orders := [][]string{
		{"/usr/local/lib64", "/usr/local/new", "/usr/local", "/usr/local/lib64"},
		{"/usr/local", "/usr/local/lib64", "/usr/local/new"},
	}
	for _, paths := range orders {
		pm := MustCompilePMatch(paths...)
		for value, want := range map[string]bool{
			"/usr/local":         true,
			"/usr/local/bin/x":   true,
			"/usr/local/lib64/x": true,
			"/usr":               false,
			"/usr/lib":           false,
		} {
			if got := pm.Match(value); got != want {
				t.Errorf("%q: Match(%q) = %v, want %v", paths, value, got, want)
			}
		}
		if pm.root.sub.exact["usr"].sub.exact["local"].sub != nil {
			t.Errorf("%q: /usr/local should be a leaf", paths)
		}
	}
	pm := MustCompilePMatch("/var/log/messages", "/etc/", "/lib", "/")
	if !pm.root.terminal || pm.root.sub != nil {
		t.Error(`"/" should replace the whole trie`)
	}
	if pm.Len() != 4 {
		t.Errorf("Len() = %d", pm.Len())
	}
}

func TestPMatchErrors(t *testing.T) {
	if _, err := CompilePMatch([]string{"/ok", "/bad\x00"}); !errors.Is(err, ErrNULValue) {
		t.Errorf("NUL: err = %v", err)
	}
	if _, err := CompilePMatch([]string{"/ok/" + strings.Repeat("[", 20000)}); !errors.Is(err, ErrGlobTooComplex) {
		t.Errorf("pathological component: err = %v", err)
	}
}

func TestPMatchLarge(t *testing.T) {
	var paths []string
	for i := 0; i < 5000; i++ {
		paths = append(paths, fmt.Sprintf("/srv/app%d/data", i))
	}
	paths = append(paths, "/home/*/.ssh")
	pm := MustCompilePMatch(paths...)
	if !pm.Match("/srv/app4999/data/file") || pm.Match("/srv/app5000/data/file") {
		t.Error("large set lookups")
	}
	if !pm.Match("/home/bob/.ssh/authorized_keys") {
		t.Error("glob among many literals")
	}
}
