package inspect

// Where sysdig 0.29.3 (falcosecurity/libs e5c53d64, March 2022) and current
// libsinsp (48dfd53) extract the evt and fdlist fields differently; Kestrel
// follows current libsinsp. Enter events of the old captures are the main
// source: current libsinsp never sees them (the scap converter drops them
// and merges their parameters into the exits), and its code gives them no
// value where 0.29.3 gave one.
func init() {
	knownDifferences["evt.category"] = "generic syscall events: 0.29.3 took the category of the syscall " +
		"from its syscall table (event.cpp get_category, PPME_GENERIC_E/X case); current " +
		"sinsp_evt::get_category reads the event table only, where generic events are EC_OTHER (\"other\")"
	knownDifferences["evt.failed"] = "events without a return value (enter events, switch, generic " +
		"events): 0.29.3 printed false; current extract_error_count returns no value when " +
		"!has_return_value() (sinsp_filtercheck_event.cpp TYPE_FAILED)"
	knownDifferences["evt.res"] = "0.29.3 read the parameter named res (or fd for fd-creating exits); " +
		"current libsinsp uses the first parameter of every syscall exit (event.h " +
		"get_syscall_return_value), so getuid's uid=0 gives SUCCESS"
	knownDifferences["evt.rawres"] = knownDifferences["evt.res"]
	knownDifferences["evt.type"] = "ppm_sc 298 was named sigreturn in 0.29.3's syscall table; it is " +
		"rt_sigreturn in current libscap (generic events are named after their syscall)"
	knownDifferences["fdlist.nums"] = "poll/ppoll enter events: 0.29.3 read their fds parameter " +
		"(filterchecks.cpp, PPME_SYSCALL_POLL_E/PPOLL_E case); current sinsp_filtercheck_fdlist.cpp " +
		"only reads POLL_X/PPOLL_X, enter events being dropped by the scap converter"
	knownDifferences["fdlist.names"] = knownDifferences["fdlist.nums"]
	knownDifferences["sample.scap/evt.num"] = "sample.scap holds 95 user/group-added meta events (codes 354, 358) " +
		"that 0.29.3's event table (PPM_EVENT_MAX 336) does not know, so its libscap skips them " +
		"uncounted; current sinsp::next counts every event it reads (sinsp.cpp, m_nevts++)"
	knownDifferences["run_as_user_0_container.scap/evt.buflen"] = "event 1519, a read exit whose enter precedes " +
		"the capture: 0.29.3 saw an exit without its enter and left the event without fd info; current libscap's " +
		"converter gives the missing fd parameter its default, 0, so libsinsp finds fd 0 and reports the length"
	knownDifferences["evt.reltime"] = "0.29.3 started the clock at the first event but container JSON " +
		"ones (sinsp.cpp:1260), so the procinfo and scapevent events opening a capture count; " +
		"current libsinsp starts it at the first event that is not a meta event (sinsp.cpp:1408)"
}
