package inspect

import (
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

func TestFDList(t *testing.T) {
	h := newEvtHarness(t)
	// An IPv4 socket connected by events: socket, then connect.
	h.next(event.SocketE, pU32(2), pU32(1), pU32(0))
	h.next(event.SocketX, pI64(9))
	h.next(event.ConnectE, pI64(9), fdlistSockaddr4([4]byte{10, 0, 0, 2}, 443))
	h.next(event.ConnectX, pI64(0), fdlistTuple4([4]byte{10, 0, 0, 1}, 40000, [4]byte{10, 0, 0, 2}, 443), pI64(9), nil)
	sockName, servName := "", ""
	if th := h.in.State.Thread(evtTid); th != nil && th.FD(9) != nil && th.FD(8) != nil {
		sockName, servName = th.FD(9).Name, th.FD(8).Name
	}

	e := h.next(event.PollX, pI64(2), pFDList(3, 9, 42, 8), pI64(1000))
	want := map[string]string{
		"fdlist.nums":  "3,9,42,8",
		"fdlist.names": "/etc," + sockName + ",<NA>," + servName,
		// The IPv6 server socket is printed with AF_INET: the first four
		// bytes of 2001:db8::1.
		"fdlist.sips": "10.0.0.2,32.1.13.184",
	}
	if sockName == "" {
		t.Error("connect did not name fd 9; the socket columns are not checked")
		delete(want, "fdlist.names")
		delete(want, "fdlist.sips")
	} else {
		want["fdlist.cips"] = "10.0.0.1"
		want["fdlist.cports"] = "40000"
		want["fdlist.sports"] = "443"
	}
	h.expect(e, want)

	// Nothing to list: no value.
	e = h.next(event.PpollX, pI64(0), pFDList(42), pU64(0), pU32(0))
	h.expect(e, map[string]string{"fdlist.nums": "42", "fdlist.names": "<NA>", "fdlist.cips": "<NA>", "fdlist.sports": "<NA>"})
	e = h.next(event.PollX, pI64(0), pFDList(), pI64(0))
	h.expect(e, map[string]string{"fdlist.nums": "<NA>"})
	// Enter events and other events have none.
	e = h.next(event.PollE, pFDList(3), pI64(0))
	h.expect(e, map[string]string{"fdlist.nums": "<NA>"})
	e = h.next(event.ReadE, pI64(4), pU32(1))
	h.expect(e, map[string]string{"fdlist.names": "<NA>"})
}

// fdlistSockaddr4 encodes an AF_INET sockaddr parameter.
func fdlistSockaddr4(ip [4]byte, port uint16) []byte {
	b := []byte{event.FamilyInet}
	b = append(b, ip[:]...)
	return append(b, pU16(port)...)
}

// fdlistTuple4 encodes an AF_INET socket tuple parameter.
func fdlistTuple4(sip [4]byte, sport uint16, dip [4]byte, dport uint16) []byte {
	b := []byte{event.FamilyInet}
	b = append(b, sip[:]...)
	b = append(b, pU16(sport)...)
	b = append(b, dip[:]...)
	return append(b, pU16(dport)...)
}
