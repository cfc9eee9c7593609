package probe

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// Overlayfs layer bits of the open family's flags, creat's creat_flags and
// the execve exit's flags (PPM_FD_*_LAYER, PPM_FD_*_LAYER_CREAT,
// PPM_EXE_*_LAYER).
const (
	fdUpper    = 1 << 15
	fdLower    = 1 << 16
	creatUpper = 1 << 0
	creatLower = 1 << 1
	exeUpper   = 1 << 1
	exeLower   = 1 << 3
)

// layer names which of the two bits of a parameter are set.
func layer(v, upper, lower uint64) string {
	switch {
	case v&upper != 0 && v&lower != 0:
		return "both"
	case v&upper != 0:
		return "upper"
	case v&lower != 0:
		return "lower"
	}
	return "none"
}

// param is the named parameter of r, and whether r has it.
func param(r *event.Record, name string) ([]byte, bool) {
	for i, p := range event.Lookup(r.Type()).Params {
		if p.Name == name && i < r.NParams() {
			return r.Param(i), true
		}
	}
	return nil, false
}

// openLayer is the layer an open-family exit reports ("" for another
// event), and its rendered arguments.
func openLayer(r *event.Record) (string, string) {
	args := event.Args(r, nil, event.RenderOptions{})
	switch r.Type() {
	case event.CreatX:
		b, _ := param(r, "creat_flags")
		return layer(uint64(event.U16(b)), creatUpper, creatLower), args
	case event.OpenX, event.OpenatX2, event.Openat2X, event.OpenByHandleAtX:
		b, _ := param(r, "flags")
		return layer(uint64(event.U32(b)), fdUpper, fdLower), args
	}
	return "", args
}

