package main

import "github.com/kestrel-project/kestrel/internal/agent"

// seedFromProc reads the running system's state for the agent: every
// process and thread, their open files and sockets, users, groups and
// network interfaces, as Falco's libraries read them at start-up.
var seedFromProc = agent.ProcSnapshot
