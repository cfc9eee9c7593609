// Package priority owns the severity scale of rules and alerts, with
// Falco's names and parsing.
package priority

import (
	"fmt"
	"strings"
)

// Priority is a rule's severity. Lower values are more severe, as in Falco.
type Priority int

// Priorities, most severe first.
const (
	Emergency Priority = iota
	Alert
	Critical
	Error
	Warning
	Notice
	Informational
	Debug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String returns the capitalised name Falco prints.
func (p Priority) String() string {
	if p >= 0 && int(p) < len(priorityNames) {
		return priorityNames[p]
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}

// ParsePriority reads a priority name case-insensitively; "info" is
// accepted for Informational.
func ParsePriority(s string) (Priority, bool) {
	l := strings.ToLower(s)
	if l == "info" {
		return Informational, true
	}
	for i, n := range priorityNames {
		if strings.ToLower(n) == l {
			return Priority(i), true
		}
	}
	return 0, false
}

// AtLeast reports whether p is at least as severe as min.
func (p Priority) AtLeast(min Priority) bool { return p <= min }

// ShortName is the upper-case short name Falco's summary prints
// (Informational is INFO).
func (p Priority) ShortName() string {
	if p == Informational {
		return "INFO"
	}
	return strings.ToUpper(p.String())
}
