package state

import (
	"encoding/binary"
	"net/netip"
)

// sockUnion holds a socket fd's addresses the way libsinsp lays them out:
// one block of bytes read through several views (IPv4 tuple, IPv6 tuple,
// IPv4 server, IPv6 server, unix tuple) that overlap. Parsers write one
// view and later read another when the fd type changes, exactly as
// libsinsp does, so its corner cases (the L4 protocol lost when an IPv6
// socket becomes IPv4, the server port aliasing the tuple) carry over.
// Addresses are in network byte order, ports in host order.
type sockUnion [40]byte

// Offsets of the views' fields.
const (
	v4SIP, v4DIP, v4SPort, v4DPort, v4L4 = 0, 4, 8, 10, 12
	v6SIP, v6DIP, v6SPort, v6DPort, v6L4 = 0, 16, 32, 34, 36
	v4SrvIP, v4SrvPort, v4SrvL4          = 0, 4, 6
	v6SrvIP, v6SrvPort, v6SrvL4          = 0, 16, 18
	unixSrc, unixDst                     = 0, 8
)

func (u *sockUnion) u16(off int) uint16       { return binary.LittleEndian.Uint16(u[off:]) }
func (u *sockUnion) setU16(off int, v uint16) { binary.LittleEndian.PutUint16(u[off:], v) }
func (u *sockUnion) u64(off int) uint64       { return binary.LittleEndian.Uint64(u[off:]) }
func (u *sockUnion) setU64(off int, v uint64) { binary.LittleEndian.PutUint64(u[off:], v) }
func (u *sockUnion) ip4(off int) [4]byte      { return [4]byte(u[off : off+4]) }
func (u *sockUnion) setIP4(off int, v [4]byte) {
	copy(u[off:off+4], v[:])
}
func (u *sockUnion) ip6(off int) [16]byte { return [16]byte(u[off : off+16]) }
func (u *sockUnion) setIP6(off int, v [16]byte) {
	copy(u[off:off+16], v[:])
}

// syncSock refreshes the exported socket fields of f from its union,
// according to its type.
func (f *FD) syncSock() {
	u := &f.sock
	f.ClientAddr, f.ServerAddr = netip.Addr{}, netip.Addr{}
	f.ClientPort, f.ServerPort = 0, 0
	f.L4Proto = 0
	f.UnixSrc, f.UnixDst = 0, 0
	switch f.Type {
	case FDIPv4Sock:
		f.ClientAddr = netip.AddrFrom4(u.ip4(v4SIP))
		f.ServerAddr = netip.AddrFrom4(u.ip4(v4DIP))
		f.ClientPort = u.u16(v4SPort)
		f.ServerPort = u.u16(v4DPort)
		f.L4Proto = u[v4L4]
	case FDIPv6Sock:
		f.ClientAddr = netip.AddrFrom16(u.ip6(v6SIP))
		f.ServerAddr = netip.AddrFrom16(u.ip6(v6DIP))
		f.ClientPort = u.u16(v6SPort)
		f.ServerPort = u.u16(v6DPort)
		f.L4Proto = u[v6L4]
	case FDIPv4ServSock:
		f.ServerAddr = netip.AddrFrom4(u.ip4(v4SrvIP))
		f.ServerPort = u.u16(v4SrvPort)
		f.L4Proto = u[v4SrvL4]
	case FDIPv6ServSock:
		f.ServerAddr = netip.AddrFrom16(u.ip6(v6SrvIP))
		f.ServerPort = u.u16(v6SrvPort)
		f.L4Proto = u[v6SrvL4]
	case FDUnixSock:
		f.UnixSrc = u.u64(unixSrc)
		f.UnixDst = u.u64(unixDst)
	}
}

// updateV4 stores an IPv4 tuple as libsinsp's update: an identical or
// reversed tuple changes nothing; otherwise the source always, and the
// destination when unset or when overwrite is asked. It reports whether
// anything changed.
func (f *FD) updateV4(sip [4]byte, sport uint16, dip [4]byte, dport uint16, overwrite bool) bool {
	u := &f.sock
	csip, cdip := u.ip4(v4SIP), u.ip4(v4DIP)
	csport, cdport := u.u16(v4SPort), u.u16(v4DPort)
	if f.Type == FDIPv4Sock {
		if (sip == csip && sport == csport && dip == cdip && dport == cdport) ||
			(dip == csip && dport == csport && sip == cdip && sport == cdport) {
			return false
		}
	}
	changed := false
	if csip != sip {
		u.setIP4(v4SIP, sip)
		changed = true
	}
	if csport != sport {
		u.setU16(v4SPort, sport)
		changed = true
	}
	if cdip == ([4]byte{}) || (overwrite && cdip != dip) {
		u.setIP4(v4DIP, dip)
		changed = true
	}
	if cdport == 0 || (overwrite && cdport != dport) {
		u.setU16(v4DPort, dport)
		changed = true
	}
	return changed
}

