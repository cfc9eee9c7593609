// This file declares the user class (libsinsp's user filter check): the
// user that runs the thread producing a syscall event, and its audit
// (login) user.

package fields

func newUserClass() *Class {
	return &Class{
		Name:      "user",
		ShortDesc: "",
		Desc:      "The user running the thread that produced the event.",
		Sources:   syscallSources(),
		Fields: []Field{
			{Name: "user.uid", Type: TypeUint32,
				Display: "UID",
				Desc:    "Numeric user ID."},
			{Name: "user.name", Type: TypeCharBuf,
				Display: "User",
				Desc:    "Name of the user."},
			{Name: "user.homedir", Type: TypeCharBuf,
				Display: "Home",
				Desc:    "Home directory of the user."},
			{Name: "user.shell", Type: TypeCharBuf,
				Display: "Login Shell",
				Desc:    "Shell configured for the user."},
			{Name: "user.loginuid", Type: TypeInt64,
				Display: "Audit UID",
				Desc:    "Audit (login) user ID; the unset value 4294967295 is reported as -1 so that conditions stay simple."},
			{Name: "user.loginname", Type: TypeCharBuf,
				Display: "Audit User",
				Desc:    "Name of the audit (login) user."},
		},
	}
}
