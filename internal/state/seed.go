package state

import "net/netip"

// Seed loads a snapshot (a capture's process, fd, user and group lists, or
// a /proc scan): threads with their fds, then the parent links, thread
// groups and the orientation of snapshot connections, as libsinsp does
// after its initial scan. Threads already in the table with the same tid
// are replaced.
func (t *Tables) Seed(threads []ThreadInfo, users []UserInfo, groups []GroupInfo) {
	added := make([]*Thread, 0, len(threads))
	for i := range threads {
		ti := &threads[i]
		th := t.threadFromInfo(ti)
		if !t.insert(th) {
			continue
		}
		added = append(added, th)
	}
	// Main threads first, so that the other threads find their group and
	// fd table.
	for _, th := range added {
		if th.IsMain() {
			t.linkThread(th)
		}
	}
	for _, th := range added {
		if !th.IsMain() {
			t.linkThread(th)
		}
	}
	for _, th := range added {
		t.orientSnapshotSockets(th)
	}
	for _, u := range users {
		t.users.Add(u)
	}
	for _, g := range groups {
		t.grps.Add(g)
	}
}

// threadFromInfo converts a snapshot thread.
func (t *Tables) threadFromInfo(ti *ThreadInfo) *Thread {
	th := t.newThread(ti.Tid)
	th.Pid, th.PTid, th.Sid = ti.Pid, ti.PTid, ti.Sid
	th.VPgid, th.Pgid = ti.VPgid, ti.Pgid
	th.Comm, th.Exe, th.ExePath = ti.Comm, ti.Exe, ti.ExePath
	th.ExeWritable, th.ExeUpperLayer = ti.ExeWritable, ti.ExeUpperLayer
	th.ExeLowerLayer, th.ExeFromMemfd = ti.ExeLowerLayer, ti.ExeFromMemfd
	th.Args = ti.Args
	if th.IsMain() {
		th.Env = ti.Env
		th.Cwd = withTrailingSlash(joinPath("", ti.Cwd))
	}
	th.Flags |= ti.Flags | Active
	th.FDLimit = ti.FDLimit
	th.UID, th.GID, th.LoginUID = ti.UID, ti.GID, ti.LoginUID
	th.CapPermitted, th.CapEffective, th.CapInheritable = ti.CapPermitted, ti.CapEffective, ti.CapInheritable
	th.ExeIno, th.ExeInoCtime, th.ExeInoMtime = ti.ExeIno, ti.ExeInoCtime, ti.ExeInoMtime
	th.ExeInoCtimeDurationCloneTs = ti.ExeInoCtimeDurationCloneTs
	th.ExeInoCtimeDurationPidnsStart = ti.ExeInoCtimeDurationPidnsStart
	th.VMSizeKB, th.VMRSSKB, th.VMSwapKB = ti.VMSizeKB, ti.VMRSSKB, ti.VMSwapKB
	th.PFMajor, th.PFMinor = ti.PFMajor, ti.PFMinor
	th.VTid, th.VPid = ti.VTid, ti.VPid
	th.PidnsInitStartTs = ti.PidnsInitStartTs
	th.Cgroups = ti.Cgroups
	th.ContainerID = t.containerIDOf(ti.Cgroups)
	th.Root = ti.Root
	th.CloneTs = ti.CloneTs
	th.TTY = ti.TTY
	th.FromSnapshot = true
	if len(ti.FDs) > 0 {
		tab := th.ownFDs()
		for i := range ti.FDs {
			if f := t.fdFromInfo(&ti.FDs[i]); f != nil {
				if len(tab.m) >= t.opts.MaxFDsPerProcess {
					t.stats.FDsDropped++
					continue
				}
				tab.m[f.Num] = f
			}
		}
	}
	return th
}

