package engine

import (
	"net/netip"
	"testing"
)

// Expected outcomes below follow libsinsp's filter_compare.cpp
// (flt_compare_*), sinsp_filtercheck.cpp (compare_rhs, modifiers) and
// value_parser.cpp (right-hand side parsing), and the cases of its unit
// tests (filterchecks/cmp_operator_modifiers.cpp, filter_op_*.ut.cpp).

func TestStringOperators(t *testing.T) {
	runEval(t, ev(map[string]any{"t.str": "myexe", "t.path": "/var/run/docker.sock", "t.str2": "123"}), []evalCase{
		{"t.str = myexe", true},
		{"t.str == myexe", true},
		{"t.str = myex", false},
		{"t.str = MYEXE", false},
		{"t.str != myexe", false},
		{"t.str != bash", true},
		// ordering operators take a number on the right but compare the
		// strings with strcmp: "123" < "2" and "123" > "1000".
		{"t.str2 < 2", true},
		{"t.str2 > 1000", true},
		{"t.str2 <= 123", true},
		{"t.str2 >= 123", true},
		{"t.str2 < 123", false},
		{"t.str2 > 123", false},
		{"t.str2 >= 124", false},
		{"t.str contains exe", true},
		{"t.str contains yex", true},
		{"t.str contains xyz", false},
		{`t.str contains ""`, true},
		{"t.str icontains EXE", true},
		{"t.str icontains MyExE", true},
		{"t.str icontains bash", false},
		{`t.str icontains ""`, true},
		{"t.str startswith my", true},
		{"t.str startswith exe", false},
		{`t.str startswith ""`, true},
		{"t.str endswith exe", true},
		{"t.str endswith my", false},
		{`t.str endswith ""`, true},
		{"t.str endswith amyexe", false},
		{"t.str in (bash, myexe)", true},
		{"t.str in (bash, sh)", false},
		{"t.str in (myexe)", true},
		{"t.str intersects (bash, myexe)", true},
		{"t.str intersects (bash)", false},
		{"t.str exists", true},
		// glob is fnmatch without flags: '*' crosses '/'.
		{"t.path glob /var/*", true},
		{"t.path glob '/var/*.sock'", true},
		{"t.path glob /var/?un/docker.sock", true},
		{"t.path glob '/var/[qr]un/*'", true},
		{"t.path glob '/var/[!r]un/*'", false},
		{"t.path glob /VAR/*", false},
		{"t.path glob /var", false},
		{"t.path iglob /VAR/RUN/*", true},
		{"t.path iglob /VAR/X*", false},
		// regex is RE2 POSIX, anchored at both ends.
		{"t.str regex 'my.*'", true},
		{"t.str regex 'yex'", false},
		{"t.str regex '.*yex.*'", true},
		{"t.str regex 'myexe|bash'", true},
		{"t.str regex '^[m]{1}yex[e]{1}$'", true},
		{"t.str regex 'MYEXE'", false},
		// pmatch: component-wise path prefixes.
		{"t.path pmatch (/var/run)", true},
		{"t.path pmatch (/var)", true},
		{"t.path pmatch (/var/runx)", false},
		{"t.path pmatch (/var/ru)", false},
		{"t.path pmatch (/tmp, /var/run/docker.sock)", true},
		{"t.path pmatch (/var/run/docker.sock/x)", false},
		{"t.path pmatch (/var/*/docker.sock)", true},
		{"t.path pmatch (/)", true},
	})
}

// Set membership with a length prefilter: values as long as an element
// but different, values of 63 bytes or more (which share one length bit),
// and a value with a trailing NUL (compared without it).
func TestStringSetLengths(t *testing.T) {
	long := "/usr/lib/jvm/java-17-openjdk-amd64/bin/java-with-a-very-long-name-x"
	longer := long + "-and-more"
	runEval(t, ev(map[string]any{"t.str": "myexe", "t.path": longer, "t.str2": "sh\x00"}), []evalCase{
		{"t.str in (bash, myexe, sh)", true},
		{"t.str in (bash, yexem, sh)", false}, // same length, other bytes
		{"t.str in (bash, sh)", false},        // no element of that length
		{"t.path in (a, " + long + ")", false},
		{"t.path in (a, " + longer + ")", true},
		{"t.path in (a, " + longer + "x)", false},
		{"t.str2 in (bash, sh)", true},
		{"t.str2 in (bash, zsh)", false},
	})
}

