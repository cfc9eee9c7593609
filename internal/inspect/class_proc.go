package inspect

import (
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The process class: proc.* and thread.*, as libsinsp's
// sinsp_filter_check_thread extracts them (userspace/libsinsp/
// sinsp_filtercheck_thread.cpp). Every field but thread.tid,
// thread.exectime and thread.totexectime is missing when the event has
// no thread.
//
// Parents and ancestors: proc.p* and proc.a*[N] go through main threads
// (get_ancestor_process: the main thread's parent tid, that thread's main
// thread, ...), while the any-of forms without an index, proc.loginshellid
// and the session and process group leaders follow the parent tids of the
// threads themselves (traverse_parent_state), starting at the main
// thread's parent.

func init() {
	register(map[string]bindFunc{
		"proc.exe":      strField(func(th *state.Thread) string { return th.Exe }),
		"proc.exepath":  strField(func(th *state.Thread) string { return th.ExePath }),
		"proc.name":     strField(func(th *state.Thread) string { return th.Comm }),
		"proc.pexe":     parentStr(func(th *state.Thread) string { return th.Exe }),
		"proc.pexepath": parentStr(func(th *state.Thread) string { return th.ExePath }),
		"proc.pname":    parentStr(func(th *state.Thread) string { return th.Comm }),
		"proc.aexe":     ancestorStr(func(_ *joinCaches, th *state.Thread) string { return th.Exe }),
		"proc.aexepath": ancestorStr(func(_ *joinCaches, th *state.Thread) string { return th.ExePath }),
		"proc.aname":    ancestorStr(func(_ *joinCaches, th *state.Thread) string { return th.Comm }),
		"proc.acmdline": ancestorStr(func(c *joinCaches, th *state.Thread) string { return c.of(th).cmdline(th.Comm, th.Args) }),
		"proc.args":     bindArgs,
		"proc.aargs":    bindAargs,
		"proc.cmdline": perRef(func() engine.Extractor {
			var c joinCache
			return withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
				v.Str = c.cmdline(th.Comm, th.Args)
				return true
			})
		}),
		"proc.pcmdline": perRef(func() engine.Extractor {
			var c joinCache
			return withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
				p := e.ancestorProcess(th, 1)
				if p == nil {
					return false
				}
				v.Str = c.cmdline(p.Comm, p.Args)
				return true
			})
		}),
		"proc.exeline": perRef(func() engine.Extractor {
			var c joinCache
			return withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
				// libsinsp: exe + " " + the arguments joined by spaces, so a
				// command without arguments ends with a space.
				args := th.Args
				if len(args) == 0 {
					args = exelineNoArgs
				}
				v.Str = c.cmdline(th.Exe, args)
				return true
			})
		}),
		"proc.cmdnargs": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint = uint64(len(th.Args))
			return true
		})),
		"proc.cmdlenargs": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			var n uint64
			for _, a := range th.Args {
				n += uint64(len(a))
			}
			v.Uint = n
			return true
		})),
		"proc.env":  bindEnv,
		"proc.aenv": bindAenv,
		"proc.cwd": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Str = th.CWD()
			return true
		})),
		"proc.loginshellid": fixed(withThread(extractLoginShellID)),
		"proc.tty": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint = uint64(th.TTY)
			return true
		})),
		"proc.pid": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			if !shouldExtractXid(th.Pid) {
				return false
			}
			v.Int = th.Pid
			return true
		})),
		"proc.ppid": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			p := e.ancestorProcess(th, 1)
			if p == nil || !shouldExtractXid(p.Pid) {
				return false
			}
			v.Int = p.Pid
			return true
		})),
		"proc.apid": bindApid,
		"proc.vpid": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			if th.VPid == -1 {
				return false
			}
			v.Int = th.VPid
			return true
		})),
		"proc.pvpid": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			p := e.findThread(th.PTid)
			if p == nil {
				return false
			}
			v.Int = p.VPid
			return true
		})),
		"proc.sid":   intField(func(th *state.Thread) int64 { return th.Sid }),
		"proc.vpgid": intField(func(th *state.Thread) int64 { return th.VPgid }),
		"proc.pgid":  intField(func(th *state.Thread) int64 { return th.Pgid }),

		"proc.sname":         leaderStr(sidOf, true, commOf),
		"proc.sid.exe":       leaderStr(sidOf, true, exeOf),
		"proc.sid.exepath":   leaderStr(sidOf, true, exePathOf),
		"proc.vpgid.name":    leaderStr(vpgidOf, true, commOf),
		"proc.vpgid.exe":     leaderStr(vpgidOf, true, exeOf),
		"proc.vpgid.exepath": leaderStr(vpgidOf, true, exePathOf),
		"proc.pgid.name":     leaderStr(pgidOf, false, commOf),
		"proc.pgid.exe":      leaderStr(pgidOf, false, exeOf),
		"proc.pgid.exepath":  leaderStr(pgidOf, false, exePathOf),

		"proc.duration": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			if th.CloneTs == 0 {
				return false
			}
			v.Uint = e.Ts() - th.CloneTs
			return true
		})),
		"proc.ppid.duration": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			p := e.ancestorProcess(th, 1)
			if p == nil {
				return false
			}
			if p.CloneTs != 0 {
				v.Uint = e.Ts() - p.CloneTs
				return true
			}
			// libsinsp's TYPE_PPID_DURATION case has no return here and falls
			// through to TYPE_FDOPENCOUNT: a parent without a start time
			// yields the process's open fd count.
			v.Uint = fdOpenCount(th)
			return true
		})),
		"proc.pid.ts": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			if th.CloneTs == 0 {
				return false
			}
			v.Uint = th.CloneTs
			return true
		})),
		"proc.ppid.ts": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			p := e.findThread(th.PTid)
			if p == nil {
				return false
			}
			v.Uint = p.CloneTs
			return true
		})),

		"proc.is_exe_writable":    boolField(func(th *state.Thread) bool { return th.ExeWritable }),
		"proc.is_exe_upper_layer": boolField(func(th *state.Thread) bool { return th.ExeUpperLayer }),
		"proc.is_exe_lower_layer": boolField(func(th *state.Thread) bool { return th.ExeLowerLayer }),
		"proc.is_exe_from_memfd":  boolField(func(th *state.Thread) bool { return th.ExeFromMemfd }),
		"proc.is_sid_leader":      boolField(func(th *state.Thread) bool { return th.Sid == th.VPid }),
		"proc.is_vpgid_leader":    boolField(func(th *state.Thread) bool { return th.VPgid == th.VPid }),
		"proc.is_pgid_leader":     boolField(func(th *state.Thread) bool { return th.Pgid == th.Pid }),

		// Inode 0 and time 0 mean "unknown" and are missing.
		"proc.exe_ino": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Int = int64(th.ExeIno)
			return th.ExeIno != 0
		})),
		"proc.exe_ino.ctime":                      nonZeroUint(func(th *state.Thread) uint64 { return th.ExeInoCtime }),
		"proc.exe_ino.mtime":                      nonZeroUint(func(th *state.Thread) uint64 { return th.ExeInoMtime }),
		"proc.exe_ino.ctime_duration_proc_start":  nonZeroUint(func(th *state.Thread) uint64 { return th.ExeInoCtimeDurationCloneTs }),
		"proc.exe_ino.ctime_duration_pidns_start": nonZeroUint(func(th *state.Thread) uint64 { return th.ExeInoCtimeDurationPidnsStart }),
		"proc.pidns_init_start_ts":                nonZeroUint(func(th *state.Thread) uint64 { return th.PidnsInitStartTs }),

		"thread.cap_permitted":   capsField(func(th *state.Thread) uint64 { return th.CapPermitted }),
		"thread.cap_inheritable": capsField(func(th *state.Thread) uint64 { return th.CapInheritable }),
		"thread.cap_effective":   capsField(func(th *state.Thread) uint64 { return th.CapEffective }),

		"proc.fdopencount": uintField(fdOpenCount),
		"proc.fdlimit": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Int = fdLimit(th)
			return true
		})),
		"proc.fdusage": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Float = 0
			if lim := fdLimit(th); lim > 0 {
				n := fdOpenCount(th)
				if n <= uint64(lim) {
					v.Float = float64(n) * 100 / float64(lim)
				} else {
					v.Float = 100
				}
			}
			return true
		})),
		"proc.vmsize":    uintField(func(th *state.Thread) uint64 { return uint64(th.VMSizeKB) }),
		"proc.vmrss":     uintField(func(th *state.Thread) uint64 { return uint64(th.VMRSSKB) }),
		"proc.vmswap":    uintField(func(th *state.Thread) uint64 { return uint64(th.VMSwapKB) }),
		"thread.pfmajor": uintField(func(th *state.Thread) uint64 { return th.PFMajor }),
		"thread.pfminor": uintField(func(th *state.Thread) uint64 { return th.PFMinor }),
		"thread.vmsize":  uintField(func(th *state.Thread) uint64 { return mainOnly(th, uint64(th.VMSizeKB)) }),
		"thread.vmrss":   uintField(func(th *state.Thread) uint64 { return mainOnly(th, uint64(th.VMRSSKB)) }),
		"thread.vmsize.b": uintField(func(th *state.Thread) uint64 {
			return mainOnly(th, uint64(th.VMSizeKB)*1024)
		}),
		"thread.vmrss.b": uintField(func(th *state.Thread) uint64 {
			return mainOnly(th, uint64(th.VMRSSKB)*1024)
		}),

		// thread.tid is the event's tid: it exists without a thread entry.
		"thread.tid": fixed(func(x engine.Event, v *engine.Value) bool {
			tid := ev(x).Rec.Tid()
			if !shouldExtractXid(tid) {
				return false
			}
			v.Int = tid
			return true
		}),
		"thread.ismain": boolField(func(th *state.Thread) bool {
			return th.Tid == th.Pid || th.Flags&state.IsMainThread != 0
		}),
		"thread.vtid": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			if th.VTid == -1 {
				return false
			}
			v.Int = th.VTid
			return true
		})),
		"thread.nametid": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			v.Str = th.Comm + strconv.FormatInt(e.Rec.Tid(), 10)
			return true
		})),
		"thread.exectime":    perRef(newExecTime),
		"thread.totexectime": perRef(newTotExecTime),
		"thread.cgroups": perRef(func() engine.Extractor {
			var c joinCache
			return withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
				if len(th.Cgroups) == 0 {
					return false
				}
				v.Str = c.cgroups(th.Cgroups)
				return true
			})
		}),
		"thread.cgroup": func(ref fields.Ref) (engine.Binding, error) {
			subsys := ref.Arg
			return engine.Binding{Extract: withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
				for _, g := range th.Cgroups {
					if g.Subsys == subsys {
						v.Str = g.Path
						return true
					}
				}
				return false
			})}, nil
		},
		"proc.nthreads": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint, _ = e.threadCounts(th)
			return true
		})),
		"proc.nchilds": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			_, v.Uint = e.threadCounts(th)
			return true
		})),

		"thread.cpu":        perRef(func() engine.Extractor { return newThreadCPU(true, true) }),
		"thread.cpu.user":   perRef(func() engine.Extractor { return newThreadCPU(true, false) }),
		"thread.cpu.system": perRef(func() engine.Extractor { return newThreadCPU(false, true) }),

		"proc.stdin.type":  stdFD(0, false),
		"proc.stdout.type": stdFD(1, false),
		"proc.stderr.type": stdFD(2, false),
		"proc.stdin.name":  stdFD(0, true),
		"proc.stdout.name": stdFD(1, true),
		"proc.stderr.name": stdFD(2, true),
	})
}

