package container

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// Update is a change to the containers known, for the event stream: a
// container's metadata arrived (or changed), or it went away.
type Update struct {
	Info    *Info
	Removed bool
	// Noticed is when the event stream first asked about this container
	// (zero when the update came from a runtime's own report): the time
	// from Noticed to the update reaching the rules is the enrichment
	// latency.
	Noticed time.Time
}

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	// Workers look containers up concurrently (default 4).
	Workers int
	// Queue bounds the requests waiting for a worker (default 1024).
	Queue int
	// Timeout bounds one runtime call (default 2s).
	Timeout time.Duration
	// Retry is how long an id no runtime knows is asked again, with
	// growing pauses (default 5s): a container's first processes can run
	// before every runtime has registered it.
	Retry time.Duration
	// NegativeTTL is how long an id no runtime knew is answered from
	// memory (default 30s), so that a host cgroup that looks like a
	// container does not cost a socket call per new process.
	NegativeTTL time.Duration
	// Resync is the period of the full listing that forgets containers
	// whose removal was missed (default 30s; negative: never).
	Resync time.Duration
	// MaxKnown bounds the metadata kept for removal events and repeated
	// requests (default 16384).
	MaxKnown int
	Logger   *slog.Logger
}

// Stats count what the manager did.
type Stats struct {
	Requests       uint64 // ids the event stream asked about
	RequestsQueued uint64 // accepted into the queue
	QueueFull      uint64 // refused because the queue was full (asked again later)
	Lookups        uint64 // runtime calls made
	Found          uint64 // containers answered by a runtime
	NotFound       uint64 // ids no runtime knew after the retries
	LookupErrors   uint64 // runtime calls that failed (other than not found)
	WatchErrors    uint64 // broken event streams (reconnected)
	Started        uint64 // containers reported started by runtimes
	Removed        uint64 // containers reported gone
	Known          int    // metadata kept
}

// Manager asks the runtimes about the containers the event stream
// reveals, watches them for containers starting and stopping, and
// delivers the answers as Updates. Nothing it does blocks its caller:
// Request only queues, and the consumer reads Updates when it can.
type Manager struct {
	opts     ManagerOptions
	runtimes []Runtime
	requests chan request
	updates  chan Update
	log      *slog.Logger

	mu        sync.Mutex
	known     map[string]*Info     // short id -> metadata
	knownRank map[string]int       // short id -> rank of the runtime that answered
	inFlight  map[string]time.Time // short id -> first asked
	negative  map[string]time.Time // short id -> when no runtime knew it
	// delivered remembers what was last sent per container, so that the
	// runtime's start report and the stream's request, which race, give
	// rules one container event.
	delivered map[string]deliveredInfo
	// removals numbers removal reports; removedAt keeps, per container,
	// the number of its removal, so that an answer obtained before the
	// removal (a listing or a lookup still in flight) does not bring the
	// dead container back. Pruned by each resync.
	removals  uint64
	removedAt map[string]uint64

	stats struct {
		requests, queued, queueFull, lookups, found, notFound, lookupErrors,
		watchErrors, started, removed atomic.Uint64
	}
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

type deliveredInfo struct {
	info *Info
	at   time.Time
}

// redeliverAfter: a request for a container sent longer ago than this
// means the stream lost it (its table was full), so it is sent again.
const redeliverAfter = 5 * time.Second

type request struct {
	Request
	noticed time.Time
}

// NewManager returns a manager over the runtimes; Start runs it.
func NewManager(runtimes []Runtime, opts ManagerOptions) *Manager {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Retry <= 0 {
		opts.Retry = 5 * time.Second
	}
	if opts.NegativeTTL <= 0 {
		opts.NegativeTTL = 30 * time.Second
	}
	if opts.Resync == 0 {
		opts.Resync = 30 * time.Second
	}
	if opts.MaxKnown <= 0 {
		opts.MaxKnown = 16384
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{
		opts:     opts,
		runtimes: runtimes,
		requests: make(chan request, opts.Queue),
		// Updates wait here for the event stream; a full channel makes
		// the workers wait, never the stream.
		updates:   make(chan Update, 4096),
		log:       log,
		known:     make(map[string]*Info),
		knownRank: make(map[string]int),
		inFlight:  make(map[string]time.Time),
		negative:  make(map[string]time.Time),
		delivered: make(map[string]deliveredInfo),
		removedAt: make(map[string]uint64),
	}
}

// Updates delivers the manager's answers; the event stream drains it
// without waiting.
func (m *Manager) Updates() <-chan Update { return m.updates }

// Runtimes returns the runtimes the manager asks.
func (m *Manager) Runtimes() []Runtime { return m.runtimes }

// Start lists the running containers of every runtime (delivered as
// Updates before any lookup answer), then starts the workers, the
// watchers and the periodic resync. It returns at once.
func (m *Manager) Start(ctx context.Context) {
	ctx, m.cancel = context.WithCancel(ctx)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.resync(ctx, false)
	}()
	for i := 0; i < m.opts.Workers; i++ {
		m.wg.Add(1)
		go m.worker(ctx)
	}
	for _, rt := range m.runtimes {
		m.wg.Add(1)
		go m.watch(ctx, rt)
	}
	if m.opts.Resync > 0 {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			t := time.NewTicker(m.opts.Resync)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					m.resync(ctx, true)
				}
			}
		}()
	}
}

