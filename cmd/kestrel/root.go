package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/kestrel-project/kestrel/internal/config"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/rules/defaults"
	"github.com/kestrel-project/kestrel/internal/rules/load"
	"github.com/kestrel-project/kestrel/internal/selection"
	"github.com/kestrel-project/kestrel/internal/sources"
)

// Version is Kestrel's version, set at build time with -ldflags.
var Version = "0.1.0-dev"

type rootOptions struct {
	ctx         context.Context // from cobra (ExecuteContext): the live agent stops when it ends
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
	duration    int // -M: stop after this many seconds
	support     bool
	stderr      io.Writer // for warnings while loading the configuration
}

// setup is what every command needs: the field registry and the sources
// rules can target.
type setup struct {
	registry *fields.Registry
	sources  []*load.Source
}

func newSetup() *setup { return newSetupWith(nil) }

// newSetupWith adds the configuration's static fields to the syscall
// source.
func newSetupWith(static map[string]string) *setup {
	reg := fields.NewDefault()
	var binder engine.Binder = inspect.Binder{}
	if len(static) > 0 {
		if err := reg.Register(staticClass(static)); err == nil {
			binder = staticBinder{values: static, next: binder}
		}
	}
	return &setup{registry: reg, sources: []*load.Source{sources.Syscall(reg, binder)}}
}

func (s *setup) newLoader() *load.Loader {
	return s.newLoaderWith(config.Outputs{SuggestedOutput: true})
}

// newLoaderWith is newLoader honouring append_output's suggested_output.
func (s *setup) newLoaderWith(out config.Outputs) *load.Loader {
	opts := load.Options{Plugins: sources.BuiltinPlugins}
	for _, a := range out.Append {
		opts.AppendOutput = append(opts.AppendOutput, load.AppendOutput{Source: a.Source, Rule: a.Rule, Tags: a.Tags,
			Format: a.ExtraOutput, Fields: a.ExtraFields})
	}
	if out.SuggestedOutput {
		opts.AppendOutput = append(opts.AppendOutput, load.AppendOutput{Suggested: true})
	}
	return load.New(s.sources, opts)
}

// settings are the configuration sections the commands use.
type settings struct {
	engine  config.Engine
	outputs config.Outputs
	source  config.Source
	drops   config.Drops
	base    config.BaseSyscalls
	web     config.Webserver
	engines container.EngineConfig
	dests   config.Destinations
	watch   bool // watch_config_files
	logging config.Logging
	static  map[string]string // static_fields
	tree    *config.Tree
	// log is Kestrel's logger, as the logging keys configure it; closeLog
	// closes its syslog connection.
	log      *slog.Logger
	closeLog func()
	// configFiles are the configuration files read, main one first.
	configFiles []string
}

// loadConfig reads the configuration (readConfig) and starts Kestrel's
// logger as it says, with the schema warnings as its first messages.
func (o *rootOptions) loadConfig() (*settings, error) {
	st, warnings, err := o.readConfig()
	if err != nil {
		return nil, err
	}
	st.log, st.closeLog = newLogger(st.logging, o.stderr)
	for _, w := range warnings {
		st.log.Warn("configuration warning", "warning", w)
	}
	return st, nil
}