// exelineNoArgs makes cmdline build "exe " for a command without
// arguments, as libsinsp's proc.exeline does.
var exelineNoArgs = []string{""}

func commOf(th *state.Thread) string    { return th.Comm }
func exeOf(th *state.Thread) string     { return th.Exe }
func exePathOf(th *state.Thread) string { return th.ExePath }
func sidOf(th *state.Thread) int64      { return th.Sid }
func vpgidOf(th *state.Thread) int64    { return th.VPgid }
func pgidOf(th *state.Thread) int64     { return th.Pgid }

func strField(get func(*state.Thread) string) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Str = get(th)
		return true
	}))
}

func intField(get func(*state.Thread) int64) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Int = get(th)
		return true
	}))
}

func uintField(get func(*state.Thread) uint64) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Uint = get(th)
		return true
	}))
}

func nonZeroUint(get func(*state.Thread) uint64) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Uint = get(th)
		return v.Uint != 0
	}))
}

func boolField(get func(*state.Thread) bool) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Bool = get(th)
		return true
	}))
}

func mainOnly(th *state.Thread, x uint64) uint64 {
	if th.Tid == th.Pid || th.Flags&state.IsMainThread != 0 {
		return x
	}
	return 0
}

// parentStr binds proc.pname and friends: the field of the parent process
// (get_ancestor_process(tinfo, 1)).
func parentStr(get func(*state.Thread) string) bindFunc {
	return fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
		p := e.ancestorProcess(th, 1)
		if p == nil {
			return false
		}
		v.Str = get(p)
		return true
	}))
}

