package state

import (
	"encoding/binary"

	"github.com/kestrel-project/kestrel/internal/event"
)

// Process updates the tables with one event and returns what the field
// layer needs about it. It must be called for every event, in order.
// The result is owned by the Tables and valid until the next call.
//
// Old captures carry an enter and an exit event per syscall, and their
// exits may lack parameters the enter had (read's exit has no fd, an old
// socket exit no domain). Process keeps each thread's last enter event and,
// for the exit that follows it on the same thread, reads a parameter the
// exit lacks (or has empty) from the enter by name, which is what the
// libraries' converter does when it upgrades old events; Parsed.Enter
// exposes that enter event.
func (t *Tables) Process(rec *event.Record, evtNum uint64) *Parsed {
	_ = evtNum
	t.flushDeferred()
	p := &t.parsed
	p.Thread, p.FD, p.Enter, p.Container = nil, nil, nil, nil
	p.FDNum, p.FDNameChanged, p.Created, p.ChildTid = -1, false, false, 0

	code := rec.Type()
	info := event.Lookup(code)
	if info == nil {
		return p
	}
	ts := rec.Ts()
	t.maybePurge(ts)

	switch code {
	case event.UserAddedE, event.UserDeletedE:
		t.parseUserEvt(rec, code == event.UserAddedE)
		return p
	case event.GroupAddedE, event.GroupDeletedE:
		t.parseGroupEvt(rec, code == event.GroupAddedE)
		return p
	case event.ContainerJsonE, event.ContainerJsonE2, event.ContainerE, event.AsynceventE:
		t.parseContainerEvent(rec, code, p)
		return p
	case event.PlugineventE:
		return p
	}
	tid := rec.Tid()
	if info.Flags&event.FlagSkipParseReset != 0 {
		if code == event.ProcinfoE {
			p.Thread = t.threads[tid]
		}
		return p
	}
	if code == event.SchedswitchE6 {
		if th := t.threads[tid]; th != nil {
			p.Thread = th
			t.parseContextSwitch(rec, th)
		}
		return p
	}

	c := evctx{t: t, rec: rec, info: info, code: code, p: p}
	var th *Thread
	if isCloneExit(code) || code == event.ProcexitE || code == event.ProcexitE1 {
		th = t.threads[tid]
	} else {
		th = t.threads[tid]
		if th == nil {
			th = t.lazyThread(tid, ts)
			p.Created = th != nil
		}
	}
	c.th = th
	p.Thread = th
	usesFD := info.Flags&event.FlagUsesFD != 0

	if th != nil {
		th.LastEventTs = ts
		if event.IsEnter(code) {
			th.LastFD = -1
			th.enterType = code
			th.storeEnter(rec, info)
			if usesFD {
				th.LastFD = event.Int(event.PTFD, rec.Param(enterFDIndex(code)))
				p.FD = th.getFD(th.LastFD)
			}
		} else {
			valid := th.enterOK && (code == th.enterType+1 ||
				(code == event.ExecveX19 && th.enterType == event.ExecveatE))
			if valid {
				if err := p.enterRec.Parse(th.enterBuf); err == nil {
					p.Enter = &p.enterRec
					c.enter = p.Enter
				}
			} else {
				th.LastFD = -1
			}
			if usesFD {
				if th.LastFD == -1 {
					if i := exitFDIndex(code); i >= 0 {
						if b := rec.Param(i); len(b) > 0 {
							th.LastFD = event.Int(event.PTFD, b)
						} else if !valid && i >= rec.NParams() && converterDefaultsFD(code) {
							// An old exit whose enter is not in the capture:
							// libscap's converter adds the missing fd
							// parameter with its type's default, 0.
							th.LastFD = 0
						}
					}
				}
				p.FD = th.getFD(th.LastFD)
				if p.FD == nil {
					t.stats.FDLookupsMissing++
				}
			}
		}
	}

	c.dispatch()

	if th = p.Thread; th != nil {
		if info.Flags&(event.FlagUsesFD|event.FlagCreatesFD|event.FlagDestroysFD) != 0 {
			p.FDNum = th.LastFD
		}
		if event.IsExit(code) {
			th.enterOK = false
		}
	}
	if f := p.FD; f != nil {
		p.FDNameChanged = f.Name != f.OldName
	}
	return p
}