func TestStringPathTypes(t *testing.T) {
	// FSPATH and FSRELPATH fields are strings for every operator.
	runEval(t, ev(map[string]any{"t.path": "/etc/passwd", "t.relpath": "etc/passwd"}), []evalCase{
		{"t.path = /etc/passwd", true},
		{"t.path startswith /etc", true},
		{"t.path icontains PASSWD", true},
		{"t.relpath = etc/passwd", true},
		{"t.relpath glob 'etc/*'", true},
		{"t.relpath regex 'etc/.*'", true},
	})
}

func TestIcontainsASCIIOnly(t *testing.T) {
	// strcasestr folds ASCII letters only (C locale).
	runEval(t, ev(map[string]any{"t.str": "ÉCOLE Straße"}), []evalCase{
		{"t.str icontains 'école'", false},
		{"t.str icontains 'COLE'", true},
		{"t.str icontains 'cole'", true},
		{"t.str icontains 'STRASSE'", false},
		{"t.str icontains 'straße'", true},
		{"t.str icontains 'STRAßE'", true},
		{"t.str iglob '*école*'", false},
	})
}

// TestCStringValues: libsinsp hands string values to C string functions,
// so =, !=, the ordering operators, contains, icontains, startswith,
// endswith and glob see a value up to its first NUL, while in/intersects,
// pmatch and regex see it whole, minus trailing NULs
// (sinsp_filter_check::craft_filter_value).
func TestCStringValues(t *testing.T) {
	runEval(t, ev(map[string]any{"t.str": "ab\x00cd", "t.str2": "ab\x00\x00"}), []evalCase{
		{"t.str = ab", true},
		{"t.str != ab", false},
		{"t.str <= 0", false},
		{"t.str contains cd", false},
		{"t.str icontains CD", false},
		{"t.str startswith ab", true},
		{"t.str endswith cd", false},
		{"t.str endswith b", true},
		{"t.str glob 'ab'", true},
		{"t.str glob 'ab*cd'", false},
		{"t.str in (ab)", false},
		{"t.str regex 'ab.cd'", true},
		{"t.str2 = ab", true},
		{"t.str2 in (ab)", true},
		{"t.str2 intersects (x, ab)", true},
		{"t.str2 = anyof (x, ab)", true},
		{"t.str2 regex 'ab'", true},
	})
}

func TestSignedNumbers(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.i8": int64(-1), "t.i16": int64(-1), "t.i32": int64(-1), "t.i64": int64(-5),
		"t.errno": int64(-2), "t.fd": int64(3), "t.pid": int64(1234),
	}), []evalCase{
		{"t.i64 = -5", true},
		{"t.i64 == -5", true},
		{"t.i64 != -5", false},
		{"t.i64 != 5", true},
		{"t.i64 < -4", true},
		{"t.i64 < -5", false},
		{"t.i64 <= -5", true},
		{"t.i64 > -6", true},
		{"t.i64 >= -5", true},
		{"t.i64 >= 0", false},
		{"t.i64 in (1, -5)", true},
		{"t.i64 in (1, 5)", false},
		{"t.i64 intersects (-5)", true},
		{"t.i64 = +5", false},
		{"t.i64 = ' -5'", true}, // sscanf skips leading blanks
		// the right-hand side is converted to the field width first
		{"t.i8 = -1", true},
		{"t.i8 = 255", true},
		{"t.i8 = 511", true},
		{"t.i8 = 127", false},
		{"t.i16 = 65535", true},
		{"t.i16 = -65537", true},
		{"t.i32 = 4294967295", true},
		{"t.i32 < 0", true},
		{"t.errno = -2", true},
		{"t.errno < 0", true},
		{"t.fd >= 0", true},
		{"t.fd in (0, 1, 2)", false},
		{"t.pid = 1234", true},
		{"t.pid > 1000", true},
	})
}

