package procfs

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/kestrel-project/kestrel/internal/state"
)

// Cgroups are reported as libscap reports them (scap_cgroup.c) and then
// named as libsinsp names them (sinsp_threadinfo::set_cgroups), so that
// a thread from /proc carries the same Subsys/Path pairs as one created by
// an event and its container id matches:
//
//   - cgroup v1: one pair per controller of each hierarchy line
//     ("3:cpu,cpuacct:/x" gives cpu=/x and cpuacct=/x; a named hierarchy
//     "name=systemd" stays whole, so libsinsp's split at the first '='
//     makes it Subsys "name" with Path "systemd=/x");
//   - cgroup v2 ("0::/x"): one pair per controller, each with the nearest
//     cgroup (x or an ancestor) whose cgroup.controllers lists it, found
//     by walking up the unified hierarchy through /proc/1/root;
//   - when the scanner runs in a cgroup namespace, the paths /proc shows
//     are relative to its own cgroup ("/../../other"), and are turned into
//     absolute ones with the scanner's own cgroup, found by looking for
//     its pid in the hierarchy's cgroup.procs files (per controller:
//     libscap looks its own cgroup up by the line's whole controller list,
//     which never matches a co-mounted "cpu,cpuacct" line);
//   - the controller names are then libsinsp's: "_cgroup" removed, perf
//     is perf_event, mem is memory, io is blkio.
type cgroupResolver struct {
	s      *scanner
	layout *cgroupLayout // nil until the first thread

	controllers map[string][]string // cgroup.controllers by directory

	// The threads of a process usually share their cgroup file's text:
	// the last result is reused (it is never modified).
	lastRaw []byte
	last    []state.Cgroup
}

// cgroupLayout is where the hierarchies are and, in a cgroup namespace,
// where this process sits in them. libscap finds it once, when it opens
// (scap_cgroup_interface_init); it is found once per /proc directory and
// kept for the life of the process, which makes ScanProcess cheap even
// when finding this process's own cgroup means walking the hierarchy.
type cgroupLayout struct {
	v2Mount  string   // the unified hierarchy, as reachable from here
	v2Subsys []string // the controllers of its root
	selfV1   map[string]string
	selfV2   string
}

var layouts struct {
	sync.Mutex
	m map[string]*cgroupLayout
}

func layoutFor(proc string) *cgroupLayout {
	layouts.Lock()
	defer layouts.Unlock()
	if l, ok := layouts.m[proc]; ok {
		return l
	}
	l := findLayout(proc)
	if layouts.m == nil {
		layouts.m = make(map[string]*cgroupLayout)
	}
	layouts.m[proc] = l
	return l
}

const (
	maxControllerCache = 4096
	// maxCgroupWalk bounds the directories visited while looking for
	// the scanner's own cgroup.
	maxCgroupWalk = 100000
)

func newCgroupResolver(s *scanner) *cgroupResolver {
	return &cgroupResolver{s: s, controllers: make(map[string][]string)}
}

// findLayout finds the hierarchies from the mounts of pid 1 (the host's,
// even from inside a container with the host's /proc).
func findLayout(proc string) *cgroupLayout {
	c := &cgroupLayout{}
	inNS := inCgroupNS(proc)
	var pidLine string
	var selfSubsys map[string]bool
	if inNS {
		pidLine = strconv.Itoa(os.Getpid())
		selfSubsys = ownV1Subsystems()
		c.selfV1 = make(map[string]string)
	}
	_ = lines(proc+"/1/mounts", func(line []byte) bool {
		f := bytes.Fields(line)
		if len(f) < 4 {
			return true
		}
		dir := unescapeOctal(string(f[1]))
		switch string(f[2]) {
		case "cgroup":
			if !inNS {
				return true
			}
			base := proc + "/1/root" + dir
			var self string
			found := false
			for _, opt := range strings.Split(string(f[3]), ",") {
				if !selfSubsys[opt] {
					continue
				}
				if !found {
					p, ok := findOwnCgroup(base, pidLine)
					if !ok {
						break
					}
					self, found = p, true
				}
				c.selfV1[opt] = self
			}
		case "cgroup2":
			mount := proc + "/1/root" + dir
			ctrls, ok := readControllers(mount)
			if !ok {
				return true
			}
			c.v2Mount, c.v2Subsys = mount, ctrls
			if inNS {
				if p, ok := findOwnCgroup(mount, pidLine); ok {
					c.selfV2 = p
				}
			}
			if len(ctrls) > 0 {
				return false
			}
		}
		return true
	})
	return c
}

