package config

import "testing"

func TestEnvExpansion(t *testing.T) {
	t.Setenv("KESTREL_TEST_PORT", "9876")
	t.Setenv("KESTREL_TEST_DIR", "/etc/kestrel")
	t.Setenv("KESTREL_TEST_TRICK", "${KESTREL_TEST_DIR}")
	for in, want := range map[string]string{
		"${KESTREL_TEST_PORT}":                      "9876",
		"${KESTREL_TEST_DIR}/rules.d":               "/etc/kestrel/rules.d",
		"a ${KESTREL_TEST_UNSET_VAR} b":             "a  b",
		"$${KESTREL_TEST_PORT}":                     "${KESTREL_TEST_PORT}",
		"price $5 and ${KESTREL_TEST_PORT}":         "price $5 and 9876",
		"${unterminated":                            "${unterminated",
		"${KESTREL_TEST_TRICK}":                     "${KESTREL_TEST_DIR}",
		"x${KESTREL_TEST_PORT}y${KESTREL_TEST_DIR}": "x9876y/etc/kestrel",
	} {
		if got := expandValue(in); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
	tree, err := Parse("falco.yaml", []byte("webserver:\n  listen_port: ${KESTREL_TEST_PORT}\nrules_files:\n  - ${KESTREL_TEST_DIR}/a.yaml\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := tree.WebserverSettings()
	if err != nil || w.ListenPort != 9876 {
		t.Fatalf("webserver %+v %v", w, err)
	}
	e, err := tree.EngineSettings()
	if err != nil || len(e.RulesFiles) != 1 || e.RulesFiles[0] != "/etc/kestrel/a.yaml" {
		t.Fatalf("engine %+v %v", e, err)
	}
}