// fdFromInfo converts a snapshot fd as libsinsp's add_fd_from_scap does.
func (t *Tables) fdFromInfo(fi *FDInfo) *FD {
	f := &FD{Num: fi.FD, Type: fi.Type, Ino: fi.Ino, Flags: FDFromProc}
	u := &f.sock
	switch fi.Type {
	case FDIPv4Sock:
		u.setIP4(v4SIP, a4(fi.SrcAddr))
		u.setIP4(v4DIP, a4(fi.DstAddr))
		u.setU16(v4SPort, fi.SrcPort)
		u.setU16(v4DPort, fi.DstPort)
		u[v4L4] = fi.L4Proto
		if fi.L4Proto == L4TCP {
			f.Flags |= FDSocketConnected
		}
		f.syncSock()
		f.Name = tupleName(f.ClientAddr, f.ClientPort, f.ServerAddr, f.ServerPort)
	case FDIPv4ServSock:
		u.setIP4(v4SrvIP, a4(fi.SrcAddr))
		u.setU16(v4SrvPort, fi.SrcPort)
		u[v4SrvL4] = fi.L4Proto
		t.serverPorts[fi.SrcPort] = struct{}{}
		f.syncSock()
		f.Name = fmtEndpoint(f.ServerAddr, f.ServerPort)
	case FDIPv6Sock:
		if isV4Mapped(a6(fi.SrcAddr)) && isV4Mapped(a6(fi.DstAddr)) {
			f.Type = FDIPv4Sock
			u.setIP4(v4SIP, unmap4(a6(fi.SrcAddr)).As4())
			u.setIP4(v4DIP, unmap4(a6(fi.DstAddr)).As4())
			u.setU16(v4SPort, fi.SrcPort)
			u.setU16(v4DPort, fi.DstPort)
			u[v4L4] = fi.L4Proto
		} else {
			u.setIP6(v6SIP, a6(fi.SrcAddr).As16())
			u.setIP6(v6DIP, a6(fi.DstAddr).As16())
			u.setU16(v6SPort, fi.SrcPort)
			u.setU16(v6DPort, fi.DstPort)
			u[v6L4] = fi.L4Proto
		}
		if fi.L4Proto == L4TCP {
			f.Flags |= FDSocketConnected
		}
		f.syncSock()
		f.Name = tupleName(f.ClientAddr, f.ClientPort, f.ServerAddr, f.ServerPort)
	case FDIPv6ServSock:
		u.setIP6(v6SrvIP, a6(fi.SrcAddr).As16())
		u.setU16(v6SrvPort, fi.SrcPort)
		u[v6SrvL4] = fi.L4Proto
		t.serverPorts[fi.SrcPort] = struct{}{}
		f.syncSock()
		f.Name = fmtEndpoint(f.ServerAddr, f.ServerPort)
	case FDUnixSock:
		u.setU64(unixSrc, fi.UnixSrc)
		u.setU64(unixDst, fi.UnixDst)
		f.syncSock()
		f.Name = fi.Name
		if f.Name == "" {
			f.Flags |= FDRoleClient
		} else {
			f.Flags |= FDRoleServer
		}
	case FDFileV2:
		f.OpenFlags = fi.OpenFlags
		f.Name = fi.Name
		f.Dev = fi.Dev
		f.MountID = fi.MountID
	case FDFifo, FDFile, FDDirectory, FDUnsupported, FDSignalfd, FDEventpoll, FDEvent, FDInotify,
		FDTimerfd, FDNetlink, FDBPF, FDUserfaultfd, FDIOUring, FDMemfd, FDPidfd:
		f.Name = fi.Name
	default:
		return nil
	}
	f.OldName = f.Name
	return f
}

// a4 returns the IPv4 bytes of a (zero for a missing or IPv6 address,
// the embedded address for an IPv4-mapped one).
func a4(a netip.Addr) [4]byte {
	switch {
	case a.Is4():
		return a.As4()
	case a.Is4In6():
		return a.Unmap().As4()
	}
	return [4]byte{}
}

// a6 returns a as a 16-byte address (IPv4 mapped, missing as ::).
func a6(a netip.Addr) netip.Addr {
	if !a.IsValid() {
		return netip.AddrFrom16([16]byte{})
	}
	return netip.AddrFrom16(a.As16())
}

// orientSnapshotSockets decides which end of each snapshot IPv4
// connection is the server: when the local port is a listening port of
// the machine, the tuple is reversed and the fd is the server end.
func (t *Tables) orientSnapshotSockets(th *Thread) {
	if th.fdt == nil {
		return
	}
	for _, f := range th.fdt.m {
		if f.Type != FDIPv4Sock {
			continue
		}
		if _, ok := t.serverPorts[f.sock.u16(v4SPort)]; !ok {
			f.Flags |= FDRoleClient
			continue
		}
		f.swapAddresses()
		f.syncSock()
		f.Name = tupleName(f.ClientAddr, f.ClientPort, f.ServerAddr, f.ServerPort)
		f.OldName = f.Name
		f.Flags |= FDRoleServer
	}
}
