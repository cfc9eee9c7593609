package bench

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/sources"
)

// stableRuleset loads Falco's stable rules from ../shared with the
// synthetic binder.
func stableRuleset(tb testing.TB, matching engine.Matching) *engine.Ruleset {
	tb.Helper()
	path := filepath.Join("..", "..", "shared", "falco-rules", "falco_rules.yaml")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("KESTREL_REQUIRE_SHARED") != "" {
			tb.Fatalf("Falco rules not found: %v", err)
		}
		tb.Skip("../shared/falco-rules not present")
	}
	l := load.New([]*load.Source{sources.Syscall(nil, synthBinder{})}, load.Options{Plugins: sources.BuiltinPlugins})
	res := l.LoadFile(path)
	if !res.OK() {
		tb.Fatalf("load: %s", res.Verbose(l.Contents()))
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, matching)
	return rs
}

var (
	bash     = synthProc{name: "bash", exe: "/bin/bash", exepath: "/usr/bin/bash", cmdline: "bash", args: ""}
	sshd     = synthProc{name: "sshd", exe: "/usr/sbin/sshd", exepath: "/usr/sbin/sshd", cmdline: "sshd: alice@pts/0", args: "alice@pts/0"}
	systemd  = synthProc{name: "systemd", exe: "/sbin/init", exepath: "/usr/lib/systemd/systemd", cmdline: "systemd", args: ""}
	runc     = synthProc{name: "runc:[2:INIT]", exe: "runc", exepath: "/usr/bin/runc", cmdline: "runc:[2:INIT] init", args: "init"}
	shim     = synthProc{name: "containerd-shim", exe: "/usr/bin/containerd-shim-runc-v2", exepath: "/usr/bin/containerd-shim-runc-v2", cmdline: "containerd-shim -namespace moby", args: "-namespace moby"}
	hostTree = []synthProc{bash, sshd, systemd}
	ctrTree  = []synthProc{runc, shim, systemd}
)

func openat(p synthProc, parents []synthProc, path, dir, file string, read, write bool, ctr string) *synthEvent {
	flags := "O_RDONLY|O_CLOEXEC"
	if write {
		flags = "O_WRONLY|O_CREAT|O_APPEND"
	}
	return &synthEvent{code: event.OpenatX2, num: 1, rawres: 3, proc: p, ancestors: parents, cwd: "/root", user: "root",
		hasFD: true, fdNum: 3, fdName: path, fdType: "file", fdTypechar: "f", fdDir: dir, fdFile: file,
		openRead: read, openWrite: write, argFlags: flags, containerID: ctr, image: "docker.io/library/nginx", duration: 5e9}
}

func execve(p synthProc, parents []synthProc, tty uint32, ctr string) *synthEvent {
	return &synthEvent{code: event.ExecveX19, num: 1, proc: p, ancestors: parents, cwd: "/", tty: tty, user: "root",
		containerID: ctr, image: "docker.io/library/nginx", capEff: "CAP_CHOWN CAP_KILL", duration: 1e6}
}

func connect(p synthProc, parents []synthProc, sip string, port uint16, ctr string) *synthEvent {
	return &synthEvent{code: event.ConnectX, num: 1, rawres: 0, proc: p, ancestors: parents, user: "root",
		hasFD: true, fdNum: 5, fdName: "10.0.0.2:40000->" + sip, fdType: "ipv4", fdTypechar: "4", fdL4: "tcp",
		cip: netip.MustParseAddr("10.0.0.2"), sip: netip.MustParseAddr(sip), sport: port, connected: true,
		containerID: ctr, image: "docker.io/library/nginx"}
}

// mixEntry is one kind of synthetic event, its weight in the mix and the
// stable rule it must trigger ("" for none).
type mixEntry struct {
	ev     *synthEvent
	weight int
	rule   string
}

