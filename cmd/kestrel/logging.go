package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"sync"

	"github.com/kestrel-project/kestrel/internal/config"
	"github.com/kestrel-project/kestrel/internal/rules/load"
)

// newLogger is Kestrel's logger for its own messages, as configured by
// log_level, log_stderr, log_syslog and log_format. The returned function
// closes the syslog connection.
func newLogger(l config.Logging, stderr io.Writer) (*slog.Logger, func()) {
	return newLoggerAt(l, stderr, "", "")
}

// newLoggerAt is newLogger with the syslog daemon at addr on network, as
// log/syslog.Dial takes them ("" and "" for the local /dev/log).
func newLoggerAt(l config.Logging, stderr io.Writer, network, addr string) (*slog.Logger, func()) {
	opts := &slog.HandlerOptions{Level: l.Level}
	format := func(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
		if l.JSON {
			return slog.NewJSONHandler(w, opts)
		}
		return slog.NewTextHandler(w, opts)
	}
	var handlers []slog.Handler
	if l.Stderr {
		handlers = append(handlers, format(stderr, opts))
	}
	closeFn := func() {}
	// Falco logs to syslog with the facility user; a host without a
	// syslog daemon (no /dev/log: containers, minimal images) just gets no
	// syslog copy, as Falco's ::syslog calls are silently lost there.
	if l.Syslog {
		if w, err := syslog.Dial(network, addr, syslog.LOG_USER|syslog.LOG_INFO, "kestrel"); err == nil {
			handlers = append(handlers, newSyslogHandler(w, l.Level, format))
			closeFn = func() { w.Close() }
		}
	}
	switch len(handlers) {
	case 0:
		return slog.New(slog.DiscardHandler), closeFn
	case 1:
		return slog.New(handlers[0]), closeFn
	}
	return slog.New(slog.NewMultiHandler(handlers...)), closeFn
}

// syslogHandler sends each record to syslog at the severity of its level.
// slog has no syslog handler and log/syslog picks the severity per call,
// so the record is formatted by a text or JSON handler (without the time:
// syslog stamps its own) into a writer that knows the current level.
type syslogHandler struct {
	out   *severityWriter
	inner slog.Handler
}

type severityWriter struct {
	mu    sync.Mutex
	w     *syslog.Writer
	level slog.Level
}

func (s *severityWriter) Write(p []byte) (int, error) {
	line := string(p)
	var err error
	switch {
	case s.level >= slog.LevelError:
		err = s.w.Err(line)
	case s.level >= slog.LevelWarn:
		err = s.w.Warning(line)
	case s.level >= slog.LevelInfo:
		err = s.w.Info(line)
	default:
		err = s.w.Debug(line)
	}
	return len(p), err
}

func newSyslogHandler(w *syslog.Writer, level slog.Level, format func(io.Writer, *slog.HandlerOptions) slog.Handler) *syslogHandler {
	out := &severityWriter{w: w}
	dropTime := func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	return &syslogHandler{out: out, inner: format(out, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime})}
}

func (h *syslogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *syslogHandler) Handle(ctx context.Context, r slog.Record) error {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	h.out.level = r.Level
	return h.inner.Handle(ctx, r)
}

func (h *syslogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &syslogHandler{out: h.out, inner: h.inner.WithAttrs(attrs)}
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	return &syslogHandler{out: h.out, inner: h.inner.WithGroup(name)}
}

// logRulesWarnings logs each warning of a rules file with its code and
// the file position of the item it is about.
func logRulesWarnings(log *slog.Logger, r *load.Result) {
	for _, m := range r.Warnings {
		at := m.Where()
		log.Warn("rules warning", "code", m.Code(), "message", m.Msg,
			"at", fmt.Sprintf("%s:%d:%d", at.Pos.Name, at.Pos.Line, at.Pos.Column),
			"item", at.ItemType.String()+" "+at.ItemName)
	}
}
