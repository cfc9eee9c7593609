package event

// Helpers of the renderer that the field extractors (package inspect)
// share, so that fields and rendered parameters agree.

// ConcatenatePaths is libsinsp's sinsp_utils::concatenate_paths: path2
// appended to path1 (taken verbatim; it normally ends with '/') unless
// path2 is absolute or empty, with "." and ".." components of path2
// resolved (".." may climb into path1), repeated '/' collapsed and a
// trailing '/' dropped; path2 ends at its first NUL.
func ConcatenatePaths(path1, path2 string) string { return concatenatePaths(path1, path2) }

// StringParam decodes a string parameter (CHARBUF, FSPATH, FSRELPATH) as
// libsinsp reads it: up to its first NUL, and "<NA>" for the legacy
// encodings of a missing value (no bytes, or the text "(NULL)").
func StringParam(b []byte) string { return stringParam(b) }
