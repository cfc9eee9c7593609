package procfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/state"
)

// machineInfo describes the machine (libscap's scap_os_get_machine_info);
// it also fixes the boot time every start time of the scan is relative
// to.
func (s *scanner) machineInfo() state.MachineInfo {
	s.boot = cachedBootTime(s.proc)
	m := state.MachineInfo{
		BootTsEpoch: s.boot,
		Hostname:    cutString(hostname(), 127),
		NumCPUs:     onlineCPUs(),
	}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err == nil {
		m.MemorySizeBytes = uint64(si.Totalram) * uint64(si.Unit)
	}
	if b, err := os.ReadFile(s.proc + "/sys/kernel/pid_max"); err == nil {
		if v, ok := parseUint(trimSpace(b), 10); ok {
			m.MaxPid = v
		}
	}
	if m.BootTsEpoch == 0 {
		s.warn("boot time unknown: %s/stat has no btime", s.proc)
	}
	return m
}

// onlineCPUs counts the online CPUs as sysconf(_SC_NPROCESSORS_ONLN) does,
// from /sys/devices/system/cpu/online ("0-3,5").
func onlineCPUs() uint32 {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return uint32(runtime.NumCPU())
	}
	var n uint32
	for _, r := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		a, ok1 := parseUint([]byte(lo), 10)
		if !ok1 {
			continue
		}
		z := a
		if isRange {
			if v, ok := parseUint([]byte(hi), 10); ok {
				z = v
			}
		}
		if z >= a {
			n += uint32(z - a + 1)
		}
	}
	if n == 0 {
		return uint32(runtime.NumCPU())
	}
	return n
}

// usersAndGroups reads Root/etc/passwd and Root/etc/group with the rules
// of glibc's fgetpwent and fgetgrent, which libscap uses under a host
// root: blank lines and comments are skipped, as are entries whose id is
// not a number; names are cut to 255 bytes, paths to 1023.
func (s *scanner) usersAndGroups() ([]state.UserInfo, []state.GroupInfo) {
	var users []state.UserInfo
	err := lines(s.root+"/etc/passwd", func(line []byte) bool {
		f, ok := credFields(line, 7)
		if !ok {
			return true
		}
		uid, ok1 := parseUint(f[2], 10)
		gid, ok2 := parseUint(f[3], 10)
		if !ok1 || !ok2 || uid > 0xffffffff || gid > 0xffffffff {
			return true
		}
		users = append(users, state.UserInfo{
			UID:     uint32(uid),
			GID:     uint32(gid),
			Name:    cutString(string(f[0]), maxCredLen-1),
			HomeDir: cutString(string(f[5]), maxPathLen-1),
			Shell:   cutString(string(f[6]), maxPathLen-1),
		})
		return true
	})
	if err != nil {
		s.warn("users: %v", err)
	}
	var groups []state.GroupInfo
	err = lines(s.root+"/etc/group", func(line []byte) bool {
		f, ok := credFields(line, 4)
		if !ok {
			return true
		}
		gid, ok1 := parseUint(f[2], 10)
		if !ok1 || gid > 0xffffffff {
			return true
		}
		groups = append(groups, state.GroupInfo{
			GID:  uint32(gid),
			Name: cutString(string(f[0]), maxCredLen-1),
		})
		return true
	})
	if err != nil {
		s.warn("groups: %v", err)
	}
	return users, groups
}

// credFields splits a passwd or group line into n colon-separated
// fields, the last taking the rest of the line; missing trailing fields
// are empty, as glibc's parser leaves them. Comments, blank lines and
// the NIS compatibility entries ("+name", "-name") are refused.
func credFields(line []byte, n int) ([][]byte, bool) {
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-' {
		return nil, false
	}
	f := make([][]byte, n)
	for i := 0; i < n-1; i++ {
		j := bytes.IndexByte(line, ':')
		if j < 0 {
			f[i], line = line, nil
			break
		}
		f[i], line = line[:j], line[j+1:]
	}
	f[n-1] = line
	return f, true
}

