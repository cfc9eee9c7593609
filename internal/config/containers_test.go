package config

import (
	"strings"
	"testing"
)

func TestContainerSettings(t *testing.T) {
	t.Setenv("HOST_ROOT", "")
	tree, err := Parse("falco.yaml", []byte(`
plugins:
  - name: json
  - name: container
    library_path: libcontainer.so
    init_config:
      engines:
        docker: {enabled: true, sockets: [/custom/docker.sock]}
        cri: {enabled: false}
        lxc: {enabled: true}
      host_root: /host
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := tree.ContainerSettings()
	if err != nil {
		t.Fatal(err)
	}
	if c.HostRoot != "/host" || c.Docker.Sockets[0] != "/custom/docker.sock" || !c.Docker.Enabled || c.CRI.Enabled ||
		!c.Podman.Enabled || c.Podman.Sockets[0] != "/run/podman/podman.sock" {
		t.Fatalf("settings %+v", c)
	}

	// init_config as a JSON string, as Falco also accepts, and -o on top.
	tree, _ = Parse("falco.yaml", []byte(`
plugins:
  - name: container
    init_config: '{"engines": {"podman": {"enabled": false}}}'
`))
	c, err = tree.ContainerSettings()
	if err != nil || c.Podman.Enabled || !c.Docker.Enabled {
		t.Fatalf("%+v %v", c, err)
	}

	for _, bad := range []struct{ doc, want string }{
		{"plugins:\n  - name: container\n    init_config: '{nope'\n", "plugins[0].init_config (line 3): not valid JSON"},
		{"plugins:\n  - name: container\n    init_config:\n      engines:\n        rkt: {enabled: true}\n", `unknown engine "rkt"`},
		{"plugins:\n  - name: container\n    init_config:\n      engines:\n        docker: {sockets: 3}\n", "plugins[0].init_config"},
	} {
		tree, err := Parse("falco.yaml", []byte(bad.doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tree.ContainerSettings(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.doc, err, bad.want)
		}
	}
}
