#!/bin/sh
# Live overhead of Kestrel's probe, side by side in one run (needs root):
#   1. a syscall-heavy workload (getppid loop, open+close and
#      open+read+close of /dev/null, fork+exec of /bin/true) with nothing
#      attached, with no-op raw tracepoints on syscall entry and exit (the
#      floor), and with Kestrel running Falco's stable rules; Kestrel's CPU
#      time and RSS are read from /proc while the workload runs;
#   2. a storm of file opens raised step by step, reporting for each step the
#      events lost in the kernel and whether the canary (cat /etc/shadow,
#      every half second) kept raising its rule; the highest rate with under
#      0.1% losses and every canary seen is the drop-free rate.
# Usage: bench/live-overhead.sh [ROUNDS] [RULESET]
#   ROUNDS: medians of ROUNDS rounds, default 5
#   RULESET: falco-stable (default: Falco's falco_rules.yaml) or kestrel
#   (Kestrel's embedded default rules, as `kestrel` runs with no -r)
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
RULESET=${2:-falco-stable}
SHARED=${KESTREL_SHARED:-../shared}
case "$RULESET" in
falco-stable)
	RULES_ARGS="-r $SHARED/falco-rules/falco_rules.yaml"
	CANARY_RULE="Read sensitive file untrusted" ;;
kestrel)
	RULES_ARGS=""
	CANARY_RULE="Sensitive credential file read" ;;
*) echo "live-overhead: RULESET is falco-stable or kestrel" >&2; exit 2 ;;
esac
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ "$(id -u)" -eq 0 ] || { echo "live-overhead: run as root" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
	[ -n "${kpid:-}" ] && kill "$kpid" 2>/dev/null || true
	[ -n "${npid:-}" ] && kill "$npid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
"$GO" build -o "$work/kestrel" ./cmd/kestrel
"$GO" build -o "$work/load" ./bench/cmd/syscall-load
"$GO" build -o "$work/noop" ./bench/cmd/noop-tracepoints

workload() {
	"$work/load" -mode getppid -n 2000000 -rounds "$ROUNDS"
	"$work/load" -mode openclose -n 300000 -rounds "$ROUNDS"
	"$work/load" -mode openreadclose -n 300000 -rounds "$ROUNDS"
	"$work/load" -mode forkexec -n 300 -rounds "$ROUNDS"
}

# cpu_ticks PID: user+system clock ticks of a process.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== nothing attached" >&2
workload >"$work/base"

echo "== no-op raw tracepoints" >&2
"$work/noop" >"$work/noop.out" &
npid=$!
until grep -q attached "$work/noop.out" 2>/dev/null; do sleep 0.1; done
workload >"$work/floor"
kill "$npid"; wait "$npid" 2>/dev/null || true; npid=

echo "== Kestrel with the $RULESET rules" >&2
# shellcheck disable=SC2086 # RULES_ARGS is a flag and its value, or nothing
"$work/kestrel" $RULES_ARGS -o webserver.enabled=false >"$work/alerts" 2>"$work/kestrel.err" &
kpid=$!
until grep -q 'msg="rules loaded"' "$work/kestrel.err" 2>/dev/null; do sleep 0.1; done
sleep 2 # the /proc scan and the probe load
t0=$(date +%s%N); c0=$(cpu_ticks "$kpid")
workload >"$work/withkestrel"
t1=$(date +%s%N); c1=$(cpu_ticks "$kpid"); rss=$(rss_kb "$kpid")
kill -INT "$kpid"; wait "$kpid" || true; kpid=
events=$(sed -n 's/^Kernel events: \([0-9]*\) written, \([0-9]*\) lost.*/\1 \2/p' "$work/kestrel.err")
hz=$(getconf CLK_TCK)

echo
printf "%-16s %12s %12s %12s %10s %10s\n" workload nothing floor kestrel "floor +" "kestrel +"
paste "$work/base" "$work/floor" "$work/withkestrel" | awk '{
	split($3, b, "="); split($7, f, "="); split($11, k, "=")
	printf "%-16s %9.1f %-2s %9.1f %-2s %9.1f %-2s %+9.0f%% %+9.0f%%\n", $1, b[2], $4, f[2], $8, k[2], $12, (f[2]/b[2]-1)*100, (k[2]/b[2]-1)*100
}'
awk -v c="$((c1 - c0))" -v hz="$hz" -v dt="$((t1 - t0))" -v rss="$rss" -v ev="$events" 'BEGIN {
	split(ev, e, " "); secs = dt / 1e9; cpu = c / hz / secs
	printf "\nKestrel during the workload: %.2f of a core, RSS %.1f MiB; %d events written, %d lost, %.0f events/s;\n", cpu, rss / 1024, e[1], e[2], e[1] / secs
	if (e[1] > 0) printf "CPU per 100k events/s: %.2f of a core\n", cpu / (e[1] / secs / 100000)
}'

echo
echo "== storm: open+close of /dev/null at a rising rate (2 events each), canary cat /etc/shadow every 0.5 s"
printf "%10s %12s %12s %10s %8s %8s\n" "opens/s" achieved events lost "loss %" canaries
best=0
for rate in 25000 50000 100000 200000 400000 800000; do
	# shellcheck disable=SC2086
	"$work/kestrel" $RULES_ARGS -o webserver.enabled=false -o json_output=true >"$work/storm.out" 2>"$work/storm.err" &
	kpid=$!
	until grep -q 'msg="rules loaded"' "$work/storm.err" 2>/dev/null; do sleep 0.1; done
	sleep 2
	( for i in 1 2 3 4 5 6; do cat /etc/shadow >/dev/null; sleep 0.5; done ) &
	cpid=$!
	achieved=$("$work/load" -mode storm -rate "$rate" -duration 3s | sed 's/.*achieved=\([0-9]*\).*/\1/')
	wait "$cpid"
	sleep 1
	kill -INT "$kpid"; wait "$kpid" || true; kpid=
	ev=$(sed -n 's/^Kernel events: \([0-9]*\) written, \([0-9]*\) lost.*/\1 \2/p' "$work/storm.err")
	canaries=$(grep "\"rule\":\"$CANARY_RULE\"" "$work/storm.out" | grep -c '"proc.name":"cat"' || true)
	echo "$ev" | awk -v r="$rate" -v a="$achieved" -v c="$canaries" '{
		loss = ($1 + $2) > 0 ? 100 * $2 / ($1 + $2) : 0
		printf "%10d %12d %12d %10d %7.3f%% %6d/6\n", r, a, $1, $2, loss, c
	}'
	ok=$(echo "$ev" | awk -v c="$canaries" '{ loss = ($1 + $2) > 0 ? 100 * $2 / ($1 + $2) : 0; print (loss < 0.1 && c == 6) ? 1 : 0 }')
	if [ "$ok" = 1 ]; then best=$achieved; fi
done
echo "drop-free rate (under 0.1% lost, every canary alerted): $best opens/s achieved ($((best * 2)) events/s)"
