// This file declares the fdlist class (libsinsp's fdlist filter check):
// the file descriptor sets passed to poll-style syscalls, each rendered as
// one comma-separated string.

package fields

func newFDListClass() *Class {
	return &Class{
		Name:      "fdlist",
		ShortDesc: "",
		Desc:      "The file descriptors listed in the fds argument of poll events.",
		Sources:   syscallSources(),
		Fields: []Field{
			{Name: "fdlist.nums", Type: TypeCharBuf,
				Display: "Polled FD Numbers",
				Desc:    "For poll events, the numbers of the polled descriptors, comma-separated in one string."},
			{Name: "fdlist.names", Type: TypeCharBuf,
				Display: "Polled FD Names",
				Desc:    "For poll events, the names of the polled descriptors, comma-separated in one string."},
			{Name: "fdlist.cips", Type: TypeCharBuf,
				Display: "Polled Client IPs",
				Desc:    "For poll events, the client IP addresses of the polled sockets, comma-separated in one string."},
			{Name: "fdlist.sips", Type: TypeCharBuf,
				Display: "Polled Server IPs",
				Desc:    "For poll events, the server IP addresses of the polled sockets, comma-separated in one string."},
			{Name: "fdlist.cports", Type: TypeCharBuf,
				Display: "Polled Client Ports",
				Desc:    "For poll events, the client TCP/UDP ports of the polled sockets, comma-separated in one string."},
			{Name: "fdlist.sports", Type: TypeCharBuf,
				Display: "Polled Server Ports",
				Desc:    "For poll events, the server TCP/UDP ports of the polled sockets, comma-separated in one string."},
		},
	}
}
