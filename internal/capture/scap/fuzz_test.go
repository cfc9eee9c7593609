package scap

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the reader: it must never panic,
// every failure must be a *FormatError, and every event it returns must
// be a record whose parameters can be read. The committed seeds
// (testdata/fuzz/FuzzReader) are small captures made by Writer; the
// shared captures' first kilobytes are added when present.
func FuzzReader(f *testing.F) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "captures")
	for _, c := range captures {
		if b, err := os.ReadFile(filepath.Join(dir, c.file)); err == nil {
			f.Add(b[:min(len(b), 4096)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), "fuzz")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("NewReader error %v (%T) is not a *FormatError", err, err)
			}
			return
		}
		for i := 0; i < 100000; i++ {
			it, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v (%T) is not a *FormatError", err, err)
				}
				if _, again := r.Next(); again != err {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			if it.Kind == KindEvent {
				rec := it.Event
				if rec.Len() < 26 || rec.Len() != len(rec.Raw()) {
					t.Fatalf("record of %d bytes", rec.Len())
				}
				for p := 0; p < rec.NParams(); p++ {
					_ = rec.Param(p)
				}
			}
		}
	})
}
