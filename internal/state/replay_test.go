package state_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kestrel-project/kestrel/internal/capture/scap"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/state"
)

const capturesDir = "../../../shared/captures"

// replayed is what our state makes of one event, rendered the way
// sysdig 0.29.3 prints the fields we compare.
type replayed struct {
	typ, dir                   string
	name, pid, ppid, exepath   string
	fdnum, fdtype, fdname, cmd string
	user, container            string
	sip, sport, cip, cport     string
}

// fieldSep separates the fields in sysdig's output.
const fieldSep = "|#|"

var sysdigFormat = strings.Join([]string{"*%evt.type", "%evt.dir", "%proc.name", "%proc.pid", "%proc.ppid",
	"%proc.exepath", "%fd.num", "%fd.type", "%fd.name", "%proc.cmdline", "%user.name", "%container.id",
	"%fd.sip", "%fd.sport", "%fd.cip", "%fd.cport"}, fieldSep)

// render derives the compared fields from the state, with the simple
// rules sysdig's field extractors follow for them.
func render(tabs *state.Tables, rec *event.Record, p *state.Parsed) replayed {
	info := rec.Info()
	r := replayed{typ: info.Name, dir: info.Dir().String()}
	if rec.Type() == event.GenericE || rec.Type() == event.GenericX {
		id := event.Uint(event.PTSyscallID, rec.Param(0))
		r.typ = event.SyscallName(uint16(id))
	}
	th := p.Thread
	r.name, r.pid, r.ppid, r.exepath, r.cmd = "<NA>", "<NA>", "<NA>", "<NA>", "<NA>"
	r.fdnum, r.fdtype, r.fdname = "<NA>", "<NA>", "<NA>"
	r.user, r.container = "<NA>", "<NA>"
	r.sip, r.sport, r.cip, r.cport = "<NA>", "<NA>", "<NA>", "<NA>"
	if th == nil {
		return r
	}
	if u := tabs.Users().Lookup(th.UID, th.ContainerID); u != nil {
		r.user = u.Name
	} else if u := tabs.Users().Lookup(th.UID, ""); u != nil {
		r.user = u.Name
	}
	r.container = th.ContainerID
	if r.container == "" {
		r.container = "host"
	}
	r.name = th.Comm
	r.pid = strconv.FormatInt(th.Pid, 10)
	if m := th.Main(); m != nil {
		r.ppid = strconv.FormatInt(m.PTid, 10)
	}
	r.exepath = th.ExePath
	r.cmd = th.CmdLineWith(th.Comm)
	if info.Flags&(event.FlagUsesFD|event.FlagCreatesFD|event.FlagDestroysFD) != 0 {
		r.fdnum = strconv.FormatInt(p.FDNum, 10)
		if f := p.FD; f != nil {
			r.fdtype = state.TypeName(f.Type)
			r.fdname = f.Name
			role := f.RoleClient() || f.RoleServer()
			switch f.Type {
			case state.FDIPv4Sock, state.FDIPv6Sock:
				if role {
					r.cip, r.cport = f.ClientAddr.String(), strconv.Itoa(int(f.ClientPort))
					r.sip, r.sport = f.ServerAddr.String(), strconv.Itoa(int(f.ServerPort))
				}
			case state.FDIPv4ServSock, state.FDIPv6ServSock:
				r.sip, r.sport = f.ServerAddr.String(), strconv.Itoa(int(f.ServerPort))
			}
		}
	}
	return r
}

func (r replayed) fields() []string {
	return []string{r.typ, r.dir, r.name, r.pid, r.ppid, r.exepath, r.fdnum, r.fdtype, r.fdname, r.cmd,
		r.user, r.container, r.sip, r.sport, r.cip, r.cport}
}

var fieldNames = []string{"evt.type", "evt.dir", "proc.name", "proc.pid", "proc.ppid", "proc.exepath",
	"fd.num", "fd.type", "fd.name", "proc.cmdline", "user.name", "container.id",
	"fd.sip", "fd.sport", "fd.cip", "fd.cport"}

// replay feeds a capture to fresh tables and returns the rendered events.
func replay(t *testing.T, path string, each func(i int, rec *event.Record, p *state.Parsed)) (*state.Tables, []replayed) {
	t.Helper()
	r, err := scap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	snap, err := r.ReadMetadata()
	if err != nil {
		t.Fatal(err)
	}
	opts := state.Options{}
	if snap.Machine != nil {
		opts.BootTsEpoch = snap.Machine.BootTsEpoch
	}
	tabs := state.New(opts)
	tabs.SetInterfaces(snap.Interfaces)
	tabs.Seed(snap.Threads, snap.Users, snap.Groups)
	var out []replayed
	n := uint64(0)
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch it.Kind {
		case scap.KindEvent:
			n++
			p := tabs.Process(it.Event, n)
			if hiddenBySysdig(it.Event.Type()) {
				continue
			}
			out = append(out, render(tabs, it.Event, p))
			if each != nil {
				each(len(out)-1, it.Event, p)
			}
		case scap.KindThreads:
			// Process lists after the first event are not expected here.
		}
	}
	return tabs, out
}

