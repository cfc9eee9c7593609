package output

import (
	"context"
	"io"
	"sync"
)

type stdoutSink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewStdout is Falco's stdout_output: each message is written to w as
// Line + "\n" in a single Write.
func NewStdout(w io.Writer) Sink { return &stdoutSink{w: w} }

func (s *stdoutSink) Name() string { return "stdout" }

func (s *stdoutSink) Write(_ context.Context, m *Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.w.Write(withNewline(m.Line))
	return err
}

func (s *stdoutSink) Close() error { return nil }

func withNewline(line []byte) []byte {
	b := make([]byte, 0, len(line)+1)
	return append(append(b, line...), '\n')
}
