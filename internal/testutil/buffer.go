// Package testutil holds helpers shared by tests of several packages; its
// subpackages hold heavier ones (a Docker daemon, helper binaries).
package testutil

import (
	"strings"
	"sync"
)

// Buffer collects what a component under test writes from its own
// goroutines, for the test to read at any time.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
