package inspect

import (
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/state"
)

// This file holds what the proc, user, group, fd and container extractors
// share: the walks over the thread table that libsinsp's thread manager
// does (find_thread, get_main_thread, get_ancestor_process,
// traverse_parent_state, get_oldest_matching_ancestor), the joins of
// argument, environment and cgroup lists with a one-entry cache so the
// event path does not allocate, and small binding constructors.

// bindFunc is the type of the per-field binders of the proc, user, group,
// fd and container class files.
type bindFunc = func(ref fields.Ref) (engine.Binding, error)

// fixed binds a field whose extraction does not depend on the reference.
func fixed(x engine.Extractor) bindFunc {
	return func(fields.Ref) (engine.Binding, error) { return engine.Binding{Extract: x}, nil }
}

// perRef binds a field whose extractor keeps state of its own (a cache, or
// per-CPU times): each reference gets a fresh one, as each libsinsp filter
// check is a separate object.
func perRef(mk func() engine.Extractor) bindFunc {
	return func(fields.Ref) (engine.Binding, error) { return engine.Binding{Extract: mk()}, nil }
}

// withThread adapts an extractor of the event's thread: the field is
// missing when the event has no thread, as libsinsp's extractors return
// NULL for a NULL thread info.
func withThread(f func(e *Event, th *state.Thread, v *engine.Value) bool) engine.Extractor {
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		th := e.Thread()
		if th == nil {
			return false
		}
		return f(e, th, v)
	}
}

// findThread is libsinsp's find_thread(tid, lookup_only=true): the thread
// with that tid in the table, or nil.
func (e *Event) findThread(tid int64) *state.Thread {
	if e.in == nil || e.in.State == nil {
		return nil
	}
	return e.in.State.Thread(tid)
}

// mainThread is sinsp_threadinfo::get_main_thread: the thread itself when
// it is its process's main thread, else the main thread if it is in the
// table.
func mainThread(th *state.Thread) *state.Thread {
	if th == nil {
		return nil
	}
	if th.Tid == th.Pid || th.Flags&state.IsMainThread != 0 {
		return th
	}
	return th.Main()
}

// ancestorProcess is sinsp_thread_manager::get_ancestor_process: the main
// thread of the process n levels up (0: the thread's own process), going
// through each level's main thread and its parent tid.
func (e *Event) ancestorProcess(th *state.Thread, n uint32) *state.Thread {
	mt := mainThread(th)
	for i := uint32(0); i < n; i++ {
		if mt == nil {
			return nil
		}
		mt = mainThread(e.findThread(mt.PTid))
	}
	return mt
}

// traverseParents is sinsp_thread_manager::traverse_parent_state: it calls
// visit on the parent thread of th (by parent tid, not the parent's main
// thread), then on its parent, and so on, until a thread is missing,
// visit returns false, or a loop in the parent chain is detected (with
// libsinsp's two-pointer walk, so the same threads are visited).
func (e *Event) traverseParents(th *state.Thread, visit func(*state.Thread) bool) {
	slow := e.findThread(th.PTid)
	fast := slow
	if fast != nil {
		fast = e.findThread(fast.PTid)
	}
	for slow != nil && slow.Tid != -1 {
		if !visit(slow) {
			return
		}
		slow = e.findThread(slow.PTid)
		for i := 0; i < 2; i++ {
			if fast != nil {
				fast = e.findThread(fast.PTid)
			}
			if slow != nil && (slow == fast || slow.Tid == slow.PTid) {
				return
			}
		}
	}
}

// inPidNamespace is sinsp_threadinfo::is_in_pid_namespace.
func inPidNamespace(th *state.Thread) bool {
	return th.Flags&state.ChildInPidNS != 0 || (th.Tid != th.VTid && th.VTid >= 0)
}

// oldestMatchingAncestor is sinsp_thread_manager::
// get_oldest_matching_ancestor: the leader of the thread's session or
// process group (id gives the id). For a host id, or a virtual one outside
// a pid namespace, the thread whose tid is the id when it is in the
// table; otherwise the oldest of the consecutive ancestors sharing the id.
func (e *Event) oldestMatchingAncestor(th *state.Thread, id func(*state.Thread) int64, virtual bool) *state.Thread {
	want := id(th)
	if want == -1 {
		return nil
	}
	if !virtual || !inPidNamespace(th) {
		if l := e.findThread(want); l != nil {
			return l
		}
	}
	var leader *state.Thread
	e.traverseParents(th, func(p *state.Thread) bool {
		if id(p) != want {
			return false
		}
		leader = p
		return true
	})
	return leader
}

// shouldExtractXid is libsinsp's should_extract_xid: ids outside
// [-1, UINT32_MAX] are not real ids and are not shown.
func shouldExtractXid(id int64) bool { return id >= -1 && id <= 0xffffffff }

// Caches. A compiled field is shared by every goroutine evaluating the
// ruleset (each with its own frame and inspector), so the caches the
// extractors keep are safe for concurrent use: immutable entries behind
// atomic pointers, and per-inspector state in sync.Maps.

// joinEntry is one cached join: its inputs and its result.
type joinEntry struct {
	head string
	list []string
	cg   []state.Cgroup
	out  string
}

