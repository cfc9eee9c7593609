package scap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Gzip compresses the whole file (libscap reads both forms).
	Gzip bool
	// GzipLevel is the compression level (0 means gzip.DefaultCompression).
	GzipLevel int
	// LegacyLayout writes process list entries in the layout of libraries
	// before 0.10 (loginuid, exe_writable and the capability sets right
	// after root) and fd types newer than SCAP_FD_FILE_V2 as
	// SCAP_FD_UNSUPPORTED. Readers built on libraries before 0.10, such as
	// Debian's sysdig 0.29.3, then read loginuid correctly and do not
	// reject the file over an fd type they do not know; current libscap
	// still reads it, but the process fields added in 0.10 and later
	// (pidns_init_start_ts, tty, overlay and memfd flags, exe inode data,
	// pgid) are lost. Off by default: the default is what libscap writes.
	LegacyLayout bool
}

// Writer writes a capture in the current layout. Metadata given before the
// first event is written in libscap's order (section header, MI, IL_V2,
// UL_V2, PL_V9, FDL_V2 per thread) whatever the order of the calls; after
// the first event only events may follow. Errors are sticky.
type Writer struct {
	opts  WriterOptions
	out   *bufio.Writer
	gz    *gzip.Writer
	file  *os.File
	err   error
	begun bool // header written

	machine    *state.MachineInfo
	interfaces []state.InterfaceInfo
	haveIfs    bool
	users      []state.UserInfo
	groups     []state.GroupInfo
	haveUsers  bool
	threads    []state.ThreadInfo

	blk []byte // block being assembled, reused
}

// ErrMetadataAfterEvents is returned for metadata given after the first
// event: libscap only reads metadata at the start of a section.
var ErrMetadataAfterEvents = errors.New("scap: metadata must be written before the first event")

// NewWriter returns a Writer to w. Close flushes it (and ends the gzip
// stream) but does not close w.
func NewWriter(w io.Writer, opts WriterOptions) *Writer {
	wr := &Writer{opts: opts}
	if opts.Gzip {
		level := opts.GzipLevel
		if level == 0 {
			level = gzip.DefaultCompression
		}
		gz, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			wr.err = err
			gz = gzip.NewWriter(w)
		}
		wr.gz = gz
		w = gz
	}
	wr.out = bufio.NewWriterSize(w, 256<<10)
	return wr
}

// Create creates (or truncates) a capture file at path.
func Create(path string, opts WriterOptions) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := NewWriter(f, opts)
	w.file = f
	return w, nil
}

func (w *Writer) meta() error {
	if w.err != nil {
		return w.err
	}
	if w.begun {
		return ErrMetadataAfterEvents
	}
	return nil
}

// WriteMachine sets the machine info block.
func (w *Writer) WriteMachine(m state.MachineInfo) error {
	if err := w.meta(); err != nil {
		return err
	}
	w.machine = &m
	return nil
}

// WriteInterfaces sets the interface list (IPv4 entries are written
// before IPv6 ones, as libscap keeps them in two lists).
func (w *Writer) WriteInterfaces(ifs []state.InterfaceInfo) error {
	if err := w.meta(); err != nil {
		return err
	}
	w.interfaces, w.haveIfs = ifs, true
	return nil
}

// WriteUsers sets the user list (users, then groups).
func (w *Writer) WriteUsers(users []state.UserInfo, groups []state.GroupInfo) error {
	if err := w.meta(); err != nil {
		return err
	}
	w.users, w.groups, w.haveUsers = users, groups, true
	return nil
}

// WriteThreads adds threads to the process list; each thread's FDs become
// its fd list block. Fds of type FDUnknown or FDUninitialized are left out,
// as libscap does.
func (w *Writer) WriteThreads(threads []state.ThreadInfo) error {
	if err := w.meta(); err != nil {
		return err
	}
	w.threads = append(w.threads, threads...)
	return nil
}

// WriteSnapshot sets every metadata block a reader's Snapshot holds
// (machine, interfaces, users and groups, threads with their fds), for
// copying a capture or writing what was seeded from a live system.
func (w *Writer) WriteSnapshot(s *Snapshot) error {
	if err := w.meta(); err != nil {
		return err
	}
	if s.Machine != nil {
		w.WriteMachine(*s.Machine)
	}
	if s.Interfaces != nil {
		w.WriteInterfaces(s.Interfaces)
	}
	if s.Users != nil || s.Groups != nil {
		w.WriteUsers(s.Users, s.Groups)
	}
	return w.WriteThreads(s.Threads)
}

