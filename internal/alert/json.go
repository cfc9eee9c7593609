package alert

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The encoder here is written by hand, not with encoding/json, because
// Falco's alerts are byte-for-byte what nlohmann::json writes: control
// characters as \u00xx in lowercase hex, U+2028/U+2029 and '<', '>', '&'
// left alone, invalid UTF-8 replaced by U+FFFD as a raw character, object
// keys in sorted order. encoding/json differs on each of these points.

// Text returns the alert's text line as Falco prints it: the line
// JSON-string-escaped (quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced) without the surrounding quotes.
func (a *Alert) Text() string {
	b := appendJSONString(nil, a.Output)
	return string(b[1 : len(b)-1])
}

// JSON returns the alert as Falco's JSON object, keys in sorted order.
func (a *Alert) JSON(opts Options) []byte {
	b := make([]byte, 0, 512)
	b = append(b, `{"hostname":`...)
	b = appendJSONString(b, a.Hostname)
	if opts.IncludeMessage {
		b = append(b, `,"message":`...)
		b = appendJSONString(b, a.Message)
	}
	if opts.IncludeOutput {
		b = append(b, `,"output":`...)
		b = appendJSONString(b, a.Output)
	}
	if opts.IncludeOutputFields {
		b = append(b, `,"output_fields":{`...)
		for i, f := range a.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Key)
			b = append(b, ':')
			b = appendJSONValue(b, f.Value)
		}
		b = append(b, '}')
	}
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, a.Priority.String())
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, a.Rule)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, a.Source)
	if opts.IncludeTags {
		b = append(b, `,"tags":[`...)
		for i, t := range a.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, t)
		}
		b = append(b, ']')
	}
	b = append(b, `,"time":`...)
	b = appendJSONString(b, RFC3339(a.Ts))
	b = append(b, '}')
	return b
}

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, e)
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way nlohmann::json does
// with ensure_ascii off and invalid UTF-8 replaced.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				if c < 0x20 {
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
			i++
			continue
		}
		b = append(b, s[i:i+size]...)
		i += size
	}
	return append(b, '"')
}