// Stop ends the goroutines and closes the runtimes.
func (m *Manager) Stop() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	for _, rt := range m.runtimes {
		rt.Close()
	}
}

// Request asks about a container the event stream revealed. It never
// blocks: it reports false when the queue is full (the caller asks again
// on a later event).
func (m *Manager) Request(r Request) bool {
	m.stats.requests.Add(1)
	select {
	case m.requests <- request{r, time.Now()}:
		m.stats.queued.Add(1)
		return true
	default:
		m.stats.queueFull.Add(1)
		return false
	}
}

// Stats returns the counters.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	known := len(m.known)
	m.mu.Unlock()
	return Stats{
		Requests: m.stats.requests.Load(), RequestsQueued: m.stats.queued.Load(),
		QueueFull: m.stats.queueFull.Load(), Lookups: m.stats.lookups.Load(),
		Found: m.stats.found.Load(), NotFound: m.stats.notFound.Load(),
		LookupErrors: m.stats.lookupErrors.Load(), WatchErrors: m.stats.watchErrors.Load(),
		Started: m.stats.started.Load(), Removed: m.stats.removed.Load(), Known: known,
	}
}

func (m *Manager) send(ctx context.Context, u Update) {
	m.mu.Lock()
	if u.Removed {
		delete(m.delivered, u.Info.ID)
	} else {
		d, ok := m.delivered[u.Info.ID]
		if ok && time.Since(d.at) < redeliverAfter && (d.info == u.Info || reflect.DeepEqual(d.info, u.Info)) {
			m.mu.Unlock()
			return
		}
		if !ok && len(m.delivered) >= m.opts.MaxKnown {
			m.delivered = make(map[string]deliveredInfo)
		}
		m.delivered[u.Info.ID] = deliveredInfo{u.Info, time.Now()}
	}
	m.mu.Unlock()
	select {
	case m.updates <- u:
	case <-ctx.Done():
	}
}

// removalMark is the number of the latest removal, taken before asking a
// runtime: remember then rejects answers about containers removed since.
func (m *Manager) removalMark() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.removals
}

// removedSince reports whether the container was removed after mark.
func (m *Manager) removedSince(id string, mark uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.removedAfterLocked(id, mark)
}

func (m *Manager) removedAfterLocked(id string, mark uint64) bool {
	at, removed := m.removedAt[id]
	return removed && at > mark
}

