package state

import (
	"github.com/kestrel-project/kestrel/internal/event"
)

// Parsers of process events: clone and friends, execve, procexit, working
// directory, root, credentials, capabilities, limits and memory.

// parseClone handles the exit of clone, clone3, fork and vfork, in the
// parent (returns the child's tid) or in the child (returns 0).
func (c *evctx) parseClone() {
	child := c.res()
	switch {
	case child < 0:
		return
	case child == 0:
		c.cloneInChild()
	default:
		c.cloneInCaller(child)
	}
}

// cloneFlags returns the PPM_CL_* flags of a clone exit.
func (c *evctx) cloneFlags() uint32 {
	f, _ := c.uint("flags")
	return uint32(f)
}

// fillFromCloneEvent sets what a clone exit says about the new thread.
func (c *evctx) fillFromCloneEvent(n *Thread) {
	n.Exe, _ = c.str("exe")
	if b, _, ok := c.raw("args"); ok {
		n.Args = event.StringArray(b)
	} else {
		n.Args = nil
	}
	if comm, ok := c.str("comm"); ok {
		n.Comm = comm
	} else {
		n.Comm = n.Exe
	}
}

// fillCloneResources sets the limits, memory, ids and cgroups a clone
// exit reports.
func (c *evctx) fillCloneResources(n *Thread) {
	if v, ok := c.int("fdlimit"); ok {
		n.FDLimit = v
	}
	if c.has("vm_swap") {
		maj, _ := c.uint("pgft_maj")
		minr, _ := c.uint("pgft_min")
		size, _ := c.uint("vm_size")
		rss, _ := c.uint("vm_rss")
		swap, _ := c.uint("vm_swap")
		n.PFMajor, n.PFMinor = maj, minr
		n.VMSizeKB, n.VMRSSKB, n.VMSwapKB = uint32(size), uint32(rss), uint32(swap)
	}
	uid, _ := c.uint("uid")
	gid, _ := c.uint("gid")
	n.UID, n.GID = uint32(uid), uint32(gid)
	if b, _, ok := c.raw("cgroups"); ok {
		n.Cgroups, n.ContainerID = c.t.cgroupsOf(b)
	}
	n.CloneTs = c.rec.Ts()
}

// inheritExec copies from src what a new thread inherits about its
// executable, session and credentials.
func inheritExec(n, src *Thread) {
	n.ExePath = src.ExePath
	n.ExeWritable = src.ExeWritable
	n.ExeUpperLayer = src.ExeUpperLayer
	n.ExeLowerLayer = src.ExeLowerLayer
	n.ExeFromMemfd = src.ExeFromMemfd
	n.Root = src.Root
	n.Sid = src.Sid
	n.VPgid = src.VPgid
	n.Pgid = src.Pgid
	n.TTY = src.TTY
	n.LoginUID = src.LoginUID
	n.CapPermitted = src.CapPermitted
	n.CapInheritable = src.CapInheritable
	n.CapEffective = src.CapEffective
	n.ExeIno = src.ExeIno
	n.ExeInoCtime = src.ExeInoCtime
	n.ExeInoMtime = src.ExeInoMtime
	n.ExeInoCtimeDurationCloneTs = src.ExeInoCtimeDurationCloneTs
}

// inheritProcess gives a new process a copy of src's fd table (marked
// cloned), its working directory and environment.
func inheritProcess(n, src *Thread) {
	tab := n.ownFDs()
	if st := src.FDs(); st != nil {
		for num, f := range st.m {
			cp := *f
			cp.Flags |= FDCloned
			tab.m[num] = &cp
		}
	}
	n.Cwd = src.CWD()
	n.Env = src.Env
}

