package config

import (
	"log/slog"
	"strings"
	"testing"
)

func TestLoggingSettings(t *testing.T) {
	l, err := Empty().LoggingSettings()
	if err != nil || l.Level != slog.LevelInfo || !l.Stderr || !l.Syslog || l.JSON {
		t.Fatalf("defaults %+v %v", l, err)
	}
	tree, _ := Parse("falco.yaml", []byte("log_level: debug\nlog_stderr: false\nlog_syslog: false\nlog_format: json\n"))
	if l, err = tree.LoggingSettings(); err != nil || l.Level != slog.LevelDebug || l.Stderr || l.Syslog || !l.JSON {
		t.Fatalf("%+v %v", l, err)
	}
	tree, _ = Parse("falco.yaml", []byte("log_level: loud\n"))
	if _, err = tree.LoggingSettings(); err == nil || !strings.Contains(err.Error(), "log_level (line 1)") {
		t.Fatalf("bad level: %v", err)
	}
}
