package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Outputs are the settings of alert forms and writing (falco.yaml names).
type Outputs struct {
	JSON                bool // json_output
	IncludeOutput       bool // json_include_output_property
	IncludeOutputFields bool // json_include_output_fields_property
	IncludeTags         bool // json_include_tags_property
	IncludeMessage      bool // json_include_message_property
	TimeFormatISO8601   bool // time_format_iso_8601
	Buffered            bool // buffered_outputs
	// SuggestedOutput is append_output's suggested_output (default on).
	SuggestedOutput bool
	// Append are append_output's other entries: text and fields added
	// to the outputs of the rules they match.
	Append []AppendOutput
}

// AppendOutput is one append_output entry: for rules matching source,
// rule name and tags (all given ones), extra_output is appended to the
// output text and extra_fields (key: format) to the JSON output fields.
type AppendOutput struct {
	Source      string
	Rule        string
	Tags        []string
	ExtraOutput string
	ExtraFields map[string]string
}

// Source selects where events come from (engine.kind and its block).
type Source struct {
	Kind        string // modern_ebpf (default), replay, nodriver
	CaptureFile string // engine.replay.capture_file
}

// Drops is syscall_event_drops.
type Drops struct {
	Threshold     float64
	Actions       []string
	Rate          float64
	MaxBurst      float64
	SimulateDrops bool
}

// BaseSyscalls is base_syscalls.
type BaseSyscalls struct {
	CustomSet []string
	Repair    bool
	All       bool
}

func (t *Tree) boolAt(key string, def bool) (bool, error) {
	n := t.Get(key)
	if n == nil {
		return def, nil
	}
	b, err := boolValue(n)
	if err != nil {
		return false, fmt.Errorf("%s: %v", key, err)
	}
	return b, nil
}

func (t *Tree) floatAt(key string, def float64) (float64, error) {
	n := t.Get(key)
	if n == nil {
		return def, nil
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: '%s' is not a number", key, n.Value)
	}
	return f, nil
}

// OutputSettings decodes the alert-form settings, with falco.yaml's
// defaults.
func (t *Tree) OutputSettings() (Outputs, error) {
	o := Outputs{IncludeOutput: true, IncludeOutputFields: true, IncludeTags: true, SuggestedOutput: true}
	var err error
	for _, f := range []struct {
		key string
		dst *bool
	}{
		{"json_output", &o.JSON},
		{"json_include_output_property", &o.IncludeOutput},
		{"json_include_output_fields_property", &o.IncludeOutputFields},
		{"json_include_tags_property", &o.IncludeTags},
		{"json_include_message_property", &o.IncludeMessage},
		{"time_format_iso_8601", &o.TimeFormatISO8601},
		{"buffered_outputs", &o.Buffered},
	} {
		if *f.dst, err = t.boolAt(f.key, *f.dst); err != nil {
			return o, err
		}
	}
	if n := t.Get("append_output"); n != nil {
		o.SuggestedOutput = false
		for i, item := range n.Content {
			if s := mapChild(item, "suggested_output"); s != nil {
				b, err := boolValue(s)
				if err != nil {
					return o, fmt.Errorf("append_output: suggested_output: %v", err)
				}
				o.SuggestedOutput = o.SuggestedOutput || b
			}
			a, ok, err := appendEntry(item)
			if err != nil {
				return o, fmt.Errorf("append_output[%d] (line %d): %v", i, item.Line, err)
			}
			if ok {
				o.Append = append(o.Append, a)
			}
		}
	}
	return o, nil
}

// SourceSettings decodes engine.kind and its settings.
func (t *Tree) SourceSettings() (Source, error) {
	s := Source{Kind: "modern_ebpf"}
	if n := t.Get("engine.kind"); n != nil {
		s.Kind = n.Value
	}
	switch s.Kind {
	case "modern_ebpf", "replay", "nodriver":
	case "kmod", "ebpf", "gvisor":
		return s, fmt.Errorf("engine.kind '%s' is not supported by Kestrel: use modern_ebpf (the default) or replay", s.Kind)
	default:
		return s, fmt.Errorf("engine.kind '%s' is not a valid kind", s.Kind)
	}
	if n := t.Get("engine.replay.capture_file"); n != nil {
		s.CaptureFile = n.Value
	}
	if s.Kind == "replay" && s.CaptureFile == "" {
		return s, fmt.Errorf("engine.kind is 'replay' but no engine.replay.capture_file specified")
	}
	return s, nil
}

// DropSettings decodes syscall_event_drops with Falco's defaults and
// checks.
func (t *Tree) DropSettings() (Drops, error) {
	d := Drops{Threshold: .1, Actions: []string{"log", "alert"}, Rate: .03333, MaxBurst: 1}
	var err error
	if d.Threshold, err = t.floatAt("syscall_event_drops.threshold", d.Threshold); err != nil {
		return d, err
	}
	if d.Threshold < 0 || d.Threshold > 1 {
		return d, fmt.Errorf("syscall event drops threshold must be a double in the range [0, 1]")
	}
	if d.Rate, err = t.floatAt("syscall_event_drops.rate", d.Rate); err != nil {
		return d, err
	}
	if d.MaxBurst, err = t.floatAt("syscall_event_drops.max_burst", d.MaxBurst); err != nil {
		return d, err
	}
	if d.SimulateDrops, err = t.boolAt("syscall_event_drops.simulate_drops", false); err != nil {
		return d, err
	}
	if n := t.Get("syscall_event_drops.actions"); n != nil {
		actions, err := stringList(n)
		if err != nil {
			return d, fmt.Errorf("syscall_event_drops.actions: %v", err)
		}
		ignore := false
		for _, a := range actions {
			switch strings.ToLower(a) {
			case "ignore":
				ignore = true
			case "log", "alert":
				if ignore {
					return d, fmt.Errorf("syscall event drop action \"%s\" does not make sense with the \"ignore\" action", a)
				}
			case "exit":
			default:
				return d, fmt.Errorf("available actions for syscall event drops are \"ignore\", \"log\", \"alert\", and \"exit\"")
			}
		}
		d.Actions = actions
	}
	return d, nil
}

