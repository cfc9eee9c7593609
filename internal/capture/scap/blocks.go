package scap

import (
	"errors"
	"fmt"
)

// Block type numbers. The *Int values are the numbers used before libscap's
// first release, which libscap still accepts.
const (
	BlockSHB = 0x0A0D0D0A // section header

	BlockMI    = 0x201      // machine info
	BlockMIInt = 0x8002ABCD // machine info, pre-release number

	BlockPLV1    = 0x202 // process list, version 1
	BlockPLV1Int = 0x8000ABCD
	BlockPLV2    = 0x207
	BlockPLV2Int = 0x8013ABCD
	BlockPLV3    = 0x209
	BlockPLV3Int = 0x8014ABCD
	BlockPLV4    = 0x210
	BlockPLV5    = 0x211
	BlockPLV6    = 0x212
	BlockPLV7    = 0x213
	BlockPLV8    = 0x214
	BlockPLV9    = 0x215 // the version written today

	BlockFDL    = 0x203 // fd list of one thread
	BlockFDLInt = 0x8001ABCD
	BlockFDLV2  = 0x218

	BlockEV        = 0x204 // event, version-1 record header (no nparams)
	BlockEVInt     = 0x8010ABCD
	BlockEVV2      = 0x216
	BlockEVV2Large = 0x221

	BlockIL    = 0x205 // interface list
	BlockILInt = 0x8011ABCD
	BlockILV2  = 0x219

	BlockUL    = 0x206 // user and group list
	BlockULInt = 0x8012ABCD
	BlockULV2  = 0x220

	BlockEVF        = 0x208 // event with a flags word
	BlockEVFV2      = 0x217
	BlockEVFV2Large = 0x222
)

// Section header constants.
const (
	byteOrderMagic        = 0x1A2B3C4D
	byteOrderMagicSwapped = 0x4D3C2B1A
	// MajorVersion and MinorVersion are the format version the writer
	// produces (and the newest the reader knows).
	MajorVersion = 1
	MinorVersion = 2
)

// Sizes fixed by the format.
const (
	blockOverhead = 12         // type, length, trailing length
	shbBodySize   = 16         // magic u32, major u16, minor u16, section length u64
	miBodySize    = 180        // scap_machine_info, packed
	hostnameSize  = 128        // scap_machine_info.hostname
	smallEventMax = 1 << 16    // libscap's READER_BUF_SIZE: body+trailer bound of non-LARGE event blocks
	maxPathLen    = 1024       // SCAP_MAX_PATH_SIZE
	maxArgsLen    = 4096       // SCAP_MAX_ARGS_SIZE
	maxEnvLen     = 4096       // SCAP_MAX_ENV_SIZE
	maxCgroupsLen = 4096       // SCAP_MAX_CGROUPS_SIZE
	maxCredLen    = 256        // MAX_CREDENTIALS_STR_LEN
	sectionLength = ^uint64(0) // "unknown", what libscap writes
)

// MaxBlockSize bounds the total length of any block the reader accepts
// (64 MiB). libscap has no such bound for metadata blocks; a process list
// of a very large host is the only legitimate block that could approach it.
const MaxBlockSize = 64 << 20

// Flags of event blocks with flags (EVF), as libscap's dumper defines them.
const (
	// FlagStateOnly marks an event that updates state but is not shown
	// (SCAP_DF_STATE_ONLY).
	FlagStateOnly = 1 << 0
	// flagLarge is SCAP_DF_LARGE: an in-memory hint to the dumper to use a
	// LARGE block type; it is never stored.
	flagLarge = 1 << 2
)