func TestUnsignedNumbers(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.u8": uint64(255), "t.u16": uint64(65535), "t.u32": uint64(4294967295), "t.u64": uint64(42),
		"t.port": uint64(22), "t.reltime": uint64(1000), "t.abstime": uint64(1700000000000000000),
		"t.mode": uint64(0o755), "t.flags8": uint64(1), "t.flags16": uint64(3), "t.flags32": uint64(7),
		"t.sigtype": uint64(9), "t.syscallid": uint64(59),
	}), []evalCase{
		{"t.u64 = 42", true},
		{"t.u64 != 42", false},
		{"t.u64 < 43", true},
		{"t.u64 <= 42", true},
		{"t.u64 > 41", true},
		{"t.u64 >= 43", false},
		{"t.u64 in (1, 42)", true},
		{"t.u64 intersects (1, 2)", false},
		{"t.u8 = 255", true},
		{"t.u8 = -1", true},  // wraps like strtoul, then truncated to 8 bits
		{"t.u8 = 511", true}, // truncated to 8 bits
		{"t.u16 = -1", true},
		{"t.u16 = 131071", true},
		{"t.u32 = -1", true},
		{"t.u32 = 4294967295", true},
		{"t.u32 = 8589934591", true},
		{"t.port = 22", true},
		{"t.port = ssh", true}, // service names resolve through the services database
		{"t.port in (ssh, 80)", true},
		{"t.port = 65558", true}, // 65558 truncated to 16 bits
		{"t.port < 1024", true},
		{"t.reltime > 999", true},
		{"t.abstime >= 1700000000000000000", true},
		{"t.mode = 493", true},
		{"t.flags8 = 1", true},
		{"t.flags16 = 3", true},
		{"t.flags32 != 7", false},
		{"t.sigtype = 9", true},
		{"t.syscallid = 59", true},
	})
	// A uint64 field compared with a negative number wraps to a huge value.
	runEval(t, ev(map[string]any{"t.u64": uint64(18446744073709551615)}), []evalCase{
		{"t.u64 = -1", true},
		{"t.u64 > 0", true},
	})
}

// TestNumberSaturation: sscanf converts with strtol/strtoul, which
// saturate on overflow before the value is narrowed to the field width.
func TestNumberSaturation(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.i64": int64(9223372036854775807), "t.i64b": int64(-9223372036854775808),
		"t.u64": uint64(18446744073709551615), "t.u32": uint64(4294967295), "t.i32": int64(-1),
	}), []evalCase{
		{"t.i64 = 9223372036854775807", true},
		{"t.i64 = 9223372036854775808", true},
		{"t.i64 = 99999999999999999999999", true},
		{"t.i64b = -9223372036854775808", true},
		{"t.i64b = -9223372036854775809", true},
		{"t.i64b = -99999999999999999999999", true},
		{"t.u64 = 18446744073709551615", true},
		{"t.u64 = 18446744073709551616", true},
		{"t.u64 = 99999999999999999999999", true},
		{"t.u64 = -99999999999999999999999", true},
		{"t.u32 = 99999999999999999999999", true}, // ULONG_MAX narrowed to 32 bits
		{"t.i32 = 99999999999999999999999", true}, // LONG_MAX narrowed to 32 bits
	})
}

func TestDouble(t *testing.T) {
	// PT_DOUBLE right-hand sides are parsed as 32-bit integers.
	runEval(t, ev(map[string]any{"t.dbl": 1.5}), []evalCase{
		{"t.dbl > 1", true},
		{"t.dbl < 2", true},
		{"t.dbl = 1", false},
		{"t.dbl != 1", true},
		{"t.dbl in (1, 2)", false},
		{"t.dbl >= 4294967297", true}, // 4294967297 as int32 is 1
	})
	runEval(t, ev(map[string]any{"t.dbl": 3.0}), []evalCase{
		{"t.dbl = 3", true},
		{"t.dbl in (1, 3)", true},
	})
}

func TestBool(t *testing.T) {
	runEval(t, ev(map[string]any{"t.bool": true}), []evalCase{
		{"t.bool = true", true},
		{"t.bool = false", false},
		{"t.bool != false", true},
		{"t.bool != true", false},
		{"t.bool in (true)", true},
		{"t.bool in (false)", false},
		{"t.bool intersects (false, true)", true},
		{"t.bool exists", true},
	})
	runEval(t, ev(map[string]any{"t.bool": false}), []evalCase{
		{"t.bool = false", true},
		{"t.bool != true", true},
		{"t.bool in (true, false)", true},
	})
}

