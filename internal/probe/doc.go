// Package probe owns Kestrel's eBPF probe: the C programs in bpf/ (built
// with bpf2go; the objects are committed), loading them, choosing the
// captured syscalls, reading the per-CPU ring buffers and the loss
// counters. It produces records in the format internal/event decodes, so
// live capture and replay share one decoder.
package probe
