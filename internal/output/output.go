// Package output owns where alerts go once formatted: Falco's outputs
// (stdout, file, program, syslog and http), each behind a Sink, and the
// dispatcher that fans every alert out to all sinks with one queue and one
// goroutine per sink, so that a slow or dead destination never blocks the
// caller or the other destinations. Queue capacity follows Falco's
// outputs_queue.capacity (0 is unbounded); an alert that does not fit is
// dropped for that sink and counted.
package output

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kestrel-project/kestrel/internal/priority"
)

// Message is one formatted alert (text line or JSON object, no trailing newline).
type Message struct {
	Line     []byte
	Priority priority.Priority
	Rule     string
	JSON     bool // Line is JSON (http sets Content-Type application/json, else text/plain)
}

// Sink delivers messages to one destination. Write may block or fail; the
// dispatcher isolates it: Write and Close of one sink are only ever called
// from that sink's own goroutine, never concurrently.
type Sink interface {
	Name() string
	Write(ctx context.Context, m *Message) error
	Close() error
}

// reopener is implemented by sinks that Reopen acts on (files, and
// programs with keep_alive).
type reopener interface {
	reopen() error
}

// Stats per sink.
type Stats struct {
	Name                  string
	Sent, Failed, Dropped uint64
	Queued                int
}

// errLogInterval bounds how often one sink's errors are logged.
const errLogInterval = 10 * time.Second