// cloneInCaller handles a clone exit in the parent: the caller is
// refreshed and, unless the child lives in another pid namespace or is
// a vfork child (which report themselves), the child is created.
func (c *evctx) cloneInCaller(childTid int64) {
	t := c.t
	callerTid := c.rec.Tid()
	caller := t.lazyThread(callerTid, c.rec.Ts())
	c.p.Thread = caller
	c.th = caller
	if caller == nil {
		return
	}
	caller.LastEventTs = c.rec.Ts()
	validCaller := true
	if caller.invalid() {
		validCaller = false
		caller.Pid, _ = c.int("pid")
		caller.PTid, _ = c.int("ptid")
		if vpid, ok := c.int("vpid"); ok {
			caller.VTid, _ = c.int("vtid")
			caller.VPid = vpid
		} else {
			caller.VTid = callerTid
			caller.VPid = -1
		}
		t.linkThread(caller)
	}
	flags := c.cloneFlags()
	if flags&(ChildInPidNS|CloneNewPID|CloneParent) != 0 || callerTid != caller.VTid {
		return
	}
	switch c.code {
	case event.VforkX, event.VforkX17, event.VforkX20:
		return
	}
	if flags&CloneVfork != 0 {
		return
	}
	if old := t.threads[childTid]; old != nil {
		if old.Flags&CloneInverted != 0 {
			return
		}
		t.dropThread(old)
	}

	n := t.newThread(childTid)
	n.Flags = flags
	if flags&CloneThread == 0 {
		if validCaller {
			inheritProcess(n, caller)
		}
		n.Pid = childTid
		n.PTid = caller.Tid
	} else {
		n.Pid = caller.Pid
		n.PTid = caller.PTid
		n.Flags |= CloneFiles
		n.LastExecTs = caller.LastExecTs
	}
	n.VTid, n.VPid = n.Tid, n.Pid
	c.fillFromCloneEvent(n)
	c.fillCloneResources(n)
	n.PidnsInitStartTs = t.opts.BootTsEpoch
	if validCaller {
		inheritExec(n, caller)
	} else {
		caller.Exe, caller.Comm, caller.Args = n.Exe, n.Comm, n.Args
	}
	n.LastEventTs = c.rec.Ts()
	if !t.insert(n) {
		return
	}
	t.linkThread(n)
	t.stats.ThreadsCreated++
	c.p.ChildTid = childTid
}

// cloneInChild handles a clone exit in the child: unless the parent's
// exit already created it, the child is created from the event and from
// its parent (a new process) or its process's main thread (a new thread).
func (c *evctx) cloneInChild() {
	t := c.t
	childTid := c.rec.Tid()
	ts := c.rec.Ts()
	if th := c.th; th != nil && th.CloneTs != 0 {
		if ts-th.CloneTs < cloneStaleNs {
			return
		}
		t.dropThread(th)
		c.th, c.p.Thread = nil, nil
	}
	n := t.newThread(childTid)
	n.Pid, _ = c.int("pid")
	n.PTid, _ = c.int("ptid")
	if vpid, ok := c.int("vpid"); ok {
		n.VTid, _ = c.int("vtid")
		n.VPid = vpid
	} else {
		n.VTid = n.Tid
		n.VPid = -1
	}
	n.Flags = c.cloneFlags() | CloneInverted
	leader := n.Flags&CloneThread == 0
	lookupTid := n.PTid
	if !leader {
		lookupTid = n.Pid
		n.Flags |= CloneFiles
	}
	lookup := t.lazyThread(lookupTid, ts)
	if lookup == nil {
		c.th, c.p.Thread = nil, nil
		return
	}
	valid := true
	if lookup.invalid() {
		valid = false
		if !leader {
			lookup.Pid = n.Pid
			lookup.PTid = n.PTid
			lookup.VPid = n.VPid
			lookup.VTid = lookup.VPid
			t.linkThread(lookup)
		}
	}
	c.fillFromCloneEvent(n)
	if valid {
		inheritExec(n, lookup)
		if leader {
			inheritProcess(n, lookup)
		} else {
			n.LastExecTs = lookup.LastExecTs
		}
	} else if !leader {
		lookup.Exe, lookup.Comm, lookup.Args = n.Exe, n.Comm, n.Args
	}
	c.fillCloneResources(n)
	if n.Flags&(ChildInPidNS|CloneNewPID) != 0 || n.Tid != n.VTid {
		if v, ok := c.uint("pidns_init_start_ts"); ok {
			n.PidnsInitStartTs = v + t.opts.BootTsEpoch
		}
	} else {
		n.PidnsInitStartTs = t.opts.BootTsEpoch
	}
	n.LastEventTs = ts
	if !t.insert(n) {
		c.th, c.p.Thread = nil, nil
		return
	}
	t.linkThread(n)
	t.stats.ThreadsCreated++
	c.th, c.p.Thread = n, n
	c.p.Created = true
	c.p.ChildTid = childTid
}