// storeEnter keeps a copy of an enter event, re-encoded in the current
// record layout, for the exit that follows.
func (t *Thread) storeEnter(rec *event.Record, info *event.Info) {
	n := rec.NParams()
	lenSize := 2
	if info.Flags&event.FlagLargePayload != 0 {
		lenSize = 4
	}
	size := event.HeaderSize + n*lenSize
	for i := 0; i < n; i++ {
		size += len(rec.Param(i))
	}
	if cap(t.enterBuf) < size {
		t.enterBuf = make([]byte, size, size+64)
	}
	b := t.enterBuf[:size]
	raw := rec.Raw()
	copy(b[0:20], raw[0:20])
	binary.LittleEndian.PutUint32(b[16:], uint32(size))
	binary.LittleEndian.PutUint16(b[20:], rec.Type())
	binary.LittleEndian.PutUint32(b[22:], uint32(n))
	off := event.HeaderSize + n*lenSize
	for i := 0; i < n; i++ {
		pb := rec.Param(i)
		if lenSize == 4 {
			binary.LittleEndian.PutUint32(b[event.HeaderSize+i*4:], uint32(len(pb)))
		} else {
			binary.LittleEndian.PutUint16(b[event.HeaderSize+i*2:], uint16(len(pb)))
		}
		copy(b[off:], pb)
		off += len(pb)
	}
	t.enterBuf = b
	t.enterOK = true
}

func (t *Tables) maybePurge(ts uint64) {
	if t.opts.ThreadTimeoutNs == 0 {
		return
	}
	interval := t.opts.PurgeIntervalNs
	if interval == 0 {
		interval = defaultPurgeIntervalNs
	}
	if t.lastPurgeTs == 0 {
		t.lastPurgeTs = ts
		return
	}
	if ts > t.lastPurgeTs && ts-t.lastPurgeTs >= interval {
		t.lastPurgeTs = ts
		t.Purge(ts)
	}
}

// defaultPurgeIntervalNs is libsinsp's default purge interval (5 min).
const defaultPurgeIntervalNs = 300_000_000_000

// evctx is one event being parsed.
type evctx struct {
	t     *Tables
	rec   *event.Record
	enter *event.Record // the matching enter event (old captures), or nil
	info  *event.Info
	code  uint16
	th    *Thread
	p     *Parsed
}

// raw returns the named parameter: the exit's if it has it non-empty,
// else the matching enter event's.
func (c *evctx) raw(name string) ([]byte, *event.Param, bool) {
	if b, pi, ok := c.rec.ParamByName(name); ok && len(b) > 0 {
		return b, pi, true
	}
	if c.enter != nil {
		if b, pi, ok := c.enter.ParamByName(name); ok && len(b) > 0 {
			return b, pi, true
		}
	}
	return nil, nil, false
}

// has reports whether the named parameter is available.
func (c *evctx) has(name string) bool {
	_, _, ok := c.raw(name)
	return ok
}

// int returns a signed integer parameter (0, false if absent).
func (c *evctx) int(name string) (int64, bool) {
	b, pi, ok := c.raw(name)
	if !ok {
		return 0, false
	}
	switch pi.Type {
	case event.PTUint8, event.PTUint16, event.PTUint32, event.PTUint64, event.PTFlags8, event.PTFlags16,
		event.PTFlags32, event.PTEnumFlags8, event.PTEnumFlags16, event.PTEnumFlags32, event.PTUID,
		event.PTGID, event.PTMode, event.PTAbsTime, event.PTRelTime:
		return int64(event.Uint(pi.Type, b)), true
	}
	return event.Int(pi.Type, b), true
}

