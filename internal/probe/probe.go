package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Options configure the probe.
type Options struct {
	// RingBytes is the size of each CPU's ring buffer (a power of two,
	// at least one page); 0 means DefaultRingBytes.
	RingBytes int
	// WakeupBytes wakes the reader once this much is pending in a ring;
	// below it the reader finds records when it polls. 0 means
	// DefaultWakeupBytes.
	WakeupBytes int
	// PollInterval bounds how long a record below the wake-up threshold
	// waits; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// ExcludeTgid is a process whose syscalls are never traced (Kestrel's
	// own, by default).
	ExcludeTgid int

	// ovlAssumeLayout makes the probe find overlayfs upper dentries by
	// its layout assumption even when the kernel's BTF describes struct
	// ovl_inode (tests exercise both ways; see bpf/task.h).
	ovlAssumeLayout bool
}

// Defaults, as Falco's default buffer preset (8 MiB per CPU).
const (
	DefaultRingBytes    = 8 << 20
	DefaultWakeupBytes  = 256 << 10
	DefaultPollInterval = 20 * time.Millisecond
)

// Probe is the loaded and attached probe.
type Probe struct {
	objs     kestrelObjects
	links    []link.Link
	rings    []*ring
	ringMaps []*ebpf.Map
	epfd     int
	stopfd   int
	poll     time.Duration
	cur      *ring // ring of the record last returned
	events   []unix.EpollEvent

	mu      sync.Mutex
	enabled map[int]bool // native syscall numbers in the interesting map

	// stopMu orders Stop, which may run on any goroutine, with Close.
	stopMu sync.Mutex
}

// ErrClosed is returned by Next once Close was called.
var ErrClosed = errors.New("probe closed")