// remember records metadata from the runtime of this rank (its place in
// the runtime list), obtained when removalMark was asOf, and reports
// whether it was kept: an answer about a container removed since is not;
// a container several runtimes see (Docker's containers are containerd's
// too, in namespace moby; CRI's are in k8s.io) keeps the answer of the
// runtime listed first, which knows it best.
func (m *Manager) remember(c *Info, rank int, asOf uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.removedAfterLocked(c.ID, asOf) {
		return false // removed after this answer was obtained
	}
	if _, ok := m.known[c.ID]; ok {
		if r, had := m.knownRank[c.ID]; had && r < rank {
			return false
		}
	} else if len(m.known) >= m.opts.MaxKnown {
		for id := range m.known {
			delete(m.known, id)
			delete(m.knownRank, id)
			break
		}
	}
	m.known[c.ID] = c
	m.knownRank[c.ID] = rank
	delete(m.negative, c.ID)
	return true
}

func (m *Manager) rank(rt Runtime) int {
	for i, r := range m.runtimes {
		if r == rt {
			return i
		}
	}
	return len(m.runtimes)
}

func (m *Manager) forget(id string) *Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.known[id]
	delete(m.known, id)
	delete(m.knownRank, id)
	m.removals++
	if len(m.removedAt) >= m.opts.MaxKnown {
		m.removedAt = make(map[string]uint64)
	}
	m.removedAt[id] = m.removals
	return c
}

func (m *Manager) worker(ctx context.Context) {
	defer m.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-m.requests:
			m.lookup(ctx, r)
		}
	}
}

// lookup answers one request: from memory, or by asking the runtimes,
// the hinted one first, again with growing pauses while none knows the
// id, up to Retry.
func (m *Manager) lookup(ctx context.Context, r request) {
	m.mu.Lock()
	if c, ok := m.known[r.ID]; ok {
		m.mu.Unlock()
		m.send(ctx, Update{Info: c, Noticed: r.noticed})
		return
	}
	if at, ok := m.negative[r.ID]; ok && time.Since(at) < m.opts.NegativeTTL {
		m.mu.Unlock()
		return
	}
	if _, busy := m.inFlight[r.ID]; busy {
		m.mu.Unlock()
		return
	}
	m.inFlight[r.ID] = r.noticed
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.inFlight, r.ID)
		m.mu.Unlock()
	}()

	id := r.ID
	if r.FullID != "" {
		id = r.FullID
	}
	pause := 20 * time.Millisecond
	deadline := time.Now().Add(m.opts.Retry)
	for {
		mark := m.removalMark()
		if c, rank := m.ask(ctx, id, r.Type); c != nil {
			if c.ID == "" {
				c.ID = r.ID
			}
			if m.removedSince(c.ID, mark) {
				return // removed while it was being asked about
			}
			m.remember(c, rank, mark)
			m.stats.found.Add(1)
			m.send(ctx, Update{Info: c, Noticed: r.noticed})
			return
		}
		if time.Now().Add(pause).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause *= 2
	}
	m.stats.notFound.Add(1)
	m.mu.Lock()
	if len(m.negative) >= m.opts.MaxKnown {
		m.negative = make(map[string]time.Time)
	}
	m.negative[r.ID] = time.Now()
	m.mu.Unlock()
	m.log.Debug("no runtime knows this container", "id", r.ID)
}

// ask tries each runtime, those of the hinted kind first.
func (m *Manager) ask(ctx context.Context, id string, hint Type) (*Info, int) {
	order := make([]Runtime, 0, len(m.runtimes))
	for _, rt := range m.runtimes {
		if family(kindOf(rt)) == family(hint) {
			order = append(order, rt)
		}
	}
	for _, rt := range m.runtimes {
		if family(kindOf(rt)) != family(hint) {
			order = append(order, rt)
		}
	}
	for _, rt := range order {
		cctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
		m.stats.lookups.Add(1)
		c, err := rt.Inspect(cctx, id)
		cancel()
		if err == nil && c != nil {
			return c, m.rank(rt)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			m.stats.lookupErrors.Add(1)
			m.log.Debug("container lookup failed", "runtime", rt.Name(), "id", id, "err", err)
		}
	}
	return nil, 0
}