// interfaces lists the IPv4 and IPv6 addresses of this network namespace
// as libscap's getifaddrs walk records them: name (the address label for
// IPv4, as getifaddrs gives it), address, netmask and the broadcast
// address (for IPv4, the address getifaddrs puts in ifa_broadaddr: the
// broadcast when the kernel has one, else the peer or the address
// itself; none for IPv6). It reads the kernel's netlink dumps directly,
// as getifaddrs does, because net.Interfaces loses the labels and the
// broadcast addresses.
func interfaces() ([]state.InterfaceInfo, error) {
	links, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("netlink links: %w", err)
	}
	names := make(map[uint32]string)
	msgs, err := syscall.ParseNetlinkMessage(links)
	if err != nil {
		return nil, fmt.Errorf("netlink links: %w", err)
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		idx := binary.NativeEndian.Uint32(m.Data[4:8])
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			continue
		}
		for _, a := range attrs {
			if a.Attr.Type == syscall.IFLA_IFNAME {
				names[idx] = cstring(a.Value)
			}
		}
	}

	addrs, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("netlink addresses: %w", err)
	}
	msgs, err = syscall.ParseNetlinkMessage(addrs)
	if err != nil {
		return nil, fmt.Errorf("netlink addresses: %w", err)
	}
	var v4, v6 []state.InterfaceInfo
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWADDR || len(m.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		family, prefix := m.Data[0], int(m.Data[1])
		idx := binary.NativeEndian.Uint32(m.Data[4:8])
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			continue
		}
		ifc := state.InterfaceInfo{Name: names[idx]}
		// getifaddrs: IFA_ADDRESS is the address until IFA_LOCAL comes,
		// which then moves it to the broadcast/peer slot; IFA_BROADCAST
		// takes the slot over.
		var addr, bcast netip.Addr
		for _, a := range attrs {
			v, ok := netip.AddrFromSlice(a.Value)
			switch a.Attr.Type {
			case syscall.IFA_ADDRESS:
				if !ok {
					continue
				}
				if addr.IsValid() {
					bcast = v
				} else {
					addr = v
				}
			case syscall.IFA_LOCAL:
				if !ok {
					continue
				}
				if addr.IsValid() {
					bcast = addr
				}
				addr = v
			case syscall.IFA_BROADCAST:
				if ok {
					bcast = v
				}
			case syscall.IFA_LABEL:
				ifc.Name = cstring(a.Value)
			}
		}
		switch {
		case family == syscall.AF_INET && addr.Is4():
			ifc.Addr = addr
			ifc.Netmask = prefixMask(prefix, 4)
			ifc.Broadcast = netip.IPv4Unspecified()
			if bcast.Is4() {
				ifc.Broadcast = bcast
			}
			v4 = append(v4, ifc)
		case family == syscall.AF_INET6 && addr.Is6():
			ifc.Addr = addr
			ifc.Netmask = prefixMask(prefix, 16)
			ifc.Broadcast = netip.IPv6Unspecified()
			if bcast.Is6() {
				ifc.Broadcast = bcast
			}
			v6 = append(v6, ifc)
		}
	}
	ifc := make([]state.InterfaceInfo, 0, len(v4)+len(v6))
	for _, l := range [][]state.InterfaceInfo{v4, v6} {
		for _, i := range l {
			i.Name = cutString(i.Name, maxPathLen-1)
			ifc = append(ifc, i)
		}
	}
	return ifc, nil
}

// prefixMask returns the netmask of a prefix length for an address of n
// bytes.
func prefixMask(bits, n int) netip.Addr {
	var b [16]byte
	for i := 0; i < n && bits > 0; i++ {
		if bits >= 8 {
			b[i] = 0xff
			bits -= 8
		} else {
			b[i] = byte(0xff << (8 - bits))
			bits = 0
		}
	}
	if n == 4 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