// updateV6 is updateV4 for IPv6 tuples.
func (f *FD) updateV6(sip [16]byte, sport uint16, dip [16]byte, dport uint16, overwrite bool) bool {
	u := &f.sock
	csip, cdip := u.ip6(v6SIP), u.ip6(v6DIP)
	csport, cdport := u.u16(v6SPort), u.u16(v6DPort)
	if f.Type == FDIPv6Sock {
		if (sip == csip && sport == csport && dip == cdip && dport == cdport) ||
			(dip == csip && dport == csport && sip == cdip && sport == cdport) {
			return false
		}
	}
	changed := false
	if csip != sip {
		u.setIP6(v6SIP, sip)
		changed = true
	}
	if csport != sport {
		u.setU16(v6SPort, sport)
		changed = true
	}
	if cdip == ([16]byte{}) || (overwrite && cdip != dip) {
		u.setIP6(v6DIP, dip)
		changed = true
	}
	if cdport == 0 || (overwrite && cdport != dport) {
		u.setU16(v6DPort, dport)
		changed = true
	}
	return changed
}

// swapAddresses exchanges the two ends of the tuple (IPv4 view for IPv4
// sockets, IPv6 view otherwise), as libsinsp does.
func (f *FD) swapAddresses() {
	u := &f.sock
	if f.Type == FDIPv4Sock {
		sip, dip := u.ip4(v4SIP), u.ip4(v4DIP)
		sp, dp := u.u16(v4SPort), u.u16(v4DPort)
		u.setIP4(v4SIP, dip)
		u.setIP4(v4DIP, sip)
		u.setU16(v4SPort, dp)
		u.setU16(v4DPort, sp)
		return
	}
	sip, dip := u.ip6(v6SIP), u.ip6(v6DIP)
	sp, dp := u.u16(v6SPort), u.u16(v6DPort)
	u.setIP6(v6SIP, dip)
	u.setIP6(v6DIP, sip)
	u.setU16(v6SPort, dp)
	u.setU16(v6DPort, sp)
}

// isTCP and isUDP read the IPv4 view, as libsinsp's is_tcp_socket and
// is_udp_socket do (they are false for IPv6 sockets).
func (f *FD) isTCP() bool { return f.Type == FDIPv4Sock && f.sock[v4L4] == L4TCP }
func (f *FD) isUDP() bool { return f.Type == FDIPv4Sock && f.sock[v4L4] == L4UDP }

// unionName renders the fd's tuple as libsinsp's sockinfo_to_str.
func (f *FD) unionName() string {
	u := &f.sock
	switch f.Type {
	case FDIPv4Sock:
		sip, dip := netip.AddrFrom4(u.ip4(v4SIP)), netip.AddrFrom4(u.ip4(v4DIP))
		switch u[v4L4] {
		case L4TCP, L4UDP:
			return tupleName(sip, u.u16(v4SPort), dip, u.u16(v4DPort))
		case L4ICMP, L4Raw:
			return fmtIP(sip) + "->" + fmtIP(dip)
		}
		return "<unknown>"
	case FDIPv6Sock:
		sip6, dip6 := netip.AddrFrom16(u.ip6(v6SIP)), netip.AddrFrom16(u.ip6(v6DIP))
		mapped := isV4Mapped(sip6) && isV4Mapped(dip6)
		switch u[v6L4] {
		case L4TCP, L4UDP:
			if mapped {
				// libsinsp reads the ports through the IPv4 view here.
				return tupleName(unmap4(sip6), u.u16(v4SPort), unmap4(dip6), u.u16(v4DPort))
			}
			return tupleName(sip6, u.u16(v6SPort), dip6, u.u16(v6DPort))
		case L4ICMP:
			if mapped {
				return fmtIP(unmap4(sip6)) + "->" + fmtIP(unmap4(dip6))
			}
			return fmtIP(sip6) + "->" + fmtIP(dip6)
		}
		return "<unknown>"
	}
	return "<unknown>"
}

// guessRole sets the role of a socket whose role is not known, as
// libsinsp's set_net_role_by_guessing: a port the process has bound makes
// it the server, a client port it uses the client, else the direction of
// the first data (incoming: server). The ports are read through the IPv4
// view even for IPv6 sockets, as libsinsp does.
func (f *FD) guessRole(t *Thread, incoming bool) {
	dport := f.sock.u16(v4DPort)
	sport := f.sock.u16(v4SPort)
	if !t.boundToPort(dport) {
		f.Flags |= FDRoleClient
		return
	}
	if !t.usesClientPort(sport) {
		f.Flags |= FDRoleServer
		return
	}
	if f.Flags&(FDRoleClient|FDRoleServer) == 0 {
		if incoming {
			f.Flags |= FDRoleServer
		} else {
			f.Flags |= FDRoleClient
		}
	}
}

// boundToPort reports whether one of the process's IPv4 sockets has this
// destination port or one of its IPv4 server sockets this port.
func (t *Thread) boundToPort(port uint16) bool {
	for _, f := range t.FDs().All() {
		switch f.Type {
		case FDIPv4Sock:
			if f.sock.u16(v4DPort) == port {
				return true
			}
		case FDIPv4ServSock:
			if f.sock.u16(v4SrvPort) == port {
				return true
			}
		}
	}
	return false
}

// usesClientPort reports whether one of the process's IPv4 sockets has
// this source port.
func (t *Thread) usesClientPort(port uint16) bool {
	for _, f := range t.FDs().All() {
		if f.Type == FDIPv4Sock && f.sock.u16(v4SPort) == port {
			return true
		}
	}
	return false
}
