// This file declares the fs.path class (libsinsp's fspath filter check):
// the filesystem paths named by path-taking syscalls (mkdir, unlink,
// rename, link, ...), which need not go through an open descriptor.

package fields

func newFSPathClass() *Class {
	return &Class{
		Name:      "fs.path",
		ShortDesc: "",
		Desc: "Paths given to syscalls that act on the filesystem by name, such as unlink or rename, " +
			"whether or not a file descriptor is involved (unlike fd.*).",
		Sources: syscallSources(),
		Fields: []Field{
			{Name: "fs.path.name", Type: TypeCharBuf,
				Display: "Path",
				Desc:    "For path-taking syscalls, the path operated on, made absolute with the thread's working directory when needed."},
			{Name: "fs.path.nameraw", Type: TypeCharBuf,
				Display: "Path as Given",
				Desc:    "For path-taking syscalls, the path operated on exactly as passed to the syscall, possibly relative."},
			{Name: "fs.path.source", Type: TypeCharBuf,
				Display: "Source Path",
				Desc:    "For two-path syscalls (rename, link, ...), the source path, made absolute with the working directory when needed."},
			{Name: "fs.path.sourceraw", Type: TypeCharBuf,
				Display: "Source Path as Given",
				Desc:    "For two-path syscalls (rename, link, ...), the source path exactly as passed to the syscall."},
			{Name: "fs.path.target", Type: TypeCharBuf,
				Display: "Target Path",
				Desc:    "For two-path syscalls (rename, link, ...), the target path, made absolute with the working directory when needed."},
			{Name: "fs.path.targetraw", Type: TypeCharBuf,
				Display: "Target Path as Given",
				Desc:    "For two-path syscalls (rename, link, ...), the target path exactly as passed to the syscall."},
		},
	}
}
