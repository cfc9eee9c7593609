// Package alert owns the alert: what a rule match produces, and its
// Falco-compatible text and JSON forms.
package alert