// ancestorIndex parses the [N] of an ancestor field as libsinsp does
// (sinsp_numparser::parsed32); the field declarations only accept digits.
func ancestorIndex(ref fields.Ref) (uint32, error) {
	n, err := strconv.ParseUint(ref.Arg, 10, 32)
	if err != nil {
		return 0, err
	}
	return uint32(n), nil
}

// ancestorStr binds proc.aname, proc.aexe, proc.aexepath and
// proc.acmdline. With [N]: the field of the process N levels up. Without:
// one value per ancestor thread (traverse_parent_state from the main
// thread), matched any-of in conditions and printed space-separated; the
// field is missing when there is no ancestor.
func ancestorStr(get func(*joinCaches, *state.Thread) string) bindFunc {
	return func(ref fields.Ref) (engine.Binding, error) {
		if ref.HasArg {
			n, err := ancestorIndex(ref)
			if err != nil {
				return engine.Binding{}, err
			}
			var c joinCaches
			return engine.Binding{Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
				a := e.ancestorProcess(th, n)
				if a == nil {
					return false
				}
				v.Str = get(&c, a)
				return true
			})}, nil
		}
		var c joinCaches
		return engine.Binding{Multi: engine.AnyOf, Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			mt := mainThread(th)
			if mt == nil {
				return false
			}
			v.Strs = v.Strs[:0]
			e.traverseParents(mt, func(p *state.Thread) bool {
				v.Strs = append(v.Strs, get(&c, p))
				return true
			})
			return len(v.Strs) > 0
		})}, nil
	}
}

