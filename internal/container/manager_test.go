package container

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRuntime is an in-memory runtime for the manager's own logic (the
// real clients are tested against real daemons in their packages).
type fakeRuntime struct {
	mu      sync.Mutex
	kind    Type
	running map[string]*Info
	// misses counts, per id, the Inspects still to answer ErrNotFound
	// (List hides the id meanwhile): a container the runtime registers
	// only after the stream saw it. Counted, not timed, so that a late
	// worker cannot make the first lookup succeed.
	misses   map[string]int
	inspects atomic.Int64
	block    chan struct{} // when set, Inspect waits on it
	events   chan Lifecycle
	// listTaken and listRelease, when set, hold List between taking its
	// snapshot and returning it.
	listTaken, listRelease chan struct{}
}

func newFake(kind Type) *fakeRuntime {
	return &fakeRuntime{kind: kind, running: map[string]*Info{}, misses: map[string]int{},
		events: make(chan Lifecycle, 16)}
}

func (f *fakeRuntime) Name() string { return "fake" }
func (f *fakeRuntime) Kind() Type   { return f.kind }
func (f *fakeRuntime) Close() error { return nil }
func (f *fakeRuntime) Inspect(ctx context.Context, id string) (*Info, error) {
	f.inspects.Add(1)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := f.misses[ShortID(id)]; n > 0 {
		f.misses[ShortID(id)] = n - 1
		return nil, fmt.Errorf("inspect %s: %w", id, ErrNotFound)
	}
	c, ok := f.running[ShortID(id)]
	if !ok {
		return nil, fmt.Errorf("inspect %s: %w", id, ErrNotFound)
	}
	return c, nil
}
func (f *fakeRuntime) List(context.Context) ([]*Info, error) {
	f.mu.Lock()
	var out []*Info
	for id, c := range f.running {
		if f.misses[id] > 0 {
			continue
		}
		out = append(out, c)
	}
	f.mu.Unlock()
	if f.listTaken != nil {
		f.listTaken <- struct{}{}
		<-f.listRelease
	}
	return out, nil
}
func (f *fakeRuntime) Watch(ctx context.Context, report func(Lifecycle)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case l := <-f.events:
			report(l)
		}
	}
}

func (f *fakeRuntime) add(id, name string) *Info {
	c := &Info{ID: ShortID(id), FullID: id, Name: name, Type: f.kind}
	f.mu.Lock()
	f.running[c.ID] = c
	f.mu.Unlock()
	return c
}

// remove forgets a container, as its runtime does once it is removed.
func (f *fakeRuntime) remove(id string) {
	f.mu.Lock()
	delete(f.running, ShortID(id))
	f.mu.Unlock()
}

// holdStartupListing makes the manager's start-up listing wait until
// releaseStartupListing; call it before Start.
func (f *fakeRuntime) holdStartupListing() {
	f.listTaken, f.listRelease = make(chan struct{}), make(chan struct{})
}

// releaseStartupListing waits for the start-up listing to have taken its
// snapshot and lets it go on: containers added from now on are not in it,
// so it cannot deliver them.
func (f *fakeRuntime) releaseStartupListing() {
	<-f.listTaken
	close(f.listRelease)
}

func nextUpdate(t *testing.T, m *Manager) Update {
	t.Helper()
	select {
	case u := <-m.Updates():
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no update from the manager")
	}
	return Update{}
}

// waitUntil polls cond for up to 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func noUpdate(t *testing.T, m *Manager, d time.Duration) {
	t.Helper()
	select {
	case u := <-m.Updates():
		t.Fatalf("unexpected update %+v", u)
	case <-time.After(d):
	}
}

