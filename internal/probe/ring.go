package probe

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// ring is a consumer of one BPF ring buffer, mapped into memory.
//
// Written by hand rather than using cilium/ebpf's ringbuf.Reader because
// that reader copies every sample out of the ring and cannot look at a
// ring's next sample without consuming it; Kestrel needs both: records are
// handed to the state and the rules in place, and the per-CPU rings are
// merged in timestamp order, which needs every ring's head at once. The
// layout is the kernel's (kernel/bpf/ringbuf.c): a consumer page, a
// producer page, then the data pages mapped twice so that a record that
// wraps around is contiguous.
type ring struct {
	fd       int
	consumer []byte // the consumer page (read-write)
	data     []byte // the producer page, then the data mapped twice
	mask     uint64
	cons     uint64 // local consumer position
	pending  uint64 // where cons goes when the head record is released
	hasHead  bool
	head     []byte
}

const (
	ringBusyBit    = 1 << 31
	ringDiscardBit = 1 << 30
	ringHeaderSize = 8
)

func newRing(m *ebpf.Map) (*ring, error) {
	size := int(m.MaxEntries())
	page := unix.Getpagesize()
	fd := m.FD()
	cons, err := unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap ring consumer page: %w", err)
	}
	data, err := unix.Mmap(fd, int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		_ = unix.Munmap(cons)
		return nil, fmt.Errorf("mmap ring data: %w", err)
	}
	r := &ring{fd: fd, consumer: cons, data: data, mask: uint64(size - 1)}
	r.cons = r.consumerPos().Load()
	return r, nil
}

func (r *ring) consumerPos() *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&r.consumer[0]))
}

func (r *ring) producerPos() *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&r.data[0]))
}

// peek returns the next committed record without consuming it, or nil.
// The slice aliases the ring and stays valid until release.
func (r *ring) peek() []byte {
	if r.hasHead {
		return r.head
	}
	page := uint64(unix.Getpagesize())
	for {
		prod := r.producerPos().Load()
		if r.cons >= prod {
			return nil
		}
		off := page + (r.cons & r.mask)
		hdr := (*atomic.Uint32)(unsafe.Pointer(&r.data[off]))
		l := hdr.Load()
		if l&ringBusyBit != 0 {
			return nil // reserved, not yet committed
		}
		n := uint64(l &^ (ringBusyBit | ringDiscardBit))
		next := r.cons + (n+ringHeaderSize+7)&^7
		if l&ringDiscardBit != 0 {
			r.cons = next
			r.consumerPos().Store(r.cons)
			continue
		}
		start := off + ringHeaderSize
		r.head = r.data[start : start+n : start+n]
		r.pending = next
		r.hasHead = true
		return r.head
	}
}

// release consumes the record peek returned, letting the kernel reuse its
// space.
func (r *ring) release() {
	if !r.hasHead {
		return
	}
	r.hasHead = false
	r.head = nil
	r.cons = r.pending
	r.consumerPos().Store(r.cons)
}

func (r *ring) close() error {
	return errors.Join(unix.Munmap(r.data), unix.Munmap(r.consumer))
}
