package inspect

// Extractors of the fdlist class (libsinsp's sinsp_filter_check_fdlist,
// sinsp_filtercheck_fdlist.cpp): the fds of the "fds" parameter of poll
// and ppoll exit events, each field one comma-separated string.

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

type fdListField uint8

const (
	fdListNums fdListField = iota
	fdListNames
	fdListCIPs
	fdListSIPs
	fdListCPorts
	fdListSPorts
)

func init() {
	bind := func(f fdListField) evtBinder {
		return evtFixed(func(x engine.Event, v *engine.Value) bool {
			s, ok := fdList(ev(x), f)
			v.Str = s
			return ok
		})
	}
	register(map[string]evtBinder{
		"fdlist.nums":   bind(fdListNums),
		"fdlist.names":  bind(fdListNames),
		"fdlist.cips":   bind(fdListCIPs),
		"fdlist.sips":   bind(fdListSIPs),
		"fdlist.cports": bind(fdListCPorts),
		"fdlist.sports": bind(fdListSPorts),
	})
}

// fdList builds the field's string for a poll or ppoll exit event of a
// known thread. Entries with no value for the field (an fd that is not
// in the table, or not a socket of the right kind) are left out of the
// address and port lists, but are "<NA>" in the name list. An empty
// result is missing.
func fdList(e *Event, f fdListField) (string, bool) {
	switch e.Type() {
	case event.PollX, event.PpollX:
	default:
		return "", false
	}
	th := e.Thread()
	if th == nil {
		return "", false
	}
	b := e.Rec.Param(1)
	if len(b) < 2 {
		return "", false
	}
	n := int(event.U16(b))
	var sb strings.Builder
	for i, pos := 0, 2; i < n && pos+10 <= len(b); i, pos = i+1, pos+10 {
		fd := int64(event.U64(b[pos:]))
		info := th.FD(fd)
		before := sb.Len()
		switch f {
		case fdListNums:
			sb.WriteString(strconv.FormatInt(fd, 10))
		case fdListNames:
			if info != nil && info.Name != "" {
				sb.WriteString(info.Name)
			} else {
				sb.WriteString("<NA>")
			}
		case fdListCIPs:
			if info != nil && (info.Type == state.FDIPv4Sock || info.Type == state.FDIPv6Sock) {
				sb.WriteString(fdListAddr(info.ClientAddr, info.Type == state.FDIPv6Sock))
			}
		case fdListSIPs:
			if info != nil {
				switch info.Type {
				case state.FDIPv4Sock, state.FDIPv6Sock:
					sb.WriteString(fdListAddr(info.ServerAddr, info.Type == state.FDIPv6Sock))
				case state.FDIPv4ServSock:
					sb.WriteString(fdListAddr(info.ServerAddr, false))
				case state.FDIPv6ServSock:
					// libsinsp formats the IPv6 server address with
					// AF_INET: its first four bytes, dotted.
					sb.WriteString(fdListAddr(info.ServerAddr, false))
				}
			}
		case fdListCPorts:
			if info != nil && (info.Type == state.FDIPv4Sock || info.Type == state.FDIPv6Sock) {
				sb.WriteString(strconv.FormatUint(uint64(info.ClientPort), 10))
			}
		case fdListSPorts:
			if info != nil && (info.Type == state.FDIPv4Sock || info.Type == state.FDIPv6Sock) {
				sb.WriteString(strconv.FormatUint(uint64(info.ServerPort), 10))
			}
		}
		if sb.Len() > before || f == fdListNums || f == fdListNames {
			sb.WriteByte(',')
		}
	}
	s := sb.String()
	if s == "" {
		return "", false
	}
	return strings.TrimSuffix(s, ","), true
}

// fdListAddr renders an address as inet_ntop does, for the family libsinsp
// passes: AF_INET6 renders 16 bytes, AF_INET the first 4.
func fdListAddr(a netip.Addr, v6 bool) string {
	var b [16]byte
	if a.Is4() {
		a4 := a.As4()
		copy(b[:], a4[:])
	} else if a.IsValid() {
		b = a.As16()
	}
	if v6 {
		return event.InetNtop6(b[:])
	}
	return netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]}).String()
}
