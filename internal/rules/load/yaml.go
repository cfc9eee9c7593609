package load

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits that keep hostile rules content from costing unbounded time or
// memory. Falco's largest published file is about 200 KB with nesting a few
// levels deep, so these leave ample room.
const (
	// MaxFileSize is the largest rules file accepted.
	MaxFileSize = 16 << 20
	// maxDepth is the deepest YAML nesting accepted.
	maxDepth = 64
	// maxAliasVisits bounds how many times aliases may be followed while
	// reading one file, so a "billion laughs" document costs little.
	maxAliasVisits = 10000
)

// source is one rules file being read: its text and a line index for
// turning yaml.v3's line/column into byte offsets.
type source struct {
	name       string
	content    []byte
	lineStarts []int
	aliases    int
}

func newSource(name string, content []byte) *source {
	s := &source{name: name, content: content, lineStarts: []int{0}}
	for i, c := range content {
		if c == '\n' {
			s.lineStarts = append(s.lineStarts, i+1)
		}
	}
	return s
}

// pos returns the position of a node.
func (s *source) pos(n *yaml.Node) Position {
	if n == nil {
		return Position{Name: s.name, Line: 1, Column: 1}
	}
	return s.posAt(n.Line, n.Column)
}

func (s *source) posAt(line, col int) Position {
	p := Position{Name: s.name, Line: line, Column: col}
	if line >= 1 && line <= len(s.lineStarts) {
		// yaml.v3 columns count characters; convert to a byte offset by
		// walking the line's runes.
		off := s.lineStarts[line-1]
		for c := 1; c < col && off < len(s.content) && s.content[off] != '\n'; c++ {
			_, size := decodeRune(s.content[off:])
			off += size
		}
		p.Offset = off
	}
	return p
}

// posOfOffset turns a byte offset into a position.
func (s *source) posOfOffset(off int) Position {
	line := sort.Search(len(s.lineStarts), func(i int) bool { return s.lineStarts[i] > off }) // first start after off
	start := s.lineStarts[line-1]
	col := 1
	for i := start; i < off && i < len(s.content); {
		_, size := decodeRune(s.content[i:])
		i += size
		col++
	}
	return Position{Name: s.name, Line: line, Column: col, Offset: off}
}

func decodeRune(b []byte) (rune, int) {
	if len(b) == 0 {
		return 0, 0
	}
	return utf8.DecodeRune(b)
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// parseDocuments parses every YAML document of the content.
func (s *source) parseDocuments() ([]*yaml.Node, *Position, error) {
	if len(s.content) > MaxFileSize {
		return nil, nil, errors.New("rules content is " + strconv.Itoa(len(s.content)) +
			" bytes, more than the limit of " + strconv.Itoa(MaxFileSize))
	}
	if err := checkNesting(s.content); err != nil {
		return nil, nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(s.content))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil, nil
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
				line, _ := strconv.Atoi(m[1])
				p := s.posAt(line, 1)
				return nil, &p, errors.New(msg)
			}
			return nil, nil, errors.New(msg)
		}
		docs = append(docs, &n)
	}
}

// checkNesting refuses flow or block nesting deeper than maxDepth before
// the YAML parser recurses into it. It counts brackets and braces outside
// quoted scalars and comments; block nesting is bounded by the same limit
// through indentation levels.
func checkNesting(b []byte) error {
	depth := 0
	inSingle, inDouble, inComment := false, false, false
	var indents []int
	lineStart := true
	indent := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\n' {
			inComment, lineStart, indent = false, true, 0
			continue
		}
		if lineStart {
			if c == ' ' {
				indent++
				continue
			}
			lineStart = false
			if c != '#' && !inSingle && !inDouble {
				for len(indents) > 0 && indents[len(indents)-1] >= indent {
					indents = indents[:len(indents)-1]
				}
				indents = append(indents, indent)
				if len(indents) > maxDepth {
					return errors.New("rules content is nested more than " + strconv.Itoa(maxDepth) + " levels deep")
				}
			}
		}
		switch {
		case inComment:
		case inDouble:
			if c == '\\' {
				i++
			} else if c == '"' {
				inDouble = false
			}
		case inSingle:
			if c == '\'' {
				inSingle = false
			}
		case c == '#' && (i == 0 || b[i-1] == ' ' || b[i-1] == '\t'):
			inComment = true
		case c == '"':
			inDouble = true
		case c == '\'' && (i == 0 || strings.IndexByte(" \t[{,:-", b[i-1]) >= 0):
			inSingle = true
		case c == '[' || c == '{':
			depth++
			if depth > maxDepth {
				return errors.New("rules content is nested more than " + strconv.Itoa(maxDepth) + " levels deep")
			}
		case c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// resolve follows aliases, counting them against the file's budget.
func (s *source) resolve(n *yaml.Node) (*yaml.Node, error) {
	for n != nil && n.Kind == yaml.AliasNode {
		s.aliases++
		if s.aliases > maxAliasVisits {
			return nil, errors.New("rules content uses YAML aliases too many times (more than " +
				strconv.Itoa(maxAliasVisits) + ")")
		}
		n = n.Alias
	}
	return n, nil
}

// mapGet returns the value of key in a mapping node, or nil.
func (s *source) mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == key {
			v, err := s.resolve(m.Content[i+1])
			if err != nil {
				panic(&loadError{code: ErrYAMLParse, msg: err.Error(), ctx: Context{}})
			}
			return v
		}
	}
	return nil
}

