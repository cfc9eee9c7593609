// Package scap reads and writes capture files in libscap's scap format.
//
// A capture file is a sequence of pcapng-style blocks, all little-endian:
//
//	u32 block type | u32 total length | body | zero padding to 4 | u32 total length
//
// The first block is the section header (byte-order magic 0x1A2B3C4D,
// format version 1.0, 1.1 or 1.2, section length). Metadata blocks follow
// (machine info, interface list, user list, process list, one fd list per
// thread), then one block per event: a u16 CPU id, for the "EVF" kinds a
// u32 flags word, then the event record itself (see package event). Files
// may be gzip-compressed as a whole; the reader detects that.
//
// Reader returns the blocks one at a time as Items: events as views into a
// buffer it owns, metadata decoded into the snapshot types of package
// state. It understands every block version libscap still reads (process
// lists V1 to V9, fd/interface/user lists V1 and V2, events V1, V2 and
// V2_LARGE with and without flags, and the pre-release "_INT" block
// numbers), upgrades version-1 event records to the current 26-byte header
// as libscap does, and reports damage as a *FormatError carrying the file
// offset of the damaged block, after every event before it.
//
// Events are returned as stored. libscap's reader additionally rewrites
// old event versions (enter events with since-moved parameters, events
// flagged EF_OLD_VERSION) through its converter; that step belongs to the
// consumers of events and is not done here.
//
// Writer produces the layout libscap's dumper writes today: section header
// 1.2, MI, IL_V2, UL_V2, PL_V9, one FDL_V2 per thread, then EV_V2,
// EV_V2_LARGE, EVF_V2 or EVF_V2_LARGE blocks. Readers built on libraries
// older than 0.10 (Debian's sysdig 0.29.3) read that layout but misread
// loginuid, and refuse fd types newer than SCAP_FD_FILE_V2; the
// LegacyLayout option writes what they read correctly.
package scap
