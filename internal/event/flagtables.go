// Data transcribed from falcosecurity/libs, commit 48dfd53cd23f95720521d41b89883bbc35c8567f:
// driver/flags_table.c and driver/dynamic_params_table.c.
// The values are facts about the Falco event format; the layout and the names
// of the Go declarations are our own.

package event

// Name/value tables referenced by flag and enum parameters. Entries keep the upstream
// order, which matters when a value is rendered as a list of flag names.
var (
	// SocketFamilies is the upstream socket_families table.
	SocketFamilies = &FlagTable{Name: "socket_families", Values: []FlagValue{
		{"AF_NFC", 39},
		{"AF_ALG", 38},
		{"AF_CAIF", 37},
		{"AF_IEEE802154", 36},
		{"AF_PHONET", 35},
		{"AF_ISDN", 34},
		{"AF_RXRPC", 33},
		{"AF_IUCV", 32},
		{"AF_BLUETOOTH", 31},
		{"AF_TIPC", 30},
		{"AF_CAN", 29},
		{"AF_LLC", 26},
		{"AF_WANPIPE", 25},
		{"AF_PPPOX", 24},
		{"AF_IRDA", 23},
		{"AF_SNA", 22},
		{"AF_RDS", 21},
		{"AF_ATMSVC", 20},
		{"AF_ECONET", 19},
		{"AF_ASH", 18},
		{"AF_PACKET", 17},
		{"AF_ROUTE", 16},
		{"AF_NETLINK", 16},
		{"AF_KEY", 15},
		{"AF_SECURITY", 14},
		{"AF_NETBEUI", 13},
		{"AF_DECnet", 12},
		{"AF_ROSE", 11},
		{"AF_INET6", 10},
		{"AF_X25", 9},
		{"AF_ATMPVC", 8},
		{"AF_BRIDGE", 7},
		{"AF_NETROM", 6},
		{"AF_APPLETALK", 5},
		{"AF_IPX", 4},
		{"AF_AX25", 3},
		{"AF_INET", 2},
		{"AF_LOCAL", 1},
		{"AF_UNIX", 1},
		{"AF_UNSPEC", 0},
	}}
	// FileFlags is the upstream file_flags table.
	FileFlags = &FlagTable{Name: "file_flags", Values: []FlagValue{
		{"O_LARGEFILE", 0x800},
		{"O_DIRECTORY", 0x400},
		{"O_DIRECT", 0x200},
		{"O_TRUNC", 0x100},
		{"O_SYNC", 0x80},
		{"O_NONBLOCK", 0x40},
		{"O_EXCL", 0x20},
		{"O_DSYNC", 0x10},
		{"O_APPEND", 8},
		{"O_CREAT", 4},
		{"O_RDWR", 3},
		{"O_WRONLY", 2},
		{"O_RDONLY", 1},
		{"O_CLOEXEC", 0x1000},
		{"O_NONE", 0},
		{"O_TMPFILE", 0x2000},
		{"O_F_CREATED", 0x4000},
		{"FD_UPPER_LAYER", 0x8000},
		{"FD_LOWER_LAYER", 0x10000},
	}}
	// CreatFlags is the upstream creat_flags table.
	CreatFlags = &FlagTable{Name: "creat_flags", Values: []FlagValue{
		{"FD_UPPER_LAYER_CREAT", 1},
		{"FD_LOWER_LAYER_CREAT", 2},
	}}
	// FlockFlags is the upstream flock_flags table.
	FlockFlags = &FlagTable{Name: "flock_flags", Values: []FlagValue{
		{"LOCK_SH", 1},
		{"LOCK_EX", 2},
		{"LOCK_NB", 4},
		{"LOCK_UN", 8},
		{"LOCK_NONE", 0},
	}}
	// CloneFlags is the upstream clone_flags table.
	CloneFlags = &FlagTable{Name: "clone_flags", Values: []FlagValue{
		{"CLONE_FILES", 1},
		{"CLONE_FS", 2},
		{"CLONE_IO", 4},
		{"CLONE_NEWIPC", 8},
		{"CLONE_NEWNET", 0x10},
		{"CLONE_NEWNS", 0x20},
		{"CLONE_NEWPID", 0x40},
		{"CLONE_NEWUTS", 0x80},
		{"CLONE_PARENT", 0x100},
		{"CLONE_PARENT_SETTID", 0x200},
		{"CLONE_PTRACE", 0x400},
		{"CLONE_SIGHAND", 0x800},
		{"CLONE_SYSVSEM", 0x1000},
		{"CLONE_THREAD", 0x2000},
		{"CLONE_UNTRACED", 0x4000},
		{"CLONE_VM", 0x8000},
		{"CLONE_INVERTED", 0x10000},
		{"NAME_CHANGED", 0x20000},
		{"CLOSED", 0x40000},
		{"CLONE_NEWUSER", 0x100000},
		{"CLONE_CHILD_CLEARTID", 0x800000},
		{"CLONE_CHILD_SETTID", 0x1000000},
		{"CLONE_SETTLS", 0x2000000},
		{"CLONE_STOPPED", 0x4000000},
		{"CLONE_VFORK", 0x8000000},
		{"CLONE_NEWCGROUP", 0x10000000},
		{"CLONE_CHILD_IN_PIDNS", 0x20000000},
	}}
	// FutexOperations is the upstream futex_operations table.
	FutexOperations = &FlagTable{Name: "futex_operations", Values: []FlagValue{
		{"FUTEX_CLOCK_REALTIME", 0x100},
		{"FUTEX_PRIVATE_FLAG", 0x80},
		{"FUTEX_CMP_REQUEUE_PI", 0xc},
		{"FUTEX_WAIT_REQUEUE_PI", 0xb},
		{"FUTEX_WAKE_BITSET", 0xa},
		{"FUTEX_WAIT_BITSET", 9},
		{"FUTEX_TRYLOCK_PI", 8},
		{"FUTEX_UNLOCK_PI", 7},
		{"FUTEX_LOCK_PI", 6},
		{"FUTEX_WAKE_OP", 5},
		{"FUTEX_CMP_REQUEUE", 4},
		{"FUTEX_REQUEUE", 3},
		{"FUTEX_FD", 2},
		{"FUTEX_WAKE", 1},
		{"FUTEX_WAIT", 0},
	}}
	// LseekWhence is the upstream lseek_whence table.
	LseekWhence = &FlagTable{Name: "lseek_whence", Values: []FlagValue{
		{"SEEK_END", 2},
		{"SEEK_CUR", 1},
		{"SEEK_SET", 0},
	}}
	// PollFlags is the upstream poll_flags table.
	PollFlags = &FlagTable{Name: "poll_flags", Values: []FlagValue{
		{"POLLIN", 1},
		{"POLLPRI", 2},
		{"POLLOUT", 4},
		{"POLLRDHUP", 8},
		{"POLLERR", 0x10},
		{"POLLHUP", 0x20},
		{"POLLNVAL", 0x40},
		{"POLLRDNORM", 0x80},
		{"POLLRDBAND", 0x100},
		{"POLLWRNORM", 0x200},
		{"POLLWRBAND", 0x400},
	}}
	// MountFlags is the upstream mount_flags table.
	MountFlags = &FlagTable{Name: "mount_flags", Values: []FlagValue{
		{"RDONLY", 1},
		{"NOSUID", 2},
		{"NODEV", 4},
		{"NOEXEC", 8},
		{"SYNCHRONOUS", 0x10},
		{"REMOUNT", 0x20},
		{"MANDLOCK", 0x40},
		{"DIRSYNC", 0x80},
		{"NOATIME", 0x400},
		{"NODIRATIME", 0x800},
		{"BIND", 0x1000},
		{"MOVE", 0x2000},
		{"REC", 0x4000},
		{"SILENT", 0x8000},
		{"POSIXACL", 0x10000},
		{"UNBINDABLE", 0x20000},
		{"PRIVATE", 0x40000},
		{"SLAVE", 0x80000},
		{"SHARED", 0x100000},
		{"RELATIME", 0x200000},
		{"KERNMOUNT", 0x400000},
		{"I_VERSION", 0x800000},
		{"STRICTATIME", 0x1000000},
		{"LAZYTIME", 0x2000000},
		{"NOSEC", 0x10000000},
		{"BORN", 0x20000000},
		{"ACTIVE", 0x40000000},
		{"NOUSER", 0x80000000},
	}}
	// UmountFlags is the upstream umount_flags table.
	UmountFlags = &FlagTable{Name: "umount_flags", Values: []FlagValue{
		{"FORCE", 1},
		{"DETACH", 2},
		{"EXPIRE", 4},
		{"NOFOLLOW", 8},
	}}
	// ShutdownHow is the upstream shutdown_how table.
	ShutdownHow = &FlagTable{Name: "shutdown_how", Values: []FlagValue{
		{"SHUT_UNKNOWN", 65535},
		{"SHUT_RDWR", 2},
		{"SHUT_WR", 1},
		{"SHUT_RD", 0},
	}}
	// RlimitResources is the upstream rlimit_resources table.
	RlimitResources = &FlagTable{Name: "rlimit_resources", Values: []FlagValue{
		{"RLIMIT_UNKNOWN", 255},
		{"RLIMIT_RTTIME", 15},
		{"RLIMIT_RTPRIO", 14},
		{"RLIMIT_NICE", 13},
		{"RLIMIT_MSGQUEUE", 12},
		{"RLIMIT_SIGPENDING", 11},
		{"RLIMIT_LOCKS", 10},
		{"RLIMIT_AS", 9},
		{"RLIMIT_MEMLOCK", 8},
		{"RLIMIT_NOFILE", 7},
		{"RLIMIT_NPROC", 6},
		{"RLIMIT_RSS", 5},
		{"RLIMIT_CORE", 4},
		{"RLIMIT_STACK", 3},
		{"RLIMIT_DATA", 2},
		{"RLIMIT_FSIZE", 1},
		{"RLIMIT_CPU", 0},
	}}
	// FcntlCommands is the upstream fcntl_commands table.
	FcntlCommands = &FlagTable{Name: "fcntl_commands", Values: []FlagValue{
		{"F_GETPIPE_SZ", 29},
		{"F_SETPIPE_SZ", 28},
		{"F_NOTIFY", 27},
		{"F_DUPFD_CLOEXEC", 26},
		{"F_CANCELLK", 25},
		{"F_GETLEASE", 24},
		{"F_SETLEASE", 23},
		{"F_GETOWN_EX", 22},
		{"F_SETOWN_EX", 21},
		{"F_SETLKW64", 19},
		{"F_SETLK64", 18},
		{"F_GETLK64", 17},
		{"F_GETSIG", 15},
		{"F_SETSIG", 13},
		{"F_GETOWN", 12},
		{"F_SETOWN", 10},
		{"F_SETLKW", 9},
		{"F_SETLK", 8},
		{"F_GETLK", 6},
		{"F_SETFL", 5},
		{"F_GETFL", 4},
		{"F_SETFD", 3},
		{"F_GETFD", 2},
		{"F_DUPFD", 1},
		{"F_OFD_GETLK", 30},
		{"F_OFD_SETLK", 31},
		{"F_OFD_SETLKW", 32},
		{"UNKNOWN", 0},
	}}
	// SockoptLevels is the upstream sockopt_levels table.
	SockoptLevels = &FlagTable{Name: "sockopt_levels", Values: []FlagValue{
		{"SOL_SOCKET", 1},
		{"SOL_TCP", 2},
		{"UNKNOWN", 0},
	}}
	// SockoptOptions is the upstream sockopt_options table.
	SockoptOptions = &FlagTable{Name: "sockopt_options", Values: []FlagValue{
		{"SO_COOKIE", 53},
		{"SO_MEMINFO", 52},
		{"SO_PEERGROUPS", 51},
		{"SO_ATTACH_BPF", 50},
		{"SO_INCOMING_CPU", 49},
		{"SO_BPF_EXTENSIONS", 48},
		{"SO_MAX_PACING_RATE", 47},
		{"SO_BUSY_POLL", 46},
		{"SO_SELECT_ERR_QUEUE", 45},
		{"SO_LOCK_FILTER", 44},
		{"SO_NOFCS", 43},
		{"SO_PEEK_OFF", 42},
		{"SO_WIFI_STATUS", 41},
		{"SO_RXQ_OVFL", 40},
		{"SO_DOMAIN", 39},
		{"SO_PROTOCOL", 38},
		{"SO_TIMESTAMPING", 37},
		{"SO_MARK", 36},
		{"SO_TIMESTAMPNS", 35},
		{"SO_PASSSEC", 34},
		{"SO_PEERSEC", 31},
		{"SO_ACCEPTCONN", 30},
		{"SO_TIMESTAMP", 29},
		{"SO_PEERNAME", 28},
		{"SO_DETACH_FILTER", 27},
		{"SO_ATTACH_FILTER", 26},
		{"SO_BINDTODEVICE", 25},
		{"SO_SECURITY_ENCRYPTION_NETWORK", 24},
		{"SO_SECURITY_ENCRYPTION_TRANSPORT", 23},
		{"SO_SECURITY_AUTHENTICATION", 22},
		{"SO_SNDTIMEO", 21},
		{"SO_RCVTIMEO", 20},
		{"SO_SNDLOWAT", 19},
		{"SO_RCVLOWAT", 18},
		{"SO_PEERCRED", 17},
		{"SO_PASSCRED", 16},
		{"SO_REUSEPORT", 15},
		{"SO_BSDCOMPAT", 14},
		{"SO_LINGER", 13},
		{"SO_PRIORITY", 12},
		{"SO_NO_CHECK", 11},
		{"SO_OOBINLINE", 10},
		{"SO_KEEPALIVE", 9},
		{"SO_RCVBUFFORCE", 33},
		{"SO_SNDBUFFORCE", 32},
		{"SO_RCVBUF", 8},
		{"SO_SNDBUF", 7},
		{"SO_BROADCAST", 6},
		{"SO_DONTROUTE", 5},
		{"SO_ERROR", 4},
		{"SO_TYPE", 3},
		{"SO_REUSEADDR", 2},
		{"SO_DEBUG", 1},
		{"UNKNOWN", 0},
	}}
	// PtraceRequests is the upstream ptrace_requests table.
	PtraceRequests = &FlagTable{Name: "ptrace_requests", Values: []FlagValue{
		{"PTRACE_SINGLEBLOCK", 38},
		{"PTRACE_SYSEMU_SINGLESTEP", 37},
		{"PTRACE_SYSEMU", 36},
		{"PTRACE_ARCH_PRCTL", 35},
		{"PTRACE_SET_THREAD_AREA", 34},
		{"PTRACE_GET_THREAD_AREA", 33},
		{"PTRACE_OLDSETOPTIONS", 32},
		{"PTRACE_SETFPXREGS", 31},
		{"PTRACE_GETFPXREGS", 30},
		{"PTRACE_SETFPREGS", 29},
		{"PTRACE_GETFPREGS", 28},
		{"PTRACE_SETREGS", 27},
		{"PTRACE_GETREGS", 26},
		{"PTRACE_SETSIGMASK", 25},
		{"PTRACE_GETSIGMASK", 24},
		{"PTRACE_PEEKSIGINFO", 23},
		{"PTRACE_LISTEN", 22},
		{"PTRACE_INTERRUPT", 21},
		{"PTRACE_SEIZE", 20},
		{"PTRACE_SETREGSET", 19},
		{"PTRACE_GETREGSET", 18},
		{"PTRACE_SETSIGINFO", 17},
		{"PTRACE_GETSIGINFO", 16},
		{"PTRACE_GETEVENTMSG", 15},
		{"PTRACE_SETOPTIONS", 14},
		{"PTRACE_SYSCALL", 13},
		{"PTRACE_DETACH", 12},
		{"PTRACE_ATTACH", 11},
		{"PTRACE_SINGLESTEP", 10},
		{"PTRACE_KILL", 9},
		{"PTRACE_CONT", 8},
		{"PTRACE_POKEUSR", 7},
		{"PTRACE_POKEDATA", 6},
		{"PTRACE_POKETEXT", 5},
		{"PTRACE_PEEKUSR", 4},
		{"PTRACE_PEEKDATA", 3},
		{"PTRACE_PEEKTEXT", 2},
		{"PTRACE_TRACEME", 1},
		{"PTRACE_UNKNOWN", 0},
	}}
	// ProtFlags is the upstream prot_flags table.
	ProtFlags = &FlagTable{Name: "prot_flags", Values: []FlagValue{
		{"PROT_READ", 1},
		{"PROT_WRITE", 2},
		{"PROT_EXEC", 4},
		{"PROT_SEM", 8},
		{"PROT_GROWSDOWN", 0x10},
		{"PROT_GROWSUP", 0x20},
		{"PROT_SAO", 0x40},
		{"PROT_NONE", 0},
	}}
	// MmapFlags is the upstream mmap_flags table.
	MmapFlags = &FlagTable{Name: "mmap_flags", Values: []FlagValue{
		{"MAP_SHARED", 1},
		{"MAP_PRIVATE", 2},
		{"MAP_FIXED", 4},
		{"MAP_ANONYMOUS", 8},
		{"MAP_32BIT", 0x10},
		{"MAP_RENAME", 0x20},
		{"MAP_NORESERVE", 0x40},
		{"MAP_POPULATE", 0x80},
		{"MAP_NONBLOCK", 0x100},
		{"MAP_GROWSDOWN", 0x200},
		{"MAP_DENYWRITE", 0x400},
		{"MAP_EXECUTABLE", 0x800},
		{"MAP_INHERIT", 0x1000},
		{"MAP_FILE", 0x2000},
		{"MAP_LOCKED", 0x4000},
	}}
	// SpliceFlags is the upstream splice_flags table.
	SpliceFlags = &FlagTable{Name: "splice_flags", Values: []FlagValue{
		{"SPLICE_F_MOVE", 1},
		{"SPLICE_F_NONBLOCK", 2},
		{"SPLICE_F_MORE", 4},
		{"SPLICE_F_GIFT", 8},
	}}
	// QuotactlCmds is the upstream quotactl_cmds table.
	QuotactlCmds = &FlagTable{Name: "quotactl_cmds", Values: []FlagValue{
		{"Q_QUOTAON", 1},
		{"Q_QUOTAOFF", 2},
		{"Q_GETFMT", 4},
		{"Q_GETINFO", 8},
		{"Q_SETINFO", 0x10},
		{"Q_GETQUOTA", 0x20},
		{"Q_SETQUOTA", 0x40},
		{"Q_SYNC", 0x80},
		{"Q_XQUOTAON", 0x100},
		{"Q_XQUOTAOFF", 0x200},
		{"Q_XGETQUOTA", 0x400},
		{"Q_XSETQLIM", 0x800},
		{"Q_XGETQSTAT", 0x1000},
		{"Q_XQUOTARM", 0x2000},
		{"Q_XQUOTASYNC", 0x4000},
	}}
	// QuotactlTypes is the upstream quotactl_types table.
	QuotactlTypes = &FlagTable{Name: "quotactl_types", Values: []FlagValue{
		{"USRQUOTA", 1},
		{"GRPQUOTA", 2},
	}}
	// QuotactlDqiFlags is the upstream quotactl_dqi_flags table.
	QuotactlDqiFlags = &FlagTable{Name: "quotactl_dqi_flags", Values: []FlagValue{
		{"DQF_NONE", 1},
		{"V1_DQF_RSQUASH", 2},
	}}
	// QuotactlQuotaFmts is the upstream quotactl_quota_fmts table.
	QuotactlQuotaFmts = &FlagTable{Name: "quotactl_quota_fmts", Values: []FlagValue{
		{"QFMT_NOT_USED", 1},
		{"QFMT_VFS_OLD", 2},
		{"QFMT_VFS_V0", 4},
		{"QFMT_VFS_V1", 8},
	}}
	// SemopFlags is the upstream semop_flags table.
	SemopFlags = &FlagTable{Name: "semop_flags", Values: []FlagValue{
		{"IPC_NOWAIT", 1},
		{"SEM_UNDO", 2},
	}}
	// SemgetFlags is the upstream semget_flags table.
	SemgetFlags = &FlagTable{Name: "semget_flags", Values: []FlagValue{
		{"IPC_EXCL", 0x4000},
		{"IPC_CREAT", 0x2000},
	}}
	// SemctlCommands is the upstream semctl_commands table.
	SemctlCommands = &FlagTable{Name: "semctl_commands", Values: []FlagValue{
		{"IPC_STAT", 1},
		{"IPC_SET", 2},
		{"IPC_RMID", 4},
		{"IPC_INFO", 8},
		{"SEM_INFO", 0x10},
		{"SEM_STAT", 0x20},
		{"GETALL", 0x40},
		{"GETNCNT", 0x80},
		{"GETPID", 0x100},
		{"GETVAL", 0x200},
		{"GETZCNT", 0x400},
		{"SETALL", 0x800},
		{"SETVAL", 0x1000},
	}}
	// AccessFlags is the upstream access_flags table.
	AccessFlags = &FlagTable{Name: "access_flags", Values: []FlagValue{
		{"F_OK", 0},
		{"R_OK", 4},
		{"W_OK", 2},
		{"X_OK", 1},
	}}
	// PfFlags is the upstream pf_flags table.
	PfFlags = &FlagTable{Name: "pf_flags", Values: []FlagValue{
		{"PROTECTION_VIOLATION", 1},
		{"PAGE_NOT_PRESENT", 2},
		{"WRITE_ACCESS", 4},
		{"READ_ACCESS", 8},
		{"USER_FAULT", 0x10},
		{"SUPERVISOR_FAULT", 0x20},
		{"RESERVED_PAGE", 0x40},
		{"INSTRUCTION_FETCH", 0x80},
	}}
	// UnlinkatFlags is the upstream unlinkat_flags table.
	UnlinkatFlags = &FlagTable{Name: "unlinkat_flags", Values: []FlagValue{
		{"AT_REMOVEDIR", 0x200},
	}}
	// LinkatFlags is the upstream linkat_flags table.
	LinkatFlags = &FlagTable{Name: "linkat_flags", Values: []FlagValue{
		{"AT_SYMLINK_FOLLOW", 0x400},
		{"AT_EMPTY_PATH", 0x1000},
	}}
	// NewfstatatFlags is the upstream newfstatat_flags table.
	NewfstatatFlags = &FlagTable{Name: "newfstatat_flags", Values: []FlagValue{
		{"AT_EMPTY_PATH", 0x1000},
		{"AT_NO_AUTOMOUNT", 0x800},
		{"AT_SYMLINK_NOFOLLOW", 0x100},
	}}
	// ChmodMode is the upstream chmod_mode table.
	ChmodMode = &FlagTable{Name: "chmod_mode", Values: []FlagValue{
		{"S_IXOTH", 1},
		{"S_IWOTH", 2},
		{"S_IROTH", 4},
		{"S_IXGRP", 8},
		{"S_IWGRP", 0o20},
		{"S_IRGRP", 0o40},
		{"S_IXUSR", 0o100},
		{"S_IWUSR", 0o200},
		{"S_IRUSR", 0o400},
		{"S_ISVTX", 0o1000},
		{"S_ISGID", 0o2000},
		{"S_ISUID", 0o4000},
	}}
	// MknodMode is the upstream mknod_mode table.
	MknodMode = &FlagTable{Name: "mknod_mode", Values: []FlagValue{
		{"S_IXOTH", 1},
		{"S_IWOTH", 2},
		{"S_IROTH", 4},
		{"S_IXGRP", 8},
		{"S_IWGRP", 0o20},
		{"S_IRGRP", 0o40},
		{"S_IXUSR", 0o100},
		{"S_IWUSR", 0o200},
		{"S_IRUSR", 0o400},
		{"S_ISVTX", 0o1000},
		{"S_ISGID", 0o2000},
		{"S_ISUID", 0o4000},
		{"S_IFREG", 0o100000},
		{"S_IFCHR", 0o20000},
		{"S_IFBLK", 0o60000},
		{"S_IFIFO", 0o10000},
		{"S_IFSOCK", 0o140000},
	}}
	// Renameat2Flags is the upstream renameat2_flags table.
	Renameat2Flags = &FlagTable{Name: "renameat2_flags", Values: []FlagValue{
		{"RENAME_NOREPLACE", 1},
		{"RENAME_EXCHANGE", 2},
		{"RENAME_WHITEOUT", 4},
	}}
	// Openat2Flags is the upstream openat2_flags table.
	Openat2Flags = &FlagTable{Name: "openat2_flags", Values: []FlagValue{
		{"RESOLVE_BENEATH", 1},
		{"RESOLVE_IN_ROOT", 2},
		{"RESOLVE_NO_MAGICLINKS", 4},
		{"RESOLVE_NO_SYMLINKS", 8},
		{"RESOLVE_NO_XDEV", 0x10},
		{"RESOLVE_CACHED", 0x20},
	}}
	// ExecveFlags is the upstream execve_flags table.
	ExecveFlags = &FlagTable{Name: "execve_flags", Values: []FlagValue{
		{"EXE_WRITABLE", 1},
		{"EXE_UPPER_LAYER", 2},
		{"EXE_FROM_MEMFD", 4},
		{"EXE_LOWER_LAYER", 8},
	}}
	// ExecveatFlags is the upstream execveat_flags table.
	ExecveatFlags = &FlagTable{Name: "execveat_flags", Values: []FlagValue{
		{"AT_EMPTY_PATH", 1},
		{"AT_SYMLINK_NOFOLLOW", 2},
	}}
	// IoUringSetupFlags is the upstream io_uring_setup_flags table.
	IoUringSetupFlags = &FlagTable{Name: "io_uring_setup_flags", Values: []FlagValue{
		{"IORING_SETUP_IOPOLL", 1},
		{"IORING_SETUP_SQPOLL", 2},
		{"IORING_SQ_NEED_WAKEUP", 4},
		{"IORING_SETUP_SQ_AFF", 8},
		{"IORING_SETUP_CQSIZE", 0x10},
		{"IORING_SETUP_CLAMP", 0x20},
		{"IORING_SETUP_ATTACH_RW", 0x40},
		{"IORING_SETUP_R_DISABLED", 0x80},
	}}
	// IoUringSetupFeats is the upstream io_uring_setup_feats table.
	IoUringSetupFeats = &FlagTable{Name: "io_uring_setup_feats", Values: []FlagValue{
		{"IORING_FEAT_SINGLE_MMAP", 1},
		{"IORING_FEAT_NODROP", 2},
		{"IORING_FEAT_SUBMIT_STABLE", 4},
		{"IORING_FEAT_RW_CUR_POS", 8},
		{"IORING_FEAT_CUR_PERSONALITY", 0x10},
		{"IORING_FEAT_FAST_POLL", 0x20},
		{"IORING_FEAT_POLL_32BITS", 0x40},
		{"IORING_FEAT_SQPOLL_NONFIXED", 0x80},
		{"IORING_FEAT_ENTER_EXT_ARG", 0x100},
		{"IORING_FEAT_NATIVE_WORKERS", 0x200},
		{"IORING_FEAT_RSRC_TAGS", 0x400},
	}}
	// IoUringEnterFlags is the upstream io_uring_enter_flags table.
	IoUringEnterFlags = &FlagTable{Name: "io_uring_enter_flags", Values: []FlagValue{
		{"IORING_ENTER_GETEVENTS", 1},
		{"IORING_ENTER_SQ_WAKEUP", 2},
		{"IORING_ENTER_SQ_WAIT", 4},
		{"IORING_ENTER_EXT_ARG", 8},
	}}
	// IoUringRegisterOpcodes is the upstream io_uring_register_opcodes table.
	IoUringRegisterOpcodes = &FlagTable{Name: "io_uring_register_opcodes", Values: []FlagValue{
		{"IORING_REGISTER_BUFFERS", 0},
		{"IORING_UNREGISTER_BUFFERS", 1},
		{"IORING_REGISTER_FILES", 2},
		{"IORING_UNREGISTER_FILES", 3},
		{"IORING_REGISTER_EVENTFD", 4},
		{"IORING_UNREGISTER_EVENTFD", 5},
		{"IORING_REGISTER_FILES_UPDATE", 6},
		{"IORING_REGISTER_EVENTFD_ASYNC", 7},
		{"IORING_REGISTER_PROBE", 8},
		{"IORING_REGISTER_PERSONALITY", 9},
		{"IORING_UNREGISTER_PERSONALITY", 10},
		{"IORING_REGISTER_RESTRICTIONS", 11},
		{"IORING_REGISTER_ENABLE_RINGS", 12},
		{"IORING_REGISTER_FILES2", 13},
		{"IORING_REGISTER_FILES_UPDATE2", 14},
		{"IORING_REGISTER_BUFFERS2", 15},
		{"IORING_REGISTER_BUFFERS_UPDATE", 16},
		{"IORING_REGISTER_IOWQ_AFF", 17},
		{"IORING_UNREGISTER_IOWQ_AFF", 18},
		{"IORING_REGISTER_IOWQ_MAX_WORKERS", 19},
		{"IORING_REGISTER_RING_FDS", 20},
		{"IORING_UNREGISTER_RING_FDS", 21},
	}}
	// MlockallFlags is the upstream mlockall_flags table.
	MlockallFlags = &FlagTable{Name: "mlockall_flags", Values: []FlagValue{
		{"MCL_CURRENT", 1},
		{"MCL_FUTURE", 2},
		{"MCL_ONFAULT", 4},
	}}
	// Mlock2Flags is the upstream mlock2_flags table.
	Mlock2Flags = &FlagTable{Name: "mlock2_flags", Values: []FlagValue{
		{"MLOCK_ONFAULT", 1},
	}}
	// FsconfigCmds is the upstream fsconfig_cmds table.
	FsconfigCmds = &FlagTable{Name: "fsconfig_cmds", Values: []FlagValue{
		{"FSCONFIG_SET_FLAG", 0},
		{"FSCONFIG_SET_STRING", 1},
		{"FSCONFIG_SET_BINARY", 2},
		{"FSCONFIG_SET_PATH", 3},
		{"FSCONFIG_SET_PATH_EMPTY", 4},
		{"FSCONFIG_SET_FD", 5},
		{"FSCONFIG_CMD_CREATE", 6},
		{"FSCONFIG_CMD_RECONFIGURE", 7},
	}}
	// EpollCreate1Flags is the upstream epoll_create1_flags table.
	EpollCreate1Flags = &FlagTable{Name: "epoll_create1_flags", Values: []FlagValue{
		{"EPOLL_CLOEXEC", 1},
	}}
	// FchownatFlags is the upstream fchownat_flags table.
	FchownatFlags = &FlagTable{Name: "fchownat_flags", Values: []FlagValue{
		{"AT_SYMLINK_NOFOLLOW", 0x400},
		{"AT_EMPTY_PATH", 0x1000},
	}}
	// PrctlOptions is the upstream prctl_options table.
	PrctlOptions = &FlagTable{Name: "prctl_options", Values: []FlagValue{
		{"PR_GET_DUMPABLE", 3},
		{"PR_SET_DUMPABLE", 4},
		{"PR_GET_KEEPCAPS", 7},
		{"PR_SET_KEEPCAPS", 8},
		{"PR_SET_NAME", 15},
		{"PR_GET_NAME", 16},
		{"PR_GET_SECCOMP", 21},
		{"PR_SET_SECCOMP", 22},
		{"PR_CAPBSET_READ", 23},
		{"PR_CAPBSET_DROP", 24},
		{"PR_GET_SECUREBITS", 27},
		{"PR_SET_SECUREBITS", 28},
		{"PR_MCE_KILL", 33},
		{"PR_MCE_KILL", 33},
		{"PR_SET_MM", 35},
		{"PR_SET_CHILD_SUBREAPER", 36},
		{"PR_GET_CHILD_SUBREAPER", 37},
		{"PR_SET_NO_NEW_PRIVS", 38},
		{"PR_GET_NO_NEW_PRIVS", 39},
		{"PR_GET_TID_ADDRESS", 40},
		{"PR_SET_THP_DISABLE", 41},
		{"PR_GET_THP_DISABLE", 42},
		{"PR_CAP_AMBIENT", 47},
	}}
	// KeyctlOperations is the upstream keyctl_operations table.
	KeyctlOperations = &FlagTable{Name: "keyctl_operations", Values: []FlagValue{
		{"KEYCTL_GET_KEYRING_ID", 0},
		{"KEYCTL_JOIN_SESSION_KEYRING", 1},
		{"KEYCTL_UPDATE", 2},
		{"KEYCTL_REVOKE", 3},
		{"KEYCTL_CHOWN", 4},
		{"KEYCTL_SETPERM", 5},
		{"KEYCTL_DESCRIBE", 6},
		{"KEYCTL_CLEAR", 7},
		{"KEYCTL_LINK", 8},
		{"KEYCTL_UNLINK", 9},
		{"KEYCTL_SEARCH", 10},
		{"KEYCTL_READ", 11},
		{"KEYCTL_INSTANTIATE", 12},
		{"KEYCTL_NEGATE", 13},
		{"KEYCTL_SET_REQKEY_KEYRING", 14},
		{"KEYCTL_SET_TIMEOUT", 15},
		{"KEYCTL_ASSUME_AUTHORITY", 16},
		{"KEYCTL_GET_SECURITY", 17},
		{"KEYCTL_SESSION_TO_PARENT", 18},
		{"KEYCTL_REJECT", 19},
		{"KEYCTL_INSTANTIATE_IOV", 20},
		{"KEYCTL_INVALIDATE", 21},
		{"KEYCTL_GET_PERSISTENT", 22},
		{"KEYCTL_DH_COMPUTE", 23},
		{"KEYCTL_PKEY_QUERY", 24},
		{"KEYCTL_PKEY_ENCRYPT", 25},
		{"KEYCTL_PKEY_DECRYPT", 26},
		{"KEYCTL_PKEY_SIGN", 27},
		{"KEYCTL_PKEY_VERIFY", 28},
		{"KEYCTL_RESTRICT_KEYRING", 29},
		{"KEYCTL_MOVE", 30},
		{"KEYCTL_CAPABILITIES", 31},
		{"KEYCTL_WATCH_KEY", 32},
	}}
	// MemfdCreateFlags is the upstream memfd_create_flags table.
	MemfdCreateFlags = &FlagTable{Name: "memfd_create_flags", Values: []FlagValue{
		{"MFD_CLOEXEC", 1},
		{"MFD_ALLOW_SEALING", 2},
		{"MFD_HUGETLB", 4},
	}}
	// PidfdOpenFlags is the upstream pidfd_open_flags table.
	PidfdOpenFlags = &FlagTable{Name: "pidfd_open_flags", Values: []FlagValue{
		{"PIDFD_NONBLOCK", 1},
	}}
	// BpfCommands is the upstream bpf_commands table.
	BpfCommands = &FlagTable{Name: "bpf_commands", Values: []FlagValue{
		{"BPF_MAP_CREATE", 0},
		{"BPF_MAP_LOOKUP_ELEM", 1},
		{"BPF_MAP_UPDATE_ELEM", 2},
		{"BPF_MAP_DELETE_ELEM", 3},
		{"BPF_MAP_GET_NEXT_KEY", 4},
		{"BPF_PROG_LOAD", 5},
		{"BPF_OBJ_PIN", 6},
		{"BPF_OBJ_GET", 7},
		{"BPF_PROG_ATTACH", 8},
		{"BPF_PROG_DETACH", 9},
		{"BPF_PROG_TEST_RUN", 10},
		{"BPF_PROG_RUN", 10},
		{"BPF_PROG_GET_NEXT_ID", 11},
		{"BPF_MAP_GET_NEXT_ID", 12},
		{"BPF_PROG_GET_FD_BY_ID", 13},
		{"BPF_MAP_GET_FD_BY_ID", 14},
		{"BPF_OBJ_GET_INFO_BY_FD", 15},
		{"BPF_PROG_QUERY", 16},
		{"BPF_RAW_TRACEPOINT_OPEN", 17},
		{"BPF_BTF_LOAD", 18},
		{"BPF_BTF_GET_FD_BY_ID", 19},
		{"BPF_TASK_FD_QUERY", 20},
		{"BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21},
		{"BPF_MAP_FREEZE", 22},
		{"BPF_BTF_GET_NEXT_ID", 23},
		{"BPF_MAP_LOOKUP_BATCH", 24},
		{"BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25},
		{"BPF_MAP_UPDATE_BATCH", 26},
		{"BPF_MAP_DELETE_BATCH", 27},
		{"BPF_LINK_CREATE", 28},
		{"BPF_LINK_UPDATE", 29},
		{"BPF_LINK_GET_FD_BY_ID", 30},
		{"BPF_LINK_GET_NEXT_ID", 31},
		{"BPF_ENABLE_STATS", 32},
		{"BPF_ITER_CREATE", 33},
		{"BPF_LINK_DETACH", 34},
		{"BPF_PROG_BIND_MAP", 35},
	}}
	// DeleteModuleFlags is the upstream delete_module_flags table.
	DeleteModuleFlags = &FlagTable{Name: "delete_module_flags", Values: []FlagValue{
		{"O_NONBLOCK", 2},
		{"O_TRUNC", 1},
	}}
	// CloseRangeFlags is the upstream close_range_flags table.
	CloseRangeFlags = &FlagTable{Name: "close_range_flags", Values: []FlagValue{
		{"CLOSE_RANGE_UNSHARE", 2},
		{"CLOSE_RANGE_CLOEXEC", 4},
	}}
	// FinitModuleFlags is the upstream finit_module_flags table.
	FinitModuleFlags = &FlagTable{Name: "finit_module_flags", Values: []FlagValue{
		{"MODULE_INIT_IGNORE_MODVERSIONS", 1},
		{"MODULE_INIT_IGNORE_VERMAGIC", 2},
		{"MODULE_INIT_COMPRESSED_FILE", 4},
	}}
	// AnonInodeFdTypes is the upstream anon_inode_fd_types table.
	AnonInodeFdTypes = &FlagTable{Name: "anon_inode_fd_types", Values: []FlagValue{
		{"ANON_INODE_FD_TYPE_UNKNOWN", 0},
		{"ANON_INODE_FD_TYPE_EVENTFD", 1},
		{"ANON_INODE_FD_TYPE_EVENTPOLL", 2},
		{"ANON_INODE_FD_TYPE_INOTIFY", 3},
		{"ANON_INODE_FD_TYPE_SIGNALFD", 4},
		{"ANON_INODE_FD_TYPE_TIMERFD", 5},
		{"ANON_INODE_FD_TYPE_IO_URING", 6},
		{"ANON_INODE_FD_TYPE_USERFAULTFD", 7},
		{"ANON_INODE_FD_TYPE_PIDFD", 8},
		{"ANON_INODE_FD_TYPE_BPF_MAP", 9},
		{"ANON_INODE_FD_TYPE_BPF_PROG", 0xa},
		{"ANON_INODE_FD_TYPE_BPF_LINK", 0xb},
		{"ANON_INODE_FD_TYPE_BPF_ITER", 0xc},
		{"ANON_INODE_FD_TYPE_PERF_EVENT", 0xd},
	}}
	// SockoptDynamicParam is the upstream sockopt_dynamic_param table; the variant index is stored in the record.
	SockoptDynamicParam = &DynTable{Name: "sockopt_dynamic_param", Variants: []DynVariant{
		{PTByteBuf, PFHex},
		{PTErrno, PFDec},
		{PTUint32, PFDec},
		{PTUint64, PFDec},
		{PTRelTime, PFDec},
	}}
	// PtraceDynamicParam is the upstream ptrace_dynamic_param table; the variant index is stored in the record.
	PtraceDynamicParam = &DynTable{Name: "ptrace_dynamic_param", Variants: []DynVariant{
		{PTUint64, PFHex},
		{PTSigType, PFDec},
	}}
	// BpfDynamicParam is the upstream bpf_dynamic_param table; the variant index is stored in the record.
	BpfDynamicParam = &DynTable{Name: "bpf_dynamic_param", Variants: []DynVariant{
		{PTFD, PFDec},
		{PTErrno, PFDec},
	}}
	// KeyctlDynamicParam is the upstream keyctl_dynamic_param table; the variant index is stored in the record.
	KeyctlDynamicParam = &DynTable{Name: "keyctl_dynamic_param", Variants: []DynVariant{
		{PTInt64, PFDec},
		{PTCharBuf, PFNA},
	}}
)

// flagTables lists every name/value table, in upstream declaration order.
var flagTables = []*FlagTable{
	SocketFamilies,
	FileFlags,
	CreatFlags,
	FlockFlags,
	CloneFlags,
	FutexOperations,
	LseekWhence,
	PollFlags,
	MountFlags,
	UmountFlags,
	ShutdownHow,
	RlimitResources,
	FcntlCommands,
	SockoptLevels,
	SockoptOptions,
	PtraceRequests,
	ProtFlags,
	MmapFlags,
	SpliceFlags,
	QuotactlCmds,
	QuotactlTypes,
	QuotactlDqiFlags,
	QuotactlQuotaFmts,
	SemopFlags,
	SemgetFlags,
	SemctlCommands,
	AccessFlags,
	PfFlags,
	UnlinkatFlags,
	LinkatFlags,
	NewfstatatFlags,
	ChmodMode,
	MknodMode,
	Renameat2Flags,
	Openat2Flags,
	ExecveFlags,
	ExecveatFlags,
	IoUringSetupFlags,
	IoUringSetupFeats,
	IoUringEnterFlags,
	IoUringRegisterOpcodes,
	MlockallFlags,
	Mlock2Flags,
	FsconfigCmds,
	EpollCreate1Flags,
	FchownatFlags,
	PrctlOptions,
	KeyctlOperations,
	MemfdCreateFlags,
	PidfdOpenFlags,
	BpfCommands,
	DeleteModuleFlags,
	CloseRangeFlags,
	FinitModuleFlags,
	AnonInodeFdTypes,
}

// dynTables lists every dynamic-parameter table.
var dynTables = []*DynTable{
	SockoptDynamicParam,
	PtraceDynamicParam,
	BpfDynamicParam,
	KeyctlDynamicParam,
}
