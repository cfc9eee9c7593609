package state

import "net/netip"

// Network interfaces complete datagram tuples whose local address is
// unset (a socket sending from 0.0.0.0), as libsinsp does with the
// interface list of the capture or the host.

// SetInterfaces sets the machine's interface addresses (from a capture's
// interface list or the host).
func (t *Tables) SetInterfaces(ifs []InterfaceInfo) {
	t.if4 = t.if4[:0]
	t.if6 = t.if6[:0]
	for _, i := range ifs {
		switch {
		case i.Addr.Is4():
			t.if4 = append(t.if4, i)
		case i.Addr.Is6():
			t.if6 = append(t.if6, i)
		}
	}
}

var loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
var loopback6 = netip.IPv6Loopback()

// inferV4 picks the local address to pair with dst: an interface with
// that address, else one in the same subnet, else the first non-loopback
// one, else 0.0.0.0.
func (t *Tables) inferV4(dst [4]byte) [4]byte {
	d := netip.AddrFrom4(dst)
	for _, i := range t.if4 {
		if i.Addr == d {
			return i.Addr.As4()
		}
	}
	for _, i := range t.if4 {
		if !i.Netmask.Is4() {
			continue
		}
		a, m := i.Addr.As4(), i.Netmask.As4()
		if a[0]&m[0] == dst[0]&m[0] && a[1]&m[1] == dst[1]&m[1] &&
			a[2]&m[2] == dst[2]&m[2] && a[3]&m[3] == dst[3]&m[3] {
			return a
		}
	}
	for _, i := range t.if4 {
		if i.Addr != loopback4 {
			return i.Addr.As4()
		}
	}
	return [4]byte{}
}

// inferV6 is inferV4 for IPv6 (subnets are /64).
func (t *Tables) inferV6(dst [16]byte) [16]byte {
	d := netip.AddrFrom16(dst)
	for _, i := range t.if6 {
		if i.Addr == d {
			return i.Addr.As16()
		}
	}
	for _, i := range t.if6 {
		a := i.Addr.As16()
		if [8]byte(a[:8]) == [8]byte(dst[:8]) {
			return a
		}
	}
	for _, i := range t.if6 {
		if i.Addr != loopback6 {
			return i.Addr.As16()
		}
	}
	return [16]byte{}
}

// patchFromInterfaces fills a missing end of an inet tuple from the
// interface list (libsinsp's update_fd of its interface table).
func (t *Tables) patchFromInterfaces(f *FD) {
	u := &f.sock
	switch f.Type {
	case FDIPv4Sock:
		sip, dip := u.ip4(v4SIP), u.ip4(v4DIP)
		zero := [4]byte{}
		if sip != zero && dip != zero {
			return
		}
		same := u.u16(v4SPort) == u.u16(v4DPort)
		if sip == zero {
			n := t.inferV4(dip)
			if n == dip && same {
				return
			}
			u.setIP4(v4SIP, n)
		} else {
			n := t.inferV4(sip)
			if n == sip && same {
				return
			}
			u.setIP4(v4DIP, n)
		}
	case FDIPv6Sock:
		sip, dip := u.ip6(v6SIP), u.ip6(v6DIP)
		zero := [16]byte{}
		if sip != zero && dip != zero {
			return
		}
		same := u.u16(v6SPort) == u.u16(v6DPort)
		if sip == zero {
			n := t.inferV6(dip)
			if n == dip && same {
				return
			}
			u.setIP6(v6SIP, n)
		} else {
			n := t.inferV6(sip)
			if n == sip && same {
				return
			}
			u.setIP6(v6DIP, n)
		}
	}
}

// addrFrom16 returns the 16-byte address.
func addrFrom16(b [16]byte) netip.Addr { return netip.AddrFrom16(b) }

// IsLocalAddr reports whether an address is one of the machine's own, as
// libsinsp decides it over the interface list: IPv4 by exact address, IPv6
// by the first 64 bits.
func (t *Tables) IsLocalAddr(a netip.Addr) bool {
	if a.Is4() {
		for _, i := range t.if4 {
			if i.Addr == a {
				return true
			}
		}
		return false
	}
	b := a.As16()
	for _, i := range t.if6 {
		c := i.Addr.As16()
		if [8]byte(c[:8]) == [8]byte(b[:8]) {
			return true
		}
	}
	return false
}