// sysdigFields runs sysdig on the capture and returns its fields per
// event.
func sysdigFields(t *testing.T, path string) [][]string {
	t.Helper()
	bin, err := exec.LookPath("sysdig")
	if err != nil {
		if os.Getenv("KESTREL_REQUIRE_SYSDIG") != "" {
			t.Fatalf("sysdig missing (%v) and KESTREL_REQUIRE_SYSDIG is set", err)
		}
		t.Skip("sysdig not installed")
	}
	cmd := exec.Command(bin, "-r", path, "-p", sysdigFormat)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = io.Discard
	if err := cmd.Run(); err != nil {
		t.Fatalf("sysdig: %v", err)
	}
	var rows [][]string
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		rows = append(rows, strings.Split(sc.Text(), fieldSep))
	}
	return rows
}

func captureFiles(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	if len(files) == 0 {
		t.Skip("no captures in " + capturesDir)
	}
	return files
}

// TestReplayDump prints our fields next to sysdig's for a capture named
// in KESTREL_STATE_DUMP (a debugging aid).
func TestReplayDump(t *testing.T) {
	name := os.Getenv("KESTREL_STATE_DUMP")
	if name == "" {
		t.Skip("set KESTREL_STATE_DUMP=<capture file name>")
	}
	path := filepath.Join(capturesDir, name)
	_, ours := replay(t, path, nil)
	theirs := sysdigFields(t, path)
	for i := range ours {
		o := ours[i].fields()
		var s []string
		if i < len(theirs) {
			s = theirs[i]
		}
		mark := ""
		for k := range o {
			if k < len(s) && o[k] != s[k] {
				mark += " " + fieldNames[k] + "[" + o[k] + " | " + s[k] + "]"
			}
		}
		t.Logf("%d %s%s", i, strings.Join(o, " "), mark)
	}
}

// hiddenBySysdig reports the event types sysdig reads but never prints.
func hiddenBySysdig(code uint16) bool {
	switch code {
	case event.ProcinfoE, event.ScapeventE, event.ContainerE, event.ContainerJsonE, event.ContainerJsonE2, event.UserAddedE, event.UserDeletedE, event.GroupAddedE, event.GroupDeletedE:
		return true
	}
	return false
}

// sanitize drops non-printable characters, as sysdig does when printing.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// replayFacts are per-event facts the comparison needs besides the
// rendered fields.
type replayFacts struct {
	code     uint16
	res      int64
	hasEnter bool
	udp      bool
}

// TestReplayAgainstSysdig replays every capture and compares, event by
// event, the process and fd fields sysdig 0.29.3 derives with what our
// state makes derivable. Differences that come from the field layer (not
// the state) or from deliberate changes of newer libsinsp versions are
// classified and counted; anything else fails.
func TestReplayAgainstSysdig(t *testing.T) {
	for _, path := range captureFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var facts []replayFacts
			_, ours := replay(t, path, func(i int, rec *event.Record, p *state.Parsed) {
				f := replayFacts{code: rec.Type(), hasEnter: p.Enter != nil}
				if info := rec.Info(); len(info.Params) > 0 && event.IsExit(rec.Type()) && rec.NParams() > 0 {
					f.res = event.Int(info.Params[0].Type, rec.Param(0))
				}
				if p.FD != nil && p.FD.L4Proto == state.L4UDP {
					f.udp = true
				}
				facts = append(facts, f)
			})
			theirs := sysdigFields(t, path)
			if len(theirs) != len(ours) {
				t.Fatalf("sysdig printed %d events, we replayed %d", len(theirs), len(ours))
			}
			counts := map[string]int{}
			compared := 0
			for i := range ours {
				o, s, f := ours[i].fields(), theirs[i], facts[i]
				if len(s) != len(o) {
					t.Fatalf("event %d: sysdig row has %d fields", i, len(s))
				}
				for k := range o {
					ov, sv := sanitize(o[k]), sanitize(s[k])
					compared++
					if ov == sv {
						counts["agree"]++
						continue
					}
					why := classify(fieldNames[k], f, ov, sv, s)
					if why == "" {
						t.Errorf("event %d (%s %s): %s = %q, sysdig %q", i, o[0], o[1], fieldNames[k], ov, sv)
						continue
					}
					counts[why]++
				}
			}
			t.Logf("%d values compared: %v", compared, counts)
		})
	}
}