// execLayer is the layer a successful execve exit reports for its
// executable.
func execLayer(r *event.Record) string {
	b, _ := param(r, "flags")
	return layer(uint64(event.U32(b)), exeUpper, exeLower)
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOverlayLayers mounts an overlay (a lower and an upper directory, as
// a container's root is) and checks the layer each open-family exit and
// each execve exit reports, on the overlay and off it: once with the
// kernel's struct ovl_inode (CO-RE) and once with the layout assumption
// the probe falls back to when the kernel's BTF lacks it.
func TestOverlayLayers(t *testing.T) {
	for _, assume := range []bool{false, true} {
		name := "btf"
		if assume {
			name = "layout-assumption"
		}
		t.Run(name, func(t *testing.T) { testOverlayLayers(t, assume) })
	}
}

func testOverlayLayers(t *testing.T, assumeLayout bool) {
	p := needProbe(t, Options{RingBytes: 4 << 20, ExcludeTgid: 1, ovlAssumeLayout: assumeLayout})
	if unsupported, err := p.SetSyscalls(syscallsNamed(t, "open", "openat", "openat2", "creat", "execve", "execveat")); err != nil || !unsupported.IsEmpty() {
		t.Fatalf("SetSyscalls: %v, unsupported %v", err, unsupported)
	}
	dir := t.TempDir()
	lower, upper, work, merged := filepath.Join(dir, "lower"), filepath.Join(dir, "upper"),
		filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{lower, upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(lower, "lo"), filepath.Join(lower, "copied-up"), filepath.Join(upper, "up"), filepath.Join(dir, "host")} {
		if err := os.WriteFile(f, []byte("kestrel\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	trueBin, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, trueBin, filepath.Join(lower, "true-lower"), 0o755)
	copyFile(t, trueBin, filepath.Join(upper, "true-upper"), 0o755)
	copyFile(t, trueBin, filepath.Join(dir, "true-host"), 0o755)
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Skipf("mounting an overlay: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(merged, unix.MNT_DETACH) })
	m := func(n string) string { return filepath.Join(merged, n) }

	openat := func(path string, flags int) {
		fd, err := unix.Open(path, flags, 0o644) // openat(AT_FDCWD, ...)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
	}
	openat(m("lo"), unix.O_RDONLY)
	openat(m("up"), unix.O_RDONLY)
	openat(filepath.Join(dir, "host"), unix.O_RDONLY)
	openat(m("made-by-openat"), unix.O_CREAT|unix.O_WRONLY)
	// Opening a lower file for writing copies it up first.
	unix.Close(int(rawPath(t, unix.SYS_OPEN, m("copied-up"), unix.O_WRONLY, 0)))
	unix.Close(int(rawPath(t, unix.SYS_OPEN, m("lo"), unix.O_RDONLY, 0)))
	unix.Close(int(rawPath(t, unix.SYS_CREAT, m("made-by-creat"), 0o600, 0)))
	unix.Close(int(rawPath(t, unix.SYS_CREAT, filepath.Join(dir, "host-creat"), 0o600, 0)))
	fd, err := unix.Openat2(unix.AT_FDCWD, m("lo"), &unix.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	fd, err = unix.Openat2(unix.AT_FDCWD, m("up"), &unix.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	for _, bin := range []string{m("true-lower"), m("true-upper"), filepath.Join(dir, "true-host")} {
		if out, err := exec.Command(bin).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", bin, err, out)
		}
	}
	// A lower executable that a write copied up is then upper.
	unix.Close(int(rawPath(t, unix.SYS_OPEN, m("true-lower"), unix.O_WRONLY|unix.O_APPEND, 0)))
	if out, err := exec.Command(m("true-lower"), "copied-up").CombinedOutput(); err != nil {
		t.Fatalf("copied-up true: %v %s", err, out)
	}

	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return true })
	type openKey struct {
		code uint16
		name string
	}
	opens := map[openKey][]string{}
	rendered := map[openKey][]string{}
	execs := map[string][]string{}
	for _, r := range recs {
		if r.Type() == event.ExecveX19 {
			b, _ := param(r, "res")
			f, _ := param(r, "filename")
			a, _ := param(r, "args")
			if event.Int(event.PTErrno, b) != 0 {
				continue
			}
			key := event.CString(f)
			if args := event.StringArray(a); len(args) > 0 {
				key += " " + strings.Join(args, " ")
			}
			execs[key] = append(execs[key], execLayer(r))
			continue
		}
		l, args := openLayer(r)
		if l == "" {
			continue
		}
		n, ok := param(r, "name")
		if !ok {
			continue
		}
		k := openKey{r.Type(), event.CString(n)}
		opens[k] = append(opens[k], l)
		rendered[k] = append(rendered[k], args)
	}
	checkOpen := func(code uint16, path, want string, show ...string) {
		t.Helper()
		k := openKey{code, path}
		got := opens[k]
		if len(got) == 0 {
			t.Errorf("%s %s: no exit event", event.Name(code), path)
			return
		}
		for i, g := range got {
			if g != want {
				t.Errorf("%s %s: layer %s, want %s (%s)", event.Name(code), path, g, want, rendered[k][i])
			}
			for _, s := range show {
				if !strings.Contains(rendered[k][i], s) {
					t.Errorf("%s %s: %q lacks %q", event.Name(code), path, rendered[k][i], s)
				}
			}
		}
	}
	checkOpen(event.OpenatX2, m("lo"), "lower", "FD_LOWER_LAYER")
	checkOpen(event.OpenatX2, m("up"), "upper", "FD_UPPER_LAYER")
	checkOpen(event.OpenatX2, filepath.Join(dir, "host"), "none")
	checkOpen(event.OpenatX2, m("made-by-openat"), "upper", "O_F_CREATED", "FD_UPPER_LAYER")
	checkOpen(event.OpenX, m("copied-up"), "upper", "FD_UPPER_LAYER")
	checkOpen(event.OpenX, m("lo"), "lower", "FD_LOWER_LAYER")
	checkOpen(event.CreatX, m("made-by-creat"), "upper", "creat_flags=1(FD_UPPER_LAYER_CREAT)")
	checkOpen(event.CreatX, filepath.Join(dir, "host-creat"), "none", "creat_flags=0")
	checkOpen(event.Openat2X, m("lo"), "lower", "FD_LOWER_LAYER")
	checkOpen(event.Openat2X, m("up"), "upper", "FD_UPPER_LAYER")

	checkExec := func(key, want string) {
		t.Helper()
		got := execs[key]
		if len(got) == 0 {
			t.Errorf("no execve exit of %q", key)
		}
		for _, g := range got {
			if g != want {
				t.Errorf("execve of %q: exe layer %s, want %s", key, g, want)
			}
		}
	}
	checkExec(m("true-lower"), "lower")
	checkExec(m("true-upper"), "upper")
	checkExec(filepath.Join(dir, "true-host"), "none")
	checkExec(m("true-lower")+" copied-up", "upper")
	if t.Failed() {
		t.Logf("execs seen: %v", execs)
	}
}

// TestOverlayLayoutAssumption checks, on this kernel, the assumption the
// probe falls back to when the kernel's BTF lacks struct ovl_inode: its
// __upperdentry member directly follows its vfs_inode member.
func TestOverlayLayoutAssumption(t *testing.T) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Skipf("no kernel BTF: %v", err)
	}
	var s *btf.Struct
	if err := spec.TypeByName("ovl_inode", &s); err != nil {
		mod, merr := btf.LoadKernelModuleSpec("overlay")
		if merr != nil {
			t.Skipf("struct ovl_inode is in no BTF here (overlayfs not built in, module not loaded): %v", merr)
		}
		if err := mod.TypeByName("ovl_inode", &s); err != nil {
			t.Skipf("the overlay module's BTF lacks struct ovl_inode: %v", err)
		}
	}
	var inode *btf.Struct
	if err := spec.TypeByName("inode", &inode); err != nil {
		t.Fatal(err)
	}
	off := map[string]uint32{}
	for _, mb := range s.Members {
		off[mb.Name] = mb.Offset.Bytes()
	}
	vi, ok1 := off["vfs_inode"]
	up, ok2 := off["__upperdentry"]
	if !ok1 || !ok2 {
		t.Fatalf("struct ovl_inode lacks vfs_inode or __upperdentry: %v", off)
	}
	if up != vi+inode.Size {
		t.Errorf("__upperdentry at %d, vfs_inode at %d, sizeof(struct inode) %d: the layout assumption fails on this kernel", up, vi, inode.Size)
	}
}

// TestOverlayWithoutOvlInodeBTF loads the probe against this kernel's
// types with struct ovl_inode renamed away, as on a kernel whose overlayfs
// is a module without BTF or not loaded yet when the probe is: the CO-RE
// offsets of struct ovl_inode then cannot be relocated, and the programs
// must still pass the verifier (those instructions are dead code behind
// bpf_core_field_exists, and the layout assumption, which
// TestOverlayLayers exercises, is used instead).
func TestOverlayWithoutOvlInodeBTF(t *testing.T) {
	needProbe(t, Options{RingBytes: 1 << 20}).Close() // skips where the probe cannot load at all
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	kernel = kernel.Copy()
	var ovl *btf.Struct
	if err := kernel.TypeByName("ovl_inode", &ovl); err == nil {
		ovl.Name = "kestrel_hidden_ovl_inode"
	}
	var types []btf.Type
	for typ, err := range kernel.All() {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, typ)
	}
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if err := hidden.TypeByName("ovl_inode", &ovl); err == nil {
		t.Fatal("struct ovl_inode is still there")
	}
	spec, err := loadKestrel()
	if err != nil {
		t.Fatal(err)
	}
	var objs kestrelObjects
	if err := spec.LoadAndAssign(&objs, &ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{KernelTypes: hidden}}); err != nil {
		t.Fatalf("loading without struct ovl_inode: %v", explainLoadError(err))
	}
	objs.Close()
}

// TestContainerOverlayLayers runs a Docker container (overlay2 storage)
// that executes a binary of its image, drops a copy of it in /tmp and
// executes that ("Drop and execute new binary in container"), creates a
// file and opens it and an image file; the probe must report the image's
// files as lower, the container's own as upper, and the files Docker
// bind-mounts from the host (/etc/hostname) and the host's own as
// neither.
func TestContainerOverlayLayers(t *testing.T) {
	image := dockertest.Image(t, "kestrel-test/busybox:layers")
	p := needProbe(t, Options{RingBytes: 16 << 20, ExcludeTgid: 1})
	// The clone family too: busybox's shell runs applets such as cp in a
	// forked child without an execve.
	if unsupported, err := p.SetSyscalls(syscallsNamed(t, "open", "openat", "openat2", "creat", "execve", "execveat",
		"clone", "clone3", "fork", "vfork")); err != nil || !unsupported.IsEmpty() {
		t.Fatalf("SetSyscalls: %v, unsupported %v", err, unsupported)
	}
	script := `/bin/true kestrel-lower
mkdir /tmp/kestrel-drop && cp /bin/busybox /tmp/kestrel-drop/true && /tmp/kestrel-drop/true kestrel-upper
echo made > /tmp/kestrel-made && /bin/cat /tmp/kestrel-made /etc/passwd /etc/hostname > /dev/null`
	id := dockertest.Run(t, image, nil, "sh", "-c", script)
	if out, err := exec.Command("docker", "wait", id).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "0" {
		logs, _ := exec.Command("docker", "logs", id).CombinedOutput()
		t.Fatalf("container: %v, exit %s, logs %s", err, out, logs)
	}
	// On the host: no overlay.
	if err := exec.Command("/bin/true", "kestrel-host-probe").Run(); err != nil {
		t.Fatal(err)
	}
	hostFile := filepath.Join(t.TempDir(), "kestrel-host-file")
	if err := os.WriteFile(hostFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	recs := collect(t, p, 2*time.Second, func(r *event.Record) bool { return true })

	// The container's threads: those whose execve or clone exits have
	// cgroups naming the container.
	inContainer := map[int64]bool{}
	execs := map[string][]string{}
	var hostExec []string
	for _, r := range recs {
		cg, ok := param(r, "cgroups")
		if !ok {
			continue
		}
		mine := strings.Contains(strings.Join(event.StringArray(cg), " "), id)
		if mine {
			inContainer[r.Tid()] = true
		}
		res, _ := param(r, "res")
		if r.Type() != event.ExecveX19 || event.Int(event.PTErrno, res) != 0 {
			continue
		}
		f, _ := param(r, "filename")
		a, _ := param(r, "args")
		key := event.CString(f) + " " + strings.Join(event.StringArray(a), " ")
		if mine {
			l := execLayer(r)
			if args := event.Args(r, nil, event.RenderOptions{}); l != "none" && !strings.Contains(args, "EXE_"+strings.ToUpper(l)+"_LAYER") {
				t.Errorf("execve %q: layer %s not rendered: %s", key, l, args)
			}
			execs[key] = append(execs[key], l)
		} else if key == "/bin/true kestrel-host-probe" {
			hostExec = append(hostExec, execLayer(r))
		}
	}
	for key, want := range map[string]string{
		"/bin/sh -c " + script:                 "lower", // runc's exec of the entry point
		"/bin/true kestrel-lower":              "lower",
		"/tmp/kestrel-drop/true kestrel-upper": "upper",
	} {
		got := execs[key]
		if len(got) != 1 || got[0] != want {
			t.Errorf("container execve %q: layers %v, want [%s]", key, got, want)
		}
	}
	if len(hostExec) != 1 || hostExec[0] != "none" {
		t.Errorf("host execve of /bin/true: layers %v, want [none]", hostExec)
	}

	opens := map[string][]string{}
	var hostOpen []string
	for _, r := range recs {
		l, args := openLayer(r)
		if l == "" {
			continue
		}
		n, _ := param(r, "name")
		name := event.CString(n)
		if name == hostFile && !inContainer[r.Tid()] {
			hostOpen = append(hostOpen, l)
		}
		if !inContainer[r.Tid()] {
			continue
		}
		if l != "none" && !strings.Contains(args, "FD_"+strings.ToUpper(l)+"_LAYER") {
			t.Errorf("%s %s: layer %s not rendered: %s", event.Name(r.Type()), name, l, args)
		}
		opens[name] = append(opens[name], l)
	}
	for name, want := range map[string]string{
		"/tmp/kestrel-made":      "upper", // created by the shell's redirection, then read by cat
		"/etc/passwd":            "lower",
		"/bin/busybox":           "lower", // cp's source
		"/tmp/kestrel-drop/true": "upper", // cp's target
		"/etc/hostname":          "none",  // bind-mounted from the host
	} {
		got := opens[name]
		if len(got) == 0 {
			t.Errorf("no open of %s in the container", name)
		}
		for _, g := range got {
			if g != want {
				t.Errorf("open of %s in the container: layer %s, want %s (all: %v)", name, g, want, got)
			}
		}
	}
	if len(opens["/tmp/kestrel-made"]) < 2 {
		t.Errorf("/tmp/kestrel-made: opens %v, want the redirection's and cat's", opens["/tmp/kestrel-made"])
	}
	if t.Failed() {
		t.Logf("container execs: %v", execs)
		t.Logf("container opens: %v", opens)
	}
	if len(hostOpen) == 0 {
		t.Errorf("no open of %s on the host", hostFile)
	}
	for _, l := range hostOpen {
		if l != "none" {
			t.Errorf("host open of %s: layer %s, want none", hostFile, l)
		}
	}
}
