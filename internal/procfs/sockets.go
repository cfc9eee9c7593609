package procfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// sockEntry is one socket of a network namespace's tables, by inode.
type sockEntry struct {
	typ          state.FDType
	l4           uint8
	sport, dport uint16
	src, dst     netip.Addr
	unixSrc      uint64
	name         string
}

// sockTable is the sockets of one network namespace.
type sockTable struct {
	m map[uint64]sockEntry
}

// socketFile is one table of /proc/<pid>/net and how to read it.
type socketFile struct {
	name   string
	family int
	l4     uint8
}

// The tables libscap reads, in its order. The IPv6 ones are read only
// when tcp6 exists (a kernel without IPv6 has none of them).
var (
	socketFiles = []socketFile{
		{"tcp", unix.AF_INET, state.L4TCP},
		{"udp", unix.AF_INET, state.L4UDP},
		{"raw", unix.AF_INET, state.L4Raw},
		{"unix", unix.AF_UNIX, state.L4NA},
		{"netlink", unix.AF_NETLINK, state.L4NA},
	}
	socketFiles6 = []socketFile{
		{"tcp6", unix.AF_INET6, state.L4TCP},
		{"udp6", unix.AF_INET6, state.L4UDP},
		{"raw6", unix.AF_INET6, state.L4Raw},
	}
)

// readSocketTables reads the socket tables under prefix (relative to
// dirfd): "net/" of a process for its namespace.
func readSocketTables(dirfd int, prefix string) (*sockTable, error) {
	t := &sockTable{m: make(map[uint64]sockEntry)}
	var errs []error
	read := func(f socketFile) {
		err := linesAt(dirfd, prefix+f.name, func(line []byte) bool {
			if len(t.m) >= maxSocketsPerNS {
				return false
			}
			var ino uint64
			var e sockEntry
			var ok bool
			switch f.family {
			case unix.AF_INET, unix.AF_INET6:
				ino, e, ok = parseInetLine(line, f.family == unix.AF_INET6, f.l4)
			case unix.AF_UNIX:
				ino, e, ok = parseUnixLine(line)
			case unix.AF_NETLINK:
				ino, e, ok = parseNetlinkLine(line)
			}
			if ok && ino != 0 {
				t.m[ino] = e
			}
			return true
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		}
	}
	for _, f := range socketFiles {
		read(f)
	}
	if err := unix.Faccessat(dirfd, prefix+"tcp6", unix.R_OK, 0); err == nil {
		for _, f := range socketFiles6 {
			read(f)
		}
	}
	if len(t.m) >= maxSocketsPerNS {
		errs = append(errs, fmt.Errorf("more than %d sockets: the rest were not read", maxSocketsPerNS))
	}
	return t, errors.Join(errs...)
}

// parseInetLine parses a line of tcp, udp or raw (and their IPv6
// versions):
//
//	sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//	 0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12345 ...
//
// An address is printed as the kernel holds it: each 32-bit word of the
// network-order address as a native integer in hex. A socket with no
// remote address is a server socket (listening, or bound and not
// connected), as libscap classifies it.
func parseInetLine(line []byte, v6 bool, l4 uint8) (uint64, sockEntry, bool) {
	var e sockEntry
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return 0, e, false
	}
	var f [10][]byte
	n := 0
	forFields(line[colon+1:], func(x []byte) {
		if n < len(f) {
			f[n] = x
			n++
		}
	})
	// local, remote, st, queues, timer, retrnsmt, uid, timeout, inode
	if n < 9 {
		return 0, e, false
	}
	src, sport, ok1 := parseInetAddr(f[0], v6)
	dst, dport, ok2 := parseInetAddr(f[1], v6)
	ino, ok3 := parseUint(f[8], 10)
	if !ok1 || !ok2 || !ok3 {
		return 0, e, false
	}
	e.l4 = l4
	e.src, e.sport = src, sport
	if dst.IsUnspecified() {
		e.typ = state.FDIPv4ServSock
		if v6 {
			e.typ = state.FDIPv6ServSock
		}
		return ino, e, true
	}
	e.typ = state.FDIPv4Sock
	if v6 {
		e.typ = state.FDIPv6Sock
	}
	e.dst, e.dport = dst, dport
	return ino, e, true
}

// parseInetAddr parses "HEXADDR:HEXPORT".
func parseInetAddr(b []byte, v6 bool) (netip.Addr, uint16, bool) {
	colon := bytes.IndexByte(b, ':')
	if colon < 0 {
		return netip.Addr{}, 0, false
	}
	hex, port := b[:colon], b[colon+1:]
	p, ok := parseUint(port, 16)
	if !ok || p > 0xffff {
		return netip.Addr{}, 0, false
	}
	words := 1
	if v6 {
		words = 4
	}
	if len(hex) != 8*words {
		return netip.Addr{}, 0, false
	}
	var a [16]byte
	for i := 0; i < words; i++ {
		w, ok := parseUint(hex[8*i:8*i+8], 16)
		if !ok {
			return netip.Addr{}, 0, false
		}
		binary.NativeEndian.PutUint32(a[4*i:], uint32(w))
	}
	if !v6 {
		return netip.AddrFrom4([4]byte(a[:4])), uint16(p), true
	}
	return netip.AddrFrom16(a), uint16(p), true
}

// parseUnixLine parses a line of /proc/net/unix:
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock
//
// Num is the kernel address of the socket (libscap's source); the path,
// when there is one, names it ('@' starts an abstract name).
func parseUnixLine(line []byte) (uint64, sockEntry, bool) {
	var e sockEntry
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return 0, e, false
	}
	num, ok := parseUint(line[:colon], 16)
	if !ok {
		return 0, e, false // the header
	}
	rest := line[colon+1:]
	// RefCount Protocol Flags Type St Inode, then the path (which may
	// contain blanks).
	var ino uint64
	n := 0
	i := 0
	for n < 6 {
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		j := i
		for j < len(rest) && rest[j] != ' ' {
			j++
		}
		if j == i {
			return 0, e, false
		}
		if n == 5 {
			ino, ok = parseUint(rest[i:j], 10)
			if !ok {
				return 0, e, false
			}
		}
		i = j
		n++
	}
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	e.typ = state.FDUnixSock
	e.unixSrc = num
	if i < len(rest) {
		e.name = cutString(string(rest[i:]), maxPathLen-1)
	}
	return ino, e, true
}

// parseNetlinkLine parses a line of /proc/net/netlink:
//
//	sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
func parseNetlinkLine(line []byte) (uint64, sockEntry, bool) {
	var e sockEntry
	if len(line) == 0 || line[0] == 's' {
		return 0, e, false
	}
	var ino uint64
	n := 0
	ok := false
	forFields(line, func(f []byte) {
		if n == 9 {
			ino, ok = parseUint(f, 10)
		}
		n++
	})
	if !ok {
		return 0, e, false
	}
	e.typ = state.FDNetlink
	return ino, e, true
}