// BaseSyscallsSettings decodes base_syscalls.
func (t *Tree) BaseSyscallsSettings() (BaseSyscalls, error) {
	var b BaseSyscalls
	var err error
	if n := t.Get("base_syscalls.custom_set"); n != nil {
		if b.CustomSet, err = stringList(n); err != nil {
			return b, fmt.Errorf("base_syscalls.custom_set: %v", err)
		}
	}
	if b.Repair, err = t.boolAt("base_syscalls.repair", false); err != nil {
		return b, err
	}
	if b.All, err = t.boolAt("base_syscalls.all", false); err != nil {
		return b, err
	}
	return b, nil
}

// Webserver is the webserver section, with metrics.enabled, which the
// /metrics endpoint also needs.
type Webserver struct {
	Enabled           bool   // webserver.enabled (default true)
	ListenAddress     string // webserver.listen_address (default 0.0.0.0)
	ListenPort        int    // webserver.listen_port (default 8765)
	HealthzEndpoint   string // webserver.k8s_healthz_endpoint (default /healthz)
	PrometheusMetrics bool   // webserver.prometheus_metrics_enabled (default false)
	MetricsEnabled    bool   // metrics.enabled (default false)
}

func (t *Tree) stringAt(key, def string) string {
	if n := t.Get(key); n != nil && n.Value != "" {
		return n.Value
	}
	return def
}

// WebserverSettings decodes webserver and metrics.enabled.
func (t *Tree) WebserverSettings() (Webserver, error) {
	w := Webserver{
		ListenAddress:   t.stringAt("webserver.listen_address", "0.0.0.0"),
		HealthzEndpoint: t.stringAt("webserver.k8s_healthz_endpoint", "/healthz"),
		ListenPort:      8765,
	}
	var err error
	if w.Enabled, err = t.boolAt("webserver.enabled", true); err != nil {
		return w, err
	}
	if w.PrometheusMetrics, err = t.boolAt("webserver.prometheus_metrics_enabled", false); err != nil {
		return w, err
	}
	if w.MetricsEnabled, err = t.boolAt("metrics.enabled", false); err != nil {
		return w, err
	}
	if n := t.Get("webserver.listen_port"); n != nil {
		p, perr := strconv.Atoi(n.Value)
		if perr != nil || p < 0 || p > 65535 {
			return w, fmt.Errorf("webserver.listen_port: %q is not a port number", n.Value)
		}
		w.ListenPort = p
	}
	return w, nil
}

// WatchConfigFiles is watch_config_files (default true): reload when the
// configuration or rules files change.
func (t *Tree) WatchConfigFiles() (bool, error) { return t.boolAt("watch_config_files", true) }

// appendEntry decodes the match/extra_output/extra_fields part of an
// append_output entry; ok is false for entries without extras.
func appendEntry(item *yaml.Node) (AppendOutput, bool, error) {
	var a AppendOutput
	if item.Kind != yaml.MappingNode {
		return a, false, fmt.Errorf("expected a mapping")
	}
	if m := mapChild(item, "match"); m != nil {
		if v := mapChild(m, "source"); v != nil {
			a.Source = v.Value
		}
		if v := mapChild(m, "rule"); v != nil {
			a.Rule = v.Value
		}
		if v := mapChild(m, "tags"); v != nil {
			tags, err := stringList(v)
			if err != nil {
				return a, false, fmt.Errorf("match.tags: %v", err)
			}
			a.Tags = tags
		}
	}
	if v := mapChild(item, "extra_output"); v != nil {
		a.ExtraOutput = v.Value
	}
	if v := mapChild(item, "extra_fields"); v != nil {
		if v.Kind != yaml.SequenceNode {
			return a, false, fmt.Errorf("extra_fields: expected a list of field names or name: format entries")
		}
		a.ExtraFields = map[string]string{}
		for _, f := range v.Content {
			switch f.Kind {
			case yaml.ScalarNode:
				a.ExtraFields[f.Value] = "%" + f.Value
			case yaml.MappingNode:
				for j := 0; j+1 < len(f.Content); j += 2 {
					a.ExtraFields[f.Content[j].Value] = f.Content[j+1].Value
				}
			default:
				return a, false, fmt.Errorf("extra_fields: expected a list of field names or name: format entries")
			}
		}
	}
	return a, a.ExtraOutput != "" || len(a.ExtraFields) > 0, nil
}

// StaticFields is static_fields: constant fields rules can use as
// static.NAME (values may use ${ENV}, expanded when the file is read).
func (t *Tree) StaticFields() (map[string]string, error) {
	n := t.Get("static_fields")
	if n == nil || n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("static_fields (line %d): expected name: value entries", n.Line)
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("static_fields.%s (line %d): expected a string", k.Value, v.Line)
		}
		out[k.Value] = v.Value
	}
	return out, nil
}