func TestManagerListsRunningContainersAtStart(t *testing.T) {
	rt := newFake(TypeDocker)
	rt.add("aaaaaaaaaaaa1111", "one")
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1})
	m.Start(context.Background())
	defer m.Stop()
	u := nextUpdate(t, m)
	if u.Info.Name != "one" || u.Removed || !u.Noticed.IsZero() {
		t.Fatalf("update %+v", u)
	}
	// The stream asking about it right after (the request raced with the
	// listing) neither costs a runtime call nor repeats the update.
	before := rt.inspects.Load()
	m.Request(Request{ID: "aaaaaaaaaaaa"})
	noUpdate(t, m, 200*time.Millisecond)
	if rt.inspects.Load() != before {
		t.Fatal("a known container was inspected again")
	}
}

func TestManagerRetriesUntilTheRuntimeKnowsTheContainer(t *testing.T) {
	const misses = 2
	rt := newFake(TypeDocker)
	rt.add("bbbbbbbbbbbb", "late")
	rt.misses["bbbbbbbbbbbb"] = misses
	rt.holdStartupListing()
	// Retry is far beyond the 20+40ms of pauses two misses cost, so that
	// a slow machine does not run out of it.
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1, Retry: time.Minute})
	m.Start(context.Background())
	defer m.Stop()
	rt.releaseStartupListing() // it did not see the container
	if !m.Request(Request{ID: "bbbbbbbbbbbb", Type: TypeDocker}) {
		t.Fatal("request refused")
	}
	u := nextUpdate(t, m)
	if u.Info.Name != "late" || u.Removed || u.Noticed.IsZero() {
		t.Fatalf("update %+v, want the answer to the request", u)
	}
	if n := rt.inspects.Load(); n < misses+1 {
		t.Fatalf("%d inspections: the manager did not retry", n)
	}
}

func TestManagerRemembersUnknownIDs(t *testing.T) {
	rt := newFake(TypeDocker)
	rt.holdStartupListing()
	// One worker takes the requests in order: the answer to the last one
	// proves the ones before it were handled.
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1, Workers: 1, Retry: 50 * time.Millisecond})
	m.Start(context.Background())
	defer m.Stop()
	rt.releaseStartupListing()
	m.Request(Request{ID: "cccccccccccc"})
	// NotFound is counted once the retries are over.
	waitUntil(t, "the retries to give up", func() bool { return m.Stats().NotFound != 0 })
	n := rt.inspects.Load()
	for i := 0; i < 10; i++ {
		if !m.Request(Request{ID: "cccccccccccc"}) {
			t.Fatal("request refused")
		}
	}
	rt.add("aaaaaaaaaaaa", "marker")
	m.Request(Request{ID: "aaaaaaaaaaaa"})
	if u := nextUpdate(t, m); u.Info.Name != "marker" {
		t.Fatalf("update %+v", u)
	}
	if got := rt.inspects.Load() - n; got != 1 {
		t.Fatalf("%d inspections for the 10 repeats and the marker, want 1 (the marker's)", got)
	}
	if s := m.Stats(); s.NotFound != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestManagerRequestNeverBlocks(t *testing.T) {
	rt := newFake(TypeDocker)
	rt.block = make(chan struct{})
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1, Workers: 1, Queue: 4})
	m.Start(context.Background())
	defer func() { close(rt.block); m.Stop() }()
	done := make(chan struct{})
	go func() {
		for i := 0; i < 100; i++ {
			m.Request(Request{ID: fmt.Sprintf("%012d", i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Request blocked behind a hung runtime")
	}
	if s := m.Stats(); s.QueueFull == 0 || s.RequestsQueued > 5 {
		t.Fatalf("stats %+v", s)
	}
}

func TestManagerFollowsLifecycle(t *testing.T) {
	rt := newFake(TypeDocker)
	rt.holdStartupListing()
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1})
	m.Start(context.Background())
	defer m.Stop()
	// The container starts after the start-up listing's snapshot: only
	// its Started event can announce it.
	rt.releaseStartupListing()
	c := rt.add("dddddddddddd0000", "fresh")
	rt.events <- Lifecycle{Kind: Started, ID: c.FullID}
	if u := nextUpdate(t, m); u.Info.Name != "fresh" || u.Removed {
		t.Fatalf("update %+v", u)
	}
	rt.remove(c.ID)
	rt.events <- Lifecycle{Kind: Removed, ID: c.FullID}
	u := nextUpdate(t, m)
	if !u.Removed || u.Info.Name != "fresh" {
		t.Fatalf("removal %+v", u)
	}
	if s := m.Stats(); s.Known != 0 {
		t.Fatalf("a removed container is still kept: %+v", s)
	}
}

// A listing taken before a container's removal and applied after it does
// not bring the dead container back.
func TestManagerListingRacingARemoval(t *testing.T) {
	rt := newFake(TypeDocker)
	c := rt.add("ffffffffffff0000", "doomed")
	rt.listTaken, rt.listRelease = make(chan struct{}), make(chan struct{})
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1})
	m.Start(context.Background())
	defer m.Stop()
	<-rt.listTaken // the start-up listing holds the container
	rt.remove(c.ID)
	rt.events <- Lifecycle{Kind: Removed, ID: c.FullID}
	if u := nextUpdate(t, m); !u.Removed {
		t.Fatalf("update %+v", u)
	}
	close(rt.listRelease)
	noUpdate(t, m, 300*time.Millisecond)
	if s := m.Stats(); s.Known != 0 {
		t.Fatalf("the listing brought a removed container back: %+v", s)
	}
}

