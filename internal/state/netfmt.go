package state

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Socket names as libsinsp writes them into fd.name: numeric addresses and
// ports (name resolution off, Falco's default), IPv6 in inet_ntop form
// without brackets.

// fmtIP renders an address like inet_ntop: dotted quad for IPv4; for IPv6
// the RFC 5952 form, with the embedded dotted quad glibc prints for
// IPv4-mapped and IPv4-compatible addresses.
func fmtIP(a netip.Addr) string {
	if !a.IsValid() {
		return "0.0.0.0"
	}
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	zero := func(from, to int) bool {
		for i := from; i < to; i++ {
			if b[i] != 0 {
				return false
			}
		}
		return true
	}
	// glibc prints "::a.b.c.d" when the first six words are zero and the
	// seventh is not (the longest zero run is exactly six words).
	if zero(0, 12) && (b[12] != 0 || b[13] != 0) {
		v4 := netip.AddrFrom4([4]byte(b[12:16]))
		return "::" + v4.String()
	}
	return a.String()
}

// fmtEndpoint renders "ip:port".
func fmtEndpoint(a netip.Addr, port uint16) string {
	return fmtIP(a) + ":" + strconv.FormatUint(uint64(port), 10)
}

// tupleName renders an inet tuple "cip:cport->sip:sport".
func tupleName(sa netip.Addr, sp uint16, da netip.Addr, dp uint16) string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString(fmtIP(sa))
	b.WriteByte(':')
	b.WriteString(strconv.FormatUint(uint64(sp), 10))
	b.WriteString("->")
	b.WriteString(fmtIP(da))
	b.WriteByte(':')
	b.WriteString(strconv.FormatUint(uint64(dp), 10))
	return b.String()
}

// unixTupleName renders a unix socket tuple as libsinsp does:
// "<src hex>-><dst hex> <path>".
func unixTupleName(src, dst uint64, path string) string {
	return strconv.FormatUint(src, 16) + "->" + strconv.FormatUint(dst, 16) + " " + path
}

// sockaddrName renders a PT_SOCKADDR parameter as libsinsp's simple
// format: "ip:port" for inet families, the path for unix, "family N"
// otherwise, "<NA>" when empty.
func sockaddrName(b []byte) string {
	if len(b) == 0 {
		return "<NA>"
	}
	sa, ok := event.DecodeSockAddr(b)
	if !ok {
		switch b[0] {
		case event.FamilyUnix:
			return "INVALID PATH"
		case event.FamilyInet:
			return "INVALID IPv4"
		case event.FamilyInet6:
			return "INVALID IPv6"
		}
		return "INVALID SOCKADDR"
	}
	switch sa.Family {
	case event.FamilyUnix:
		return sa.Path
	case event.FamilyInet, event.FamilyInet6:
		return fmtEndpoint(sa.Addr, sa.Port)
	}
	return "family " + strconv.Itoa(int(sa.Family))
}

// socktupleName renders a PT_SOCKTUPLE parameter as libsinsp's simple
// format (IPv4-mapped IPv6 tuples as IPv4).
func socktupleName(b []byte) string {
	if len(b) == 0 {
		return "NULL"
	}
	st, ok := event.DecodeSockTuple(b)
	if !ok {
		switch b[0] {
		case event.FamilyUnix:
			return "INVALID PATH"
		case event.FamilyInet:
			return "INVALID IPv4"
		case event.FamilyInet6:
			return "INVALID IPv6"
		}
		return "INVALID SOCKTUPLE"
	}
	switch st.Family {
	case event.FamilyUnix:
		return unixTupleName(st.SrcPtr, st.DstPtr, st.Path)
	case event.FamilyInet:
		return tupleName(st.SrcAddr, st.SrcPort, st.DstAddr, st.DstPort)
	case event.FamilyInet6:
		if isV4Mapped(st.SrcAddr) && isV4Mapped(st.DstAddr) {
			return tupleName(unmap4(st.SrcAddr), st.SrcPort, unmap4(st.DstAddr), st.DstPort)
		}
		return tupleName(st.SrcAddr, st.SrcPort, st.DstAddr, st.DstPort)
	}
	return "family " + strconv.Itoa(int(st.Family))
}

// isV4Mapped reports whether an IPv6 address is IPv4-mapped in libsinsp's
// sense: ::ffff:a.b.c.d, or the all-zero address.
func isV4Mapped(a netip.Addr) bool {
	if !a.Is6() {
		return false
	}
	b := a.As16()
	for i := 0; i < 10; i++ {
		if b[i] != 0 {
			return false
		}
	}
	if b[10] == 0xff && b[11] == 0xff {
		return true
	}
	for i := 10; i < 16; i++ {
		if b[i] != 0 {
			return false
		}
	}
	return true
}

// unmap4 returns the IPv4 address in the last four bytes of a.
func unmap4(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:16]))
}