// threadCgroups reads the cgroups of the thread whose directory is dir.
func (c *cgroupResolver) threadCgroups(dir int) []state.Cgroup {
	if c.layout == nil {
		c.layout = layoutFor(c.s.proc)
	}
	b, err := c.s.readFile(dir, "cgroup", maxFileRead)
	if err != nil || len(b) == 0 {
		// libscap accepts a thread without a cgroup file.
		return nil
	}
	if c.last != nil && bytes.Equal(b, c.lastRaw) {
		return c.last
	}
	c.lastRaw = append(c.lastRaw[:0], b...)
	var out cgroupSet
	text := b
	for len(text) > 0 && !out.full {
		var line []byte
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, nil
		}
		id, rest, ok1 := bytes.Cut(line, []byte(":"))
		subsys, path, ok2 := bytes.Cut(rest, []byte(":"))
		if !ok1 || !ok2 {
			continue
		}
		if len(subsys) == 0 {
			// The unified hierarchy ("0::/path"); an empty controller
			// list in a v1 line means no controller and is skipped.
			if c.layout.v2Mount != "" && string(id) == "0" {
				c.resolveV2(string(path), &out)
			}
			continue
		}
		p := string(path)
		for _, ctl := range strings.Split(string(subsys), ",") {
			cp := p
			if self, ok := c.layout.selfV1[ctl]; ok {
				if abs, ok := prefixPath(self, p); ok {
					cp = abs
				}
			}
			out.add(ctl, cp)
		}
	}
	c.last = out.list
	return out.list
}

// resolveV2 adds the controllers of v2 cgroup path, each with the
// nearest cgroup that has it, walking up to the root or until every
// controller of the root is found.
func (c *cgroupResolver) resolveV2(path string, out *cgroupSet) {
	full := path
	if c.layout.selfV2 != "" {
		abs, ok := prefixPath(c.layout.selfV2, path)
		if !ok {
			return
		}
		full = abs
	}
	found := make(map[string]bool)
	cur := full
	for {
		ctrls, ok := c.cachedControllers(c.layout.v2Mount + cur)
		if !ok {
			return
		}
		for _, ctl := range ctrls {
			if !found[ctl] {
				found[ctl] = true
				out.add(ctl, cur)
			}
		}
		if len(cur) <= 1 {
			return
		}
		all := true
		for _, ctl := range c.layout.v2Subsys {
			if !found[ctl] {
				all = false
				break
			}
		}
		if all {
			return
		}
		i := strings.LastIndexByte(cur, '/')
		switch {
		case i < 0:
			return
		case i == 0:
			cur = "/"
		default:
			cur = cur[:i]
		}
	}
}

func (c *cgroupResolver) cachedControllers(dir string) ([]string, bool) {
	if v, ok := c.controllers[dir]; ok {
		return v, true
	}
	v, ok := readControllers(dir)
	if ok && len(c.controllers) < maxControllerCache {
		c.controllers[dir] = v
	}
	return v, ok
}

// readControllers reads a v2 cgroup's cgroup.controllers (one line of
// blank-separated names, possibly empty).
func readControllers(dir string) ([]string, bool) {
	b, err := os.ReadFile(strings.TrimSuffix(dir, "/") + "/cgroup.controllers")
	if err != nil {
		return nil, false
	}
	return strings.Fields(string(b)), true
}

