package inspect

import (
	"testing"
	"time"

	"github.com/kestrel-project/kestrel/internal/event"
)

func TestGenEventTimes(t *testing.T) {
	saved := time.Local
	defer func() { time.Local = saved }()
	time.Local = time.UTC

	h := newEvtHarness(t)
	const ts = 1690557262753887343 // 2023-07-28 15:14:22.753887343 UTC
	first := h.nextAt(ts-2_000_000_005, evtTid, event.ReadE, pI64(4), pU32(1))
	h.expect(first, map[string]string{"evt.num": "1", "evt.reltime": "000000000"})
	e := h.nextAt(ts, evtTid, event.ReadE, pI64(4), pU32(1))
	h.expect(e, map[string]string{
		"evt.num":          "2",
		"evt.time":         "15:14:22.753887343",
		"evt.time.s":       "15:14:22",
		"evt.time.iso8601": "2023-07-28T15:14:22.753887343+0000",
		"evt.datetime":     "2023-07-28 15:14:22.753887343",
		"evt.datetime.s":   "2023-07-28 15:14:22",
		"evt.outputtime":   "15:14:22.753887343",
		"evt.rawtime":      "1690557262753887343",
		"evt.rawtime.s":    "1690557262",
		"evt.rawtime.ns":   "753887343",
		"evt.reltime":      "2000000005",
		"evt.reltime.s":    "2",
		"evt.reltime.ns":   "000000005",
	})
	// The string time fields are the timestamp in JSON; the padded ones
	// numbers.
	for name, want := range map[string]any{
		"evt.time": uint64(ts), "evt.datetime": uint64(ts), "evt.time.iso8601": uint64(ts),
		"evt.reltime.ns": uint64(5), "evt.rawtime": uint64(ts), "evt.num": uint64(2),
	} {
		if got := h.json(e, name); got != want {
			t.Errorf("JSON %s: %#v, want %#v", name, got, want)
		}
	}

	// Local time: the offset of the zone now (libsinsp's gmt2local(0)).
	time.Local = time.FixedZone("IST", 5*3600+30*60)
	h.expect(e, map[string]string{
		"evt.time":         "20:44:22.753887343",
		"evt.datetime.s":   "2023-07-28 20:44:22",
		"evt.time.iso8601": "2023-07-28T15:14:22.753887343+0000",
	})
	time.Local = time.FixedZone("late", -10*3600)
	h.expect(e, map[string]string{"evt.datetime": "2023-07-28 05:14:22.753887343"})

	e = h.nextAt(1_000_000_005, evtTid, event.ReadE, pI64(4), pU32(1))
	h.expect(e, map[string]string{"evt.rawtime.ns": "000000005", "evt.rawtime.s": "1"})
}

func TestGenEventSource(t *testing.T) {
	h := newEvtHarness(t)
	e := h.next(event.ReadE, pI64(4), pU32(1))
	h.expect(e, map[string]string{
		"evt.source": "syscall", "evt.is_async": "false", "evt.asynctype": "<NA>",
		"evt.pluginname": "<NA>", "evt.plugininfo": "<NA>", "evt.hostname": "kestrel-host",
	})
	e = h.next(event.ContainerJsonE, pStr(`{"container":{}}`))
	h.expect(e, map[string]string{"evt.is_async": "true", "evt.asynctype": "container", "evt.source": "syscall"})
	e = h.next(event.AsynceventE, pU32(0), pStr("mymeta"), []byte("x"))
	h.expect(e, map[string]string{"evt.is_async": "true", "evt.asynctype": "mymeta", "evt.type": "mymeta", "evt.source": "syscall"})
	// An async event of a plugin this inspector does not know has no source.
	e = h.next(event.AsynceventE, pU32(7), pStr("other"), []byte("x"))
	h.expect(e, map[string]string{"evt.source": "<NA>", "evt.asynctype": "other"})
}