func TestManagerResyncForgetsMissedRemovals(t *testing.T) {
	rt := newFake(TypeDocker)
	rt.add("eeeeeeeeeeee", "gone-quietly")
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: 50 * time.Millisecond})
	m.Start(context.Background())
	defer m.Stop()
	nextUpdate(t, m)
	rt.remove("eeeeeeeeeeee")
	if u := nextUpdate(t, m); !u.Removed || u.Info.ID != "eeeeeeeeeeee" {
		t.Fatalf("update %+v", u)
	}
}

// Under churn the memory stays bounded: metadata of removed containers
// is dropped and the table never exceeds MaxKnown.
func TestManagerBoundedUnderChurn(t *testing.T) {
	rt := newFake(TypeDocker)
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1, MaxKnown: 64})
	m.Start(context.Background())
	defer m.Stop()
	go func() {
		for range m.Updates() {
		}
	}()
	for i := 0; i < 2000; i++ {
		c := rt.add(fmt.Sprintf("%012x", i), "c")
		rt.events <- Lifecycle{Kind: Started, ID: c.ID}
		if i%2 == 0 {
			rt.events <- Lifecycle{Kind: Removed, ID: c.ID}
		}
	}
	// Wait for the last events (up to the channel's capacity) to be
	// handled.
	for deadline := time.Now().Add(10 * time.Second); m.Stats().Started != 2000 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if s := m.Stats(); s.Known > 64 || s.Started != 2000 {
		t.Fatalf("stats %+v", s)
	}
}

// A container two runtimes report (Docker's are containerd's too) keeps
// the answer of the runtime listed first.
func TestManagerPrefersTheFirstRuntime(t *testing.T) {
	docker := newFake(TypeDocker)
	ctrd := newFake(TypeContainerd)
	m := NewManager([]Runtime{docker, ctrd}, ManagerOptions{Resync: -1})
	// The start-up listing must be over before the containers exist, or
	// it may find the thin answer alone and deliver it first (a listing
	// delivers what it finds; the rich answer then replaces it).
	ctrd.holdStartupListing()
	m.Start(context.Background())
	defer m.Stop()
	ctrd.releaseStartupListing() // docker, listed first, is done too
	rich := docker.add("ffffffffffff", "web")
	thin := ctrd.add("ffffffffffff", "ffffffffffff")
	docker.events <- Lifecycle{Kind: Started, ID: rich.ID, Info: rich}
	if u := nextUpdate(t, m); u.Info != rich {
		t.Fatalf("update %+v", u.Info)
	}
	ctrd.events <- Lifecycle{Kind: Started, ID: thin.ID, Info: thin}
	noUpdate(t, m, 200*time.Millisecond)
}