// bindApid binds proc.apid. With [N]: the pid of the process N levels up.
// Without: conditions match any ancestor's pid (compare_full_apid), while
// outputs print the process's own pid (proc.apid[0]); Int holds the own
// pid and Ints the ancestors'.
func bindApid(ref fields.Ref) (engine.Binding, error) {
	if ref.HasArg {
		n, err := ancestorIndex(ref)
		if err != nil {
			return engine.Binding{}, err
		}
		return engine.Binding{Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			a := e.ancestorProcess(th, n)
			if a == nil || !shouldExtractXid(a.Pid) {
				return false
			}
			v.Int = a.Pid
			return true
		})}, nil
	}
	return engine.Binding{
		Multi: engine.AnyOf,
		Text:  fmtInt,
		JSON:  func(v *engine.Value) any { return v.Int },
		Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			mt := mainThread(th)
			if mt == nil || !shouldExtractXid(mt.Pid) {
				return false
			}
			v.Int = mt.Pid
			v.Ints = v.Ints[:0]
			e.traverseParents(mt, func(p *state.Thread) bool {
				v.Ints = append(v.Ints, p.Pid)
				return true
			})
			return true
		}),
	}, nil
}

// bindArgs binds proc.args (the arguments joined by spaces) and
// proc.args[N] (argument N, "" past the last one).
func bindArgs(ref fields.Ref) (engine.Binding, error) {
	if ref.HasArg {
		n, err := ancestorIndex(ref)
		if err != nil {
			return engine.Binding{}, err
		}
		return engine.Binding{Extract: withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Str = ""
			if uint64(n) < uint64(len(th.Args)) {
				v.Str = th.Args[n]
			}
			return true
		})}, nil
	}
	var c joinCache
	return engine.Binding{Extract: withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Str = c.joined(th.Args)
		return true
	})}, nil
}