func TestBytes(t *testing.T) {
	runEval(t, ev(map[string]any{"t.buf": []byte("hello\x00world"), "t.buf2": []byte("abc")}), []evalCase{
		{"t.buf contains world", true},
		{"t.buf contains 'o\\x00w'", true}, // byte buffers compare explicit lengths
		{"t.buf contains xyz", false},
		{"t.buf startswith hello", true},
		{"t.buf startswith world", false},
		{"t.buf endswith world", true},
		{"t.buf endswith hello", false},
		{"t.buf = hello", false}, // length differs
		{"t.buf != hello", true},
		{"t.buf bcontains 6f00", true},
		{"t.buf bcontains 6F0077", true},
		{"t.buf bcontains 0000", false},
		{`t.buf bcontains ""`, true},
		{"t.buf bstartswith 68656c6c6f", true},
		{"t.buf bstartswith 6869", false},
		{"t.buf exists", true},
		{"t.buf2 = abc", true},
		{"t.buf2 = ab", false},
		{"t.buf2 = abcd", false},
		{"t.buf2 != abc", false},
		{"t.buf2 in (ab, abc)", true},
		{"t.buf2 in (ab, abcd)", false},
		{"t.buf2 intersects (abc)", true},
		{"t.buf2 startswith abcd", false},
		{"t.buf2 contains anyof (x, bc)", true},
		{"t.buf2 contains allof (a, bc)", true},
		{"t.buf2 contains allof (a, x)", false},
		{"t.buf2 bcontains oneof (61, 62)", false},
		{"t.buf2 bcontains oneof (61, 7a)", true},
		{"t.buf2 = anyof (x, abc)", true},
		{"t.buf2 != allof (x, y)", true},
		{"t.buf2 != allof (x, abc)", false},
	})
}

func TestIPAddr(t *testing.T) {
	runEval(t, ev(map[string]any{"t.ip": ip("10.0.0.1"), "t.ip2": ip("2001:db8::1"), "t.ip4": ip("192.168.1.1"), "t.ip6": ip("::1")}), []evalCase{
		{"t.ip = 10.0.0.1", true},
		{"t.ip == 10.0.0.1", true},
		{"t.ip = 10.0.0.2", false},
		{"t.ip != 10.0.0.2", true},
		{"t.ip != 10.0.0.1", false},
		{"t.ip = ::1", false},
		{"t.ip != ::1", true}, // different families are never equal
		{"t.ip in (1.1.1.1, 10.0.0.1)", true},
		{"t.ip in (1.1.1.1, ::1)", false},
		{"t.ip intersects (10.0.0.1)", true},
		{"t.ip = anyof (1.1.1.1, 10.0.0.1)", true},
		{"t.ip = oneof (10.0.0.1, 10.0.0.1)", false},
		{"t.ip = allof (10.0.0.1)", true},
		{"t.ip != anyof (10.0.0.1, 1.1.1.1)", true},
		{"t.ip != allof (10.0.0.1, 1.1.1.1)", false},
		{"t.ip != allof (2.2.2.2, 1.1.1.1)", true},
		{"t.ip2 = 2001:db8::1", true},
		{"t.ip2 = 2001:0db8:0:0:0:0:0:1", true},
		{"t.ip2 = 2001:db8::2", false},
		{"t.ip2 != 10.0.0.1", true},
		{"t.ip2 in (::1, 2001:db8::1)", true},
		{"t.ip4 = 192.168.1.1", true},
		{"t.ip4 != 192.168.1.2", true},
		{"t.ip6 = ::1", true},
		{"t.ip6 = 0:0:0:0:0:0:0:1", true},
	})
}

func TestIPNet(t *testing.T) {
	runEval(t, ev(map[string]any{"t.net": ip("10.1.2.3"), "t.net2": ip("fe80::1")}), []evalCase{
		{"t.net = 10.0.0.0/8", true},
		{"t.net = 10.1.2.3/32", true},
		{"t.net = 10.1.2.0/24", true},
		{"t.net = 10.1.3.0/24", false},
		{"t.net = 10.1.2.99/24", true}, // host bits are ignored
		{"t.net = 0.0.0.0/0", true},
		{"t.net = 10.1.2.3/288", true}, // 288 narrowed to 8 bits is 32
		{"t.net != 10.0.0.0/8", false},
		{"t.net != 192.168.0.0/16", true},
		{"t.net in (192.168.0.0/16, 10.0.0.0/8)", true},
		{"t.net in (192.168.0.0/16, 172.16.0.0/12)", false},
		{"t.net intersects (10.0.0.0/8)", true},
		{"t.net = fe80::/10", false},
		{"t.net != fe80::/10", true},
		{"t.net = anyof (192.168.0.0/16, 10.0.0.0/8)", true},
		{"t.net = allof (10.0.0.0/8, 10.1.0.0/16)", true},
		{"t.net = oneof (10.0.0.0/8, 10.1.0.0/16)", false},
		{"t.net != allof (192.168.0.0/16, 172.16.0.0/12)", true},
		{"t.net2 = fe80::/10", true},
		{"t.net2 = fe80::1/128", true},
		{"t.net2 = fe80::2/127", false},
		{"t.net2 = fe80::/64", true},
		{"t.net2 = 10.0.0.0/8", false},
		{"t.net2 != 10.0.0.0/8", true},
		{"t.net2 in (10.0.0.0/8, fe80::/16)", true},
	})
}

