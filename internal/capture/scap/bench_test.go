package scap

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkRead measures reading an uncompressed capture from memory.
func BenchmarkRead(b *testing.B) {
	data := rawCapture(b, filepath.Join(sharedDir(b), "run_as_user_0_container.scap"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	events := 0
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), "bench")
		if err != nil {
			b.Fatal(err)
		}
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if it.Kind == KindEvent {
				events++
			}
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
