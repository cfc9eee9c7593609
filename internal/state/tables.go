package state

import (
	"cmp"
	"slices"

	"github.com/kestrel-project/kestrel/internal/container"
)

// Defaults of Options.
const (
	DefaultMaxThreads       = 262144
	DefaultMaxFDsPerProcess = 4096
	// cloneStaleNs: a thread entry older than this when its own clone
	// exit arrives is a leftover of a lost exit and is replaced.
	cloneStaleNs = 2_000_000_000
	// expiredChildrenThreshold: removed children are swept from a parent's
	// list once this many have accumulated.
	expiredChildrenThreshold = 10
)

// Tables are the thread, fd, user and group tables, kept true by Process.
// A Tables is not safe for concurrent use: one goroutine feeds it events
// in order and reads it between events.
type Tables struct {
	opts    Options
	threads map[int64]*Thread
	groups  map[int64]*threadGroup
	users   UserTable
	grps    GroupTable
	stats   Stats
	parsed  Parsed

	// Deferred work, done when the next event arrives (as libsinsp does,
	// so that the event that closes an fd or ends a thread still sees it).
	removeTid   int64 // thread whose procexit was seen, or 0
	fdsToRemove []int64
	fdsOwner    *Thread

	// Ports of server sockets seen in the snapshot, used to orient
	// snapshot IPv4 connections.
	serverPorts map[uint16]struct{}

	lastPurgeTs uint64
	evictBuf    []*Thread

	// Interface addresses (see SetInterfaces).
	if4, if6 []InterfaceInfo

	// cgroupMemo maps a clone or execve cgroups parameter to its decoded
	// form and container id. Every process of a container (and every host
	// process of a service) carries the same bytes, and matching the
	// runtimes' path layouts costs a few dozen substring searches per
	// cgroup, which showed as the largest single cost of replay.
	cgroupMemo map[string]cgroupResult
	// pathMemo maps one cgroup path to what it reveals of a container
	// (a zero Request for none), for snapshot threads, whose cgroups
	// arrive decoded.
	pathMemo map[string]container.Request

	// Container metadata (see containers.go).
	containers containerTable
}

type cgroupResult struct {
	cgroups []Cgroup // shared by the threads that carry it; never modified
	req     container.Request
}

// maxCgroupMemo bounds cgroupMemo; it is emptied when full, which keeps
// memory bounded under container churn at the price of re-deriving ids.
const maxCgroupMemo = 4096

// containerIDOf is ContainerIDFromCgroups with each path's answer
// remembered; a container not met before is announced (noticeContainer).
func (t *Tables) containerIDOf(cgs []Cgroup) string {
	r := t.containerOf(cgs)
	t.noticeContainer(r)
	return r.ID
}

func (t *Tables) containerOf(cgs []Cgroup) container.Request {
	for _, cg := range cgs {
		if cg.Path == "" {
			continue
		}
		r, ok := t.pathMemo[cg.Path]
		if !ok {
			r = ContainerFromCgroup(cg.Path)
			if t.pathMemo == nil || len(t.pathMemo) >= maxCgroupMemo {
				t.pathMemo = make(map[string]container.Request)
			}
			t.pathMemo[cg.Path] = r
		}
		if r.ID != "" {
			return r
		}
	}
	return container.Request{}
}

// cgroupsOf decodes a cgroups parameter and the container id it reveals.
func (t *Tables) cgroupsOf(b []byte) ([]Cgroup, string) {
	r, ok := t.cgroupMemo[string(b)]
	if !ok {
		cgs := parseCgroups(b)
		r = cgroupResult{cgs, t.containerOf(cgs)}
		if t.cgroupMemo == nil || len(t.cgroupMemo) >= maxCgroupMemo {
			t.cgroupMemo = make(map[string]cgroupResult)
		}
		t.cgroupMemo[string(b)] = r
	}
	t.noticeContainer(r.req)
	return r.cgroups, r.req.ID
}