// keys lists the keys of a mapping node, with their nodes.
func mapKeys(m *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i])
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func isScalar(n *yaml.Node) bool { return n != nil && n.Kind == yaml.ScalarNode }

// yamlBool converts a scalar as yaml-cpp does, ignoring quoting.
func yamlBool(s string) (bool, bool) {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

// yamlUint converts a scalar to an unsigned integer as yaml-cpp does (a
// stream read with the base taken from the prefix): decimal, 0x hex or
// leading-zero octal, an optional '+', trailing blanks allowed, no '-'.
func yamlUint(s string) (uint64, bool) {
	t := strings.TrimRight(s, " \t\n\v\f\r")
	t = strings.TrimPrefix(t, "+")
	if t == "" || t[0] < '0' || t[0] > '9' {
		return 0, false
	}
	if strings.ContainsRune(t, '_') || len(t) > 1 && t[0] == '0' && strings.IndexByte("bBoO", t[1]) >= 0 {
		return 0, false // Go's base prefixes that a C++ stream does not know
	}
	n, err := strconv.ParseUint(t, 0, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// yamlEscape decodes the YAML double-quoted escape sequence at the start
// of b (which begins with a backslash): the bytes it stands for and its
// length in the file. An escaped line break stands for nothing.
func yamlEscape(b []byte) (string, int, bool) {
	if len(b) < 2 {
		return "", 0, false
	}
	simple := map[byte]string{'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v",
		'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\",
		'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029"}
	if d, ok := simple[b[1]]; ok {
		return d, 2, true
	}
	switch b[1] {
	case '\n':
		return "", 2, true
	case '\r':
		if len(b) > 2 && b[2] == '\n' {
			return "", 3, true
		}
		return "", 2, true
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[b[1]]
		if len(b) < 2+n {
			return "", 0, false
		}
		v, err := strconv.ParseUint(string(b[2:2+n]), 16, 32)
		if err != nil {
			return "", 0, false
		}
		// The parser writes the code point in UTF-8, \xHH included.
		return string(rune(v)), 2 + n, true
	}
	return "", 0, false
}

// scalarOffsets maps each byte of a scalar's value to its byte offset in
// the file, so a position inside a condition (even a folded block scalar)
// can be reported at its real line and column. It walks the file from the
// node's start and matches the value's bytes in order, skipping only what
// YAML removes: indentation, line breaks, quotes and escapes. If the walk
// loses its way, the remaining bytes map to the scalar's start.
func (s *source) scalarOffsets(n *yaml.Node) []int {
	value := n.Value
	out := make([]int, len(value)+1)
	start := s.pos(n).Offset
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The value starts on the line after the indicator.
		if i := bytes.IndexByte(s.content[start:], '\n'); i >= 0 {
			start += i + 1
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		start++
	}
	f := start
	lost := false
	doubleQuoted := n.Style&yaml.DoubleQuotedStyle != 0
	for i := 0; i < len(value); i++ {
		if lost {
			out[i] = start
			continue
		}
		c := value[i]
		if doubleQuoted && f < len(s.content) && s.content[f] == '\\' {
			// An escape sequence: its bytes in the value all come from
			// the backslash; an escaped line break yields nothing.
			if dec, size, ok := yamlEscape(s.content[f:]); ok {
				if len(dec) == 0 {
					f += size
					i--
					continue
				}
				if strings.HasPrefix(value[i:], dec) {
					for k := range len(dec) {
						out[i+k] = f
					}
					i += len(dec) - 1
					f += size
					continue
				}
			}
		}
		for f < len(s.content) && s.content[f] != c {
			skippable := s.content[f] == ' ' || s.content[f] == '\t' || s.content[f] == '\n' || s.content[f] == '\r' ||
				s.content[f] == '\\' || s.content[f] == '"' || s.content[f] == '\''
			if !skippable {
				break
			}
			f++
		}
		if f >= len(s.content) || s.content[f] != c {
			lost = true
			out[i] = start
			continue
		}
		out[i] = f
		f++
	}
	if lost || len(value) == 0 {
		out[len(value)] = start
	} else {
		out[len(value)] = out[len(value)-1] + 1
	}
	return out
}
