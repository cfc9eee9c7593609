package scap

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/kestrel-project/kestrel/internal/state"
)

// cursor decodes little-endian fields from a block body. The first
// failure sticks: later reads return zero values, and err says what and
// where.
type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("body offset %d: "+format, append([]any{c.off}, args...)...)
	}
}

func (c *cursor) left() int { return len(c.b) - c.off }

func (c *cursor) take(n int, what string) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > c.left() {
		c.fail("%s: need %d bytes, %d left in the block: %w", what, n, c.left(), ErrTruncated)
		return nil
	}
	p := c.b[c.off : c.off+n]
	c.off += n
	return p
}

func (c *cursor) u8(what string) uint8 {
	if p := c.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (c *cursor) u16(what string) uint16 {
	if p := c.take(2, what); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (c *cursor) u32(what string) uint32 {
	if p := c.take(4, what); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (c *cursor) u64(what string) uint64 {
	if p := c.take(8, what); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// lenBytes reads a u16 length and that many bytes. A length over max is an
// error, as libscap rejects it.
func (c *cursor) lenBytes(max int, what string) []byte {
	n := int(c.u16(what + " length"))
	if c.err != nil {
		return nil
	}
	if n > max {
		c.fail("%s length %d over the limit of %d", what, n, max)
		return nil
	}
	return c.take(n, what)
}

// cstr is the C view of stored bytes: up to the first NUL.
func cstr(b []byte) string {
	for i, ch := range b {
		if ch == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// splitNul splits a NUL-separated list (argv, environment, cgroups). The
// final NUL is optional, as libscap accepts both.
func splitNul(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	if b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return strings.Split(string(b), "\x00")
}

func parseCgroups(b []byte) []state.Cgroup {
	parts := splitNul(b)
	if parts == nil {
		return nil
	}
	out := make([]state.Cgroup, 0, len(parts))
	for _, p := range parts {
		sub, path, _ := strings.Cut(p, "=")
		out = append(out, state.Cgroup{Subsys: sub, Path: path})
	}
	return out
}

// decodeMachine decodes a machine info block body.
func decodeMachine(body []byte) (state.MachineInfo, error) {
	if len(body) < miBodySize {
		return state.MachineInfo{}, fmt.Errorf("machine info body is %d bytes, want %d: %w", len(body), miBodySize, ErrTruncated)
	}
	le := binary.LittleEndian
	return state.MachineInfo{
		NumCPUs:         le.Uint32(body[0:]),
		MemorySizeBytes: le.Uint64(body[4:]),
		MaxPid:          le.Uint64(body[12:]),
		Hostname:        cstr(body[20 : 20+hostnameSize]),
		BootTsEpoch:     le.Uint64(body[148:]),
		Flags:           le.Uint64(body[156:]),
		// 164..180: two reserved u64.
	}, nil
}

// decodeThreads decodes a process list block body of layout version v.
func decodeThreads(body []byte, v int) ([]state.ThreadInfo, error) {
	c := &cursor{b: body}
	var out []state.ThreadInfo
	for c.left() >= 4 {
		start := c.off
		t := state.ThreadInfo{
			VTid: -1, VPid: -1, Sid: -1, VPgid: -1, Pgid: -1,
			LoginUID: ^uint32(0),
		}
		var subLen int
		if v >= 9 {
			subLen = int(c.u32("entry length"))
		}
		t.Tid = int64(c.u64("tid"))
		t.Pid = int64(c.u64("pid"))
		t.PTid = int64(c.u64("ptid"))
		if v >= 6 {
			t.Sid = int64(c.u64("sid"))
		}
		if v >= 8 {
			t.VPgid = int64(c.u64("vpgid"))
		}
		t.Comm = cstr(c.lenBytes(maxPathLen, "comm"))
		t.Exe = cstr(c.lenBytes(maxPathLen, "exe"))
		if v >= 7 {
			t.ExePath = cstr(c.lenBytes(maxPathLen, "exepath"))
		}
		t.Args = splitNul(c.lenBytes(maxArgsLen, "args"))
		t.Cwd = cstr(c.lenBytes(maxPathLen, "cwd"))
		t.FDLimit = int64(c.u64("fdlimit"))
		t.Flags = c.u32("flags")
		t.UID = c.u32("uid")
		t.GID = c.u32("gid")
		if v >= 2 {
			t.VMSizeKB = c.u32("vmsize_kb")
			t.VMRSSKB = c.u32("vmrss_kb")
			t.VMSwapKB = c.u32("vmswap_kb")
			t.PFMajor = c.u64("pfmajor")
			t.PFMinor = c.u64("pfminor")
			if v >= 3 {
				t.Env = splitNul(c.lenBytes(maxEnvLen, "env"))
			}
			if v >= 4 {
				t.VTid = int64(c.u64("vtid"))
				t.VPid = int64(c.u64("vpid"))
				t.Cgroups = parseCgroups(c.lenBytes(maxCgroupsLen, "cgroups"))
				if v >= 5 {
					t.Root = cstr(c.lenBytes(maxPathLen, "root"))
				}
			}
		}
		if c.err != nil {
			return out, fmt.Errorf("thread entry %d: %w", len(out), c.err)
		}
		if v >= 9 {
			decodeThreadTail(c, &t, start, subLen)
			if c.err != nil {
				return out, fmt.Errorf("thread entry %d (tid %d): %w", len(out), t.Tid, c.err)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// decodeThreadTail reads the fields appended to PL_V9 entries over time;
// the entry length says which are present. Libraries before 0.10 wrote
// loginuid, exe_writable and the three capability sets (29 bytes) right
// after root; 0.10 inserted pidns_init_start_ts and tty before them. Like
// libscap, a remainder of at most 29 bytes is taken for the old layout.
func decodeThreadTail(c *cursor, t *state.ThreadInfo, start, subLen int) {
	if subLen == 0 {
		// No length: only the fixed fields, as libscap reads it.
		return
	}
	read := func() int { return c.off - start }
	fits := func(n int) bool { return read()+n <= subLen }
	if read() <= subLen && subLen-read() > 29 {
		if fits(8) {
			t.PidnsInitStartTs = c.u64("pidns_init_start_ts")
		}
		if fits(4) {
			t.TTY = c.u32("tty")
		}
	}
	if fits(4) {
		t.LoginUID = c.u32("loginuid")
	}
	if fits(1) {
		t.ExeWritable = c.u8("exe_writable") != 0
	}
	if fits(8) {
		t.CapInheritable = c.u64("cap_inheritable")
	}
	if fits(8) {
		t.CapPermitted = c.u64("cap_permitted")
	}
	if fits(8) {
		t.CapEffective = c.u64("cap_effective")
	}
	if fits(1) {
		t.ExeUpperLayer = c.u8("exe_upper_layer") != 0
	}
	if fits(8) {
		t.ExeIno = c.u64("exe_ino")
	}
	if fits(8) {
		t.ExeInoCtime = c.u64("exe_ino_ctime")
	}
	if fits(8) {
		t.ExeInoMtime = c.u64("exe_ino_mtime")
	}
	if fits(1) {
		t.ExeFromMemfd = c.u8("exe_from_memfd") != 0
	}
	if fits(1) {
		t.ExeLowerLayer = c.u8("exe_lower_layer") != 0
	}
	if fits(8) {
		t.Pgid = int64(c.u64("pgid"))
	}
	if c.err != nil {
		return
	}
	switch {
	case read() > subLen:
		c.fail("entry length %d, but its fixed fields take %d bytes", subLen, read())
	case read() < subLen:
		// Fields from a newer writer: skip them.
		c.take(subLen-read(), "entry remainder")
	}
}

// decodeFDs decodes an fd list block body: the thread id, then entries.
func decodeFDs(body []byte, v2 bool) (int64, []state.FDInfo, error) {
	c := &cursor{b: body}
	tid := int64(c.u64("tid"))
	if c.err != nil {
		return 0, nil, c.err
	}
	var out []state.FDInfo
	for c.left() >= 4 {
		fd, err := decodeFD(c, v2)
		if err != nil {
			return tid, out, fmt.Errorf("fd entry %d of tid %d: %w", len(out), tid, err)
		}
		out = append(out, fd)
	}
	return tid, out, nil
}

func addr4(p []byte) netip.Addr {
	if len(p) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(p))
}

func addr16(p []byte) netip.Addr {
	if len(p) != 16 {
		return netip.Addr{}
	}
	return netip.AddrFrom16([16]byte(p))
}

func decodeFD(c *cursor, v2 bool) (state.FDInfo, error) {
	start := c.off
	var subLen int
	if v2 {
		subLen = int(c.u32("entry length"))
	}
	var f state.FDInfo
	f.FD = int64(c.u64("fd"))
	f.Ino = c.u64("ino")
	typ := c.u8("type")
	f.Type = state.FDType(typ)
	name := func() string { return cstr(c.lenBytes(maxPathLen-1, "name")) }
	switch f.Type {
	case state.FDIPv4Sock:
		f.SrcAddr = addr4(c.take(4, "sip"))
		f.DstAddr = addr4(c.take(4, "dip"))
		f.SrcPort = c.u16("sport")
		f.DstPort = c.u16("dport")
		f.L4Proto = c.u8("l4proto")
	case state.FDIPv4ServSock:
		f.SrcAddr = addr4(c.take(4, "ip"))
		f.SrcPort = c.u16("port")
		f.L4Proto = c.u8("l4proto")
	case state.FDIPv6Sock:
		f.SrcAddr = addr16(c.take(16, "sip"))
		f.DstAddr = addr16(c.take(16, "dip"))
		f.SrcPort = c.u16("sport")
		f.DstPort = c.u16("dport")
		f.L4Proto = c.u8("l4proto")
	case state.FDIPv6ServSock:
		f.SrcAddr = addr16(c.take(16, "ip"))
		f.SrcPort = c.u16("port")
		f.L4Proto = c.u8("l4proto")
	case state.FDUnixSock:
		f.UnixSrc = c.u64("source")
		f.UnixDst = c.u64("destination")
		f.Name = name()
	case state.FDFileV2:
		f.OpenFlags = c.u32("open_flags")
		f.Name = name()
		if subLen != 0 && c.err == nil && c.off-start+4 <= subLen {
			f.Dev = c.u32("dev")
		}
	case state.FDFile, state.FDDirectory, state.FDFifo, state.FDUnsupported,
		state.FDEvent, state.FDSignalfd, state.FDEventpoll, state.FDInotify,
		state.FDTimerfd, state.FDNetlink, state.FDBPF, state.FDUserfaultfd,
		state.FDIOUring, state.FDMemfd, state.FDPidfd:
		f.Name = name()
	case state.FDUnknown:
		// No payload.
	default:
		// A type from a newer library: libscap keeps the fd as unsupported
		// and relies on the entry length to skip its payload.
		f.Type = state.FDUnsupported
		f.Name = fmt.Sprintf("unknown-type:[%d]", typ)
	}
	if c.err != nil {
		return f, c.err
	}
	if subLen != 0 {
		read := c.off - start
		if read > subLen {
			return f, fmt.Errorf("entry length %d, but its fields take %d bytes", subLen, read)
		}
		c.take(subLen-read, "entry remainder")
	}
	return f, c.err
}

// Interface entry kinds (scap_ifinfo_type).
const (
	ifIPv4            = 1
	ifIPv6            = 2
	ifIPv4NoLinkSpeed = 3
	ifIPv6NoLinkSpeed = 4
)

// decodeInterfaces decodes an interface list body. Version-2 entries carry
// their length; version-1 entries are sized by their kind.
func decodeInterfaces(body []byte, v2 bool) ([]state.InterfaceInfo, error) {
	c := &cursor{b: body}
	var out []state.InterfaceInfo
	for c.left() >= 4 {
		var entry *cursor
		if v2 {
			n := int(c.u32("entry length"))
			p := c.take(n, "entry")
			if c.err != nil {
				return out, c.err
			}
			entry = &cursor{b: p}
		} else {
			entry = c
		}
		typ := entry.u16("type")
		nameLen := int(entry.u16("name length"))
		if entry.err != nil {
			return out, entry.err
		}
		if nameLen >= maxPathLen {
			return out, fmt.Errorf("interface name length %d over the limit of %d", nameLen, maxPathLen-1)
		}
		var ifc state.InterfaceInfo
		switch typ {
		case ifIPv4, ifIPv4NoLinkSpeed:
			ifc.Addr = addr4(entry.take(4, "addr"))
			ifc.Netmask = addr4(entry.take(4, "netmask"))
			ifc.Broadcast = addr4(entry.take(4, "bcast"))
		case ifIPv6, ifIPv6NoLinkSpeed:
			ifc.Addr = addr16(entry.take(16, "addr"))
			ifc.Netmask = addr16(entry.take(16, "netmask"))
			ifc.Broadcast = addr16(entry.take(16, "bcast"))
		default:
			return out, fmt.Errorf("interface entry %d: unknown interface type %d", len(out), typ)
		}
		if typ == ifIPv4 || typ == ifIPv6 {
			ifc.LinkSpeed = entry.u64("linkspeed")
		}
		ifc.Name = cstr(entry.take(nameLen, "name"))
		if entry.err != nil {
			return out, fmt.Errorf("interface entry %d: %w", len(out), entry.err)
		}
		// In version 2 the rest of the entry (newer fields) is ignored.
		out = append(out, ifc)
	}
	return out, nil
}

// User list entry kinds.
const (
	userEntry  = 0
	groupEntry = 1
)

// decodeUsers decodes a user list body: users and groups interleaved as
// the writer put them.
func decodeUsers(body []byte, v2 bool) ([]state.UserInfo, []state.GroupInfo, error) {
	c := &cursor{b: body}
	var users []state.UserInfo
	var groups []state.GroupInfo
	for c.left() >= 4 {
		start := c.off
		var subLen int
		if v2 {
			subLen = int(c.u32("entry length"))
		}
		kind := c.u8("type")
		if kind == userEntry {
			var u state.UserInfo
			u.UID = c.u32("uid")
			u.GID = c.u32("gid")
			u.Name = cstr(c.lenBytes(maxCredLen-1, "user name"))
			u.HomeDir = cstr(c.lenBytes(maxCredLen-1, "home directory"))
			u.Shell = cstr(c.lenBytes(maxCredLen-1, "shell"))
			users = append(users, u)
		} else {
			var g state.GroupInfo
			g.GID = c.u32("gid")
			g.Name = cstr(c.lenBytes(maxCredLen-1, "group name"))
			groups = append(groups, g)
		}
		if c.err == nil && subLen != 0 {
			read := c.off - start
			if read > subLen {
				c.fail("entry length %d, but its fields take %d bytes", subLen, read)
			} else {
				c.take(subLen-read, "entry remainder")
			}
		}
		if c.err != nil {
			return users, groups, fmt.Errorf("user list entry %d: %w", len(users)+len(groups)-1, c.err)
		}
	}
	return users, groups, nil
}
