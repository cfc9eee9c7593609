package probe

import "github.com/cilium/ebpf"

// fillers maps x86_64 syscall numbers to their exit programs. A syscall
// without one cannot be captured yet (SetSyscalls reports it).
var fillers = map[int]func(*kestrelObjects) *ebpf.Program{
	3:   func(o *kestrelObjects) *ebpf.Program { return o.CloseX },  // close
	257: func(o *kestrelObjects) *ebpf.Program { return o.OpenatX }, // openat
	// execve and execveat: failures here, successes from the
	// sched_process_exec program
	59:  func(o *kestrelObjects) *ebpf.Program { return o.ExecveX },
	322: func(o *kestrelObjects) *ebpf.Program { return o.ExecveatX },
	56:  func(o *kestrelObjects) *ebpf.Program { return o.CloneX },  // clone
	435: func(o *kestrelObjects) *ebpf.Program { return o.Clone3X }, // clone3
	57:  func(o *kestrelObjects) *ebpf.Program { return o.ForkX },   // fork
	58:  func(o *kestrelObjects) *ebpf.Program { return o.VforkX },  // vfork
}