func eventMix() []mixEntry {
	curl := synthProc{name: "curl", exe: "curl", exepath: "/usr/bin/curl", cmdline: "curl -s https://example.com", args: "-s https://example.com"}
	cat := synthProc{name: "cat", exe: "cat", exepath: "/usr/bin/cat", cmdline: "cat /etc/shadow", args: "/etc/shadow"}
	ls := synthProc{name: "ls", exe: "ls", exepath: "/usr/bin/ls", cmdline: "ls -la", args: "-la"}
	top := synthProc{name: "top", exe: "top", exepath: "/usr/bin/top", cmdline: "top -b", args: "-b"}
	rsyslog := synthProc{name: "rsyslogd", exe: "/usr/sbin/rsyslogd", exepath: "/usr/sbin/rsyslogd", cmdline: "rsyslogd -n", args: "-n"}
	nginx := synthProc{name: "nginx", exe: "nginx", exepath: "/usr/sbin/nginx", cmdline: "nginx -g daemon off;", args: "-g daemon off;"}
	ctrShell := bash
	return []mixEntry{
		{openat(bash, hostTree[1:], "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu", "libc.so.6", true, false, "host"), 20, ""},
		{openat(top, hostTree, "/proc/1/stat", "/proc/1", "stat", true, false, "host"), 10, ""},
		{openat(nginx, ctrTree, "/etc/nginx/nginx.conf", "/etc/nginx", "nginx.conf", true, false, "3ad7b4b2c1f0"), 6, ""},
		{openat(rsyslog, []synthProc{systemd}, "/var/log/syslog", "/var/log", "syslog", false, true, "host"), 8, ""},
		{openat(cat, hostTree, "/etc/shadow", "/etc", "shadow", true, false, "host"), 1, "Read sensitive file untrusted"},
		{execve(ls, hostTree, 34816, "host"), 3, ""},
		{execve(curl, ctrTree, 0, "3ad7b4b2c1f0"), 1, ""},
		{execve(ctrShell, ctrTree[1:], 34816, "3ad7b4b2c1f0"), 1, "Terminal shell in container"},
		{connect(nginx, ctrTree, "10.0.0.1", 443, "3ad7b4b2c1f0"), 5, ""},
		{connect(curl, hostTree, "127.0.0.1", 5432, "host"), 3, ""},
		{&synthEvent{code: event.CloseX, num: 1, proc: nginx, ancestors: ctrTree, hasFD: true, fdNum: 3, fdName: "/etc/nginx/nginx.conf", fdType: "file", fdTypechar: "f", containerID: "3ad7b4b2c1f0"}, 20, ""},
		{&synthEvent{code: event.SocketX, num: 1, proc: curl, ancestors: hostTree, argDomain: "AF_INET", containerID: "host"}, 5, ""},
		{&synthEvent{code: event.FutexX, num: 1, proc: nginx, ancestors: ctrTree, containerID: "3ad7b4b2c1f0"}, 10, ""},
		{&synthEvent{code: event.ReadX, num: 1, proc: nginx, ancestors: ctrTree, hasFD: true, fdNum: 3, fdName: "/etc/nginx/nginx.conf", containerID: "3ad7b4b2c1f0"}, 7, ""},
	}
}

// expand repeats each entry by its weight, interleaved, so the benchmark
// loop walks a realistic stream.
func expand(mix []mixEntry, keep func(mixEntry) bool) []*synthEvent {
	var out []*synthEvent
	for round := 0; ; round++ {
		added := false
		for _, m := range mix {
			if round < m.weight && keep(m) {
				out = append(out, m.ev)
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// TestSyntheticMixMatchesExpectedRules checks that Falco's stable rules,
// compiled by Kestrel, fire on exactly the synthetic events that should
// trigger them, so the benchmark measures real work.
func TestSyntheticMixMatchesExpectedRules(t *testing.T) {
	rs := stableRuleset(t, engine.MatchAll)
	f := rs.NewFrame()
	for _, m := range eventMix() {
		got := rs.Match(f, m.ev, nil)
		var names []string
		for _, r := range got {
			names = append(names, r.Name)
		}
		switch {
		case m.rule == "" && len(got) != 0:
			t.Errorf("%s by %s (%s) matched %v, want nothing", event.Name(m.ev.code), m.ev.proc.name, m.ev.fdName, names)
		case m.rule != "" && (len(got) != 1 || got[0].Name != m.rule):
			t.Errorf("%s by %s (%s) matched %v, want [%s]", event.Name(m.ev.code), m.ev.proc.name, m.ev.fdName, names, m.rule)
		}
	}
}

// TestNoMatchPathAllocatesNothing asserts the engine's promise: evaluating
// an event that matches no rule allocates nothing.
func TestNoMatchPathAllocatesNothing(t *testing.T) {
	rs := stableRuleset(t, engine.MatchFirst)
	f := rs.NewFrame()
	events := expand(eventMix(), func(m mixEntry) bool { return m.rule == "" })
	dst := make([]*engine.Rule, 0, 8)
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		dst = rs.Match(f, events[i%len(events)], dst[:0])
		i++
	})
	if allocs != 0 {
		t.Fatalf("no-match path allocates %.2f times per event, want 0", allocs)
	}
}

func benchmarkMix(b *testing.B, matching engine.Matching, keep func(mixEntry) bool) {
	rs := stableRuleset(b, matching)
	f := rs.NewFrame()
	events := expand(eventMix(), keep)
	dst := make([]*engine.Rule, 0, 8)
	matches := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = rs.Match(f, events[i%len(events)], dst[:0])
		matches += len(dst)
	}
	b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
}

// BenchmarkStableRuleset evaluates Falco's stable ruleset (falco_rules.yaml)
// over a weighted mix of synthetic events: file opens, execs, connects,
// closes and events no rule listens to. ns/op is ns per event.
func BenchmarkStableRuleset(b *testing.B) {
	all := func(mixEntry) bool { return true }
	noMatch := func(m mixEntry) bool { return m.rule == "" }
	b.Run("mix/first", func(b *testing.B) { benchmarkMix(b, engine.MatchFirst, all) })
	b.Run("mix/all", func(b *testing.B) { benchmarkMix(b, engine.MatchAll, all) })
	b.Run("no-match", func(b *testing.B) { benchmarkMix(b, engine.MatchFirst, noMatch) })
	b.Run("execve-only", func(b *testing.B) {
		benchmarkMix(b, engine.MatchFirst, func(m mixEntry) bool { return m.ev.code == event.ExecveX19 })
	})
	b.Run("openat-only", func(b *testing.B) {
		benchmarkMix(b, engine.MatchFirst, func(m mixEntry) bool { return m.ev.code == event.OpenatX2 })
	})
}