// joinCache builds head + " " + list joined by " " (or variants) and
// remembers the last result: threads keep their argument, environment and
// cgroup slices until an execve or clone replaces them with new slices, so
// the same backing array with the same length means the same text. The
// entry keeps the slice and head it was built from, so their memory
// cannot be reused while they are cached.
type joinCache struct {
	p atomic.Pointer[joinEntry]
}

func sameStrings(a, b []string) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// cmdline is sinsp_threadinfo::populate_cmdline: head followed by " arg"
// for every argument (so an empty argument leaves a double space).
func (c *joinCache) cmdline(head string, args []string) string {
	if len(args) == 0 {
		return head
	}
	if e := c.p.Load(); e != nil && e.cg == nil && sameString(e.head, head) && sameStrings(e.list, args) {
		return e.out
	}
	n := len(head)
	for _, a := range args {
		n += 1 + len(a)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(head)
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(a)
	}
	out := b.String()
	c.p.Store(&joinEntry{head: head, list: args, out: out})
	return out
}

// joined returns the list joined by single spaces (populate_args,
// concatenate_all_env); "" for an empty list.
func (c *joinCache) joined(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	if e := c.p.Load(); e != nil && e.cg == nil && e.head == "" && sameStrings(e.list, list) {
		return e.out
	}
	out := strings.Join(list, " ")
	c.p.Store(&joinEntry{list: list, out: out})
	return out
}

// cgroups renders cgroups as libsinsp's thread.cgroups: "subsys=path"
// pairs separated by spaces.
func (c *joinCache) cgroups(cg []state.Cgroup) string {
	if e := c.p.Load(); e != nil && e.list == nil && len(e.cg) == len(cg) &&
		unsafe.SliceData(e.cg) == unsafe.SliceData(cg) {
		return e.out
	}
	var b strings.Builder
	for i, g := range cg {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.Subsys)
		b.WriteByte('=')
		b.WriteString(g.Path)
	}
	out := b.String()
	c.p.Store(&joinEntry{cg: cg, out: out})
	return out
}

// joinCaches keeps one joinCache per thread, for fields that join the
// lists of several threads per event (the ancestor fields). The map is
// replaced by an empty one when it grows large, which forgets the threads
// that left the table.
type joinCaches struct {
	m atomic.Pointer[sync.Map] // *state.Thread -> *joinCache
	n atomic.Int64
}

func (c *joinCaches) of(th *state.Thread) *joinCache {
	m := c.m.Load()
	if m == nil {
		c.m.CompareAndSwap(nil, new(sync.Map))
		m = c.m.Load()
	}
	if jc, ok := m.Load(th); ok {
		return jc.(*joinCache)
	}
	if c.n.Add(1) > 4096 {
		c.n.Store(0)
		m = new(sync.Map)
		c.m.Store(m)
	}
	jc, _ := m.LoadOrStore(th, &joinCache{})
	return jc.(*joinCache)
}

// perStream keeps a value per inspector (per event stream), for the fields
// whose libsinsp filter check keeps state across events (switch times,
// per-thread totals). An inspector is used by one goroutine at a time, so
// the value itself needs no locking.
type perStream[T any] struct {
	m sync.Map // *Inspector -> *T
}

func (p *perStream[T]) of(in *Inspector) *T {
	if x, ok := p.m.Load(in); ok {
		return x.(*T)
	}
	x, _ := p.m.LoadOrStore(in, new(T))
	return x.(*T)
}

// envOf is sinsp_threadinfo::get_env(): a thread's environment is its main
// thread's when that is in the table.
func envOf(th *state.Thread) []string {
	if th.Tid == th.Pid || th.Flags&state.IsMainThread != 0 {
		return th.Env
	}
	if m := mainThread(th); m != nil {
		return m.Env
	}
	return th.Env
}

// envValue is sinsp_threadinfo::get_env(name): the value of the first
// "NAME=value" entry with a non-empty value, without its leading and
// trailing spaces; "" when there is none.
func envValue(env []string, name string) string {
	n := len(name)
	for _, kv := range env {
		if len(kv) > n+1 && kv[n] == '=' && kv[:n] == name {
			v := strings.TrimRight(strings.TrimLeft(kv[n+1:], " "), " ")
			return v
		}
	}
	return ""
}

// fmtInt renders a signed value (Text of fields whose any-of form renders
// the scalar, as proc.apid does).
func fmtInt(v *engine.Value) string { return strconv.FormatInt(v.Int, 10) }

// localAddrOverride replaces the interface lookup in tests that need
// interfaces the tables cannot report yet.
var localAddrOverride func(in *Inspector, a netip.Addr) bool

// isLocal is libsinsp's is_ipv{4,6}addr_in_local_machine for the thread
// th: processes in a container are local only to their container's
// address, which needs the container runtime, so without it no address
// is local to them; host processes check the machine's interfaces (IPv4:
// exact address; IPv6: same first 64 bits).
func (e *Event) isLocal(th *state.Thread, a netip.Addr) bool {
	if th != nil && th.ContainerID != "" {
		return false
	}
	if e.in == nil {
		return false
	}
	if localAddrOverride != nil {
		return localAddrOverride(e.in, a)
	}
	return e.in.State.IsLocalAddr(a)
}