// bindAargs binds proc.aargs. Unlike the other ancestor fields, libsinsp
// has no any-of comparison for it: without an index it is one string, the
// arguments of every ancestor thread joined by spaces (missing when that is
// empty), compared as a whole.
func bindAargs(ref fields.Ref) (engine.Binding, error) {
	if ref.HasArg {
		n, err := ancestorIndex(ref)
		if err != nil {
			return engine.Binding{}, err
		}
		var c joinCache
		return engine.Binding{Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			a := e.ancestorProcess(th, n)
			if a == nil {
				return false
			}
			v.Str = c.joined(a.Args)
			return true
		})}, nil
	}
	return engine.Binding{Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
		mt := mainThread(th)
		if mt == nil {
			return false
		}
		var b strings.Builder
		e.traverseParents(mt, func(p *state.Thread) bool {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			for i, a := range p.Args {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(a)
			}
			return true
		})
		if b.Len() == 0 {
			return false
		}
		v.Str = b.String()
		return true
	})}, nil
}

// bindEnv binds proc.env (the environment joined by spaces) and
// proc.env[NAME] (the variable's value, "" when unset). libsinsp takes an
// all-digit argument as an index and ignores it: the whole environment.
func bindEnv(ref fields.Ref) (engine.Binding, error) {
	name := ref.Arg
	if ref.HasArg && !isDigits(name) {
		return engine.Binding{Extract: withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Str = envValue(envOf(th), name)
			return true
		})}, nil
	}
	var c joinCache
	return engine.Binding{Extract: withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		v.Str = c.joined(envOf(th))
		return true
	})}, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bindAenv binds proc.aenv, whose libsinsp semantics are uneven:
//   - proc.aenv[NAME]: the first non-empty value of NAME among up to 20
//     ancestor threads (the process itself excluded), "" if none.
//   - proc.aenv and proc.aenv[0]: outputs print the process's own
//     environment; conditions match any ancestor's environment.
//   - proc.aenv[N], N > 0: outputs print the environment of the thread N
//     parent tids up (missing if the chain breaks); conditions, again,
//     match any ancestor's (compare_full_aenv is used whenever no NAME is
//     given).
func bindAenv(ref fields.Ref) (engine.Binding, error) {
	if ref.HasArg && !isDigits(ref.Arg) {
		name := ref.Arg
		return engine.Binding{Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			v.Str = ""
			mt := mainThread(th)
			if mt == nil {
				return true
			}
			for j := 0; j < 20; j++ {
				mt = e.findThread(mt.PTid)
				if mt == nil {
					break
				}
				if s := envValue(envOf(mt), name); s != "" {
					v.Str = s
					break
				}
			}
			return true
		})}, nil
	}
	var n uint32
	if ref.HasArg {
		var err error
		if n, err = ancestorIndex(ref); err != nil {
			return engine.Binding{}, err
		}
	}
	var own joinCache
	var anc joinCaches
	return engine.Binding{
		Multi: engine.AnyOf,
		Text:  func(v *engine.Value) string { return v.Str },
		JSON:  func(v *engine.Value) any { return v.Str },
		Extract: withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			// The printed value.
			if n == 0 {
				v.Str = own.joined(envOf(th))
			} else {
				t := mainThread(th)
				for j := uint32(0); j < n && t != nil; j++ {
					t = e.findThread(t.PTid)
				}
				if t == nil {
					return false
				}
				v.Str = own.joined(envOf(t))
			}
			// The compared values.
			v.Strs = v.Strs[:0]
			if mt := mainThread(th); mt != nil {
				e.traverseParents(mt, func(p *state.Thread) bool {
					v.Strs = append(v.Strs, anc.of(p).joined(envOf(p)))
					return true
				})
			}
			return true
		}),
	}, nil
}

