package event

import "strings"

// Byte-buffer texts in libsinsp's formats (binary_buffer_to_string and
// friends in event.cpp).

// BufferText renders a byte buffer in format f, without length limit:
//   - BufHex and BufHexASCII (and their JSON variants): a hex dump, one
//     "\n\t0xOOOO:" row per 16 bytes with space-separated groups of two
//     bytes, and with BufHexASCII an ASCII column; the dump ends with "\n";
//   - BufBase64: standard base64 with padding;
//   - BufEOLS, BufEOLSCompact, BufJSONEOLS: printable bytes only, '\r' as a
//     newline and '\n' kept unless it follows '\r' (or starts the buffer),
//     after a leading newline except for BufEOLSCompact;
//   - otherwise printable bytes as they are and the others as '.'.
//
// An empty buffer renders as "".
func BufferText(b []byte, f BufferFormat) string {
	s, _ := bufferText(b, f, 0)
	return s
}

// bufferText renders b in format f. limit, when positive, is the size of
// libsinsp's destination buffer minus one, with its truncation rules; the
// boolean reports truncation.
func bufferText(b []byte, f BufferFormat, limit int) (string, bool) {
	if len(b) == 0 {
		return "", false
	}
	switch {
	case f&(BufHex|BufHexASCII) != 0:
		return hexDump(b, f, limit)
	case f&BufBase64 != 0:
		return base64Text(b, limit)
	case f&(BufJSON|BufJSONHex|BufJSONEOLS|BufJSONHexASCII|BufJSONBase64) != 0:
		switch f {
		case BufJSONHex, BufJSONHexASCII:
			return hexDump(b, f, limit)
		case BufJSONEOLS:
			return eolsText(b, f, limit)
		case BufJSONBase64:
			return base64Text(b, limit)
		}
		return dotsText(b, limit)
	case f&(BufEOLS|BufEOLSCompact) != 0:
		return eolsText(b, f, limit)
	}
	return dotsText(b, limit)
}

func isPrint(c byte) bool { return c >= 0x20 && c < 0x7f }

func dotsText(b []byte, limit int) (string, bool) {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if limit > 0 && len(out) >= limit-1 {
			return string(out[:len(out)-1]), true
		}
		if isPrint(c) {
			out = append(out, c)
		} else {
			out = append(out, '.')
		}
	}
	return string(out), false
}

func eolsText(b []byte, f BufferFormat, limit int) (string, bool) {
	out := make([]byte, 0, len(b)+1)
	if f != BufEOLSCompact {
		out = append(out, '\n')
	}
	for j, c := range b {
		if limit > 0 && len(out) >= limit-1 {
			return string(out[:len(out)-1]), true
		}
		switch {
		case isPrint(c):
			out = append(out, c)
		case c == '\r':
			out = append(out, '\n')
		case c == '\n':
			if j > 0 && b[j-1] != '\r' {
				out = append(out, c)
			}
		}
	}
	return string(out), false
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func base64Text(b []byte, limit int) (string, bool) {
	n := 4 * ((len(b) + 2) / 3)
	if limit > 0 && n >= limit-1 {
		// libsinsp writes nothing and reports the buffer as full.
		return "", true
	}
	out := make([]byte, 0, n)
	for j := 0; j < len(b); j += 3 {
		var t uint32
		for k := 0; k < 3; k++ {
			t <<= 8
			if j+k < len(b) {
				t |= uint32(b[j+k])
			}
		}
		out = append(out, base64Alphabet[t>>18&63], base64Alphabet[t>>12&63], base64Alphabet[t>>6&63], base64Alphabet[t&63])
	}
	switch len(b) % 3 {
	case 1:
		out[n-1], out[n-2] = '=', '='
	case 2:
		out[n-1] = '='
	}
	return string(out), false
}

const hexDigits = "0123456789abcdef"

func hexDump(b []byte, f BufferFormat, limit int) (string, bool) {
	ascii := f&(BufHexASCII|BufJSONHexASCII) != 0
	var sb strings.Builder
	truncated := false
	var row []byte
	for j := 0; j < len(b); j += 16 {
		row = append(row[:0], "\n\t0x"...)
		row = appendHex4(row, j)
		row = append(row, ':')
		end := min(j+16, len(b))
		chunks := 0
		for k := j; k < end; k += 2 {
			row = append(row, ' ', hexDigits[b[k]>>4], hexDigits[b[k]&15])
			if k+1 < end {
				row = append(row, hexDigits[b[k+1]>>4], hexDigits[b[k+1]&15])
			}
			chunks++
		}
		if ascii {
			for ; chunks < 8; chunks++ {
				row = append(row, "     "...)
			}
			row = append(row, ' ', ' ')
			for k := j; k < end; k++ {
				if isPrint(b[k]) {
					row = append(row, b[k])
				} else {
					row = append(row, '.')
				}
			}
		}
		if limit > 0 && sb.Len()+len(row) >= limit-1 {
			truncated = true
			break
		}
		sb.Write(row)
	}
	sb.WriteByte('\n')
	return sb.String(), truncated
}

// appendHex4 appends v in lower-case hex with at least four digits (C's
// "%.4x").
func appendHex4(dst []byte, v int) []byte {
	var tmp [16]byte
	n := len(tmp)
	for v > 0 || n > len(tmp)-4 {
		n--
		tmp[n] = hexDigits[v&15]
		v >>= 4
	}
	return append(dst, tmp[n:]...)
}
