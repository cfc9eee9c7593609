package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
	"github.com/kestrel-project/kestrel/internal/rules/load"
)

// describeRules prints loaded rules as falco -L / -l does.
func describeRules(w io.Writer, loader *load.Loader, only string, jsonOut bool) error {
	rules := loader.Rules()
	if only != "" {
		var found []*load.Rule
		for _, r := range rules {
			if r.Name == only {
				found = append(found, r)
			}
		}
		if len(found) == 0 {
			return &exitError{code: 1, msg: fmt.Sprintf("Rule %q is not loaded", only)}
		}
		rules = found
	}
	if jsonOut {
		return writeJSON(w, describeJSON(loader, rules, only == ""), false)
	}
	fmt.Fprintf(w, "%-50s %s\n", "Rule", "Description")
	fmt.Fprintf(w, "%-50s %s\n", "----", "-----------")
	for _, r := range rules {
		fmt.Fprintf(w, "%-50s %s\n\n", r.Name, wrapText(r.Desc, 51, 110))
	}
	return nil
}

// wrapText lays out words from column indent up to width, continuing
// lines with indent spaces.
func wrapText(s string, indent, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		if n > 0 && n+len(word)+1 > width-indent {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			n = 0
		}
		b.WriteString(word + " ")
		n += len(word) + 1
	}
	return b.String()
}

type ruleInfoJSON struct {
	Capture         bool     `json:"capture"`
	CaptureDuration uint64   `json:"capture_duration"`
	Condition       string   `json:"condition"`
	Description     string   `json:"description"`
	Enabled         bool     `json:"enabled"`
	Name            string   `json:"name"`
	Output          string   `json:"output"`
	Priority        string   `json:"priority"`
	Source          string   `json:"source"`
	Tags            []string `json:"tags"`
}

type ruleDetailsJSON struct {
	ConditionCompiled  string   `json:"condition_compiled"`
	ConditionFields    []string `json:"condition_fields"`
	ConditionOperators []string `json:"condition_operators"`
	Events             []string `json:"events"`
	OutputFields       []string `json:"output_fields"`
}

type ruleJSON struct {
	Details ruleDetailsJSON `json:"details"`
	Info    ruleInfoJSON    `json:"info"`
}

type macroJSON struct {
	Details struct {
		ConditionCompiled string `json:"condition_compiled"`
		Used              bool   `json:"used"`
	} `json:"details"`
	Info struct {
		Condition string `json:"condition"`
		Name      string `json:"name"`
	} `json:"info"`
}

type listJSON struct {
	Details struct {
		Used bool `json:"used"`
	} `json:"details"`
	Info struct {
		Items []string `json:"items"`
		Name  string   `json:"name"`
	} `json:"info"`
}

func describeJSON(loader *load.Loader, rules []*load.Rule, all bool) any {
	out := struct {
		Lists                 []listJSON  `json:"lists,omitempty"`
		Macros                []macroJSON `json:"macros,omitempty"`
		RequiredEngineVersion string      `json:"required_engine_version,omitempty"`
		Rules                 []ruleJSON  `json:"rules"`
	}{Rules: []ruleJSON{}}
	for _, r := range rules {
		rj := ruleJSON{Info: ruleInfoJSON{
			Capture: r.Capture, CaptureDuration: r.CaptureDur, Condition: r.RawCondition,
			Description: r.Desc, Enabled: r.Enabled, Name: r.Name, Output: r.OutputText,
			Priority: r.Priority.String(), Source: r.Source, Tags: append([]string{}, r.Tags...),
		}}
		rj.Details.ConditionCompiled = lang.String(r.Condition)
		rj.Details.ConditionFields, rj.Details.ConditionOperators = fieldsAndOps(r.Condition)
		rj.Details.Events = eventNames(r.Codes, r.Source == fields.SyscallSource)
		rj.Details.OutputFields = outputFields(r.Output)
		out.Rules = append(out.Rules, rj)
	}
	if all {
		out.RequiredEngineVersion = loader.RequiredEngineVersion()
		for _, m := range loader.Macros() {
			var mj macroJSON
			mj.Info.Name, mj.Info.Condition = m.Name, m.Condition
			mj.Details.ConditionCompiled, mj.Details.Used = m.Condition, m.Used
			out.Macros = append(out.Macros, mj)
		}
		for _, l := range loader.Lists() {
			var lj listJSON
			lj.Info.Name, lj.Info.Items = l.Name, append([]string{}, l.Items...)
			lj.Details.Used = l.Used
			out.Lists = append(out.Lists, lj)
		}
	}
	return out
}

func fieldsAndOps(e lang.Expr) ([]string, []string) {
	fset, oset := map[string]bool{}, map[string]bool{}
	lang.Walk(e, func(n lang.Expr) bool {
		switch c := n.(type) {
		case *lang.Field:
			name := c.Name
			if c.HasArg {
				name += "[" + c.Arg + "]"
			}
			fset[name] = true
		case *lang.BinaryCheck:
			oset[c.Op] = true
		case *lang.UnaryCheck:
			oset[c.Op] = true
		}
		return true
	})
	return sortedKeys(fset), sortedKeys(oset)
}

// eventNames names the event codes a rule listens to; syscall rules also
// listen to the async event, which Falco lists.
func eventNames(codes engine.CodeSet, async bool) []string {
	set := map[string]bool{}
	if async {
		set[event.Name(event.AsyncEventCode)] = true
	}
	for _, c := range codes.Codes() {
		set[event.Name(c)] = true
	}
	return sortedKeys(set)
}

func outputFields(f *engine.Format) []string {
	var out []string
	if f == nil {
		return out
	}
	seen := map[string]bool{}
	for _, fld := range f.Fields {
		if !seen[fld.Key] {
			seen[fld.Key] = true
			out = append(out, fld.Key)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeJSON prints v as JSON without HTML escaping; indent selects the
// 2-space layout Falco uses for listings.
func writeJSON(w io.Writer, v any, indent bool) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
