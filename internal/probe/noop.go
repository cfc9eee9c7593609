package probe

import (
	"errors"

	"github.com/cilium/ebpf/link"
)

// AttachNoop attaches raw tracepoints that do nothing to syscall entry and
// exit: the floor the live overhead benchmark compares the probe with.
// Close detaches them.
func AttachNoop() (close func() error, err error) {
	var objs noopObjects
	if err := loadNoopObjects(&objs, nil); err != nil {
		return nil, explainLoadError(err)
	}
	enter, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: objs.NoopSysEnter})
	if err != nil {
		objs.Close()
		return nil, err
	}
	exit, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_exit", Program: objs.NoopSysExit})
	if err != nil {
		enter.Close()
		objs.Close()
		return nil, err
	}
	return func() error { return errors.Join(exit.Close(), enter.Close(), objs.Close()) }, nil
}