// Begin writes the header and metadata now; WriteEvent, Flush and Close
// call it when needed.
func (w *Writer) Begin() error {
	if w.err != nil || w.begun {
		return w.err
	}
	w.begun = true
	w.writeSHB()
	if w.machine != nil {
		w.writeMachine(*w.machine)
	}
	if w.haveIfs {
		w.writeInterfaces(w.interfaces)
	}
	if w.haveUsers {
		w.writeUsers(w.users, w.groups)
	}
	if len(w.threads) > 0 {
		w.writeThreads(w.threads)
		for i := range w.threads {
			w.writeFDs(&w.threads[i])
		}
	}
	w.machine, w.interfaces, w.users, w.groups, w.threads = nil, nil, nil, nil, nil
	return w.err
}

// WriteEvent writes one event record in the current layout (26-byte
// header, as event.Builder and Reader produce). cpu is the CPU id; flags
// other than 0 (such as FlagStateOnly) select an EVF block. Events whose
// type has FlagLargePayload go in a LARGE block, as libscap's dumper does;
// so does any record too long for the 64 KiB bound libscap applies to the
// other kinds.
func (w *Writer) WriteEvent(rec []byte, cpu uint16, flags uint32) error {
	if !w.begun {
		if err := w.Begin(); err != nil {
			return err
		}
	}
	if w.err != nil {
		return w.err
	}
	if len(rec) < event.HeaderSize {
		return fmt.Errorf("scap: event record of %d bytes is shorter than its header", len(rec))
	}
	n := binary.LittleEndian.Uint32(rec[16:])
	if int(n) < event.HeaderSize || int(n) > len(rec) {
		return fmt.Errorf("scap: event record header says %d bytes, %d given", n, len(rec))
	}
	rec = rec[:n]
	if err := checkRecord(rec); err != nil {
		return fmt.Errorf("scap: malformed event record: %w", err)
	}
	typ := binary.LittleEndian.Uint16(rec[20:])
	flags &^= flagLarge
	body := 2 + len(rec)
	if flags != 0 {
		body += 4
	}
	total := blockOverhead + pad4(body)
	if total > MaxBlockSize {
		return fmt.Errorf("scap: event record of %d bytes over the %d-byte block limit", n, MaxBlockSize)
	}
	large := (typ < event.MaxCode && event.Lookup(typ).Flags&event.FlagLargePayload != 0) ||
		total-8 > smallEventMax
	var bt uint32
	switch {
	case flags == 0 && !large:
		bt = BlockEVV2
	case flags == 0:
		bt = BlockEVV2Large
	case !large:
		bt = BlockEVFV2
	default:
		bt = BlockEVFV2Large
	}
	var h [14]byte
	binary.LittleEndian.PutUint32(h[0:], bt)
	binary.LittleEndian.PutUint32(h[4:], uint32(total))
	binary.LittleEndian.PutUint16(h[8:], cpu)
	hl := 10
	if flags != 0 {
		binary.LittleEndian.PutUint32(h[10:], flags)
		hl = 14
	}
	var t [8]byte // up to 3 padding bytes, then the trailing length
	padn := pad4(body) - body
	binary.LittleEndian.PutUint32(t[padn:], uint32(total))
	w.write(h[:hl])
	w.write(rec)
	w.write(t[:padn+4])
	return w.err
}

// Flush writes buffered data through (and flushes the gzip stream, which
// costs some compression).
func (w *Writer) Flush() error {
	if err := w.Begin(); err != nil {
		return err
	}
	if err := w.out.Flush(); err != nil {
		w.err = err
		return err
	}
	if w.gz != nil {
		if err := w.gz.Flush(); err != nil {
			w.err = err
		}
	}
	return w.err
}

// Close writes anything pending, ends the gzip stream and, for a Writer
// from Create, closes the file. A capture without events is valid for
// Kestrel, but libscap refuses it ("no events in file").
func (w *Writer) Close() error {
	err := w.Begin()
	if ferr := w.out.Flush(); err == nil {
		err = ferr
	}
	if w.gz != nil {
		if cerr := w.gz.Close(); err == nil {
			err = cerr
		}
	}
	if w.file != nil {
		if cerr := w.file.Close(); err == nil {
			err = cerr
		}
		w.file = nil
	}
	if w.err == nil {
		w.err = errors.New("scap: writer closed")
	}
	return err
}

func (w *Writer) write(p []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.out.Write(p); err != nil {
		w.err = err
	}
}

func pad4(n int) int { return (n + 3) &^ 3 }

// Block assembly: begin reserves the header, the put helpers append the
// body, end pads, patches the length and writes the block.

func (w *Writer) begin(bt uint32) {
	w.blk = binary.LittleEndian.AppendUint32(w.blk[:0], bt)
	w.blk = append(w.blk, 0, 0, 0, 0)
}