// uint returns an unsigned integer parameter (0, false if absent).
func (c *evctx) uint(name string) (uint64, bool) {
	b, pi, ok := c.raw(name)
	if !ok {
		return 0, false
	}
	switch pi.Type {
	case event.PTInt8, event.PTInt16, event.PTInt32, event.PTInt64, event.PTErrno, event.PTFD,
		event.PTPID, event.PTFD32, event.PTPID32:
		return uint64(event.Int(pi.Type, b)), true
	}
	return event.Uint(pi.Type, b), true
}

// str returns a string parameter ("" , false if absent).
func (c *evctx) str(name string) (string, bool) {
	b, _, ok := c.raw(name)
	if !ok {
		return "", false
	}
	return event.CString(b), true
}

// res returns the syscall's return value (parameter "res", or for the
// events that return an fd, "fd").
func (c *evctx) res() int64 {
	if len(c.info.Params) == 0 {
		return 0
	}
	b := c.rec.Param(0)
	return event.Int(c.info.Params[0].Type, b)
}

func isCloneExit(code uint16) bool {
	switch code {
	case event.CloneX11, event.CloneX16, event.CloneX17, event.CloneX20, event.ForkX, event.ForkX17,
		event.ForkX20, event.VforkX, event.VforkX17, event.VforkX20, event.Clone3X:
		return true
	}
	return false
}

func isExecveExit(code uint16) bool {
	switch code {
	case event.ExecveX8, event.ExecveX13, event.ExecveX14, event.ExecveX15, event.ExecveX16,
		event.ExecveX17, event.ExecveX18, event.ExecveX19, event.ExecveatX:
		return true
	}
	return false
}

// enterFDIndex is the position of the fd in enter events that use one.
func enterFDIndex(code uint16) int {
	switch code {
	case event.MmapE, event.Mmap2E:
		return 4
	case event.SpliceE:
		return 1
	}
	return 0
}

// exitFDIndex is the position of the fd in exit events that use one
// (-1 when the exit does not carry it).
func exitFDIndex(code uint16) int {
	switch code {
	case event.SetnsX, event.ListenX, event.ShutdownX, event.FchdirX, event.LseekX, event.LlseekX,
		event.IoctlX3, event.FstatX, event.CloseX, event.GetdentsX, event.Getdents64X, event.FlockX,
		event.CopyFileRangeX, event.FcntlX, event.DupX1, event.Dup2X, event.Dup3X, event.NewfstatatX,
		event.FchownatX, event.FchmodatX, event.MkdiratX, event.UnlinkatX2, event.MknodatX,
		event.SendmmsgX, event.RecvmmsgX, event.IoUringRegisterX, event.IoUringEnterX,
		event.SetsockoptX, event.GetsockoptX, event.FsconfigX, event.FinitModuleX, event.FchmodX,
		event.FchownX:
		return 1
	case event.ReadX, event.PreadX, event.BindX, event.WriteX, event.PwriteX, event.RecvX, event.SendX,
		event.SendtoX, event.SendmsgX, event.SendfileX, event.SpliceX, event.WritevX, event.PwritevX,
		event.ConnectX, event.SymlinkatX:
		return 2
	case event.RecvfromX, event.ReadvX, event.PreadvX:
		return 3
	case event.RecvmsgX:
		return 5
	case event.MmapX, event.Mmap2X:
		return 8
	}
	return -1
}

// converterDefaultsFD reports whether libscap's converter, upgrading an
// old exit of this type that lacks its fd parameter and has no enter event
// to take it from, fills the fd with the default value (0) rather than an
// empty parameter (CIF_FALLBACK_TO_EMPTY, used for fchdir and setns). Old
// event types that the converter renames (C_ACTION_CHANGE_TYPE) are not
// concerned: exitFDIndex only knows current types.
func converterDefaultsFD(code uint16) bool {
	info := event.Lookup(code)
	return info.Flags&event.FlagConverterManaged != 0 && info.Flags&event.FlagOldVersion == 0 &&
		code != event.FchdirX && code != event.SetnsX
}

