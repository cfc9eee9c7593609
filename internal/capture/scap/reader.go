package scap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

// Kind says what an Item carries.
type Kind uint8

// Item kinds.
const (
	KindEvent      Kind = iota + 1 // Event, CPU, Flags
	KindMachine                    // Machine
	KindThreads                    // Threads (one process list block)
	KindFDs                        // TID and FDs (one fd list block)
	KindInterfaces                 // Interfaces
	KindUsers                      // Users and Groups
	KindSection                    // a further section header (concatenated captures)
)

var kindNames = [...]string{"", "event", "machine", "threads", "fds", "interfaces", "users", "section"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Item is one block of a capture, decoded.
type Item struct {
	Kind Kind
	// Offset is the block's offset in the uncompressed stream and Block its
	// type number.
	Offset int64
	Block  uint32

	// KindEvent: the record, upgraded to the current 26-byte header if the
	// block held a version-1 record. It points into a buffer owned by the
	// Reader and stays valid until the next call to Next.
	Event *event.Record
	CPU   uint16
	// Flags is the flags word of EVF blocks (FlagStateOnly, ...); 0 for EV
	// blocks.
	Flags uint32

	// Metadata is set for the metadata kinds only (nil for events, so
	// that the per-event Item stays small); its fields are promoted.
	*Metadata
}

// Metadata is what a metadata block holds, by Item kind.
type Metadata struct {
	Machine    *state.MachineInfo
	Threads    []state.ThreadInfo
	TID        int64 // KindFDs: the thread the fds belong to
	FDs        []state.FDInfo
	Interfaces []state.InterfaceInfo
	Users      []state.UserInfo
	Groups     []state.GroupInfo
}

// Stats counts what the reader saw and what it passed over.
type Stats struct {
	Events uint64 // events returned
	// SkippedEvents counts events whose type is outside the event table
	// (newer than this build): libscap skips them too.
	SkippedEvents uint64
	// SkippedBlocks counts blocks of unknown type, which are skipped.
	SkippedBlocks uint64
	// OrphanFDs counts fd list entries for a thread no process list
	// named; the Snapshot leaves them out, as libscap does.
	OrphanFDs uint64
	Sections  int // section headers, the first included
}

// Snapshot is the system state the metadata blocks describe, accumulated
// as the reader passes them: fd lists are attached to their threads.
type Snapshot struct {
	Machine    *state.MachineInfo
	Threads    []state.ThreadInfo
	Interfaces []state.InterfaceInfo
	Users      []state.UserInfo
	Groups     []state.GroupInfo
}

// Reader reads a capture one block at a time.
type Reader struct {
	name   string
	src    *bufio.Reader
	gz     *gzip.Reader
	file   *os.File
	off    int64 // offset of the next block in the uncompressed stream
	major  uint16
	minor  uint16
	seclen uint64
	err    error // sticky

	hdr  [8]byte
	buf  []byte // block body, reused
	conv []byte // version-1 records upgraded to the current header
	rec  event.Record

	stats   Stats
	snap    Snapshot
	tidix   map[int64]int           // Snapshot.Threads index by tid
	fdix    map[int64]map[int64]int // per tid: FDs index by fd number
	pending *Item                   // event read ahead by ReadMetadata
}

// Open opens a capture file, plain or gzip-compressed.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads a capture from rd, plain or gzip-compressed; name is used
// in errors. It reads and checks the section header before returning.
func NewReader(rd io.Reader, name string) (*Reader, error) {
	r := &Reader{name: name, tidix: make(map[int64]int), fdix: make(map[int64]map[int64]int)}
	raw := bufio.NewReaderSize(rd, 256<<10)
	if isGzip(raw) {
		gz, err := gzip.NewReader(raw)
		if err != nil {
			return nil, &FormatError{Name: name, Err: fmt.Errorf("gzip header: %w", err)}
		}
		gz.Multistream(false)
		r.gz = gz
		r.src = bufio.NewReaderSize(&gzMembers{raw: raw, gz: gz}, 256<<10)
	} else {
		r.src = raw
	}
	if _, err := r.next(true); err != nil {
		return nil, err
	}
	return r, nil
}

func isGzip(br *bufio.Reader) bool {
	magic, _ := br.Peek(2)
	return len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
}

// gzMembers reads concatenated gzip members and, like zlib's gzread which
// libscap uses, ignores anything after the last member that is not
// another gzip member.
type gzMembers struct {
	raw  *bufio.Reader
	gz   *gzip.Reader
	done bool
}

func (g *gzMembers) Read(p []byte) (int, error) {
	for !g.done {
		n, err := g.gz.Read(p)
		if err != io.EOF {
			return n, err
		}
		if !isGzip(g.raw) {
			g.done = true
		} else if err := g.gz.Reset(g.raw); err != nil {
			return n, err
		} else {
			g.gz.Multistream(false)
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, io.EOF
}

// Close releases the file opened by Open (NewReader's reader is left to
// its owner).
func (r *Reader) Close() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	return err
}

// Name returns the name the reader was given.
func (r *Reader) Name() string { return r.name }

// Version returns the format version of the (last) section header.
func (r *Reader) Version() (major, minor uint16) { return r.major, r.minor }

// SectionLength returns the section length field of the (last) section
// header; libscap writes all ones ("unknown").
func (r *Reader) SectionLength() uint64 { return r.seclen }

// Stats returns the counters so far.
func (r *Reader) Stats() Stats { return r.stats }

// Snapshot returns the state accumulated from the metadata blocks read so
// far. The Reader keeps updating it; callers must not modify it.
func (r *Reader) Snapshot() *Snapshot { return &r.snap }

// Next returns the next block. At the end of the capture it returns io.EOF;
// a damaged block yields a *FormatError, and so does every later call.
// Event items point into the reader's buffer, valid until the next call.
func (r *Reader) Next() (Item, error) {
	for {
		if r.err != nil {
			return Item{}, r.err
		}
		it, err := r.next(false)
		if err != nil {
			r.err = err
			return Item{}, err
		}
		if it.Kind != 0 {
			return it, nil
		}
	}
}

// ReadMetadata reads blocks up to the first event (or the end) and returns
// the snapshot they describe; the event is kept for the next call to Next.
// It is a convenience for consumers that seed state before replaying.
func (r *Reader) ReadMetadata() (*Snapshot, error) {
	for r.err == nil && r.pending == nil {
		it, err := r.next(false)
		if err != nil {
			r.err = err
			break
		}
		if it.Kind == KindEvent {
			p := it
			r.pending = &p
		}
	}
	if r.err != nil && r.err != io.EOF {
		return &r.snap, r.err
	}
	return &r.snap, nil
}

func (r *Reader) fail(off int64, block uint32, err error) error {
	return &FormatError{Name: r.name, Offset: off, Block: BlockName(block), Err: err}
}

// readFull reads n bytes into the reusable buffer. The buffer grows only
// as data actually arrives, so a corrupt length cannot make the reader
// allocate far more than the file holds.
func (r *Reader) readFull(n int) ([]byte, error) {
	if cap(r.buf) >= n {
		b := r.buf[:n]
		m, err := io.ReadFull(r.src, b)
		return b[:m], err
	}
	b := r.buf[:0]
	for len(b) < n {
		// Grow geometrically from 64 KiB: at most twice what arrived.
		chunk := min(n-len(b), max(64<<10, len(b)))
		b = slices.Grow(b, chunk)
		m, err := io.ReadFull(r.src, b[len(b):len(b)+chunk])
		b = b[:len(b)+m]
		if err != nil {
			r.buf = b
			return b, err
		}
	}
	r.buf = b
	return b, nil
}

func truncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrTruncated
	}
	return fmt.Errorf("%w: %w", ErrTruncated, err)
}

