// Command syscall-load is the workload of the live overhead benchmarks: a
// loop of one kind of syscall, timed, or a steady rate of file opens for
// the drop storm.
//
//	syscall-load -mode getppid -n 2000000        # ns per getppid
//	syscall-load -mode openclose -n 500000       # ns per open+close of /dev/null
//	syscall-load -mode openreadclose -n 500000   # ns per open+read+close
//	syscall-load -mode forkexec -n 2000          # µs per fork+exec+wait of /bin/true
//	syscall-load -mode storm -rate 200000 -duration 3s -workers 2
//
// It prints one line: the mode, the iterations and the median cost per
// iteration over -rounds rounds (or, for the storm, the rate achieved).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	mode := flag.String("mode", "getppid", "getppid, openclose, openreadclose, forkexec or storm")
	n := flag.Int("n", 1000000, "iterations per round")
	rounds := flag.Int("rounds", 5, "rounds; the median is printed")
	rate := flag.Int("rate", 100000, "storm: target opens per second, all workers together")
	duration := flag.Duration("duration", 3*time.Second, "storm: how long")
	workers := flag.Int("workers", runtime.NumCPU(), "storm: goroutines, each on its own thread")
	flag.Parse()
	if *mode == "storm" {
		got := storm(*rate, *duration, *workers)
		fmt.Printf("storm target=%d achieved=%.0f per second\n", *rate, got)
		return
	}
	op, unit := ops(*mode)
	if op == nil {
		fmt.Fprintln(os.Stderr, "syscall-load: unknown mode", *mode)
		os.Exit(2)
	}
	runtime.LockOSThread()
	var costs []float64
	for r := 0; r < *rounds; r++ {
		start := time.Now()
		for i := 0; i < *n; i++ {
			op()
		}
		costs = append(costs, float64(time.Since(start).Nanoseconds())/float64(*n))
	}
	sort.Float64s(costs)
	med := costs[len(costs)/2]
	if unit == "us" {
		med /= 1000
	}
	fmt.Printf("%s n=%d median=%.1f %s/op\n", *mode, *n, med, unit)
}

var devNull = func() *byte { p, _ := unix.BytePtrFromString("/dev/null"); return p }()

var atFDCWD = unix.AT_FDCWD // a variable: the constant -100 does not convert to uintptr

func openAt() int {
	fd, _, _ := unix.Syscall6(unix.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(devNull)), unix.O_RDONLY, 0, 0, 0)
	return int(fd)
}

func ops(mode string) (func(), string) {
	var buf [1]byte
	switch mode {
	case "getppid":
		return func() { unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0) }, "ns"
	case "openclose":
		return func() { unix.Syscall(unix.SYS_CLOSE, uintptr(openAt()), 0, 0) }, "ns"
	case "openreadclose":
		return func() {
			fd := openAt()
			unix.Syscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), 1)
			unix.Syscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
		}, "ns"
	case "forkexec":
		return func() { _ = exec.Command("/bin/true").Run() }, "us"
	}
	return nil, ""
}

// storm opens and closes /dev/null at a steady total rate, in slices of a
// millisecond, and returns the rate achieved.
func storm(rate int, d time.Duration, workers int) float64 {
	var done atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	per := float64(rate) / float64(workers) / 1000 // opens per worker per millisecond
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			credit := 0.0
			tick := time.Now()
			for time.Now().Before(end) {
				credit += per
				for ; credit >= 1; credit-- {
					unix.Syscall(unix.SYS_CLOSE, uintptr(openAt()), 0, 0)
					done.Add(1)
				}
				tick = tick.Add(time.Millisecond)
				if wait := time.Until(tick); wait > 0 {
					time.Sleep(wait)
				}
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / d.Seconds()
}
