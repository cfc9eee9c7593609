package scap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// blockInfo is a block of a well-formed capture.
type blockInfo struct {
	off, end int64
	typ      uint32
	event    bool // yields an event item
}

// scanBlocks lists the blocks of a well-formed uncompressed capture.
func scanBlocks(t testing.TB, data []byte) []blockInfo {
	t.Helper()
	var out []blockInfo
	for off := 0; off < len(data); {
		typ := binary.LittleEndian.Uint32(data[off:])
		n := int(binary.LittleEndian.Uint32(data[off+4:]))
		out = append(out, blockInfo{off: int64(off), end: int64(off + n), typ: typ, event: eventKind(typ).isEvent})
		off += n
	}
	return out
}

// readBytes reads a capture from memory with NewReader.
func readBytes(data []byte) (readResult, error) {
	r, err := NewReader(bytes.NewReader(data), "mem")
	if err != nil {
		return readResult{}, err
	}
	return readAll(r), nil
}

// checkPrefix checks the outcome of reading a damaged capture whose first
// good bytes are an intact prefix: every event of a block before the first
// damaged block came out unchanged and in order, and the reader stopped
// with a *FormatError naming the first block it could not read.
func checkPrefix(t *testing.T, what string, full readResult, blocks []blockInfo, res readResult, openErr error, damagedAt int64) {
	t.Helper()
	if openErr != nil {
		fe := asFormatError(t, openErr)
		if fe.Offset != 0 || damagedAt >= blocks[0].end {
			t.Fatalf("%s: NewReader failed at offset %d: %v", what, fe.Offset, openErr)
		}
		return
	}
	// The events of blocks ending before the damage must all be there.
	// (damagedAt < 0: the damage is somewhere in a compressed stream.)
	wantEvents := 0
	for _, b := range blocks {
		if b.end <= damagedAt && b.event {
			wantEvents++
		}
	}
	if damagedAt < 0 {
		damagedAt = blocks[len(blocks)-1].end
	}
	if len(res.events) < wantEvents {
		t.Fatalf("%s: %d events before the error, want at least %d: %v", what, len(res.events), wantEvents, res.err)
	}
	for i, e := range res.events {
		if i >= len(full.events) || !bytes.Equal(e.raw, full.events[i].raw) || e.off != full.events[i].off {
			if e.off < damagedAt {
				t.Fatalf("%s: event %d (offset %d) differs from the intact file's", what, i, e.off)
			}
		}
	}
	if res.err == io.EOF {
		return
	}
	fe := asFormatError(t, res.err)
	// The error names the block after the last item returned.
	var next int64 = blocks[0].end
	if n := len(res.items); n > 0 {
		last := res.items[n-1].Offset
		for _, b := range blocks {
			if b.off == last {
				next = b.end
			}
		}
	}
	if fe.Offset != next {
		t.Fatalf("%s: error at offset %d, want %d (the block after the last item): %v", what, fe.Offset, next, fe)
	}
	if fe.Offset > damagedAt {
		t.Fatalf("%s: error at offset %d, after the damage at %d: %v", what, fe.Offset, damagedAt, fe)
	}
}

func cutPoints(blocks []blockInfo, size int, rng *rand.Rand) []int {
	var cuts []int
	seen := map[uint32]bool{}
	for i, b := range blocks {
		// Every block near the start, the first block of each type, and
		// a sample of the rest.
		if i > 40 && seen[b.typ] && rng.IntN(40) != 0 {
			continue
		}
		seen[b.typ] = true
		for _, d := range []int64{0, 1, 4, 7, 8, 9, 12, 20, 30} {
			if c := b.off + d; c < int64(size) {
				cuts = append(cuts, int(c))
			}
		}
		if c := b.end - 1; c > b.off {
			cuts = append(cuts, int(c))
		}
		if c := b.end - 4; c > b.off {
			cuts = append(cuts, int(c))
		}
	}
	for range 100 {
		cuts = append(cuts, rng.IntN(size))
	}
	return cuts
}

