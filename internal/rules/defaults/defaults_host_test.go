package defaults_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The rules of kestrel_host_rules.yaml (persistence, privilege escalation,
// defense evasion, credential access), each fired by a real action on this
// machine and quiet for a benign look-alike. System files touched are
// restored (removed) afterwards.
func TestHostRulesLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	sfx := fmt.Sprintf("kestrel-test-%d", os.Getpid())
	user := fmt.Sprintf("kstst%d", os.Getpid()%100000)

	// System paths this test creates; all removed at the end.
	cronFile := "/etc/cron.d/" + sfx
	cronMoved := "/etc/cron.d/" + sfx + "-moved"
	unitFile := "/etc/systemd/system/" + sfx + ".service"
	profileFile := "/etc/profile.d/" + sfx + ".sh"
	sudoersFile := "/etc/sudoers.d/" + sfx
	logFile := "/var/log/" + sfx + ".log"
	logFile2 := "/var/log/" + sfx + "-append.log"
	logFile3 := "/var/log/" + sfx + "-new.log"
	binFile := "/usr/local/bin/" + sfx
	for _, p := range []string{cronFile, cronMoved, "/etc/cron.d/." + sfx + ".tmp", unitFile, profileFile, sudoersFile, logFile, logFile2, logFile3, binFile} {
		defer os.Remove(p)
	}
	defer func() {
		if exec.Command("id", user).Run() == nil {
			_ = exec.Command("userdel", user).Run()
		}
		if exec.Command("id", user+"m").Run() == nil {
			_ = exec.Command("userdel", "-r", user+"m").Run()
		}
	}()
	_, err := os.Stat("/etc/ld.so.preload")
	preloadExisted := err == nil
	if !preloadExisted {
		defer os.Remove("/etc/ld.so.preload")
	}

	// Files prepared before the agent runs.
	mustWrite := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(logFile, "kestrel test log\n")
	mustWrite(filepath.Join(home, ".bash_history"), "ls\n")
	mustWrite(filepath.Join(home, ".ash_history"), "ls\n")
	mustWrite(filepath.Join(dir, "bash_history.txt"), "ls\n")
	mustWrite(filepath.Join(dir, "suid"), "")
	mustWrite(filepath.Join(dir, "plain"), "")
	mustWrite(filepath.Join(dir, "kestrel-test.ko"), "not an ELF module\n")
	mustWrite(filepath.Join(dir, "bpfload.pl"), `# BPF_PROG_LOAD of "r0 = 0; exit" as a socket filter
my $insns = pack("C16", 0xb7,0,0,0,0,0,0,0, 0x95,0,0,0,0,0,0,0);
my $lic = "GPL\0";
my $attr = pack("LLQQLLQLx68", 1, 2, unpack("Q", pack("p", $insns)), unpack("Q", pack("p", $lic)), 0, 0, 0, 0);
my $fd = syscall(321, 5, $attr, length($attr));
print "$fd\n";
`)
	key := filepath.Join(home, ".ssh", "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}

	preloadScript := ": >> /etc/ld.so.preload"
	if !preloadExisted {
		preloadScript += "; rm -f /etc/ld.so.preload"
	}
	as := fire(t, false, func(*liveRun) {
		// persistence
		run(t, "echo '# kestrel test' > "+cronFile)
		run(t, "echo '# kestrel test' > "+dir+"/crontab")
		// as sed -i and editors write: a temporary file renamed over the target
		run(t, "echo '# kestrel test' > /etc/cron.d/."+sfx+".tmp && mv /etc/cron.d/."+sfx+".tmp "+cronMoved)
		run(t, "echo 'ssh-ed25519 AAAA kestrel-mv' > "+home+"/.ssh/ak.tmp && mv "+home+"/.ssh/ak.tmp "+home+"/.ssh/authorized_keys2")
		run(t, "echo x > "+home+"/.ssh/notes.tmp && mv "+home+"/.ssh/notes.tmp "+home+"/.ssh/notes") // look-alike
		run(t, "printf '[Unit]\\n' > "+unitFile)
		run(t, "printf '[Unit]\\n' > "+dir+"/"+sfx+".service")
		run(t, "echo 'ssh-ed25519 AAAA kestrel-test' >> "+home+"/.ssh/authorized_keys")
		run(t, "echo 'localhost ssh-ed25519 AAAA' >> "+home+"/.ssh/known_hosts")
		run(t, preloadScript)
		run(t, ": >> "+dir+"/ld.so.preload")
		run(t, "echo '# kestrel test' >> "+home+"/.bashrc")
		run(t, "echo '# kestrel test' > "+profileFile)
		run(t, "echo '# kestrel test' >> "+dir+"/bashrc.bak")
		run(t, "useradd -M -N -s /usr/sbin/nologin "+user+"; userdel "+user)
		// look-alike for the startup files: useradd -m copies /etc/skel's .bashrc
		run(t, "useradd -m -N -s /usr/sbin/nologin "+user+"m; userdel -r "+user+"m 2>/dev/null")
		run(t, "id "+user+" > /dev/null 2>&1")
		run(t, `perl -e 'open(F, ">>", $ARGV[0]) or die' /etc/group`)
		run(t, `perl -e 'open(F, ">>", $ARGV[0]) or die' `+dir+"/group")
		run(t, "insmod "+dir+"/kestrel-test.ko 2>/dev/null")
		run(t, "lsmod > /dev/null")
		// privilege escalation
		run(t, "chmod u+s "+dir+"/suid")
		run(t, "chmod 755 "+dir+"/plain")
		run(t, "echo '# kestrel test' > "+sudoersFile)
		run(t, "echo '# kestrel test' > "+dir+"/sudoers")
		// strace is stopped once attached (the tracee's TracerPid shows it),
		// not after a delay a loaded machine may exceed.
		run(t, "sleep 120 & p=$!; strace -o /dev/null -p $p & s=$!; i=0; "+
			"while grep -q '^TracerPid:[[:space:]]*0$' /proc/$p/status && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; kill $s $p")
		run(t, `perl -e 'syscall(101, 0, 0, 0, 0)'`) // PTRACE_TRACEME
		// defense evasion
		run(t, ": > "+logFile)
		run(t, "rm -f "+logFile)
		run(t, "echo kestrel >> "+logFile2)
		run(t, "echo kestrel > "+logFile3) // a new log, created with O_TRUNC
		run(t, "rm -f "+dir+"/bash_history.txt")
		run(t, "rm -f "+home+"/.bash_history")
		run(t, "ln -s /dev/null "+home+"/.zsh_history")
		run(t, "cp /dev/null "+home+"/.ash_history")
		run(t, "ln -s /dev/null "+dir+"/null-link")
		run(t, "echo ls >> "+home+"/.python_history")
		run(t, "cp /bin/true "+binFile)
		run(t, "cp /bin/true "+dir+"/true-copy")
		run(t, "touch -r /usr/bin/ls "+binFile)
		run(t, "touch -d 2020-01-01 "+dir+"/stamp")
		run(t, "perl "+dir+"/bpfload.pl > /dev/null")
		run(t, "bpftool prog show > /dev/null 2>&1")
		// credential access (this kernel has no /proc/kcore: only /proc/PID/mem is exercised)
		run(t, "sleep 5 & p=$!; cat /proc/$p/mem > /dev/null 2>&1; cat /proc/$p/status > /dev/null; kill $p")
		run(t, "cat "+key+" > /dev/null")
		run(t, "cat "+key+".pub > /dev/null; ssh-keygen -y -f "+key+" > /dev/null")
		// collection
		run(t, "grep -ri aws_secret_access_key "+home+" > /dev/null")
		run(t, "grep -ri kestrel-hello "+home+" > /dev/null")
	})

	checks := []struct {
		rule       string
		hit, quiet func(firedAlert) bool
	}{
		{"Cron job file written", hostFdIs(cronFile), hostFdIs(dir + "/crontab")},
		{"Cron job file written", movedTo(cronMoved), movedTo(home + "/.ssh/notes")},
		{"SSH authorized_keys written", movedTo(home + "/.ssh/authorized_keys2"), movedTo(home + "/.ssh/notes")},
		{"Systemd unit file written", hostFdIs(unitFile), hostFdIs(dir + "/" + sfx + ".service")},
		{"SSH authorized_keys written", hostFdIs(home + "/.ssh/authorized_keys"), hostFdIs(home + "/.ssh/known_hosts")},
		{"Dynamic linker preload file written", hostFdIs("/etc/ld.so.preload"), hostFdIs(dir + "/ld.so.preload")},
		{"Shell startup file modified", hostFdIs(home + "/.bashrc"), hostFdIs(dir + "/bashrc.bak")},
		{"Shell startup file modified", hostFdIs(profileFile), hostFdIs(dir + "/bashrc.bak")},
		{"Shell startup file modified", hostFdIs(home + "/.bashrc"), procIs("useradd -m")},
		{"User account creation tool run", procIs("useradd -M -N"), procIs("id " + user)},
		{"User account creation tool run", procIs("useradd -M -N"), func(a firedAlert) bool { return a.OutputFields["proc.pname"] == "useradd" }},
		{"Account database written by unexpected process", hostAnd(hostFdIs("/etc/group"), procIs("perl")),
			hostOr(hostFdIs(dir+"/group"), procIs("useradd"), procIs("userdel"))},
		{"Kernel module load attempted", procIs("insmod " + dir), procIs("lsmod")},
		{"Setuid or setgid bit set", procIs("chmod u+s " + dir), procIs("chmod 755 " + dir)},
		{"Sudoers configuration modified", hostFdIs(sudoersFile), hostFdIs(dir + "/sudoers")},
		{"Process attached with ptrace", procIs("strace -o /dev/null -p"), procIs("syscall(101")},
		{"Log file deleted or truncated", hostAnd(hostFdIs(logFile), procIs(": > "+logFile)), hostOr(hostOutHas(logFile2), hostOutHas(logFile3))},
		{"Log file deleted or truncated", procIs("rm -f " + logFile), hostOutHas(logFile2)},
		{"Shell history tampered", procIs("rm -f " + home + "/.bash_history"), procIs("rm -f " + dir + "/bash_history.txt")},
		{"Shell history tampered", procIs("ln -s /dev/null " + home + "/.zsh_history"), procIs("ln -s /dev/null " + dir + "/null-link")},
		{"Shell history tampered", procIs("cp /dev/null " + home + "/.ash_history"), hostOutHas(".python_history")},
		{"Timestamps of system file forged", procIs("touch -r /usr/bin/ls " + binFile), procIs("touch -d 2020-01-01")},
		{"Binary written below system binary directory", hostFdIs(binFile), hostFdIs(dir + "/true-copy")},
		{"BPF program loaded by unexpected process", procIs(dir + "/bpfload.pl"), procIs("bpftool")},
		{"Process or kernel memory opened", hostAnd(procIs("cat"), hostFdSuffix("/mem")), hostFdSuffix("/status")},
		{"Search for credentials in files", procIs("grep -ri aws_secret_access_key"), procIs("kestrel-hello")},
		{"SSH private key read by non-SSH program", hostAnd(hostFdIs(key), procIs("cat")), hostOr(hostFdIs(key+".pub"), procIs("ssh-keygen"))},
	}
	for _, c := range checks {
		if len(fired(as, c.rule, c.hit)) == 0 {
			t.Errorf("%s: not raised by its action", c.rule)
		}
		if q := fired(as, c.rule, c.quiet); len(q) > 0 {
			t.Errorf("%s: raised by the benign look-alike: %s", c.rule, q[0].Output)
		}
	}
	if t.Failed() {
		for _, a := range as {
			t.Logf("alert: %s: %s", a.Rule, a.Output)
		}
	}
}

func movedTo(name string) func(firedAlert) bool {
	return func(a firedAlert) bool { return a.OutputFields["fs.path.target"] == name }
}

func hostFdIs(name string) func(firedAlert) bool {
	return func(a firedAlert) bool { return a.OutputFields["fd.name"] == name }
}

func hostFdSuffix(s string) func(firedAlert) bool {
	return func(a firedAlert) bool {
		n, _ := a.OutputFields["fd.name"].(string)
		return strings.HasSuffix(n, s)
	}
}

func hostOutHas(s string) func(firedAlert) bool {
	return func(a firedAlert) bool { return strings.Contains(a.Output, s) }
}

func hostAnd(fs ...func(firedAlert) bool) func(firedAlert) bool {
	return func(a firedAlert) bool {
		for _, f := range fs {
			if !f(a) {
				return false
			}
		}
		return true
	}
}

func hostOr(fs ...func(firedAlert) bool) func(firedAlert) bool {
	return func(a firedAlert) bool {
		for _, f := range fs {
			if f(a) {
				return true
			}
		}
		return false
	}
}
