package main

import (
	"bytes"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/config"
)

// syslogDaemon listens where a syslog daemon would, on a unixgram socket
// in a temporary directory, and returns its path and the connection.
func syslogDaemon(t *testing.T) (string, *net.UnixConn) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return sock, conn
}

// log_syslog sends Kestrel's messages to syslog, facility user, at the
// severity of each message's level, without slog's time (syslog stamps
// its own); log_stderr still gets them.
func TestLoggerToSyslog(t *testing.T) {
	sock, conn := syslogDaemon(t)
	var stderr bytes.Buffer
	log, closeLog := newLoggerAt(config.Logging{Level: slog.LevelInfo, Stderr: true, Syslog: true}, &stderr, "unixgram", sock)
	log.With("component", "outputs").Error("output failed", "output", "http")
	log.Warn("configuration warning", "warning", "x")
	log.Info("rules loaded", "rules", 3)
	log.Debug("not at this level")
	closeLog()

	want := []string{
		`<11>`, // LOG_USER|LOG_ERR
		`<12>`, // LOG_USER|LOG_WARNING
		`<14>`, // LOG_USER|LOG_INFO
	}
	msgs := []string{`level=ERROR msg="output failed" component=outputs output=http`,
		`level=WARN msg="configuration warning" warning=x`, `level=INFO msg="rules loaded" rules=3`}
	buf := make([]byte, 4096)
	for i := range want {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		got := string(buf[:n])
		if !strings.HasPrefix(got, want[i]) || !strings.Contains(got, " kestrel[") || !strings.Contains(got, msgs[i]) || strings.Contains(got, "time=") {
			t.Errorf("datagram %d = %q, want priority %s and %s", i, got, want[i], msgs[i])
		}
	}
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := conn.Read(buf); err == nil {
		t.Errorf("a debug message below log_level reached syslog: %q", buf[:n])
	}
	for _, m := range msgs {
		if !strings.Contains(stderr.String(), m) {
			t.Errorf("stderr lacks %s:\n%s", m, stderr.String())
		}
	}
}

// log_format json applies to the syslog copy too; log_stderr false keeps
// stderr quiet.
func TestLoggerJSONSyslogOnly(t *testing.T) {
	sock, conn := syslogDaemon(t)
	var stderr bytes.Buffer
	log, closeLog := newLoggerAt(config.Logging{Level: slog.LevelDebug, Syslog: true, JSON: true}, &stderr, "unixgram", sock)
	defer closeLog()
	log.Debug("container looked up", "id", "abc")
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); !strings.HasPrefix(got, "<15>") || !strings.Contains(got, `{"level":"DEBUG","msg":"container looked up","id":"abc"}`) {
		t.Errorf("datagram = %q", got)
	}
	if stderr.Len() != 0 {
		t.Errorf("log_stderr false, stderr = %q", stderr.String())
	}
}

// Without a syslog daemon, log_syslog costs nothing and stderr still works.
func TestLoggerWithoutSyslogDaemon(t *testing.T) {
	var stderr bytes.Buffer
	log, closeLog := newLoggerAt(config.Logging{Level: slog.LevelInfo, Stderr: true, Syslog: true}, &stderr, "unixgram", filepath.Join(t.TempDir(), "none"))
	defer closeLog()
	log.Info("still here")
	if !strings.Contains(stderr.String(), `msg="still here"`) {
		t.Errorf("stderr = %q", stderr.String())
	}
}
