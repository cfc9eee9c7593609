/* The floor of the live overhead benchmark: raw tracepoints on syscall
 * entry and exit that do nothing, so what a probe costs beyond merely
 * being attached can be told apart. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("raw_tp/sys_enter")
int noop_sys_enter(void *ctx) { return 0; }

SEC("raw_tp/sys_exit")
int noop_sys_exit(void *ctx) { return 0; }