// readConfig reads -c and the files its config_files names, applies -o
// and decodes every section, so a bad key fails before any work starts.
// It also returns the schema warnings.
func (o *rootOptions) readConfig() (*settings, []string, error) {
	tree := config.Empty()
	var files, warnings []string
	if o.configFile != "" {
		t, loaded, err := config.LoadFileWithIncludes(o.configFile)
		if err != nil {
			return nil, nil, &exitError{code: 1, msg: err.Error()}
		}
		tree, files = t, loaded
		// As Falco, a configuration off the schema is warned about, not
		// refused; the settings decoders below reject unusable values.
		for _, f := range loaded {
			warnings = append(warnings, config.ValidateFile(f)...)
		}
	}
	for _, ov := range o.overrides {
		if err := tree.Override(ov); err != nil {
			return nil, nil, &exitError{code: 1, msg: err.Error()}
		}
	}
	st := settings{tree: tree, configFiles: files}
	var err error
	fail := func(err error) (*settings, []string, error) { return nil, nil, &exitError{code: 1, msg: err.Error()} }
	if st.engine, err = tree.EngineSettings(); err != nil {
		return fail(err)
	}
	if st.outputs, err = tree.OutputSettings(); err != nil {
		return fail(err)
	}
	if st.source, err = tree.SourceSettings(); err != nil {
		return fail(err)
	}
	if st.drops, err = tree.DropSettings(); err != nil {
		return fail(err)
	}
	if st.base, err = tree.BaseSyscallsSettings(); err != nil {
		return fail(err)
	}
	if st.web, err = tree.WebserverSettings(); err != nil {
		return fail(err)
	}
	if st.static, err = tree.StaticFields(); err != nil {
		return fail(err)
	}
	if st.logging, err = tree.LoggingSettings(); err != nil {
		return fail(err)
	}
	if st.watch, err = tree.WatchConfigFiles(); err != nil {
		return fail(err)
	}
	if st.dests, err = tree.DestinationSettings(); err != nil {
		return fail(err)
	}
	if st.engines, err = tree.ContainerSettings(); err != nil {
		return fail(err)
	}
	return &st, warnings, nil
}

func (o *rootOptions) run(stdout, stderr io.Writer) error {
	if o.version {
		return printVersion(stdout, o)
	}
	if o.support {
		return printSupport(stdout, stderr, o)
	}
	st, err := o.loadConfig()
	if err != nil {
		return err
	}
	defer st.closeLog()
	s := newSetupWith(st.static)
	if o.listSet {
		return listFields(stdout, s.registry, o.listSource, o.format, o.listNames, o.verbose)
	}
	if len(o.validate) > 0 {
		return validateFiles(stdout, stderr, s, o.validate, st.engine.JSONOutput, false)
	}
	loader, err := loadRules(s, o.rulesFiles, st)
	if err != nil {
		return err
	}
	if o.describeAll || o.describeOne != "" {
		return describeRules(stdout, loader, o.describeOne, st.engine.JSONOutput)
	}
	ruleset, enabled := loader.Ruleset(fields.SyscallSource, st.engine.Priority, selections(st.engine), matching(st.engine))
	st.log.Info("rules loaded", "rules", len(loader.Rules()), "enabled", len(enabled), "from", describeSources(o.rulesFiles, st.engine))
	// Falco computes the syscall selection in every mode, replay included
	// (where a capture is never filtered by it), and warns about rules that
	// need syscalls left out of it.
	sel := selection.Select(rulesSyscalls(ruleset), selection.Config{
		CustomSet: st.base.CustomSet, Repair: st.base.Repair, All: st.base.All})
	for _, w := range sel.Warnings {
		st.log.Warn(w)
	}
	if w := selection.UnsupportedWarning(sel.Unsupported); w != "" {
		st.log.Warn(strings.TrimSpace(w))
	}
	if o.dryRun {
		return nil
	}
	if st.source.Kind == "replay" {
		return runReplay(stdout, stderr, st, ruleset)
	}
	if st.source.Kind == "nodriver" {
		st.log.Info("engine.kind=nodriver: no syscall events to watch")
		return nil
	}
	// SIGHUP, or a change to a watched file, reloads the configuration
	// and the rules files: the settings that shape the ruleset apply at
	// once (the probe's selection changes in place and the new rules apply
	// from the next event), runLive puts the alert format, the outputs and
	// the web server in force, and the other changes are reported as
	// waiting for a restart.
	reload := func() (*reloaded, error) {
		nst, warnings, err := o.readConfig()
		if err != nil {
			return nil, err
		}
		nst.log = st.log
		for _, w := range warnings {
			st.log.Warn("configuration warning", "warning", w)
		}
		if keys := restartOnlyChanges(st, nst); len(keys) > 0 {
			st.log.Warn("configuration changes that apply at the next start", "keys", strings.Join(keys, ","))
		}
		l, err := loadRules(newSetupWith(nst.static), o.rulesFiles, nst)
		if err != nil {
			return nil, err
		}
		rs, enabled := l.Ruleset(fields.SyscallSource, nst.engine.Priority, selections(nst.engine), matching(nst.engine))
		st.log.Info("rules reloaded", "rules", len(l.Rules()), "enabled", len(enabled))
		return &reloaded{ruleset: rs, settings: nst, syscalls: selection.Select(rulesSyscalls(rs), selection.Config{
			CustomSet: nst.base.CustomSet, Repair: nst.base.Repair, All: nst.base.All})}, nil
	}
	var watch []string
	for _, e := range rulesEntries(o.rulesFiles, st.engine) {
		if e != defaults.Ref { // the embedded rules change only with the binary
			watch = append(watch, e)
		}
	}
	watch = append(watch, st.configFiles...)
	return runLive(o.ctx, stdout, stderr, st, ruleset, sel, time.Duration(o.duration)*time.Second, reload, watch)
}

