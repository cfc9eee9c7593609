package scap

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

func TestCaptures(t *testing.T) {
	dir := sharedDir(t)
	for _, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if (r.gz != nil) != c.gzip {
				t.Errorf("gzip detected = %v, want %v", r.gz != nil, c.gzip)
			}
			if major, minor := r.Version(); major != 1 || minor != c.minor {
				t.Errorf("version %d.%d, want 1.%d", major, minor, c.minor)
			}
			res := readAll(r)
			if res.err.Error() != "EOF" {
				t.Fatalf("read: %v", res.err)
			}
			if len(res.events) != c.blocks {
				t.Errorf("%d events, want %d", len(res.events), c.blocks)
			}
			shown := 0
			for _, e := range res.events {
				var rec event.Record
				if err := rec.Parse(e.raw); err != nil {
					t.Fatalf("event at %d does not parse again: %v", e.off, err)
				}
				if sysdigShows(rec.Type()) {
					shown++
				}
			}
			if shown != c.shown {
				t.Errorf("%d events sysdig would print, README says %d", shown, c.shown)
			}
			st := res.stats
			if st.Events != uint64(c.blocks) || st.SkippedEvents != 0 || st.SkippedBlocks != 0 || st.Sections != 1 {
				t.Errorf("stats %+v", st)
			}

			s := res.snap
			if len(s.Threads) == 0 || len(s.Users) == 0 || len(s.Groups) == 0 || len(s.Interfaces) == 0 || s.Machine == nil {
				t.Fatalf("metadata missing: %d threads, %d users, %d groups, %d interfaces, machine %v",
					len(s.Threads), len(s.Users), len(s.Groups), len(s.Interfaces), s.Machine)
			}
			if s.Machine.NumCPUs == 0 || s.Machine.Hostname == "" || s.Machine.MemorySizeBytes == 0 {
				t.Errorf("machine info %+v", *s.Machine)
			}
			comms := map[string]bool{}
			fds := 0
			for _, th := range s.Threads {
				comms[th.Comm] = true
				fds += len(th.FDs)
				if th.Tid <= 0 || th.Pid <= 0 {
					t.Errorf("thread %+v has no ids", th)
				}
			}
			for _, want := range c.comms {
				if !comms[want] {
					t.Errorf("no thread named %q", want)
				}
			}
			if fds == 0 {
				t.Error("no fds attached to any thread")
			}
			root := false
			for _, u := range s.Users {
				if u.UID == 0 && u.Name == "root" && u.HomeDir == "/root" {
					root = true
				}
			}
			if !root {
				t.Error("no root user")
			}
			lo := false
			for _, ifc := range s.Interfaces {
				if ifc.Name == "lo" && ifc.Addr.String() == "127.0.0.1" {
					lo = true
				}
			}
			if !lo {
				t.Errorf("no lo 127.0.0.1 among %+v", s.Interfaces)
			}
		})
	}
}

// TestSampleMetadata checks decoded values of sample.scap against what
// sysdig shows for the same threads.
func TestSampleMetadata(t *testing.T) {
	res := readFile(t, filepath.Join(sharedDir(t), "sample.scap"))
	var found bool
	for _, th := range res.snap.Threads {
		if th.Tid != 2987 {
			continue
		}
		found = true
		// sysdig: "2987 sysdig ... 2987 1629 2986 sysdig -w sample.scap"
		if th.Comm != "sysdig" || th.Pid != 2987 || th.Sid != 1629 || th.VPgid != 2986 ||
			!slices.Equal(th.Args, []string{"-w", "sample.scap"}) || th.UID != 0 {
			t.Errorf("sysdig thread %+v", th)
		}
		if th.ExePath != "/usr/bin/sysdig" || th.Cwd != "/root" || len(th.Env) == 0 || len(th.Cgroups) != 3 {
			t.Errorf("sysdig thread lacks v7-v9 fields: %+v", th)
		}
		// The fields libs 0.10 inserted before loginuid: tty 34817 is
		// /dev/pts/1 (major 136), the terminal its fds 0-2 point to, and
		// the login uid is the vagrant user's.
		if th.TTY != 136<<8|1 || th.LoginUID != 1000 || th.PidnsInitStartTs == 0 || !th.ExeWritable ||
			th.CapEffective != 1<<41-1 || th.ExeIno == 0 || th.ExeInoMtime == 0 {
			t.Errorf("sysdig thread tail fields: tty %d loginuid %d pidns start %d writable %v caps %#x ino %d",
				th.TTY, th.LoginUID, th.PidnsInitStartTs, th.ExeWritable, th.CapEffective, th.ExeIno)
		}
		// This capture predates pgid (appended later): the default stays.
		if th.Pgid != -1 {
			t.Errorf("pgid %d, want -1 (absent)", th.Pgid)
		}
		if len(th.FDs) != 11 || th.FDs[7].Name != "/root/sample.scap" || th.FDs[7].Type != state.FDFileV2 {
			t.Errorf("fds %+v", th.FDs)
		}
	}
	if !found {
		t.Fatal("no thread 2987")
	}
}