func TestListFields(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.list": []string{"a", "b"}, "t.list2": []string{},
		"t.ulist": []uint64{1, 2}, "t.rlist": []uint64{5},
		"t.iplist":  []netip.Addr{ip("10.0.0.1"), ip("::1")},
		"t.netlist": []netip.Addr{ip("10.0.0.1"), ip("10.9.9.9")},
		"t.blist":   []uint64{1},
	}), []evalCase{
		// in: every extracted value is in the set
		{"t.list in (a, b, c)", true},
		{"t.list in (a, b)", true},
		{"t.list in (a)", false},
		{"t.list in (c)", false},
		// intersects: some extracted value is in the set
		{"t.list intersects (a, z)", true},
		{"t.list intersects (b)", true},
		{"t.list intersects (z)", false},
		{"t.list exists", true},
		// an empty list is a subset of anything and intersects nothing
		{"t.list2 in (x)", true},
		{"t.list2 intersects (x)", false},
		{"t.list2 exists", true},
		{"t.ulist in (1, 2, 3)", true},
		{"t.ulist in (1, 3)", false},
		{"t.ulist intersects (2)", true},
		{"t.ulist intersects (3)", false},
		{"t.rlist in (5)", true},
		{"t.iplist in (10.0.0.1, ::1)", true},
		{"t.iplist in (10.0.0.1)", false},
		{"t.iplist intersects (::1)", true},
		{"t.netlist in (10.0.0.0/8)", true},
		{"t.netlist in (10.0.0.0/16)", false},
		{"t.netlist intersects (10.9.0.0/16)", true},
		{"t.netlist intersects (192.168.0.0/16)", false},
		{"t.blist in (true)", true},
		{"t.blist intersects (false)", false},
	})
}

// TestAnyOfFields: ancestor fields without an index hold when any ancestor
// satisfies the check (sinsp_filter_check_thread::compare for
// proc.aname, proc.apid, ...).
func TestAnyOfFields(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.anc": []string{"bash", "sshd", "systemd"}, "t.anc[1]": "bash",
		"t.apid": []int64{100, 1}, "t.aip": []netip.Addr{ip("10.0.0.1")},
	}), []evalCase{
		{"t.anc = sshd", true},
		{"t.anc = zsh", false},
		{"t.anc != bash", true},
		{"t.anc contains ssh", true},
		{"t.anc startswith sys", true},
		{"t.anc in (zsh, systemd)", true},
		{"t.anc in (zsh)", false},
		{"t.anc glob 's*d'", true},
		{"t.anc regex 'ssh.'", true},
		{"t.anc pmatch (bash)", true},
		{"t.anc = anyof (zsh, sshd)", true},
		{"t.anc exists", true},
		{"t.anc[1] = bash", true},
		{"t.anc[1] = sshd", false},
		{"t.apid = 1", true},
		{"t.apid > 50", true},
		{"t.apid < 0", false},
		{"t.apid in (7, 100)", true},
		{"t.aip = 10.0.0.1", true},
		{"t.aip != 10.0.0.1", false},
	})
}

