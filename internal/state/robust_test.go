package state

import (
	"math/rand"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

// TestRandomEventsDoNotPanic feeds events of every type with random
// (often malformed) parameters and a few threads, checking that the
// parsers never panic and the table stays consistent.
func TestRandomEventsDoNotPanic(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	s := newSim(t, Options{MaxThreads: 32, MaxFDsPerProcess: 16})
	s.seedShell()
	s.tabs.SetInterfaces([]InterfaceInfo{{Name: "eth0", Addr: netipMust("10.0.0.1")}})
	samples := [][]byte{
		nil, {}, {0}, {1, 2}, {2, 10, 0, 0, 1, 80, 0},
		tuple4("10.0.0.1", 1, "10.0.0.2", 2), tuple6("::1", 1, "::ffff:1.2.3.4", 2), tupleUnix(1, 2, "/x"),
		sockaddr4("1.2.3.4", 5), sockaddr6("::", 7), sockaddrUnix("/s"),
		[]byte("name\x00"), []byte("a\x00b\x00"), []byte("cpu=/docker/abc\x00"),
	}
	var b event.Builder
	var rec event.Record
	for i := 0; i < 200000; i++ {
		code := uint16(rng.Intn(int(event.MaxCode)))
		info := event.Lookup(code)
		if info.IsUnused() {
			continue
		}
		n := rng.Intn(len(info.Params) + 1)
		params := make([][]byte, n)
		for k := range params {
			switch rng.Intn(3) {
			case 0:
				params[k] = samples[rng.Intn(len(samples))]
			default:
				v := make([]byte, 8)
				x := rng.Int63n(40) - 5
				for j := 0; j < 8; j++ {
					v[j] = byte(uint64(x) >> (8 * j))
				}
				params[k] = v[:[]int{1, 2, 4, 8}[rng.Intn(4)]]
			}
		}
		tid := int64(rng.Intn(50))
		raw := b.Build(uint64(i), tid, code, params...)
		if err := rec.Parse(raw); err != nil {
			continue
		}
		p := s.tabs.Process(&rec, uint64(i))
		if p.FD != nil && p.Thread == nil {
			t.Fatalf("fd without thread for %s", info.Name)
		}
		if len(s.tabs.threads) > 32 {
			t.Fatalf("table bound broken: %d", len(s.tabs.threads))
		}
	}
	for _, th := range s.tabs.threads {
		if th.removed {
			t.Fatalf("removed thread %d still in the table", th.Tid)
		}
		if tab := th.fdt; tab != nil && tab.Len() > 16 {
			t.Fatalf("fd table of %d has %d entries", th.Tid, tab.Len())
		}
		for a := range th.Ancestors() {
			_ = a.Comm
		}
	}
}
