package config

import (
	"fmt"
	"log/slog"
	"strings"
)

// Logging is how Kestrel reports on itself: falco.yaml's log_level,
// log_stderr and log_syslog, and Kestrel's log_format (text or json).
type Logging struct {
	Level  slog.Level
	Stderr bool
	Syslog bool
	JSON   bool
}

// LoggingSettings decodes the logging keys. Falco's levels map onto
// slog's: emergency, alert, critical and error are errors; warning a
// warning; notice and info information; debug debug.
func (t *Tree) LoggingSettings() (Logging, error) {
	l := Logging{Level: slog.LevelInfo, Stderr: true, Syslog: true}
	var err error
	if l.Stderr, err = t.boolAt("log_stderr", true); err != nil {
		return l, err
	}
	if l.Syslog, err = t.boolAt("log_syslog", true); err != nil {
		return l, err
	}
	if n := t.Get("log_level"); n != nil {
		switch strings.ToLower(n.Value) {
		case "emergency", "alert", "critical", "error":
			l.Level = slog.LevelError
		case "warning":
			l.Level = slog.LevelWarn
		case "notice", "info":
			l.Level = slog.LevelInfo
		case "debug":
			l.Level = slog.LevelDebug
		default:
			return l, fmt.Errorf("log_level (line %d): '%s' is not one of emergency, alert, critical, error, warning, notice, info, debug", n.Line, n.Value)
		}
	}
	if n := t.Get("log_format"); n != nil {
		switch n.Value {
		case "text":
		case "json":
			l.JSON = true
		default:
			return l, fmt.Errorf("log_format (line %d): '%s' is not text or json", n.Line, n.Value)
		}
	}
	return l, nil
}
