package procfs

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// procShared is what the threads of one process have in common: the
// memory image (command line, environment, executable) and the resource
// limits. libscap reads these again for every thread from
// /proc/<pid>/task/<tid>; they are the same files, so they are read once
// and the threads share the strings and slices.
type procShared struct {
	exe          string
	args, env    []string
	exePath      string
	exeFromMemfd bool
	fdLimit      int64
	exeInfo      exeInfo
	pidnsIno     uint64
}

// scanProcess reads process pid, its threads and (on the main thread) its
// fds, appending them to out.
func (s *scanner) scanProcess(pid int, out *[]state.ThreadInfo) error {
	dir, err := s.openPidDir(pid)
	if err != nil {
		return err
	}
	defer unix.Close(dir)

	sh, err := s.readShared(dir, pid)
	if err != nil {
		return err
	}
	leader, cr, err := s.readThread(dir, int64(pid), sh)
	if err != nil {
		return procErr(err)
	}
	if leader.Pid != int64(pid) {
		// /proc/<n> of a hidden thread id: the caller asked for a
		// process, this is one of its threads.
		return ErrNotFound
	}
	leader.ExeWritable = s.exeWritable(dir, &sh.exeInfo, cr)
	if !s.opts.SkipFDs {
		leader.FDs = s.readFDs(dir, pid)
	}
	*out = append(*out, leader)
	s.threadNS = append(s.threadNS, sh.pidnsIno)
	s.threads++
	if leader.VPid == 1 && sh.pidnsIno != 0 {
		// The init of a pid namespace: every thread of the namespace
		// gets its start time (see fillPidnsStart).
		s.pidns[sh.pidnsIno] = leader.CloneTs
	}

	// The other threads, from /proc/<pid>/task.
	task, err := openat(dir, "task", unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		if !gone(err) {
			s.warn("pid %d: cannot list threads: %v", pid, err)
		}
		return nil
	}
	defer unix.Close(task)
	var tids []int
	err = s.readDir(task, func(name string) {
		if tid, ok := atoiPositive(name); ok && tid != pid {
			tids = append(tids, tid)
		}
	})
	if err != nil && !gone(err) {
		s.warn("pid %d: cannot list threads: %v", pid, err)
	}
	slices.Sort(tids)
	for _, tid := range tids {
		if s.full() {
			return nil
		}
		tdir, err := openat(task, strconv.Itoa(tid), unix.O_PATH|unix.O_DIRECTORY)
		if err != nil {
			if !gone(err) {
				s.warn("tid %d of pid %d: %v", tid, pid, err)
			}
			continue
		}
		th, tcr, err := s.readThread(tdir, int64(tid), sh)
		if err == nil {
			// Threads normally share their process's credentials and
			// so its answer.
			th.ExeWritable = leader.ExeWritable
			if tcr != cr {
				th.ExeWritable = s.exeWritable(tdir, &sh.exeInfo, tcr)
			}
		}
		unix.Close(tdir)
		if err != nil {
			if gone(err) {
				// Threads come and go all the time; one that ended
				// while it was read is simply not there.
				continue
			}
			s.warn("tid %d of pid %d: %v", tid, pid, err)
			continue
		}
		*out = append(*out, th)
		s.threadNS = append(s.threadNS, sh.pidnsIno)
		s.threads++
	}
	return nil
}

// readShared reads the process-wide facts from the main thread's
// directory, with libscap's rule for telling kernel threads and zombies
// (no command line and no executable) from processes.
func (s *scanner) readShared(dir, pid int) (*procShared, error) {
	sh := &procShared{fdLimit: -1}
	b, err := s.readFile(dir, "cmdline", maxArgsLen)
	if err != nil {
		return nil, procErr(err)
	}
	cmd := cutLikeScap(b, maxArgsLen)
	sh.exe, sh.args = exeAndArgs(cmd)
	hadCmdline := len(b) > 0

	// A process whose executable cannot be resolved is still accepted
	// when it has a command line, as libscap accepts it.
	link, lerr := s.readLink(dir, "exe")
	if !hadCmdline && lerr != nil {
		// A zombie and a process that has just exited look alike here:
		// the second has no stat file any more.
		if _, err := s.readFile(dir, "stat", 64); err != nil && gone(err) {
			return nil, procErr(err)
		}
		return nil, ErrKernelThread
	}
	if lerr == nil {
		sh.exeFromMemfd = strings.HasPrefix(link, "/memfd:")
		sh.exePath = stripDeleted(link)
		sh.exeInfo = s.statExe(dir, sh.exePath)
	} else if !gone(lerr) {
		s.warn("pid %d: exe: %v", pid, lerr)
	}

	if b, err := s.readFile(dir, "environ", maxEnvLen); err == nil {
		sh.env = splitNul(cutLikeScap(b, maxEnvLen))
	} else if gone(err) {
		return nil, procErr(err)
	} else {
		s.warn("pid %d: environ: %v", pid, err)
	}

	if b, err := s.readFile(dir, "limits", maxFileRead); err == nil {
		if v, ok := parseFDLimit(b); ok {
			sh.fdLimit = v
		}
	} else if gone(err) {
		return nil, procErr(err)
	}

	var st unix.Stat_t
	if err := unix.Fstatat(dir, "ns/pid", &st, 0); err == nil {
		sh.pidnsIno = st.Ino
	}
	return sh, nil
}

