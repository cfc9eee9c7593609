package probe

// The probe's objects are generated and committed, so that building
// Kestrel needs no clang; `make generate` reruns this (CI checks that the
// committed files match their sources).
//go:generate go run ../../internal/probe/gen bpf/events_gen.h
//go:generate go run ./ia32gen ia32_gen.go
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -target amd64 -cflags "-O2 -g -Wall -Werror -D__TARGET_ARCH_x86 -I./bpf" kestrel bpf/kestrel.bpf.c
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -target amd64 -cflags "-O2 -g -Wall -Werror -I./bpf" noop bpf/noop.bpf.c