// classify explains a difference, or returns "".
func classify(field string, f replayFacts, ours, theirs string, row []string) string {
	switch field {
	case "evt.type":
		if f.code == event.GenericE || f.code == event.GenericX {
			return "generic syscall naming (field layer)"
		}
	case "fd.num", "fd.type", "fd.name", "fd.sip", "fd.sport", "fd.cip", "fd.cport":
		switch f.code {
		case event.MmapE, event.MmapX, event.Mmap2E, event.Mmap2X:
			// The current event table marks mmap as using an fd; the
			// 2022 one did not.
			return "mmap uses an fd in the current event table"
		}
		if field == "fd.cport" && ours == "<NA>" && theirs == "0" && row[14] == "<NA>" {
			return "fd.cport of a non-inet socket (field layer quirk)"
		}
		if field == "fd.name" && row[7] == "<NA>" {
			return "fd.name without fd info (field layer renders the event)"
		}
		if field == "fd.name" && f.code == event.ConnectX && f.res < 0 {
			return "failed connect (field layer renders the event)"
		}
		if event.IsExit(f.code) && !f.hasEnter && (ours == "-1" || ours == "<NA>") {
			return "exit without its enter: libsinsp 0.29 reuses a stale last fd"
		}
		if field == "fd.name" && f.udp && strings.Contains(ours, "->") && strings.Contains(theirs, "->") &&
			strings.SplitN(ours, "->", 2)[0] == strings.SplitN(theirs, "->", 2)[0] {
			return "connect overwrites a datagram socket's peer (libsinsp since 2022-04)"
		}
		if (field == "fd.sip" || field == "fd.sport") && f.udp && f.code != event.ConnectE {
			return "connect overwrites a datagram socket's peer (libsinsp since 2022-04)"
		}
	}
	return ""
}

// TestCaptureFacts checks facts of the captures that sysdig shows, without
// needing sysdig.
func TestCaptureFacts(t *testing.T) {
	captureFiles(t)
	type fact struct{ file, what, want string }
	got := map[string]string{}
	add := func(file, what, v string) {
		if _, ok := got[file+"/"+what]; !ok {
			got[file+"/"+what] = v
		}
	}
	for _, file := range []string{"curl_google.scap", "run_as_user_0_container.scap", "single_ipv6_conn.scap"} {
		replay(t, filepath.Join(capturesDir, file), func(i int, rec *event.Record, p *state.Parsed) {
			th := p.Thread
			if th == nil {
				return
			}
			switch rec.Type() {
			case event.ConnectX, event.AcceptX5, event.AcceptX:
				if f := p.FD; f != nil && f.Connected() && (f.Type == state.FDIPv6Sock || f.Type == state.FDIPv4Sock) {
					l4 := map[uint8]string{state.L4TCP: "tcp", state.L4UDP: "udp"}[f.L4()]
					add(file, rec.Info().Name+" "+l4, f.Name+" cip="+f.ClientAddr.String()+" sport="+strconv.Itoa(int(f.ServerPort)))
				}
			case event.ExecveX19, event.ExecveX18, event.ExecveX17, event.ExecveX16:
				if th.Comm == "ls" {
					add(file, "ls", strings.Join([]string{strconv.FormatInt(th.Pid, 10), strconv.FormatInt(th.PTid, 10),
						th.ContainerID, th.ExePath, th.CWD(), th.Parent().Comm}, " "))
				}
			}
		})
	}
	facts := []fact{
		{"curl_google.scap", "connect udp", "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e:40251->2001:4860:4860::8888:53 cip=2600:1f18:262c:6542:9aa6:df7a:9a47:d29e sport=53"},
		{"curl_google.scap", "connect tcp", "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e:37140->2607:f8b0:4004:802::2004:80 cip=2600:1f18:262c:6542:9aa6:df7a:9a47:d29e sport=80"},
		{"run_as_user_0_container.scap", "ls", "32052 25754 697956520d89 /bin/ls / bash"},
		{"single_ipv6_conn.scap", "accept tcp", "2001:db8::4:54405->2001:db8::3:1234 cip=2001:db8::4 sport=1234"},
		{"single_ipv6_conn.scap", "connect tcp", "2001:db8::4:54405->2001:db8::3:1234 cip=2001:db8::4 sport=1234"},
	}
	for _, f := range facts {
		if v := got[f.file+"/"+f.what]; v != f.want {
			t.Errorf("%s %s: got %q, want %q", f.file, f.what, v, f.want)
		}
	}
}