// threadGroup is what libsinsp keeps per process (thread_group_info):
// the live thread count and whether the process reaps orphans.
type threadGroup struct {
	pid     int64
	alive   int
	reaper  bool
	threads []*Thread
}

// New returns empty tables.
func New(o Options) *Tables {
	if o.MaxThreads <= 0 {
		o.MaxThreads = DefaultMaxThreads
	}
	if o.MaxFDsPerProcess <= 0 {
		o.MaxFDsPerProcess = DefaultMaxFDsPerProcess
	}
	return &Tables{
		opts:        o,
		threads:     make(map[int64]*Thread),
		groups:      make(map[int64]*threadGroup),
		serverPorts: make(map[uint16]struct{}),
	}
}

// Thread returns the thread tid, or nil when it is not in the table.
func (t *Tables) Thread(tid int64) *Thread { return t.threads[tid] }

// Users returns the user table.
func (t *Tables) Users() *UserTable { return &t.users }

// Groups returns the group table.
func (t *Tables) Groups() *GroupTable { return &t.grps }

// Stats returns the counters.
func (t *Tables) Stats() Stats {
	s := t.stats
	s.Threads = len(t.threads)
	s.Containers = len(t.containers.byID)
	return s
}

// Threads yields every thread in the table, in no particular order.
func (t *Tables) Threads(yield func(*Thread) bool) {
	for _, th := range t.threads {
		if !yield(th) {
			return
		}
	}
}

// newThread returns a thread bound to these tables with libsinsp's
// initial values.
func (t *Tables) newThread(tid int64) *Thread {
	return &Thread{
		Tid: tid, Pid: -1, PTid: -1, Sid: -1, VPgid: -1, Pgid: -1,
		VTid: -1, VPid: -1, ReaperTid: -1, FDLimit: -1,
		UID: 0xffffffff, GID: 0xffffffff, LoginUID: 0xffffffff,
		Flags:  NameChanged,
		LastFD: 0,
		tables: t,
	}
}

// invalid reports whether the thread lacks a known process or parent
// (libsinsp's is_invalid); such threads have no group and no parent link.
func (t *Thread) invalid() bool { return t.Tid < 0 || t.Pid < 0 || t.PTid < 0 }

// inPidNamespace reports whether the thread lives in a child pid
// namespace.
func (t *Thread) inPidNamespace() bool {
	return t.Flags&ChildInPidNS != 0 || (t.Tid != t.VTid && t.VTid >= 0)
}

// insert adds th to the table, making room if the table is full. It
// returns false if no room could be made.
func (t *Tables) insert(th *Thread) bool {
	if old := t.threads[th.Tid]; old != nil && old != th {
		t.dropThread(old)
	}
	if len(t.threads) >= t.opts.MaxThreads {
		t.makeRoom()
		if len(t.threads) >= t.opts.MaxThreads {
			t.stats.ThreadsEvicted++
			return false
		}
	}
	t.threads[th.Tid] = th
	return true
}

// lazyThread returns thread tid, creating a placeholder for an unknown
// tid the way libsinsp does when /proc cannot tell (pid = tid, parent
// unknown, names "<NA>", ids 0xffffffff).
func (t *Tables) lazyThread(tid int64, ts uint64) *Thread {
	if th := t.threads[tid]; th != nil {
		return th
	}
	th := t.newThread(tid)
	th.Pid = tid
	th.PTid = -1
	th.Comm, th.Exe = "<NA>", "<NA>"
	th.Incomplete = true
	th.LastEventTs = ts
	if !t.insert(th) {
		return nil
	}
	t.stats.ThreadsCreated++
	t.stats.ThreadsLazy++
	return th
}

