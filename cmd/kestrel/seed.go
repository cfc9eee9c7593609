package main

import (
	"github.com/kestrel-project/kestrel/internal/agent"
	"github.com/kestrel-project/kestrel/internal/procfs"
)

// seedFromProc reads the running system's state for the agent: every
// process and thread, their open files and sockets, users, groups and
// network interfaces, as Falco's libraries read them at start-up.
func seedFromProc() (*agent.Snapshot, error) {
	s, err := procfs.Scan(procfs.Options{})
	if err != nil {
		return nil, err
	}
	return &agent.Snapshot{Threads: s.Threads, Users: s.Users, Groups: s.Groups, Interfaces: s.Interfaces}, nil
}