// creds are the credentials that decide whether a thread may write its
// executable.
type creds struct {
	fsuid, fsgid uint32
	capEff       uint64
	groups       string // the raw Groups list, compared as a whole
}

// readThread reads one thread from its directory (/proc/<pid> for the
// main thread, /proc/<pid>/task/<tid> for the others).
func (s *scanner) readThread(dir int, tid int64, sh *procShared) (state.ThreadInfo, creds, error) {
	ti := state.ThreadInfo{
		Tid:          tid,
		Exe:          sh.exe,
		ExePath:      sh.exePath,
		ExeFromMemfd: sh.exeFromMemfd,
		Args:         sh.args,
		Env:          sh.env,
		FDLimit:      sh.fdLimit,
		Pgid:         -1,
		VTid:         -1,
		VPid:         -1,
		LoginUID:     0xffffffff,
	}
	var cr creds

	b, err := s.readFile(dir, "status", maxFileRead)
	if err != nil {
		return ti, cr, err
	}
	var st status
	st.parse(b, s)
	ti.Pid = st.tgid
	if ti.Pid == 0 {
		ti.Pid = tid
	}
	// The kernel gives every thread of a process the process's parent as
	// PPid, which is what libscap records for threads too.
	ti.PTid = st.ppid
	ti.UID, ti.GID = st.uid[1], st.gid[1]
	ti.CapInheritable, ti.CapPermitted, ti.CapEffective = st.capInh, st.capPrm, st.capEff
	ti.VMSizeKB, ti.VMRSSKB, ti.VMSwapKB = st.vmSize, st.vmRSS, st.vmSwap
	cr = creds{fsuid: st.uid[3], fsgid: st.gid[3], capEff: st.capEff, groups: groupsKey(st.groups)}
	// The ids in the thread's own pid namespace are the last of the NS*
	// lists, as the driver reports them (vnr). libscap takes the second
	// entry, which is the same but for nested namespaces.
	if st.haveNS {
		ti.VTid = st.nspid
		ti.VPid = st.nstgid
	} else {
		// Kernels before 4.1 have no NS* lines: the ids are the host's.
		ti.VTid, ti.VPid = tid, ti.Pid
	}

	b, err = s.readFile(dir, "stat", maxFileRead)
	if err != nil {
		return ti, cr, err
	}
	sv := parseStat(b)
	if !sv.ok {
		return ti, cr, errors.New("malformed stat file")
	}
	// libscap leaves vpgid 0 for a process of the host's pid namespace
	// (NSpgid has one entry); the driver and the BPF iterator that
	// replaces the /proc scan on modern probes report the process group
	// as the namespace sees it, which for the host is pgid.
	ti.Pgid = sv.pgrp
	ti.VPgid = sv.pgrp
	if st.nspgid >= 0 {
		ti.VPgid = st.nspgid
	}
	ti.Sid = sv.session
	ti.TTY = sv.ttyNr
	ti.PFMinor, ti.PFMajor = sv.minFlt, sv.majFlt
	// The start of the thread, as the driver's clone_ts and the BPF
	// iterator's start_time give it (boot time plus start_boottime).
	// libscap's /proc scan uses the ctime of /proc/<pid>/cmdline instead,
	// which is when that proc inode was first looked up, not when the
	// thread started.
	if s.boot != 0 && s.clkTck != 0 {
		ti.CloneTs = s.boot + ticksToNs(sv.startTime, s.clkTck)
	}

	b, err = s.readFile(dir, "comm", maxCommRead)
	switch {
	case err == nil:
		// The last byte read is the newline (libscap overwrites it with
		// the NUL whatever it is).
		if len(b) > 0 {
			b = b[:len(b)-1]
		}
		ti.Comm = string(b)
	case gone(err):
		return ti, cr, err
	default:
		ti.Comm = sv.commFromStatFile
	}

	if cwd, err := s.readLink(dir, "cwd"); err == nil {
		ti.Cwd = cwd
	} else if gone(err) {
		return ti, cr, err
	}
	if root, err := s.readLink(dir, "root"); err == nil {
		ti.Root = root
	} else if gone(err) {
		return ti, cr, err
	}

	if b, err := s.readFile(dir, "loginuid", 32); err == nil {
		if v, ok := parseUint(trimSpace(b), 10); ok {
			ti.LoginUID = uint32(v)
		}
	}

	ti.Cgroups = s.cg.threadCgroups(dir)

	if tid != ti.Pid {
		// libscap cannot know the clone flags of a thread found in /proc
		// and assumes pthread_create's: a thread sharing the fd table.
		ti.Flags = state.CloneThread | state.CloneFiles
	}
	ti.ExeIno = sh.exeInfo.ino
	ti.ExeInoCtime = sh.exeInfo.ctime
	ti.ExeInoMtime = sh.exeInfo.mtime
	ti.ExeUpperLayer = sh.exeInfo.upper
	ti.ExeLowerLayer = sh.exeInfo.lower
	return ti, cr, nil
}

