package scap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// encodeV9 encodes a PL_V9 entry: the fixed fields, then the first n of
// the fields appended since in the current layout (14 is all of them) or,
// with old set, the pre-0.10 tail (loginuid, exe_writable, three
// capability sets; n of those 5), then extra unknown bytes.
func encodeV9(t state.ThreadInfo, old bool, n, extra int) []byte {
	var e enc
	e.u32(0)
	e.raw(encodePL(8, t))
	caps := []func(){
		func() { e.u64(t.CapInheritable) },
		func() { e.u64(t.CapPermitted) },
		func() { e.u64(t.CapEffective) },
	}
	var tail []func()
	if old {
		tail = append([]func(){
			func() { e.u32(t.LoginUID) },
			func() { e.u8(b2u(t.ExeWritable)) },
		}, caps...)
	} else {
		tail = append([]func(){
			func() { e.u64(t.PidnsInitStartTs) },
			func() { e.u32(t.TTY) },
			func() { e.u32(t.LoginUID) },
			func() { e.u8(b2u(t.ExeWritable)) },
		}, caps...)
		tail = append(tail,
			func() { e.u8(b2u(t.ExeUpperLayer)) },
			func() { e.u64(t.ExeIno) },
			func() { e.u64(t.ExeInoCtime) },
			func() { e.u64(t.ExeInoMtime) },
			func() { e.u8(b2u(t.ExeFromMemfd)) },
			func() { e.u8(b2u(t.ExeLowerLayer)) },
			func() { e.u64(uint64(t.Pgid)) },
		)
	}
	for _, f := range tail[:n] {
		f()
	}
	e.raw(make([]byte, extra))
	binary.LittleEndian.PutUint32(e.b, uint32(len(e.b)))
	return e.b
}

func TestProcessListV9Tail(t *testing.T) {
	base := expectPL(8) // what the fixed fields give
	cases := []struct {
		name  string
		entry []byte
		want  func(*state.ThreadInfo)
	}{
		{"current", encodeV9(fullThread, false, 14, 0), func(w *state.ThreadInfo) { *w = fullThread }},
		{"newer writer", encodeV9(fullThread, false, 14, 9), func(w *state.ThreadInfo) { *w = fullThread }},
		{"before pgid", encodeV9(fullThread, false, 13, 0), func(w *state.ThreadInfo) { *w = fullThread; w.Pgid = -1 }},
		{"before memfd", encodeV9(fullThread, false, 11, 0), func(w *state.ThreadInfo) {
			*w = fullThread
			w.Pgid, w.ExeFromMemfd, w.ExeLowerLayer = -1, false, false
		}},
		{"libs 0.9", encodeV9(fullThread, true, 5, 0), func(w *state.ThreadInfo) {
			w.LoginUID, w.ExeWritable = fullThread.LoginUID, true
			w.CapInheritable, w.CapPermitted, w.CapEffective = fullThread.CapInheritable, fullThread.CapPermitted, fullThread.CapEffective
		}},
		{"libs 2022", encodeV9(fullThread, true, 2, 0), func(w *state.ThreadInfo) {
			w.LoginUID, w.ExeWritable = fullThread.LoginUID, true
		}},
		{"no tail", encodeV9(fullThread, true, 0, 0), func(*state.ThreadInfo) {}},
	}
	for _, c := range cases {
		res := mustRead(t, capFile(shbBlock(2), block(BlockPLV9, c.entry)))
		want := base
		c.want(&want)
		if len(res.snap.Threads) != 1 || !reflect.DeepEqual(res.snap.Threads[0], want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, res.snap.Threads, want)
		}
	}

	// An entry length shorter than the fixed fields is corrupt.
	bad := encodeV9(fullThread, false, 14, 0)
	binary.LittleEndian.PutUint32(bad, 40)
	res, err := readBytes(capFile(shbBlock(2), block(BlockPLV9, bad)))
	if err != nil {
		t.Fatal(err)
	}
	if fe := asFormatError(t, res.err); fe.Offset != 28 || fe.Block != "PL_V9 0x215" {
		t.Errorf("short entry: %v", fe)
	}
}

