package procfs

import (
	"os"
	"testing"
	"time"
)

// BenchmarkScan scans the whole system, fds included, and reports the
// cost per thread found.
func BenchmarkScan(b *testing.B) {
	threads := 0
	start := time.Now()
	for b.Loop() {
		snap, err := Scan(Options{})
		if err != nil {
			b.Fatal(err)
		}
		threads += len(snap.Threads)
	}
	if threads > 0 {
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(threads), "ns/thread")
		b.ReportMetric(float64(threads)/float64(b.N), "threads/op")
	}
}

// BenchmarkScanProcess is the lazy lookup of one process (the test
// process and its threads, fds included).
func BenchmarkScanProcess(b *testing.B) {
	threads := 0
	start := time.Now()
	for b.Loop() {
		ths, err := ScanProcess(Options{}, os.Getpid())
		if err != nil {
			b.Fatal(err)
		}
		threads += len(ths)
	}
	if threads > 0 {
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(threads), "ns/thread")
	}
}
