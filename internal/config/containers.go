package config

import (
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/kestrel-project/kestrel/internal/container"
)

// ContainerSettings reads the container runtimes to ask from the
// container plugin's entry of `plugins` (name: container), whose
// init_config is a mapping or a JSON string as Falco accepts both:
//
//	plugins:
//	  - name: container
//	    init_config:
//	      engines:
//	        docker: {enabled: true, sockets: [/var/run/docker.sock]}
//	        cri: {enabled: false}
//	      host_root: /host
//
// Engines and keys left out keep the plugin's defaults.
func (t *Tree) ContainerSettings() (container.EngineConfig, error) {
	cfg := container.DefaultEngineConfig()
	plugins := t.Get("plugins")
	if plugins == nil || plugins.Kind != yaml.SequenceNode {
		return cfg, nil
	}
	for i, p := range plugins.Content {
		if p.Kind != yaml.MappingNode {
			continue
		}
		name := mapChild(p, "name")
		if name == nil || name.Value != "container" {
			continue
		}
		ic := mapChild(p, "init_config")
		if ic == nil {
			return cfg, nil
		}
		var raw any
		if ic.Kind == yaml.ScalarNode && ic.Tag != "!!null" {
			if err := json.Unmarshal([]byte(ic.Value), &raw); err != nil {
				return cfg, fmt.Errorf("plugins[%d].init_config (line %d): not valid JSON: %v", i, ic.Line, err)
			}
		} else if err := ic.Decode(&raw); err != nil {
			return cfg, fmt.Errorf("plugins[%d].init_config (line %d): %v", i, ic.Line, err)
		}
		// One decoding path for both forms: through JSON.
		b, err := json.Marshal(raw)
		if err != nil {
			return cfg, fmt.Errorf("plugins[%d].init_config (line %d): %v", i, ic.Line, err)
		}
		var doc struct {
			Engines map[string]struct {
				Enabled *bool     `json:"enabled"`
				Sockets *[]string `json:"sockets"`
			} `json:"engines"`
			HostRoot *string `json:"host_root"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return cfg, fmt.Errorf("plugins[%d].init_config (line %d): %v", i, ic.Line, err)
		}
		if doc.HostRoot != nil {
			cfg.HostRoot = *doc.HostRoot
		}
		for engine, e := range doc.Engines {
			var target *container.SocketEngine
			switch engine {
			case "docker":
				target = &cfg.Docker
			case "podman":
				target = &cfg.Podman
			case "containerd":
				target = &cfg.Containerd
			case "cri":
				target = &cfg.CRI
			case "lxc", "libvirt_lxc", "bpm", "static":
				// Known from cgroups alone; nothing to connect to.
				continue
			default:
				return cfg, fmt.Errorf("plugins[%d].init_config.engines (line %d): unknown engine %q "+
					"(docker, podman, containerd, cri, lxc, libvirt_lxc, bpm, static)", i, ic.Line, engine)
			}
			if e.Enabled != nil {
				target.Enabled = *e.Enabled
			}
			if e.Sockets != nil && len(*e.Sockets) > 0 {
				target.Sockets = *e.Sockets
			}
		}
		return cfg, nil
	}
	return cfg, nil
}
