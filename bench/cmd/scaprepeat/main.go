// Command scaprepeat writes a large capture for replay benchmarks: the
// metadata of an input capture, then its events repeated n times, each
// round shifted in time past the previous one so timestamps keep growing.
// Real captures in ../shared hold at most a few thousand events, too few
// to time a replay.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/event"
)

func main() {
	rounds := flag.Int("n", 100, "how many times to repeat the events")
	legacy := flag.Bool("legacy", false, "write the process list in the layout sysdig 0.29 reads")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: scaprepeat [-n N] [-legacy] IN.scap OUT.scap")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 || *rounds < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := repeat(flag.Arg(0), flag.Arg(1), *rounds, *legacy); err != nil {
		fmt.Fprintln(os.Stderr, "scaprepeat:", err)
		os.Exit(1)
	}
}

type record struct {
	raw   []byte
	cpu   uint16
	flags uint32
}

func repeat(in, out string, rounds int, legacy bool) error {
	r, err := scap.Open(in)
	if err != nil {
		return err
	}
	defer r.Close()
	var recs []record
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if it.Kind == scap.KindEvent {
			recs = append(recs, record{append([]byte(nil), it.Event.Raw()...), it.CPU, it.Flags})
		}
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s holds no events", in)
	}
	var first, last uint64
	for i, rec := range recs {
		var ev event.Record
		if err := ev.Parse(rec.raw); err != nil {
			return err
		}
		if ts := ev.Ts(); i == 0 || ts < first {
			first = ts
		}
		if ts := ev.Ts(); ts > last {
			last = ts
		}
	}
	span := last - first + 1_000_000
	w, err := scap.Create(out, scap.WriterOptions{LegacyLayout: legacy})
	if err != nil {
		return err
	}
	if err := w.WriteSnapshot(r.Snapshot()); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for round := range rounds {
		shift := uint64(round) * span
		for _, rec := range recs {
			buf = append(buf[:0], rec.raw...)
			binary.LittleEndian.PutUint64(buf, binary.LittleEndian.Uint64(buf)+shift)
			if err := w.WriteEvent(buf, rec.cpu, rec.flags); err != nil {
				return err
			}
		}
	}
	return w.Close()
}
