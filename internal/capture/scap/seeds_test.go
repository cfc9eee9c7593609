package scap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

// fuzzSeeds builds small captures covering every block kind.
func fuzzSeeds(t testing.TB) map[string][]byte {
	var b event.Builder
	le := binary.LittleEndian
	build := func(ts uint64, tid int64, typ uint16, params ...[]byte) []byte {
		return bytes.Clone(b.Build(ts, tid, typ, params...))
	}
	th := fullThread
	th.FDs = []state.FDInfo{
		{FD: 0, Type: state.FDFileV2, Name: "/dev/null", OpenFlags: 2, Dev: 5},
		{FD: 3, Type: state.FDIPv4Sock, SrcAddr: netip.MustParseAddr("10.0.0.1"), DstAddr: netip.MustParseAddr("10.0.0.2"), SrcPort: 1, DstPort: 2, L4Proto: state.L4TCP},
		{FD: 4, Type: state.FDIPv6ServSock, SrcAddr: netip.MustParseAddr("::"), SrcPort: 22, L4Proto: state.L4TCP},
		{FD: 5, Type: state.FDUnixSock, UnixSrc: 1, UnixDst: 2, Name: "/run/s"},
	}
	events := [][]byte{
		build(1, 101, event.OpenE, []byte("/etc/passwd\x00"), le.AppendUint32(nil, 0), le.AppendUint32(nil, 0)),
		build(2, 101, event.CloseX, le.AppendUint64(nil, 0), le.AppendUint64(nil, 3)),
		build(3, 101, event.PlugineventE, le.AppendUint32(nil, 7), []byte("payload")),
	}
	write := func(opts WriterOptions) []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf, opts)
		w.WriteMachine(state.MachineInfo{NumCPUs: 2, MemorySizeBytes: 1 << 30, Hostname: "h"})
		w.WriteInterfaces([]state.InterfaceInfo{{Name: "lo", Addr: netip.MustParseAddr("127.0.0.1"), Netmask: netip.MustParseAddr("255.0.0.0")}, {Name: "lo", Addr: netip.MustParseAddr("::1")}})
		w.WriteUsers([]state.UserInfo{{Name: "root", HomeDir: "/root", Shell: "/bin/sh"}}, []state.GroupInfo{{Name: "root"}})
		w.WriteThreads([]state.ThreadInfo{th})
		for i, e := range events {
			if err := w.WriteEvent(e, uint16(i), uint32(i%2)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	current := write(WriterOptions{})

	var fdl enc
	fdl.u64(101)
	fdl.u64(0)
	fdl.u64(6)
	fdl.u8(uint8(state.FDFile))
	fdl.str("/dev/null")
	var ul enc
	ul.u8(userEntry)
	ul.u32(0)
	ul.u32(0)
	ul.str("root")
	ul.str("/root")
	ul.str("/bin/sh")
	var il enc
	il.u16(ifIPv4NoLinkSpeed)
	il.u16(2)
	il.raw([]byte{127, 0, 0, 1, 255, 0, 0, 0, 127, 0, 0, 1})
	il.raw([]byte("lo"))
	flags := uint32(FlagStateOnly)
	old := capFile(shbBlock(0),
		block(BlockIL, il.b), block(BlockUL, ul.b),
		block(BlockPLV5, encodePL(5, fullThread)), block(BlockFDL, fdl.b),
		block(BlockEV, evBody(0, nil, v1Record(1, 101, event.CloseX, le.AppendUint64(nil, 0)))),
		block(BlockEVF, evBody(1, &flags, v1Record(2, 101, event.OpenE))),
	)
	return map[string][]byte{
		"minimal":   capFile(shbBlock(2), block(BlockEVV2, evBody(0, nil, events[1]))),
		"current":   current,
		"gzip":      write(WriterOptions{Gzip: true}),
		"legacy":    write(WriterOptions{LegacyLayout: true}),
		"v1":        old,
		"truncated": current[:len(current)-10],
		"v9tail":    capFile(shbBlock(2), block(BlockPLV9, encodeV9(fullThread, true, 5, 0))),
	}
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzReader when
// KESTREL_WRITE_FUZZ_SEEDS is set; otherwise it checks the committed seeds
// are current.
func TestWriteFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	for name, data := range fuzzSeeds(t) {
		path := filepath.Join(dir, name)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if os.Getenv("KESTREL_WRITE_FUZZ_SEEDS") != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("seed %s: %v (regenerate with KESTREL_WRITE_FUZZ_SEEDS=1)", name, err)
		}
		if name != "gzip" && string(got) != content {
			t.Errorf("seed %s is stale (regenerate with KESTREL_WRITE_FUZZ_SEEDS=1)", name)
		}
	}
}
