package config

import (
	"reflect"
	"testing"
)

// sameDefaults decodes one section from the embedded default file and from
// an empty configuration and requires the same settings; normalize, when
// given, maps the file's empty lists to the built-in nil ones.
func sameDefaults[T any](t *testing.T, name string, decode func(*Tree) (T, error), normalize func(*T)) {
	t.Helper()
	fromFile, err1 := decode(Default())
	builtIn, err2 := decode(Empty())
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: %v / %v", name, err1, err2)
	}
	if normalize != nil {
		normalize(&fromFile)
	}
	if !reflect.DeepEqual(fromFile, builtIn) {
		t.Errorf("%s: the default file gives\n%+v\nthe built-in default is\n%+v", name, fromFile, builtIn)
	}
}

// The embedded default configuration states exactly the built-in
// defaults: decoding it gives what an empty configuration gives.
func TestDefaultConfigMatchesBuiltInDefaults(t *testing.T) {
	t.Setenv("HOST_ROOT", "")
	sameDefaults(t, "engine", (*Tree).EngineSettings, func(e *Engine) {
		if len(e.RulesFiles) == 0 {
			e.RulesFiles = nil
		}
		if len(e.Selections) == 0 {
			e.Selections = nil
		}
	})
	sameDefaults(t, "outputs", (*Tree).OutputSettings, nil)
	sameDefaults(t, "source", (*Tree).SourceSettings, nil)
	sameDefaults(t, "syscall_event_drops", (*Tree).DropSettings, nil)
	sameDefaults(t, "base_syscalls", (*Tree).BaseSyscallsSettings, func(b *BaseSyscalls) {
		if len(b.CustomSet) == 0 {
			b.CustomSet = nil
		}
	})
	sameDefaults(t, "webserver", (*Tree).WebserverSettings, nil)
	sameDefaults(t, "destinations", (*Tree).DestinationSettings, nil)
	sameDefaults(t, "logging", (*Tree).LoggingSettings, nil)
	sameDefaults(t, "containers", (*Tree).ContainerSettings, nil)
}
