package probe

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Capabilities the probe needs: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN
// on its own), as root has.
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// checkKernel says what is missing before loading is attempted, so the
// user gets one clear sentence rather than a verifier dump.
func checkKernel() error {
	var missing []string
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		var major, minor int
		fmt.Sscanf(unix.ByteSliceToString(uts.Release[:]), "%d.%d", &major, &minor)
		if major < 5 || major == 5 && minor < 8 {
			missing = append(missing, fmt.Sprintf("a kernel of 5.8 or later (this one is %s)", unix.ByteSliceToString(uts.Release[:])))
		}
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		missing = append(missing, "kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y)")
	}
	if caps, err := effectiveCaps(); err == nil {
		has := func(c uint) bool { return caps&(1<<c) != 0 }
		if !has(capSysAdmin) && !(has(capBPF) && has(capPerfmon)) {
			missing = append(missing, "the capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run as root")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the eBPF probe cannot run here: it needs %s", strings.Join(missing, ", and "))
	}
	return nil
}

// effectiveCaps reads the effective capability set of this process.
func effectiveCaps() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			var caps uint64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%x", &caps)
			return caps, err
		}
	}
	return 0, errors.New("no CapEff in /proc/self/status")
}

// explainLoadError turns load failures into messages that say what to do.
func explainLoadError(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return fmt.Errorf("the kernel's verifier rejected the probe (a Kestrel bug; please report it with this log): %v\n%+v", err, ve)
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("loading the probe was not permitted (%w): run as root or with CAP_BPF and CAP_PERFMON", err)
	}
	return fmt.Errorf("loading the probe: %w", err)
}
