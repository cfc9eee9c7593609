package inspect

// Extractors of the generic event class (libsinsp's
// sinsp_filter_check_gen_event, sinsp_filtercheck_gen_event.cpp): the
// event number, its timestamps, source, asynchronous kind and host name.

import (
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
)

func init() {
	register(map[string]evtBinder{
		"evt.num": evtFixed(func(x engine.Event, v *engine.Value) bool {
			return evtUint(v, ev(x).Num)
		}),
		// The string time fields are numbers (the timestamp) in JSON
		// output (extract_as_js).
		"evt.time": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			v.Uint = e.Ts()
			return evtStr(v, evtTsText(e.Ts(), false, true))
		}, nil, evtUintJSON),
		"evt.time.s": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			v.Uint = e.Ts()
			return evtStr(v, evtTsText(e.Ts(), false, false))
		}, nil, evtUintJSON),
		"evt.time.iso8601": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			v.Uint = e.Ts()
			return evtStr(v, evtISO8601(e.Ts()))
		}, nil, evtUintJSON),
		"evt.datetime": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			v.Uint = e.Ts()
			return evtStr(v, evtTsText(e.Ts(), true, true))
		}, nil, evtUintJSON),
		"evt.datetime.s": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			v.Uint = e.Ts()
			return evtStr(v, evtTsText(e.Ts(), true, false))
		}, nil, evtUintJSON),
		"evt.rawtime": evtFixed(func(x engine.Event, v *engine.Value) bool {
			return evtUint(v, ev(x).Ts())
		}),
		"evt.rawtime.s": evtFixed(func(x engine.Event, v *engine.Value) bool {
			return evtUint(v, ev(x).Ts()/1e9)
		}),
		"evt.rawtime.ns": evtWithText(func(x engine.Event, v *engine.Value) bool {
			return evtUint(v, ev(x).Ts()%1e9)
		}, evtPadded, evtUintJSON),
		// Relative to the first event (libsinsp's m_firstevent_ts), in
		// uint64 arithmetic as libsinsp does.
		"evt.reltime": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			return evtUint(v, e.Ts()-e.firstEventTs())
		}, evtPadded, evtUintJSON),
		"evt.reltime.s": evtFixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			return evtUint(v, (e.Ts()-e.firstEventTs())/1e9)
		}),
		"evt.reltime.ns": evtWithText(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			return evtUint(v, (e.Ts()-e.firstEventTs())%1e9)
		}, evtPadded, evtUintJSON),
		// Syscall events come from no plugin.
		"evt.pluginname": evtFixed(evtNever),
		"evt.plugininfo": evtFixed(evtNever),
		"evt.source":     evtFixed(evtExtractSource),
		"evt.is_async": evtFixed(func(x engine.Event, v *engine.Value) bool {
			info := ev(x).Rec.Info()
			return evtBool(v, info != nil && info.Category&event.CategoryMetaEvent != 0)
		}),
		"evt.asynctype": evtFixed(evtExtractAsyncType),
		"evt.hostname": evtFixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			if e.in == nil {
				return false
			}
			return evtStr(v, e.in.Hostname)
		}),
	})
}

// evtNever is the extractor of fields that never have a value here.
func evtNever(engine.Event, *engine.Value) bool { return false }

// firstEventTs is the timestamp of the first event of the stream
// (libsinsp's m_firstevent_ts, which is that of the first event that is not
// a meta event).
func (e *Event) firstEventTs() uint64 {
	if e.in == nil {
		return e.Ts()
	}
	return e.in.firstTs
}

// evtExtractSource is evt.source: "syscall" for every event but plugin and
// async events that name a plugin (a non-zero plugin id), whose source
// this inspector does not know (libsinsp's sinsp_no_event_source_name,
// which the field reports as missing).
func evtExtractSource(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	switch e.Type() {
	case event.PlugineventE, event.AsynceventE:
		if event.U32(e.Rec.Param(0)) != 0 {
			return false
		}
	}
	return evtStr(v, "syscall")
}

// evtExtractAsyncType is evt.asynctype: for meta events, the name of the
// event, or for async events the name they carry.
func evtExtractAsyncType(x engine.Event, v *engine.Value) bool {
	e := ev(x)
	info := e.Rec.Info()
	if info == nil || info.Category&event.CategoryMetaEvent == 0 {
		return false
	}
	if info.Code != event.AsynceventE {
		return evtStr(v, info.Name)
	}
	return evtStr(v, event.StringParam(e.Rec.Param(1)))
}
