package scap

import (
	"bytes"
	"encoding/binary"
	"io"
	"reflect"
	"testing"

	"github.com/kestrel-project/kestrel/internal/state"
)

// enc builds block bodies for layouts the writer does not produce.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)   { e.b = append(e.b, v) }
func (e *enc) u16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *enc) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *enc) str(s string) { e.u16(uint16(len(s))); e.b = append(e.b, s...) }
func (e *enc) raw(p []byte) { e.b = append(e.b, p...) }

func (e *enc) list(items []string) {
	var p []byte
	for _, s := range items {
		p = append(append(p, s...), 0)
	}
	e.u16(uint16(len(p)))
	e.b = append(e.b, p...)
}

// block frames a body: type, length, body, padding, length.
func block(typ uint32, body []byte) []byte {
	total := uint32(blockOverhead + pad4(len(body)))
	out := binary.LittleEndian.AppendUint32(nil, typ)
	out = binary.LittleEndian.AppendUint32(out, total)
	out = append(out, body...)
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return binary.LittleEndian.AppendUint32(out, total)
}

func shbBlock(minor uint16) []byte {
	var e enc
	e.u32(byteOrderMagic)
	e.u16(1)
	e.u16(minor)
	e.u64(sectionLength)
	return block(BlockSHB, e.b)
}

func capFile(blocks ...[]byte) []byte { return bytes.Join(blocks, nil) }

func mustRead(t *testing.T, data []byte) readResult {
	t.Helper()
	res, err := readBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if res.err != io.EOF {
		t.Fatalf("read: %v", res.err)
	}
	return res
}

var fullThread = state.ThreadInfo{
	Tid: 101, Pid: 100, PTid: 1, Sid: 50, VPgid: 60, Pgid: 70,
	Comm: "worker", Exe: "/bin/worker", ExePath: "/usr/bin/worker",
	ExeWritable: true, ExeUpperLayer: true, ExeLowerLayer: true, ExeFromMemfd: true,
	Args: []string{"-v", "", "x y"}, Env: []string{"A=1", "B=2"}, Cwd: "/srv",
	FDLimit: 4096, Flags: 0x10, UID: 1000, GID: 1001,
	CapPermitted: 0x1ff, CapEffective: 0xff, CapInheritable: 0xf,
	ExeIno: 1234, ExeInoCtime: 5678, ExeInoMtime: 9012,
	VMSizeKB: 1, VMRSSKB: 2, VMSwapKB: 3, PFMajor: 4, PFMinor: 5,
	VTid: 11, VPid: 10, PidnsInitStartTs: 777,
	Cgroups: []state.Cgroup{{Subsys: "cpu", Path: "/a"}, {Subsys: "name", Path: "systemd=/b"}},
	Root:    "/", TTY: 34816, LoginUID: 1000,
}

// encodePL encodes t in process list layout v (1-8), as old writers did.
func encodePL(v int, t state.ThreadInfo) []byte {
	var e enc
	e.u64(uint64(t.Tid))
	e.u64(uint64(t.Pid))
	e.u64(uint64(t.PTid))
	if v >= 6 {
		e.u64(uint64(t.Sid))
	}
	if v >= 8 {
		e.u64(uint64(t.VPgid))
	}
	e.str(t.Comm)
	e.str(t.Exe)
	if v >= 7 {
		e.str(t.ExePath)
	}
	e.list(t.Args)
	e.str(t.Cwd)
	e.u64(uint64(t.FDLimit))
	e.u32(t.Flags)
	e.u32(t.UID)
	e.u32(t.GID)
	if v >= 2 {
		e.u32(t.VMSizeKB)
		e.u32(t.VMRSSKB)
		e.u32(t.VMSwapKB)
		e.u64(t.PFMajor)
		e.u64(t.PFMinor)
		if v >= 3 {
			e.list(t.Env)
		}
		if v >= 4 {
			e.u64(uint64(t.VTid))
			e.u64(uint64(t.VPid))
			e.list(cgroupStrings(t.Cgroups))
			if v >= 5 {
				e.str(t.Root)
			}
		}
	}
	return e.b
}

// expectPL is fullThread as a layout-v reader sees it.
func expectPL(v int) state.ThreadInfo {
	t := fullThread
	t.Pgid, t.LoginUID = -1, ^uint32(0)
	t.ExeWritable, t.ExeUpperLayer, t.ExeLowerLayer, t.ExeFromMemfd = false, false, false, false
	t.CapPermitted, t.CapEffective, t.CapInheritable = 0, 0, 0
	t.ExeIno, t.ExeInoCtime, t.ExeInoMtime, t.PidnsInitStartTs, t.TTY = 0, 0, 0, 0, 0
	if v < 6 {
		t.Sid = -1
	}
	if v < 8 {
		t.VPgid = -1
	}
	if v < 7 {
		t.ExePath = ""
	}
	if v < 2 {
		t.VMSizeKB, t.VMRSSKB, t.VMSwapKB, t.PFMajor, t.PFMinor = 0, 0, 0, 0, 0
	}
	if v < 3 {
		t.Env = nil
	}
	if v < 4 {
		t.VTid, t.VPid, t.Cgroups = -1, -1, nil
	}
	if v < 5 {
		t.Root = ""
	}
	return t
}

func TestProcessListVersions(t *testing.T) {
	types := map[uint32]int{
		BlockPLV1: 1, BlockPLV1Int: 1, BlockPLV2: 2, BlockPLV2Int: 2, BlockPLV3: 3, BlockPLV3Int: 3,
		BlockPLV4: 4, BlockPLV5: 5, BlockPLV6: 6, BlockPLV7: 7, BlockPLV8: 8,
	}
	for bt, v := range types {
		second := fullThread
		second.Tid, second.Comm = 102, "other"
		body := append(encodePL(v, fullThread), encodePL(v, second)...)
		res := mustRead(t, capFile(shbBlock(0), block(bt, body)))
		if len(res.snap.Threads) != 2 {
			t.Fatalf("%s: %d threads", BlockName(bt), len(res.snap.Threads))
		}
		want := expectPL(v)
		if got := res.snap.Threads[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", BlockName(bt), got, want)
		}
		if got := res.snap.Threads[1]; got.Tid != 102 || got.Comm != "other" {
			t.Errorf("%s: second thread %+v", BlockName(bt), got)
		}
	}
}