// TestTruncated cuts each capture (uncompressed) at many offsets.
func TestTruncated(t *testing.T) {
	dir := sharedDir(t)
	for i, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(i)))
			data := rawCapture(t, filepath.Join(dir, c.file))
			full, err := readBytes(data)
			if err != nil || full.err != io.EOF {
				t.Fatal(err, full.err)
			}
			blocks := scanBlocks(t, data)
			for _, cut := range cutPoints(blocks, len(data), rng) {
				res, err := readBytes(data[:cut])
				checkPrefix(t, "cut at "+strconv.Itoa(cut), full, blocks, res, err, int64(cut))
				if err != nil {
					continue
				}
				atBoundary := false
				for _, b := range blocks {
					if b.end == int64(cut) {
						atBoundary = true
					}
				}
				if atBoundary != (res.err == io.EOF) {
					t.Fatalf("cut at %d (block boundary %v): final error %v", cut, atBoundary, res.err)
				}
				if res.err != io.EOF && !errors.Is(res.err, ErrTruncated) {
					t.Fatalf("cut at %d: %v does not wrap ErrTruncated", cut, res.err)
				}
			}
		})
	}
}

// TestTruncatedGzip cuts the compressed files: the reader returns a prefix
// of the events and then a *FormatError.
func TestTruncatedGzip(t *testing.T) {
	dir := sharedDir(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range captures {
		if !c.gzip {
			continue
		}
		t.Run(c.file, func(t *testing.T) {
			gz, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			data := rawCapture(t, filepath.Join(dir, c.file))
			full, _ := readBytes(data)
			blocks := scanBlocks(t, data)
			for range 150 {
				cut := rng.IntN(len(gz))
				res, err := readBytes(gz[:cut])
				checkPrefix(t, "gzip cut at "+strconv.Itoa(cut), full, blocks, res, err, -1)
				if err == nil && res.err == io.EOF {
					t.Fatalf("gzip cut at %d of %d: clean end", cut, len(gz))
				}
			}
		})
	}
}

// TestCorrupted damages single blocks in ways with a known outcome, and
// flips random bytes (no panic, an intact prefix, errors typed).
func TestCorrupted(t *testing.T) {
	dir := sharedDir(t)
	for i, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(5, uint64(i)))
			data := rawCapture(t, filepath.Join(dir, c.file))
			full, _ := readBytes(data)
			blocks := scanBlocks(t, data)
			type damage struct {
				name string
				do   func(b []byte, blk blockInfo)
			}
			put := func(b []byte, at int64, v uint32) { binary.LittleEndian.PutUint32(b[at:], v) }
			damages := []damage{
				{"length huge", func(b []byte, k blockInfo) { put(b, k.off+4, 0xfffffff0) }},
				{"length tiny", func(b []byte, k blockInfo) { put(b, k.off+4, 4) }},
				{"length +4", func(b []byte, k blockInfo) { put(b, k.off+4, uint32(k.end-k.off+4)) }},
				{"length -4", func(b []byte, k blockInfo) { put(b, k.off+4, uint32(k.end-k.off-4)) }},
				{"trailer", func(b []byte, k blockInfo) { put(b, k.end-4, uint32(k.end-k.off+8)) }},
			}
			seen := map[uint32]bool{}
			for i, blk := range blocks {
				if i > 30 && seen[blk.typ] && rng.IntN(60) != 0 {
					continue
				}
				seen[blk.typ] = true
				for _, d := range damages {
					b := bytes.Clone(data)
					d.do(b, blk)
					res, err := readBytes(b)
					what := d.name + " of " + BlockName(blk.typ) + " at " + strconv.Itoa(int(blk.off))
					checkPrefix(t, what, full, blocks, res, err, blk.off)
					if err == nil && res.err == io.EOF {
						t.Fatalf("%s: not detected", what)
					}
					if err == nil {
						if fe := asFormatError(t, res.err); fe.Offset != blk.off || fe.Block != BlockName(blk.typ) {
							t.Fatalf("%s: error names %q at %d", what, fe.Block, fe.Offset)
						}
					}
				}
				if blk.event {
					// An event length past the block's end.
					b := bytes.Clone(data)
					pos := blk.off + 10
					if eventKind(blk.typ).flags {
						pos += 4
					}
					put(b, pos+16, uint32(blk.end-blk.off))
					res, err := readBytes(b)
					checkPrefix(t, "event length", full, blocks, res, err, blk.off)
					if fe := asFormatError(t, res.err); fe.Offset != blk.off {
						t.Fatalf("event length at %d: error at %d", blk.off, fe.Offset)
					}
				}
			}
			// Random byte flips: anything may happen after the damage, but
			// nothing before it changes and every error is typed.
			for range 150 {
				b := bytes.Clone(data)
				at := rng.IntN(len(b))
				b[at] ^= byte(1 + rng.IntN(255))
				res, err := readBytes(b)
				var damaged int64
				for _, blk := range blocks {
					if blk.off <= int64(at) && int64(at) < blk.end {
						damaged = blk.off
					}
				}
				if err != nil {
					asFormatError(t, err)
					continue
				}
				for i, e := range res.events {
					if e.off < damaged && !bytes.Equal(e.raw, full.events[i].raw) {
						t.Fatalf("flip at %d: event %d before the damage differs", at, i)
					}
				}
				if res.err != io.EOF {
					if fe := asFormatError(t, res.err); fe.Offset < damaged {
						t.Fatalf("flip at %d (block at %d): error at %d", at, damaged, fe.Offset)
					}
				}
			}
		})
	}
}

