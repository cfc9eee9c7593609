package event

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// This file compares the renderer with sysdig 0.29.3 on every event of the
// shared capture files. sysdig's output is kept as fixtures under
// testdata/render (see testdata/render/README.md); run
//
//	go test ./internal/event/ -run TestRenderSysdig -render.update
//
// where /usr/bin/sysdig exists to regenerate them.

var renderUpdate = flag.Bool("render.update", false, "regenerate the sysdig fixtures under testdata/render")

const capturesDir = "../../../shared/captures"

var renderCaptures = []string{
	"sample.scap",
	"curl_google.scap",
	"single_ipv6_conn.scap",
	"test_ipv6_client.scap",
	"run_as_user_0_container.scap",
}

// Capture block types (libscap's scap_savefile.h).
const (
	blockSHB       = 0x0A0D0D0A
	blockEV        = 0x204
	blockEVF       = 0x208
	blockEVV2      = 0x216
	blockEVFV2     = 0x217
	blockEVV2Large = 0x221
	blockEVFV2Lg   = 0x222
)

// capEvent is one event of a capture file.
type capEvent struct {
	rec Record
	cpu uint16
}

// readCaptureEvents returns the events of a capture file (plain or gzip),
// converting version 1 records to the current layout as libscap does.
func readCaptureEvents(t testing.TB, path string) []*capEvent {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("capture not available: %v", err)
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var out []*capEvent
	for o := 0; o+12 <= len(raw); {
		typ := binary.LittleEndian.Uint32(raw[o:])
		l := int(binary.LittleEndian.Uint32(raw[o+4:]))
		if l < 12 || o+l > len(raw) {
			t.Fatalf("%s: bad block at %d", path, o)
		}
		body := raw[o+8 : o+l-4]
		o += l
		var ev []byte
		v1 := false
		switch typ {
		case blockEV:
			ev, v1 = body[2:], true
		case blockEVF:
			ev, v1 = body[6:], true
		case blockEVV2, blockEVV2Large:
			ev = body[2:]
		case blockEVFV2, blockEVFV2Lg:
			ev = body[6:]
		default:
			continue
		}
		if v1 {
			var err error
			if ev, err = upgradeV1Record(ev); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		} else {
			ev = append([]byte(nil), ev...)
		}
		ce := &capEvent{cpu: binary.LittleEndian.Uint16(body)}
		if err := ce.rec.Parse(ev); err != nil {
			t.Fatalf("%s: event %d: %v", path, len(out), err)
		}
		out = append(out, ce)
	}
	return out
}

// upgradeV1Record turns a version 1 record (no nparams in the header) into
// a current one. Like libscap it finds the parameter count by trying the
// event table's count and fewer until the lengths add up to the record.
func upgradeV1Record(b []byte) ([]byte, error) {
	if len(b) < HeaderSizeV1 {
		return nil, ErrShortRecord
	}
	n := int(binary.LittleEndian.Uint32(b[16:20]))
	typ := binary.LittleEndian.Uint16(b[20:22])
	if typ >= MaxCode || n < HeaderSizeV1 || n > len(b) {
		return nil, fmt.Errorf("bad v1 record (type %d, len %d)", typ, n)
	}
	if typ == NotificationE || typ == InfrastructureEventE {
		n -= 3
	}
	lens := b[HeaderSizeV1:n]
	np := -1
	for k := len(events[typ].Params); k >= 0; k-- {
		if 2*k > len(lens) {
			continue
		}
		sum := 2 * k
		for j := 0; j < k; j++ {
			sum += int(binary.LittleEndian.Uint16(lens[2*j:]))
		}
		if sum < len(lens) {
			return nil, fmt.Errorf("v1 record of type %d: cannot compute nparams", typ)
		}
		if sum == len(lens) {
			np = k
			break
		}
	}
	if np < 0 {
		return nil, fmt.Errorf("v1 record of type %d: cannot compute nparams", typ)
	}
	out := make([]byte, 0, n+4)
	out = append(out, b[:HeaderSizeV1]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(np))
	out = append(out, b[HeaderSizeV1:n]...)
	binary.LittleEndian.PutUint32(out[16:], uint32(len(out)))
	return out, nil
}

// Fixture variants: sysdig options and output fields. Every event prints
// as \x1e followed by its fields separated by \x1f.
type renderVariant struct {
	name   string
	opts   []string
	fields []string
}

