// This file declares the group class (libsinsp's group filter check): the
// group of the thread producing a syscall event.

package fields

func newGroupClass() *Class {
	return &Class{
		Name:      "group",
		ShortDesc: "",
		Desc:      "The group of the thread that produced the event.",
		Sources:   syscallSources(),
		Fields: []Field{
			{Name: "group.gid", Type: TypeUint32,
				Display: "GID",
				Desc:    "Numeric group ID."},
			{Name: "group.name", Type: TypeCharBuf,
				Display: "Group",
				Desc:    "Name of the group."},
		},
	}
}