// TestCorruptedGzip flips bytes of the compressed stream.
func TestCorruptedGzip(t *testing.T) {
	dir := sharedDir(t)
	rng := rand.New(rand.NewPCG(7, 8))
	gz, err := os.ReadFile(filepath.Join(dir, "test_ipv6_client.scap"))
	if err != nil {
		t.Fatal(err)
	}
	data := rawCapture(t, filepath.Join(dir, "test_ipv6_client.scap"))
	full, _ := readBytes(data)
	for range 200 {
		b := bytes.Clone(gz)
		at := 10 + rng.IntN(len(b)-10)
		b[at] ^= byte(1 + rng.IntN(255))
		res, err := readBytes(b)
		if err != nil {
			asFormatError(t, err)
			continue
		}
		if res.err == io.EOF {
			// A flip in the gzip trailer's size field, or one flate
			// tolerates, can go unnoticed only if the CRC still matches,
			// which it cannot for changed data.
			if len(res.events) != len(full.events) {
				t.Fatalf("flip at %d: clean end after %d events", at, len(res.events))
			}
			continue
		}
		asFormatError(t, res.err)
	}
}

// TestNotCapture covers files that are not captures at all.
func TestNotCapture(t *testing.T) {
	var gzEmpty bytes.Buffer
	zw := gzip.NewWriter(&gzEmpty)
	zw.Close()
	shb := func(magic uint32, major, minor uint16) []byte {
		b := make([]byte, 28)
		put32 := binary.LittleEndian.PutUint32
		put32(b[0:], BlockSHB)
		put32(b[4:], 28)
		put32(b[8:], magic)
		binary.LittleEndian.PutUint16(b[12:], major)
		binary.LittleEndian.PutUint16(b[14:], minor)
		put32(b[24:], 28)
		return b
	}
	cases := map[string][]byte{
		"empty":         nil,
		"gzip empty":    gzEmpty.Bytes(),
		"short":         []byte{0x0a, 0x0d, 0x0d},
		"text":          []byte("hello, this is not a capture file at all"),
		"gzip garbage":  {0x1f, 0x8b, 1, 2, 3},
		"big-endian":    shb(byteOrderMagicSwapped, 1, 2),
		"bad magic":     shb(0x12345678, 1, 2),
		"major 2":       shb(byteOrderMagic, 2, 0),
		"major 0":       shb(byteOrderMagic, 0, 1),
		"shb too short": shb(byteOrderMagic, 1, 2)[:20],
	}
	for name, data := range cases {
		_, err := NewReader(bytes.NewReader(data), name)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		fe := asFormatError(t, err)
		if fe.Offset != 0 {
			t.Errorf("%s: offset %d", name, fe.Offset)
		}
		t.Logf("%s: %v", name, err)
	}
	// Minor versions newer than 2 are read, as libscap does.
	r, err := NewReader(bytes.NewReader(shb(byteOrderMagic, 1, 3)), "minor 3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("header-only capture: %v", err)
	}
}