var rawArgNames = []string{
	"res", "size", "name", "mode", "addr", "tid", "pid", "ptid", "cwd", "args", "env",
	"exe", "length", "offset", "interval", "uid", "gid", "next", "timeout", "cur", "max",
	"request", "argument", "backlog", "path", "dev", "ino", "vm_size", "status", "comm",
	"cgroups", "loginuid", "tty", "pgid", "type", "proto", "queuepct", "spid", "dpid", "nativeID",
}

const maxArgIndex = 21

var renderVariants = func() []renderVariant {
	main := []string{"evt.rawtime", "thread.tid", "evt.type", "evt.args", "evt.res", "evt.failed",
		"proc.cwd", "evt.category", "evt.is_io", "evt.is_io_read", "evt.is_io_write", "evt.io_dir",
		"evt.is_wait", "evt.buffer", "evt.info"}
	for k := 0; k < maxArgIndex; k++ {
		main = append(main, fmt.Sprintf("evt.arg[%d]", k))
	}
	var raws []string
	raws = append(raws, "evt.rawtime", "thread.tid")
	for _, n := range rawArgNames {
		raws = append(raws, "evt.rawarg."+n)
	}
	bufs := []string{"evt.rawtime", "thread.tid", "evt.args", "evt.buffer"}
	return []renderVariant{
		{"main", nil, main},
		{"rawarg", nil, raws},
		{"verbose", []string{"-v"}, bufs},
		{"ascii", []string{"-A"}, bufs},
		{"base64", []string{"-b"}, bufs},
		{"hex", []string{"-x"}, bufs},
		{"hexascii", []string{"-X"}, bufs},
	}
}()

func fixturePath(capture string, v renderVariant) string {
	return filepath.Join("testdata", "render", strings.TrimSuffix(capture, ".scap")+"."+v.name+".gz")
}

func runSysdig(capture string, v renderVariant) ([]byte, error) {
	var f strings.Builder
	f.WriteString("*\x1e")
	for k, fl := range v.fields {
		if k > 0 {
			f.WriteByte('\x1f')
		}
		f.WriteString("%" + fl)
	}
	args := append([]string{"-r", filepath.Join(capturesDir, capture)}, v.opts...)
	args = append(args, "-p", f.String())
	cmd := exec.Command("sysdig", args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	return cmd.Output()
}

// loadFixture returns sysdig's records for a capture and variant, each a
// list of field values.
func loadFixture(t *testing.T, capture string, v renderVariant) [][]string {
	t.Helper()
	path := fixturePath(capture, v)
	var out []byte
	if *renderUpdate {
		var err error
		if out, err = runSysdig(capture, v); err != nil {
			t.Fatalf("sysdig on %s: %v", capture, err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(out)
		zw.Close()
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("fixture missing (regenerate with -render.update where sysdig exists): %v", err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if out, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	parts := strings.Split(string(out), "\x1e")
	if len(parts) == 0 || parts[0] != "" {
		t.Fatalf("%s: unexpected fixture start", path)
	}
	recs := make([][]string, 0, len(parts)-1)
	for _, p := range parts[1:] {
		p = strings.TrimSuffix(p, "\n")
		f := strings.Split(p, "\x1f")
		if len(f) != len(v.fields) {
			t.Fatalf("%s: record with %d fields, want %d: %q", path, len(f), len(v.fields), p)
		}
		recs = append(recs, f)
	}
	return recs
}

// alignFixture pairs each sysdig record with its capture event, by
// timestamp and thread (sysdig does not print procinfo events).
func alignFixture(t *testing.T, evs []*capEvent, recs [][]string) []*capEvent {
	t.Helper()
	out := make([]*capEvent, len(recs))
	k := 0
	for n, rec := range recs {
		ts, _ := strconv.ParseUint(rec[0], 10, 64)
		tid, _ := strconv.ParseInt(rec[1], 10, 64)
		for k < len(evs) && (evs[k].rec.Ts() != ts || evs[k].rec.Tid() != tid) {
			k++
		}
		if k == len(evs) {
			t.Fatalf("sysdig record %d (ts %d tid %d) not found in the capture", n, ts, tid)
		}
		out[n] = evs[k]
		k++
	}
	return out
}
