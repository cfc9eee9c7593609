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
	mu       sync.Mutex
	kind     Type
	running  map[string]*Info
	appearAt map[string]time.Time // ids that become known only later
	inspects atomic.Int64
	block    chan struct{} // when set, Inspect waits on it
	events   chan Lifecycle
	// listTaken and listRelease, when set, hold List between taking its
	// snapshot and returning it.
	listTaken, listRelease chan struct{}
}

func newFake(kind Type) *fakeRuntime {
	return &fakeRuntime{kind: kind, running: map[string]*Info{}, appearAt: map[string]time.Time{},
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
	if at, ok := f.appearAt[ShortID(id)]; ok && time.Now().Before(at) {
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
		if at, ok := f.appearAt[id]; ok && time.Now().Before(at) {
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

func nextUpdate(t *testing.T, m *Manager) Update {
	t.Helper()
	select {
	case u := <-m.Updates():
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no update from the manager")
	}
	return Update{}
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
	rt := newFake(TypeDocker)
	rt.add("bbbbbbbbbbbb", "late")
	rt.appearAt["bbbbbbbbbbbb"] = time.Now().Add(150 * time.Millisecond)
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1})
	m.Start(context.Background())
	defer m.Stop()
	if !m.Request(Request{ID: "bbbbbbbbbbbb", Type: TypeDocker}) {
		t.Fatal("request refused")
	}
	u := nextUpdate(t, m)
	if u.Info.Name != "late" {
		t.Fatalf("update %+v", u)
	}
	if n := rt.inspects.Load(); n < 2 {
		t.Fatalf("%d inspections: the manager did not retry", n)
	}
}

func TestManagerRemembersUnknownIDs(t *testing.T) {
	rt := newFake(TypeDocker)
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1, Retry: 50 * time.Millisecond})
	m.Start(context.Background())
	defer m.Stop()
	m.Request(Request{ID: "cccccccccccc"})
	noUpdate(t, m, 300*time.Millisecond)
	n := rt.inspects.Load()
	for i := 0; i < 10; i++ {
		m.Request(Request{ID: "cccccccccccc"})
	}
	noUpdate(t, m, 100*time.Millisecond)
	if rt.inspects.Load() != n {
		t.Fatalf("an id no runtime knew was asked again %d times", rt.inspects.Load()-n)
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
	m := NewManager([]Runtime{rt}, ManagerOptions{Resync: -1})
	m.Start(context.Background())
	defer m.Stop()
	c := rt.add("dddddddddddd0000", "fresh")
	rt.events <- Lifecycle{Kind: Started, ID: c.FullID}
	if u := nextUpdate(t, m); u.Info.Name != "fresh" || u.Removed {
		t.Fatalf("update %+v", u)
	}
	rt.events <- Lifecycle{Kind: Removed, ID: c.FullID}
	u := nextUpdate(t, m)
	if !u.Removed {
		u = nextUpdate(t, m) // the start-up listing may have seen it too
	}
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
	rt.mu.Lock()
	delete(rt.running, c.ID)
	rt.mu.Unlock()
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
	rt.mu.Lock()
	delete(rt.running, "eeeeeeeeeeee")
	rt.mu.Unlock()
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
	ctrd.listTaken, ctrd.listRelease = make(chan struct{}), make(chan struct{})
	m.Start(context.Background())
	defer m.Stop()
	<-ctrd.listTaken // docker, listed first, is done too
	close(ctrd.listRelease)
	rich := docker.add("ffffffffffff", "web")
	thin := ctrd.add("ffffffffffff", "ffffffffffff")
	docker.events <- Lifecycle{Kind: Started, ID: rich.ID, Info: rich}
	if u := nextUpdate(t, m); u.Info != rich {
		t.Fatalf("update %+v", u.Info)
	}
	ctrd.events <- Lifecycle{Kind: Started, ID: thin.ID, Info: thin}
	noUpdate(t, m, 200*time.Millisecond)
}
