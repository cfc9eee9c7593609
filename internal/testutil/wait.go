package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Deadline bounds every wait of the live tests. It is generous on
// purpose: CI runs many packages at once on two CPUs under -race, and a
// wait only lasts this long when the behaviour is broken.
const Deadline = 60 * time.Second

// WaitUntil polls cond until it holds, failing the test after Deadline
// with what names.
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	WaitUntilDesc(t, func() string { return what }, cond)
}

// WaitUntilDesc is WaitUntil with a description made at the failure (so
// that it can say what was seen instead).
func WaitUntilDesc(t testing.TB, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what(), Deadline)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Listening reports whether a TCP socket listens on port in the network
// namespace of process pid (0: this process's), from /proc/PID/net/tcp and
// tcp6, so that a test connects only once a server it started is ready.
func Listening(pid, port int) bool {
	proc := "self"
	if pid != 0 {
		proc = strconv.Itoa(pid)
	}
	local := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"tcp", "tcp6"} {
		data, _ := os.ReadFile(filepath.Join("/proc", proc, "net", f))
		for _, l := range strings.Split(string(data), "\n") {
			// sl local_address rem_address st ...: 0A is LISTEN.
			if fs := strings.Fields(l); len(fs) > 3 && strings.HasSuffix(fs[1], local) && fs[3] == "0A" {
				return true
			}
		}
	}
	return false
}
