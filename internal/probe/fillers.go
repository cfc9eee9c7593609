package probe

import "github.com/cilium/ebpf"

// filler is a syscall's exit program.
type filler struct {
	prog func(*kestrelObjects) *ebpf.Program
}

// fillers maps x86_64 syscall numbers to their exit programs. A syscall
// without one cannot be captured yet (SetSyscalls reports it).
var fillers = map[int]filler{
	3:   {func(o *kestrelObjects) *ebpf.Program { return o.CloseX }},  // close
	257: {func(o *kestrelObjects) *ebpf.Program { return o.OpenatX }}, // openat
}
