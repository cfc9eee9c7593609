package config

import (
	"reflect"
	"testing"
)

// The embedded default configuration states exactly the built-in
// defaults: decoding it gives what an empty configuration gives.
func TestDefaultConfigMatchesBuiltInDefaults(t *testing.T) {
	t.Setenv("HOST_ROOT", "")
	def, empty := Default(), Empty()
	check := func(name string, a, b any, errA, errB error) {
		t.Helper()
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", name, errA, errB)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the default file gives\n%+v\nthe built-in default is\n%+v", name, a, b)
		}
	}
	e1, err1 := def.EngineSettings()
	e2, err2 := empty.EngineSettings()
	if len(e1.RulesFiles) == 0 {
		e1.RulesFiles = nil
	}
	if len(e1.Selections) == 0 {
		e1.Selections = nil
	}
	check("engine", e1, e2, err1, err2)
	o1, err1 := def.OutputSettings()
	o2, err2 := empty.OutputSettings()
	check("outputs", o1, o2, err1, err2)
	s1, err1 := def.SourceSettings()
	s2, err2 := empty.SourceSettings()
	check("source", s1, s2, err1, err2)
	d1, err1 := def.DropSettings()
	d2, err2 := empty.DropSettings()
	check("syscall_event_drops", d1, d2, err1, err2)
	b1, err1 := def.BaseSyscallsSettings()
	b2, err2 := empty.BaseSyscallsSettings()
	if len(b1.CustomSet) == 0 {
		b1.CustomSet = nil
	}
	check("base_syscalls", b1, b2, err1, err2)
	w1, err1 := def.WebserverSettings()
	w2, err2 := empty.WebserverSettings()
	check("webserver", w1, w2, err1, err2)
	o3, err1 := def.DestinationSettings()
	o4, err2 := empty.DestinationSettings()
	check("outputs", o3, o4, err1, err2)
	l1, err1 := def.LoggingSettings()
	l2, err2 := empty.LoggingSettings()
	check("logging", l1, l2, err1, err2)
	c1, err1 := def.ContainerSettings()
	c2, err2 := empty.ContainerSettings()
	check("containers", c1, c2, err1, err2)
}