// parseCgroups decodes a "subsys=path" string array, with libsinsp's
// renaming of subsystems (a "_cgroup" infix dropped, perf → perf_event,
// mem → memory, io → blkio). A malformed entry ends the list.
func parseCgroups(b []byte) []Cgroup {
	items := event.StringArray(b)
	out := make([]Cgroup, 0, len(items))
	for _, def := range items {
		eq := -1
		for i := 0; i < len(def); i++ {
			if def[i] == '=' {
				eq = i
				break
			}
		}
		if eq < 0 {
			return out
		}
		subsys, path := def[:eq], def[eq+1:]
		if k := indexOf(subsys, "_cgroup"); k >= 0 {
			subsys = subsys[:k] + subsys[k+len("_cgroup"):]
		}
		switch subsys {
		case "perf":
			subsys = "perf_event"
		case "mem":
			subsys = "memory"
		case "io":
			subsys = "blkio"
		}
		out = append(out, Cgroup{Subsys: subsys, Path: path})
	}
	return out
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// parseExecve handles a successful execve/execveat exit.
func (c *evctx) parseExecve() {
	th := c.th
	if c.res() < 0 || th == nil {
		return
	}
	t := c.t
	ts := c.rec.Ts()
	if th.Dead {
		th.Dead = false
		th.Flags &^= Closed
		if th.tg != nil {
			th.tg.alive++
		}
	}
	th.Exe, _ = c.str("exe")
	th.LastExecTs = ts
	if comm, ok := c.str("comm"); ok {
		th.Comm = comm
	} else {
		th.Comm = th.Exe
	}
	if b, _, ok := c.raw("args"); ok {
		th.Args = event.StringArray(b)
	} else {
		th.Args = nil
	}
	if pid, ok := c.int("pid"); ok {
		th.Pid = pid
	}
	if th.invalid() {
		th.PTid, _ = c.int("ptid")
		if th.Flags&ChildInPidNS == 0 {
			th.VTid, th.VPid = th.Tid, th.Pid
		}
		t.linkThread(th)
	}
	th.Incomplete = false
	if v, ok := c.int("fdlimit"); ok {
		th.FDLimit = v
	}
	if c.has("vm_swap") {
		maj, _ := c.uint("pgft_maj")
		minr, _ := c.uint("pgft_min")
		size, _ := c.uint("vm_size")
		rss, _ := c.uint("vm_rss")
		swap, _ := c.uint("vm_swap")
		th.PFMajor, th.PFMinor = maj, minr
		th.VMSizeKB, th.VMRSSKB, th.VMSwapKB = uint32(size), uint32(rss), uint32(swap)
	}
	if b, _, ok := c.raw("env"); ok {
		th.Env = event.StringArray(b)
	}
	if b, _, ok := c.raw("cgroups"); ok {
		th.Cgroups, th.ContainerID = c.t.cgroupsOf(b)
	}
	if v, ok := c.uint("tty"); ok {
		th.TTY = uint32(v)
	}
	if p, ok := c.str("trusted_exepath"); ok {
		th.ExePath = p
	} else if e := c.enter; e != nil {
		if path, ok := c.exepathFromEnter(e); ok {
			th.ExePath = path
		}
	}
	if v, ok := c.int("vpgid"); ok {
		th.VPgid = v
	}
	if v, ok := c.uint("loginuid"); ok {
		th.LoginUID = uint32(v)
	}
	if b, _, ok := c.rec.ParamByName("flags"); ok && len(b) > 0 {
		f := event.U32(b)
		th.ExeWritable = f&ExeWritableFlag != 0
		th.ExeUpperLayer = f&ExeUpperLayerFlag != 0
		th.ExeFromMemfd = f&ExeFromMemfdFlag != 0
		th.ExeLowerLayer = f&ExeLowerLayerFlag != 0
	}
	if c.has("cap_effective") {
		th.CapInheritable, _ = c.uint("cap_inheritable")
		th.CapPermitted, _ = c.uint("cap_permitted")
		th.CapEffective, _ = c.uint("cap_effective")
	}
	if c.has("exe_ino_mtime") {
		th.ExeIno, _ = c.uint("exe_ino")
		th.ExeInoCtime, _ = c.uint("exe_ino_ctime")
		th.ExeInoMtime, _ = c.uint("exe_ino_mtime")
		if th.CloneTs != 0 {
			th.ExeInoCtimeDurationCloneTs = th.CloneTs - th.ExeInoCtime
		}
		if th.PidnsInitStartTs != 0 && th.ExeInoCtime > th.PidnsInitStartTs {
			th.ExeInoCtimeDurationPidnsStart = th.ExeInoCtime - th.PidnsInitStartTs
		}
	}
	if v, ok := c.uint("uid"); ok {
		th.UID = uint32(v)
	}
	th.Pgid = -1
	if v, ok := c.int("pgid"); ok {
		th.Pgid = v
	}
	if v, ok := c.uint("gid"); ok {
		th.GID = uint32(v)
	}
	// A successful exec closes the close-on-exec fds.
	if tab := th.FDs(); tab != nil {
		for n, f := range tab.m {
			if f.IsCloexec() {
				delete(tab.m, n)
			}
		}
	}
	keep := th.Flags & (ClonePipeSrc | ClonePipeDst | IsMainThread | CloneInverted)
	th.Flags = Active | keep | NameChanged
	// The other threads of the process are gone.
	if g := th.tg; g != nil && g.alive > 1 {
		others := make([]*Thread, 0, len(g.threads))
		for _, o := range g.threads {
			if o != th && !o.IsMain() {
				others = append(others, o)
			}
		}
		for _, o := range others {
			t.removeThread(o.Tid)
		}
	}
}

// exepathFromEnter rebuilds the executable path of an old capture's
// execve from its enter event: the filename resolved against the cwd, or
// for execveat against the dirfd ("<NA>" when unknown).
func (c *evctx) exepathFromEnter(e *event.Record) (string, bool) {
	th := c.th
	switch e.Type() {
	case event.ExecveE19, event.ExecveE18:
		b, _, ok := e.ParamByName("filename")
		if !ok {
			return "", false
		}
		name := event.CString(b)
		if name == "<NA>" {
			return "<NA>", true
		}
		return joinPath(th.CWD(), name), true
	case event.ExecveatE:
		dirfd := event.Int(event.PTFD, e.Param(0))
		name := event.CString(e.Param(1))
		flags := event.U32(e.Param(2))
		const atEmptyPath = 1 // PPM_EXVAT_AT_EMPTY_PATH
		sdir := c.dirfdBase(name, dirfd)
		if sdir != "." && sdir != unknownDir {
			c.p.FD = th.getFD(dirfd)
		}
		switch {
		case (flags&atEmptyPath == 0 && name == "<NA>") || sdir == unknownDir:
			return "<NA>", true
		case flags&atEmptyPath != 0:
			return joinPath("", sdir), true
		}
		return joinPath(sdir, name), true
	}
	return "", false
}

// dirfdBase returns the base directory for a name relative to dirfd
// (libsinsp's parse_dirfd): "." for absolute names, the cwd for
// AT_FDCWD, the dirfd's name with a trailing '/', or "<UNKNOWN>".
func (c *evctx) dirfdBase(name string, dirfd int64) string {
	if name != "" && name[0] == '/' {
		return "."
	}
	th := c.th
	if th == nil {
		return unknownDir
	}
	if dirfd == atFDCWD {
		return th.CWD()
	}
	f := th.FD(dirfd)
	if f == nil {
		return unknownDir
	}
	if f.Name == "" || f.Name[len(f.Name)-1] == '/' {
		return f.Name
	}
	return f.Name + "/"
}

// parseProcexit marks the thread dead and schedules its removal for the
// next event; the reaper the kernel reported is kept for its children.
func (c *evctx) parseProcexit() {
	th := c.th
	th.markDead()
	c.t.removeTid = th.Tid
	if len(th.children) == 0 {
		return
	}
	if c.rec.NParams() > 4 {
		if b := c.rec.Param(4); len(b) > 0 {
			th.ReaperTid = event.Int(event.PTPID, b)
		}
	} else {
		th.ReaperTid = -1
	}
}

// updateCwd changes the process's working directory (kept on the main
// thread), resolving dir against the current one.
func (t *Thread) updateCwd(dir string) {
	m := t.Main()
	if m == nil {
		return
	}
	m.Cwd = withTrailingSlash(joinPath(m.Cwd, dir))
}

func (c *evctx) parseChdir() {
	if c.res() < 0 {
		return
	}
	if p, ok := c.str("path"); ok {
		c.th.updateCwd(p)
	}
}

func (c *evctx) parseFchdir() {
	if c.res() >= 0 && c.p.FD != nil {
		c.th.updateCwd(c.p.FD.Name)
	}
}

func (c *evctx) parseGetcwd() {
	if c.res() < 0 {
		return
	}
	if p, ok := c.str("path"); ok {
		c.th.updateCwd(p)
	}
}

func (c *evctx) parseChroot() {
	if c.res() != 0 {
		return
	}
	p, ok := c.str("path")
	if !ok {
		return
	}
	if p != "" && p != "<NA>" && p[0] != '/' {
		p = joinPath(c.th.CWD(), p)
	}
	c.th.Root = p
}

// parseSetuid handles setuid, setreuid and setresuid: the new effective
// uid (setre*/setres*: unless -1, "unchanged").
func (c *evctx) parseSetuid() {
	if c.res() != 0 {
		return
	}
	name := "euid"
	if c.code == event.SetuidX {
		name = "uid"
	}
	v, ok := c.uint(name)
	if !ok {
		return
	}
	if c.code != event.SetuidX && uint32(v) == 0xffffffff {
		return
	}
	c.th.UID = uint32(v)
}

// parseSetgid is parseSetuid for groups.
func (c *evctx) parseSetgid() {
	if c.res() != 0 {
		return
	}
	name := "egid"
	if c.code == event.SetgidX {
		name = "gid"
	}
	v, ok := c.uint(name)
	if !ok {
		return
	}
	if c.code != event.SetgidX && uint32(v) == 0xffffffff {
		return
	}
	c.th.GID = uint32(v)
}

func (c *evctx) parseSetsid() {
	if r := c.res(); r >= 0 {
		c.th.Sid = r
	}
}

// parsePrctl records PR_SET_CHILD_SUBREAPER on the process.
func (c *evctx) parsePrctl() {
	if c.res() < 0 || c.th.invalid() || c.th.tg == nil {
		return
	}
	const setSubreaper, getSubreaper = 36, 37 // PPM_PR_SET/GET_CHILD_SUBREAPER
	opt, _ := c.uint("option")
	if opt != setSubreaper && opt != getSubreaper {
		return
	}
	arg, _ := c.int("arg2_int")
	c.th.tg.reaper = arg != 0
}

func (c *evctx) parseCapset() {
	if c.res() < 0 {
		return
	}
	c.th.CapInheritable, _ = c.uint("cap_inheritable")
	c.th.CapPermitted, _ = c.uint("cap_permitted")
	c.th.CapEffective, _ = c.uint("cap_effective")
}

// maxCaps is the full capability set libsinsp assumes (all bits up to
// CAP_CHECKPOINT_RESTORE, 40).
const maxCaps = (uint64(1) << 41) - 1

// parseUnshareSetns: entering a new user namespace grants every
// capability within it.
func (c *evctx) parseUnshareSetns() {
	if c.res() < 0 {
		return
	}
	var flags uint64
	if c.code == event.UnshareX {
		flags, _ = c.uint("flags")
	} else {
		flags, _ = c.uint("nstype")
	}
	if uint32(flags)&CloneNewUser == 0 {
		return
	}
	c.th.CapInheritable, c.th.CapPermitted, c.th.CapEffective = maxCaps, maxCaps, maxCaps
}

// parseRlimit records a new RLIMIT_NOFILE soft limit.
func (c *evctx) parseRlimit() {
	const rlimitNofile = 7 // PPM_RLIMIT_NOFILE
	if c.res() < 0 {
		return
	}
	if r, _ := c.uint("resource"); r != rlimitNofile {
		return
	}
	cur, ok := c.int("cur")
	if !ok || cur == -1 {
		return
	}
	if m := c.th.Main(); m != nil {
		m.FDLimit = cur
	}
}

// parsePrlimit records a new RLIMIT_NOFILE soft limit of the target.
func (c *evctx) parsePrlimit() {
	const rlimitNofile = 7
	if c.res() != 0 {
		return
	}
	if r, ok := c.uint("resource"); !ok || r != rlimitNofile {
		return
	}
	cur, ok := c.int("newcur")
	if !ok || cur == -1 {
		return
	}
	tid, ok := c.int("pid")
	if !ok {
		return
	}
	if tid == 0 {
		tid = c.rec.Tid()
	}
	target := c.t.threads[tid]
	if target == nil || target.invalid() {
		return
	}
	if m := target.Main(); m != nil {
		m.FDLimit = cur
	}
}

// parseVM records the memory sizes brk/mmap/munmap report.
func (c *evctx) parseVM() {
	if v, ok := c.uint("vm_size"); ok {
		c.th.VMSizeKB = uint32(v)
	}
	if c.has("vm_swap") {
		rss, _ := c.uint("vm_rss")
		swap, _ := c.uint("vm_swap")
		c.th.VMRSSKB, c.th.VMSwapKB = uint32(rss), uint32(swap)
	}
}

// parseContextSwitch records the page faults and memory sizes a context
// switch reports.
func (t *Tables) parseContextSwitch(rec *event.Record, th *Thread) {
	if rec.NParams() < 6 || len(rec.Param(5)) == 0 {
		return
	}
	th.PFMajor = event.U64(rec.Param(1))
	th.PFMinor = event.U64(rec.Param(2))
	if m := th.Main(); m != nil {
		m.VMSizeKB = event.U32(rec.Param(3))
		m.VMRSSKB = event.U32(rec.Param(4))
		m.VMSwapKB = event.U32(rec.Param(5))
	}
}

// parseUserEvt and parseGroupEvt apply the user/group metadata events.
func (t *Tables) parseUserEvt(rec *event.Record, added bool) {
	uid := event.U32(rec.Param(0))
	cid := event.CString(rec.Param(5))
	if !added {
		t.users.Remove(uid, cid)
		return
	}
	t.users.Add(UserInfo{
		UID: uid, GID: event.U32(rec.Param(1)), Name: event.CString(rec.Param(2)),
		HomeDir: event.CString(rec.Param(3)), Shell: event.CString(rec.Param(4)), ContainerID: cid,
	})
}

func (t *Tables) parseGroupEvt(rec *event.Record, added bool) {
	gid := event.U32(rec.Param(0))
	cid := event.CString(rec.Param(2))
	if !added {
		t.grps.Remove(gid, cid)
		return
	}
	t.grps.Add(GroupInfo{GID: gid, Name: event.CString(rec.Param(1)), ContainerID: cid})
}
