package output

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/priority"
)

func readLines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func distinct(xs []string) int {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return len(m)
}

func TestProgramPerMessage(t *testing.T) {
	dir := t.TempDir()
	out, pids := filepath.Join(dir, "out"), filepath.Join(dir, "pids")
	s := NewProgram(fmt.Sprintf("echo $$ >> %s; cat >> %s", pids, out), false)
	ctx := context.Background()
	for _, l := range []string{"a", "b", "c"} {
		if err := s.Write(ctx, &Message{Line: []byte(l)}); err != nil {
			t.Fatal(err)
		}
	}
	// Each Write waits for its program, as Falco's pclose.
	if got := readLines(out); strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("out %q", got)
	}
	if p := readLines(pids); len(p) != 3 || distinct(p) != 3 {
		t.Fatalf("want 3 processes, pids %q", p)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := NewProgram("exit 3", false).Write(ctx, &Message{Line: []byte("x")}); err == nil {
		t.Error("failing program gave no error")
	}
}

func TestProgramKeepAlive(t *testing.T) {
	dir := t.TempDir()
	out, pids := filepath.Join(dir, "out"), filepath.Join(dir, "pids")
	s := NewProgram(fmt.Sprintf("echo $$ >> %s; exec cat >> %s", pids, out), true)
	o := New([]Sink{s}, 0, nil)
	for _, l := range []string{"a", "b", "c"} {
		o.Emit(Message{Line: []byte(l)})
	}
	waitFor(t, "three lines", func() bool { return len(readLines(out)) == 3 })
	if p := readLines(pids); len(p) != 1 {
		t.Fatalf("want one process, pids %q", p)
	}
	// Reopen restarts the program.
	o.Reopen()
	o.Emit(Message{Line: []byte("d")})
	if err := o.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	// Close closed stdin and waited for cat, so its output is complete.
	if got := readLines(out); strings.Join(got, ",") != "a,b,c,d" {
		t.Fatalf("out %q", got)
	}
	if p := readLines(pids); len(p) != 2 || distinct(p) != 2 {
		t.Fatalf("want a restart, pids %q", p)
	}
	if st := o.Stats()[0]; st.Sent != 4 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestProgramKeepAliveRestartsAfterExit(t *testing.T) {
	dir := t.TempDir()
	out, pids := filepath.Join(dir, "out"), filepath.Join(dir, "pids")
	// Each process takes one line and exits.
	s := NewProgram(fmt.Sprintf("echo $$ >> %s; head -n 1 >> %s", pids, out), true)
	ctx := context.Background()
	for i, l := range []string{"a", "b", "c"} {
		if err := s.Write(ctx, &Message{Line: []byte(l)}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		waitFor(t, "line written", func() bool { return len(readLines(out)) == i+1 })
		// Wait until that process is gone, so the next Write finds it dead.
		p := readLines(pids)
		waitFor(t, "program exit", func() bool {
			_, err := os.Stat("/proc/" + p[len(p)-1])
			return os.IsNotExist(err)
		})
	}
	if got := readLines(out); strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("out %q", got)
	}
	if p := readLines(pids); len(p) != 3 || distinct(p) != 3 {
		t.Fatalf("want 3 starts, pids %q", p)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSyslogPriority(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := NewSyslogAt("unixgram", path, "kestrel")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Facility user (1) * 8 + severity; Falco's priority is the severity.
	for _, c := range []struct {
		p    priority.Priority
		pri  string
		line string
	}{
		{priority.Warning, "<12>", "Warning shell in container"},
		{priority.Critical, "<10>", "Critical write below etc"},
		{priority.Emergency, "<8>", "Emergency x"},
		{priority.Debug, "<15>", "Debug y"},
	} {
		if err := s.Write(context.Background(), &Message{Line: []byte(c.line), Priority: c.p}); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got := string(buf[:n])
		if !strings.HasPrefix(got, c.pri) || !strings.Contains(got, " kestrel[") || !strings.HasSuffix(got, ": "+c.line+"\n") {
			t.Errorf("%v: datagram %q, want prefix %s, tag kestrel, message %q", c.p, got, c.pri, c.line)
		}
	}
}

func TestSyslogUnreachable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nothing")
	if _, err := NewSyslogAt("unixgram", path, "kestrel"); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want it to name %s", err, path)
	}
}