// extractLoginShellID is proc.loginshellid: the pid of the oldest process,
// among the process and its ancestor threads, whose name ends in "sh".
func extractLoginShellID(e *Event, th *state.Thread, v *engine.Value) bool {
	mt := mainThread(th)
	if mt == nil {
		return false
	}
	found := false
	check := func(p *state.Thread) bool {
		if n := len(p.Comm); n >= 2 && p.Comm[n-2] == 's' && p.Comm[n-1] == 'h' {
			v.Int = p.Pid
			found = true
		}
		return true
	}
	check(mt)
	e.traverseParents(mt, check)
	return found
}

// leaderStr binds the session and process group leader fields
// (get_ancestor_field_as_string): "" when the leader is not found.
func leaderStr(id func(*state.Thread) int64, virtual bool, get func(*state.Thread) string) bindFunc {
	return fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
		v.Str = ""
		if l := e.oldestMatchingAncestor(th, id, virtual); l != nil {
			v.Str = get(l)
		}
		return true
	}))
}

// fdOpenCount is sinsp_threadinfo::get_fd_opencount: the size of the
// main thread's fd table, 0 without a main thread.
func fdOpenCount(th *state.Thread) uint64 {
	m := mainThread(th)
	if m == nil {
		return 0
	}
	return uint64(m.FDs().Len())
}

// fdLimit is sinsp_threadinfo::get_fd_limit: the main thread's limit.
func fdLimit(th *state.Thread) int64 {
	m := mainThread(th)
	if m == nil {
		return 0
	}
	return m.FDLimit
}

// capNames are the capability names libsinsp knows (sinsp_utils::
// capabilities), by bit.
var capNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// capsText is sinsp_utils::caps_to_string: the names of the set bits
// libsinsp knows, separated by spaces.
func capsText(caps uint64) string {
	var b strings.Builder
	for i, name := range capNames {
		if caps&(1<<uint(i)) != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(name)
		}
	}
	return b.String()
}

// capsField binds a capability set; the text is cached per value.
func capsField(get func(*state.Thread) uint64) bindFunc {
	type entry struct {
		caps uint64
		text string
	}
	return perRef(func() engine.Extractor {
		var last atomic.Pointer[entry]
		return withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			c := get(th)
			l := last.Load()
			if l == nil || l.caps != c {
				l = &entry{c, capsText(c)}
				last.Store(l)
			}
			v.Str = l.text
			return true
		})
	})
}

// threadCounts returns libsinsp's get_num_threads (live threads of the
// process) and get_num_not_leader_threads (the same without a live main
// thread). Threads that are not part of a process (invalid: unknown pid
// or parent) count 0, as they have no thread group in libsinsp.
func (e *Event) threadCounts(th *state.Thread) (all, notLeader uint64) {
	all = th.NumThreads()
	if all == 0 {
		return 0, 0
	}
	if m := mainThread(th); m != nil && !m.Dead {
		return all, all - 1
	}
	return all, all
}