func TestStringLimits(t *testing.T) {
	long := strings.Repeat("x", maxPathLen+1)
	var e enc
	e.u64(1)
	e.u64(1)
	e.u64(0)
	e.str(long)
	res, err := readBytes(capFile(shbBlock(0), block(BlockPLV1, e.b)))
	if err != nil {
		t.Fatal(err)
	}
	if fe := asFormatError(t, res.err); !strings.Contains(fe.Error(), "comm length 1025 over the limit") {
		t.Errorf("long comm: %v", fe)
	}

	// The writer cuts strings to what libscap reads.
	th := fullThread
	th.Comm = long
	th.Args = []string{strings.Repeat("a", 5000)}
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	w.WriteMachine(state.MachineInfo{Hostname: strings.Repeat("h", 200)})
	w.WriteThreads([]state.ThreadInfo{th})
	w.WriteUsers([]state.UserInfo{{Name: strings.Repeat("u", 300)}}, nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := mustRead(t, buf.Bytes()).snap
	if len(got.Threads[0].Comm) != maxPathLen || len(got.Threads[0].Args[0]) != maxArgsLen {
		t.Errorf("comm %d bytes, args %d bytes", len(got.Threads[0].Comm), len(got.Threads[0].Args[0]))
	}
	if len(got.Machine.Hostname) != hostnameSize-1 || len(got.Users[0].Name) != maxCredLen-1 {
		t.Errorf("hostname %d bytes, user name %d bytes", len(got.Machine.Hostname), len(got.Users[0].Name))
	}
}

func TestFDLists(t *testing.T) {
	ip := netip.MustParseAddr
	fds := []state.FDInfo{
		{FD: 0, Ino: 6, Type: state.FDFileV2, Name: "/dev/null", OpenFlags: 2, Dev: 5},
		{FD: 1, Ino: 7, Type: state.FDFile, Name: "/etc/passwd"},
		{FD: 2, Type: state.FDDirectory, Name: "/tmp"},
		{FD: 3, Ino: 9, Type: state.FDIPv4Sock, SrcAddr: ip("10.0.0.1"), DstAddr: ip("8.8.8.8"), SrcPort: 40000, DstPort: 53, L4Proto: state.L4UDP},
		{FD: 4, Type: state.FDIPv4ServSock, SrcAddr: ip("0.0.0.0"), SrcPort: 80, L4Proto: state.L4TCP},
		{FD: 5, Type: state.FDIPv6Sock, SrcAddr: ip("::1"), DstAddr: ip("2001:db8::1"), SrcPort: 1, DstPort: 443, L4Proto: state.L4TCP},
		{FD: 6, Type: state.FDIPv6ServSock, SrcAddr: ip("::"), SrcPort: 22, L4Proto: state.L4TCP},
		{FD: 7, Type: state.FDUnixSock, UnixSrc: 0xffff0001, UnixDst: 0xffff0002, Name: "/run/x.sock"},
		{FD: 8, Type: state.FDFifo, Name: "pipe:[1]"},
		{FD: 9, Type: state.FDEvent}, {FD: 10, Type: state.FDSignalfd}, {FD: 11, Type: state.FDEventpoll},
		{FD: 12, Type: state.FDInotify}, {FD: 13, Type: state.FDTimerfd}, {FD: 14, Type: state.FDNetlink},
		{FD: 15, Type: state.FDBPF, Name: "anon_inode:bpf-map"}, {FD: 16, Type: state.FDUserfaultfd},
		{FD: 17, Type: state.FDIOUring}, {FD: 18, Type: state.FDMemfd, Name: "memfd:x"}, {FD: 19, Type: state.FDPidfd},
		{FD: 20, Type: state.FDUnsupported, Name: "weird"},
	}
	th := fullThread
	th.FDs = append(bytesCloneFDs(fds), state.FDInfo{FD: 21, Type: state.FDUnknown}, state.FDInfo{FD: 22, Type: state.FDUninitialized})
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	w.WriteThreads([]state.ThreadInfo{th, {Tid: 102, Pid: 100, Comm: "thread"}})
	w.Close()
	res := mustRead(t, buf.Bytes())
	if got := res.snap.Threads[0].FDs; !reflect.DeepEqual(got, fds) {
		t.Errorf("fds:\n got %+v\nwant %+v", got, fds)
	}
	var blocks []Item
	for _, it := range res.items {
		if it.Kind == KindFDs {
			blocks = append(blocks, it)
		}
	}
	if len(blocks) != 2 || blocks[1].TID != 102 || len(blocks[1].FDs) != 0 {
		t.Errorf("fd list blocks %+v (want one per thread, the second empty)", blocks)
	}

	// Legacy layout: types newer than FILE_V2 become unsupported.
	buf.Reset()
	w = NewWriter(&buf, WriterOptions{LegacyLayout: true})
	w.WriteThreads([]state.ThreadInfo{th})
	w.Close()
	for _, f := range mustRead(t, buf.Bytes()).snap.Threads[0].FDs {
		if f.Type > state.FDFileV2 {
			t.Errorf("legacy layout kept fd type %d", f.Type)
		}
	}

	// Version 1 entries (no length), an fd of an unknown thread, an fd
	// type from the future in a version 2 list (skipped by its length),
	// a repeated fd number (the later entry replaces the earlier one).
	var v1 enc
	v1.u64(101)
	v1.u64(3)
	v1.u64(44)
	v1.u8(uint8(state.FDFileV2))
	v1.u32(0o2)
	v1.str("/var/log/a")
	v1.u64(4)
	v1.u64(45)
	v1.u8(uint8(state.FDIPv4ServSock))
	v1.raw([]byte{127, 0, 0, 1})
	v1.u16(8080)
	v1.u8(state.L4TCP)
	var orphan enc
	orphan.u64(999)
	orphan.u64(0)
	orphan.u64(0)
	orphan.u8(uint8(state.FDFile))
	orphan.str("/x")
	var v2 enc
	v2.u64(101)
	v2.u32(4 + 8 + 8 + 1 + 5)
	v2.u64(5)
	v2.u64(46)
	v2.u8(99)
	v2.raw([]byte{1, 2, 3, 4, 5})
	v2.u32(4 + 8 + 8 + 1 + 2 + 4 + 3)
	v2.u64(3)
	v2.u64(47)
	v2.u8(uint8(state.FDFile))
	v2.str("/new")
	v2.raw([]byte{9, 9, 9})
	res = mustRead(t, capFile(shbBlock(0), block(BlockPLV1, encodePL(1, fullThread)),
		block(BlockFDL, v1.b), block(BlockFDLInt, orphan.b), block(BlockFDLV2, v2.b)))
	want := []state.FDInfo{
		{FD: 3, Ino: 47, Type: state.FDFile, Name: "/new"},
		{FD: 4, Ino: 45, Type: state.FDIPv4ServSock, SrcAddr: ip("127.0.0.1"), SrcPort: 8080, L4Proto: state.L4TCP},
		{FD: 5, Ino: 46, Type: state.FDUnsupported, Name: "unknown-type:[99]"},
	}
	if got := res.snap.Threads[0].FDs; !reflect.DeepEqual(got, want) {
		t.Errorf("fds:\n got %+v\nwant %+v", got, want)
	}
	if res.stats.OrphanFDs != 1 {
		t.Errorf("orphan fds %d", res.stats.OrphanFDs)
	}
}

func bytesCloneFDs(f []state.FDInfo) []state.FDInfo { return append([]state.FDInfo(nil), f...) }

func TestInterfaceAndUserLists(t *testing.T) {
	ip := netip.MustParseAddr
	ifs := []state.InterfaceInfo{
		{Name: "lo", Addr: ip("::1"), Netmask: ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), Broadcast: ip("::")},
		{Name: "lo", Addr: ip("127.0.0.1"), Netmask: ip("255.0.0.0"), Broadcast: ip("127.0.0.1")},
		{Name: "eth0", Addr: ip("10.1.2.3"), Netmask: ip("255.255.0.0"), Broadcast: ip("10.1.255.255"), LinkSpeed: 1000},
	}
	users := []state.UserInfo{{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/sh"}, {UID: 1000, GID: 1000, Name: "me"}}
	groups := []state.GroupInfo{{GID: 0, Name: "root"}, {GID: 27, Name: "sudo"}}
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	w.WriteUsers(users, groups)
	w.WriteInterfaces(ifs)
	w.WriteMachine(state.MachineInfo{NumCPUs: 4, MemorySizeBytes: 1 << 30, MaxPid: 4194304, Hostname: "box", BootTsEpoch: 1, Flags: 2})
	w.Close()
	res := mustRead(t, buf.Bytes())
	// IPv4 first, as libscap stores them.
	if want := []state.InterfaceInfo{ifs[1], ifs[2], ifs[0]}; !reflect.DeepEqual(res.snap.Interfaces, want) {
		t.Errorf("interfaces %+v", res.snap.Interfaces)
	}
	if !reflect.DeepEqual(res.snap.Users, users) || !reflect.DeepEqual(res.snap.Groups, groups) {
		t.Errorf("users %+v groups %+v", res.snap.Users, res.snap.Groups)
	}
	var order []uint32
	for _, it := range res.items {
		order = append(order, it.Block)
	}
	if want := []uint32{BlockMI, BlockILV2, BlockULV2}; !reflect.DeepEqual(order, want) {
		t.Errorf("block order %x, want %x", order, want)
	}

	// Version 1 interface entries of all four kinds, a version 2 entry
	// with bytes from a newer writer, version 1 and 2 user lists.
	var il enc
	il.u16(ifIPv4)
	il.u16(2)
	il.raw([]byte{10, 0, 0, 1, 255, 0, 0, 0, 10, 255, 255, 255})
	il.u64(100)
	il.raw([]byte("e0"))
	il.u16(ifIPv4NoLinkSpeed)
	il.u16(2)
	il.raw([]byte{10, 0, 0, 2, 255, 0, 0, 0, 10, 255, 255, 255})
	il.raw([]byte("e1"))
	v6 := ip("fe80::1").As16()
	mask := ip("ffff:ffff:ffff:ffff::").As16()
	il.u16(ifIPv6)
	il.u16(2)
	il.raw(v6[:])
	il.raw(mask[:])
	il.raw(make([]byte, 16))
	il.u64(10)
	il.raw([]byte("e2"))
	il.u16(ifIPv6NoLinkSpeed)
	il.u16(2)
	il.raw(v6[:])
	il.raw(mask[:])
	il.raw(make([]byte, 16))
	il.raw([]byte("e3"))
	var il2 enc
	il2.u32(24 + 2 + 3)
	il2.u16(ifIPv4)
	il2.u16(2)
	il2.raw([]byte{1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0})
	il2.u64(7)
	il2.raw([]byte("v2"))
	il2.raw([]byte{0xee, 0xee, 0xee})
	var ul enc
	ul.u8(userEntry)
	ul.u32(5)
	ul.u32(6)
	ul.str("five")
	ul.str("/home/five")
	ul.str("/bin/zsh")
	ul.u8(groupEntry)
	ul.u32(6)
	ul.str("six")
	var ul2 enc
	ul2.u32(4 + 1 + 4 + 2 + 3 + 2)
	ul2.u8(groupEntry)
	ul2.u32(7)
	ul2.str("sev")
	ul2.raw([]byte{1, 2})
	res = mustRead(t, capFile(shbBlock(0), block(BlockIL, il.b), block(BlockULInt, ul.b)))
	zero6 := netip.AddrFrom16([16]byte{})
	wantIfs := []state.InterfaceInfo{
		{Name: "e0", Addr: ip("10.0.0.1"), Netmask: ip("255.0.0.0"), Broadcast: ip("10.255.255.255"), LinkSpeed: 100},
		{Name: "e1", Addr: ip("10.0.0.2"), Netmask: ip("255.0.0.0"), Broadcast: ip("10.255.255.255")},
		{Name: "e2", Addr: ip("fe80::1"), Netmask: ip("ffff:ffff:ffff:ffff::"), Broadcast: zero6, LinkSpeed: 10},
		{Name: "e3", Addr: ip("fe80::1"), Netmask: ip("ffff:ffff:ffff:ffff::"), Broadcast: zero6},
	}
	if !reflect.DeepEqual(res.snap.Interfaces, wantIfs) {
		t.Errorf("v1 interfaces:\n got %+v\nwant %+v", res.snap.Interfaces, wantIfs)
	}
	if want := []state.UserInfo{{UID: 5, GID: 6, Name: "five", HomeDir: "/home/five", Shell: "/bin/zsh"}}; !reflect.DeepEqual(res.snap.Users, want) ||
		!reflect.DeepEqual(res.snap.Groups, []state.GroupInfo{{GID: 6, Name: "six"}}) {
		t.Errorf("v1 users %+v groups %+v", res.snap.Users, res.snap.Groups)
	}
	res = mustRead(t, capFile(shbBlock(0), block(BlockILV2, il2.b), block(BlockULV2, ul2.b)))
	if want := []state.InterfaceInfo{{Name: "v2", Addr: ip("1.2.3.4"), Netmask: ip("0.0.0.0"), Broadcast: ip("0.0.0.0"), LinkSpeed: 7}}; !reflect.DeepEqual(res.snap.Interfaces, want) {
		t.Errorf("v2 interfaces %+v", res.snap.Interfaces)
	}
	if !reflect.DeepEqual(res.snap.Groups, []state.GroupInfo{{GID: 7, Name: "sev"}}) || res.snap.Users != nil {
		t.Errorf("v2 users %+v groups %+v", res.snap.Users, res.snap.Groups)
	}

	// An unknown interface kind is corrupt.
	bad := append([]byte{9, 0, 0, 0}, make([]byte, 30)...)
	r, _ := readBytes(capFile(shbBlock(0), block(BlockIL, bad)))
	if fe := asFormatError(t, r.err); fe.Block != "IL 0x205" {
		t.Errorf("bad interface kind: %v", fe)
	}
}

func TestMachineInfo(t *testing.T) {
	var e enc
	e.u32(8)
	e.u64(1 << 34)
	e.u64(32768)
	host := make([]byte, hostnameSize)
	copy(host, "old-host")
	e.raw(host)
	e.u64(0)
	e.u64(0)
	e.u64(0)
	e.u64(0)
	res := mustRead(t, capFile(shbBlock(0), block(BlockMIInt, e.b)))
	want := state.MachineInfo{NumCPUs: 8, MemorySizeBytes: 1 << 34, MaxPid: 32768, Hostname: "old-host"}
	if res.snap.Machine == nil || *res.snap.Machine != want || res.items[0].Kind != KindMachine {
		t.Errorf("machine %+v", res.snap.Machine)
	}
	r, _ := readBytes(capFile(shbBlock(0), block(BlockMI, e.b[:100])))
	if !errors.Is(r.err, ErrTruncated) {
		t.Errorf("short machine info: %v", r.err)
	}
}

// v1Record builds a version-1 record (22-byte header) with u16 lengths.
func v1Record(ts uint64, tid int64, typ uint16, params ...[]byte) []byte {
	n := event.HeaderSizeV1 + 2*len(params)
	for _, p := range params {
		n += len(p)
	}
	var e enc
	e.u64(ts)
	e.u64(uint64(tid))
	e.u32(uint32(n))
	e.u16(typ)
	for _, p := range params {
		e.u16(uint16(len(p)))
	}
	for _, p := range params {
		e.raw(p)
	}
	return e.b
}

func evBody(cpu uint16, flags *uint32, rec []byte) []byte {
	var e enc
	e.u16(cpu)
	if flags != nil {
		e.u32(*flags)
	}
	e.raw(rec)
	return e.b
}

func TestEventBlocks(t *testing.T) {
	var b event.Builder
	le := binary.LittleEndian
	i64 := func(v int64) []byte { return le.AppendUint64(nil, uint64(v)) }
	build := func(ts uint64, tid int64, typ uint16, params ...[]byte) []byte {
		return bytes.Clone(b.Build(ts, tid, typ, params...))
	}

	// Version 1: close exit had one parameter (res); today's table has
	// more, so the count comes from the lengths, as libscap computes it.
	closeX := v1Record(10, 7, event.CloseX, i64(0))
	wantClose := build(10, 7, event.CloseX, i64(0))
	// A notification event with the historical 3 extra bytes of length.
	notif := v1Record(11, 7, event.NotificationE, []byte("id\x00"), []byte("description\x00"))
	le.PutUint32(notif[16:], le.Uint32(notif[16:])+3)
	notif = append(notif, 0, 0, 0)
	wantNotif := build(11, 7, event.NotificationE, []byte("id\x00"), []byte("description\x00"))
	flags := uint32(FlagStateOnly)
	openE := build(12, 8, event.OpenE, []byte("/etc\x00"), le.AppendUint32(nil, 0), le.AppendUint32(nil, 0))
	plugin := build(13, 8, event.PlugineventE, le.AppendUint32(nil, 999), bytes.Repeat([]byte("p"), 70000))
	unknown := build(14, 8, event.OpenE)
	le.PutUint16(unknown[20:], 0xfff0)

	data := capFile(shbBlock(2),
		block(BlockEV, evBody(1, nil, closeX)),
		block(BlockEVInt, evBody(2, nil, notif)),
		block(BlockEVF, evBody(3, &flags, v1Record(15, 9, event.CloseX, i64(-9)))),
		block(0x999, []byte("some future block")),
		block(BlockEVV2, evBody(4, nil, unknown)),
		block(BlockEVFV2, evBody(5, &flags, openE)),
		block(BlockEVV2Large, evBody(6, nil, plugin)),
	)
	res := mustRead(t, data)
	want := []ev{
		{raw: wantClose, cpu: 1},
		{raw: wantNotif, cpu: 2},
		{raw: build(15, 9, event.CloseX, i64(-9)), cpu: 3, flags: FlagStateOnly},
		{raw: openE, cpu: 5, flags: FlagStateOnly},
		{raw: plugin, cpu: 6},
	}
	sameEvents(t, res.events, want)
	if res.stats.SkippedEvents != 1 || res.stats.SkippedBlocks != 1 || res.stats.Events != 5 {
		t.Errorf("stats %+v", res.stats)
	}

	// The writer picks the block kinds libscap's dumper picks; a record
	// too long for a small block goes in a LARGE one.
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	bigOpen := build(16, 8, event.OpenE, bytes.Repeat([]byte("a"), 65000), bytes.Repeat([]byte("b"), 1000))
	for _, e := range []struct {
		rec   []byte
		flags uint32
	}{{wantClose, 0}, {openE, FlagStateOnly}, {plugin, 0}, {plugin, FlagStateOnly | flagLarge}, {bigOpen, 0}} {
		if err := w.WriteEvent(e.rec, 3, e.flags); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteThreads(nil); !errors.Is(err, ErrMetadataAfterEvents) {
		t.Errorf("metadata after events: %v", err)
	}
	if err := w.WriteEvent(wantClose[:20], 0, 0); err == nil {
		t.Error("short record accepted")
	}
	w.Close()
	res = mustRead(t, buf.Bytes())
	var kinds []uint32
	for _, e := range res.events {
		kinds = append(kinds, e.block)
	}
	if want := []uint32{BlockEVV2, BlockEVFV2, BlockEVV2Large, BlockEVFV2Large, BlockEVV2Large}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("block kinds %x, want %x", kinds, want)
	}
	if res.events[3].flags != FlagStateOnly || !bytes.Equal(res.events[4].raw, bigOpen) {
		t.Errorf("flags %d, big event intact %v", res.events[3].flags, bytes.Equal(res.events[4].raw, bigOpen))
	}

	// Failures: a version-1 record whose lengths do not add up, a block
	// over libscap's bound for small kinds, a record longer than its block,
	// a block too short for the event header.
	badV1 := v1Record(1, 1, event.CloseX, i64(0))
	badV1 = append(badV1, 1, 2, 3)
	le.PutUint32(badV1[16:], uint32(len(badV1)))
	long := bytes.Clone(openE)
	le.PutUint32(long[16:], uint32(len(long)+10))
	good := block(BlockEVV2, evBody(0, nil, openE))
	for name, blk := range map[string][]byte{
		"v1 lengths": block(BlockEV, evBody(0, nil, badV1)),
		"too big":    block(BlockEVV2, evBody(0, nil, bigOpen)),
		"too long":   block(BlockEVV2, evBody(0, nil, long)),
		"no header":  block(BlockEVFV2, []byte{1, 2, 3, 4, 5, 6, 7}),
	} {
		res, err := readBytes(capFile(shbBlock(2), good, blk))
		if err != nil {
			t.Fatal(err)
		}
		fe := asFormatError(t, res.err)
		if len(res.events) != 1 || fe.Offset != int64(28+len(good)) {
			t.Errorf("%s: %d events, %v", name, len(res.events), fe)
		}
		t.Logf("%s: %v", name, fe)
	}
}

func TestSectionsAndMetadata(t *testing.T) {
	var b event.Builder
	rec := bytes.Clone(b.Build(1, 2, event.CloseX, make([]byte, 8), make([]byte, 8)))
	var w1, w2 bytes.Buffer
	for i, buf := range []*bytes.Buffer{&w1, &w2} {
		w := NewWriter(buf, WriterOptions{Gzip: i == 1})
		th := fullThread
		th.Tid = int64(200 + i)
		w.WriteThreads([]state.ThreadInfo{th})
		w.WriteEvent(rec, 0, 0)
		w.WriteEvent(rec, 1, 0)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Two captures back to back: the second section replaces the state.
	res := mustRead(t, append(bytes.Clone(w1.Bytes()), w1.Bytes()...))
	var kinds []Kind
	for _, it := range res.items {
		kinds = append(kinds, it.Kind)
	}
	want := []Kind{KindThreads, KindFDs, KindEvent, KindEvent, KindSection, KindThreads, KindFDs, KindEvent, KindEvent}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("items %v, want %v", kinds, want)
	}
	if len(res.snap.Threads) != 1 || res.stats.Sections != 2 {
		t.Errorf("%d threads, %d sections", len(res.snap.Threads), res.stats.Sections)
	}

	// ReadMetadata stops at the first event and hands it to Next.
	r, err := NewReader(bytes.NewReader(w2.Bytes()), "gz")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := r.ReadMetadata()
	if err != nil || len(snap.Threads) != 1 || snap.Threads[0].Tid != 201 {
		t.Fatalf("ReadMetadata: %v %+v", err, snap)
	}
	n := 0
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Kind != KindEvent || !bytes.Equal(it.Event.Raw(), rec) || it.CPU != uint16(n) {
			t.Fatalf("item %d: %+v", n, it)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d events after ReadMetadata", n)
	}
}

// TestEventPathAllocs checks that reading events allocates nothing once
// the buffers are warm.
func TestEventPathAllocs(t *testing.T) {
	var b event.Builder
	rec := bytes.Clone(b.Build(1, 2, event.CloseX, make([]byte, 8), make([]byte, 8)))
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	for range 1000 {
		w.WriteEvent(rec, 0, 0)
	}
	w.Close()
	r, err := NewReader(bytes.NewReader(buf.Bytes()), "mem")
	if err != nil {
		t.Fatal(err)
	}
	r.Next()
	allocs := testing.AllocsPerRun(500, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per event", allocs)
	}
}

// TestGzipMembers: concatenated gzip members form one stream, and bytes
// after the last member are ignored, as zlib's gzread does for libscap.
func TestGzipMembers(t *testing.T) {
	var b event.Builder
	rec := bytes.Clone(b.Build(1, 2, event.CloseX, make([]byte, 8), make([]byte, 8)))
	var plain bytes.Buffer
	w := NewWriter(&plain, WriterOptions{})
	for range 10 {
		w.WriteEvent(rec, 0, 0)
	}
	w.Close()
	data := plain.Bytes()
	gz := func(p []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(p)
		zw.Close()
		return out.Bytes()
	}
	cut := 28 + 3*len(block(BlockEVV2, evBody(0, nil, rec))) + 5 // inside the 4th event
	two := append(gz(data[:cut]), gz(data[cut:])...)
	for name, in := range map[string][]byte{
		"two members":      two,
		"trailing garbage": append(bytes.Clone(two), "not gzip at all"...),
		"empty member":     append(gz(nil), gz(data)...),
	} {
		res := mustRead(t, in)
		if len(res.events) != 10 {
			t.Errorf("%s: %d events", name, len(res.events))
		}
	}
	// A second member that is itself damaged is an error.
	bad := append(bytes.Clone(gz(data[:cut])), gz(data[cut:])[:20]...)
	res, err := readBytes(bad)
	if err != nil {
		t.Fatal(err)
	}
	if fe := asFormatError(t, res.err); len(res.events) != 3 || fe.Offset != int64(28+3*len(block(BlockEVV2, evBody(0, nil, rec)))) {
		t.Errorf("damaged second member: %d events, %v", len(res.events), fe)
	}
}

// TestManyFDs reads a thread with 200000 fds (plus repeats); attaching
// them must stay linear.
func TestManyFDs(t *testing.T) {
	var fdl enc
	fdl.u64(uint64(fullThread.Tid))
	for i := range 200000 {
		fdl.u32(4 + 8 + 8 + 1 + 2 + 1)
		fdl.u64(uint64(i % 150000))
		fdl.u64(0)
		fdl.u8(uint8(state.FDFile))
		fdl.str("f")
	}
	res := mustRead(t, capFile(shbBlock(2), block(BlockPLV9, encodeV9(fullThread, false, 14, 0)), block(BlockFDLV2, fdl.b)))
	if n := len(res.snap.Threads[0].FDs); n != 150000 {
		t.Errorf("%d fds, want 150000", n)
	}
}
