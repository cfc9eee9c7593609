// Package sources owns the wiring between the event sources rules can
// target and the rules loader: for each source, its fields, how they are
// extracted from events and how event type names resolve. Today that is
// the syscall source, with the container plugin's fields built in; every
// command, test and benchmark that loads rules builds its loader here, so
// they all compile rules exactly as the agent does.
package sources

import (
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/inspect"
	"github.com/kestrel-project/kestrel/internal/rules/load"
)

// BuiltinPlugins are the Falco plugins whose fields Kestrel provides
// itself, with the plugin version whose fields it matches, so rule files'
// required_plugin_versions are satisfied.
var BuiltinPlugins = map[string]string{"container": "0.7.0"}

// Syscall is the syscall source over reg's fields (the default registry
// when nil), extracted through binder (inspect's when nil).
func Syscall(reg *fields.Registry, binder engine.Binder) *load.Source {
	if reg == nil {
		reg = fields.NewDefault()
	}
	if binder == nil {
		binder = inspect.Binder{}
	}
	syscall, _ := reg.Source(fields.SyscallSource)
	return &load.Source{
		Name:       fields.SyscallSource,
		Fields:     syscall,
		Binder:     binder,
		EventTypes: event.NewResolver(inspect.AsyncEventNames...),
		AsyncCode:  int(event.AsyncEventCode),
	}
}

// DefaultOptions are the loader options of the main job when the
// configuration says nothing: the built-in plugins declared and Falco's
// suggested output fields appended.
func DefaultOptions() load.Options {
	return load.Options{Plugins: BuiltinPlugins, AppendOutput: []load.AppendOutput{{Suggested: true}}}
}

// NewLoader is a loader of syscall rules with opts.
func NewLoader(opts load.Options) *load.Loader {
	return load.New([]*load.Source{Syscall(nil, nil)}, opts)
}
