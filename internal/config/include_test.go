package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// config_files merges files and config.d directories in order with
// Falco's strategies.
func TestConfigFilesMerge(t *testing.T) {
	dir := t.TempDir()
	confd := filepath.Join(dir, "config.d")
	write(t, confd, "20-b.yaml", "rules_files: [/b.yaml]\npriority: error\n")
	write(t, confd, "10-a.yaml", "rules_files: [/a.yaml]\njson_output: true\n")
	over := write(t, dir, "over.yaml", "rules_files: [/only.yaml]\nwebserver: {listen_port: 9000}\n")
	addOnly := write(t, dir, "add.yaml", "priority: debug\nrule_matching: all\n")
	main := write(t, dir, "falco.yaml", `rules_files: [/main.yaml]
priority: warning
webserver: {enabled: true, listen_port: 8765}
config_files:
  - `+confd+`
  - /does/not/exist
  - path: `+addOnly+`
    strategy: add-only
`)
	tree, loaded, err := LoadFileWithIncludes(main)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 4 || !strings.HasSuffix(loaded[1], "10-a.yaml") || !strings.HasSuffix(loaded[2], "20-b.yaml") {
		t.Fatalf("loaded %v", loaded)
	}
	e, err := tree.EngineSettings()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.RulesFiles, ",") != "/main.yaml,/a.yaml,/b.yaml" || e.Priority.String() != "Error" ||
		e.RuleMatching != "all" || !e.JSONOutput {
		t.Fatalf("merged engine settings %+v", e)
	}
	// override replaces lists and maps.
	main2 := write(t, dir, "falco2.yaml", "rules_files: [/main.yaml]\nconfig_files:\n  - path: "+over+"\n    strategy: override\n")
	tree, _, err = LoadFileWithIncludes(main2)
	if err != nil {
		t.Fatal(err)
	}
	e, _ = tree.EngineSettings()
	w, _ := tree.WebserverSettings()
	if strings.Join(e.RulesFiles, ",") != "/only.yaml" || w.ListenPort != 9000 {
		t.Fatalf("override: %+v %+v", e, w)
	}
	for _, bad := range []struct{ content, want string }{
		{"config_files:\n  - path: " + over + "\n    strategy: merge\n", `unknown strategy "merge"`},
		{"config_files: " + over + "\n", "expected a list"},
		{"config_files:\n  - " + filepath.Join(dir, "nested.yaml") + "\n", "not allowed in an included config file"},
	} {
		write(t, dir, "nested.yaml", "config_files: [/x]\n")
		p := write(t, dir, "bad.yaml", bad.content)
		if _, _, err := LoadFileWithIncludes(p); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.content, err, bad.want)
		}
	}
	self := write(t, dir, "self.yaml", "config_files: ["+filepath.Join(dir, "self.yaml")+"]\n")
	if _, _, err := LoadFileWithIncludes(self); err == nil || !strings.Contains(err.Error(), "main config file itself") {
		t.Errorf("self include: %v", err)
	}
}