// next reads one block. It returns an Item with Kind 0 for blocks that
// yield nothing (skipped blocks, the first section header).
func (r *Reader) next(first bool) (Item, error) {
	if !first && r.pending != nil {
		it := *r.pending
		r.pending = nil
		return it, nil
	}
	off := r.off
	hdr := r.hdr[:]
	var n int
	var err error
	if p, perr := r.src.Peek(len(hdr)); perr == nil {
		n = copy(hdr, p) // the common case, without io.ReadFull's calls
		r.src.Discard(n)
	} else {
		n, err = io.ReadFull(r.src, hdr)
	}
	if err != nil {
		if n == 0 && err == io.EOF {
			if first {
				return Item{}, &FormatError{Name: r.name, Err: fmt.Errorf("empty file: %w", ErrNotCapture)}
			}
			return Item{}, io.EOF
		}
		return Item{}, &FormatError{Name: r.name, Offset: off,
			Err: fmt.Errorf("block header (%d of 8 bytes): %w", n, truncated(err))}
	}
	typ := binary.LittleEndian.Uint32(hdr[0:])
	total := binary.LittleEndian.Uint32(hdr[4:])
	if first && typ != BlockSHB {
		return Item{}, &FormatError{Name: r.name, Offset: off,
			Err: fmt.Errorf("first block has type %#x, not a section header: %w", typ, ErrNotCapture)}
	}
	if total < blockOverhead {
		return Item{}, r.fail(off, typ, fmt.Errorf("block length %d is under the %d-byte minimum", total, blockOverhead))
	}
	if total > MaxBlockSize {
		return Item{}, r.fail(off, typ, fmt.Errorf("block length %d over the %d-byte limit: %w", total, MaxBlockSize, ErrTooLarge))
	}
	ek := eventKind(typ)
	if ek.isEvent && !ek.large && total-8 > smallEventMax {
		return Item{}, r.fail(off, typ, fmt.Errorf("event block length %d over libscap's %d-byte limit for blocks that are not LARGE: %w", total, smallEventMax+8, ErrTooLarge))
	}
	var b []byte
	if ek.isEvent {
		// Events are viewed in place in the read buffer, not copied: the
		// record only has to live until the next call, and Discard of
		// bytes already buffered moves no data.
		if p, perr := r.src.Peek(int(total) - 8); perr == nil {
			b = p
			r.src.Discard(len(p))
		}
	}
	if b == nil {
		b, err = r.readFull(int(total) - 8)
	}
	if err != nil {
		return Item{}, r.fail(off, typ, fmt.Errorf("block body (%d of %d bytes): %w", len(b), total-8, truncated(err)))
	}
	r.off += int64(total)
	body := b[:len(b)-4]
	if trailer := binary.LittleEndian.Uint32(b[len(b)-4:]); trailer != total {
		return Item{}, r.fail(off, typ, fmt.Errorf("trailing block length %d differs from the leading %d", trailer, total))
	}
	it := Item{Offset: off, Block: typ}
	if ek.isEvent {
		return r.event(it, ek, body)
	}
	defer r.shrink()
	switch typ {
	case BlockSHB:
		if err := r.section(body); err != nil {
			return Item{}, r.fail(off, typ, err)
		}
		r.stats.Sections++
		if !first {
			it.Kind = KindSection
			// A new section describes its system afresh, as libscap's
			// restart does.
			r.snap = Snapshot{}
			clear(r.tidix)
			clear(r.fdix)
		}
		return it, nil
	case BlockMI, BlockMIInt:
		m, err := decodeMachine(body)
		if err != nil {
			return Item{}, r.fail(off, typ, err)
		}
		it.Kind, it.Metadata = KindMachine, &Metadata{Machine: &m}
		r.snap.Machine = &m
	case BlockFDL, BlockFDLInt, BlockFDLV2:
		tid, fds, err := decodeFDs(body, typ == BlockFDLV2)
		if err != nil {
			return Item{}, r.fail(off, typ, err)
		}
		it.Kind, it.Metadata = KindFDs, &Metadata{TID: tid, FDs: fds}
		r.attachFDs(tid, fds)
	case BlockIL, BlockILInt, BlockILV2:
		ifs, err := decodeInterfaces(body, typ == BlockILV2)
		if err != nil {
			return Item{}, r.fail(off, typ, err)
		}
		it.Kind, it.Metadata = KindInterfaces, &Metadata{Interfaces: ifs}
		r.snap.Interfaces = ifs
	case BlockUL, BlockULInt, BlockULV2:
		users, groups, err := decodeUsers(body, typ == BlockULV2)
		if err != nil {
			return Item{}, r.fail(off, typ, err)
		}
		it.Kind, it.Metadata = KindUsers, &Metadata{Users: users, Groups: groups}
		r.snap.Users, r.snap.Groups = users, groups
	default:
		v := plVersion(typ)
		if v == 0 {
			r.stats.SkippedBlocks++
			return Item{}, nil
		}
		threads, err := decodeThreads(body, v)
		if err != nil {
			return Item{}, r.fail(off, typ, err)
		}
		it.Kind, it.Metadata = KindThreads, &Metadata{Threads: threads}
		r.addThreads(threads)
	}
	return it, nil
}