// linkThread creates the group membership and parent link of a valid
// thread (libsinsp's create_thread_dependencies). A parent missing from
// the table is replaced by 0, as libsinsp does.
func (t *Tables) linkThread(th *Thread) {
	if th.invalid() || th.tg != nil {
		return
	}
	g := t.groups[th.Pid]
	if g == nil {
		g = &threadGroup{pid: th.Pid, reaper: th.Pid == 1 || th.VPid == 1}
		t.groups[th.Pid] = g
	}
	g.threads = append(g.threads, th)
	if !th.Dead {
		g.alive++
	}
	th.tg = g
	if th.Pid == 1 {
		return
	}
	parent := t.threads[th.PTid]
	if parent == nil || parent.invalid() || parent == th {
		th.PTid = 0
		return
	}
	parent.addChild(th)
}

// addChild records child as a child of p and points its PTid at p.
func (t *Thread) addChild(child *Thread) {
	t.children = append(t.children, child)
	child.PTid = t.Tid
	t.Children++
}

// childRemoved updates the parent's bookkeeping when one of its children
// leaves the table.
func (t *Tables) childRemoved(ptid int64) {
	p := t.threads[ptid]
	if p == nil {
		return
	}
	if p.Children > 0 {
		p.Children--
	}
	if len(p.children)-p.Children >= expiredChildrenThreshold {
		p.children = slices.DeleteFunc(p.children, func(c *Thread) bool { return c.removed || c.PTid != p.Tid })
	}
}

// markDead marks a thread dead (procexit), once.
func (t *Thread) markDead() {
	if t.Dead {
		return
	}
	t.Dead = true
	t.Flags |= Closed
	if t.tg != nil && t.tg.alive > 0 {
		t.tg.alive--
	}
}

// findReaper picks the thread that inherits th's children: a live thread
// of the same process, else the nearest ancestor process that reaps
// (init of the namespace or a child subreaper), within the same pid
// namespace; nil if none.
func (t *Tables) findReaper(th *Thread) *Thread {
	if th.tg != nil && th.tg.alive > 0 {
		for _, o := range th.tg.threads {
			if o != th && !o.Dead && !o.removed {
				return o
			}
		}
	}
	seen := map[int64]bool{th.Tid: true}
	p := t.threads[th.PTid]
	for p != nil {
		if seen[p.Tid] {
			break
		}
		seen[p.Tid] = true
		if p.inPidNamespace() != th.inPidNamespace() {
			break
		}
		if p.tg != nil && p.tg.reaper && p.tg.alive > 0 {
			for _, o := range p.tg.threads {
				if !o.Dead && !o.removed {
					return o
				}
			}
		}
		p = t.threads[p.PTid]
	}
	return nil
}

// reparentChildren gives th's live children to its reaper (or to 0).
func (t *Tables) reparentChildren(th *Thread) {
	if len(th.children) == 0 {
		return
	}
	var reaper *Thread
	if th.ReaperTid > 0 {
		if r := t.threads[th.ReaperTid]; r != nil && !r.invalid() {
			reaper = r
		}
	}
	if reaper == nil {
		reaper = t.findReaper(th)
	}
	if reaper == th {
		reaper = nil
	}
	if reaper != nil {
		th.ReaperTid = reaper.Tid
		if reaper.Pid != th.Pid && reaper.tg != nil {
			reaper.tg.reaper = true
		}
	}
	for _, c := range th.children {
		if c.removed || c.PTid != th.Tid {
			continue
		}
		if reaper == nil {
			c.PTid = 0
		} else {
			reaper.addChild(c)
		}
	}
	th.children = nil
	th.Children = 0
}

// removeThread removes a thread after its procexit (libsinsp's
// remove_thread): children go to the reaper; the main thread stays (dead)
// while other threads of the process live, and leaves with the last one,
// taking the process's fd table with it.
func (t *Tables) removeThread(tid int64) {
	th := t.threads[tid]
	if th == nil {
		return
	}
	if th.invalid() || th.tg == nil {
		t.childRemoved(th.PTid)
		t.unlink(th)
		t.stats.ThreadsRemoved++
		return
	}
	th.markDead()
	t.reparentChildren(th)
	g := th.tg
	if g.alive == 0 {
		if m := t.threads[g.pid]; m != nil && m.tg == g {
			t.childRemoved(m.PTid)
			t.unlink(m)
		}
		for _, o := range g.threads {
			o.fdt = nil
		}
		if t.groups[g.pid] == g {
			delete(t.groups, g.pid)
		}
	}
	if !th.IsMain() && !th.removed {
		t.childRemoved(th.PTid)
		t.unlink(th)
	}
	t.stats.ThreadsRemoved++
}

