package state

// Path resolution, as libsinsp performs it for fd names, the working
// directory and the executable path: purely lexical (no symlinks are
// followed), relative names are appended to a base directory, "." and
// ".." components are folded, repeated slashes collapse and a trailing
// slash is dropped.

// maxPathSize is libscap's path buffer size; longer results are replaced
// by a marker, as libsinsp does.
const maxPathSize = 1024

// tooLongPath is what libsinsp returns when base+name do not fit.
const tooLongPath = "/DIR_TOO_LONG/FILENAME_TOO_LONG"

// atFDCWD is the dirfd value meaning "relative to the working directory"
// (PPM_AT_FDCWD).
const atFDCWD = -100

// unknownDir is the base libsinsp uses for a relative name whose dirfd it
// does not know; the result then starts with it.
const unknownDir = "<UNKNOWN>"

// joinPath resolves name against base. An absolute (or empty) name ignores
// base. base is used verbatim (it is normally already clean and ends with
// '/'); only name is normalised, but ".." in name may climb into base.
func joinPath(base, name string) string {
	if len(base)+len(name)+1 > maxPathSize {
		return tooLongPath
	}
	var buf []byte
	if name != "" && name[0] != '/' {
		buf = make([]byte, len(base), len(base)+len(name))
		copy(buf, base)
		return string(normalizeInto(buf, name, len(base) == 0))
	}
	buf = make([]byte, 0, len(name))
	return string(normalizeInto(buf, name, true))
}

// normalizeInto appends the normalised form of path to buf. emptyBase is
// true when buf held nothing before the call; it decides whether a
// separator met after ".." climbed back to the very start is kept
// ("/a/../b" keeps its root, "a/../b" gives "b").
func normalizeInto(buf []byte, path string, emptyBase bool) []byte {
	at := func(i int) byte {
		if i < len(path) {
			return path[i]
		}
		return 0
	}
	w := len(buf) // write position: buf[:w] is the result so far
	put := func(c byte) {
		buf = append(buf[:w], c)
		w++
	}
	// climb moves w back to just after the previous separator, never
	// before the first byte of buf.
	climb := func() {
		if w <= 1 {
			return
		}
		w--
		for w >= 1 && buf[w-1] != '/' {
			w--
		}
	}
	i := 0
	for {
		c := at(i)
		if c == 0 {
			buf = buf[:w]
			if w > 1 && buf[w-1] == '/' {
				buf = buf[:w-1]
			}
			return buf
		}
		switch {
		case c == '.' && (w == 0 || buf[w-1] == '/'):
			n1, n2 := at(i+1), at(i+2)
			switch {
			case n1 == '.' && n2 == '/':
				climb()
				i += 3
			case n1 == '.' && n2 == 0:
				climb()
				i += 2
			case n1 == '/':
				i += 2
			case n1 == 0:
				i++
			default:
				put(c)
				i++
			}
		case c == '/':
			if (w > 0 && buf[w-1] == '/') || (w == 0 && !emptyBase) {
				i++
			} else {
				put(c)
				i++
			}
		default:
			put(c)
			i++
		}
	}
}

// withTrailingSlash returns dir ending in '/', as libsinsp stores working
// directories.
func withTrailingSlash(dir string) string {
	if dir == "" || dir[len(dir)-1] != '/' {
		return dir + "/"
	}
	return dir
}
