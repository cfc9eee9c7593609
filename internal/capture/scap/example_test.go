package scap_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

func Example() {
	var buf bytes.Buffer
	w := scap.NewWriter(&buf, scap.WriterOptions{Gzip: true})
	w.WriteThreads([]state.ThreadInfo{{Tid: 42, Pid: 42, Comm: "cat", Exe: "cat", Args: []string{"/etc/hostname"},
		FDs: []state.FDInfo{{FD: 3, Type: state.FDFileV2, Name: "/etc/hostname"}}}})
	var b event.Builder
	u64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	w.WriteEvent(b.Build(1000, 42, event.CloseX, u64(0), u64(3)), 0, 0)
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	r, err := scap.NewReader(&buf, "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch it.Kind {
		case scap.KindThreads:
			fmt.Println("thread", it.Threads[0].Tid, it.Threads[0].Comm, it.Threads[0].Args)
		case scap.KindFDs:
			fmt.Println("fds of", it.TID, len(it.FDs))
		case scap.KindEvent:
			fmt.Println("event", it.Event.Info().Name, it.Event.Tid(), "on cpu", it.CPU)
		}
	}
	fmt.Println(r.Snapshot().Threads[0].FDs[0].Name)
	// Output:
	// thread 42 cat [/etc/hostname]
	// fds of 42 1
	// event close 42 on cpu 0
	// /etc/hostname
}