// TestModifiers reproduces filterchecks/cmp_operator_modifiers.cpp.
func TestModifiers(t *testing.T) {
	runEval(t, ev(map[string]any{"t.str": "myexe"}), []evalCase{
		{"t.str == oneof (myexe, bash)", true},
		{"t.str == oneof (myexe)", true},
		{"t.str == oneof (bash, sh)", false},
		{"t.str == oneof (myexe, myexe)", false},
		{"t.str == anyof (myexe, bash)", true},
		{"t.str == anyof (bash, sh)", false},
		{"t.str == anyof (myexe, myexe)", true},
		{"t.str = anyof (myexe, bash)", true},
		{"t.str == allof (myexe)", true},
		{"t.str == allof (myexe, bash)", false},
		{"t.str == allof (bash, sh)", false},
		{"t.str == allof (myexe, myexe)", true},

		{"t.str != oneof (myexe, myexe, bash)", true},
		{"t.str != oneof (myexe, myexe)", false},
		{"t.str != oneof (bash, sh)", false},
		{"t.str != oneof (myexe, bash)", true},
		{"t.str != anyof (bash, sh)", true},
		{"t.str != anyof (myexe, bash)", true},
		{"t.str != anyof (myexe, myexe)", false},
		{"t.str != allof (bash, sh)", true},
		{"t.str != allof (myexe, bash)", false},

		{"t.str contains oneof (myex, bash)", true},
		{"t.str contains oneof (exe)", true},
		{"t.str contains oneof (bash, sh)", false},
		{"t.str contains oneof (my, exe)", false},
		{"t.str contains anyof (myex, bash)", true},
		{"t.str contains anyof (bash, sh)", false},
		{"t.str contains anyof (my, exe)", true},
		{"t.str contains allof (my, exe)", true},
		{"t.str contains allof (myex, bash)", false},
		{"t.str contains allof (bash, sh)", false},

		{"t.str icontains oneof (MYEX, BASH)", true},
		{"t.str icontains oneof (BASH, SH)", false},
		{"t.str icontains oneof (MY, EXE)", false},
		{"t.str icontains anyof (MYEX, BASH)", true},
		{"t.str icontains anyof (BASH, SH)", false},
		{"t.str icontains anyof (MY, EXE)", true},
		{"t.str icontains allof (MY, EXE)", true},
		{"t.str icontains allof (MYEX, BASH)", false},

		{"t.str startswith oneof (my, bash)", true},
		{"t.str startswith oneof (bash, sh)", false},
		{"t.str startswith oneof (my, mye)", false},
		{"t.str startswith anyof (my, bash)", true},
		{"t.str startswith anyof (my, mye)", true},
		{"t.str startswith allof (my, mye)", true},
		{"t.str startswith allof (my, bash)", false},

		{"t.str endswith oneof (exe, sh)", true},
		{"t.str endswith oneof (exe, yexe)", false},
		{"t.str endswith anyof (exe, yexe)", true},
		{"t.str endswith anyof (sh, bash)", false},
		{"t.str endswith allof (exe, yexe)", true},
		{"t.str endswith allof (exe, sh)", false},

		{"t.str glob oneof (my*, bash)", true},
		{"t.str glob oneof (bash, sh*)", false},
		{"t.str glob oneof (my*, *exe)", false},
		{"t.str glob anyof (my*, bash)", true},
		{"t.str glob anyof (my*, *exe)", true},
		{"t.str glob allof (my*, *exe)", true},
		{"t.str glob allof (bash, sh*)", false},

		{"t.str iglob oneof (MY*, BASH)", true},
		{"t.str iglob oneof (MY*, *EXE)", false},
		{"t.str iglob anyof (MY*, *EXE)", true},
		{"t.str iglob allof (MY*, *EXE)", true},
		{"t.str iglob allof (BASH, SH*)", false},

		{"t.str regex oneof (my.*, b.*)", true},
		{"t.str regex oneof (b.*, sh.*)", false},
		{"t.str regex oneof (my.*, .*exe)", false},
		{"t.str regex anyof (my.*, b.*)", true},
		{"t.str regex anyof (b.*, sh.*)", false},
		{"t.str regex anyof (my.*, .*exe)", true},
		{"t.str regex allof (my.*, .*exe)", true},
		{"t.str regex allof (my.*, b.*)", false},

		{"toupper(t.str) == oneof (MYEXE, BASH)", true},
		{"toupper(t.str) == oneof (BASH, SH)", false},
		{"toupper(t.str) != oneof (MYEXE, BASH)", true},
		{"toupper(t.str) != oneof (BASH, SH)", false},
		{"toupper(t.str) != allof (BASH, SH)", true},
		{"toupper(t.str) != allof (MYEXE, BASH)", false},

		{"t.str == oneof (myexe) and t.str != allof (bash, sh)", true},
		{"t.str == oneof (myexe) and t.str != allof (myexe, bash)", false},
		{"t.str == anyof (myexe, bash) or t.str != oneof (myexe)", true},

		// an empty right-hand side never matches, whatever the modifier
		{"t.str == oneof ()", false},
		{"t.str == anyof ()", false},
		{"t.str == allof ()", false},
		{"t.str != oneof ()", false},
		{"t.str != anyof ()", false},
		{"t.str != allof ()", false},
		{"t.str contains allof ()", false},
		{"t.str regex allof ()", false},
	})
}

