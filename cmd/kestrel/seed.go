package main

import "github.com/kestrel-project/kestrel/internal/agent"

// seedFromProc reads the running system's state for the agent.
// TODO(issue 4): /proc scan (internal/procfs) lands next; until then the
// state learns processes from their events only.
func seedFromProc() (*agent.Snapshot, error) { return nil, nil }
