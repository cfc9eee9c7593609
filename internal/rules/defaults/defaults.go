// Package defaults owns Kestrel's default rules, embedded in the binary.
package defaults

import _ "embed"

// Name is how the embedded rules file is named in messages.
const Name = "kestrel_rules.yaml"

// Rules is the text of Kestrel's default rules file.
//
//go:embed kestrel_rules.yaml
var Rules []byte
