package event

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// fakeState is an FDResolver built, for one event, from what sysdig
// printed for that event: the fds, thread names and users it decoded, and
// the thread's cwd.
type fakeState struct {
	tid    int64
	cwd    string
	fds    map[int64]fakeFD
	comms  map[int64]string
	users  map[uint32]string
	groups map[uint32]string
}

type fakeFD struct {
	tc, proto byte
	name      string
}

func (s *fakeState) FDInfo(tid, fd int64) (byte, string, bool) {
	f, ok := s.fds[fd]
	return f.tc, f.name, ok
}

func (s *fakeState) FDL4Proto(tid, fd int64) byte { return s.fds[fd].proto }

func (s *fakeState) ThreadInfo(tid int64) (string, string, bool) {
	if c, ok := s.comms[tid]; ok {
		return c, s.cwd, true
	}
	if tid == s.tid {
		return "", s.cwd, true
	}
	return "", "", false
}

func (s *fakeState) UserName(tid int64, uid uint32) (string, bool) {
	n, ok := s.users[uid]
	return n, ok
}

func (s *fakeState) GroupName(tid int64, gid uint32) (string, bool) {
	n, ok := s.groups[gid]
	return n, ok
}

// splitArgs splits sysdig's evt.args text into the values of the given
// parameter names. ok is false when the names cannot be found in order.
func splitArgs(s string, names []string) ([]string, bool) {
	s = strings.TrimSuffix(s, " ")
	if len(names) == 0 {
		return nil, s == ""
	}
	if !strings.HasPrefix(s, names[0]+"=") {
		return nil, false
	}
	pos := len(names[0]) + 1
	vals := make([]string, len(names))
	for k := range names {
		if k == len(names)-1 {
			vals[k] = s[pos:]
			break
		}
		sep := " " + names[k+1] + "="
		idx := strings.Index(s[pos:], sep)
		if idx < 0 {
			return nil, false
		}
		vals[k] = s[pos : pos+idx]
		pos += idx + len(sep)
	}
	return vals, true
}

// splitDecoded splits "value(decoded)" into its parts.
func splitDecoded(v string) (string, string, bool) {
	if !strings.HasSuffix(v, ")") {
		return v, "", false
	}
	i := strings.IndexByte(v, '(')
	if i < 0 {
		return v, "", false
	}
	return v[:i], v[i+1 : len(v)-1], true
}

// buildFakeState collects what sysdig decoded in the event's parameters.
func buildFakeState(r *Record, vals []string, cwd string) *fakeState {
	s := &fakeState{tid: r.Tid(), cwd: cwd, fds: map[int64]fakeFD{}, comms: map[int64]string{},
		users: map[uint32]string{}, groups: map[uint32]string{}}
	info := r.Info()
	for k, v := range vals {
		p := info.Params[k]
		typ := p.Type
		if typ == PTDyn && p.Dyn != nil && len(r.Param(k)) > 0 && int(r.Param(k)[0]) < len(p.Dyn.Variants) {
			typ = p.Dyn.Variants[r.Param(k)[0]].Type
		}
		num, dec, has := splitDecoded(v)
		switch typ {
		case PTFD:
			fd, err := strconv.ParseInt(num, 10, 64)
			if err != nil || !has || !strings.HasPrefix(dec, "<") {
				continue
			}
			end := strings.IndexByte(dec, '>')
			ts := dec[1:end]
			f := fakeFD{name: dec[end+1:]}
			if len(ts) > 0 {
				f.tc = ts[0]
			}
			if len(ts) > 1 {
				f.proto = ts[1]
			}
			s.fds[fd] = f
		case PTFDList:
			for _, e := range strings.Fields(v) {
				c := strings.IndexByte(e, ':')
				fd, err := strconv.ParseUint(e[:c], 10, 64)
				if err != nil || e[c+1] == '?' {
					continue
				}
				if _, ok := s.fds[int64(fd)]; !ok {
					s.fds[int64(fd)] = fakeFD{tc: e[c+1]}
				}
			}
		case PTPID:
			if has {
				pid, _ := strconv.ParseInt(num, 10, 64)
				s.comms[pid] = dec
			}
		case PTUID, PTGID:
			if has && dec != "<NA>" && dec != "<NONE>" {
				id, _ := strconv.ParseInt(num, 10, 64)
				if typ == PTUID {
					s.users[uint32(id)] = dec
				} else {
					s.groups[uint32(id)] = dec
				}
			}
		}
	}
	return s
}

