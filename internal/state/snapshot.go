// Package state owns the truth about the system as events reveal it:
// threads and processes, their file descriptors, working directories,
// users and groups, and container identity from cgroups. Tables are seeded
// from snapshots (a capture file's process, fd and user lists, or /proc)
// and then updated by events; memory is bounded and exited threads are
// purged.
//
// Tables.Process is called for every event in order; it reproduces
// libsinsp's parsers (thread creation on clone, execve, exit and
// reparenting, fd creation and naming for files, sockets, pipes and the
// anonymous fds, cwd, credentials) and returns the event's thread and fd
// for the field layer. Both the current exit-only events and the old
// enter/exit pairs of older captures are understood: an exit lacking a
// parameter takes it from the thread's preceding enter event.
package state

import "net/netip"

// The snapshot types below describe the system at one instant, as a
// capture file's metadata blocks or a /proc scan give it. They mirror the
// information libscap keeps per thread, fd, user and group, so a capture
// written by Kestrel carries everything a capture written by Falco does.

// Cgroup is one cgroup membership: a controller (subsystem) and a path.
type Cgroup struct {
	Subsys string
	Path   string
}

// ThreadInfo is a thread as a snapshot describes it.
type ThreadInfo struct {
	Tid, Pid, PTid int64
	Sid            int64
	VPgid, Pgid    int64
	Comm           string // task name, at most 15 bytes in the kernel
	Exe            string // argv[0]
	ExePath        string // resolved executable path
	ExeWritable    bool
	ExeUpperLayer  bool
	ExeLowerLayer  bool
	ExeFromMemfd   bool
	Args           []string // argv[1:]
	Env            []string // KEY=VALUE
	Cwd            string
	FDLimit        int64
	Flags          uint32 // PPM_CL_* clone flags of the thread's creation
	UID, GID       uint32
	CapPermitted   uint64
	CapEffective   uint64
	CapInheritable uint64
	ExeIno         uint64
	ExeInoCtime    uint64
	ExeInoMtime    uint64
	// ExeInoCtimeDurationCloneTs is clone_ts - exe ctime (0 if negative).
	ExeInoCtimeDurationCloneTs uint64
	// ExeInoCtimeDurationPidnsStart is exe ctime - pid namespace start.
	ExeInoCtimeDurationPidnsStart uint64
	VMSizeKB, VMRSSKB, VMSwapKB   uint32
	PFMajor, PFMinor              uint64
	VTid, VPid                    int64
	PidnsInitStartTs              uint64
	Cgroups                       []Cgroup
	Root                          string
	CloneTs                       uint64 // ns since the epoch
	TTY                           uint32
	LoginUID                      uint32 // 0xffffffff when unset
	FDs                           []FDInfo
}

// FDType is the kind of object a file descriptor refers to, with
// libscap's numbering (scap_fd_type), which capture files store.
type FDType int8

// File descriptor types.
const (
	FDUninitialized FDType = -1
	FDUnknown       FDType = 0
	FDFile          FDType = 1
	FDDirectory     FDType = 2
	FDIPv4Sock      FDType = 3
	FDIPv6Sock      FDType = 4
	FDIPv4ServSock  FDType = 5
	FDIPv6ServSock  FDType = 6
	FDFifo          FDType = 7
	FDUnixSock      FDType = 8
	FDEvent         FDType = 9
	FDUnsupported   FDType = 10
	FDSignalfd      FDType = 11
	FDEventpoll     FDType = 12
	FDInotify       FDType = 13
	FDTimerfd       FDType = 14
	FDNetlink       FDType = 15
	FDFileV2        FDType = 16
	FDBPF           FDType = 17
	FDUserfaultfd   FDType = 18
	FDIOUring       FDType = 19
	FDMemfd         FDType = 20
	FDPidfd         FDType = 21
)

// L4 protocols of sockets (scap_l4_proto).
const (
	L4Unknown uint8 = 0
	L4NA      uint8 = 1
	L4TCP     uint8 = 2
	L4UDP     uint8 = 3
	L4ICMP    uint8 = 4
	L4Raw     uint8 = 5
)

// FDInfo is a file descriptor as a snapshot describes it.
type FDInfo struct {
	FD   int64
	Ino  uint64
	Type FDType
	// Files, directories and most other kinds: the path or name.
	Name string
	// Regular files (FDFileV2).
	OpenFlags uint32
	MountID   uint32
	Dev       uint32
	// Sockets. For connected inet sockets Src/Dst are the local and remote
	// ends as the snapshot saw them; for server sockets only Src is set.
	SrcAddr, DstAddr netip.Addr
	SrcPort, DstPort uint16
	L4Proto          uint8
	// Unix sockets: kernel addresses of both ends.
	UnixSrc, UnixDst uint64
}

// UserInfo is one user of the machine (or of a container).
type UserInfo struct {
	UID         uint32
	GID         uint32
	Name        string
	HomeDir     string
	Shell       string
	ContainerID string // empty for the host
}

// GroupInfo is one group of the machine (or of a container).
type GroupInfo struct {
	GID         uint32
	Name        string
	ContainerID string
}

// MachineInfo describes the machine a capture was taken on.
type MachineInfo struct {
	NumCPUs         uint32
	MemorySizeBytes uint64
	MaxPid          uint64
	Hostname        string
	BootTsEpoch     uint64
	Flags           uint64
}

// InterfaceInfo is one network interface address.
type InterfaceInfo struct {
	Name      string
	Addr      netip.Addr
	Netmask   netip.Addr
	Broadcast netip.Addr
	// LinkSpeed is the link speed a capture's interface list records
	// (libscap's linkspeed; 0 when unknown).
	LinkSpeed uint64
}