func TestModifiersNonString(t *testing.T) {
	runEval(t, ev(map[string]any{"t.i64": int64(5), "t.u64": uint64(7), "t.bool": true, "t.dbl": 2.0}), []evalCase{
		{"t.i64 = anyof (1, 5)", true},
		{"t.i64 = oneof (5, 5)", false},
		{"t.i64 = allof (5, 5)", true},
		{"t.i64 != allof (1, 2)", true},
		{"t.i64 != allof (1, 5)", false},
		{"t.i64 != oneof (1, 5)", true},
		{"t.u64 = anyof (1, 7)", true},
		{"t.u64 != anyof (7)", false},
		{"t.u64 = allof ()", false},
		{"t.u64 != allof ()", false},
		{"t.i64 = allof ()", false},
		{"t.bool = anyof (false, true)", true},
		{"t.bool = oneof (true, true)", false},
		{"t.bool = allof (true)", true},
		{"t.bool != allof (false)", true},
		{"t.bool = allof ()", false},
		{"t.dbl = anyof (1, 2)", true},
		{"t.dbl = allof ()", false},
	})
	runEval(t, ev(map[string]any{"t.buf": []byte("abc"), "t.ip": ip("1.2.3.4"), "t.net": ip("1.2.3.4")}), []evalCase{
		{"t.buf = allof ()", false},
		{"t.buf != allof ()", false},
		{"t.ip = allof ()", false},
		{"t.ip != allof ()", false},
		{"t.net = allof ()", false},
		{"t.net != allof ()", false},
	})
}

// TestModifierEquivalences: "= anyof" is "in" and "!= allof" is "not in",
// except that a missing field makes every check false.
func TestModifierEquivalences(t *testing.T) {
	values := []string{"a", "b", "zz", ""}
	for _, v := range values {
		e := ev(map[string]any{"t.str": v})
		in := eval(t, "t.str in (a, b, c)", e)
		if got := eval(t, "t.str = anyof (a, b, c)", e); got != in {
			t.Errorf("%q: = anyof %v, in %v", v, got, in)
		}
		if got := eval(t, "t.str != allof (a, b, c)", e); got != !in {
			t.Errorf("%q: != allof %v, not in %v", v, got, !in)
		}
	}
	missing := ev(nil)
	if eval(t, "t.str != allof (a, b)", missing) || !eval(t, "not t.str in (a, b)", missing) {
		t.Error("missing field: != allof must be false while not ... in is true")
	}
}

func TestBooleanLogic(t *testing.T) {
	// filter_compiler.ut.cpp boolean_evaluation, with t.bool = true and
	// t.bool2 = false standing for c.true and c.false.
	e := ev(map[string]any{"t.bool": true, "t.bool2": true})
	T, F := "t.bool=true", "t.bool2=false"
	cases := []evalCase{
		{T, true},
		{F, false},
		{"not " + T, false},
		{"not(" + T + ")", false},
		{"not not " + T, true},
		{"not not(" + T + ")", true},
		{"not (not " + T + ")", true},
		{"not not not " + T, false},
		{"not (not (not " + T + "))", false},
		{"not not not not " + T, true},
		{T + " and " + T, true},
		{T + " and " + F, false},
		{F + " and " + T, false},
		{T + " and not " + T, false},
		{T + " or " + F, true},
		{F + " or " + F, false},
		{F + " or not " + F, true},
		{T + " or " + T + " and " + F, true},
		{"(" + T + " or " + T + ") and " + F, false},
		{"not (not (" + T + " or " + T + ") and " + F + ")", true},
		{"not (" + F + " or " + F + " or " + T + ")", false},
		{"not (" + F + " or " + F + " and not " + T + ")", true},
		{"not (" + F + " or not " + F + " and " + T + ")", false},
		{"not ((" + F + " or not (" + F + " and not " + T + ")) and " + T + ")", false},
	}
	runEval(t, e, cases)
}

// TestShortCircuit: and/or stop at the first decisive child, so later
// fields are not even extracted.
func TestShortCircuit(t *testing.T) {
	e := ev(map[string]any{"t.str": "a", "t.str2": "b"})
	if eval(t, "t.str = x and t.str2 = b", e) {
		t.Fatal("and: want false")
	}
	if e.calls["t.str2"] != 0 {
		t.Errorf("and did not short-circuit: t.str2 extracted %d times", e.calls["t.str2"])
	}
	e = ev(map[string]any{"t.str": "a", "t.str2": "b"})
	if !eval(t, "t.str = a or t.str2 = b", e) {
		t.Fatal("or: want true")
	}
	if e.calls["t.str2"] != 0 {
		t.Errorf("or did not short-circuit: t.str2 extracted %d times", e.calls["t.str2"])
	}
}