// hasFDParam reports whether rendering the record needs fd state.
func hasFDParam(r *Record) bool {
	info := r.Info()
	for k := 0; k < min(r.NParams(), len(info.Params)); k++ {
		p := info.Params[k]
		switch p.Type {
		case PTFD, PTFDList:
			return true
		case PTDyn:
			if b := r.Param(k); p.Dyn != nil && len(b) > 0 && int(b[0]) < len(p.Dyn.Variants) && p.Dyn.Variants[b[0]].Type == PTFD {
				return true
			}
		}
	}
	return false
}

func paramNames(r *Record) []string {
	info := r.Info()
	n := min(r.NParams(), len(info.Params))
	names := make([]string, n)
	for k := range names {
		names[k] = info.Params[k].Name
	}
	return names
}

// Differences between current libsinsp and sysdig 0.29.3 (libraries of
// March 2022) that the comparison allows, each with a name used in the
// agreement report. testdata/render/README.md explains them.

// sysdig029Params lists the parameters whose event-table description was
// different in sysdig 0.29.3's libraries.
var sysdig029Params = map[uint16]map[int]Param{
	MmapX:   {0: {Name: "res", Type: PTUint64, Format: PFHex}},
	Mmap2X:  {0: {Name: "res", Type: PTUint64, Format: PFHex}},
	SocketE: {0: {Name: "domain", Type: PTFlags32, Format: PFDec, Flags: SocketFamilies}},
	ExecveX19: {
		16: {Name: "tty", Type: PTInt32, Format: PFDec},
		17: {Name: "pgid", Type: PTPID, Format: PFDec},
		18: {Name: "loginuid", Type: PTInt32, Format: PFDec},
	},
}

// sysdig029SyscallNames lists the syscall codes sysdig 0.29.3 named
// differently.
var sysdig029SyscallNames = map[uint16]string{ScRtSigreturn: "sigreturn"}

// compat renders records as sysdig 0.29.3 did, noting which differences
// with the current rendering it had to apply.
type compat struct {
	r    *Record
	st   FDResolver
	opts RenderOptions
	used map[string]bool
}

func (c *compat) note(rule string) {
	if c.used != nil {
		c.used[rule] = true
	}
}

func (c *compat) param(i int) (value, decoded string) {
	info := c.r.Info()
	p := info.Params[i]
	rule := ""
	if ov, ok := sysdig029Params[info.Code][i]; ok {
		p, rule = ov, "table-"+info.Name+"-"+ov.Name
	}
	b := c.r.Param(i)
	cur := renderer{r: c.r, info: info, fds: c.st, opts: c.opts}
	v0, d0 := cur.param(i)
	if p.Type == PTByteBuf && len(b) == 0 {
		if v0 != "" {
			c.note("empty-bytebuf")
		}
		return "", ""
	}
	info2 := *info
	info2.Params = append([]Param(nil), info.Params...)
	info2.Params[i] = p
	rn := renderer{r: c.r, info: &info2, fds: c.st, opts: c.opts}
	value, decoded = rn.param(i)
	if rule != "" && (value != v0 || decoded != d0) {
		c.note(rule)
	}
	switch p.Type {
	case PTFlags8, PTFlags16, PTFlags32:
		// 0.29.3 decoded bit sets with the algorithm PT_MODE still uses.
		if p.Flags != nil {
			if d := ModeText(p.Flags, uint64(Uint(p.Type, b))); d != decoded {
				decoded = d
				c.note("flags-algorithm")
			}
		}
	case PTSyscallID:
		if n, ok := sysdig029SyscallNames[U16(b)]; ok {
			decoded = n
			c.note("syscall-names")
		}
	}
	return value, decoded
}