// restartOnlyChanges names the configuration sections that differ between
// the settings read at start and reloaded ones but are only read at start:
// buffered_outputs, the container engines, logging, the event source and
// the drop monitor. (Rules files, priority, rules selections,
// rule_matching, append_output, static_fields, base_syscalls, the alert
// format (json_output and its options, time_format_iso_8601), the outputs
// with outputs_queue, and the web server apply on reload.)
func restartOnlyChanges(cur, next *settings) []string {
	var keys []string
	for _, c := range []struct {
		key     string
		changed bool
	}{
		{"buffered_outputs", cur.outputs.Buffered != next.outputs.Buffered},
		{"plugins.container", !reflect.DeepEqual(cur.engines, next.engines)},
		{"log_*", !reflect.DeepEqual(cur.logging, next.logging)},
		{"engine", !reflect.DeepEqual(cur.source, next.source)},
		{"syscall_event_drops", !reflect.DeepEqual(cur.drops, next.drops)},
		{"watch_config_files", cur.watch != next.watch},
	} {
		if c.changed {
			keys = append(keys, c.key)
		}
	}
	return keys
}

// rulesSyscalls is the union of the enabled rules' syscall sets.
func rulesSyscalls(rs *engine.Ruleset) event.SyscallSet {
	var out event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			out.Add(c)
		}
	}
	return out
}

// rulesEntries is what to load: the -r arguments, else rules_files, else
// the embedded default rules.
func rulesEntries(flagFiles []string, eng config.Engine) []string {
	switch {
	case len(flagFiles) > 0:
		return flagFiles
	case len(eng.RulesFiles) > 0:
		return eng.RulesFiles
	}
	return []string{defaults.Ref}
}

func describeSources(flagFiles []string, eng config.Engine) string {
	files := rulesEntries(flagFiles, eng)
	if len(files) == 1 && files[0] == defaults.Ref {
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
func loadRules(s *setup, flagFiles []string, st *settings) (*load.Loader, error) {
	loader := s.newLoaderWith(st.outputs)
	var results []*load.Result
	for _, f := range rulesEntries(flagFiles, st.engine) {
		results = append(results, loadEntry(loader, f)...)
	}
	for _, r := range results {
		if !r.OK() {
			return nil, &exitError{code: 1, msg: r.Verbose(loader.Contents())}
		}
		logRulesWarnings(st.log, r)
	}
	if err := loader.CheckPluginRequirements(); err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return loader, nil
}

// loadEntry loads one rules_files entry or -r argument: a file, a
// directory, or defaults.Ref for the embedded default rules.
func loadEntry(loader *load.Loader, entry string) []*load.Result {
	if entry != defaults.Ref {
		return loader.LoadPath(entry)
	}
	var results []*load.Result
	for _, f := range defaults.Files() {
		results = append(results, loader.LoadContent(f.Name, f.Content))
	}
	return results
}

func printVersion(w io.Writer, o *rootOptions) error {
	st, err := o.loadConfig()
	if err != nil {
		return err
	}
	defer st.closeLog()
	if st.engine.JSONOutput {
		return writeJSON(w, versionsInfo(), false)
	}
	fmt.Fprintf(w, "Kestrel version: %s (%s/%s)\n", Version, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "Engine:          %s (Falco rules engine compatible)\n", load.EngineVersion)
	fmt.Fprintf(w, "Go:              %s\n", runtime.Version())
	return nil
}
