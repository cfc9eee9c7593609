package priority

import "testing"

func TestParseAndNames(t *testing.T) {
	cases := []struct {
		in    string
		want  Priority
		short string
	}{
		{"EMERGENCY", Emergency, "EMERGENCY"}, {"alert", Alert, "ALERT"}, {"Critical", Critical, "CRITICAL"},
		{"error", Error, "ERROR"}, {"WARNING", Warning, "WARNING"}, {"notice", Notice, "NOTICE"},
		{"informational", Informational, "INFO"}, {"INFO", Informational, "INFO"}, {"debug", Debug, "DEBUG"},
	}
	for _, c := range cases {
		got, ok := ParsePriority(c.in)
		if !ok || got != c.want || got.ShortName() != c.short {
			t.Errorf("ParsePriority(%q) = %v %v (%s)", c.in, got, ok, got.ShortName())
		}
	}
	for _, bad := range []string{"", "warn", "critical ", "7"} {
		if _, ok := ParsePriority(bad); ok {
			t.Errorf("ParsePriority(%q) accepted", bad)
		}
	}
	if Informational.String() != "Informational" || Priority(42).String() != "Priority(42)" {
		t.Error("String")
	}
	if !Error.AtLeast(Warning) || Debug.AtLeast(Warning) || !Warning.AtLeast(Warning) {
		t.Error("AtLeast")
	}
}
