package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/kestrel-project/kestrel/internal/config"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/defaults"
	"github.com/kestrel-project/kestrel/internal/rules/load"
)

// Version is Kestrel's version, set at build time with -ldflags.
var Version = "0.1.0-dev"

// builtinPlugins are the Falco plugins whose fields Kestrel provides
// itself, with the plugin version whose fields it matches, so rule files'
// required_plugin_versions are satisfied.
var builtinPlugins = map[string]string{"container": "0.7.0"}

type rootOptions struct {
	rulesFiles  []string
	configFile  string
	overrides   []string
	validate    []string
	describeAll bool
	describeOne string
	listSource  string
	listSet     bool
	listNames   bool
	format      string
	dryRun      bool
	version     bool
	verbose     bool
}

// setup is what every command needs: the field registry and the sources
// rules can target.
type setup struct {
	registry *fields.Registry
	sources  []*load.Source
}

func newSetup() *setup {
	reg := fields.NewDefault()
	syscall, _ := reg.Source(fields.SyscallSource)
	return &setup{
		registry: reg,
		sources: []*load.Source{{
			Name:       fields.SyscallSource,
			Fields:     syscall,
			Binder:     engine.Unbound{},
			EventTypes: event.NewResolver(),
			AsyncCode:  int(event.AsyncEventCode),
		}},
	}
}

func (s *setup) newLoader() *load.Loader {
	return load.New(s.sources, load.Options{Plugins: builtinPlugins})
}

// loadConfig reads -c and applies -o.
func (o *rootOptions) loadConfig() (*config.Tree, config.Engine, error) {
	tree := config.Empty()
	if o.configFile != "" {
		t, err := config.LoadFile(o.configFile)
		if err != nil {
			return nil, config.Engine{}, &exitError{code: 1, msg: err.Error()}
		}
		tree = t
	}
	for _, ov := range o.overrides {
		if err := tree.Override(ov); err != nil {
			return nil, config.Engine{}, &exitError{code: 1, msg: err.Error()}
		}
	}
	eng, err := tree.EngineSettings()
	if err != nil {
		return nil, config.Engine{}, &exitError{code: 1, msg: err.Error()}
	}
	return tree, eng, nil
}

func (o *rootOptions) run(stdout, stderr io.Writer) error {
	if o.version {
		return printVersion(stdout, o)
	}
	_, eng, err := o.loadConfig()
	if err != nil {
		return err
	}
	s := newSetup()
	if o.listSet {
		return listFields(stdout, s.registry, o.listSource, o.format, o.listNames, o.verbose)
	}
	if len(o.validate) > 0 {
		return validateFiles(stdout, stderr, s, o.validate, eng.JSONOutput, false)
	}
	loader, err := loadRules(stderr, s, o.rulesFiles, eng)
	if err != nil {
		return err
	}
	if o.describeAll || o.describeOne != "" {
		return describeRules(stdout, loader, o.describeOne, eng.JSONOutput)
	}
	_, enabled := loader.Ruleset(fields.SyscallSource, eng.Priority, selections(eng), matching(eng))
	fmt.Fprintf(stderr, "Loaded %d rules (%d enabled) from %s\n", len(loader.Rules()), len(enabled), describeSources(o.rulesFiles, eng))
	if o.dryRun {
		return nil
	}
	fmt.Fprintln(stderr, "Rules are valid. Live capture is not available in this build yet; nothing to watch.")
	return nil
}

func describeSources(flagFiles []string, eng config.Engine) string {
	files := flagFiles
	if len(files) == 0 {
		files = eng.RulesFiles
	}
	if len(files) == 0 {
		return "the embedded default rules (" + defaults.Name + ")"
	}
	return strings.Join(files, ", ")
}

func selections(eng config.Engine) []load.Selection {
	out := make([]load.Selection, len(eng.Selections))
	for i, s := range eng.Selections {
		out[i] = load.Selection{Enable: s.Enable, Rule: s.Rule, Tag: s.Tag}
	}
	return out
}

func matching(eng config.Engine) engine.Matching {
	if eng.RuleMatching == "all" {
		return engine.MatchAll
	}
	return engine.MatchFirst
}

// loadRules loads -r files (or the configured rules_files, or the embedded
// defaults) and fails with Falco's verbose result on the first bad file.
func loadRules(stderr io.Writer, s *setup, flagFiles []string, eng config.Engine) (*load.Loader, error) {
	loader := s.newLoader()
	files := flagFiles
	if len(files) == 0 {
		files = eng.RulesFiles
	}
	var results []*load.Result
	if len(files) == 0 {
		results = append(results, loader.LoadContent(defaults.Name, defaults.Rules))
	}
	for _, f := range files {
		results = append(results, loader.LoadPath(f)...)
	}
	for _, r := range results {
		if !r.OK() {
			return nil, &exitError{code: 1, msg: r.Verbose(loader.Contents())}
		}
		if len(r.Warnings) > 0 {
			fmt.Fprint(stderr, r.Verbose(loader.Contents()), "\n")
		}
	}
	if err := loader.CheckPluginRequirements(); err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return loader, nil
}

func printVersion(w io.Writer, o *rootOptions) error {
	_, eng, err := o.loadConfig()
	if err != nil {
		return err
	}
	if eng.JSONOutput {
		doc := map[string]string{
			"kestrel_version":       Version,
			"engine_version":        strings.Split(load.EngineVersion.String(), ".")[1],
			"engine_version_semver": load.EngineVersion.String(),
			"go_version":            runtime.Version(),
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			return err
		}
		_, err := w.Write(b.Bytes())
		return err
	}
	fmt.Fprintf(w, "Kestrel version: %s (%s/%s)\n", Version, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "Engine:          %s (Falco rules engine compatible)\n", load.EngineVersion)
	fmt.Fprintf(w, "Go:              %s\n", runtime.Version())
	return nil
}