func (w *Writer) end() {
	for len(w.blk)%4 != 0 {
		w.blk = append(w.blk, 0)
	}
	total := uint32(len(w.blk) + 4)
	binary.LittleEndian.PutUint32(w.blk[4:], total)
	w.blk = binary.LittleEndian.AppendUint32(w.blk, total)
	if len(w.blk) > MaxBlockSize && w.err == nil {
		w.err = fmt.Errorf("scap: %s block of %d bytes over the %d-byte limit", BlockName(binary.LittleEndian.Uint32(w.blk)), len(w.blk), MaxBlockSize)
		return
	}
	w.write(w.blk)
}

func (w *Writer) u8(v uint8)   { w.blk = append(w.blk, v) }
func (w *Writer) u16(v uint16) { w.blk = binary.LittleEndian.AppendUint16(w.blk, v) }
func (w *Writer) u32(v uint32) { w.blk = binary.LittleEndian.AppendUint32(w.blk, v) }
func (w *Writer) u64(v uint64) { w.blk = binary.LittleEndian.AppendUint64(w.blk, v) }

func (w *Writer) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

// str writes a u16 length and the bytes, cut to max (the bound libscap's
// reader enforces for the field).
func (w *Writer) str(s string, max int) {
	if len(s) > max {
		s = s[:max]
	}
	w.u16(uint16(len(s)))
	w.blk = append(w.blk, s...)
}

// list writes strings NUL-terminated one after the other, as one
// length-prefixed field cut to max bytes.
func (w *Writer) list(items []string, max int) {
	at := len(w.blk)
	w.u16(0)
	for _, s := range items {
		w.blk = append(w.blk, s...)
		w.blk = append(w.blk, 0)
	}
	n := len(w.blk) - at - 2
	if n > max {
		w.blk = w.blk[:at+2+max]
		n = max
	}
	binary.LittleEndian.PutUint16(w.blk[at:], uint16(n))
}

func (w *Writer) addr4(a netip.Addr) {
	var b [4]byte
	if a.IsValid() && (a.Is4() || a.Is4In6()) {
		b = a.As4()
	}
	w.blk = append(w.blk, b[:]...)
}

func (w *Writer) addr16(a netip.Addr) {
	var b [16]byte
	if a.IsValid() {
		b = a.As16()
	}
	w.blk = append(w.blk, b[:]...)
}

func (w *Writer) writeSHB() {
	w.begin(BlockSHB)
	w.u32(byteOrderMagic)
	w.u16(MajorVersion)
	w.u16(MinorVersion)
	w.u64(sectionLength)
	w.end()
}

func (w *Writer) writeMachine(m state.MachineInfo) {
	w.begin(BlockMI)
	w.u32(m.NumCPUs)
	w.u64(m.MemorySizeBytes)
	w.u64(m.MaxPid)
	var host [hostnameSize]byte
	copy(host[:hostnameSize-1], m.Hostname) // keep a terminating NUL
	w.blk = append(w.blk, host[:]...)
	w.u64(m.BootTsEpoch)
	w.u64(m.Flags)
	w.u64(0) // reserved
	w.u64(0) // reserved
	w.end()
}

func (w *Writer) writeInterfaces(ifs []state.InterfaceInfo) {
	w.begin(BlockILV2)
	for pass := 0; pass < 2; pass++ {
		for _, ifc := range ifs {
			v4 := !ifc.Addr.IsValid() || ifc.Addr.Is4()
			if v4 != (pass == 0) {
				continue
			}
			name := ifc.Name
			if len(name) > maxPathLen-1 {
				name = name[:maxPathLen-1]
			}
			if v4 {
				w.u32(uint32(2 + 2 + 3*4 + 8 + len(name)))
				w.u16(ifIPv4)
				w.u16(uint16(len(name)))
				w.addr4(ifc.Addr)
				w.addr4(ifc.Netmask)
				w.addr4(ifc.Broadcast)
			} else {
				w.u32(uint32(2 + 2 + 3*16 + 8 + len(name)))
				w.u16(ifIPv6)
				w.u16(uint16(len(name)))
				w.addr16(ifc.Addr)
				w.addr16(ifc.Netmask)
				w.addr16(ifc.Broadcast)
			}
			w.u64(ifc.LinkSpeed)
			w.blk = append(w.blk, name...)
		}
	}
	w.end()
}

// entry starts a length-prefixed entry; done patches its length, which
// counts the length field itself.
func (w *Writer) entry() int {
	at := len(w.blk)
	w.u32(0)
	return at
}

func (w *Writer) done(at int) {
	binary.LittleEndian.PutUint32(w.blk[at:], uint32(len(w.blk)-at))
}

func (w *Writer) writeUsers(users []state.UserInfo, groups []state.GroupInfo) {
	w.begin(BlockULV2)
	for _, u := range users {
		at := w.entry()
		w.u8(userEntry)
		w.u32(u.UID)
		w.u32(u.GID)
		w.str(u.Name, maxCredLen-1)
		w.str(u.HomeDir, maxCredLen-1)
		w.str(u.Shell, maxCredLen-1)
		w.done(at)
	}
	for _, g := range groups {
		at := w.entry()
		w.u8(groupEntry)
		w.u32(g.GID)
		w.str(g.Name, maxCredLen-1)
		w.done(at)
	}
	w.end()
}