// dispatch routes the event to its parser.
func (c *evctx) dispatch() {
	code := c.code
	switch {
	case isCloneExit(code):
		c.parseClone()
		return
	case isExecveExit(code):
		c.parseExecve()
		return
	}
	if c.th == nil {
		return
	}
	switch code {
	case event.ProcexitE, event.ProcexitE1:
		c.parseProcexit()
	case event.OpenX, event.CreatX, event.OpenatX, event.OpenatX2, event.Openat2X, event.OpenByHandleAtX:
		c.parseOpen()
	case event.SocketX:
		c.parseSocket()
	case event.SocketpairX:
		c.parseSocketpair()
	case event.BindX:
		c.parseBind()
	case event.ConnectX:
		c.parseConnect()
	case event.AcceptX, event.AcceptX5, event.Accept4X, event.Accept4X5, event.Accept4X6:
		c.parseAccept()
	case event.CloseX:
		c.parseClose()
	case event.CloseRangeX:
		c.parseCloseRange()
	case event.DupX, event.DupX1, event.Dup2X, event.Dup3X:
		c.parseDup()
	case event.FcntlX:
		c.parseFcntl()
	case event.PipeX, event.Pipe2X:
		c.parsePipe()
	case event.EventfdX, event.Eventfd2X:
		c.parseSimpleFD(FDEvent)
	case event.SignalfdX, event.Signalfd4X:
		c.parseSimpleFD(FDSignalfd)
	case event.TimerfdCreateX:
		c.parseSimpleFD(FDTimerfd)
	case event.InotifyInitX, event.InotifyInit1X:
		c.parseSimpleFD(FDInotify)
	case event.BpfX2:
		c.parseSimpleFD(FDBPF)
	case event.UserfaultfdX:
		c.parseSimpleFD(FDUserfaultfd)
	case event.IoUringSetupX:
		c.parseSimpleFD(FDIOUring)
	case event.EpollCreateX, event.EpollCreate1X:
		c.parseSimpleFD(FDEventpoll)
	case event.MemfdCreateX:
		c.parseMemfd()
	case event.PidfdOpenX:
		c.parsePidfdOpen()
	case event.PidfdGetfdX:
		c.parsePidfdGetfd()
	case event.SendtoE:
		if c.p.FD == nil {
			c.inferSendSocket()
		}
	case event.ReadX, event.ReadvX, event.PreadX, event.PreadvX, event.RecvX, event.RecvfromX,
		event.RecvmsgX, event.RecvmmsgX:
		c.parseRW(true)
	case event.WriteX, event.WritevX, event.PwriteX, event.PwritevX, event.SendX, event.SendtoX,
		event.SendmsgX, event.SendmmsgX:
		c.parseRW(false)
	case event.ChdirX:
		c.parseChdir()
	case event.FchdirX:
		c.parseFchdir()
	case event.GetcwdX:
		c.parseGetcwd()
	case event.ChrootX:
		c.parseChroot()
	case event.SetuidX, event.SetresuidX, event.SetreuidX:
		c.parseSetuid()
	case event.SetgidX, event.SetresgidX, event.SetregidX:
		c.parseSetgid()
	case event.SetsidX:
		c.parseSetsid()
	case event.PrctlX:
		c.parsePrctl()
	case event.CapsetX:
		c.parseCapset()
	case event.UnshareX, event.SetnsX:
		c.parseUnshareSetns()
	case event.GetrlimitX, event.SetrlimitX:
		c.parseRlimit()
	case event.PrlimitX:
		c.parsePrlimit()
	case event.BrkX4, event.MmapX, event.Mmap2X, event.MunmapX:
		c.parseVM()
	}
}