// unlink takes th out of the table (and its group's list).
func (t *Tables) unlink(th *Thread) {
	if t.threads[th.Tid] == th {
		delete(t.threads, th.Tid)
	}
	th.removed = true
	if g := th.tg; g != nil {
		if i := slices.Index(g.threads, th); i >= 0 {
			g.threads = slices.Delete(g.threads, i, i+1)
		}
		if !th.Dead && g.alive > 0 {
			g.alive--
		}
	}
	th.enterBuf = nil
}

// dropThread removes a thread unconditionally (replaced by a new one with
// the same tid, evicted, purged), reparenting its children.
func (t *Tables) dropThread(th *Thread) {
	t.reparentChildren(th)
	t.childRemoved(th.PTid)
	t.unlink(th)
	if g := th.tg; g != nil && len(g.threads) == 0 {
		if t.groups[g.pid] == g {
			delete(t.groups, g.pid)
		}
	}
}

// makeRoom frees entries of a full table: dead threads first, then the
// least recently active ones (a batch, so that the scan is amortised).
func (t *Tables) makeRoom() {
	batch := t.opts.MaxThreads / 64
	if batch < 1 {
		batch = 1
	}
	freed := 0
	for _, th := range t.threads {
		if th.Dead {
			t.dropThread(th)
			t.stats.ThreadsEvicted++
			freed++
		}
	}
	if freed >= batch {
		return
	}
	buf := t.evictBuf[:0]
	for _, th := range t.threads {
		buf = append(buf, th)
	}
	slices.SortFunc(buf, func(a, b *Thread) int { return cmp.Compare(a.LastEventTs, b.LastEventTs) })
	for _, th := range buf[:min(batch-freed, len(buf))] {
		t.dropThread(th)
		t.stats.ThreadsEvicted++
	}
	clear(buf)
	t.evictBuf = buf[:0]
}

// Purge removes threads that produced no event for Options.ThreadTimeoutNs
// before now (ns since the epoch), as libsinsp's periodic purge does.
// It does nothing when the timeout is 0.
func (t *Tables) Purge(now uint64) {
	if t.opts.ThreadTimeoutNs == 0 {
		return
	}
	for _, th := range t.threads {
		if th.LastEventTs != 0 && now > th.LastEventTs && now-th.LastEventTs > t.opts.ThreadTimeoutNs {
			// Keep a main thread while threads of its process are active.
			if th.IsMain() && th.tg != nil && th.tg.alive > 1 {
				continue
			}
			t.dropThread(th)
			t.stats.ThreadsPurged++
		}
	}
}

// flushDeferred performs the removals scheduled by the previous event.
func (t *Tables) flushDeferred() {
	if t.removeTid != 0 {
		tid := t.removeTid
		t.removeTid = 0
		t.removeThread(tid)
	}
	if len(t.fdsToRemove) != 0 {
		t.flushDeferredFDs()
	}
}

// addFD puts f into the thread's fd table as fd n (replacing any fd with
// that number) and makes it the thread's last fd. It returns the stored
// fd, or nil when the table is full.
func (t *Tables) addFD(th *Thread, n int64, f *FD) *FD {
	tab := th.FDs()
	if tab == nil {
		return nil
	}
	f.Num = n
	if _, ok := tab.m[n]; !ok && len(tab.m) >= t.opts.MaxFDsPerProcess {
		t.stats.FDsDropped++
		return nil
	}
	tab.m[n] = f
	th.LastFD = n
	return f
}

// Flush applies the removals the last event scheduled (a closed fd, an
// exited thread), which Process otherwise applies when the next event
// arrives. Call it at the end of a stream to read the final state.
func (t *Tables) Flush() { t.flushDeferred() }
