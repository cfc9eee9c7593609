package fields

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// Listings of the registry in the three formats of `falco --list`: text,
// markdown and JSON. Deprecated and table-only fields are left out, as
// Falco leaves them out.

// listedClass is a class as listed: its visible fields and the sources
// that carry it.
type listedClass struct {
	class   *Class
	fields  []*Field
	sources []string
}

// listed gathers the classes of the requested source (all if empty), each
// class once, with the sorted set of sources carrying it.
func (r *Registry) listed(source string) []listedClass {
	var out []listedClass
	index := map[*Class]int{}
	for _, sname := range r.order {
		if source != "" && sname != source {
			continue
		}
		for _, c := range r.sources[sname].classes {
			if i, ok := index[c]; ok {
				out[i].sources = appendSorted(out[i].sources, sname)
				continue
			}
			lc := listedClass{class: c, sources: []string{sname}}
			for i := range c.Fields {
				f := &c.Fields[i]
				if f.Flags&(Deprecated|TableOnly|PrintOnly) != 0 {
					continue
				}
				lc.fields = append(lc.fields, f)
			}
			index[c] = len(out)
			out = append(out, lc)
		}
	}
	return out
}

func appendSorted(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	s = append(s, v)
	sort.Strings(s)
	return s
}

// flagTags are the flags a listing shows, in Falco's (sorted) order.
func flagTags(f *Field) []string {
	var tags []string
	if f.Flags&ArgAllowed != 0 {
		tags = append(tags, "ARG_ALLOWED")
	}
	if f.Flags&ArgRequired != 0 {
		tags = append(tags, "ARG_REQUIRED")
	}
	if f.Flags.TakesArg() && f.Flags&ArgIndex != 0 {
		tags = append(tags, "ARG_INDEX")
	}
	if f.Flags.TakesArg() && f.Flags&ArgKey != 0 {
		tags = append(tags, "ARG_KEY")
	}
	if f.Flags&IsList != 0 {
		tags = append(tags, "EPF_IS_LIST")
	}
	if f.Flags&NoRHS != 0 {
		tags = append(tags, "EPF_NO_RHS")
	}
	if f.Flags&NoTransformer != 0 {
		tags = append(tags, "EPF_NO_TRANSFORMER")
	}
	if f.Flags&FilterOnly != 0 {
		tags = append(tags, "FILTER_ONLY")
	}
	sort.Strings(tags)
	return tags
}

const labelWidth = 30

// wrap lays words out on lines of at most 90 columns after the label
// column, continuing lines with 30 spaces.
func wrap(b *bytes.Buffer, text string) {
	col := labelWidth
	for _, w := range strings.Fields(text) {
		if col+len(w)+1 > 90+labelWidth && col > labelWidth {
			b.WriteString("\n" + strings.Repeat(" ", labelWidth))
			col = labelWidth
		}
		b.WriteString(w + " ")
		col += len(w) + 1
	}
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// ListText renders the fields of source (all sources if empty) as
// `falco --list` does. verbose adds each field's type.
func (r *Registry) ListText(source string, verbose bool) string {
	var b bytes.Buffer
	for _, lc := range r.listed(source) {
		if len(lc.fields) == 0 {
			b.WriteString("\n")
			continue
		}
		c := lc.class
		b.WriteString(strings.Repeat("-", 31) + "\n")
		name := c.Name
		if c.ShortDesc != "" {
			name += " (" + c.ShortDesc + ")"
		}
		b.WriteString(pad("Field Class:", labelWidth) + name + "\n")
		if c.Desc != "" {
			b.WriteString(pad("Description:", labelWidth))
			wrap(&b, c.Desc)
			b.WriteString("\n")
		}
		b.WriteString(pad("Event Sources:", labelWidth))
		for _, s := range lc.sources {
			b.WriteString(s + " ")
		}
		b.WriteString("\n\n")
		for _, f := range lc.fields {
			if len(f.Name) > labelWidth {
				b.WriteString(f.Name + "\n" + strings.Repeat(" ", labelWidth))
			} else {
				b.WriteString(pad(f.Name, labelWidth))
			}
			desc := f.Desc
			if tags := flagTags(f); len(tags) > 0 {
				desc = "(" + strings.Join(tags, ",") + ") " + desc
			}
			if verbose {
				desc = "(Type: " + f.Type.String() + ") " + desc
			}
			wrap(&b, desc)
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// ListMarkdown renders the fields as a markdown table per class.
func (r *Registry) ListMarkdown(source string) string {
	var b bytes.Buffer
	for _, lc := range r.listed(source) {
		if len(lc.fields) == 0 {
			b.WriteString("\n")
			continue
		}
		b.WriteString("## Field Class: " + lc.class.Name + "\n\n")
		if lc.class.Desc != "" {
			b.WriteString(lc.class.Desc + "\n\n")
		}
		b.WriteString("Event Sources: " + strings.Join(lc.sources, " ") + "\n\n")
		b.WriteString("Name | Type | Description\n:----|:-----|:-----------\n")
		for _, f := range lc.fields {
			t := f.Type.String()
			if f.Flags&IsList != 0 {
				t = "LIST(" + t + ")"
			}
			b.WriteString("`" + f.Name + "` | " + t + " | " + f.Desc + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

type jsonArgument struct {
	Required bool     `json:"required"`
	Type     []string `json:"type"`
}

type jsonField struct {
	Argument *jsonArgument `json:"argument"`
	Desc     string        `json:"desc"`
	IsList   bool          `json:"is_list"`
	Name     string        `json:"name"`
	Type     string        `json:"type"`
}

type jsonClass struct {
	Desc         string      `json:"desc,omitempty"`
	EventSources []string    `json:"event_sources,omitempty"`
	Fields       []jsonField `json:"fields"`
	Name         string      `json:"name"`
}

// ListJSON renders the fields as `falco --list --format json` does.
func (r *Registry) ListJSON(source string) ([]byte, error) {
	doc := struct {
		FieldClasses []jsonClass `json:"fieldclasses"`
	}{FieldClasses: []jsonClass{}}
	for _, lc := range r.listed(source) {
		if len(lc.fields) == 0 {
			continue
		}
		jc := jsonClass{Desc: lc.class.Desc, EventSources: lc.sources, Name: lc.class.Name, Fields: []jsonField{}}
		for _, f := range lc.fields {
			jf := jsonField{Desc: f.Desc, IsList: f.Flags&IsList != 0, Name: f.Name, Type: f.Type.String()}
			if f.Flags.TakesArg() {
				arg := &jsonArgument{Required: f.Flags&ArgRequired != 0, Type: []string{}}
				if f.Flags&ArgIndex != 0 {
					arg.Type = append(arg.Type, "INDEX")
				}
				if f.Flags&ArgKey != 0 {
					arg.Type = append(arg.Type, "KEY")
				}
				jf.Argument = arg
			}
			jc.Fields = append(jc.Fields, jf)
		}
		doc.FieldClasses = append(doc.FieldClasses, jc)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ListNames returns the names of the listed fields, one per line.
func (r *Registry) ListNames(source string) []string {
	var out []string
	for _, lc := range r.listed(source) {
		for _, f := range lc.fields {
			out = append(out, f.Name)
		}
	}
	return out
}