// blockNames names every block type the format defines.
var blockNames = map[uint32]string{
	BlockSHB:        "SHB",
	BlockMI:         "MI",
	BlockMIInt:      "MI_INT",
	BlockPLV1:       "PL_V1",
	BlockPLV1Int:    "PL_V1_INT",
	BlockPLV2:       "PL_V2",
	BlockPLV2Int:    "PL_V2_INT",
	BlockPLV3:       "PL_V3",
	BlockPLV3Int:    "PL_V3_INT",
	BlockPLV4:       "PL_V4",
	BlockPLV5:       "PL_V5",
	BlockPLV6:       "PL_V6",
	BlockPLV7:       "PL_V7",
	BlockPLV8:       "PL_V8",
	BlockPLV9:       "PL_V9",
	BlockFDL:        "FDL",
	BlockFDLInt:     "FDL_INT",
	BlockFDLV2:      "FDL_V2",
	BlockEV:         "EV",
	BlockEVInt:      "EV_INT",
	BlockEVV2:       "EV_V2",
	BlockEVV2Large:  "EV_V2_LARGE",
	BlockIL:         "IL",
	BlockILInt:      "IL_INT",
	BlockILV2:       "IL_V2",
	BlockUL:         "UL",
	BlockULInt:      "UL_INT",
	BlockULV2:       "UL_V2",
	BlockEVF:        "EVF",
	BlockEVFV2:      "EVF_V2",
	BlockEVFV2Large: "EVF_V2_LARGE",
}

// BlockName returns a block type as "NAME 0xNUM" (e.g. "EV_V2 0x216"), or
// "unknown 0xNUM".
func BlockName(t uint32) string {
	if n, ok := blockNames[t]; ok {
		return fmt.Sprintf("%s %#x", n, t)
	}
	return fmt.Sprintf("unknown %#x", t)
}

// plVersion returns the process list layout version of a block type (1-9),
// or 0 if t is not a process list.
func plVersion(t uint32) int {
	switch t {
	case BlockPLV1, BlockPLV1Int:
		return 1
	case BlockPLV2, BlockPLV2Int:
		return 2
	case BlockPLV3, BlockPLV3Int:
		return 3
	case BlockPLV4:
		return 4
	case BlockPLV5:
		return 5
	case BlockPLV6:
		return 6
	case BlockPLV7:
		return 7
	case BlockPLV8:
		return 8
	case BlockPLV9:
		return 9
	}
	return 0
}

// eventBlock describes the event block kinds.
type eventBlock struct {
	v2       bool // record header carries nparams
	flags    bool // a u32 flags word follows the CPU id
	large    bool // LARGE kind: no 64 KiB bound
	isEvent  bool
	hdrBytes int
}

// evV2 is the block almost every event of a current capture comes in.
var evV2 = eventBlock{isEvent: true, v2: true, hdrBytes: 26}

func eventKind(t uint32) eventBlock {
	if t == BlockEVV2 {
		return evV2
	}
	switch t {
	case BlockEV, BlockEVInt:
		return eventBlock{isEvent: true, hdrBytes: 22}
	case BlockEVF:
		return eventBlock{isEvent: true, flags: true, hdrBytes: 22}
	case BlockEVV2Large:
		return eventBlock{isEvent: true, v2: true, large: true, hdrBytes: 26}
	case BlockEVFV2:
		return eventBlock{isEvent: true, v2: true, flags: true, hdrBytes: 26}
	case BlockEVFV2Large:
		return eventBlock{isEvent: true, v2: true, flags: true, large: true, hdrBytes: 26}
	}
	return eventBlock{}
}

// FormatError reports a capture that does not follow the format: a
// truncated or corrupt block, or a file that is not a capture at all.
type FormatError struct {
	Name   string // the capture's name as given to Open or NewReader
	Offset int64  // file offset of the damaged block, in the uncompressed stream
	Block  string // the block's type as BlockName gives it; empty if unknown
	Err    error
}

func (e *FormatError) Error() string {
	name := e.Name
	if name == "" {
		name = "capture"
	}
	if e.Block == "" {
		return fmt.Sprintf("scap %s: offset %d: %v", name, e.Offset, e.Err)
	}
	return fmt.Sprintf("scap %s: block %s at offset %d: %v", name, e.Block, e.Offset, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Errors wrapped by FormatError for the common cases.
var (
	// ErrTruncated means the file ends inside a block.
	ErrTruncated = errors.New("file truncated")
	// ErrNotCapture means the file does not start with a section header.
	ErrNotCapture = errors.New("not a scap capture")
	// ErrTooLarge means a block claims a length over MaxBlockSize (or, for
	// an event block that is not of a LARGE kind, over libscap's 64 KiB).
	ErrTooLarge = errors.New("block too large")
)
