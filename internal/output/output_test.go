package output

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/priority"
)

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// blockSink blocks every Write until released (or its context is done).
type blockSink struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	got     []string
}

func newBlockSink() *blockSink {
	return &blockSink{entered: make(chan struct{}, 1000), release: make(chan struct{})}
}
func (b *blockSink) Name() string { return "block" }
func (b *blockSink) Write(ctx context.Context, m *Message) error {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.mu.Lock()
	b.got = append(b.got, string(m.Line))
	b.mu.Unlock()
	return nil
}
func (b *blockSink) Close() error { return nil }

// slowSink takes delay per message and records them.
type slowSink struct {
	delay  time.Duration
	mu     sync.Mutex
	got    []string
	closed bool
}

func (s *slowSink) Name() string { return "slow" }
func (s *slowSink) Write(_ context.Context, m *Message) error {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("write after close")
	}
	s.got = append(s.got, string(m.Line))
	return nil
}
func (s *slowSink) Close() error { s.mu.Lock(); s.closed = true; s.mu.Unlock(); return nil }
func (s *slowSink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// returns fails the test unless f returns within 10s: for calls that must
// not wait on a sink (whose own speed is not tested).
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

func statsOf(o *Outputs, name string) Stats {
	for _, s := range o.Stats() {
		if s.Name == name {
			return s
		}
	}
	return Stats{}
}

func msg(s string) Message { return Message{Line: []byte(s), Priority: priority.Warning, Rule: "r"} }

func TestCapacityDropsExactlyTheExcess(t *testing.T) {
	for _, c := range []struct {
		capacity, extra     int
		wantDrop, wantQueue int
	}{
		{capacity: 2, extra: 7, wantDrop: 5, wantQueue: 2},
		{capacity: 0, extra: 500, wantDrop: 0, wantQueue: 500},
	} {
		b := newBlockSink()
		o := New([]Sink{b}, c.capacity, nil)
		o.Emit(msg("first"))
		<-b.entered // the worker holds "first"; the queue is empty
		for i := 0; i < c.extra; i++ {
			o.Emit(msg("m"))
		}
		st := statsOf(o, "block")
		if st.Dropped != uint64(c.wantDrop) || st.Queued != c.wantQueue {
			t.Errorf("capacity %d: stats %+v, want dropped %d queued %d", c.capacity, st, c.wantDrop, c.wantQueue)
		}
		close(b.release)
		if err := o.Close(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		st = statsOf(o, "block")
		if st.Sent != uint64(1+c.wantQueue) || st.Failed != 0 || st.Queued != 0 {
			t.Errorf("capacity %d: after close %+v", c.capacity, st)
		}
	}
}

func TestEmitCopiesLine(t *testing.T) {
	s := &slowSink{}
	o := New([]Sink{s}, 0, nil)
	line := []byte("original")
	o.Emit(Message{Line: line})
	copy(line, "XXXXXXXX")
	if err := o.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := s.lines(); len(got) != 1 || got[0] != "original" {
		t.Fatalf("got %q", got)
	}
}

func TestCloseDrains(t *testing.T) {
	s := &slowSink{delay: 20 * time.Millisecond}
	b := newBlockSink() // held until all is emitted: Emit must not wait for it
	var out bytes.Buffer
	o := New([]Sink{s, NewStdout(&out), b}, 0, nil)
	returns(t, "Emit behind a busy sink", func() {
		for i := 0; i < 10; i++ {
			o.Emit(msg("m" + string(rune('0'+i))))
		}
	})
	close(b.release)
	// Close returns as soon as the queues are drained; the timeout is only
	// a bound for a slow machine.
	if err := o.Close(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := s.lines(); len(got) != 10 || got[0] != "m0" || got[9] != "m9" {
		t.Fatalf("slow sink got %q", got)
	}
	b.mu.Lock()
	blocked := append([]string(nil), b.got...)
	b.mu.Unlock()
	if len(blocked) != 10 || blocked[0] != "m0" || blocked[9] != "m9" {
		t.Fatalf("released sink got %q", blocked)
	}
	if strings.Count(out.String(), "\n") != 10 || !strings.HasPrefix(out.String(), "m0\nm1\n") {
		t.Fatalf("stdout got %q", out.String())
	}
	// Emit after Close is dropped, not blocked.
	o.Emit(msg("late"))
	if st := statsOf(o, "slow"); st.Sent != 10 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCloseTimeoutCancelsStuckSink(t *testing.T) {
	b := newBlockSink() // never released: its Write returns only on cancel
	s := &slowSink{}
	o := New([]Sink{b, s}, 0, nil)
	for i := 0; i < 3; i++ {
		o.Emit(msg("m"))
	}
	<-b.entered
	// The healthy sink is done before Close: only the stuck one may lose
	// messages, whatever the machine's speed.
	waitFor(t, "the healthy sink", func() bool { return len(s.lines()) == 3 })
	var err error
	returns(t, "Close with a stuck sink", func() { err = o.Close(100 * time.Millisecond) })
	if err == nil || !strings.Contains(err.Error(), "block") {
		t.Fatalf("Close error %v, want it to name the stuck sink", err)
	}
	// The cancelled write ends when its goroutine next runs, which may be
	// after Close's grace period.
	waitFor(t, "the cancelled write", func() bool {
		st := statsOf(o, "block")
		return st.Failed == 1 && st.Dropped == 2 && st.Queued == 0
	})
	if st := statsOf(o, "block"); st.Sent != 0 {
		t.Errorf("stuck sink stats %+v", st)
	}
	if got := s.lines(); len(got) != 3 {
		t.Errorf("healthy sink got %d", len(got))
	}
}

func TestFileKeepAliveAndReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alerts.log")
	f, err := NewFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	o := New([]Sink{f}, 0, nil)
	o.Emit(msg("one"))
	o.Emit(msg("two"))
	waitFor(t, "two lines", func() bool { return statsOf(o, "file").Sent == 2 })
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	o.Reopen()
	o.Emit(msg("three"))
	if err := o.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "one\ntwo\n" || string(cur) != "three\n" {
		t.Fatalf("rotated %q, new %q", old, cur)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o600 != 0o600 || fi.Mode().Perm()&0o111 != 0 {
		t.Errorf("mode %v", fi.Mode())
	}
}

func TestFileNoKeepAlive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.log")
	if err := os.WriteFile(path, []byte("before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.Write(ctx, &Message{Line: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	// Not kept open: a rename between messages needs no Reopen.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(ctx, &Message{Line: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	if fs := f.(*fileSink); fs.f != nil {
		t.Error("file left open without keep_alive")
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "before\na\n" || string(cur) != "b\n" {
		t.Fatalf("old %q, new %q", old, cur)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "alerts.log")
	for _, keep := range []bool{true, false} {
		_, err := NewFile(path, keep)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("keep_alive %v: error %v, want it to name %s", keep, err, path)
		}
	}
}

func TestStdout(t *testing.T) {
	var b bytes.Buffer
	s := NewStdout(&b)
	if err := s.Write(context.Background(), &Message{Line: []byte(`{"a":1}`), JSON: true}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "{\"a\":1}\n" {
		t.Fatalf("%q", b.String())
	}
}
