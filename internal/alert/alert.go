package alert

import (
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/priority"
)

// Alert is one rule match, ready to be written in Falco's forms.
type Alert struct {
	// Ts is the event's timestamp, in nanoseconds since the epoch.
	Ts       uint64
	Rule     string
	Priority priority.Priority
	Source   string
	Tags     []string
	Hostname string
	// Output is the full text line: time, priority and message.
	Output string
	// Message is the rule's formatted output alone.
	Message string
	// Fields are the output fields, sorted by key, with typed values
	// (string, int64, uint64, float64, bool, []any or nil for missing).
	Fields []Field
}

// Field is one entry of an alert's output_fields.
type Field struct {
	Key   string
	Value any
}

// Options are the knobs of Falco's alert forms (falco.yaml names).
type Options struct {
	TimeFormatISO8601   bool // time_format_iso_8601
	IncludeOutput       bool // json_include_output_property
	IncludeOutputFields bool // json_include_output_fields_property
	IncludeTags         bool // json_include_tags_property
	IncludeMessage      bool // json_include_message_property
	Hostname            string
}

// DefaultOptions are Falco's defaults, with the hostname resolved.
func DefaultOptions() Options {
	return Options{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, Hostname: Hostname()}
}

// Hostname is the name alerts carry: FALCO_HOSTNAME or KESTREL_HOSTNAME
// from the environment (so a DaemonSet can use the node name), else the
// machine's.
func Hostname() string {
	for _, k := range []string{"FALCO_HOSTNAME", "KESTREL_HOSTNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	h, _ := os.Hostname()
	return h
}

// New builds the alert for a rule that matched the frame's event.
func New(r *engine.Rule, f *engine.Frame, ts uint64, opts Options) *Alert {
	a := &Alert{Ts: ts, Rule: r.Name, Priority: r.Priority, Source: r.Source, Tags: r.Tags, Hostname: opts.Hostname}
	msg := make([]byte, 0, 256)
	if r.Output != nil {
		for i := range r.Output.Tokens {
			msg = append(msg, r.Output.Tokens[i].Render(f)...)
		}
	}
	a.Message = string(msg)
	prefix := TimeOfDay(ts)
	if opts.TimeFormatISO8601 {
		prefix = ISO8601(ts)
	}
	a.Output = prefix + ": " + r.Priority.String() + " " + a.Message
	if opts.IncludeOutputFields && r.Output != nil {
		seen := map[string]bool{}
		for i := range r.Output.Fields {
			ff := &r.Output.Fields[i]
			if ff.Transformed || seen[ff.Key] {
				continue
			}
			seen[ff.Key] = true
			a.Fields = append(a.Fields, Field{Key: ff.Key, Value: ff.JSON(f)})
		}
		for key, ef := range r.ExtraFields {
			if seen[key] {
				continue
			}
			seen[key] = true
			var b []byte
			for i := range ef.Tokens {
				b = append(b, ef.Tokens[i].Render(f)...)
			}
			a.Fields = append(a.Fields, Field{Key: key, Value: string(b)})
		}
		// The time prefix's field, as Falco adds it.
		if opts.TimeFormatISO8601 {
			a.Fields = append(a.Fields, Field{Key: "evt.time.iso8601", Value: ts})
		} else {
			a.Fields = append(a.Fields, Field{Key: "evt.time", Value: ts})
		}
		sort.Slice(a.Fields, func(i, j int) bool { return a.Fields[i].Key < a.Fields[j].Key })
	}
	return a
}

// TimeOfDay renders a timestamp as libsinsp's %evt.time does: local time
// of day with nanoseconds.
func TimeOfDay(ts uint64) string {
	t := time.Unix(0, int64(ts)).Local()
	return t.Format("15:04:05") + "." + pad9(ts%1e9)
}

// ISO8601 renders a timestamp as %evt.time.iso8601 does: UTC with
// nanoseconds and a +0000 offset.
func ISO8601(ts uint64) string {
	t := time.Unix(0, int64(ts)).UTC()
	return t.Format("2006-01-02T15:04:05") + "." + pad9(ts%1e9) + "+0000"
}

// RFC3339 renders the JSON "time" key: UTC with nanoseconds and Z.
func RFC3339(ts uint64) string {
	t := time.Unix(0, int64(ts)).UTC()
	return t.Format("2006-01-02T15:04:05") + "." + pad9(ts%1e9) + "Z"
}

func pad9(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for len(s) < 9 {
		s = "0" + s
	}
	return s
}