// Kinded is implemented by runtimes that know which container type they
// serve, so that requests go to the matching runtime first.
type Kinded interface{ Kind() Type }

// family groups the kinds a cgroup layout cannot tell apart: the CRI
// layouts are containerd's or CRI-O's, whichever serves the socket.
func family(t Type) Type {
	switch t {
	case TypeCRI, TypeCRIO, TypeContainerd:
		return TypeCRI
	}
	return t
}

func kindOf(rt Runtime) Type {
	if k, ok := rt.(Kinded); ok {
		return k.Kind()
	}
	return TypeUnknown
}

// watch follows one runtime's event stream, reconnecting with growing
// pauses when it breaks.
func (m *Manager) watch(ctx context.Context, rt Runtime) {
	defer m.wg.Done()
	pause := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := rt.Watch(ctx, func(l Lifecycle) { m.lifecycle(ctx, rt, l) })
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrWatchUnsupported) {
			m.log.Info("container runtime has no event stream; containers are learned from lookups and the resync",
				"runtime", rt.Name(), "err", err)
			return
		}
		m.stats.watchErrors.Add(1)
		m.log.Warn("container runtime event stream broke; reconnecting", "runtime", rt.Name(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		if pause < 30*time.Second {
			pause *= 2
		}
	}
}

func (m *Manager) lifecycle(ctx context.Context, rt Runtime, l Lifecycle) {
	switch l.Kind {
	case Started:
		m.stats.started.Add(1)
		c := l.Info
		mark := m.removalMark()
		if c == nil {
			cctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
			var err error
			c, err = rt.Inspect(cctx, l.ID)
			cancel()
			if err != nil || c == nil {
				return
			}
		}
		if m.remember(c, m.rank(rt), mark) {
			m.send(ctx, Update{Info: c})
		}
	case Removed:
		m.stats.removed.Add(1)
		c := m.forget(ShortID(l.ID))
		if c == nil {
			c = &Info{ID: ShortID(l.ID), FullID: l.ID, Type: kindOf(rt), Size: -1}
		}
		m.send(ctx, Update{Info: c, Removed: true})
	}
}

// resync lists every runtime: new containers are delivered, and with
// forgetMissing, known ones no runtime lists any more are removed.
func (m *Manager) resync(ctx context.Context, forgetMissing bool) {
	seen := make(map[string]bool)
	complete := true
	mark := m.removalMark()
	defer func() {
		// Removals up to the mark are in every later answer already.
		m.mu.Lock()
		for id, at := range m.removedAt {
			if at <= mark {
				delete(m.removedAt, id)
			}
		}
		m.mu.Unlock()
	}()
	for _, rt := range m.runtimes {
		cctx, cancel := context.WithTimeout(ctx, 4*m.opts.Timeout)
		list, err := rt.List(cctx)
		cancel()
		if err != nil {
			complete = false
			if ctx.Err() == nil {
				m.log.Warn("listing containers failed", "runtime", rt.Name(), "err", err)
			}
			continue
		}
		for _, c := range list {
			seen[c.ID] = true
			m.mu.Lock()
			_, had := m.known[c.ID]
			m.mu.Unlock()
			if m.remember(c, m.rank(rt), mark) && !had {
				m.send(ctx, Update{Info: c})
			}
		}
	}
	if !forgetMissing || !complete {
		return
	}
	m.mu.Lock()
	var gone []*Info
	for id, c := range m.known {
		if !seen[id] {
			gone = append(gone, c)
			delete(m.known, id)
		}
	}
	m.mu.Unlock()
	for _, c := range gone {
		m.stats.removed.Add(1)
		m.send(ctx, Update{Info: c, Removed: true})
	}
}
