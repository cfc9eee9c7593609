package engine

import (
	"testing"
)

// missingChecks is one check per operator and type group. On an event
// where the left-hand field cannot be extracted every one of them is false
// (sinsp_filter_check::compare_nocache returns false before the operator
// is consulted), so "not" of each is true.
var missingChecks = []string{
	// strings
	"t.str = x", "t.str == x", "t.str != x", "t.str < 1", "t.str <= 1", "t.str > 1", "t.str >= 1",
	"t.str contains x", `t.str contains ""`, "t.str icontains x", "t.str startswith x", `t.str startswith ""`,
	"t.str endswith x", "t.str glob '*'", "t.str iglob '*'", "t.str regex '.*'", "t.str in (x, y)",
	"t.str intersects (x)", "t.str pmatch (/)", "t.str = oneof (x)", "t.str = anyof (x)", "t.str = allof (x)",
	"t.str != oneof (x)", "t.str != anyof (x)", "t.str != allof (x, y)", "t.str contains allof (x)",
	"t.str in ()", "t.path = /x", "t.relpath != x",
	// numbers
	"t.i8 = 1", "t.i16 != 1", "t.i32 < 1", "t.i64 <= 1", "t.i64 > 1", "t.i64 >= -1", "t.i64 in (1)",
	"t.i64 intersects (1)", "t.i64 != allof (1, 2)", "t.errno != 0", "t.fd >= 0", "t.pid != 0",
	"t.u8 != 0", "t.u16 = 0", "t.u32 < 5", "t.u64 != 0", "t.port != 22", "t.reltime > 0",
	"t.abstime != 0", "t.mode != 0", "t.flags8 != 0", "t.flags16 != 0", "t.flags32 != 0",
	"t.sigtype != 0", "t.syscallid != 0", "t.dbl != 0", "t.dbl = anyof (1)",
	// bool
	"t.bool = true", "t.bool != true", "t.bool = false", "t.bool != false", "t.bool in (true, false)",
	// bytes
	"t.buf = x", "t.buf != x", "t.buf contains x", "t.buf bcontains 00", `t.buf bcontains ""`,
	"t.buf startswith x", "t.buf bstartswith 00", "t.buf endswith x", "t.buf in (x)", "t.buf != allof (x)",
	// addresses and networks
	"t.ip = 1.2.3.4", "t.ip != 1.2.3.4", "t.ip != ::1", "t.ip in (1.2.3.4)", "t.ip != allof (1.2.3.4)",
	"t.ip4 != 1.2.3.4", "t.ip6 != ::1",
	"t.net = 10.0.0.0/8", "t.net != 10.0.0.0/8", "t.net in (10.0.0.0/8)", "t.net intersects (::/1)",
	// lists
	"t.list in (a)", "t.list intersects (a)", "t.list in ()", "t.ulist in (1)", "t.iplist intersects (::1)",
	"t.netlist in (10.0.0.0/8)", "t.blist in (true)",
	// any-of fields
	"t.anc = x", "t.anc != x", "t.anc contains x", "t.apid != 1", "t.aip != 1.2.3.4", "t.anc[1] != x",
	// transformers
	"tolower(t.str) != x", "toupper(t.str) = X", "b64(t.str) != x", "basename(t.path) != x",
	"len(t.str) != 0", "len(t.list) != 0", "len(t.buf) >= 0",
	"concat(t.str, t.str2) != x", "join(',', t.list) != x", "getopt(t.list, 'a')[a] != x",
	"getopt(t.list, 'a') intersects (a)",
	// field-to-field, left side missing
	"t.str = val(t.str2)", "t.str != val(t.str2)", "t.str contains val(t.str2)", "t.i64 != val(t.i64b)",
	"t.u64 < val(t.u64b)", "t.bool != val(t.bool2)", "t.ip != val(t.ip2)", "t.buf != val(t.buf2)",
	"t.list in val(t.list2)", "tolower(t.str) != tolower(t.str2)",
}

func TestMissingFieldIsFalse(t *testing.T) {
	empty := ev(nil)
	// The right-hand fields of the field-to-field checks are present, so
	// only the left-hand side is missing.
	onlyRHS := ev(map[string]any{
		"t.str2": "x", "t.i64b": int64(1), "t.u64b": uint64(1), "t.bool2": true, "t.ip2": ip("1.1.1.1"),
		"t.buf2": []byte("x"), "t.list2": []string{"a"},
	})
	for _, cond := range missingChecks {
		for name, e := range map[string]*tev{"empty": empty, "rhs only": onlyRHS} {
			if eval(t, cond, e) {
				t.Errorf("%s (%s): true on a missing field", cond, name)
			}
			if !eval(t, "not "+cond, e) {
				t.Errorf("not %s (%s): false on a missing field", cond, name)
			}
			if !eval(t, "not not not "+cond, e) {
				t.Errorf("not not not %s (%s): false on a missing field", cond, name)
			}
		}
	}
}

func TestMissingFieldExists(t *testing.T) {
	for _, f := range []string{"t.str", "t.i64", "t.u64", "t.bool", "t.buf", "t.ip", "t.net", "t.list",
		"t.anc", "t.anc[1]", "tolower(t.str)", "len(t.list)", "b64(t.str)", "concat(t.str, 'x')"} {
		if eval(t, f+" exists", ev(nil)) {
			t.Errorf("%s exists: true on a missing field", f)
		}
		if !eval(t, "not "+f+" exists", ev(nil)) {
			t.Errorf("not %s exists: false on a missing field", f)
		}
	}
	present := ev(map[string]any{"t.str": "", "t.u64": uint64(0), "t.bool": false, "t.list": []string{}})
	for _, f := range []string{"t.str", "t.u64", "t.bool", "t.list", "len(t.list)", "tolower(t.str)"} {
		if !eval(t, f+" exists", present) {
			t.Errorf("%s exists: false on an extracted (zero) value", f)
		}
	}
}

// TestMissingRHSField: a val() field or transformer on the right that
// cannot be extracted makes the check false too.
func TestMissingRHSField(t *testing.T) {
	e := ev(map[string]any{
		"t.str": "x", "t.i64": int64(1), "t.u64": uint64(1), "t.bool": true, "t.ip": ip("1.1.1.1"),
		"t.buf": []byte("x"), "t.list": []string{"a"},
	})
	for _, cond := range []string{
		"t.str = val(t.str2)", "t.str != val(t.str2)", "t.str in val(t.str2)", "t.str < val(t.str2)",
		"t.str contains val(t.str2)", "t.str glob val(t.str2)", "t.i64 != val(t.i64b)", "t.i64 = val(t.i64b)",
		"t.u64 >= val(t.u64b)", "t.bool != val(t.bool2)", "t.ip != val(t.ip2)", "t.buf != val(t.buf2)",
		"t.list in val(t.list2)", "t.list intersects val(t.list2)", "t.str != tolower(t.str2)",
		"t.str != concat(t.str2, 'x')", "t.str != concat(t.str, t.str2)", "t.str != join(',', (t.str, t.str2))",
	} {
		if eval(t, cond, e) {
			t.Errorf("%s: true with the right-hand field missing", cond)
		}
		if !eval(t, "not "+cond, e) {
			t.Errorf("not %s: false with the right-hand field missing", cond)
		}
	}
}