// shrink drops a buffer grown by a large metadata block.
func (r *Reader) shrink() {
	if cap(r.buf) > 4<<20 {
		r.buf = nil
	}
}

func (r *Reader) section(body []byte) error {
	if len(body) < shbBodySize {
		return fmt.Errorf("section header body is %d bytes, want at least %d", len(body), shbBodySize)
	}
	magic := binary.LittleEndian.Uint32(body[0:])
	switch magic {
	case byteOrderMagic:
	case byteOrderMagicSwapped:
		return fmt.Errorf("big-endian capture (byte-order magic %#x) is not supported", magic)
	default:
		return fmt.Errorf("byte-order magic %#x, want %#x: %w", magic, byteOrderMagic, ErrNotCapture)
	}
	major := binary.LittleEndian.Uint16(body[4:])
	minor := binary.LittleEndian.Uint16(body[6:])
	if major != MajorVersion {
		return fmt.Errorf("format version %d.%d: only major version %d is known", major, minor, MajorVersion)
	}
	// Minor versions are not checked, as in libscap: since 1.2 new fields
	// are appended and found by length, so newer minors stay readable.
	// Section header options (the rest of the body) are skipped.
	r.major, r.minor = major, minor
	r.seclen = binary.LittleEndian.Uint64(body[8:])
	return nil
}