// TestSysdigEventOrder checks every event sysdig prints against the reader:
// sysdig's evt.num is the position of the event among those its libraries
// return, so the reader's n-th event (counting codes sysdig knows) must
// have the timestamp, thread and direction sysdig prints for evt.num n.
// The first evt.num printed need not be 1: curl_google.scap starts with
// 210 procinfo events, which are counted but not printed.
func TestSysdigEventOrder(t *testing.T) {
	dir := sharedDir(t)
	sysdigPath(t)
	for _, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			res := readFile(t, path)
			var known []event.Record
			for _, e := range res.events {
				var rec event.Record
				if err := rec.Parse(e.raw); err != nil {
					t.Fatal(err)
				}
				if rec.Type() < sysdigMaxCode {
					known = append(known, rec)
				}
			}
			threads := map[int64]string{}
			for _, th := range res.snap.Threads {
				threads[th.Tid] = th.Comm
			}
			seen := map[int64]bool{}
			lines := runSysdig(t, path, "*%evt.num %evt.rawtime %thread.tid %evt.dir %evt.type %proc.name")
			if len(lines) != c.shown {
				t.Errorf("sysdig printed %d lines, want %d", len(lines), c.shown)
			}
			checkedNames := 0
			for _, line := range lines {
				f := strings.Fields(line)
				if len(f) != 6 {
					t.Fatalf("sysdig line %q", line)
				}
				num, _ := strconv.Atoi(f[0])
				ts, _ := strconv.ParseUint(f[1], 10, 64)
				tid, _ := strconv.ParseInt(f[2], 10, 64)
				if num < 1 || num > len(known) {
					t.Fatalf("evt.num %d out of range (%d events)", num, len(known))
				}
				rec := &known[num-1]
				dir := ">"
				if event.IsExit(rec.Type()) {
					dir = "<"
				}
				if rec.Ts() != ts || rec.Tid() != tid || dir != f[3] {
					t.Fatalf("evt.num %d: sysdig says ts %d tid %d dir %s, reader has ts %d tid %d dir %s (%s)",
						num, ts, tid, f[3], rec.Ts(), rec.Tid(), dir, rec.Info().Name)
				}
				// The first event of a thread from the process list shows
				// the comm the list gives (execve exits change it first).
				if comm, ok := threads[tid]; ok && !seen[tid] && f[4] != "execve" {
					if f[5] != comm {
						t.Errorf("evt.num %d: sysdig proc.name %q, process list comm %q", num, f[5], comm)
					}
					checkedNames++
				}
				seen[tid] = true
			}
			t.Logf("%d lines matched, %d process names checked", len(lines), checkedNames)
		})
	}
}

func TestFirstEventNumberCurl(t *testing.T) {
	dir := sharedDir(t)
	res := readFile(t, filepath.Join(dir, "curl_google.scap"))
	n := 0
	for _, e := range res.events {
		var rec event.Record
		if err := rec.Parse(e.raw); err != nil {
			t.Fatal(err)
		}
		if rec.Type() != event.ProcinfoE {
			break
		}
		n++
	}
	if n != 210 {
		t.Errorf("curl_google.scap starts with %d procinfo events, want 210", n)
	}
}
