package state

import (
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
)

// benchEvents builds a small steady-state workload: reads and writes on
// an open file and a connected socket, exit-only and old enter/exit.
func benchEvents(b testing.TB) (*Tables, []event.Record) {
	s := newSim(b, Options{})
	s.seedShell()
	s.ev(event.OpenX, 100, int64(3), "/var/log/x", uint32(0), uint32(0), uint32(0), uint64(0))
	s.ev(event.SocketX, 100, int64(4), uint32(2), uint32(1), uint32(0), uint32(0))
	s.ev(event.ConnectX, 100, int64(0), tuple4("10.0.0.1", 4000, "1.2.3.4", 80), int64(4), sockaddr4("1.2.3.4", 80))
	var bld event.Builder
	mk := func(code uint16, params ...[]byte) event.Record {
		raw := append([]byte(nil), bld.Build(1, 100, code, params...)...)
		var r event.Record
		if err := r.Parse(raw); err != nil {
			b.Fatal(err)
		}
		return r
	}
	i64 := func(v int64) []byte { return enc(b, event.PTInt64, v) }
	u32 := func(v uint32) []byte { return enc(b, event.PTUint32, v) }
	recs := []event.Record{
		mk(event.ReadX, i64(10), []byte("0123456789"), i64(3), u32(10)),
		mk(event.WriteX, i64(10), []byte("0123456789"), i64(4), u32(10)),
		mk(event.ReadE, i64(3), u32(10)),
		mk(event.ReadX, i64(10), []byte("0123456789")),
		mk(event.SendtoX, i64(10), []byte("0123456789"), i64(4), u32(10), tuple4("10.0.0.1", 4000, "1.2.3.4", 80)),
		mk(event.FutexX, i64(0)),
	}
	return s.tabs, recs
}

func BenchmarkProcess(b *testing.B) {
	tabs, recs := benchEvents(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &recs[i%len(recs)]
		tabs.Process(r, uint64(i))
	}
}

func TestProcessSteadyStateAllocs(t *testing.T) {
	tabs, recs := benchEvents(t)
	for i := range recs {
		tabs.Process(&recs[i], 0)
	}
	n := testing.AllocsPerRun(200, func() {
		for i := range recs {
			tabs.Process(&recs[i], 0)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per round of %d events", n, len(recs))
	}
}