// Load loads the programs (through the verifier), creates one ring per
// CPU and attaches the programs. No syscall is captured until
// SetSyscalls.
func Load(opts Options) (*Probe, error) {
	if opts.RingBytes == 0 {
		opts.RingBytes = DefaultRingBytes
	}
	if opts.WakeupBytes == 0 {
		opts.WakeupBytes = DefaultWakeupBytes
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.ExcludeTgid == 0 {
		opts.ExcludeTgid = os.Getpid()
	}
	if opts.RingBytes < os.Getpagesize() || opts.RingBytes&(opts.RingBytes-1) != 0 {
		return nil, fmt.Errorf("ring size %d is not a power of two of at least one page", opts.RingBytes)
	}
	if err := checkKernel(); err != nil {
		return nil, err
	}
	spec, err := loadKestrel()
	if err != nil {
		return nil, fmt.Errorf("reading the probe object: %w", err)
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("counting CPUs: %w", err)
	}
	bootTime, err := bootTimeNs()
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{
		"self_tgid":         uint32(opts.ExcludeTgid),
		"boot_time_ns":      bootTime,
		"wakeup_bytes":      uint32(opts.WakeupBytes),
		"ovl_assume_layout": b2u32(opts.ovlAssumeLayout),
	} {
		if err := spec.Variables[name].Set(v); err != nil {
			return nil, fmt.Errorf("setting %s: %w", name, err)
		}
	}
	spec.Maps["scratch_map"].MaxEntries = uint32(ncpu)
	rings := spec.Maps["rings"]
	rings.MaxEntries = uint32(ncpu)
	rings.InnerMap.MaxEntries = uint32(opts.RingBytes)

	p := &Probe{epfd: -1, stopfd: -1, poll: opts.PollInterval, enabled: map[int]bool{}}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		return nil, explainLoadError(err)
	}
	if err := p.setup(ncpu, rings.InnerMap); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Probe) setup(ncpu int, inner *ebpf.MapSpec) error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll: %w", err)
	}
	p.epfd = epfd
	stopfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	p.stopfd = stopfd
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, stopfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(stopfd)}); err != nil {
		return fmt.Errorf("epoll: %w", err)
	}
	for cpu := 0; cpu < ncpu; cpu++ {
		m, err := ebpf.NewMap(inner.Copy())
		if err != nil {
			return fmt.Errorf("creating the ring buffer of CPU %d: %w", cpu, err)
		}
		p.ringMaps = append(p.ringMaps, m)
		if err := p.objs.Rings.Put(uint32(cpu), m); err != nil {
			return fmt.Errorf("installing the ring buffer of CPU %d: %w", cpu, err)
		}
		r, err := newRing(m)
		if err != nil {
			return err
		}
		p.rings = append(p.rings, r)
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, m.FD(), &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(m.FD())}); err != nil {
			return fmt.Errorf("epoll: %w", err)
		}
	}
	p.events = make([]unix.EpollEvent, ncpu+1)
	for nr32, nr64 := range ia32To64 {
		if nr32 < nativeSyscalls {
			if err := p.objs.Ia32Map.Put(uint32(nr32), uint32(nr64+1)); err != nil {
				return fmt.Errorf("installing the i386 syscall map: %w", err)
			}
		}
	}
	for nr := 0; nr < nativeSyscalls; nr++ {
		if n := event.NativeX86_64(nr); n != nil && n.Syscall != 0 {
			if err := p.objs.SyscallCodes.Put(uint32(nr), n.Syscall); err != nil {
				return fmt.Errorf("installing the syscall code map: %w", err)
			}
		}
	}
	for nr, f := range fillers {
		prog := f(&p.objs)
		if err := p.objs.ExitFillers.Put(uint32(nr), prog); err != nil {
			return fmt.Errorf("installing the filler of syscall %d: %w", nr, err)
		}
	}
	// The stages of the large events (the order of the C enums).
	for i, prog := range []*ebpf.Program{p.objs.ExecFailB, p.objs.ExecFailC, p.objs.ExecFailD, p.objs.ExecFailE,
		p.objs.CloneB, p.objs.CloneC} {
		if err := p.objs.SysExitTails.Put(uint32(i), prog); err != nil {
			return fmt.Errorf("installing a sys_exit stage: %w", err)
		}
	}
	for i, prog := range []*ebpf.Program{p.objs.ExecOkB, p.objs.ExecOkC, p.objs.ExecOkD, p.objs.ExecOkE} {
		if err := p.objs.ExecTails.Put(uint32(i), prog); err != nil {
			return fmt.Errorf("installing an exec stage: %w", err)
		}
	}
	for _, prog := range []*ebpf.Program{p.objs.SysExit, p.objs.SchedProcessExit, p.objs.SchedProcessExec} {
		l, err := link.AttachTracing(link.TracingOptions{Program: prog})
		if err != nil {
			return fmt.Errorf("attaching %s: %w", prog, err)
		}
		p.links = append(p.links, l)
	}
	return nil
}

