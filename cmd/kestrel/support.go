package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/rules/load"
)

// printSupport is --support: Falco's support dump (version, engine_info,
// system_info, cmdline, config, rules_files with their content), plus
// what a Kestrel bug report needs besides: the kernel features the probe
// relies on, the container runtime sockets found, and SHA-256 digests of
// the configuration and of each rules file, so two reports can be
// compared at a glance.
func printSupport(stdout, stderr io.Writer, o *rootOptions) error {
	st, err := o.loadConfig()
	if err != nil {
		return err
	}
	defer st.closeLog()
	loader, err := loadRules(newSetupWith(st.static), o.rulesFiles, st)
	if err != nil {
		return err
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return &exitError{code: 1, msg: "Could not get system info: " + err.Error()}
	}
	cfg, err := st.tree.YAML()
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	type variant struct {
		Content string `json:"content"`
	}
	type rulesFile struct {
		Name     string    `json:"name"`
		SHA256   string    `json:"sha256"`
		Variants []variant `json:"variants"`
	}
	files := []rulesFile{}
	contents := loader.Contents()
	for _, r := range loader.Results() {
		c := contents[r.Name]
		files = append(files, rulesFile{Name: r.Name, SHA256: digest(c), Variants: []variant{{string(c)}}})
	}
	sockets := []string{}
	for _, ep := range st.engines.Endpoints() {
		sockets = append(sockets, ep.Engine+" "+ep.Path)
	}
	doc := map[string]any{
		"version":     Version,
		"engine_info": versionsInfo(),
		"system_info": map[string]string{
			"sysname": unix.ByteSliceToString(uts.Sysname[:]), "nodename": unix.ByteSliceToString(uts.Nodename[:]),
			"release": unix.ByteSliceToString(uts.Release[:]), "version": unix.ByteSliceToString(uts.Version[:]),
			"machine": unix.ByteSliceToString(uts.Machine[:]),
		},
		"kernel_features":   kernelFeatures(),
		"container_sockets": sockets,
		"cmdline":           strings.Join(os.Args, " "),
		"config":            string(cfg),
		"config_sha256":     digest(cfg),
		"config_files":      configDigests(st.configFiles),
		"rules_files":       files,
	}
	return writeJSON(stdout, doc, false)
}

// versionsInfo is Falco's versions_info in Kestrel's terms, for
// --support's engine_info and the web server's /versions.
func versionsInfo() map[string]any {
	return map[string]any{
		"kestrel_version":       Version,
		"engine_version":        strings.Split(load.EngineVersion.String(), ".")[1],
		"engine_version_semver": load.EngineVersion.String(),
		"go_version":            runtime.Version(),
		"plugin_versions":       map[string]string{"container": "0.7.0 (built in)"},
	}
}

// configDigests lists the configuration files read with their SHA-256,
// as Falco's loaded config file checksums.
func configDigests(files []string) []map[string]string {
	out := []map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		out = append(out, map[string]string{"name": f, "sha256": digest(b)})
	}
	return out
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// kernelFeatures reports what the probe needs from the kernel, read from
// the files the kernel exposes them in.
func kernelFeatures() map[string]any {
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	lsm, _ := os.ReadFile("/sys/kernel/security/lsm")
	cgroup := "v1"
	if exists("/sys/fs/cgroup/cgroup.controllers") {
		cgroup = "v2"
	}
	return map[string]any{
		"btf":            exists("/sys/kernel/btf/vmlinux"),
		"bpf_lsm":        strings.Contains(","+strings.TrimSpace(string(lsm))+",", ",bpf,"),
		"cgroup_version": cgroup,
		"overlayfs":      filesystemKnown("overlay"),
	}
}

func filesystemKnown(name string) bool {
	b, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && f[len(f)-1] == name {
			return true
		}
	}
	return false
}
