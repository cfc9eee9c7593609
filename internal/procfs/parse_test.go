package procfs

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The PPM_O_* values must be the event table's.
func TestPPMFlagValues(t *testing.T) {
	want := map[string]uint32{
		"O_RDONLY": ppmORdonly, "O_WRONLY": ppmOWronly, "O_RDWR": ppmORdwr, "O_CREAT": ppmOCreat,
		"O_APPEND": ppmOAppend, "O_DSYNC": ppmODsync, "O_EXCL": ppmOExcl, "O_NONBLOCK": ppmONonblock,
		"O_SYNC": ppmOSync, "O_TRUNC": ppmOTrunc, "O_DIRECT": ppmODirect, "O_DIRECTORY": ppmODir,
		"O_LARGEFILE": ppmOLarge, "O_CLOEXEC": ppmOCloexec, "O_TMPFILE": ppmOTmpfile,
	}
	for _, v := range event.FileFlags.Values {
		if w, ok := want[v.Name]; ok && uint64(w) != uint64(v.Value) {
			t.Errorf("%s = %#x here, %#x in the event table", v.Name, w, v.Value)
		}
		delete(want, v.Name)
	}
	if len(want) != 0 {
		t.Errorf("not in the event table: %v", want)
	}
}

func TestOpenFlagsToPPM(t *testing.T) {
	cases := []struct {
		in   uint64
		want uint32
	}{
		{unix.O_RDONLY, ppmORdonly},
		{unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, ppmOWronly | ppmOCreat | ppmOTrunc},
		{unix.O_RDWR | unix.O_APPEND | unix.O_CLOEXEC, ppmORdwr | ppmOAppend | ppmOCloexec},
		{unix.O_RDONLY | unix.O_NONBLOCK | unix.O_DIRECT | unix.O_EXCL, ppmORdonly | ppmONonblock | ppmODirect | ppmOExcl},
		// libscap tests composite flags for any of their bits.
		{unix.O_WRONLY | unix.O_DSYNC, ppmOWronly | ppmODsync | ppmOSync},
		{unix.O_RDONLY | unix.O_DIRECTORY, ppmORdonly | ppmODir | ppmOTmpfile},
		// Both access bits: libscap's switch falls to read-only.
		{3, ppmORdonly},
		// The kernel's own O_LARGEFILE bit (0100000 on x86) is not the
		// userspace value on 64-bit architectures.
		{0o100002, ppmORdwr | func() uint32 {
			if unix.O_LARGEFILE != 0 && 0o100000&unix.O_LARGEFILE != 0 {
				return ppmOLarge
			}
			return 0
		}()},
	}
	for _, c := range cases {
		if got := openFlagsToPPM(c.in); got != c.want {
			t.Errorf("openFlagsToPPM(%#o) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestParseInetLine(t *testing.T) {
	// A listening socket, a connection, an IPv6 listener, an
	// IPv4-mapped IPv6 connection (as /proc/net/tcp{,6} print them on a
	// little-endian machine).
	lines := []struct {
		line   string
		v6     bool
		ino    uint64
		typ    state.FDType
		src    string
		sport  uint16
		dst    string
		dport  uint16
		header bool
		little bool
	}{
		{line: "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", header: true},
		{line: "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0", ino: 4242, typ: state.FDIPv4ServSock, src: "127.0.0.1", sport: 8080, little: true},
		{line: "   1: 0100007F:D05A 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1", ino: 4343, typ: state.FDIPv4Sock, src: "127.0.0.1", sport: 53338, dst: "127.0.0.1", dport: 8080, little: true},
		{line: "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0", v6: true, ino: 77, typ: state.FDIPv6ServSock, src: "::1", sport: 22, little: true},
		{line: "   1: 0000000000000000FFFF00000100007F:0016 0000000000000000FFFF00000200000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 78 1 0000000000000000 100 0 0 10 0", v6: true, ino: 78, typ: state.FDIPv6Sock, src: "::ffff:127.0.0.1", sport: 22, dst: "::ffff:10.0.0.2", dport: 50000, little: true},
	}
	littleEndian := binary.NativeEndian.Uint16([]byte{1, 0}) == 1
	for _, l := range lines {
		ino, e, ok := parseInetLine([]byte(l.line), l.v6, state.L4TCP)
		if l.header {
			if ok && ino != 0 {
				t.Errorf("header parsed as a socket: %+v", e)
			}
			continue
		}
		if !littleEndian && l.little {
			continue // the samples are a little-endian machine's
		}
		if !ok || ino != l.ino || e.typ != l.typ || e.src != netip.MustParseAddr(l.src) || e.sport != l.sport || e.l4 != state.L4TCP {
			t.Errorf("%q: ino %d %+v", l.line, ino, e)
			continue
		}
		if l.dst != "" && (e.dst != netip.MustParseAddr(l.dst) || e.dport != l.dport) {
			t.Errorf("%q: dst %v:%d", l.line, e.dst, e.dport)
		}
	}
}

func TestParseUnixAndNetlinkLines(t *testing.T) {
	ino, e, ok := parseUnixLine([]byte("0000000000000000: 00000002 00000000 00010000 0001 01 31337 /run/my sock.sock"))
	if !ok || ino != 31337 || e.typ != state.FDUnixSock || e.name != "/run/my sock.sock" {
		t.Errorf("unix line: %d %+v %v", ino, e, ok)
	}
	ino, e, ok = parseUnixLine([]byte("ffff8880049d3000: 00000003 00000000 00000000 0001 03 99"))
	if !ok || ino != 99 || e.name != "" || e.unixSrc != 0xffff8880049d3000 {
		t.Errorf("unnamed unix line: %d %+v %v", ino, e, ok)
	}
	if _, _, ok := parseUnixLine([]byte("Num       RefCount Protocol Flags    Type St Inode Path")); ok {
		t.Error("unix header parsed")
	}
	ino, e, ok = parseNetlinkLine([]byte("0000000000000000 0   1234       00000000 0        0        0     2        0        5555"))
	if !ok || ino != 5555 || e.typ != state.FDNetlink {
		t.Errorf("netlink line: %d %+v %v", ino, e, ok)
	}
	if _, _, ok := parseNetlinkLine([]byte("sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode")); ok {
		t.Error("netlink header parsed")
	}
}

func TestParseMountinfo(t *testing.T) {
	e, ok := parseMountinfo([]byte(`36 35 98:0 /mnt1 /mnt/my\040dir rw,noatime master:1 shared:2 - overlay overlay rw,lowerdir=/l,upperdir=/u\054x,workdir=/w`))
	if !ok || e.id != 36 || e.root != "/mnt1" || e.point != "/mnt/my dir" || e.fstype != "overlay" {
		t.Fatalf("%+v %v", e, ok)
	}
	if e.dev != encodeDev(98, 0) || mountOption(e.superOpts, "upperdir") != "/u,x" || mountOption(e.superOpts, "lowerdir") != "/l" {
		t.Errorf("dev %#x upperdir %q", e.dev, mountOption(e.superOpts, "upperdir"))
	}
	// libscap's encoding: the kernel's new_encode_dev.
	if got := encodeDev(259, 0x12345); got != 0x12345&0xff|259<<8|(0x12345&^0xff)<<12 {
		t.Errorf("encodeDev = %#x", got)
	}
	if got := encodeDev(8, 1); got != 0x801 {
		t.Errorf("encodeDev(8, 1) = %#x", got)
	}
}

func TestStringCuts(t *testing.T) {
	exe, args := exeAndArgs(cutLikeScap([]byte("sleep\x001000\x00\x00x\x00"), maxArgsLen))
	if exe != "sleep" || !slices.Equal(args, []string{"1000", "", "x"}) {
		t.Errorf("exe %q args %q", exe, args)
	}
	exe, args = exeAndArgs(cutLikeScap([]byte("sshd: root@pts/0"), maxArgsLen))
	if exe != "sshd: root@pts/0" || args != nil {
		t.Errorf("rewritten command line: exe %q args %q", exe, args)
	}
	long := []byte(strings.Repeat("x", 5000))
	if got := cutLikeScap(long[:maxArgsLen], maxArgsLen); len(got) != maxArgsLen-1 {
		t.Errorf("cut to %d bytes", len(got))
	}
	exe, _ = exeAndArgs(cutLikeScap(long[:maxArgsLen], maxArgsLen))
	if len(exe) != maxPathLen {
		t.Errorf("argv[0] of %d bytes, libscap keeps %d", len(exe), maxPathLen)
	}
	if splitNul(nil) != nil {
		t.Error("empty list has items")
	}
	for in, want := range map[string]string{
		"/usr/bin/x (deleted)": "/usr/bin/x",
		" (deleted)":           " (deleted)",
		"/usr/bin/x":           "/usr/bin/x",
	} {
		if got := stripDeleted(in); got != want {
			t.Errorf("stripDeleted(%q) = %q", in, got)
		}
	}
}

func TestParseStatAndLimits(t *testing.T) {
	line := "1234 (we ird) name) S 1 1234 1234 34816 1234 4194560 987 0 65 0 1 2 0 0 20 0 1 0 4321 1000 100 18446744073709551615"
	st := parseStat([]byte(line))
	if !st.ok || st.pgrp != 1234 || st.session != 1234 || st.ttyNr != 34816 || st.minFlt != 987 || st.majFlt != 65 || st.startTime != 4321 {
		t.Errorf("%+v", st)
	}
	v, ok := parseFDLimit([]byte("Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n"))
	if !ok || v != 1024 {
		t.Errorf("fd limit %d %v", v, ok)
	}
	v, ok = parseFDLimit([]byte("Max open files            unlimited            unlimited            files     \n"))
	if !ok || v != -1 {
		t.Errorf("unlimited fd limit %d %v", v, ok)
	}
	var s status
	s.parse([]byte("Name:\tx\nTgid:\t50\nPPid:\t7\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nNStgid:\t50\t3\nNSpid:\t51\t4\nNSpgid:\t40\t1\nVmSize:\t  100 kB\nCapEff:\t000001ffffffffff\n"), nil)
	if s.tgid != 50 || s.ppid != 7 || s.uid != [4]uint32{1, 2, 3, 4} || s.gid[1] != 6 || s.nstgid != 3 || s.nspid != 4 ||
		s.nspgid != 1 || s.vmSize != 100 || s.capEff != 0x1ffffffffff {
		t.Errorf("%+v", s)
	}
}

func TestCgroupNaming(t *testing.T) {
	for in, want := range map[string]state.Cgroup{
		"cpu=/a":                 {Subsys: "cpu", Path: "/a"},
		"name=systemd=/user":     {Subsys: "name", Path: "systemd=/user"},
		"io=/x":                  {Subsys: "blkio", Path: "/x"},
		"perf=/":                 {Subsys: "perf_event", Path: "/"},
		"mem=/":                  {Subsys: "memory", Path: "/"},
		"cpuset_cgroup=/k":       {Subsys: "cpuset", Path: "/k"},
		"perf_event=/docker/abc": {Subsys: "perf_event", Path: "/docker/abc"},
	} {
		if got := sinspCgroup(in); got != want {
			t.Errorf("sinspCgroup(%q) = %+v, want %+v", in, got, want)
		}
	}
	// libscap's example of a path relative to a cgroup namespace.
	for _, c := range []struct{ prefix, path, want string }{
		{"foo/bar/baz/cg1/cg2", "/../../something/else", "foo/bar/baz/something/else"},
		{"/docker/abc", "/", "/docker/abc"},
		{"/docker/abc", "/child", "/docker/abc/child"},
		{"/docker/abc", "/../def", "/docker/def"},
		{"/docker/abc", "/../..", ""},
		// libscap stops at the first '/' of the prefix: climbing further
		// stays at the root.
		{"/a", "/../../..", ""},
	} {
		if got, ok := prefixPath(c.prefix, c.path); !ok || got != c.want {
			t.Errorf("prefixPath(%q, %q) = %q %v, want %q", c.prefix, c.path, got, ok, c.want)
		}
	}
	if _, ok := prefixPath("abc", "/../x"); ok {
		t.Error("a prefix without a '/' cannot be climbed")
	}
}

// TestCgroupV2Walk resolves a unified-hierarchy path over a directory tree
// laid out like /sys/fs/cgroup.
func TestCgroupV2Walk(t *testing.T) {
	root := t.TempDir()
	write := func(rel, ctrls string) {
		dir := filepath.Join(root, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte(ctrls+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("", "cpuset cpu io memory pids")
	write("system.slice", "cpu io memory pids")
	id := strings.Repeat("0123456789abcdef", 4)
	write("system.slice/docker-"+id+".scope", "memory pids")
	c := &cgroupResolver{controllers: map[string][]string{}, layout: &cgroupLayout{
		v2Mount: root, v2Subsys: []string{"cpuset", "cpu", "io", "memory", "pids"}}}
	var out cgroupSet
	path := "/system.slice/docker-" + id + ".scope"
	c.resolveV2(path, &out)
	want := []state.Cgroup{
		{Subsys: "memory", Path: path},
		{Subsys: "pids", Path: path},
		{Subsys: "cpu", Path: "/system.slice"},
		{Subsys: "blkio", Path: "/system.slice"},
		{Subsys: "cpuset", Path: "/"},
	}
	if !slices.Equal(out.list, want) {
		t.Errorf("got %+v\nwant %+v", out.list, want)
	}
	if got := state.ContainerIDFromCgroups(out.list); got != id[:12] {
		t.Errorf("container id %q", got)
	}
	// The 4096-byte limit of libscap's cgroup set.
	var big cgroupSet
	for i := 0; i < 100; i++ {
		big.add("memory", "/"+strings.Repeat("x", 100))
	}
	if n := len(big.list); n != 4096/(len("memory=/")+100+1) {
		t.Errorf("%d cgroups kept", n)
	}
}

// TestCgroupsOfSelf compares the test process's cgroups with its
// /proc/self/cgroup, v1 lines expanded per controller as libscap does.
func TestCgroupsOfSelf(t *testing.T) {
	ths, err := ScanProcess(Options{SkipFDs: true}, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var want []state.Cgroup
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if f[1] == "" {
			continue // v2: checked by TestCgroupV2Walk
		}
		for _, c := range strings.Split(f[1], ",") {
			want = append(want, sinspCgroup(c+"="+f[2]))
		}
	}
	var got []state.Cgroup
	for _, c := range ths[0].Cgroups {
		if slices.ContainsFunc(want, func(w state.Cgroup) bool { return w.Subsys == c.Subsys }) {
			got = append(got, c)
		}
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestUsersFromRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("n", 300)
	passwd := "# comment\n\nroot:x:0:0:root:/root:/bin/bash\n" +
		"bad:x:notanumber:0::/:/bin/sh\n+nis::::::\n" +
		"short:x:1000:100\n" +
		long + ":x:1001:1001::/home/l:/bin/sh:extra\n"
	group := "root:x:0:\nwheel:x:10:root,alice\nbroken:x::\n"
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(passwd), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte(group), 0o644)
	snap, err := Scan(Options{Root: root, Proc: "/proc", SkipFDs: true, MaxThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := []state.UserInfo{
		{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/bash"},
		{UID: 1000, GID: 100, Name: "short"},
		{UID: 1001, GID: 1001, Name: long[:255], HomeDir: "/home/l", Shell: "/bin/sh:extra"},
	}
	if !slices.Equal(snap.Users, wantUsers) {
		t.Errorf("users %+v", snap.Users)
	}
	wantGroups := []state.GroupInfo{{GID: 0, Name: "root"}, {GID: 10, Name: "wheel"}}
	if !slices.Equal(snap.Groups, wantGroups) {
		t.Errorf("groups %+v", snap.Groups)
	}
}

func TestClockTicks(t *testing.T) {
	if hz := clockTicks(); hz != 100 && hz != 250 && hz != 1000 {
		t.Errorf("AT_CLKTCK = %d", hz)
	}
	if got := ticksToNs(12345, 100); got != 123450000000 {
		t.Errorf("ticksToNs = %d", got)
	}
	// 348 years of uptime: ticks*1e9 would not fit in 64 bits.
	if got := ticksToNs(1<<40, 100); got != (1<<40)/100*1e9+(1<<40)%100*1e7 {
		t.Errorf("ticksToNs overflowed: %d", got)
	}
}

// TestFindOwnCgroup looks for a pid in a hierarchy's cgroup.procs files,
// as the scan does to learn its own cgroup when it runs in a cgroup
// namespace.
func TestFindOwnCgroup(t *testing.T) {
	root := t.TempDir()
	procs := map[string]string{
		"":                     "1\n2\n",
		"system.slice":         "300\n",
		"kubepods/pod1":        "",
		"kubepods/pod1/abcdef": "4000\n12345\n",
	}
	for rel, pids := range procs {
		dir := filepath.Join(root, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(pids), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for pid, want := range map[string]string{"12345": "/kubepods/pod1/abcdef", "2": "/", "300": "/system.slice"} {
		if got, ok := findOwnCgroup(root, pid); !ok || got != want {
			t.Errorf("findOwnCgroup(%s) = %q %v, want %q", pid, got, ok, want)
		}
	}
	if got, ok := findOwnCgroup(root, "123"); ok {
		t.Errorf("a pid in no cgroup found in %q", got)
	}
	// A thread's path relative to that cgroup namespace becomes absolute.
	c := &cgroupResolver{s: &scanner{buf: make([]byte, maxFileRead)}, layout: &cgroupLayout{
		selfV1: map[string]string{"memory": "/kubepods/pod1/abcdef"}}}
	dir, err := unix.Open(t.TempDir(), unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dir)
	if err := os.WriteFile(fmt.Sprintf("/proc/self/fd/%d/cgroup", dir), []byte("4:memory:/../other\n3:cpu:/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []state.Cgroup{{Subsys: "memory", Path: "/kubepods/pod1/other"}, {Subsys: "cpu", Path: "/x"}}
	if got := c.threadCgroups(dir); !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