func (r *Reader) addThreads(threads []state.ThreadInfo) {
	for _, t := range threads {
		if i, ok := r.tidix[t.Tid]; ok {
			// A repeated thread replaces the earlier one, fds included.
			r.snap.Threads[i] = t
			delete(r.fdix, t.Tid)
			continue
		}
		r.tidix[t.Tid] = len(r.snap.Threads)
		r.snap.Threads = append(r.snap.Threads, t)
	}
}

func (r *Reader) attachFDs(tid int64, fds []state.FDInfo) {
	i, ok := r.tidix[tid]
	if !ok {
		r.stats.OrphanFDs += uint64(len(fds))
		return
	}
	t := &r.snap.Threads[i]
	idx := r.fdix[tid]
	if idx == nil {
		idx = make(map[int64]int, len(fds))
		r.fdix[tid] = idx
	}
	for _, f := range fds {
		// A repeated fd number replaces the earlier entry, as in libscap.
		if j, ok := idx[f.FD]; ok {
			t.FDs[j] = f
			continue
		}
		idx[f.FD] = len(t.FDs)
		t.FDs = append(t.FDs, f)
	}
}

// event decodes an event block body: u16 CPU, [u32 flags], record.
func (r *Reader) event(it Item, ek eventBlock, body []byte) (Item, error) {
	pos := 2
	if ek.flags {
		pos = 6
	}
	if len(body) < pos+ek.hdrBytes {
		return Item{}, r.fail(it.Offset, it.Block, fmt.Errorf("event header does not fit: block body is %d bytes, the event starts at %d and its header takes %d", len(body), pos, ek.hdrBytes))
	}
	it.CPU = binary.LittleEndian.Uint16(body[0:])
	if ek.flags {
		it.Flags = binary.LittleEndian.Uint32(body[2:])
	}
	ev := body[pos:]
	typ := binary.LittleEndian.Uint16(ev[20:])
	if typ >= event.MaxCode {
		// An event type newer than this build: skipped, as libscap does.
		r.stats.SkippedEvents++
		return Item{}, nil
	}
	if ek.v2 {
		// Parse checks every length as libscap does (checkRecord's rules).
		if err := r.rec.Parse(ev); err != nil {
			return Item{}, r.fail(it.Offset, it.Block, fmt.Errorf("event type %d: %w", typ, err))
		}
	} else {
		rec, err := r.upgradeV1(ev, len(body)+12)
		if err != nil {
			return Item{}, r.fail(it.Offset, it.Block, fmt.Errorf("event type %d: %w", typ, err))
		}
		if err := r.rec.Parse(rec); err != nil {
			return Item{}, r.fail(it.Offset, it.Block, fmt.Errorf("event type %d: %w", typ, err))
		}
	}
	it.Kind = KindEvent
	it.Event = &r.rec
	r.stats.Events++
	return it, nil
}

