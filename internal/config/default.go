package config

import _ "embed"

// DefaultYAML is Kestrel's default configuration, every value the
// built-in default (a test holds them equal).
//
//go:embed kestrel.yaml
var DefaultYAML []byte

// Default returns the default configuration.
func Default() *Tree {
	t, err := Parse("kestrel.yaml (embedded)", DefaultYAML)
	if err != nil {
		// The file is part of the binary and tested.
		panic(err)
	}
	return t
}
