package state

import (
	"strconv"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Parsers of fd events: opens, sockets and their addresses, close, dup,
// fcntl, pipes and the anonymous fd creators.

// Open flags the parsers look at (PPM_O_*, PPM_FD_*).
const (
	oDirectory    uint32 = 1 << 10
	oFCreated     uint32 = 1 << 14
	fdUpperLayer  uint32 = 1 << 15
	fdLowerLayer  uint32 = 1 << 16
	creatUpper    uint32 = 1 << 0
	creatLower    uint32 = 1 << 1
	closeRangeCX  uint32 = 1 << 2
	fcntlDupFD           = 1
	fcntlSetFD           = 3
	fcntlDupFDCX         = 26
	fdCloexecBit  uint64 = 1 // FD_CLOEXEC
	sockStream           = 1
	sockDgram            = 2
	sockRaw              = 3
	ipprotoIP            = 0
	ipprotoICMP          = 1
	ipprotoTCP           = 6
	ipprotoUDP           = 17
	ipprotoRaw           = 255
	afNetlink            = 16
	afPacket             = 17
	errInProgress        = -115 // -EINPROGRESS
)

// parseOpen handles open, creat, openat (all versions), openat2 and
// open_by_handle_at exits.
func (c *evctx) parseOpen() {
	th := c.th
	fd := c.res()
	var (
		name  string
		flags uint32
		sdir  string
		dev   uint32
		ino   uint64
	)
	switch c.code {
	case event.OpenX, event.CreatX:
		name, _ = c.str("name")
		if c.code == event.OpenX {
			f, _ := c.uint("flags")
			flags = uint32(f)
			// Flags the exit probe adds (created, overlay layers) are
			// kept; the enter's flags are the syscall's own.
			if e := c.enter; e != nil {
				if b, _, ok := e.ParamByName("flags"); ok {
					xf := uint32(0)
					if xb, _, ok := c.rec.ParamByName("flags"); ok {
						xf = event.U32(xb)
					}
					flags = event.U32(b) | (xf &^ (oFCreated - 1))
				}
			}
		} else if cf, ok := c.uint("creat_flags"); ok {
			if uint32(cf)&creatUpper != 0 {
				flags |= fdUpperLayer
			} else if uint32(cf)&creatLower != 0 {
				flags |= fdLowerLayer
			}
		}
		if e := c.enter; e != nil {
			if b, _, ok := e.ParamByName("name"); ok && len(b) > 0 {
				if en := event.CString(b); en != "<NA>" && en != "(NULL)" {
					name = en
				}
			}
		}
		sdir = th.CWD()
	case event.OpenatX, event.OpenatX2, event.Openat2X:
		name = "<NA>"
		if n, ok := c.str("name"); ok {
			name = n
		}
		f, _ := c.uint("flags")
		flags = uint32(f)
		if e := c.enter; e != nil && c.code != event.OpenatX {
			if b, _, ok := e.ParamByName("flags"); ok {
				xf := uint32(0)
				if xb, _, ok := c.rec.ParamByName("flags"); ok {
					xf = event.U32(xb)
				}
				flags = event.U32(b) | (xf &^ (oFCreated - 1))
			}
		}
		if dirfd, ok := c.int("dirfd"); ok {
			sdir = c.dirfdBase(name, dirfd)
		}
	case event.OpenByHandleAtX:
		f, _ := c.uint("flags")
		flags = uint32(f)
		name, _ = c.str("path")
	}
	if v, ok := c.uint("dev"); ok {
		dev = uint32(v)
	}
	if v, ok := c.uint("ino"); ok {
		ino = v
	}
	if fd < 0 {
		return
	}
	f := &FD{Type: FDFileV2, OpenFlags: flags, Dev: dev, Ino: ino, NameRaw: name}
	if flags&oDirectory != 0 {
		f.Type = FDDirectory
	}
	if m, ok := c.uint("mode"); ok {
		f.Mode = uint32(m)
	}
	f.Name = joinPath(sdir, name)
	if flags&fdUpperLayer != 0 {
		f.Flags |= FDOverlayUpper
	}
	if flags&fdLowerLayer != 0 {
		f.Flags |= FDOverlayLower
	}
	c.p.FD = c.t.addFD(th, fd, f)
}

// newSocket builds a socket fd the way libsinsp's add_socket does.
func newSocket(domain, typ, proto, flags uint32) *FD {
	f := &FD{Type: FDUnknown, OpenFlags: flags}
	switch domain {
	case event.FamilyUnix:
		f.Type = FDUnixSock
	case event.FamilyInet, event.FamilyInet6:
		f.Type = FDIPv4Sock
		if domain == event.FamilyInet6 {
			f.Type = FDIPv6Sock
		}
		l4 := L4Unknown
		switch proto {
		case ipprotoTCP:
			l4 = L4TCP
			if typ == sockRaw {
				l4 = L4Raw
			}
		case ipprotoUDP:
			l4 = L4UDP
			if typ == sockRaw {
				l4 = L4Raw
			}
		case ipprotoIP:
			switch typ & 0xff {
			case sockStream:
				l4 = L4TCP
			case sockDgram:
				l4 = L4UDP
			}
		case ipprotoICMP:
			l4 = L4ICMP
			if typ == sockRaw {
				l4 = L4Raw
			}
		case ipprotoRaw:
			l4 = L4Raw
		}
		if domain == event.FamilyInet {
			f.sock[v4L4] = l4
		} else {
			f.sock[v6L4] = l4
		}
	case afNetlink:
		f.Type = FDNetlink
	}
	f.syncSock()
	return f
}

func (c *evctx) parseSocket() {
	fd := c.res()
	if fd < 0 {
		return
	}
	domain, _ := c.uint("domain")
	typ, _ := c.uint("type")
	proto, _ := c.uint("proto")
	flags, _ := c.uint("flags")
	c.p.FD = c.t.addFD(c.th, fd, newSocket(uint32(domain), uint32(typ), uint32(proto), uint32(flags)))
}

func (c *evctx) parseSocketpair() {
	if c.res() < 0 {
		return
	}
	fd1, _ := c.int("fd1")
	fd2, _ := c.int("fd2")
	if fd1 == fd2 {
		c.p.FD = nil
		return
	}
	src, _ := c.uint("source")
	peer, _ := c.uint("peer")
	f1 := &FD{Type: FDUnixSock}
	f1.sock.setU64(unixSrc, src)
	f1.sock.setU64(unixDst, peer)
	f1.syncSock()
	f2 := *f1
	c.p.FD = c.t.addFD(c.th, fd1, f1)
	c.t.addFD(c.th, fd2, &f2)
}

func (c *evctx) parseBind() {
	f := c.p.FD
	if f == nil || c.res() < 0 {
		return
	}
	b, _, ok := c.raw("addr")
	if !ok {
		return
	}
	sa, valid := event.DecodeSockAddr(b)
	if !valid {
		return
	}
	switch sa.Family {
	case event.FamilyInet:
		if sa.Port > 0 {
			l4 := f.sock[v4L4]
			f.Type = FDIPv4ServSock
			f.sock.setIP4(v4SrvIP, sa.Addr.As4())
			f.sock.setU16(v4SrvPort, sa.Port)
			f.sock[v4SrvL4] = l4
			f.Flags |= FDRoleServer
		}
	case event.FamilyInet6:
		if sa.Port > 0 {
			l4 := f.sock[v6L4]
			if isV4Mapped(sa.Addr) {
				f.Type = FDIPv4ServSock
				f.sock[v4SrvL4] = l4
				f.sock.setIP4(v4SrvIP, unmap4(sa.Addr).As4())
				f.sock.setU16(v4SrvPort, sa.Port)
			} else {
				f.Type = FDIPv6ServSock
				f.sock.setU16(v6SrvPort, sa.Port)
				f.sock.setIP6(v6SrvIP, sa.Addr.As16())
				f.sock[v6SrvL4] = l4
			}
			f.Flags |= FDRoleServer
		}
	}
	f.syncSock()
	f.Name = sockaddrName(b)
}

// setConnected updates the connection state flags.
func setConnected(f *FD) {
	f.Flags &^= FDConnectionPending | FDConnectionFailed
	f.Flags |= FDSocketConnected
}

func (c *evctx) parseConnect() {
	f := c.p.FD
	if f == nil {
		return
	}
	r := c.res()
	if r < 0 && r != errInProgress {
		return
	}
	setConnected(f)
	var enterAddr []byte
	if e := c.enter; e != nil {
		if b, _, ok := e.ParamByName("addr"); ok && len(b) > 0 {
			if _, valid := event.DecodeSockAddr(b); valid {
				enterAddr = b
			}
		}
	}
	tb, _, _ := c.rec.ParamByName("tuple")
	if len(tb) == 0 {
		if enterAddr == nil {
			return
		}
		c.fillFromAddr(f, enterAddr)
		return
	}
	var exitAddr []byte
	if b, _, ok := c.rec.ParamByName("addr"); ok && len(b) > 0 {
		if _, valid := event.DecodeSockAddr(b); valid {
			exitAddr = b
		}
	}
	st, valid := event.DecodeSockTuple(tb)
	if !valid {
		return
	}
	c.fillClient(f, st, exitAddr, enterAddr)
}

// fillFromAddr sets the destination of a connecting socket from the
// connect address alone (no tuple).
func (c *evctx) fillFromAddr(f *FD, b []byte) {
	sa, _ := event.DecodeSockAddr(b)
	switch sa.Family {
	case event.FamilyInet:
		f.Type = FDIPv4Sock
		f.sock.setIP4(v4DIP, sa.Addr.As4())
		f.sock.setU16(v4DPort, sa.Port)
	case event.FamilyInet6:
		if isV4Mapped(sa.Addr) {
			f.Type = FDIPv4Sock
			f.sock.setIP4(v4DIP, unmap4(sa.Addr).As4())
			f.sock.setU16(v4DPort, sa.Port)
		} else {
			f.Type = FDIPv6Sock
			f.sock.setU16(v6DPort, sa.Port)
			f.sock.setIP6(v6DIP, sa.Addr.As16())
		}
	default:
		f.Name = sockaddrName(b)
	}
	f.syncSock()
}

// connectDest picks the destination of a connect: the tuple's, unless it
// equals the exit's address, in which case the enter's address (which a
// racing thread cannot have changed) is used.
func connectDest(st event.SockTuple, exitAddr, enterAddr []byte) (ip [16]byte, port uint16, path string) {
	tupIP := st.DstAddr.As16()
	if st.Family == event.FamilyInet {
		a4 := st.DstAddr.As4()
		copy(tupIP[:4], a4[:])
	}
	ip, port, path = tupIP, st.DstPort, st.Path
	if exitAddr == nil || enterAddr == nil {
		return
	}
	xa, _ := event.DecodeSockAddr(exitAddr)
	ea, _ := event.DecodeSockAddr(enterAddr)
	if st.Family == event.FamilyUnix {
		if xa.Path == st.Path {
			path = ea.Path
		}
		return
	}
	if xa.Addr == st.DstAddr && xa.Port == st.DstPort {
		ip = ea.Addr.As16()
		if st.Family == event.FamilyInet && ea.Addr.Is4() {
			a4 := ea.Addr.As4()
			ip = [16]byte{}
			copy(ip[:4], a4[:])
		}
		port = ea.Port
	}
	return
}

// fillClient applies a connect tuple to the fd (libsinsp's
// fill_client_socket_info).
func (c *evctx) fillClient(f *FD, st event.SockTuple, exitAddr, enterAddr []byte) {
	switch st.Family {
	case event.FamilyInet, event.FamilyInet6:
		dip, dport, _ := connectDest(st, exitAddr, enterAddr)
		var changed bool
		if st.Family == event.FamilyInet6 {
			dipAddr := st.DstAddr
			if dip != st.DstAddr.As16() {
				dipAddr = addrFrom16(dip)
			}
			if !(isV4Mapped(st.SrcAddr) && isV4Mapped(dipAddr)) {
				f.Type = FDIPv6Sock
				changed = f.updateV6(st.SrcAddr.As16(), st.SrcPort, dip, dport, true)
			} else {
				f.Type = FDIPv4Sock
				changed = f.updateV4(unmap4(st.SrcAddr).As4(), st.SrcPort, unmap4(dipAddr).As4(), dport, true)
			}
		} else {
			f.Type = FDIPv4Sock
			changed = f.updateV4(st.SrcAddr.As4(), st.SrcPort, [4]byte(dip[:4]), dport, true)
		}
		if changed && f.RoleServer() && f.isUDP() {
			f.swapAddresses()
		}
		f.syncSock()
		f.Name = f.unionName()
	case event.FamilyUnix:
		if f.Type != FDUnixSock {
			return
		}
		_, _, path := connectDest(st, exitAddr, enterAddr)
		f.sock.setU64(unixSrc, st.SrcPtr)
		f.sock.setU64(unixDst, st.DstPtr)
		f.syncSock()
		f.Name = unixTupleName(st.SrcPtr, st.DstPtr, path)
	default:
		return
	}
	if f.Flags&(FDRoleClient|FDRoleServer) == 0 {
		f.Flags |= FDRoleClient
	}
}

func (c *evctx) parseAccept() {
	th := c.th
	fd := c.res()
	if fd < 0 {
		return
	}
	th.LastFD = fd
	tb, _, ok := c.raw("tuple")
	if !ok {
		return
	}
	st, valid := event.DecodeSockTuple(tb)
	if !valid {
		return
	}
	f := &FD{}
	switch st.Family {
	case event.FamilyInet:
		f.updateV4(st.SrcAddr.As4(), st.SrcPort, st.DstAddr.As4(), st.DstPort, false)
		f.Type = FDIPv4Sock
		f.sock[v4L4] = L4TCP
	case event.FamilyInet6:
		if isV4Mapped(st.SrcAddr) && isV4Mapped(st.DstAddr) {
			f.updateV4(unmap4(st.SrcAddr).As4(), st.SrcPort, unmap4(st.DstAddr).As4(), st.DstPort, false)
			f.Type = FDIPv4Sock
			f.sock[v4L4] = L4TCP
		} else {
			f.updateV6(st.SrcAddr.As16(), st.SrcPort, st.DstAddr.As16(), st.DstPort, false)
			f.Type = FDIPv6Sock
			f.sock[v6L4] = L4TCP
		}
	case event.FamilyUnix:
		f.Type = FDUnixSock
		f.sock.setU64(unixSrc, st.SrcPtr)
		f.sock.setU64(unixDst, st.DstPtr)
	default:
		return
	}
	f.syncSock()
	f.Name = socktupleName(tb)
	if c.code == event.Accept4X6 {
		if fl, ok := c.int("flags"); ok {
			f.OpenFlags = uint32(fl) & OCloexec
		}
	}
	f.Flags = FDRoleServer | FDSocketConnected
	c.p.FD = c.t.addFD(th, fd, f)
}

// parseClose schedules the fd's removal (done when the next event
// arrives, so this event still sees it).
func (c *evctx) parseClose() {
	if c.res() < 0 || c.p.FD == nil {
		return
	}
	c.t.scheduleFDRemoval(c.th, c.th.LastFD)
}

func (t *Tables) scheduleFDRemoval(th *Thread, fd int64) {
	if t.fdsOwner != nil && t.fdsOwner != th {
		t.flushDeferredFDs()
	}
	t.fdsOwner = th
	t.fdsToRemove = append(t.fdsToRemove, fd)
}

func (t *Tables) flushDeferredFDs() {
	if owner := t.fdsOwner; owner != nil {
		if tab := owner.FDs(); tab != nil {
			for _, n := range t.fdsToRemove {
				delete(tab.m, n)
			}
		}
	}
	t.fdsToRemove = t.fdsToRemove[:0]
	t.fdsOwner = nil
}

func (c *evctx) parseCloseRange() {
	if c.res() < 0 {
		return
	}
	tab := c.th.FDs()
	if tab == nil {
		return
	}
	first, _ := c.uint("first")
	last, _ := c.uint("last")
	flags, _ := c.uint("flags")
	in := func(n int64) bool { return n >= 0 && uint64(n) >= first && uint64(n) <= last }
	for n, f := range tab.m {
		if !in(n) {
			continue
		}
		if uint32(flags)&closeRangeCX != 0 {
			f.OpenFlags |= OCloexec
		} else {
			delete(tab.m, n)
		}
	}
}

// clearCloexec drops every close-on-exec bit of an fd copy.
func clearCloexec(f *FD) {
	f.OpenFlags &^= OCloexec
	if f.Type == FDEventpoll {
		f.OpenFlags &^= EpollCloexec
	}
	if f.Type == FDMemfd {
		f.OpenFlags &^= MfdCloexec
	}
}

// parseDup handles dup, dup2 and dup3: the new fd is a copy of the old
// one (dup3 may set close-on-exec); an fd the new number replaces is
// dropped. Shell pipes are noticed when the new fd is 0 or 1.
func (c *evctx) parseDup() {
	th := c.th
	r := c.res()
	if r < 0 {
		return
	}
	// Old captures' dup exit lacks the old fd: it is the enter's fd.
	old := c.p.FD
	if old == nil {
		return
	}
	if r == 0 {
		th.Flags |= ClonePipeDst
	}
	if r == 1 {
		th.Flags |= ClonePipeSrc
	}
	cp := *old
	cp.OldName = ""
	clearCloexec(&cp)
	if c.code == event.Dup3X {
		if fl, ok := c.uint("flags"); ok && uint32(fl)&OCloexec != 0 {
			cp.OpenFlags |= OCloexec
		}
	}
	c.p.FD = c.t.addFD(th, r, &cp)
}

// parseFcntl handles F_DUPFD, F_DUPFD_CLOEXEC (a new fd) and F_SETFD
// (close-on-exec on or off).
func (c *evctx) parseFcntl() {
	cmd, _ := c.uint("cmd")
	if cmd != fcntlDupFD && cmd != fcntlDupFDCX && cmd != fcntlSetFD {
		return
	}
	r := c.res()
	f := c.p.FD
	if r < 0 || f == nil {
		return
	}
	if cmd == fcntlSetFD {
		arg, ok := c.uint("arg")
		if !ok {
			// Old captures do not carry the argument.
			return
		}
		clearCloexec(f)
		if arg&fdCloexecBit != 0 {
			f.OpenFlags |= OCloexec
		}
		return
	}
	cp := *f
	cp.OldName = ""
	clearCloexec(&cp)
	if cmd == fcntlDupFDCX {
		cp.OpenFlags |= OCloexec
	}
	c.p.FD = c.t.addFD(c.th, r, &cp)
}

func (c *evctx) parsePipe() {
	if c.res() < 0 {
		return
	}
	fd1, _ := c.int("fd1")
	fd2, _ := c.int("fd2")
	ino, _ := c.uint("ino")
	var flags uint32
	if c.code == event.Pipe2X {
		fl, _ := c.uint("flags")
		flags = uint32(fl)
	}
	c.p.FD = c.t.addFD(c.th, fd1, &FD{Type: FDFifo, Ino: ino, OpenFlags: flags})
	c.p.FD = c.t.addFD(c.th, fd2, &FD{Type: FDFifo, Ino: ino, OpenFlags: flags})
}

// parseSimpleFD handles the creators of anonymous fds (eventfd, signalfd,
// timerfd, inotify, bpf, userfaultfd, io_uring, epoll): the fd is
// returned and has no name.
func (c *evctx) parseSimpleFD(typ FDType) {
	r := c.res()
	if r < 0 {
		return
	}
	f := &FD{Type: typ}
	switch c.code {
	case event.Eventfd2X, event.InotifyInit1X, event.Signalfd4X, event.TimerfdCreateX:
		if fl, ok := c.uint("flags"); ok {
			f.OpenFlags = uint32(fl)
		}
	case event.EpollCreate1X:
		if fl, ok := c.uint("flags"); ok && uint32(fl)&EpollCloexec != 0 {
			f.OpenFlags |= OCloexec
		}
	}
	c.p.FD = c.t.addFD(c.th, r, f)
}

func (c *evctx) parseMemfd() {
	fd := c.res()
	if fd < 0 {
		return
	}
	name, _ := c.str("name")
	fl, _ := c.uint("flags")
	c.p.FD = c.t.addFD(c.th, fd, &FD{Type: FDMemfd, Name: name, OpenFlags: uint32(fl)})
}

func (c *evctx) parsePidfdOpen() {
	fd := c.res()
	if fd < 0 {
		return
	}
	pid, _ := c.int("pid")
	fl, _ := c.uint("flags")
	f := &FD{Type: FDPidfd, Name: "/proc/" + strconv.FormatInt(pid, 10), OpenFlags: uint32(fl), Pid: pid}
	c.p.FD = c.t.addFD(c.th, fd, f)
}

func (c *evctx) parsePidfdGetfd() {
	fd := c.res()
	pidfd, _ := c.int("pid_fd")
	target, _ := c.int("target_fd")
	pf := c.th.FD(pidfd)
	if pf == nil || pf.Type != FDPidfd {
		return
	}
	owner := c.t.threads[pf.Pid]
	if owner == nil {
		return
	}
	tf := owner.FD(target)
	if tf == nil || fd < 0 {
		return
	}
	cp := *tf
	cp.OldName = ""
	clearCloexec(&cp)
	cp.OpenFlags |= OCloexec
	c.p.FD = c.t.addFD(c.th, fd, &cp)
}

// inferSendSocket creates the fd of a send/sendto/sendmsg on an fd the
// state missed: an inet tuple means a socket, assumed UDP.
func (c *evctx) inferSendSocket() {
	if event.IsExit(c.code) && c.res() < 0 {
		return
	}
	fd := c.th.LastFD
	if fd < 0 {
		return
	}
	tb, _, ok := c.raw("tuple")
	if !ok {
		return
	}
	switch tb[0] {
	case event.FamilyInet, event.FamilyInet6:
		c.p.FD = c.t.addFD(c.th, fd, newSocket(uint32(tb[0]), sockDgram, ipprotoUDP, 0))
	}
}

// parseRW handles the data transfer exits: a successful transfer on an
// inet socket marks it connected, and datagram sockets (or sockets
// without a name yet) take the tuple the event carries.
func (c *evctx) parseRW(read bool) {
	if !read && c.p.FD == nil {
		switch c.code {
		case event.SendX, event.SendtoX, event.SendmsgX:
			c.inferSendSocket()
		}
	}
	f := c.p.FD
	if f == nil || c.res() < 0 {
		return
	}
	if f.Type == FDIPv4Sock || f.Type == FDIPv6Sock {
		setConnected(f)
	}
	switch c.code {
	case event.RecvfromX, event.RecvmsgX, event.RecvmmsgX, event.RecvX,
		event.SendX, event.SendtoX, event.SendmsgX, event.SendmmsgX:
	default:
		return
	}
	if f.Name != "" && f.isTCP() {
		return
	}
	tb, _, ok := c.raw("tuple")
	if !ok || !c.updateFromTuple(f, tb) {
		return
	}
	if f.Type == FDIPv4Sock || f.Type == FDIPv6Sock {
		if f.Flags&(FDRoleClient|FDRoleServer) == 0 {
			f.guessRole(c.th, read)
		}
		if (read && f.RoleClient()) || (!read && f.RoleServer()) {
			f.swapAddresses()
		}
		f.syncSock()
		f.Name = f.unionName()
	} else {
		f.Name = socktupleName(tb)
	}
}

// updateFromTuple applies a data transfer's tuple to a socket
// (libsinsp's update_fd); false when nothing was applied.
func (c *evctx) updateFromTuple(f *FD, tb []byte) bool {
	st, valid := event.DecodeSockTuple(tb)
	if !valid {
		return false
	}
	switch st.Family {
	case event.FamilyInet:
		if f.Type == FDIPv4ServSock {
			f.sock[v4L4] = f.sock[v4SrvL4]
		}
		f.Type = FDIPv4Sock
		if !f.updateV4(st.SrcAddr.As4(), st.SrcPort, st.DstAddr.As4(), st.DstPort, false) {
			f.syncSock()
			return false
		}
	case event.FamilyInet6:
		if isV4Mapped(st.SrcAddr) && isV4Mapped(st.DstAddr) {
			f.Type = FDIPv4Sock
			if !f.updateV4(unmap4(st.SrcAddr).As4(), st.SrcPort, unmap4(st.DstAddr).As4(), st.DstPort, false) {
				f.syncSock()
				return false
			}
		} else if !f.updateV6(st.SrcAddr.As16(), st.SrcPort, st.DstAddr.As16(), st.DstPort, false) {
			f.syncSock()
			return false
		}
	case event.FamilyUnix:
		f.Type = FDUnixSock
		f.sock.setU64(unixSrc, st.SrcPtr)
		f.sock.setU64(unixDst, st.DstPtr)
		f.syncSock()
		f.Name = st.Path
		return true
	default:
		return false
	}
	switch f.Type {
	case FDIPv4Sock:
		if f.sock[v4L4] == L4Unknown {
			f.sock[v4L4] = L4UDP
		}
	case FDIPv6Sock:
		if f.sock[v6L4] == L4Unknown {
			f.sock[v6L4] = L4UDP
		}
	}
	c.t.patchFromInterfaces(f)
	f.syncSock()
	return true
}
