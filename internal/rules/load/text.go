package load

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// text is a condition (or output) string that remembers, for every byte,
// the file and offset it came from. Falco builds conditions by gluing
// strings (appends, exceptions, list substitution) and reports errors at
// offsets of the glued string; carrying the origin along lets Kestrel point
// at the line of the file the user wrote instead.
type text struct {
	s    string
	from []origin // len(s)+1 entries; the last is the end position
}

type origin struct {
	src *source
	off int
}

// textOf takes a scalar node's value with its origins.
func textOf(src *source, n *yaml.Node) text {
	offs := src.scalarOffsets(n)
	t := text{s: n.Value, from: make([]origin, len(offs))}
	for i, o := range offs {
		t.from[i] = origin{src: src, off: o}
	}
	return t
}

// synthetic is generated text attributed to one origin.
func synthetic(s string, at origin) text {
	t := text{s: s, from: make([]origin, len(s)+1)}
	for i := range t.from {
		t.from[i] = at
	}
	return t
}

func (t text) start() origin {
	if len(t.from) == 0 {
		return origin{}
	}
	return t.from[0]
}

// concat joins texts.
func concat(parts ...text) text {
	var b strings.Builder
	n := 0
	for _, p := range parts {
		n += len(p.s)
	}
	b.Grow(n)
	from := make([]origin, 0, n+1)
	var end origin
	for _, p := range parts {
		b.WriteString(p.s)
		if len(p.from) > 0 {
			from = append(from, p.from[:len(p.s)]...)
			end = p.from[len(p.s)]
		}
	}
	return text{s: b.String(), from: append(from, end)}
}

// at returns the origin of byte i (clamped).
func (t text) at(i int) origin {
	if len(t.from) == 0 {
		return origin{}
	}
	if i < 0 {
		i = 0
	}
	if i >= len(t.from) {
		i = len(t.from) - 1
	}
	return t.from[i]
}

// position converts the origin of byte i to a file position.
func (t text) position(i int) Position {
	o := t.at(i)
	if o.src == nil {
		return Position{Line: 1, Column: 1}
	}
	return o.src.posOfOffset(o.off)
}
