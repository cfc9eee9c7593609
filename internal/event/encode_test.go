package event

import (
	"bytes"
	"strings"
	"testing"
)

func TestEncodeParam(t *testing.T) {
	cases := []struct {
		pt   ParamType
		v    any
		want []byte
	}{
		{PTUint8, 300, []byte{44}},
		{PTPort, uint16(0x1234), []byte{0x34, 0x12}},
		{PTFD, int64(-100), []byte{0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{PTBool, true, []byte{1, 0, 0, 0}},
		{PTCharBuf, "ab", []byte("ab\x00")},
		{PTCharBufArray, []string{"a", "bc"}, []byte("a\x00bc\x00")},
		{PTCharBufArray, []string{}, nil},
		{PTByteBuf, []byte{1, 2}, []byte{1, 2}},
		{PTByteBuf, nil, nil},
	}
	for _, c := range cases {
		got, err := EncodeParam(c.pt, c.v)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("EncodeParam(%d, %#v) = %v, %v; want %v", c.pt, c.v, got, err, c.want)
		}
	}
	if _, err := EncodeParam(PTUint32, "x"); err == nil {
		t.Error("a string as an integer was accepted")
	}
	if _, err := EncodeParam(PTCharBuf, 3.5); err == nil {
		t.Error("a float as a string was accepted")
	}
}

func TestBuildValues(t *testing.T) {
	var b Builder
	raw, err := b.BuildValues(7, 42, OpenatX2, int64(3), int64(-100), "/etc/passwd", uint32(1))
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	if err := r.Parse(raw); err != nil {
		t.Fatal(err)
	}
	if r.Ts() != 7 || r.Tid() != 42 || r.NParams() != 4 || CString(r.Param(2)) != "/etc/passwd" ||
		Int(PTFD, r.Param(1)) != -100 {
		t.Errorf("record: ts %d tid %d params %d", r.Ts(), r.Tid(), r.NParams())
	}
	if _, err := b.BuildValues(0, 1, OpenatX2, 1, 2, "x", 1, 2, 3, 4, 5); err == nil ||
		!strings.Contains(err.Error(), "8 values for the 7 parameters of openat") {
		t.Errorf("too many values: %v", err)
	}
	if _, err := b.BuildValues(0, 1, OpenatX2, "x"); err == nil || !strings.Contains(err.Error(), "openat parameter fd") {
		t.Errorf("bad value: %v", err)
	}
	if _, err := b.BuildValues(0, 1, MaxCode); err == nil {
		t.Error("unknown type accepted")
	}
}
