package main

import (
	"sort"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
)

// Falco's static_fields: each configured name becomes a field
// static.NAME with a constant value, usable in conditions and, being a
// suggested field, appended to outputs as static_NAME=value.

// staticClass declares the static fields for the syscall source.
func staticClass(values map[string]string) *fields.Class {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	c := &fields.Class{Name: "static", Desc: "Constant fields from the configuration's static_fields.",
		Sources: []string{fields.SyscallSource}}
	for _, k := range names {
		c.Fields = append(c.Fields, fields.Field{Name: "static." + k, Type: fields.TypeCharBuf,
			Flags: fields.FormatSuggested, Display: k, Desc: "static_fields." + k + " of the configuration"})
	}
	return c
}

// staticBinder extracts the static fields and leaves the others to next.
type staticBinder struct {
	values map[string]string
	next   engine.Binder
}

func (b staticBinder) Bind(ref fields.Ref) (engine.Binding, error) {
	name := ref.Field.Name
	if len(name) > len("static.") && name[:len("static.")] == "static." {
		if v, ok := b.values[name[len("static."):]]; ok {
			return engine.Binding{Extract: func(_ engine.Event, out *engine.Value) bool {
				out.Str = v
				return true
			}}, nil
		}
	}
	return b.next.Bind(ref)
}