func groupsKey(g []uint32) string {
	if len(g) == 0 {
		return ""
	}
	var sb strings.Builder
	for _, v := range g {
		sb.WriteString(strconv.FormatUint(uint64(v), 10))
		sb.WriteByte(' ')
	}
	return sb.String()
}

// fillPidnsStart gives each thread the start time of its pid namespace's
// init (PidnsInitStartTs), as the driver reports it for new processes: the
// init's start in ns since the epoch. A full scan finds the inits among
// the processes; a namespace whose init was not read (ScanProcess, or a
// scan cut by MaxThreads) takes the start time of pid 1 as its own /proc
// shows it, when the namespace mounted one.
func (s *scanner) fillPidnsStart(threads []state.ThreadInfo) {
	// Processes whose namespace could not be read are looked up once each.
	byPid := make(map[int64]uint64)
	for i := range threads {
		if i >= len(s.threadNS) {
			break
		}
		th := &threads[i]
		ns := s.threadNS[i]
		ts, ok := s.pidns[ns]
		if ns == 0 {
			ts, ok = byPid[th.Pid]
		}
		if !ok {
			ts = s.pidnsStartFromRoot(int(th.Pid))
			if ns != 0 {
				s.pidns[ns] = ts
			} else {
				byPid[th.Pid] = ts
			}
		}
		th.PidnsInitStartTs = ts
	}
}

// pidnsStartFromRoot reads the start time of pid 1 in /proc/<pid>/root/proc,
// which is the process's own namespace's init when its root has a /proc
// of its namespace (any container with its own /proc; for a host
// process, the host's init).
func (s *scanner) pidnsStartFromRoot(pid int) uint64 {
	dir, err := s.openPidDir(pid)
	if err != nil {
		return 0
	}
	defer unix.Close(dir)
	b, err := s.readFile(dir, "root/proc/1/stat", maxFileRead)
	if err != nil {
		return 0
	}
	sv := parseStat(b)
	if !sv.ok || s.boot == 0 {
		return 0
	}
	return s.boot + ticksToNs(sv.startTime, s.clkTck)
}

// stripDeleted removes the " (deleted)" the kernel appends to the path of
// an unlinked executable, as libsinsp's set_exepath does (a path that is
// only the suffix is kept).
func stripDeleted(p string) string {
	const suffix = " (deleted)"
	if len(p) > len(suffix) && strings.HasSuffix(p, suffix) {
		return p[:len(p)-len(suffix)]
	}
	return p
}

// ticksToNs converts clock ticks to nanoseconds without overflowing for
// any uptime.
func ticksToNs(ticks, hz uint64) uint64 {
	if hz == 0 {
		return 0
	}
	return ticks/hz*1e9 + ticks%hz*1e9/hz
}
