package output

import (
	"context"
	"fmt"
	"log/syslog"
	"strings"

	"github.com/kestrel-project/kestrel/internal/priority"
)

type syslogSink struct {
	w *syslog.Writer
}

// NewSyslog is Falco's syslog_output: messages go to the local syslog
// daemon (/dev/log and the usual fallbacks) with facility user, as Falco's
// ::syslog without openlog, and the severity of the alert's priority.
// Falco's priorities are syslog's severities: emergency is 0 (LOG_EMERG)
// down to debug 7 (LOG_DEBUG). tag is the program name shown in the log
// (glibc's default, used by Falco, is the program name, "falco").
func NewSyslog(tag string) (Sink, error) { return NewSyslogAt("", "", tag) }

// NewSyslogAt is NewSyslog with the syslog daemon at addr on network
// ("unixgram", "udp", "tcp", ...), as log/syslog.Dial.
func NewSyslogAt(network, addr, tag string) (Sink, error) {
	w, err := syslog.Dial(network, addr, syslog.LOG_USER|syslog.LOG_INFO, tag)
	if err != nil {
		where := "local syslog"
		if network != "" || addr != "" {
			where = network + " " + addr
		}
		return nil, fmt.Errorf("syslog output: %s: %w", where, err)
	}
	return &syslogSink{w: w}, nil
}

func (s *syslogSink) Name() string { return "syslog" }

// Write logs m.Line at the severity of m.Priority. Falco's syslog output
// sends no trailing newline; log/syslog adds the one its framing needs.
func (s *syslogSink) Write(_ context.Context, m *Message) error {
	line := strings.TrimRight(string(m.Line), "\n")
	var err error
	switch m.Priority {
	case priority.Emergency:
		err = s.w.Emerg(line)
	case priority.Alert:
		err = s.w.Alert(line)
	case priority.Critical:
		err = s.w.Crit(line)
	case priority.Error:
		err = s.w.Err(line)
	case priority.Warning:
		err = s.w.Warning(line)
	case priority.Notice:
		err = s.w.Notice(line)
	case priority.Debug:
		err = s.w.Debug(line)
	default: // Informational, and anything out of range
		err = s.w.Info(line)
	}
	if err != nil {
		return fmt.Errorf("syslog output: %w", err)
	}
	return nil
}

func (s *syslogSink) Close() error { return s.w.Close() }
