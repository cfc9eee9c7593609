// Command noop-tracepoints attaches raw tracepoints that do nothing to
// syscall entry and exit until SIGINT or SIGTERM: the floor of the live
// overhead benchmark. It prints "attached" once they are in place.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kestrel-project/kestrel/internal/probe"
)

func main() {
	closeFn, err := probe.AttachNoop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "noop-tracepoints:", err)
		os.Exit(1)
	}
	fmt.Println("attached")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := closeFn(); err != nil {
		fmt.Fprintln(os.Stderr, "noop-tracepoints:", err)
		os.Exit(1)
	}
}