// checkRecord validates a current-layout record at the start of b the way
// libscap does before handing it on: the length covers the header and
// fits in b, the parameter lengths fit in the record and their sum does
// not pass its end (in 64-bit arithmetic, so huge 32-bit lengths cannot
// wrap around).
func checkRecord(b []byte) error {
	if len(b) < event.HeaderSize {
		return event.ErrShortRecord
	}
	n := uint64(binary.LittleEndian.Uint32(b[16:]))
	typ := binary.LittleEndian.Uint16(b[20:])
	np := uint64(binary.LittleEndian.Uint32(b[22:]))
	if n < event.HeaderSize || n > uint64(len(b)) {
		return fmt.Errorf("%w: header says %d bytes, %d available", event.ErrBadLength, n, len(b))
	}
	if np > event.MaxParams {
		return fmt.Errorf("%w: %d parameters", event.ErrBadLength, np)
	}
	lenSize := uint64(2)
	if typ < event.MaxCode && event.Lookup(typ).Flags&event.FlagLargePayload != 0 {
		lenSize = 4
	}
	off := event.HeaderSize + np*lenSize
	if off > n {
		return fmt.Errorf("%w: %d parameter lengths do not fit in %d bytes", event.ErrBadLength, np, n)
	}
	for i := uint64(0); i < np; i++ {
		p := b[event.HeaderSize+i*lenSize:]
		var l uint64
		if lenSize == 4 {
			l = uint64(binary.LittleEndian.Uint32(p))
		} else {
			l = uint64(binary.LittleEndian.Uint16(p))
		}
		if l > n-off {
			return fmt.Errorf("%w: parameter %d of %d bytes passes the record's end (%d bytes)", event.ErrBadLength, i, l, n)
		}
		off += l
	}
	return nil
}

// upgradeV1 rewrites a version-1 record (22-byte header, no parameter
// count) with the current header, the way libscap does on reading: the
// record grows by the 4-byte count, and the count is the largest number of
// parameters, at most the event table's, whose lengths add up exactly to
// the record's end. (Old drivers wrote fewer parameters for some events
// than today's table lists, so the table's count cannot be assumed.)
func (r *Reader) upgradeV1(ev []byte, blockLen int) ([]byte, error) {
	n := int(binary.LittleEndian.Uint32(ev[16:]))
	typ := binary.LittleEndian.Uint16(ev[20:])
	if blockLen-8+4 > smallEventMax {
		return nil, fmt.Errorf("version-1 record too large to upgrade (block length %d)", blockLen)
	}
	if n < event.HeaderSizeV1 || n > len(ev) {
		return nil, fmt.Errorf("%w: version-1 header says %d bytes, %d available", event.ErrBadLength, n, len(ev))
	}
	conv := append(r.conv[:0], ev[:event.HeaderSizeV1]...)
	conv = append(conv, 0, 0, 0, 0)
	conv = append(conv, ev[event.HeaderSizeV1:n]...)
	r.conv = conv
	end := n + 4
	// Old captures stored these two events with a length 3 bytes too long.
	if typ == event.NotificationE || typ == event.InfrastructureEventE {
		end -= 3
		if end < event.HeaderSize {
			return nil, fmt.Errorf("%w: version-1 record of %d bytes", event.ErrBadLength, n)
		}
	}
	info := event.Lookup(typ)
	lenSize := 2
	if info.Flags&event.FlagLargePayload != 0 {
		lenSize = 4
	}
	for np := len(info.Params); np >= 0; np-- {
		p := event.HeaderSize + np*lenSize
		if p > end {
			continue
		}
		for i := 0; i < np; i++ {
			q := conv[event.HeaderSize+i*lenSize:]
			if lenSize == 4 {
				p += int(binary.LittleEndian.Uint32(q))
			} else {
				p += int(binary.LittleEndian.Uint16(q))
			}
		}
		if p < end {
			return nil, fmt.Errorf("%w: cannot work out the parameter count of a version-1 record (%d parameter lengths end at %d, the record at %d)", event.ErrBadLength, np, p, end)
		}
		if p == end {
			binary.LittleEndian.PutUint32(conv[16:], uint32(end))
			binary.LittleEndian.PutUint32(conv[22:], uint32(np))
			return conv[:end], nil
		}
	}
	return nil, fmt.Errorf("%w: no parameter count fits the version-1 record", event.ErrBadLength)
}

// IsFormatError reports whether err is (or wraps) a *FormatError.
func IsFormatError(err error) bool {
	var fe *FormatError
	return errors.As(err, &fe)
}