func (c *compat) names() []string {
	names := paramNames(c.r)
	for i, p := range sysdig029Params[c.r.Info().Code] {
		if i < len(names) {
			names[i] = p.Name
		}
	}
	return names
}

func (c *compat) args() string {
	info := c.r.Info()
	if info.Code == GenericE || info.Code == GenericX {
		return ""
	}
	var parts []string
	for i, n := range c.names() {
		v, d := c.param(i)
		if d != "" {
			v += "(" + d + ")"
		}
		parts = append(parts, n+"="+v)
	}
	return strings.Join(parts, " ")
}

func (c *compat) arg(i int) string {
	if i >= len(paramNames(c.r)) {
		return "<NA>"
	}
	v, d := c.param(i)
	if d != "" {
		return d
	}
	return v
}

func (c *compat) typeName() string {
	info := c.r.Info()
	if info.Code == GenericE || info.Code == GenericX {
		if n, ok := sysdig029SyscallNames[U16(c.r.Param(0))]; ok {
			c.note("syscall-names")
			return n
		}
	}
	return TypeName(c.r)
}

// oldRes is 0.29.3's evt.res: the "res" parameter, or the "fd" parameter
// of exit events that create fds.
func (c *compat) oldRes() (idx int, ok bool) {
	if i := paramIndex(c.r, "res"); i >= 0 {
		return i, true
	}
	info := c.r.Info()
	if info.Flags&FlagCreatesFD != 0 && IsExit(info.Code) {
		if i := paramIndex(c.r, "fd"); i >= 0 {
			return i, true
		}
	}
	return -1, false
}

func (c *compat) res() string {
	cur, ok := ResText(c.r, c.st)
	if !ok {
		cur = "<NA>"
	}
	old := "<NA>"
	if i, ok := c.oldRes(); ok {
		if int64(U64(c.r.Param(i))) >= 0 {
			old = "SUCCESS"
		} else {
			old = c.arg(i)
		}
	}
	if old != cur {
		c.note("res-first-param")
	}
	return old
}

func (c *compat) failed() string {
	cur := "<NA>"
	if f, ok := Failed(c.r); ok {
		cur = fmt.Sprint(f)
	}
	old := "false"
	if i, ok := c.oldRes(); ok && int64(U64(c.r.Param(i))) < 0 {
		old = "true"
	}
	if old != cur {
		c.note("failed-without-res")
	}
	return old
}

// oldRawArg is 0.29.3's evt.rawarg.NAME: the value printed by the type of
// the first parameter of that name in the event table, in no print
// format, with byte buffers as raw strings.
func (c *compat) oldRawArg(name string) string {
	cur := "<NA>"
	if s, ok := RawArgText(c.r, name, RenderOptions{}); ok {
		cur = s
	}
	i := slices.Index(c.names(), name)
	if i >= 0 && c.r.Info().Params[i].Name != name {
		c.note("table-" + c.r.Info().Name + "-" + name)
	}
	old := "<NA>"
	if i >= 0 {
		gp := firstParamNamed(name)
		if gp.Type == PTByteBuf {
			old = CString(c.r.Param(i))
		} else if s, ok := RawValueText(gp.Type, PFNA, c.r.Param(i), BufNormal); ok {
			old = s
		}
	}
	if old != cur {
		c.note("rawarg-semantics")
	}
	return old
}

func firstParamNamed(name string) *Param {
	for c := range events {
		for k := range events[c].Params {
			if events[c].Params[k].Name == name {
				return &events[c].Params[k]
			}
		}
	}
	return nil
}

// captureStats is the agreement report of one capture.
type captureStats struct {
	events, argsExact, fdFree, fdFreeExact int
	fields, fieldsExact                    int
	rules                                  map[string]int
	perField                               map[string][2]int // field -> {exact, total}
}