// SetSyscalls replaces the captured syscalls (libscap's syscall codes).
// It can be called while events flow, for a rules reload. It returns the
// syscalls the probe cannot capture yet (no filler).
func (p *Probe) SetSyscalls(set event.SyscallSet) (unsupported event.SyscallSet, err error) {
	want := map[int]bool{}
	set.ForEach(func(sc uint16) {
		s := event.LookupSyscall(sc)
		if s == nil || s.NativeX86_64 < 0 {
			return // tracepoints (sched_process_exit) and non-x86 syscalls
		}
		if _, ok := fillers[int(s.NativeX86_64)]; !ok {
			unsupported.Add(sc)
			return
		}
		want[int(s.NativeX86_64)] = true
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	for nr := 0; nr < nativeSyscalls; nr++ {
		on, was := want[nr], p.enabled[nr]
		if on == was {
			continue
		}
		v := uint8(0)
		if on {
			v = 1
		}
		if err := p.objs.Interesting.Put(uint32(nr), v); err != nil {
			return unsupported, fmt.Errorf("selecting syscall %d: %w", nr, err)
		}
	}
	p.enabled = want
	return unsupported, nil
}

const nativeSyscalls = 512

// Next returns the next record, the earliest of the rings' heads, and the
// CPU it was recorded on, waiting for one if none is pending. The slice
// points into the ring and is valid until the next call. After Stop it
// returns ErrClosed.
func (p *Probe) Next() ([]byte, int, error) {
	if p.cur != nil {
		p.cur.release()
		p.cur = nil
	}
	for {
		var best *ring
		var bestTs uint64
		bestCPU := 0
		for cpu, r := range p.rings {
			rec := r.peek()
			if rec == nil || len(rec) < event.HeaderSize {
				if rec != nil {
					r.release() // too short to be a record: skipped
				}
				continue
			}
			ts := binary.LittleEndian.Uint64(rec)
			if best == nil || ts < bestTs {
				best, bestTs, bestCPU = r, ts, cpu
			}
		}
		if best != nil {
			p.cur = best
			return best.head, bestCPU, nil
		}
		n, err := unix.EpollWait(p.epfd, p.events, int(p.poll/time.Millisecond))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return nil, 0, fmt.Errorf("waiting for events: %w", err)
		}
		for i := 0; i < n; i++ {
			if int(p.events[i].Fd) == p.stopfd {
				return nil, 0, ErrClosed
			}
		}
	}
}

// Stop makes a blocked Next return ErrClosed; it is safe from another
// goroutine.
func (p *Probe) Stop() {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	if p.stopfd >= 0 {
		var one [8]byte
		binary.LittleEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(p.stopfd, one[:])
	}
}

// Counters are the probe's loss and event counters, summed over CPUs.
type Counters struct {
	Events       uint64
	DropsRing    [CategoryCount]uint64 // ring full, by category
	DropsScratch uint64                // record over the size limit or no scratch area
	DropsNoRing  uint64
	PerCPU       []CPUCounters
}

// CPUCounters are one CPU's counters.
type CPUCounters struct {
	Events    uint64
	DropsRing uint64
}

// Loss categories, as Falco's n_drops_buffer_* split them.
const (
	CategoryOther = iota
	CategoryCloneFork
	CategoryExecve
	CategoryConnect
	CategoryOpen
	CategoryDirFile
	CategoryClose
	CategoryProcExit
	CategoryCount
)

// CategoryNames name the loss categories.
var CategoryNames = [CategoryCount]string{"other", "clone_fork", "execve", "connect", "open", "dir_file", "close", "proc_exit"}

// Drops is the total of records lost in the kernel.
func (c Counters) Drops() uint64 {
	n := c.DropsScratch + c.DropsNoRing
	for _, d := range c.DropsRing {
		n += d
	}
	return n
}

// Counters reads the counters.
func (p *Probe) Counters() (Counters, error) {
	var per []kestrelCounters
	if err := p.objs.CountersMap.Lookup(uint32(0), &per); err != nil {
		return Counters{}, fmt.Errorf("reading counters: %w", err)
	}
	var c Counters
	for _, pc := range per {
		c.Events += pc.Events
		var ring uint64
		for i, d := range pc.DropsRing {
			c.DropsRing[i] += d
			ring += d
		}
		c.DropsScratch += pc.DropsScratch
		c.DropsNoRing += pc.DropsNoRing
		c.PerCPU = append(c.PerCPU, CPUCounters{Events: pc.Events, DropsRing: ring})
	}
	return c, nil
}

// Close detaches and unloads everything.
func (p *Probe) Close() error {
	var errs []error
	for _, l := range p.links {
		errs = append(errs, l.Close())
	}
	p.links = nil
	for _, r := range p.rings {
		errs = append(errs, r.close())
	}
	p.rings = nil
	for _, m := range p.ringMaps {
		errs = append(errs, m.Close())
	}
	p.ringMaps = nil
	errs = append(errs, p.objs.Close())
	if p.epfd >= 0 {
		errs = append(errs, unix.Close(p.epfd))
		p.epfd = -1
	}
	p.stopMu.Lock()
	if p.stopfd >= 0 {
		errs = append(errs, unix.Close(p.stopfd))
		p.stopfd = -1
	}
	p.stopMu.Unlock()
	return errors.Join(errs...)
}

// bootTimeNs is the wall-clock time of boot, which turns the probe's
// boot-relative clock into nanoseconds since the epoch as scap records
// carry.
func bootTimeNs() (uint64, error) {
	var real, boot unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &real); err != nil {
		return 0, err
	}
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot); err != nil {
		return 0, err
	}
	return uint64(real.Nano() - boot.Nano()), nil
}

func b2u32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
