package event

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// Socket address and tuple texts, as libsinsp renders PT_SOCKADDR and
// PT_SOCKTUPLE parameters (without host and port name resolution, which
// sysdig and Falco leave off by default).

func ipv4Text(b []byte) string {
	return strconv.Itoa(int(b[0])) + "." + strconv.Itoa(int(b[1])) + "." +
		strconv.Itoa(int(b[2])) + "." + strconv.Itoa(int(b[3]))
}

func portText(b []byte) string {
	return strconv.FormatUint(uint64(binary.LittleEndian.Uint16(b)), 10)
}

// sockAddrText renders a PT_SOCKADDR parameter (never empty here).
func sockAddrText(b []byte) string {
	switch b[0] {
	case FamilyUnix:
		if len(b) < 2 || b[len(b)-1] != 0 {
			return "INVALID PATH"
		}
		return CString(b[1:])
	case FamilyInet:
		if len(b) < 7 {
			return "INVALID IPv4"
		}
		return ipv4Text(b[1:5]) + ":" + portText(b[5:7])
	case FamilyInet6:
		if len(b) < 19 {
			return "INVALID IPv6"
		}
		return InetNtop6(b[1:17]) + ":" + portText(b[17:19])
	}
	return "family " + strconv.Itoa(int(b[0]))
}

// sockTupleText renders a PT_SOCKTUPLE parameter (never empty here).
func sockTupleText(b []byte) string {
	switch b[0] {
	case FamilyUnix:
		if len(b) < 18 || b[len(b)-1] != 0 {
			return "INVALID PATH"
		}
		return strconv.FormatUint(binary.LittleEndian.Uint64(b[1:9]), 16) + "->" +
			strconv.FormatUint(binary.LittleEndian.Uint64(b[9:17]), 16) + " " + CString(b[17:])
	case FamilyInet:
		if len(b) < 13 {
			return "INVALID IPv4"
		}
		return ipv4Text(b[1:5]) + ":" + portText(b[5:7]) + "->" + ipv4Text(b[7:11]) + ":" + portText(b[11:13])
	case FamilyInet6:
		if len(b) < 37 {
			return "INVALID IPv6"
		}
		sip, dip := b[1:17], b[19:35]
		if isIPv4MappedOrZero(sip) && isIPv4MappedOrZero(dip) {
			return ipv4Text(sip[12:]) + ":" + portText(b[17:19]) + "->" + ipv4Text(dip[12:]) + ":" + portText(b[35:37])
		}
		return InetNtop6(sip) + ":" + portText(b[17:19]) + "->" + InetNtop6(dip) + ":" + portText(b[35:37])
	}
	return "family " + strconv.Itoa(int(b[0]))
}

// isIPv4MappedOrZero is libsinsp's is_ipv4_mapped_ipv6: ::ffff:a.b.c.d, or
// the all-zero address.
func isIPv4MappedOrZero(a []byte) bool {
	for _, c := range a[:10] {
		if c != 0 {
			return false
		}
	}
	if a[10] == 0xff && a[11] == 0xff {
		return true
	}
	for _, c := range a[10:16] {
		if c != 0 {
			return false
		}
	}
	return true
}

// InetNtop6 formats a 16-byte IPv6 address as glibc's inet_ntop does: the
// longest run of at least two zero groups (the first of equal runs) becomes
// "::", groups in lower-case hex without leading zeros, and addresses of
// the forms ::a.b.c.d and ::ffff:a.b.c.d end in dotted IPv4.
func InetNtop6(a []byte) string {
	var w [8]uint16
	for k := range w {
		w[k] = binary.BigEndian.Uint16(a[2*k:])
	}
	bestBase, bestLen := -1, 0
	curBase, curLen := -1, 0
	for k := 0; k < 8; k++ {
		if w[k] == 0 {
			if curBase == -1 {
				curBase, curLen = k, 1
			} else {
				curLen++
			}
		} else if curBase != -1 {
			if bestBase == -1 || curLen > bestLen {
				bestBase, bestLen = curBase, curLen
			}
			curBase = -1
		}
	}
	if curBase != -1 && (bestBase == -1 || curLen > bestLen) {
		bestBase, bestLen = curBase, curLen
	}
	if bestBase != -1 && bestLen < 2 {
		bestBase = -1
	}
	var sb strings.Builder
	for k := 0; k < 8; k++ {
		if bestBase != -1 && k >= bestBase && k < bestBase+bestLen {
			if k == bestBase {
				sb.WriteByte(':')
			}
			continue
		}
		if k != 0 {
			sb.WriteByte(':')
		}
		if k == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			sb.WriteString(ipv4Text(a[12:16]))
			return sb.String()
		}
		sb.WriteString(strconv.FormatUint(uint64(w[k]), 16))
	}
	if bestBase != -1 && bestBase+bestLen == 8 {
		sb.WriteByte(':')
	}
	return sb.String()
}
