#!/bin/sh
# Replay throughput: Kestrel against Debian's sysdig (libsinsp 0.29.3) on the
# same capture, side by side, with medians of RUNS runs and their ratio.
#
# The capture is ../shared/captures/run_as_user_0_container.scap (docker,
# sshd, dockerd activity) repeated ROUNDS times by bench/cmd/scaprepeat, in
# the process-list layout sysdig 0.29 reads. Each tool parses every event,
# updates its thread and fd tables and evaluates a filter:
#   state   sysdig filter / Kestrel rule "proc.name = no-such-process"
#           (an extraction per event that needs the thread table; no output)
#   falco   Kestrel only: Falco's stable rules (falco_rules.yaml), which
#           sysdig cannot run; the ratio is against sysdig's state run.
# Usage: bench/replay-vs-sysdig.sh [ROUNDS] [RUNS]   (defaults 1000, 5)
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-1000}
RUNS=${2:-5}
SHARED=${KESTREL_SHARED:-../shared}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
command -v sysdig >/dev/null || { echo "sysdig is not installed (apt-get install -y --no-install-recommends sysdig)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GO" build -o "$work/kestrel" ./cmd/kestrel
"$GO" build -o "$work/scaprepeat" ./bench/cmd/scaprepeat
"$work/scaprepeat" -n "$ROUNDS" -legacy "$SHARED/captures/run_as_user_0_container.scap" "$work/big.scap"
cat >"$work/state.yaml" <<'YAML'
- rule: no such process
  desc: needs proc.name on every event, matches none
  condition: proc.name = no-such-process
  output: never
  priority: DEBUG
  warn_evttypes: false
YAML

# seconds NAME CMD...: runs CMD RUNS times (output discarded) and prints
# the median wall time in seconds.
seconds() {
	name=$1
	shift
	: >"$work/$name.times"
	for _ in $(seq "$RUNS"); do
		start=$(date +%s%N)
		"$@" >/dev/null 2>&1
		end=$(date +%s%N)
		echo $(((end - start) / 1000)) >>"$work/$name.times"
	done
	sort -n "$work/$name.times" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m/1e6}'
}

cat "$work/big.scap" >/dev/null # page cache warm for both
events=$("$work/kestrel" replay "$work/big.scap" -r "$work/state.yaml" 2>&1 >/dev/null | sed -n 's/^Events read: \([0-9]*\).*/\1/p')
sysdig_state=$(seconds sysdig-state sysdig -r "$work/big.scap" "proc.name = no-such-process")
kestrel_state=$(seconds kestrel-state "$work/kestrel" replay "$work/big.scap" -r "$work/state.yaml")
kestrel_falco=$(seconds kestrel-falco "$work/kestrel" replay "$work/big.scap" -r "$SHARED/falco-rules/falco_rules.yaml")

echo "capture: run_as_user_0_container.scap x $ROUNDS = $events events, $(du -h "$work/big.scap" | cut -f1); medians of $RUNS runs"
awk -v n="$events" -v s="$sysdig_state" -v k="$kestrel_state" -v f="$kestrel_falco" 'BEGIN {
	printf "%-40s %8s %14s %10s\n", "run", "seconds", "events/s", "vs sysdig"
	printf "%-40s %8.3f %14.0f %10s\n", "sysdig -r (state filter)", s, n/s, "1.00x"
	printf "%-40s %8.3f %14.0f %9.2fx\n", "kestrel replay (state rule)", k, n/k, s/k
	printf "%-40s %8.3f %14.0f %9.2fx\n", "kestrel replay (Falco stable rules)", f, n/f, s/f
}'
echo "(vs sysdig > 1 means Kestrel is faster)"