func cgroupStrings(cgs []state.Cgroup) []string {
	out := make([]string, len(cgs))
	for i, c := range cgs {
		out[i] = c.Subsys + "=" + c.Path
	}
	return out
}

func (w *Writer) writeThreads(threads []state.ThreadInfo) {
	w.begin(BlockPLV9)
	for i := range threads {
		t := &threads[i]
		at := w.entry()
		w.u64(uint64(t.Tid))
		w.u64(uint64(t.Pid))
		w.u64(uint64(t.PTid))
		w.u64(uint64(t.Sid))
		w.u64(uint64(t.VPgid))
		w.str(t.Comm, maxPathLen)
		w.str(t.Exe, maxPathLen)
		w.str(t.ExePath, maxPathLen)
		w.list(t.Args, maxArgsLen)
		w.str(t.Cwd, maxPathLen)
		w.u64(uint64(t.FDLimit))
		w.u32(t.Flags)
		w.u32(t.UID)
		w.u32(t.GID)
		w.u32(t.VMSizeKB)
		w.u32(t.VMRSSKB)
		w.u32(t.VMSwapKB)
		w.u64(t.PFMajor)
		w.u64(t.PFMinor)
		w.list(t.Env, maxEnvLen)
		w.u64(uint64(t.VTid))
		w.u64(uint64(t.VPid))
		w.list(cgroupStrings(t.Cgroups), maxCgroupsLen)
		w.str(t.Root, maxPathLen)
		if w.opts.LegacyLayout {
			w.u32(t.LoginUID)
			w.boolean(t.ExeWritable)
			w.u64(t.CapInheritable)
			w.u64(t.CapPermitted)
			w.u64(t.CapEffective)
		} else {
			w.u64(t.PidnsInitStartTs)
			w.u32(t.TTY)
			w.u32(t.LoginUID)
			w.boolean(t.ExeWritable)
			w.u64(t.CapInheritable)
			w.u64(t.CapPermitted)
			w.u64(t.CapEffective)
			w.boolean(t.ExeUpperLayer)
			w.u64(t.ExeIno)
			w.u64(t.ExeInoCtime)
			w.u64(t.ExeInoMtime)
			w.boolean(t.ExeFromMemfd)
			w.boolean(t.ExeLowerLayer)
			w.u64(uint64(t.Pgid))
		}
		w.done(at)
	}
	w.end()
}

// writeFDs writes a thread's fd list block; libscap writes one for every
// thread, empty for threads that share their process's table.
func (w *Writer) writeFDs(t *state.ThreadInfo) {
	w.begin(BlockFDLV2)
	w.u64(uint64(t.Tid))
	for i := range t.FDs {
		f := &t.FDs[i]
		if f.Type == state.FDUnknown || f.Type == state.FDUninitialized {
			continue
		}
		typ := f.Type
		if !knownFDType(typ) || (w.opts.LegacyLayout && typ > state.FDFileV2) {
			typ = state.FDUnsupported
		}
		at := w.entry()
		w.u64(uint64(f.FD))
		w.u64(f.Ino)
		w.u8(uint8(typ))
		switch typ {
		case state.FDIPv4Sock:
			w.addr4(f.SrcAddr)
			w.addr4(f.DstAddr)
			w.u16(f.SrcPort)
			w.u16(f.DstPort)
			w.u8(f.L4Proto)
		case state.FDIPv4ServSock:
			w.addr4(f.SrcAddr)
			w.u16(f.SrcPort)
			w.u8(f.L4Proto)
		case state.FDIPv6Sock:
			w.addr16(f.SrcAddr)
			w.addr16(f.DstAddr)
			w.u16(f.SrcPort)
			w.u16(f.DstPort)
			w.u8(f.L4Proto)
		case state.FDIPv6ServSock:
			w.addr16(f.SrcAddr)
			w.u16(f.SrcPort)
			w.u8(f.L4Proto)
		case state.FDUnixSock:
			w.u64(f.UnixSrc)
			w.u64(f.UnixDst)
			w.str(f.Name, maxPathLen-1)
		case state.FDFileV2:
			w.u32(f.OpenFlags)
			w.str(f.Name, maxPathLen-1)
			w.u32(f.Dev)
		default:
			w.str(f.Name, maxPathLen-1)
		}
		w.done(at)
	}
	w.end()
}

// knownFDType reports whether libscap's writer has a layout for t (it
// refuses others; we write them as unsupported fds, keeping the name).
func knownFDType(t state.FDType) bool {
	return t >= state.FDFile && t <= state.FDPidfd
}