// stdFD binds proc.stdin/stdout/stderr.type and .name: the kind or name of
// fd 0, 1 or 2 of the process.
func stdFD(n int64, name bool) bindFunc {
	return fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
		tab := th.FDs()
		if tab == nil {
			return false
		}
		f := tab.Get(n)
		if f == nil {
			return false
		}
		if name {
			v.Str = f.Name
		} else {
			v.Str = state.TypeName(f.Type)
		}
		return true
	}))
}

// newExecTime is thread.exectime: on a switch event, the time since the
// previous switch event on the same CPU that this field saw (libsinsp keeps
// the times in the filter check, per CPU); 0 on other events.
func newExecTime() engine.Extractor {
	var last perStream[switchTimes]
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		v.Uint = 0
		if isSwitch(e.Type()) {
			v.Uint = last.of(e.in).delta(e)
		}
		return true
	}
}

// isSwitch reports whether an event is a context switch as current
// libsinsp sees it (the capture converter turns version 1 into 6).
func isSwitch(code uint16) bool { return code == event.SchedswitchE6 || code == event.SchedswitchE1 }

// switchTimes are the last switch times per CPU of one event stream.
type switchTimes struct {
	ts []uint64
}

// delta records the switch event e and returns the time since the
// previous one on its CPU, 0 for the first.
func (s *switchTimes) delta(e *Event) uint64 {
	cpu := int(e.CPU)
	for len(s.ts) <= cpu {
		s.ts = append(s.ts, 0)
	}
	ts := e.Ts()
	var d uint64
	if l := s.ts[cpu]; l != 0 {
		d = ts - l
	}
	s.ts[cpu] = ts
	return d
}

// newTotExecTime is thread.totexectime: the sum of the thread's exectime
// values seen by this field; missing without a thread.
func newTotExecTime() engine.Extractor {
	type stream struct {
		last switchTimes
		tot  threadMap
	}
	var st perStream[stream]
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		s := st.of(e.in)
		var d uint64
		if isSwitch(e.Type()) {
			d = s.last.delta(e)
		}
		th := e.Thread()
		if th == nil {
			return false
		}
		t := s.tot.get(th) + d
		s.tot.set(e, th, t)
		v.Uint = t
		return true
	}
}

// newThreadCPU is thread.cpu, thread.cpu.user and thread.cpu.system: on
// a procinfo event, the thread's CPU time (user and/or system) since the
// previous procinfo event seen by this field, capped at 100 (libsinsp's
// extract_thread_cpu); missing on other events.
func newThreadCPU(user, system bool) engine.Extractor {
	var st perStream[threadMap]
	return func(x engine.Event, v *engine.Value) bool {
		e := ev(x)
		th := e.Thread()
		if th == nil || e.Type() != event.ProcinfoE {
			return false
		}
		prev := st.of(e.in)
		var tcpu uint64
		if user {
			tcpu += event.U64(e.Rec.Param(0))
		}
		if system {
			tcpu += event.U64(e.Rec.Param(1))
		}
		v.Float = 0
		if l := prev.get(th); l != 0 {
			v.Float = float64(tcpu - l)
			if v.Float > 100 {
				v.Float = 100
			}
		}
		prev.set(e, th, tcpu)
		return true
	}
}

// threadMap keeps a per-thread value for a field, as libsinsp keeps
// dynamic fields on its thread entries. Entries of threads that left the
// table are dropped from time to time.
type threadMap struct {
	m     map[*state.Thread]uint64
	limit int
}

func (t *threadMap) get(th *state.Thread) uint64 { return t.m[th] }

func (t *threadMap) set(e *Event, th *state.Thread, x uint64) {
	if t.m == nil {
		t.m = map[*state.Thread]uint64{}
		t.limit = 1024
	}
	t.m[th] = x
	if len(t.m) > t.limit {
		for k := range t.m {
			if e.findThread(k.Tid) != k {
				delete(t.m, k)
			}
		}
		t.limit = 2 * len(t.m)
		if t.limit < 1024 {
			t.limit = 1024
		}
	}
}