// cgroupSet accumulates cgroups within libscap's 4096-byte limit on the
// "subsys=path" strings (each with its NUL).
type cgroupSet struct {
	list []state.Cgroup
	size int
	full bool
}

func (cs *cgroupSet) add(subsys, path string) {
	if cs.full {
		return
	}
	n := len(subsys) + 1 + len(path) + 1
	if cs.size+n > maxCgroupsLen {
		cs.full = true
		return
	}
	cs.size += n
	cs.list = append(cs.list, sinspCgroup(subsys+"="+path))
}

// sinspCgroup names a "subsys=path" entry as libsinsp does: split at the
// first '=' and normalise the controller's name.
func sinspCgroup(def string) state.Cgroup {
	subsys, path, _ := strings.Cut(def, "=")
	if i := strings.Index(subsys, "_cgroup"); i >= 0 {
		subsys = subsys[:i] + subsys[i+len("_cgroup"):]
	}
	switch subsys {
	case "perf":
		subsys = "perf_event"
	case "mem":
		subsys = "memory"
	case "io":
		// The v2 name of blkio.
		subsys = "blkio"
	}
	return state.Cgroup{Subsys: subsys, Path: path}
}

// prefixPath makes a path shown relative to a cgroup namespace absolute,
// given prefix, the namespace's root cgroup: each leading "/.." of path
// removes one component of prefix (libscap's scap_cgroup_prefix_path). It
// fails when path climbs above the hierarchy's root.
func prefixPath(prefix, path string) (string, bool) {
	pp := len(prefix)
	rest := path
	for strings.HasPrefix(rest, "/..") {
		if pp < len(prefix) && prefix[pp] == '/' && pp != 0 {
			pp--
		}
		rest = rest[3:]
		for {
			if pp < len(prefix) && prefix[pp] == '/' {
				break
			}
			if pp == 0 {
				return "", false
			}
			pp--
		}
	}
	if rest == "/" {
		rest = ""
	}
	return prefix[:pp] + rest, true
}

// inCgroupNS reports whether this process is in another cgroup namespace
// than the host's init. Without access to the host's /proc the answer is
// no, as in libscap: nothing better can be done then.
func inCgroupNS(proc string) bool {
	self, err1 := os.Readlink(proc + "/self/ns/cgroup")
	init, err2 := os.Readlink(proc + "/1/ns/cgroup")
	return err1 == nil && err2 == nil && self != init
}

// ownV1Subsystems returns the v1 controllers (and named hierarchies) of
// this process, from /proc/self/cgroup.
func ownV1Subsystems() map[string]bool {
	out := make(map[string]bool)
	_ = lines("/proc/self/cgroup", func(line []byte) bool {
		_, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return true
		}
		list, _, ok := bytes.Cut(rest, []byte(":"))
		if !ok || len(list) == 0 {
			return true
		}
		for _, s := range strings.Split(string(list), ",") {
			out[s] = true
		}
		return true
	})
	return out
}

// findOwnCgroup looks for pid in the cgroup.procs files under base, depth
// first, and returns the cgroup (relative to base) that lists it. pids in
// cgroup.procs are shown in the reader's pid namespace, so this process's
// own pid is the one to look for.
func findOwnCgroup(base, pid string) (string, bool) {
	visited := 0
	var walk func(rel string) (string, bool)
	walk = func(rel string) (string, bool) {
		visited++
		if visited > maxCgroupWalk {
			return "", false
		}
		dir := base + rel
		found := false
		_ = linesSized(dir+"/cgroup.procs", 512, func(line []byte) bool {
			if string(line) == pid {
				found = true
				return false
			}
			return true
		})
		if found {
			if rel == "" {
				return "/", true
			}
			return rel, true
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return "", false
		}
		for _, e := range ents {
			if e.Name()[0] == '.' || e.Type()&os.ModeSymlink != 0 || !e.IsDir() {
				continue
			}
			if p, ok := walk(rel + "/" + e.Name()); ok {
				return p, true
			}
		}
		return "", false
	}
	return walk("")
}