func TestRenderSysdig(t *testing.T) {
	var summary []string
	fieldTotals := map[string][2]int{}
	for _, capture := range renderCaptures {
		st := checkCapture(t, capture)
		for k, v := range st.perField {
			f := fieldTotals[k]
			fieldTotals[k] = [2]int{f[0] + v[0], f[1] + v[1]}
		}
		keys := make([]string, 0, len(st.rules))
		for k := range st.rules {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var rules []string
		for _, k := range keys {
			rules = append(rules, fmt.Sprintf("%s=%d", k, st.rules[k]))
		}
		summary = append(summary, fmt.Sprintf("%-30s events %4d  evt.args exact %4d (%5.1f%%)  fd-free %4d/%4d (%5.1f%%)  other fields exact %5d/%5d (%5.1f%%)  known differences: %s",
			capture, st.events, st.argsExact, pct(st.argsExact, st.events), st.fdFreeExact, st.fdFree, pct(st.fdFreeExact, st.fdFree),
			st.fieldsExact, st.fields, pct(st.fieldsExact, st.fields), strings.Join(rules, " ")))
	}
	for _, s := range summary {
		t.Log(s)
	}
	t.Log("fields that differ from sysdig 0.29.3 (current rendering, all captures; exact/total):")
	keys := make([]string, 0, len(fieldTotals))
	for k := range fieldTotals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := fieldTotals[k]; v[0] != v[1] {
			t.Logf("  %-24s %6d/%6d", k, v[0], v[1])
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

var variantOptions = map[string]RenderOptions{
	"main":     {MaxLen: SysdigMaxLen},
	"verbose":  {},
	"ascii":    {BufferFormat: BufEOLS, MaxLen: SysdigMaxLen},
	"base64":   {BufferFormat: BufBase64, MaxLen: SysdigMaxLen},
	"hex":      {BufferFormat: BufHex, MaxLen: SysdigMaxLen},
	"hexascii": {BufferFormat: BufHexASCII, MaxLen: SysdigMaxLen},
}

func checkCapture(t *testing.T, capture string) *captureStats {
	evs := readCaptureEvents(t, filepath.Join(capturesDir, capture))
	main := loadFixture(t, capture, renderVariants[0])
	al := alignFixture(t, evs, main)
	st := &captureStats{rules: map[string]int{}, perField: map[string][2]int{}}
	states := make([]FDResolver, len(main))
	usedBy := make([]map[string]bool, len(main))
	for n := range usedBy {
		usedBy[n] = map[string]bool{}
	}
	lastFD := map[int64][2]int{} // tid -> {typechar, known} of the last enter event's fd

	field := func(n int, name, got, want, cur string) {
		st.fields++
		key := name
		if i := strings.IndexByte(key, '['); i >= 0 {
			key = key[:i] + "[N]"
		}
		pf := st.perField[key]
		pf[1]++
		if cur == want {
			st.fieldsExact++
			pf[0]++
		}
		st.perField[key] = pf
		if got != want {
			t.Errorf("%s: event %d (%s): %s = %q, sysdig %q", capture, n, al[n].rec.Info().Name, name, got, want)
		}
	}
	for n, rec := range main {
		r := &al[n].rec
		info := r.Info()
		used := usedBy[n]
		c := &compat{r: r, opts: variantOptions["main"], used: used}
		vals, ok := splitArgs(rec[3], c.names())
		if !ok {
			if info.Code != GenericE && info.Code != GenericX {
				t.Errorf("%s: event %d: cannot split sysdig's args %q", capture, n, rec[3])
			}
		} else {
			states[n] = buildFakeState(r, vals, rec[6])
		}
		c.st = states[n]
		want := strings.TrimSuffix(rec[3], " ")
		cur := Args(r, states[n], c.opts)
		st.events++
		free := !hasFDParam(r)
		if free {
			st.fdFree++
		}
		if cur == want {
			st.argsExact++
			if free {
				st.fdFreeExact++
			}
		}
		if got := c.args(); got != want {
			t.Errorf("%s: event %d (%s): evt.args\n got %q\nwant %q", capture, n, info.Name, got, want)
		}
		field(n, "evt.info", c.args(), strings.TrimSuffix(rec[14], " "), InfoText(r, states[n], c.opts))
		field(n, "evt.type", c.typeName(), rec[2], TypeName(r))
		curRes, ok := ResText(r, c.st)
		if !ok {
			curRes = "<NA>"
		}
		field(n, "evt.res", c.res(), rec[4], curRes)
		curFailed := "<NA>"
		if f, ok := Failed(r); ok {
			curFailed = fmt.Sprint(f)
		}
		field(n, "evt.failed", c.failed(), rec[5], curFailed)
		yes := func(b bool) string { return fmt.Sprint(b) }
		field(n, "evt.is_io", yes(IsIO(info)), rec[8], yes(IsIO(info)))
		field(n, "evt.is_io_read", yes(IsIORead(info)), rec[9], yes(IsIORead(info)))
		field(n, "evt.is_io_write", yes(IsIOWrite(info)), rec[10], yes(IsIOWrite(info)))
		dir, ok := IODir(info)
		if !ok {
			dir = "<NA>"
		}
		field(n, "evt.io_dir", dir, rec[11], dir)
		field(n, "evt.is_wait", yes(IsWait(info)), rec[12], yes(IsWait(info)))
		buf, ok := BufferParamText(r, c.opts)
		if !ok {
			buf = "<NA>"
		}
		field(n, "evt.buffer", buf, rec[13], buf)
		for k := 0; k < maxArgIndex; k++ {
			cur, ok := ParamText(r, k, states[n], c.opts)
			if !ok {
				cur = "<NA>"
			}
			field(n, fmt.Sprintf("evt.arg[%d]", k), c.arg(k), rec[15+k], cur)
		}
		// evt.category: the fd an I/O event acts on is its fd parameter,
		// or for an exit event the one of the enter event before it.
		tc, have := byte(0), false
		if i := paramIndex(r, "fd"); i >= 0 && info.Params[i].Type == PTFD && states[n] != nil {
			var ok bool
			tc, _, ok = states[n].FDInfo(r.Tid(), int64(U64(r.Param(i))))
			have = ok
			if IsEnter(info.Code) {
				lastFD[r.Tid()] = [2]int{int(tc), btoi(ok)}
			}
		} else if IsExit(info.Code) {
			if l, ok := lastFD[r.Tid()]; ok {
				tc, have = byte(l[0]), l[1] == 1
			}
		}
		cat := CategoryText(info, tc, have)
		old := cat
		if (info.Code == GenericE || info.Code == GenericX) && rec[7] != cat {
			// 0.29.3 took the category of generic events from its syscall
			// table; current libsinsp reports the event's, "other".
			old = rec[7]
			used["generic-category"] = true
		}
		field(n, "evt.category", old, rec[7], cat)
	}

	// Buffer formats.
	for _, v := range renderVariants[2:] {
		recs := loadFixture(t, capture, v)
		if len(recs) != len(main) {
			t.Fatalf("%s %s: %d records, main has %d", capture, v.name, len(recs), len(main))
		}
		opts := variantOptions[v.name]
		for n, rec := range recs {
			r := &al[n].rec
			c := &compat{r: r, st: states[n], opts: opts, used: usedBy[n]}
			field(n, v.name+" evt.args", c.args(), strings.TrimSuffix(rec[2], " "), Args(r, states[n], opts))
			buf, ok := BufferParamText(r, opts)
			if !ok {
				buf = "<NA>"
			}
			field(n, v.name+" evt.buffer", buf, rec[3], buf)
		}
	}

	// evt.rawarg.
	recs := loadFixture(t, capture, renderVariants[1])
	for n, rec := range recs {
		r := &al[n].rec
		c := &compat{r: r, used: usedBy[n]}
		for k, name := range rawArgNames {
			cur, ok := RawArgText(r, name, RenderOptions{})
			if !ok {
				cur = "<NA>"
			}
			field(n, "evt.rawarg."+name, c.oldRawArg(name), rec[2+k], cur)
		}
	}
	for _, u := range usedBy {
		for k := range u {
			st.rules[k]++
		}
	}
	return st
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