// Outputs fans messages out to sinks, each with its own queue and goroutine.
type Outputs struct {
	workers  []*worker
	capacity int
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

type worker struct {
	sink Sink
	log  *slog.Logger

	mu                    sync.Mutex
	queue                 []*Message
	reopen                bool
	closing               bool
	sent, failed, dropped uint64

	wake chan struct{}
	done chan struct{}
	// closeErr is the sink's Close error, set before done is closed.
	closeErr error

	// rate limiting of error logs, touched only by the worker goroutine
	lastLog    time.Time
	suppressed int
}

// New starts one goroutine per sink. capacity follows Falco's
// outputs_queue.capacity: 0 is an unbounded queue (Falco's default), N > 0
// allows at most N queued messages per sink, beyond which a message is
// dropped for that sink and counted in Stats.Dropped. A nil log discards.
func New(sinks []Sink, capacity int, log *slog.Logger) *Outputs {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if capacity < 0 {
		capacity = 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &Outputs{capacity: capacity, log: log, ctx: ctx, cancel: cancel}
	for _, s := range sinks {
		w := &worker{
			sink: s,
			log:  log.With("output", s.Name()),
			wake: make(chan struct{}, 1),
			done: make(chan struct{}),
		}
		o.workers = append(o.workers, w)
		go w.run(ctx)
	}
	return o
}

func (w *worker) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Emit queues m for every sink and never blocks. m.Line is copied; the
// copy is shared read-only by the sinks.
func (o *Outputs) Emit(m Message) {
	m.Line = append([]byte(nil), m.Line...)
	msg := &m
	for _, w := range o.workers {
		w.mu.Lock()
		if w.closing || (o.capacity > 0 && len(w.queue) >= o.capacity) {
			w.dropped++
			w.mu.Unlock()
			continue
		}
		w.queue = append(w.queue, msg)
		w.mu.Unlock()
		w.signal()
	}
}

// Stats returns per-sink counters, in the order the sinks were given.
func (o *Outputs) Stats() []Stats {
	out := make([]Stats, 0, len(o.workers))
	for _, w := range o.workers {
		w.mu.Lock()
		out = append(out, Stats{Name: w.sink.Name(), Sent: w.sent, Failed: w.failed, Dropped: w.dropped, Queued: len(w.queue)})
		w.mu.Unlock()
	}
	return out
}

// Reopen asks every sink to reopen its destination (SIGUSR1, log
// rotation): files are closed and opened again at their path, and
// programs run with keep_alive are restarted. It does not wait; each sink
// reopens in its own goroutine before writing any message emitted after
// Reopen was called.
func (o *Outputs) Reopen() {
	for _, w := range o.workers {
		w.mu.Lock()
		w.reopen = true
		w.mu.Unlock()
		w.signal()
	}
}

// Close stops accepting messages, lets every sink drain its queue for up
// to timeout, then closes the sinks. A sink still busy at the deadline has
// its pending Write cancelled and its remaining queue dropped (counted);
// its Close runs once that Write returns. The error names such sinks and
// carries the sinks' Close errors. Close is idempotent.
func (o *Outputs) Close(timeout time.Duration) error {
	o.closeOnce.Do(func() { o.closeErr = o.close(timeout) })
	return o.closeErr
}

func (o *Outputs) close(timeout time.Duration) error {
	for _, w := range o.workers {
		w.mu.Lock()
		w.closing = true
		w.mu.Unlock()
		w.signal()
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var stuck []*worker
	expired := false
	for _, w := range o.workers {
		if !expired {
			select {
			case <-w.done:
				continue
			case <-timer.C:
				expired = true
			}
		}
		// Past the deadline the remaining sinks are only polled.
		select {
		case <-w.done:
		default:
			stuck = append(stuck, w)
		}
	}
	if len(stuck) > 0 {
		// Empty the queues before cancelling, so that a worker whose
		// write the cancel ends does not go on to the next message.
		for _, w := range stuck {
			w.mu.Lock()
			w.dropped += uint64(len(w.queue))
			w.queue = nil
			w.mu.Unlock()
		}
		o.cancel()
		// A cancelled Write normally returns at once; give it a moment so
		// its sink gets closed before we return.
		grace := time.NewTimer(200 * time.Millisecond)
		defer grace.Stop()
		var still []string
		graceOver := false
		for _, w := range stuck {
			if !graceOver {
				select {
				case <-w.done:
					continue
				case <-grace.C:
					graceOver = true
				}
			}
			select {
			case <-w.done:
			default:
				still = append(still, w.sink.Name())
			}
		}
		names := make([]string, 0, len(stuck))
		for _, w := range stuck {
			names = append(names, w.sink.Name())
		}
		errs := []error{fmt.Errorf("output: not drained within %v: %s", timeout, strings.Join(names, ", "))}
		if len(still) > 0 {
			errs = append(errs, fmt.Errorf("output: still writing, closed when the write returns: %s", strings.Join(still, ", ")))
		}
		for _, w := range o.workers {
			select {
			case <-w.done:
				errs = append(errs, w.closeErr)
			default:
			}
		}
		return errors.Join(errs...)
	}
	o.cancel()
	var errs []error
	for _, w := range o.workers {
		errs = append(errs, w.closeErr)
	}
	return errors.Join(errs...)
}

func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	defer func() {
		if err := w.sink.Close(); err != nil {
			w.closeErr = fmt.Errorf("output %s: close: %w", w.sink.Name(), err)
		}
	}()
	for {
		w.mu.Lock()
		if w.reopen {
			w.reopen = false
			w.mu.Unlock()
			if r, ok := w.sink.(reopener); ok {
				if err := r.reopen(); err != nil {
					w.logError(err)
				}
			}
			continue
		}
		if len(w.queue) > 0 && ctx.Err() != nil {
			// Close gave up waiting: what is left is dropped, counted.
			w.dropped += uint64(len(w.queue))
			w.queue = nil
			w.mu.Unlock()
			continue
		}
		if len(w.queue) > 0 {
			m := w.queue[0]
			w.queue[0] = nil
			w.queue = w.queue[1:]
			w.mu.Unlock()
			// A failed message is counted and abandoned, never retried:
			// Falco does the same (each output is tried once per alert),
			// and retrying would let a dead receiver stall this queue
			// forever while alerts pile up behind it.
			err := w.sink.Write(ctx, m)
			w.mu.Lock()
			if err != nil {
				w.failed++
			} else {
				w.sent++
			}
			w.mu.Unlock()
			if err != nil {
				w.logError(err)
			}
			continue
		}
		if w.closing {
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		<-w.wake
	}
}

// logError logs a sink error, at most once per errLogInterval, with the
// number of errors left unlogged since the last one.
func (w *worker) logError(err error) {
	now := time.Now()
	if !w.lastLog.IsZero() && now.Sub(w.lastLog) < errLogInterval {
		w.suppressed++
		return
	}
	if w.suppressed > 0 {
		w.log.Error("output failed", "error", err, "suppressed", w.suppressed)
	} else {
		w.log.Error("output failed", "error", err)
	}
	w.lastLog = now
	w.suppressed = 0
}