// TestFieldToField: val() and transformers on the right-hand side compare
// two extracted values with the operator of the check.
func TestFieldToField(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.str": "myexe", "t.str2": "myexe", "t.path": "/bin/myexe",
		"t.i64": int64(-1), "t.i64b": int64(5), "t.u64": uint64(5), "t.u64b": uint64(5),
		"t.bool": true, "t.bool2": false, "t.ip": ip("10.0.0.1"), "t.ip2": ip("10.0.0.1"),
		"t.buf": []byte("hello world"), "t.buf2": []byte("world"),
		"t.list": []string{"a", "b"}, "t.list2": []string{"a", "b", "c"},
		"t.dbl": 2.5,
	}), []evalCase{
		{"t.str = val(t.str2)", true},
		{"t.str == val(t.str2)", true},
		{"t.str != val(t.str2)", false},
		{"t.str in val(t.str2)", true},
		{"t.str intersects val(t.str2)", true},
		{"t.str contains val(t.str2)", true},
		{"t.str startswith val(t.str2)", true},
		{"t.str endswith val(t.str2)", true},
		{"t.str icontains toupper(t.str2)", true},
		{"t.str <= val(t.str2)", true},
		{"t.str < val(t.str2)", false},
		{"t.str = toupper(t.str2)", false},
		{"toupper(t.str) = toupper(t.str2)", true},
		{"basename(t.str) = val(t.str2)", true},
		{"tolower(t.str) = tolower(t.str2)", true},
		{"t.i64 < val(t.i64b)", true},
		{"t.i64 != val(t.i64b)", true},
		{"t.i64b = val(t.i64b)", true},
		{"t.i64b in val(t.i64b)", true},
		{"t.u64 = val(t.u64b)", true},
		{"t.u64 >= val(t.u64b)", true},
		{"t.u64 > val(t.u64b)", false},
		{"t.u64 = len(t.str)", true},
		{"len(t.str) = val(t.u64)", true},
		{"len(t.str) = len(t.str2)", true},
		{"t.dbl = val(t.dbl)", true},
		{"t.bool != val(t.bool2)", true},
		{"t.bool = val(t.bool2)", false},
		{"t.ip = val(t.ip2)", true},
		{"t.ip != val(t.ip2)", false},
		{"t.buf contains val(t.buf2)", true},
		{"t.buf endswith val(t.buf2)", true},
		{"t.buf startswith val(t.buf2)", false},
		{"t.buf bcontains val(t.buf2)", true},
		{"t.buf = val(t.buf2)", false},
		{"t.buf != val(t.buf2)", true},
		// list on both sides: in is a subset test, intersects an overlap
		{"t.list in val(t.list2)", true},
		{"t.list2 in val(t.list)", false},
		{"t.list intersects val(t.list2)", true},
		{"toupper(t.list) in toupper(t.list2)", true},
		{"t.list in val(t.list)", true},
		// glob with a field pattern
		{"t.str glob val(t.str2)", true},
		{"t.str glob concat('*', 'exe')", true},
		{"t.str glob concat('*', 'x')", false},
		{"t.str iglob toupper(t.str2)", true},
	})
	runEval(t, ev(map[string]any{"t.str": "ab\x00x", "t.str2": "ab", "t.list": []string{"x"}, "t.list2": []string{}}), []evalCase{
		{"t.str = val(t.str2)", true}, // strcmp
		{"t.str in val(t.str2)", false},
		{"t.list intersects val(t.list2)", false},
		{"t.list in val(t.list2)", false},
		{"t.list2 in val(t.list)", true},
	})
}

func TestFieldToFieldLists(t *testing.T) {
	runEval(t, ev(map[string]any{
		"t.ulist": []uint64{1, 2}, "t.rlist": []uint64{2},
		"t.iplist": []netip.Addr{ip("10.0.0.1")}, "t.blist": []uint64{1},
	}), []evalCase{
		{"t.ulist in val(t.ulist)", true},
		{"t.ulist intersects val(t.ulist)", true},
		{"t.iplist in val(t.iplist)", true},
		{"t.blist intersects val(t.blist)", true},
		{"len(t.ulist) = len(t.iplist)", false},
		{"len(t.rlist) = len(t.iplist)", true},
	})
}
